"""The TT lowering pipeline: the whole pass order, in one place.

TileLang's engine calls :func:`TTPassPipelineBody` (through our
``BackendModule``, see ``backend.py``) after its target-neutral semantic
checks; TileLang then hands the resulting device module to our codegen.
None of TileLang's SIMT passes (layout inference, tile-op lowering, thread
sync, packed API) run for this target: our passes rewrite the tile ops.
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
    "tl.tt.InferDefaultTTShard",
    "tl.tt.MemorySpaceLowerTT",
    "tl.tt.GroupKStepsTT",
    "tl.tt.InferDefaultTTSchedule",
    "tl.tt.TTShardToCoreMap",
    "tl.tt.TilePadTT",
    "tl.tt.TensorizeTT",
    "tl.tt.GridToPersistentTT",
    "tl.tt.VerifyTTIR",
    "tl.tt.AnnotateTTKernelEntry",
)


def TTPassPipelineBody(mod: IRModule, target: Target) -> IRModule:  # noqa: N802
    # Target and user intent: bind the target, then complete the user's TT
    # annotations with the defaults (the backend picks the schedule, row-major,
    # DRAM-interleaved 32x32 tiles). Everything after reads these attrs.
    mod = tirx.transform.BindTarget(target)(mod)
    mod = apply_tt_defaults(mod)

    # Tensors first, so that a bad one (dtype, dynamic or empty shape) is
    # reported by name before anything that uses it.
    mod = transform.InferDefaultTTShard()(mod)

    # MemorySpaceLowerTT lowers the tile ops to the CB protocol, proves that
    # the kernel computes C = A @ B over its block nest (launch grid, batch or
    # persistent loops, guards) and replaces that nest by the output's block
    # grid, which the schedule passes then split over the cores.
    mod = transform.MemorySpaceLowerTT()(mod)
    # Where the output block's fp32 partial sums leave DST every K step,
    # several of the kernel's K steps move per CB push (same values, fewer
    # reloads); the schedule then weighs the grouped blocks.
    mod = transform.GroupKStepsTT()(mod)
    mod = transform.InferDefaultTTSchedule()(mod)
    mod = transform.TTShardToCoreMap()(mod)

    # TIR transforms. TilePadTT runs while the launch loops still exist: it
    # proves tile offsets in range from the loops' extents.
    # GridToPersistentTT removes those loops, so it is last.
    mod = transform.TilePadTT()(mod)
    mod = transform.TensorizeTT()(mod)
    mod = transform.GridToPersistentTT()(mod)

    # Verification: everything the code generators rely on.
    mod = transform.VerifyTTIR()(mod)

    # Hand the whole PrimFunc to the TT device codegen: there is no TVM host
    # function on this target (the host program is generated).
    mod = transform.AnnotateTTKernelEntry()(mod)
    return mod
