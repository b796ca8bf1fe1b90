"""The TT lowering pipeline: the whole pass order, in one place.

TileLang's engine calls :func:`TTPassPipelineBody` (through our
``BackendModule``, see ``backend.py``) after its target-neutral semantic
checks; TileLang then hands the resulting device module to our codegen.
"""

from __future__ import annotations

from tvm import IRModule, tirx
from tvm.target import Target

from . import transform
from .target import apply_tt_defaults

#: Names of the passes the pipeline runs, in order (tests assert against it).
TT_PASSES = (
    "tirx.BindTarget",
    "tl.tt.AnnotateTTDefaults",
    "tl.tt.AnnotateTTKernelEntry",
)


def TTPassPipelineBody(mod: IRModule, target: Target) -> IRModule:  # noqa: N802
    # Phase 0 -- target and user intent: bind the target, then complete the
    # user's TT annotations with the defaults (contiguous row-major schedule,
    # DRAM-interleaved 32x32 tiles). Everything after reads these attrs.
    mod = tirx.transform.BindTarget(target)(mod)
    mod = apply_tt_defaults(mod)

    # Phases 1-3 -- metadata inference, TIR transforms and verification --
    # arrive with issue #3.

    # Last -- hand the whole PrimFunc to the TT device codegen: there is no
    # TVM host function on this target (the host program is generated).
    mod = transform.AnnotateTTKernelEntry()(mod)
    return mod
