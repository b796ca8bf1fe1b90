"""The TT pass pipeline: which passes run, in which order (python/tilelang_tt/pipeline.py)."""

from __future__ import annotations

import tilelang
import tvm
from kernels import toy_gemm
from tvm.ir.instrument import pass_instrument

from tilelang_tt.pipeline import TT_PASSES


@pass_instrument
class PassRecorder:
    """Records the name of every pass that runs."""

    def __init__(self):
        self.names: list[str] = []

    def run_before_pass(self, mod, info):
        self.names.append(info.name)


def lowered_pass_names(kernel) -> list[str]:
    recorder = PassRecorder()
    with tvm.transform.PassContext(instruments=[recorder]):
        tilelang.lower(kernel, target="tenstorrent")
    return recorder.names


def test_every_tt_pass_runs_once_in_order():
    names = lowered_pass_names(toy_gemm())
    ran = [name for name in names if name in TT_PASSES]
    assert ran == list(TT_PASSES)


def test_no_simt_or_cuda_tile_op_lowering_runs():
    """Our passes rewrite the tile ops; TileLang's SIMT lowering must not run for this target."""
    names = lowered_pass_names(toy_gemm())
    for simt_pass in (
        "tl.LowerTileOp",
        "tl.LayoutInference",
        "tl.ThreadSync",
        "tl.MakePackedAPI",
        "tl.SplitHostDevice",
    ):
        assert simt_pass not in names
