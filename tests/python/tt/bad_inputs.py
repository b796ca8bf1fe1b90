"""The bad-input table of docs/limitations.md, as data.

Each case builds an input (a kernel, a target or an artifact directory) and
names the exception tilelang-tt must raise and fragments its message must
contain. ``python _bad_input_case.py <id> <dir>`` runs one case in a process
of its own and prints the outcome as JSON; test_bad_input.py runs them in a
server process of that script, so a crash is a test failure, not a lost run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import kernels as K


@dataclass(frozen=True)
class Case:
    id: str
    what: str  # one line for docs/limitations.md
    run: object  # callable(tmp_dir) -> None; raises on bad input
    error: str | None  # exception class name, None if the input is supported
    fragments: tuple[str, ...] = field(default=())


def lower(make_kernel, target="tenstorrent"):
    def run(tmp):
        import tilelang_tt

        tilelang_tt.lower(make_kernel(), target=target)

    return run


def lower_with_attrs(attrs):
    return lower(lambda: K.toy_gemm(func_attrs=attrs))


def simulate_dir(prepare):
    def run(tmp):
        from tilelang_tt.sim import simulate

        simulate(prepare(Path(tmp)))

    return run


def simulate_with(**kwargs):
    """simulate() of a good artifact directory with bad keyword arguments."""

    def run(tmp):
        import tilelang_tt
        from tilelang_tt.sim import simulate

        tilelang_tt.lower(K.gemm_kernel(64, 64, 64)).write(tmp / "a")
        simulate(tmp / "a", **kwargs)

    return run


def malformed_plan(tmp):
    import tilelang_tt

    tilelang_tt.lower(K.gemm_kernel(64, 64, 64)).write(tmp / "a")
    (tmp / "a" / "tt.plan.json").write_text('{"buffers": ')
    return tmp / "a"


def edited_plan(edit, kernel=None):
    """An artifact directory (of ``kernel()``, default a GEMM) whose plan was edited by ``edit(plan) -> plan``."""

    def prepare(tmp):
        import json

        import tilelang_tt

        tilelang_tt.lower(kernel() if kernel else K.gemm_kernel(64, 64, 64)).write(tmp / "a")
        path = tmp / "a" / "tt.plan.json"
        path.write_text(json.dumps(edit(json.loads(path.read_text()))))
        return tmp / "a"

    return prepare


def _set(plan, keys, value):
    node = plan
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return plan


def missing_host_program(tmp):
    import tilelang_tt

    tilelang_tt.lower(K.gemm_kernel(64, 64, 64)).write(tmp / "a")
    (tmp / "a" / "main.cpp").unlink()
    return tmp / "a"


def simulate_reserved_names(tmp):
    import tilelang_tt
    from tilelang_tt.sim import simulate

    tilelang_tt.lower(K.gemm_with_reserved_names()).write(tmp / "a")
    result = simulate(tmp / "a")
    assert result.ok, result.summary()


def simulate_1d_grid(tmp):
    from corpus import flat_grid

    import tilelang_tt
    from tilelang_tt.sim import simulate

    # 4 blocks per row: // and % become shift_right / bitwise_and; 5 per row: TileLang's floordiv form.
    for shape in ((128, 128, 64), (96, 160, 64)):
        out = tmp / f"a{shape[1]}"
        tilelang_tt.lower(flat_grid(*shape, 32, 32, 32)).write(out)
        result = simulate(out)
        assert result.ok, result.summary()


def simulate_long_name(tmp):
    import importlib.util

    import tilelang_tt
    from tilelang_tt.sim import simulate

    # TileLang reads a kernel's source, so the kernel with the long name lives in a file of its own.
    source = (
        Path(K.__file__).read_text().split("def gemm_kernel(")[0]
        + "def gemm_kernel("
        + Path(K.__file__).read_text().split("def gemm_kernel(")[1].split("\n\n\ndef ")[0]
    )
    source = source.replace("def gemm(", f"def {'k' * 5000}(").replace("return gemm", f"return {'k' * 5000}")
    path = tmp / "long_name_kernel.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("long_name_kernel", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tilelang_tt.lower(module.gemm_kernel(64, 64, 64)).write(tmp / "a")
    result = simulate(tmp / "a")
    assert result.ok, result.summary()


def simulate_kernel(make_kernel, target="tenstorrent"):
    """Lower and simulate a supported kernel; the verdict must be a match."""

    def run(tmp):
        import tilelang_tt
        from tilelang_tt.sim import simulate

        tilelang_tt.lower(make_kernel(), target=target).write(tmp / "a")
        result = simulate(tmp / "a")
        assert result.ok, result.summary()

    return run


def simulate_transposed_b(tmp):
    import tilelang_tt
    from tilelang_tt.sim import simulate

    tilelang_tt.lower(K.gemm_kernel(96, 64, 128, 32, 32, 64, trans_B=True)).write(tmp / "a")
    result = simulate(tmp / "a")
    assert result.ok, result.summary()


def simulate_block_k_past_k(tmp):
    import tilelang_tt
    from tilelang_tt.sim import simulate

    tilelang_tt.lower(K.gemm_kernel(64, 64, 32, 32, 32, 64)).write(tmp / "a")
    result = simulate(tmp / "a")
    assert result.ok, result.summary()


E = "TTError"
S = "SimulationError"
T = "TTTargetError"

CASES = [
    Case("fp16", "fp16 operands, a float32 accumulator, an fp16 C (supported: C packed through bf16)",
         simulate_kernel(lambda: K.gemm_kernel(96, 64, 128, dtype="float16")), None),
    Case("fp16-accum", "fp16 operands and a float16 accumulator (supported: FP16 DST)",
         simulate_kernel(lambda: K.gemm_kernel(96, 64, 128, dtype="float16", accum_dtype="float16")), None),
    Case("fp16-bf16-out", "fp16 operands, a bfloat16 C", lower(lambda: K.gemm_kernel(64, 64, 64, dtype="float16",
         out_dtype="bfloat16")), E, ("'C' (bfloat16) and 'A' (float16) cannot share a program",
                                     "mix Float16_b and Float16 tiles")),
    Case("bf16-fp16-accum", "bf16 operands, a float16 accumulator",
         lower(lambda: K.gemm_kernel(64, 64, 64, accum_dtype="float16")), E,
         ("accumulator 'C_local' has dtype float16", "supported: float32, or the operands' dtype (bfloat16)")),
    Case("fp16-bf16-mixed", "a float16 A times a bfloat16 B",
         lower(lambda: K.gemm_kernel(64, 64, 64, dtype="float16", b_dtype="bfloat16", out_dtype="float32")), E,
         ("the operands 'A' (float16) and 'B' (bfloat16) must have one dtype",)),
    Case("fp16-transpose-a", "T.gemm(..., transpose_A=True) with fp16 operands",
         lower(lambda: K.gemm_kernel(64, 64, 64, dtype="float16", trans_A=True)), E,
         ("transpose_A with float16 operands is not supported yet", "through bf16")),
    Case("fp16-accum-epilogue", "a ReLU epilogue on a float16 accumulator",
         lower(lambda: K.gemm_epilogue("relu", accum="float16", dtype="float16")), E,
         ("an epilogue on the float16 accumulator 'C_local' is not supported yet", "accumulate in float32")),
    Case("fp16-bias", "a float16 bias added by an epilogue of a float16 GEMM",
         lower(lambda: K.gemm_operand_epilogue("bias-float16", ab="float16")), E,
         ("'X' has dtype float16", "a tensor an epilogue reads must be bfloat16")),
    Case("elementwise-fp16",
         "an element-wise kernel on float16 tensors (supported: FP16 DST, each op truncated to fp16)",
         simulate_kernel(lambda: K.elementwise("scale-add-relu", 100, 70, dtype="float16")), None),
    Case("elementwise-fp16-relu", "T.max(A[y, x] + B[y, x], T.float16(0)) on float16 tensors (supported)",
         simulate_kernel(lambda: K.elementwise("add-relu-f16", 96, 64, 32, 32, dtype="float16")), None),
    Case("elementwise-fp16-exp", "T.exp in a float16 element-wise kernel",
         lower(lambda: K.elementwise("exp", dtype="float16")), E,
         ("T.exp in a float16 element-wise kernel is not supported yet", "rounds that op's result to bf16")),
    Case("elementwise-fp16-times", "a product of two float16 tensors, A[y, x] * B[y, x]",
         lower(lambda: K.elementwise("times", dtype="float16")), E,
         ("a product with the tensor 'B' in a float16 element-wise kernel is not supported yet",)),
    Case("fp32", "fp32 operands of a T.gemm (supported: TF32 in the source registers, fp32 DST)",
         simulate_kernel(lambda: K.gemm_kernel(96, 64, 128, dtype="float32")), None),
    Case("fp32-bf16-accum", "fp32 operands, a bfloat16 accumulator",
         lower(lambda: K.gemm_kernel(64, 64, 64, dtype="float32", accum_dtype="bfloat16")), E,
         ("accumulator 'C_local' has dtype bfloat16", "TF32, which needs fp32 DST")),
    Case("fp32-f16-out", "fp32 operands, a float16 C", lower(lambda: K.gemm_kernel(64, 64, 64, dtype="float32",
         out_dtype="float16")), E, ("float32 T.gemm operands beside the float16 'C'", "unpack the operands to FP16")),
    Case("fp32-transpose-a", "T.gemm(..., transpose_A=True) with fp32 operands",
         lower(lambda: K.gemm_kernel(64, 64, 64, dtype="float32", trans_A=True)), E,
         ("transpose_A with float32 operands is not supported yet", "unpack-to-DST")),
    Case("fp32-operands-bias", "a bias added to a GEMM of fp32 operands",
         lower(lambda: K.gemm_operand_epilogue("bias-row", ab="float32")), E,
         ("the epilogue reads 'X' beside the float32 T.gemm operands 'A'", "supported with bfloat16 operands")),
    Case("fp32-out", "bf16 operands, a float32 accumulator and a float32 C (supported: packed exactly)",
         simulate_kernel(lambda: K.gemm_kernel(96, 64, 128, out_dtype="float32")), None),
    Case("fp32-bias", "a float32 bias added by an epilogue",
         lower(lambda: K.gemm_operand_epilogue("bias-float32")), E,
         ("'X' has dtype float32", "a tensor an epilogue reads must be bfloat16")),
    Case("elementwise-shared-out", "an element-wise update into a shared buffer, then copied out (supported)",
         simulate_kernel(lambda: K.elementwise_staged("shared-out", 96, 160, 32)), None),
    Case("elementwise-copy-in-loop", "an element-wise input copied inside a loop the update is not in",
         lower(lambda: K.elementwise_staged("copy-in-loop")), E,
         ("'A_s' is filled inside a loop the update is not in", "once per output block")),
    Case("elementwise-f32-bias", "a float32 element-wise kernel adding a bias vector",
         lower(lambda: K.elementwise_f32_bias()), E,
         ("a float32 element-wise kernel adds the vector 'Bias'", "bfloat16 inputs only")),
    Case("elementwise-mixed-dtypes", "an element-wise kernel adding a float32 and a bfloat16 tensor",
         lower(lambda: K.elementwise_mixed()), E,
         ("the kernel's input tensors mix bfloat16 and float32", "share one dtype")),
    Case("int8", "int8 operands (int32 accumulator)",
         lower(lambda: K.gemm_kernel(64, 64, 64, dtype="int8", accum_dtype="int32")), E,
         ("buffer 'A'", "int8", "supports bfloat16, float16 and float32 tensors")),
    Case("dynamic-m", "symbolic M", lower(lambda: K.dynamic_gemm(dynamic="M")), E,
         ("buffer 'A'", "dynamic shape (m, 64)", "static shapes only")),
    Case("dynamic-n", "symbolic N", lower(lambda: K.dynamic_gemm(dynamic="N")), E,
         ("buffer 'B'", "dynamic shape (64, n)")),
    Case("dynamic-k", "symbolic K", lower(lambda: K.dynamic_gemm(dynamic="K")), E,
         ("buffer 'A'", "dynamic shape (64, k)")),
    Case("grid-3d", "a 3-D launch grid whose z index places nothing", lower(K.grid_3d), E,
         ("'grid3'", "blocks (bx=0, by=0, bz=0) and (bx=0, by=0, bz=1) both write the block at element (0, 0)")),
    Case("elementwise", "an element-wise kernel, C = A + B from blocks copied to shared (supported: SFPU in DST)",
         simulate_kernel(lambda: K.elementwise_add(96)), None),
    Case("elementwise-example", "examples/elementwise's C[y, x] = max(A[y, x] * 0.5 + B[y, x], 0) (supported)",
         simulate_kernel(lambda: K.elementwise("scale-add-relu", 100, 70)), None),
    Case("elementwise-times", "an element-wise product of two tensors, A[y, x] * B[y, x] (supported: mul_binary_tile)",
         simulate_kernel(lambda: K.elementwise("times")), None),
    Case("elementwise-swiglu", "SwiGLU, A[y, x] * T.sigmoid(A[y, x]) * B[y, x] (supported: silu_tile, mul_binary_tile)",
         simulate_kernel(lambda: K.elementwise("swiglu")), None),
    Case("elementwise-shifted", "an element-wise update reading B[y, x + 32]", lower(lambda: K.elementwise("shifted")),
         E, ("'B' is read at column offset bx * 64 + 32", "starts at bx * 64")),
    Case("elementwise-transposed", "an element-wise update reading B[x, y]",
         lower(lambda: K.elementwise("transposed")), E, ("the index of 'B'", "own position")),
    Case("elementwise-constant", "an element-wise update that reads no tensor",
         lower(lambda: K.elementwise("constant")), E, ("an update that reads no tensor",)),
    Case("elementwise-exp", "an element-wise T.exp (supported: the release's exp_tile on fp32 DST)",
         simulate_kernel(lambda: K.elementwise("exp")), None),
    Case("elementwise-exp2", "an element-wise T.exp2 (supported: exp2_tile)",
         simulate_kernel(lambda: K.elementwise("exp2")), None),
    Case("elementwise-log", "an element-wise T.log", lower(lambda: K.elementwise("log")), E,
         ("a call to tirx.log", "not supported by the Tenstorrent backend yet", "T.exp(x), T.exp2(x)")),
    Case("elementwise-block-16", "an element-wise block of 16 x 64",
         lower(lambda: K.elementwise("add", block_M=16)), E, ("the block (16, 64)", "multiples of 32")),
    Case("epilogue-relu", "a ReLU epilogue, T.max(C_local[i, j], 0) (supported: on the SFPU in DST)",
         simulate_kernel(lambda: K.gemm_epilogue("relu", 96, 64, 96)), None),
    Case("epilogue-chain", "T.max(C_local[i, j] * 2.0 - 0.25, 0) (supported: mul, add, relu)",
         simulate_kernel(lambda: K.gemm_epilogue("chain", 64, 96, 64)), None),
    Case("epilogue-transposed", "an epilogue reading C_local[j, i]", lower(lambda: K.gemm_epilogue("transposed")), E,
         ("T.Parallel over 'C_local'", "reading another element of 'C_local' than the one written")),
    Case("epilogue-division", "an epilogue dividing by a constant (supported: a product by its fp32 reciprocal)",
         simulate_kernel(lambda: K.gemm_epilogue("division")), None),
    Case("epilogue-rsqrt", "T.rsqrt(max(x, 0) + 1) on the accumulator (supported: rsqrt_tile on fp32 DST)",
         simulate_kernel(lambda: K.gemm_epilogue("rsqrt")), None),
    Case("epilogue-rsqrt-bf16", "T.rsqrt on a bfloat16 accumulator (16-bit DST)",
         lower(lambda: K.gemm_epilogue("rsqrt", accum="bfloat16")), E,
         ("T.rsqrt on the bfloat16 accumulator 'C_local' is not supported yet", "accumulate in float32")),
    Case("epilogue-exp", "an epilogue calling T.exp (supported: exp_tile, on the SFPU in DST)",
         simulate_kernel(lambda: K.gemm_epilogue("exp", 64, 96, 64)), None),
    Case("epilogue-silu", "a SiLU epilogue, C_local[i, j] * T.sigmoid(C_local[i, j]) (supported: silu_tile)",
         simulate_kernel(lambda: K.gemm_epilogue("silu", 96, 64, 64, accum="bfloat16")), None),
    Case("epilogue-tanh", "an epilogue calling T.tanh (supported: tanh_tile)",
         simulate_kernel(lambda: K.gemm_epilogue("tanh", 64, 96, 64)), None),
    Case("epilogue-erf", "an epilogue calling T.erf alone", lower(lambda: K.gemm_epilogue("erf")), E,
         ("T.Parallel over 'C_local'", "a call to tirx.erf", "T.erf is supported inside GELU",
          "x * 0.5 * (1 + T.erf(x * 0.7071067811865476))")),
    Case("epilogue-gelu", "GELU, C_local[i, j] * 0.5 * (1 + T.erf(C_local[i, j] * 0.7071...)) (supported: gelu_tile)",
         simulate_kernel(lambda: K.gemm_epilogue("gelu", 96, 64, 64)), None),
    Case("epilogue-gelu-wrong-scale", "x * 0.5 * (1 + T.erf(x * 0.5)): not GELU's scale",
         lower(lambda: K.gemm_epilogue("gelu-wrong-scale")), E,
         ("T.erf in a product that is not GELU's", "x * 0.5 * (1 + T.erf(x * 0.7071067811865476))")),
    Case("epilogue-x-times-erf", "x * T.erf(x)", lower(lambda: K.gemm_epilogue("x-times-erf")), E,
         ("T.erf in a product that is not GELU's",)),
    Case("epilogue-gelu-bf16", "GELU on a bfloat16 accumulator",
         lower(lambda: K.gemm_epilogue("gelu", accum="bfloat16")), E,
         ("GELU on the bfloat16 accumulator 'C_local' is not supported yet", "accumulate in float32")),
    Case("epilogue-sigmoid-of-other", "x * T.sigmoid(2 * x): a product with another function of x",
         lower(lambda: K.gemm_epilogue("sigmoid-of-other")), E,
         ("T.Parallel over 'C_local'", "neither the element being written nor a float32 constant")),
    Case("epilogue-rsub", "an epilogue 1.0 - x", lower(lambda: K.gemm_epilogue("rsub")), E,
         ("T.Parallel over 'C_local'", "a constant minus the element")),
    Case("epilogue-cast", "an epilogue constant cast through int32", lower(lambda: K.gemm_epilogue("cast-int")), E,
         ("T.Parallel over 'C_local'", "neither the element being written nor a float32 constant",
          'T.Cast("int32"')),
    Case("epilogue-denormal", "an epilogue multiplying by a denormal constant (1e-40)",
         lower(lambda: K.gemm_epilogue("denormal")), E,
         ("a denormal constant", "counts it as zero")),
    Case("epilogue-square", "an epilogue x * x", lower(lambda: K.gemm_epilogue("square")), E,
         ("an operand that is neither the element being written nor a float32 constant",)),
    Case("epilogue-partial", "an epilogue over half of the accumulator", lower(lambda: K.gemm_epilogue("partial")),
         E, ("one T.Parallel per axis of 'C_local'", "only whole-fragment epilogues")),
    Case("epilogue-bf16", "an epilogue on a bfloat16 accumulator (supported: 16-bit DST, stored back truncated)",
         simulate_kernel(lambda: K.gemm_epilogue("bf16-chain", 64, 96, 128, accum="bfloat16")), None),
    Case("epilogue-before-gemm", "a T.Parallel on the accumulator before the T.gemm",
         lower(lambda: K.gemm_epilogue("before-gemm")), E,
         ("T.Parallel over 'C_local'", "only as an epilogue on the T.gemm accumulator")),
    Case("epilogue-in-k-loop", "an epilogue inside the K loop", lower(lambda: K.gemm_epilogue("in-k-loop")), E,
         ("T.Parallel over 'C_local'", "inside the loop over 'k'", "after the K loop")),
    Case("epilogue-after-copy", "an epilogue after the output T.copy", lower(lambda: K.gemm_epilogue("after-copy")),
         E, ("T.Parallel over 'C_local'", "this one comes after that T.copy")),
    Case("epilogue-other-fragment", "an epilogue writing another fragment",
         lower(lambda: K.gemm_epilogue("other-fragment")), E,
         ("T.Parallel over 'D_local'", "only as an epilogue on the T.gemm accumulator")),
    Case("epilogue-bias-row", "C_local[i, j] + Bias[bx * block + j] (supported: a bias per column, unary_bcast ROW)",
         simulate_kernel(lambda: K.gemm_operand_epilogue("bias-row", 96, 160, 64, block=32)), None),
    Case("epilogue-bias-col", "Bias[by * block + i] + C_local[i, j] (supported: a bias per row, unary_bcast COL)",
         simulate_kernel(lambda: K.gemm_operand_epilogue("bias-col", 160, 96, 64, block=32)), None),
    Case("epilogue-residual", "T.max(C_local[i, j] + D[by * block + i, bx * block + j], 0) (supported: copy_tile)",
         simulate_kernel(lambda: K.gemm_operand_epilogue("residual", 96, 96, 64, block=32, accum="bfloat16")), None),
    Case("epilogue-bias-unshifted", "a bias read at Bias[j], not at the output block's column",
         lower(lambda: K.gemm_operand_epilogue("bias-unshifted")), E,
         ("'X' is read at column offset 0", "the output block 'C' starts at bx * 64", "own position")),
    Case("epilogue-bias-row-block", "a bias per column indexed by the block row, Bias[by * block + j]",
         lower(lambda: K.gemm_operand_epilogue("bias-of-the-row-block")), E,
         ("'X' is read at column offset by * 64", "starts at bx * 64")),
    Case("epilogue-bias-too-short", "a bias shorter than the output's columns",
         lower(lambda: K.gemm_operand_epilogue("bias-too-short")), E,
         ("'X' has shape (64,)", "one value per column ((128,))")),
    Case("epilogue-bias-times", "an epilogue multiplying by a vector, C_local[i, j] * X[bx * block + j] (supported)",
         simulate_kernel(lambda: K.gemm_operand_epilogue("bias-times", accum="bfloat16")), None),
    Case("epilogue-tensor-minus", "an epilogue X[...] - C_local[i, j]: a tensor minus the element",
         lower(lambda: K.gemm_operand_epilogue("tensor-minus")), E,
         ("a tensor minus the element", "x - D[...] is supported")),
    Case("epilogue-bias-twice", "the same bias added twice", lower(lambda: K.gemm_operand_epilogue("bias-twice")),
         E, ("'X' is added a second time",)),
    Case("epilogue-bias-diagonal", "a bias indexed by i + j", lower(lambda: K.gemm_operand_epilogue("bias-diagonal")),
         E, ("the index of the vector 'X'", "Bias[bx * block_N + j]")),
    Case("epilogue-residual-transposed", "a residual read transposed, D[bx * block + j, by * block + i]",
         lower(lambda: K.gemm_operand_epilogue("residual-transposed")), E,
         ("the index of 'X'", "the output element's own position")),
    Case("reduction", "row sums written element by element by a T.Parallel loop into a 2-D B", lower(K.row_sum), E,
         ("'rowsum'", "T.Parallel writing 'B': storing a vector into the tensor 'B' element by element",
          "is not supported")),
    Case("transpose-a", "T.gemm(..., transpose_A=True) (supported: A is K x M, transposed by compute)",
         simulate_kernel(lambda: K.gemm_kernel(96, 64, 128, 32, 32, 64, trans_A=True)), None),
    Case("transpose-b", "T.gemm(..., transpose_B=True) (supported: B is N x K)", simulate_transposed_b, None),
    Case("clear-accum", "T.gemm(..., clear_accum=True)",
         lower(lambda: K.gemm_kernel(64, 64, 64, clear_accum=True)), E, ("clear_accum=True", "T.clear")),
    Case("fill-nonzero", "an accumulator filled with 1", lower(lambda: K.gemm_kernel(64, 64, 64, fill_value=1)), E,
         ("T.fill of 'C_local' with 1", "start at zero")),
    Case("block-48", "48 x 48 blocks (not multiples of 32)", lower(lambda: K.gemm_kernel(96, 96, 96, 48, 48, 32)),
         E, ("'A_shared'", "48x32", "multiples of 32")),
    Case("empty", "a zero-sized tensor (M = 0)", lower(lambda: K.gemm_kernel(0, 64, 64)), E,
         ("buffer 'A'", "(0, 64)", "empty axis")),
    Case("l1-overflow", "CBs that overflow L1 (64 x 64 x 4096 blocks)",
         lower(lambda: K.gemm_kernel(64, 64, 4096, 64, 64, 4096)), E,
         ("2113536 bytes of L1", "cb_in0 1048576", "wormhole_b0 core has 1499136")),
    Case("dst-overflow", "512 x 512 output blocks: DST sub-blocks fit, their CBs do not fit L1",
         lower(lambda: K.gemm_kernel(1024, 1024, 64, 512, 512, 32)), E,
         ("2228224 bytes of L1", "cb_out0 1048576", "cb_partials 1048576", "wormhole_b0 core has 1499136")),
    Case("dram-overflow", "65536 x 65536 x 65536 (more than the DRAM banks hold)",
         lower(lambda: K.gemm_kernel(65536, 65536, 65536, 64, 64, 32)), E,
         ("2147487744 bytes in each of the 12 DRAM banks", "bank holds 1073741824")),
    Case("no-kernel", "a PrimFunc without T.Kernel", lower(K.no_kernel), E, ("'plain'", "no T.Kernel launch")),
    Case("arch", "an unknown arch", lower(K.toy_gemm, target={"kind": "tenstorrent", "arch": "grayskull"}), T,
         ("Unknown Tenstorrent arch 'grayskull'", "wormhole_b0, blackhole")),
    Case("fidelity", "an unknown math fidelity (math_fidelity = 'HiFi8')",
         lower(K.toy_gemm, target={"kind": "tenstorrent", "math_fidelity": "HiFi8"}), T,
         ("'math_fidelity' = 'HiFi8' is not a math fidelity", "HiFi4, HiFi3, HiFi2, LoFi")),
    Case("fidelity-hifi2", "math_fidelity = 'HiFi2' (supported: two multiplier phases, judged as such)",
         simulate_kernel(lambda: K.gemm_kernel(96, 64, 128), {"kind": "tenstorrent", "math_fidelity": "HiFi2"}),
         None),
    Case("target-option", "a non-positive target option (core_grid_x = 0)",
         lower(K.toy_gemm, target={"kind": "tenstorrent", "core_grid_x": 0}), T,
         ("'core_grid_x' must be a positive integer",)),
    Case("l1-32-bit", "l1_bytes = 2**33 (L1 addresses are 32-bit)",
         lower(K.toy_gemm, target={"kind": "tenstorrent", "l1_bytes": 2**33}), T,
         ("'l1_bytes' = 8589934592", "32-bit addresses")),
    Case("l1-below-reserved", "l1_bytes = 1000 (less than the firmware's region)",
         lower(K.toy_gemm, target={"kind": "tenstorrent", "l1_bytes": 1000}), T,
         ("'l1_bytes' = 1000 leaves nothing", "105824 bytes")),
    Case("grid-too-large", "a 24 x 24 core grid (more L1 than the simulator maps)",
         lower(K.toy_gemm, target={"kind": "tenstorrent", "core_grid_x": 24, "core_grid_y": 24}), T,
         ("576 cores", "exceed what the simulator maps", "smaller core_grid_x / core_grid_y")),
    Case("long-name", "a kernel named with 5000 characters (supported)", simulate_long_name, None),
    Case("policy", "tt.schedule_policy = 'round_robin'", lower_with_attrs({"tt.schedule_policy": "round_robin"}), E,
         ("tt.schedule_policy", "round_robin", "'contiguous'")),
    Case("policy-mcast2d-one-block", "tt.schedule_policy = 'mcast2d' on a GEMM of one output block",
         lower(lambda: K.gemm_kernel(32, 32, 32).with_attr("tt.schedule_policy", "mcast2d")), E,
         ("tt.schedule_policy 'mcast2d' cannot schedule", "1 x 1 block grid", "'contiguous' or 'auto'")),
    Case("policy-mcast2d-batched", "tt.schedule_policy = 'mcast2d' on a batched GEMM",
         lower(lambda: K.batched_gemm().with_attr("tt.schedule_policy", "mcast2d")), E,
         ("tt.schedule_policy 'mcast2d' cannot schedule", "a batched output is not supported by it yet")),
    Case("policy-mcast2d-order", "tt.schedule_policy = 'mcast2d' with tt.schedule_order = 'column_major'",
         lower_with_attrs({"tt.schedule_policy": "mcast2d", "tt.schedule_order": "column_major"}), E,
         ("tt.schedule_policy 'mcast2d' cannot schedule", "row-major", "'column_major'")),
    Case("k-group-zero", "tt.k_group = 0", lower(lambda: K.gemm_kernel(256, 256, 256, 128, 128, 32).with_attr(
        "tt.k_group", 0)), E, ("'tt.k_group' = 0 is not supported", "a positive integer")),
    Case("k-group-not-divisor", "tt.k_group = 3 on a kernel of 8 K steps", lower(
        lambda: K.gemm_kernel(256, 256, 256, 128, 128, 32).with_attr("tt.k_group", 3)), E,
        ("'tt.k_group' = 3 does not divide the kernel's 8 K steps", "a divisor of 8")),
    Case("k-group-bf16-partials", "tt.k_group = 2 where the partial sums are bf16 (a bfloat16 accumulator)", lower(
        lambda: K.gemm_kernel(256, 256, 256, 256, 128, 32, accum_dtype="bfloat16").with_attr("tt.k_group", 2)), E,
        ("'tt.k_group' = 2: the kernel's K steps cannot be grouped", "would change their rounding",
         "Supported here: 1")),
    Case("k-group-no-gemm", "tt.k_group = 2 on a reduction (no K loop to group)",
         lower(lambda: K.row_reduce("sum").with_attr("tt.k_group", 2)), E,
         ("'tt.k_group' = 2: the kernel computes no T.gemm", "supported here: 1")),
    Case("k-group-l1", "tt.k_group = 64: A's and B's CBs of 64 K steps of 128 x 128 blocks exceed the L1",
         lower(lambda: K.gemm_kernel(256, 256, 2048, 128, 128, 32).with_attr("tt.k_group", 64)), E,
         ("'tt.k_group' = 64: A's and B's circular buffers of 64 K steps need", "a smaller tt.k_group")),
    Case("order", "tt.schedule_order = 'zigzag'", lower_with_attrs({"tt.schedule_order": "zigzag"}), E,
         ("tt.schedule_order", "'row_major', 'column_major'")),
    Case("layout", "tt.layout = 'l1_sharded'", lower_with_attrs({"tt.layout": "l1_sharded"}), E,
         ("tt.layout", "l1_sharded", "'dram_interleaved'")),
    Case("tile-shape", "tt.tile_shape = [16, 16]", lower_with_attrs({"tt.tile_shape": [16, 16]}), E,
         ("tt.tile_shape", "Supported: [32, 32]")),
    Case("plan-malformed", "a malformed tt.plan.json given to simulate", simulate_dir(malformed_plan), S,
         ("not a tilelang-tt plan",)),
    Case("plan-list", "a plan that is a JSON list", simulate_dir(edited_plan(lambda p: [p])), S,
         ("not a tilelang-tt plan: at the top level", "is not of type 'object'")),
    Case("plan-no-buffers", 'a plan with "buffers": {}', simulate_dir(edited_plan(lambda p: _set(p, ["buffers"], {}))),
         S, ("not a tilelang-tt plan: at buffers",)),
    Case("plan-edited-shape", "a plan whose shape was edited (64 -> 96)",
         simulate_dir(edited_plan(lambda p: _set(p, ["buffers", "A", "shape"], [96, 64]))), S,
         ("inconsistent plan", "buffer 'A' has shape [96, 64] but tiles [2, 2]")),
    Case("plan-stage-operand", "a staged plan whose update reads a value no stage makes ('S' -> 'T')",
         simulate_dir(edited_plan(lambda p: _set(p, ["compute", "stages", 1, "epilogue", 0, "operand"], "T"),
                                  lambda: K.reduce_broadcast("max-sub"))), S,
         ("inconsistent plan", "stage 1 (eltwise into 'B') takes 'T' as 'col'; it needs a value of shape [128]")),
    Case("plan-loop-output-twice", "a plan whose loop writes one block of the output every iteration (step 0)",
         simulate_dir(edited_plan(lambda p: _set(p, ["compute", "stages", 5, "loop", "slices", 1, "step"], 0),
                                  lambda: K.carried_loop("second-loop"))), S,
         ("inconsistent plan", "stage 5 (eltwise into 'B') writes blocks [3, 3, 3, 3] of 64 along axis 1 of 'B'",
          "the loop writes each of its blocks once")),
    Case("plan-loop-no-output-slice", "a plan whose last stage runs in a loop without a slice of the output",
         simulate_dir(edited_plan(lambda p: (p["compute"]["stages"][5]["loop"]["slices"].pop(), p)[1],
                                  lambda: K.carried_loop("second-loop"))), S,
         ("inconsistent plan", "stage 5 (eltwise into 'B') runs in loop 1 but writes no block of 'B' an iteration")),
    Case("plan-unknown-arch", 'a plan with "arch": "grayskull"',
         simulate_dir(edited_plan(lambda p: _set(p, ["arch"], "grayskull"))), S,
         ("not a tilelang-tt plan: at arch", "'grayskull' is not one of")),
    Case("sim-unknown-input", "simulate(..., inputs={'Q': ...}): a name that is not an input",
         simulate_with(inputs={"Q": [[1.0]]}), S, ("inputs names 'Q'", "its inputs: A, B")),
    Case("sim-timeout", "simulate(..., timeout=-1)", simulate_with(timeout=-1), S,
         ("timeout must be a positive number of seconds, got -1",)),
    Case("no-main", "an artifact directory without main.cpp given to simulate", simulate_dir(missing_host_program),
         S, ("main.cpp",)),
    Case("copy-in-k-loop", "T.copy(C_local, C[...]) inside the K loop", lower(lambda: K.gemm_misplaced("copy_in_loop")),
         E, ("T.copy into 'C' from 'C_local' inside the loop over 'k'", "after the K loop")),
    Case("clear-in-k-loop", "T.clear(C_local) inside the K loop", lower(lambda: K.gemm_misplaced("clear_in_loop")),
         E, ("T.clear('C_local') inside the loop over 'k'", "before the K loop")),
    Case("gemm-twice", "the same T.gemm twice per K step", lower(lambda: K.gemm_misplaced("gemm_twice")), E,
         ("a second T.gemm (into 'C_local')", "one T.gemm per kernel")),
    Case("in-place", "A = A @ B written in place", lower(lambda: K.gemm_misplaced("in_place")), E,
         ("tensor 'A' is both read", "in-place GEMMs are not supported")),
    Case("operand-outside-k-loop", "A's block copied once, before the K loop that reads it",
         lower(lambda: K.gemm_misplaced("a_outside_loop")), E,
         ("T.copy into 'A_shared' is in no loop (once per output block)", "the T.gemm reading it is in the loop(s) "
          "over 'k'", "same loop as the T.gemm")),
    Case("unused-shared", "a shared buffer filled every K step that no T.gemm reads",
         lower(lambda: K.gemm_misplaced("unused_shared")), E,
         ("T.copy into 'X_shared' fills a shared buffer no T.gemm reads",)),
    Case("k-shifted", "A's K block read at (k + 1) % KT", lower(lambda: K.gemm_indexed("k_shifted")), E,
         ("T.copy into 'A_shared' reads columns from tile `(k + 1) % 4` of 'A'", "K step 'k' (k * 32)",
          "only C = A @ B")),
    Case("c-swapped", "the output block written at C[bx, by] (transposed block placement)",
         lower(lambda: K.gemm_indexed("c_swapped")), E,
         ("reads rows from tile `by` of 'A'", "the rows of the output block of 'C' (tile `bx`)")),
    Case("rows-dup", "two blocks of the grid write the same output block (rows by % 2)",
         lower(lambda: K.gemm_indexed("rows_dup")), E,
         ("blocks (bx=0, by=0) and (bx=0, by=2) both write the block at element (0, 0) of 'C'",)),
    Case("grid-short", "a launch grid with fewer blocks than the output", lower(lambda: K.gemm_indexed("grid_short")),
         E, ("no block of the 1 x 4 launch grid writes the block at element (0, 32) of 'C' (128, 64)",)),
    Case("negative-index", "a block offset with a negative intermediate (max(by - 1, 0))",
         lower(lambda: K.gemm_indexed("negative")), E,
         ("the offset `T.max(by - 1, 0)` * 32 into 'A' cannot be computed at block (bx=0, by=0)", "`by - 1` is -1",
          "non-negative")),
    Case("k-from-1", "a K loop starting at 1", lower(lambda: K.gemm_indexed("k_from_1")), E,
         ("the K loop over 'k' runs from 1 for 3 steps", "from 0, in steps of 1")),
    Case("k-nested", "K split over two nested loops", lower(lambda: K.gemm_indexed("k_nested")), E,
         ("the T.gemm is inside the loops over 'ko', 'ki'", "one loop over K")),
    Case("k-none", "no K loop although K > block_K", lower(lambda: K.gemm_indexed("k_none")), E,
         ("covers 1 block of block_K = 32 but 'A' (128, 128) has K = 128", "T.ceildiv(K, block_K) = 4")),
    Case("shapes-chain", "B with 96 rows for A's K = 128", lower(lambda: K.gemm_indexed("shapes")), E,
         ("shapes do not chain: 'A' (128, 128), 'B' (96, 64), 'C' (128, 64)",)),
    Case("two-outputs", "the accumulator copied to two tensors", lower(lambda: K.gemm_indexed("two_outputs")), E,
         ("T.copy into 'D': 'C_local' is copied out a second time (first into 'C')",)),
    Case("gemm-in-if", "T.gemm under `if k > 0`", lower(lambda: K.gemm_indexed("gemm_in_if")), E,
         ("T.gemm inside `if k > 0` is not supported", "unconditionally")),
    Case("copy-in-if", "the output T.copy under `if bx == 0`", lower(lambda: K.gemm_indexed("copy_in_if")), E,
         ("T.copy inside `if bx == 0` is not supported",)),
    Case("staged-never-written", "the accumulator staged into C_shared that nothing writes out",
         lower(lambda: K.gemm_staging("never_written")), E,
         ("accumulator 'C_local' is never copied to a global tensor", "staged into 'C_shared'")),
    Case("shared-operand-out", "an operand's shared buffer copied to the output tensor",
         lower(lambda: K.gemm_staging("shared_out")), E,
         ("T.copy into 'C' from the shared buffer 'A_shared'", "no T.copy from the accumulator fills")),
    Case("fragment-from-empty", "an operand fragment copied from a shared buffer nothing filled",
         lower(lambda: K.gemm_staging("frag_from_empty")), E,
         ("T.copy into 'A_frag' from 'X_shared'", "no T.copy from a global tensor filled")),
    Case("gemm-on-part", "T.gemm(A_shared[:, 0:32], ...) on half of a shared buffer",
         lower(K.gemm_on_part_of_a_buffer), E,
         ("operand A is a region (32, 32) of 'A_shared' (32, 64)",
          "only on the region the T.copy before it filled (A_shared[0:32, 0:64])")),
    Case("gemm-other-region", "the T.copy fills A_shared[:, 32:64], the T.gemm reads A_shared[:, 0:32]",
         lower(lambda: K.gemm_shared_regions("other_half")), E,
         ("operand A is a region (32, 32) of 'A_shared' (32, 64)", "(A_shared[0:32, 32:64])")),
    Case("clear-shared-late", "T.clear(A_shared) after the T.copy that fills it",
         lower(lambda: K.gemm_shared_regions("late_clear")), E,
         ("T.fill of 'A_shared' (scope shared.dyn) is not supported",
          "a T.gemm operand's shared buffer before the T.copy that fills it")),
    Case("shared-regions", "shared buffers twice the block, cleared, filled and read in one half (supported)",
         simulate_kernel(lambda: K.gemm_shared_regions()), None),
    Case("rank-4", "A (1, 2, M, K) with a leading axis C (2, M, N) lacks", lower(lambda: K.batched_gemm("rank_4")), E,
         ("shapes do not chain: 'A' (1, 2, 64, 64), 'B' (2, 64, 64), 'C' (2, 64, 64)", "the same batch")),
    Case("rank-5", "a rank-5 tensor", lower(lambda: K.batched_gemm("rank_5")), E,
         ("buffer 'A' has rank 5", "batched tensors of rank 3 or 4")),
    Case("batch-mismatch", "A with 3 matrices for C's 2", lower(lambda: K.batched_gemm("batch_mismatch")), E,
         ("shapes do not chain: 'A' (3, 64, 64), 'B' (2, 64, 64), 'C' (2, 64, 64)", "the same batch")),
    Case("batch-shifted", "A's matrix read at (bz + 1) % 2", lower(lambda: K.batched_gemm("batch_shifted")), E,
         ("reads batch `(bz + 1) % 2` of 'A'", "only C[b] = A[b] @ B[b]")),
    Case("batched", "a batched GEMM over a 3-D grid (supported)", simulate_kernel(lambda: K.batched_gemm()), None),
    Case("waves-overlap", "a persistent loop whose waves overlap (tile w + block, not w * 3 + block)",
         lower(lambda: K.persistent_gemm("overlap")), E,
         ("blocks (bx=1, w=0) and (bx=0, w=1) both write the block at element (0, 32)",)),
    Case("waves-short", "a persistent loop one wave short", lower(lambda: K.persistent_gemm("short")), E,
         ("no block of the 3 x 2 launch grid and loops writes the block at element (96, 0) of 'C' (128, 64)",)),
    Case("guard-partial", "T.clear inside the persistent bounds check, the output T.copy outside it",
         lower(lambda: K.persistent_gemm("guard_partial")), E,
         ("T.copy is outside `if w * 3 + bx < 8`, which T.clear('C_l') is inside", "enclose a whole output block")),
    Case("guard-else", "the output T.copy in an else branch", lower(lambda: K.persistent_gemm("guard_else")), E,
         ("T.copy in the else branch of `if w * 3 + bx < 9` is not supported",)),
    Case("loop-names", "T.clear in a loop `i`, the K loop and the output copy in another loop `i`",
         lower(lambda: K.gemm_nest_tricks("loop_names")), E,
         ("T.gemm is not inside the loops T.clear('C_l') is in",)),
    Case("guard-cast", "a bounds check through an int8 cast (it wraps)",
         lower(lambda: K.gemm_nest_tricks("guard_cast")), E,
         ("`T.Cast(\"int8\", bx * 128)` casts to int8, which is not evaluated",
          "an `if` around a whole output block may only test the block indices")),
    Case("persistent", "a persistent loop over waves of 3 blocks with a bounds check (supported)",
         simulate_kernel(lambda: K.persistent_gemm("")), None),
    Case("grid-1d", "a 1-D launch grid split with // and % (supported)", simulate_1d_grid, None),
    Case("reserved-names", "tensors named int, cb_in0, tile_bytes in a kernel named kernel_main (supported)",
         simulate_reserved_names, None),
    Case("block-k-past-k", "block_K = 64 > K = 32 (supported: the reader zero-fills)", simulate_block_k_past_k,
         None),
    Case("reduce-sum", "T.reduce_sum of a block of whole rows along dim=1 (supported: reduce_tile along rows)",
         simulate_kernel(lambda: K.row_reduce("sum", 96, 160, 32)), None),
    Case("reduce-max", "T.reduce_max along dim=1 into a bfloat16 result (supported: GMPOOL, exact)",
         simulate_kernel(lambda: K.row_reduce("max", 64, 96, 32, accum="bfloat16", out_dtype="bfloat16")), None),
    Case("reduce-sum-padded", "T.reduce_sum of rows of 200 columns, the block 224 wide (supported: zeros add nothing)",
         simulate_kernel(lambda: K.row_reduce("sum", 64, 200, 32, width=224)), None),
    Case("reduce-max-padded", "T.reduce_max of rows of 70 columns, the block 96 wide (the padding's zeros)",
         lower(lambda: K.row_reduce("max", 64, 70, 32, width=96)), E,
         ("'A' has 70 columns, not a multiple of 32", "would take part in the maximum")),
    Case("reduce-filled", "T.fill(S, 0) before T.reduce_sum(A_local, S, dim=1) (clear=True)",
         lower(lambda: K.row_reduce("filled")), E, ("'S' is filled (T.fill / T.clear) before a reduction",
                                                    "drop the fill")),
    Case("reduce-part-of-rows", "T.reduce_sum of a block of 128 of the rows' 256 columns",
         lower(lambda: K.row_reduce("sum", 64, 256, 32, width=128)), E,
         ("a block of 32x128 of 'A' (64, 256) for 32 values of 'B'", "reads whole rows")),
    Case("reduce-waves", "a row sum in a loop over waves of row blocks, the whole block inside it (supported)",
         simulate_kernel(lambda: K.row_reduce_waves()), None),
    Case("reduce-l1", "T.reduce_sum of blocks of 64 rows of 16384 bf16 columns (4 MiB, double-buffered)",
         lower(lambda: K.row_reduce("sum", 64, 16384, 64)), E,
         ("the circular buffers need", "use fewer rows per block (block_M): a reduction reads whole rows")),
    Case("reduce-cols", "T.reduce_sum along dim=0 of a block of whole columns (supported: reduce_tile along columns)",
         simulate_kernel(lambda: K.col_reduce("sum")), None),
    Case("reduce-cols-max", "T.reduce_max along dim=0 into a bfloat16 tensor (supported: GMPOOL, exact)",
         simulate_kernel(lambda: K.col_reduce("max", 64, 96, 32, out_dtype="bfloat16")), None),
    Case("reduce-dim0", "T.reduce_sum along dim=0 of a block of half the rows",
         lower(lambda: K.row_reduce("dim0")), E,
         ("a block of 64x256 of 'A' (128, 256) for 256 values of 'B'", "reads whole columns")),
    Case("reduce-cols-bf16", "T.reduce_sum along dim=0 into a bfloat16 fragment (16-bit DST)",
         lower(lambda: K.col_reduce("sum", accum="bfloat16", out_dtype="bfloat16")), E,
         ("a sum along columns (dim=0) into the bfloat16 'S'", "reduce into a float32 fragment")),
    Case("reduce-cols-padded", "T.reduce_sum along dim=0 of 100 rows, the block 128 high (supported)",
         simulate_kernel(lambda: K.col_reduce("sum", 100, 96, 32, block_M=128)), None),
    Case("reduce-cols-max-padded", "T.reduce_max along dim=0 of 100 rows, the block 128 high (the padding's zeros)",
         lower(lambda: K.col_reduce("max", 100, 96, 32, block_M=128)), E,
         ("'A' has 100 rows, not a multiple of 32", "would take part in the maximum")),
    Case("reduce-cols-max-bf16", "T.reduce_max along dim=0 into a bfloat16 fragment (supported: exact in 16-bit DST)",
         simulate_kernel(lambda: K.col_reduce("max", 64, 96, 32, accum="bfloat16", out_dtype="bfloat16")), None),
    Case("reduce-min", "T.reduce_min (supported: -max(-x), the negations on the SFPU)",
         simulate_kernel(lambda: K.row_reduce("min")), None),
    Case("reduce-accumulate", "T.fill(S, 0) then T.reduce_sum(..., clear=False) (supported: 0 + sum is the sum)",
         simulate_kernel(lambda: K.row_reduce("accumulate")), None),
    Case("reduce-accumulate-one", "T.fill(S, 1) then T.reduce_sum(..., clear=False) (supported: add_unary_tile(1.0) "
         "before the pack)", simulate_kernel(lambda: K.row_reduce("accumulate-one")), None),
    Case("reduce-accumulate-waves", "T.fill(S, 1) before a loop whose reductions add into S with clear=False",
         lower(lambda: K.reduce_filled("sum", 1.0, where="waves")), E,
         ("the T.fill of 'S' is not in the loops and `if`s the reduction with clear=False is in",
          "a running value the backend does not carry")),
    Case("reduce-accumulate-if", "T.fill(S, 1) in the first wave only (under an `if`), the reductions into S with "
         "clear=False in every wave", lower(lambda: K.reduce_filled("sum", 1.0, where="if")), E,
         ("the T.fill of 'S' is not in the loops and `if`s the reduction with clear=False is in",)),
    Case("reduce-fp32-max-into-bf16", "the maximum of a float32 tensor into a bfloat16 result (supported: the TF32 "
         "maximum packed to bf16)",
         simulate_kernel(lambda: K.row_reduce("max", dtype="float32", accum="bfloat16", out_dtype="bfloat16")), None),
    Case("reduce-clear-max-half", "T.fill(S, 0.5) then T.reduce_max(..., clear=False) into bfloat16 (supported: "
         "unary_max_tile(0.5) on fp32 DST before the pack)",
         simulate_kernel(lambda: K.reduce_filled("max", 0.5)), None),
    Case("reduce-clear-max-inf-bf16", "T.fill(S, -T.infinity(bfloat16)) then T.reduce_max(..., clear=False) "
         "(supported: max(-inf, m) = m)",
         simulate_kernel(lambda: K.reduce_filled("max", "-inf")), None),
    Case("reduce-fp32-into-bf16", "a float32 tensor reduced into a bfloat16 result (supported: TF32 data need fp32 "
         "DST, the result packed to bf16)",
         simulate_kernel(lambda: K.row_reduce("sum", dtype="float32", accum="bfloat16", out_dtype="bfloat16")), None),
    Case("loop-carried-second-loop", "examples/norm/rms_norm.py's rms_norm_splitk whole: a second loop reads the "
         "rows' factor made after the first and writes the output block by block (supported)",
         simulate_kernel(lambda: K.carried_loop("second-loop")), None),
    Case("loop-second-same-block", "a second loop of stages writing the same output block in every iteration",
         lower(lambda: K.carried_loop("second-loop-same-block")), E,
         ("T.copy into 'B': blocks (bx=0, k=0) and (bx=0, k=1) both write the block at element (0, 0) of 'B'",)),
    Case("loop-second-waves", "rms_norm_splitk whole in a loop over two row blocks (supported)",
         simulate_kernel(lambda: K.second_loop("waves")), None),
    Case("loop-second-block-before", "a second loop adding the block the first loop carried, "
         "x * rstd[i] + A_local[i, j] (supported)", simulate_kernel(lambda: K.second_loop("block-before")), None),
    Case("loop-second-mean", "a split-K row sum (A_local += A_shared), the mean, then x - mean[i] per column "
         "block (supported)", simulate_kernel(lambda: K.second_loop("mean")), None),
    Case("loop-second-recarry", "a second loop that keeps adding into A_local, the value the first carried",
         lower(lambda: K.second_loop("recarry")), E,
         ("T.Parallel writing 'A_local' in the loop over 'k'", "'A_local' is a value made before the loop, updated "
          "in it")),
    Case("loop-second-vector", "the rows' factor computed inside the second loop (an update of vectors there, "
         "supported: a stage of each iteration)", simulate_kernel(lambda: K.second_loop("vector")), None),
    Case("loop-second-copy-after", "the second loop's scaled block copied out after the loop",
         lower(lambda: K.second_loop("copy-after")), E,
         ("T.copy into 'B' from 'A_shared' after the loop over 'k' whose update makes it",)),
    Case("bind-offset", "T.copy offsets through a variable bound before them, row = bx * blk_m (supported)",
         simulate_kernel(lambda: K.bound_offsets()), None),
    Case("loop-rows-then-loop", "a maximum of whole rows read back by a loop over column blocks",
         lower(lambda: K.carried_loop("rows-then-loop")), E,
         ("reading the result 'A_max' of T.reduce_max: the update covers 1x2 tiles, the reduced block 1x8",)),
    Case("loop-carried-col-reduce", "a value carried over a loop of row blocks, then summed along columns",
         lower(lambda: K.carried_loop("col-reduce")), E,
         ("a loop that carries 'A_local' is supported before a reduction along rows (dim=1)",)),
    Case("loop-carried-nest-offset", "a loop of stages whose row blocks read the column blocks in their own order",
         lower(lambda: K.carried_loop("nest-offset")), E,
         ("T.copy into 'A_shared' in the loop over 'k'", "is not (a * k + b) * block columns")),
    Case("loop-carried-second-update", "a T.Parallel in the loop that carries a value updating a shared block "
         "(A_shared * 2)", lower(lambda: K.carried_loop("second-update")), E,
         ("in the loop that carries 'A_local', supported: updates of the values it carries in place",
          "this T.Parallel writes something else")),
    Case("loop-carried-repeated", "a serial loop between the T.clear and the loop of stages (the updates repeated)",
         lower(lambda: K.carried_loop("repeated")), E,
         ("the update of 'A_local' is inside the loops over '_r', 'k' after its T.fill",)),
    Case("loop-carried-copy-outside", "the block a loop of stages reads copied once, before the loop",
         lower(lambda: K.carried_loop("copy-outside")), E,
         ("'A_shared' is filled outside the loop over 'k' the update is in",)),
    Case("loop-carried-product", "a running product: T.fill(A_local, 1), then A_local = A_local * A_shared per "
         "column block (supported: the update starts from the carried value)",
         simulate_kernel(lambda: K.carried_loop("product")), None),
    Case("loop-waves-in-place", "a softmax-like staged program in a loop over waves of row blocks, updating its "
         "exponentials in place (supported: not a carried value, no fill before the loop)",
         simulate_kernel(lambda: K.carried_loop("waves")), None),
    Case("reduce-accumulate-unfilled", "T.reduce_sum(..., clear=False) with nothing written into the result before",
         lower(lambda: K.row_reduce("accumulate-unfilled")), E,
         ("clear=False combines with what 'S' held", "T.fill('S', c) with a constant c right before")),
    Case("reduce-fp32", "a reduction of a float32 tensor (supported: its tiles reach the matrix unit as TF32)",
         simulate_kernel(lambda: K.row_reduce("sum", dtype="float32")), None),
    Case("reduce-fp16", "a reduction of a float16 tensor (supported: the reader widens its tiles to float32)",
         simulate_kernel(lambda: K.row_reduce("sum", dtype="float16", out_dtype="float16")), None),
    Case("reduce-update-f16", "x - max(x)[i] + D[i, j] with float16 X, D and Y (supported: widened by the reader)",
         simulate_kernel(lambda: K.reduce_update_mixed("float16", "float16")), None),
    Case("reduce-update-f16-bf16", "x - max(x)[i] + D[i, j] with a float16 X and a bfloat16 D",
         lower(lambda: K.reduce_update_mixed("float16", "bfloat16")), E,
         ("the kernel's input tensors mix bfloat16 and float16 ('X' is float16, 'D' bfloat16)",)),
    Case("reduce-update-f16-f32", "x - max(x)[i] + D[i, j] with a float16 X and a float32 D",
         lower(lambda: K.reduce_update_mixed("float16", "float32")), E,
         ("reads 'X' (float16) and 'D' (float32), whose tiles differ in size", "use one dtype for them")),
    Case("reduce-in-loop", "a row sum over column blocks read in a loop",
         lower(lambda: K.row_reduce_in_loop()), E,
         ("T.reduce_sum into 'S' inside the loop over 'k'", "a reduction over blocks read in a loop is not supported",
          "read whole rows")),
    Case("reduce-broadcast", "a row maximum read back by an update, x - max[i] (supported: two compute stages)",
         simulate_kernel(lambda: K.reduce_broadcast("max-sub")), None),
    Case("reduce-broadcast-f32", "a float32 row sum read back by an update of the rows (a norm's broadcast)",
         lower(lambda: K.row_reduce("broadcast")), E,
         ("T.copy into 'B': 'S' is a value between stages", "writing it out is not supported yet")),
    Case("reduce-broadcast-index", "a row maximum read back at the column, x - max[j]",
         lower(lambda: K.reduce_broadcast("wrong-index")), E, ("'S' must be read at the element's own row, S[i]",)),
    Case("reduce-broadcast-write-both", "a row maximum read back by an update and also copied out",
         lower(lambda: K.reduce_broadcast("write-both")), E,
         ("T.copy into 'S_out'", "is a value between stages", "writing it out is not supported yet")),
    Case("reduce-broadcast-other-base",
         "C minus the row maxima of A: the update reads another tensor than the one reduced (supported)",
         simulate_kernel(lambda: K.reduce_broadcast_refused("c-base")), None),
    Case("reduce-broadcast-wide", "a row maximum read back, the block 512 columns over the tensor's 256",
         lower(lambda: K.reduce_broadcast_refused("wide")), E,
         ("the block of 'A' is 512 columns wide, the tensor has 256", "must read whole rows, in 8 tiles")),
    Case("reduce-broadcast-other-rows", "a row maximum of another row block than the one the update writes",
         lower(lambda: K.reduce_broadcast_refused("other-rows")), E,
         ("'A' is read at row offset", "but the output block 'B' starts at")),
    Case("reduce-broadcast-copied-first", "a row maximum copied out, then read back by an update",
         lower(lambda: K.reduce_broadcast_refused("copied-first")), E,
         ("reads 'S' after a T.copy wrote it out", "not supported yet")),
    Case("reduce-broadcast-second-update", "a second T.Parallel update after the one reading the maximum",
         lower(lambda: K.reduce_broadcast_refused("second-update")), E,
         ("a second element-wise update after the step that makes 'S'", "fold the ops into it")),
    Case("reduce-work-before", "an update a reduction reads, the square in place, then its row sum read back "
         "(supported: three stages)", simulate_kernel(lambda: K.reduce_broadcast("before")), None),
    Case("reduce-softmax", "a softmax of whole rows: max, exp(x - max), their sum, e / sum (supported: four stages)",
         simulate_kernel(lambda: K.softmax_rows("softmax")), None),
    Case("reduce-value-f32", "the square into a float32 fragment that a row sum reads (supported: a Float32 CB the "
         "reduction reads as TF32)",
         simulate_kernel(lambda: K.softmax_rows("square-sum", value_dtype="float32")), None),
    Case("reduce-value-f32-both", "a softmax whose float32 exponentials are both summed and divided "
         "(supported: the sum reads a copy of them in a CB of its own)",
         simulate_kernel(lambda: K.softmax_rows("softmax", value_dtype="float32")), None),
    Case("reduce-stage-refill", "the exponentials' fragment overwritten by a copy of X before it is divided",
         lower(lambda: K.softmax_rows("refill")), E,
         ("T.copy into 'e' overwrites the value an earlier step (an update, a T.gemm) made there",)),
    Case("reduce-stage-padded", "a row sum of the squares over 250 columns read as 256 (the padding would be f(0))",
         lower(lambda: K.softmax_rows("square-sum", N=250, width=256)), E,
         ("the tensor under 'e' has 250 columns, not a multiple of 32", "f(0)")),
    Case("reduce-stage-f32-tensor", "a float32 tensor squared and summed in stages (supported: its CB "
         "UnpackToDestFp32, copied into DST exactly)",
         simulate_kernel(lambda: K.softmax_rows("square-sum", x_dtype="float32")), None),
    Case("running-read-between", "a T.fill of the running value inside its loop, read by a T.copy before the "
         "reduction with clear=False that starts from that fill", lower(lambda: K.running_reduce(where="read-between")),
         E, ("T.copy reads 'S' between its T.fill and the reduction with clear=False that starts from that fill",)),
    Case("running-fill-at-end", "a loop ending with a T.fill of the running value that no reduction starts from",
         lower(lambda: K.running_reduce(where="fill-at-end")), E,
         ("the T.fill of 'S' in the loop over 'k' is followed by no T.reduce_*(..., 'S', clear=False)",)),
    Case("running-copy-read-after", "the running value copied into P each iteration, P read only after the loop",
         lower(lambda: K.running_reduce(where="copy-read-after")), E,
         ("'P' (read or made by the step making 'P' in the loop over 'k'): no stage reads it before the next "
          "value replaces it",)),
    Case("running-min", "T.reduce_min(..., clear=False) over column blocks into a value filled before the loop "
         "(supported: this block's minimum, then min with the running one)",
         simulate_kernel(lambda: K.running_reduce("min", 0.25)), None),
    Case("running-made-before", "a vector made before a loop by a reduction (not a T.fill), then updated in the "
         "loop from its own value", lower(lambda: K.carried_with_a_value_made_before("updated-in-loop")), E,
         ("'v' is made before the loop (not by a T.fill) and updated in it from its own value",)),
    Case("gemm-stage", "Q @ K^T as a T.gemm stage, softmaxed, times V (supported: two matmul stages)",
         simulate_kernel(lambda: K.attention_stage("ok")), None),
    Case("gemm-stage-no-clear", "a T.gemm stage whose accumulator no T.clear sets to zero first",
         lower(lambda: K.attention_stage("no-clear")), E, ("'acc_s' is not cleared right before it",)),
    Case("gemm-stage-transpose-a", "a T.gemm stage with transpose_A",
         lower(lambda: K.attention_stage("transpose-a")), E, ("T.gemm with transpose_A in a kernel of stages",)),
    Case("gemm-stage-half-k", "Q and K read 32 wide of their 64 along K by a T.gemm stage",
         lower(lambda: K.attention_stage("half-dim")), E, ("'Q' (128, 64) is read 32 wide along K",)),
    Case("gemm-stage-same-rows", "every output block's T.gemm stage reading the first block of Q",
         lower(lambda: K.attention_stage("same-queries")), E,
         ("its product's rows start at block row `0`", "A's block at the output's rows")),
    Case("gemm-stage-f32-both-ways", "a float32 product multiplied by V (TF32) and read into DST by an update",
         lower(lambda: K.attention_stage("f32-read-both-ways")), E,
         ("the float32 'acc_s' is multiplied by a T.gemm", "Cast it to bfloat16")),
    Case("flash-fwd", "flash attention's K/V loop on 2-D tensors, both T.gemm's stages of it (supported)",
         simulate_kernel(lambda: K.flash_attention_variant("ok")), None),
    Case("flash-v-reversed", "flash attention's loop reading V's blocks last to first, the keys first to last",
         lower(lambda: K.flash_attention_variant("v-reversed")), E,
         ("'acc_s_cast' and 'V' take different blocks of K in an iteration",)),
    Case("flash-no-fill", "flash attention's loop without the T.fill of acc_o before it",
         lower(lambda: K.flash_attention_variant("no-fill")), E,
         ("'acc_o' is updated in place in the loop, but no T.fill before the loop starts it",)),
    Case("flash-causal", "flash attention's causal mask and loop bound on 2-D tensors (supported)",
         simulate_kernel(lambda: K.flash_attention_variant("causal")), None),
    Case("causal-rows", "a causal mask whose row term is i, not the block's first row + i",
         lower(lambda: K.flash_attention_variant("causal-rows")), E,
         ("with T.if_then_else (a mask): its rows are `i` over 64 rows",
          "a mask's rows are the output block's own")),
    Case("causal-bound-zero", "a causal loop of T.min(n, T.ceildiv(bx * block_M, block_N)) steps: none for block 0",
         lower(lambda: K.flash_attention_variant("causal-bound-zero")), E,
         ("runs T.min(4, T.ceildiv(`bx * 64`, 64)) steps",
          "counts from the block's first row plus a positive constant")),
    Case("causal-mask-bf16", "a causal mask written into a bfloat16 fragment",
         lower(lambda: K.flash_attention_variant("causal-mask-bf16")), E,
         ("'acc_s_cast' is bfloat16; a mask is a float32 fragment",)),
    Case("flash-dead-fill", "a T.fill of acc_s_cast before flash attention's loop, read by nothing",
         lower(lambda: K.flash_attention_variant("dead-fill")), E,
         ("T.fill of 'acc_s_cast' with 0: in a kernel of stages with a T.gemm",)),
    Case("flash-k-is-q", "flash attention's keys read from Q (Q's block before the loop, its blocks in it)",
         lower(lambda: K.flash_attention_variant("k-is-q")), E, ("'Q' is read by one step as two blocks",)),
    Case("flash-part-keys", "flash attention's loop over all blocks of keys but the last",
         lower(lambda: K.flash_attention_variant("part-keys")), E,
         ("made blocks 1 * k + 0 of 64 over the loop's 3 iterations, not each of the 4 blocks once",)),
    Case("flash-out-cols", "flash attention on a 2-D grid, each output block half of the output's columns",
         lower(lambda: K.flash_attention_variant("out-cols")), E,
         ("is written 32 columns at a time", "writes whole rows of the output")),
    Case("mha-other-head", "attention scores on (batch, seq, heads, dim) tensors, K's block from the next head",
         lower(lambda: K.batched_layout("mha-other-head")), E,
         ("T.copy into 'K_shared' reads matrix `(by + 1) % 2` of 'K' (leading axes (1, 2)) for the output block in "
          "matrix `by` of 'P'",
          "each block of a batched tensor is read for its own matrix's output block")),
    Case("gemm-bshd", "C[b, :, h, :] = A[b, :, h, :] @ B[b, h]: (batch, seq, heads, dim) tensors (supported)",
         simulate_kernel(lambda: K.batched_layout("gemm-bshd")), None),
    Case("residual-bhsd", "a (batch, heads, M, N) residual added to a GEMM's output (supported)",
         simulate_kernel(lambda: K.batched_layout("residual-bhsd")), None),
    Case("residual-bshd", "a (batch, M, heads, N) residual D[bz, i, by, j] added to a GEMM's output (supported)",
         simulate_kernel(lambda: K.batched_layout("residual-bshd")), None),
    Case("flash-float16", "example_mha_fwd_bshd.py with its own float16 dtype (supported: Q, K, V widened to "
         "float32 by the reader, the output narrowed by the writer)",
         simulate_kernel(lambda: __import__("corpus").flash_attention_mha(1, 2, 64, 64, 64, 64, dtype="float16")),
         None),
    Case("flash-pad-keys", "flash attention over 96 keys in blocks of 64 (T.ceildiv: the last block past the keys)",
         lower(lambda: K.flash_attention_variant("pad-keys", S=96, block_M=32)), E,
         ("iteration blocks 0 to 1 of 64 rows reach past the 96 rows of 'K' (3 tiles)",
          "its length along the loop, rounded up to 32, must be a multiple of the block (64)")),
    Case("reduce-into-batched", "a row sum of a batched tensor's block written into a batched (B, S, H) tensor",
         lower(lambda: K.batched_layout("reduce-into-batched")), E,
         ("the reduction's result 's' is written into the batched tensor 'Y' (2, 64, 2)",
          "a batched one is not supported yet")),
    Case("residual-into-2d", "a (2, M, N) residual added to a 2-D GEMM output",
         lower(lambda: K.batched_layout("residual-into-2d")), E,
         ("'D' has shape (2, 64, 64); added to the output 'C' (64, 64) it must have the output's shape",)),
    Case("batched-into-2d", "a block of one matrix of a (2, M, N) tensor made into a 2-D output",
         lower(lambda: K.batched_layout("into-2d")), E,
         ("'X' is batched, its leading axes (2,), but the output 'Y' is not",)),
    Case("rows-two-axes", "a tensor copied in blocks X[b, rows, :] and X[rows, b, :]",
         lower(lambda: K.batched_layout("rows-two-axes")), E,
         ("'X' is accessed as blocks (1, 32, 64) (rows along axis 1) and as blocks (32, 1, 64) (rows along axis 0)",
          "every T.copy or element access of it must take its rows along the same axis")),
    Case("reduce-stage-chain", "seven stages lower (intermediate CBs c_26 to c_31, then c_23 down to c_17; the "
         "chain's second row sum may be 0, so its quotient is not judged)",
         lower(lambda: K.softmax_rows("chain")), None),
    Case("reduce-stage-chain-long", "fifteen stages: more values between them than the 13 CBs a program of "
         "stages has", lower(lambda: K.softmax_rows("chain-long")), E,
         ("more than 13 values between stages", "c_26 to c_31, then c_23 down to c_17")),
    Case("reduce-vector-update", "an update of a row sum alone, in place, s[i] = s[i] times 0.5, then x / s[i] "
         "(supported: a stage on the vector's tiles)", simulate_kernel(lambda: K.softmax_rows("vector-update")), None),
    Case("reduce-vector-out-of-place", "an update of a row sum into another fragment, m[i] = s[i] times 0.5, "
         "then x / m[i] (supported: a stage on the vector's tiles)",
         simulate_kernel(lambda: K.softmax_rows("vector-out-of-place")), None),
    Case("layernorm", "examples/norm/layernorm.py's forward with bfloat16 fragments: both row sums, mean and rstd in "
         "one T.Parallel, gamma and beta through shared vectors (supported: seven stages)",
         simulate_kernel(lambda: K.layernorm_rows()), None),
    Case("layernorm-stats-out", "layernorm's mean also stored element by element into a 1-D Mean tensor",
         lower(lambda: K.layernorm_rows(where="stats-out")), E,
         ("T.Parallel writing 'Mean': storing a vector into the tensor 'Mean' element by element",
          "writes one output")),
    Case("stage-unread", "a row sum reduced but read by no later update",
         lower(lambda: K.layernorm_rows(where="unread")), E,
         ("'sum_row' (T.reduce_sum of 'X') is not read by a later update",)),
    Case("vector-copy-written", "an update writing the shared vector a T.copy filled from gamma",
         lower(lambda: K.layernorm_rows(where="gamma-written")), E,
         ("T.Parallel writes 'G_smem', which a T.copy filled from 'gamma'",)),
    Case("vector-copy-part", "half of gamma copied into a shared vector of all of it",
         lower(lambda: K.layernorm_rows(where="gamma-part")), E,
         ("T.copy into 'G_smem': a shared vector (256,) is filled from a rank-1 tensor's region of its own length",)),
    Case("stage-unread-pending", "a row maximum after the row sum that no update reads",
         lower(lambda: K.vector_updates("unread")), E, ("'q' (T.reduce_max of 'X') is not read by a later update",)),
    Case("vector-after-block", "a vector updated after the block update that reads the row sum",
         lower(lambda: K.vector_updates("vector-after-block")), E,
         ("an update of vectors after the update of the block 'y'", "move this T.Parallel up")),
    Case("vector-bind-capture", "t = s[i]; s[i] = s[i] times 2; m[i] = t times 0.5 in one T.Parallel, then "
         "x * s[i] / m[i] (supported: t is s before the store, in a fragment of its own)",
         simulate_kernel(lambda: K.vector_updates("bind-capture")), None),
]  # fmt: skip

BY_ID = {case.id: case for case in CASES}
