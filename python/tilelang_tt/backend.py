"""The TT backend manifest: the one place that registers tilelang-tt with TileLang."""

from __future__ import annotations

import warnings

from tilelang.backend.device_codegen import DeviceCodegen
from tilelang.backend.execution_backend import ExecutionBackendSpec
from tilelang.backend.module import BackendModule, register_backend
from tilelang.backend.pass_pipeline import PassPipeline
from tilelang.backend.target import register_target_normalizer

from . import codegen, device, hook, jit, pipeline
from .attrs import TARGET_KIND
from .target import normalize_tt_target

#: The execution backends we declare, in the order ``execution_backend="auto"`` tries them: a
#: device through a TT-Metalium installation where one is found, else the simulator (jit.py).
EXECUTION_BACKENDS = (
    ExecutionBackendSpec(jit.DEVICE_BACKEND, is_available=device.available),
    ExecutionBackendSpec(jit.SIM_BACKEND),
)

register_target_normalizer(TARGET_KIND, normalize_tt_target, override=True)

BACKEND = register_backend(
    BackendModule(
        name=TARGET_KIND,
        target_kinds=(TARGET_KIND,),
        pipelines={TARGET_KIND: PassPipeline(TARGET_KIND, pipeline.TTPassPipelineBody)},
        device_codegens={
            TARGET_KIND: DeviceCodegen(
                TARGET_KIND,
                build=codegen.build_tilelang_tt,
                build_without_compile=codegen.build_tilelang_tt_without_compile,
            )
        },
        execution_backends=EXECUTION_BACKENDS,
    )
)

# tilelang.compile / @tilelang.jit reach our kernel cache through TileLang's dispatch table.
if hook.install([spec.name for spec in EXECUTION_BACKENDS], jit.KERNEL_CACHE):
    warnings.warn(f"tilelang-tt: tilelang.compile(target='tenstorrent') will not work: {hook.problem}", stacklevel=2)
