"""The TT backend manifest: the one place that registers tilelang-tt with TileLang."""

from __future__ import annotations

from tilelang.backend.device_codegen import DeviceCodegen
from tilelang.backend.execution_backend import ExecutionBackendSpec
from tilelang.backend.module import BackendModule, register_backend
from tilelang.backend.pass_pipeline import PassPipeline
from tilelang.backend.target import register_target_normalizer

from . import codegen, pipeline
from .attrs import TARGET_KIND
from .target import normalize_tt_target

#: The execution backend we declare. Nothing executes on this machine: the
#: artifacts (kernels, host program, plan) are the product.
EXECUTION_BACKEND = "tt_artifacts"

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
        execution_backends=(ExecutionBackendSpec(EXECUTION_BACKEND),),
    )
)
