"""The real-style kernel corpus: GEMMs written the way TileLang's own examples and tests write them.

Each entry is our own kernel in the style of a named TileLang file (the file it imitates is named in
``style_of``; no code is copied from it), with its own NumPy reference computed from the inputs. The
corpus test (``test_corpus.py``) lowers every entry for Tenstorrent, runs it on the simulator and checks
the output twice: against the plan's ``compute`` section (the simulator's verdict) and against the
entry's own reference, so a plan that misdescribes the kernel cannot pass.

Shapes are kept small enough for CI; they still cover several output blocks per core and padding.
Grow the corpus with every capability (issue #15 asks for at least 25 GEMM-family kernels).
No ``from __future__ import annotations`` here: TileLang evaluates the kernels' annotations.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import tilelang.language as T


@dataclass(frozen=True)
class Entry:
    name: str
    style_of: str  # the TileLang file (tile-ai/tilelang) whose way of writing the kernel it follows
    build: object  # () -> PrimFunc
    inputs: dict  # tensor name -> shape
    reference: object  # (inputs: dict of float64 arrays) -> float64 array of the output
    output: str = "C"
    accum: str = "float32"
    notes: str = ""
    target: dict = field(default_factory=dict)
    k: int = 0  # the contracted dimension (its error bound grows with it)
    #: (inputs: dict of float64 arrays) -> the scale the error bound is a fraction of; default: the
    #: reference on |inputs| (|a| @ |b| for a plain GEMM). An epilogue that scales or shifts sets its own.
    magnitude: object = None
    #: Tensors that are not bfloat16: name -> dtype ("float32").
    dtypes: dict = field(default_factory=dict)
    #: The schedule the plan must record ("mcast2d", "contiguous"), if the entry is about one.
    schedule: str = ""


# --- kernels, one per TileLang style ------------------------------------------------------------


def quickstart_matmul(M, N, K, block_M=128, block_N=128, block_K=32, dtype="bfloat16", accum_dtype="float32"):  # noqa: N803
    """examples/quickstart.py: the canonical tiled GEMM with TileLang's default 128 x 128 x 32 blocks."""

    @T.prim_func
    def matmul(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for ko in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
                T.copy(A[by * block_M, ko * block_K], A_shared)
                T.copy(B[ko * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            T.copy(C_local, C[by * block_M, bx * block_N])

    return matmul


def autotune_nt_staged(M, N, K, block_M=128, block_N=128, block_K=32, dtype="bfloat16", accum_dtype="float32"):  # noqa: N803
    """examples/gemm/example_gemm_autotune.py: B stored N x K (transpose_B), the result staged through
    a shared buffer before it is written out."""

    @T.prim_func
    def main(A: T.Tensor((M, K), dtype), B: T.Tensor((N, K), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_N, block_K), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            C_shared = T.alloc_shared((block_M, block_N), dtype)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[bx * block_N, k * block_K], B_shared)
                T.gemm(A_shared, B_shared, C_local, transpose_B=True)
            T.copy(C_local, C_shared)
            T.copy(C_shared, C[by * block_M, bx * block_N])

    return main


def tested_gemm(
    M,
    N,
    K,
    block_M,
    block_N,
    block_K,
    trans_B=False,
    accum_dtype="float32",
    num_stages=2,  # noqa: N803
    trans_A=False,
    out_dtype=None,
    dtype="bfloat16",
):  # noqa: N803
    """testing/python/kernel/test_tilelang_kernel_gemm.py: ``matmul`` with the layout flags the test
    sweeps (NN, NT, TN, TT), its own block sizes and its dtypes (``in_dtype``, ``out_dtype`` (default:
    the input's), ``accum_dtype``)."""
    out_dtype = out_dtype or dtype
    A_shape = (K, M) if trans_A else (M, K)  # noqa: N806
    A_shared_shape = (block_K, block_M) if trans_A else (block_M, block_K)  # noqa: N806
    B_shape = (N, K) if trans_B else (K, N)  # noqa: N806
    B_shared_shape = (block_N, block_K) if trans_B else (block_K, block_N)  # noqa: N806

    @T.prim_func
    def main(A: T.Tensor(A_shape, dtype), B: T.Tensor(B_shape, dtype), C: T.Tensor((M, N), out_dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared(A_shared_shape, dtype)
            B_shared = T.alloc_shared(B_shared_shape, dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=num_stages):
                if trans_A:
                    T.copy(A[k * block_K, by * block_M], A_shared)
                else:
                    T.copy(A[by * block_M, k * block_K], A_shared)
                if trans_B:
                    T.copy(B[bx * block_N, k * block_K], B_shared)
                else:
                    T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local, transpose_A=trans_A, transpose_B=trans_B)
            T.copy(C_local, C[by * block_M, bx * block_N])

    return main


def fragment_operands(M, N, K, block_M, block_N, block_K, a_in_fragment=True, b_in_fragment=False):  # noqa: N803
    """testing/python/kernel/test_tilelang_kernel_gemm.py: the ``matmul_rs`` / ``matmul_sr`` forms, an
    operand copied from shared memory into a fragment before T.gemm."""

    @T.prim_func
    def main(A: T.Tensor((M, K), "bfloat16"), B: T.Tensor((K, N), "bfloat16"), C: T.Tensor((M, N), "bfloat16")):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
            A_frag = T.alloc_fragment((block_M, block_K), "bfloat16")
            B_frag = T.alloc_fragment((block_K, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[k * block_K, bx * block_N], B_shared)
                if a_in_fragment:
                    T.copy(A_shared, A_frag)
                if b_in_fragment:
                    T.copy(B_shared, B_frag)
                if a_in_fragment and b_in_fragment:
                    T.gemm(A_frag, B_frag, C_local)
                elif a_in_fragment:
                    T.gemm(A_frag, B_shared, C_local)
                else:
                    T.gemm(A_shared, B_frag, C_local)
            T.copy(C_local, C[by * block_M, bx * block_N])

    return main


def autotune_nt_scaled(M, N, K, alpha, beta, lo, hi, block_M=128, block_N=128, block_K=32):  # noqa: N803
    """examples/gemm/example_gemm_autotune.py's NT GEMM staged through shared memory, with a scale-and-
    shift epilogue and a clamp, in two T.Parallel loops as a model's fused linear layer writes them."""

    @T.prim_func
    def main(A: T.Tensor((M, K), "bfloat16"), B: T.Tensor((N, K), "bfloat16"), C: T.Tensor((M, N), "bfloat16")):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_N, block_K), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            C_shared = T.alloc_shared((block_M, block_N), "bfloat16")
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[bx * block_N, k * block_K], B_shared)
                T.gemm(A_shared, B_shared, C_local, transpose_B=True)
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = C_local[i, j] * alpha + beta
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = T.min(T.max(C_local[i, j], lo), hi)
            T.copy(C_local, C_shared)
            T.copy(C_shared, C[by * block_M, bx * block_N])

    return main


def batched_grid_relu(batch, M, N, K, block_M=64, block_N=64, block_K=32):  # noqa: N803
    """The batched GEMM of test_tilelang_kernel_gemm_batched.py's style (the batch as the grid's third
    axis) with the quickstart's ReLU written as T.max(0, x)."""

    @T.prim_func
    def main(A: T.Tensor((batch, M, K), "bfloat16"), B: T.Tensor((batch, K, N), "bfloat16"),
             C: T.Tensor((batch, M, N), "bfloat16")):  # fmt: skip
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), batch, threads=128) as (bx, by, bz):
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[bz, by * block_M, k * block_K], A_shared)
                T.copy(B[bz, k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = T.max(0, C_local[i, j])
            T.copy(C_local, C[bz, by * block_M, bx * block_N])

    return main


#: linear_layer's update of the accumulator element c with the vector element v = Bias[bx * block_N + j].
LINEAR_EPILOGUES = {
    "bias-relu": lambda c, v: T.max(c + v, 0),
    "bias-silu": lambda c, v: (c + v) * T.sigmoid(c + v),
    "bias-gelu": lambda c, v: (c + v) * 0.5 * (1.0 + T.erf((c + v) * 0.7071067811865476)),
    "channel-scale": lambda c, v: c * v,
}


def linear_layer(M, N, K, epilogue, block_M=128, block_N=128, block_K=32, accum_dtype="float32"):  # noqa: N803
    """examples/quickstart.py's GEMM as a model's linear layer: B stored N x K (the weight), then an
    epilogue with a per-output-feature vector (LINEAR_EPILOGUES): a bias and the quickstart's ReLU, a bias
    and SiLU as models write it (x * T.sigmoid(x)), or a per-channel scale (a dequantised weight's)."""
    update = LINEAR_EPILOGUES[epilogue]

    @T.prim_func
    def linear(A: T.Tensor((M, K), "bfloat16"), B: T.Tensor((N, K), "bfloat16"), Bias: T.Tensor((N,), "bfloat16"),
               C: T.Tensor((M, N), "bfloat16")):  # fmt: skip
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_N, block_K), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for ko in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
                T.copy(A[by * block_M, ko * block_K], A_shared)
                T.copy(B[bx * block_N, ko * block_K], B_shared)
                T.gemm(A_shared, B_shared, C_local, transpose_B=True)
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = update(C_local[i, j], Bias[bx * block_N + j])
            T.copy(C_local, C[by * block_M, bx * block_N])

    return linear


#: quickstart_activation's update of the accumulator element x, by name.
ACTIVATIONS = {
    "relu": lambda x: T.max(x, 0),
    "sigmoid": lambda x: T.sigmoid(x),
    "exp": lambda x: T.exp(x * 0.125),
    "tanh": lambda x: T.tanh(x * 0.5),
    "exp2": lambda x: T.exp2(x * 0.25),
    "gelu": lambda x: 0.5 * x * (1.0 + T.erf(x / 1.4142135623730951)),
}
#: elementwise_activation's C[y, x] from the elements a, b, by name.
ELEMENTWISE_ACTIVATIONS = {
    "silu": lambda a, b: (a + b) * T.sigmoid(a + b),
    "exp": lambda a, b: T.exp(a) + b,
    "swiglu": lambda a, b: a * T.sigmoid(a) * b,
    "exp2-minus-max": lambda a, b: T.exp2(a * 1.44269504 - b),
    "geglu": lambda a, b: a * 0.5 * (1.0 + T.erf(a * 0.7071067811865476)) * b,
}


def quickstart_activation(  # noqa: N803
    M,
    N,
    K,
    activation,
    block_M=128,
    block_N=128,
    block_K=32,
    accum_dtype="float32",
    dtype="bfloat16",  # noqa: N803
):
    """examples/quickstart.py: the tiled GEMM with an activation on the accumulator (ACTIVATIONS): its
    ReLU as written, T.max(x, 0), or T.sigmoid, T.exp of the scaled accumulator (a softmax numerator's
    exp(x * scale)), T.tanh."""

    @T.prim_func
    def matmul_act(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for ko in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
                T.copy(A[by * block_M, ko * block_K], A_shared)
                T.copy(B[ko * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = ACTIVATIONS[activation](C_local[i, j])
            T.copy(C_local, C[by * block_M, bx * block_N])

    return matmul_act


def elementwise_activation(M, N, block_M, block_N, activation, dtype="bfloat16"):  # noqa: N803
    """examples/elementwise with an activation of the sum: SiLU(A + B) (a gated MLP's x * sigmoid(x)
    on a residual sum), or exp(A) + B."""

    @T.prim_func
    def elem_act(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            start_x = bx * block_N
            start_y = by * block_M
            for local_y, local_x in T.Parallel(block_M, block_N):
                y = start_y + local_y
                x = start_x + local_x
                C[y, x] = ELEMENTWISE_ACTIVATIONS[activation](A[y, x], B[y, x])

    return elem_act


def tested_gemm_bias(M, N, K, block_M, block_N, block_K, per_row=False, accum_dtype="float32"):  # noqa: N803
    """testing/python/kernel/test_tilelang_kernel_gemm.py's ``matmul`` with a bias added to the
    accumulator as TileLang's GEMM templates do (``C_local[i, j] += Bias[...]``): one value per column,
    or with ``per_row`` one per row."""
    bias_len = M if per_row else N

    @T.prim_func
    def main(A: T.Tensor((M, K), "bfloat16"), B: T.Tensor((K, N), "bfloat16"), Bias: T.Tensor((bias_len,), "bfloat16"),
             C: T.Tensor((M, N), "bfloat16")):  # fmt: skip
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            if per_row:
                for i, j in T.Parallel(block_M, block_N):
                    C_local[i, j] += Bias[by * block_M + i]
            else:
                for i, j in T.Parallel(block_M, block_N):
                    C_local[i, j] += Bias[bx * block_N + j]
            T.copy(C_local, C[by * block_M, bx * block_N])

    return main


def batched_residual(batch, M, N, K, alpha, block_M=64, block_N=64, block_K=32, accum_dtype="float32"):  # noqa: N803
    """test_tilelang_kernel_gemm_batched.py's style (the batch as the grid's third axis) with a
    transformer block's residual: C = alpha * (A @ B) + D, D of C's shape."""

    @T.prim_func
    def main(A: T.Tensor((batch, M, K), "bfloat16"), B: T.Tensor((batch, K, N), "bfloat16"),
             D: T.Tensor((batch, M, N), "bfloat16"), C: T.Tensor((batch, M, N), "bfloat16")):  # fmt: skip
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), batch, threads=128) as (bx, by, bz):
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[bz, by * block_M, k * block_K], A_shared)
                T.copy(B[bz, k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = C_local[i, j] * alpha + D[bz, by * block_M + i, bx * block_N + j]
            T.copy(C_local, C[bz, by * block_M, bx * block_N])

    return main


def elementwise_add(M, N, block_M, block_N, dtype="bfloat16", out_dtype=None):  # noqa: N803
    """examples/elementwise/example_elementwise_add.py: C = A + B, one T.Parallel nest per block over
    the global tensors, the element's position computed in the loop body."""

    @T.prim_func
    def elem_add(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype), C: T.Tensor((M, N), out_dtype or dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            start_x = bx * block_N
            start_y = by * block_M
            for local_y, local_x in T.Parallel(block_M, block_N):
                y = start_y + local_y
                x = start_x + local_x
                C[y, x] = A[y, x] + B[y, x]

    return elem_add


def elementwise_staged(M, N, alpha, block_M=64, block_N=64):  # noqa: N803
    """The element-wise update of examples/elementwise staged the way TileLang's GEMM examples stage
    their blocks: A and B copied into shared memory, C_local = max(alpha * A + B + Bias, 0) in a
    float32 fragment, copied out."""

    @T.prim_func
    def staged(A: T.Tensor((M, N), "bfloat16"), B: T.Tensor((M, N), "bfloat16"), Bias: T.Tensor((N,), "bfloat16"),
               C: T.Tensor((M, N), "bfloat16")):  # fmt: skip
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_N), "bfloat16")
            B_shared = T.alloc_shared((block_M, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            T.copy(A[by * block_M, bx * block_N], A_shared)
            T.copy(B[by * block_M, bx * block_N], B_shared)
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = T.max(A_shared[i, j] * alpha + B_shared[i, j] + Bias[bx * block_N + j], 0)
            T.copy(C_local, C[by * block_M, bx * block_N])

    return staged


def flat_grid(M, N, K, block_M=128, block_N=128, block_K=32):  # noqa: N803
    """examples/gemm/example_gemm_schedule.py-like: a 1-D launch grid whose block index is split into a
    (row, column) of output blocks with // and %."""
    grid_n = T.ceildiv(N, block_N)

    @T.prim_func
    def main(A: T.Tensor((M, K), "bfloat16"), B: T.Tensor((K, N), "bfloat16"), C: T.Tensor((M, N), "bfloat16")):
        with T.Kernel(T.ceildiv(M, block_M) * grid_n, threads=128) as pid:
            pid_m = pid // grid_n
            pid_n = pid % grid_n
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[pid_m * block_M, k * block_K], A_shared)
                T.copy(B[k * block_K, pid_n * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            T.copy(C_local, C[pid_m * block_M, pid_n * block_N])

    return main


def batched_loop_gemm(
    batch,
    M,
    N,
    K,
    block_M,
    block_N,
    block_K,
    trans_B=False,
    accum_dtype="float32",  # noqa: N803
    trans_A=False,
):  # noqa: N803
    """testing/python/kernel/test_tilelang_kernel_gemm_batched.py: a serial loop over the batch inside each
    block of a 2-D grid, with shared buffers that carry the batch axis and are used one slice at a time."""
    A_shape = (batch, K, M) if trans_A else (batch, M, K)  # noqa: N806
    A_slab = (batch, block_K, block_M) if trans_A else (batch, block_M, block_K)  # noqa: N806
    B_shape = (batch, N, K) if trans_B else (batch, K, N)  # noqa: N806
    B_slab = (batch, block_N, block_K) if trans_B else (batch, block_K, block_N)  # noqa: N806

    @T.prim_func
    def main(A: T.Tensor(A_shape, "bfloat16"), B: T.Tensor(B_shape, "bfloat16"),
             C: T.Tensor((batch, M, N), "bfloat16")):  # fmt: skip
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared(A_slab, "bfloat16")
            B_shared = T.alloc_shared(B_slab, "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            for b in T.serial(batch):
                T.clear(C_local)
                for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=0):
                    if trans_A:
                        T.copy(A[b, k * block_K, by * block_M], A_shared[b, :, :])
                    else:
                        T.copy(A[b, by * block_M, k * block_K], A_shared[b, :, :])
                    if trans_B:
                        T.copy(B[b, bx * block_N, k * block_K], B_shared[b, :, :])
                    else:
                        T.copy(B[b, k * block_K, bx * block_N], B_shared[b, :, :])
                    T.gemm(A_shared[b, :, :], B_shared[b, :, :], C_local, transpose_A=trans_A, transpose_B=trans_B)
                T.copy(C_local, C[b, by * block_M, bx * block_N])

    return main


def batched_grid_gemm(batch, M, N, K, block_M=128, block_N=128, block_K=32, b_batched=True, dtype="bfloat16"):  # noqa: N803
    """The batched GEMM with the batch as the launch grid's third axis (T.Kernel(..., batch) as
    (bx, by, bz)); B is either batched too or one matrix every batch multiplies by (a weight)."""
    B_shape = (batch, K, N) if b_batched else (K, N)  # noqa: N806

    @T.prim_func
    def main(A: T.Tensor((batch, M, K), dtype), B: T.Tensor(B_shape, dtype),
             C: T.Tensor((batch, M, N), dtype)):  # fmt: skip
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), batch, threads=128) as (bx, by, bz):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[bz, by * block_M, k * block_K], A_shared)
                if b_batched:
                    T.copy(B[bz, k * block_K, bx * block_N], B_shared)
                else:
                    T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            T.copy(C_local, C[bz, by * block_M, bx * block_N])

    return main


def persistent_gemm(M, N, K, block_M=128, block_N=128, block_K=32, sm_num=6):  # noqa: N803
    """examples/gemm_persistent/example_gemm_persistent.py: sm_num resident blocks walk the output blocks
    with T.Persistent; the result is staged through shared memory."""

    @T.prim_func
    def main(A: T.Tensor((M, K), "bfloat16"), B: T.Tensor((K, N), "bfloat16"), C: T.Tensor((M, N), "bfloat16")):
        with T.Kernel(sm_num, threads=128) as block_id:
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            C_shared = T.alloc_shared((block_M, block_N), "bfloat16")
            for bx, by in T.Persistent([T.ceildiv(M, block_M), T.ceildiv(N, block_N)], sm_num, block_id):
                T.clear(C_local)
                for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                    T.copy(A[bx * block_M, k * block_K], A_shared)
                    T.copy(B[k * block_K, by * block_N], B_shared)
                    T.gemm(A_shared, B_shared, C_local)
                T.copy(C_local, C_shared)
                T.copy(C_shared, C[bx * block_M, by * block_N])

    return main


def manual_persistent_gemm(M, N, K, block_M=64, block_N=64, block_K=32, sm_num=5, group=2):  # noqa: N803
    """examples/gemm_persistent/example_gemm_persistent.py, written out by hand: waves of sm_num blocks,
    each wave's tile id mapped to a grouped raster of output blocks (group block rows at a time) and
    checked against the output's bounds."""
    m_blocks = (M + block_M - 1) // block_M
    n_blocks = (N + block_N - 1) // block_N
    waves = (m_blocks * n_blocks + sm_num - 1) // sm_num

    @T.prim_func
    def main(A: T.Tensor((M, K), "bfloat16"), B: T.Tensor((K, N), "bfloat16"), C: T.Tensor((M, N), "bfloat16")):
        with T.Kernel(sm_num, threads=128) as block_id:
            A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
            B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
            C_local = T.alloc_fragment((block_M, block_N), "float32")
            for w in T.serial(waves):
                tile_id = sm_num * w + block_id
                first_m = tile_id // (group * n_blocks) * group
                rows = T.min(m_blocks - first_m, group)
                bm = first_m + tile_id % (group * n_blocks) % rows
                bn = tile_id % (group * n_blocks) // rows
                if tile_id < m_blocks * n_blocks:
                    T.clear(C_local)
                    for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                        T.copy(A[bm * block_M, k * block_K], A_shared)
                        T.copy(B[k * block_K, bn * block_N], B_shared)
                        T.gemm(A_shared, B_shared, C_local)
                    T.copy(C_local, C[bm * block_M, bn * block_N])

    return main


# --- references ------------------------------------------------------------------------------------


def nn(inputs):
    return inputs["A"] @ inputs["B"]


def nt(inputs):
    return inputs["A"] @ np.swapaxes(inputs["B"], -1, -2)


def tn(inputs):
    return np.swapaxes(inputs["A"], -1, -2) @ inputs["B"]


def tt(inputs):
    return np.swapaxes(inputs["A"], -1, -2) @ np.swapaxes(inputs["B"], -1, -2)


def relu(reference):
    return lambda inputs: np.maximum(reference(inputs), 0.0)


def scaled_nt(alpha, beta, lo, hi):
    """The reference of autotune_nt_scaled (the constants as the kernel's fp32 values), and its error
    scale: the product's magnitude times |alpha|, plus the output's own (one bf16 rounding)."""
    alpha, beta, lo, hi = (float(np.float32(v)) for v in (alpha, beta, lo, hi))

    def reference(inputs):
        return np.minimum(np.maximum(nt(inputs) * alpha + beta, lo), hi)

    def magnitude(inputs):
        absolute = {name: np.abs(v) for name, v in inputs.items()}
        return abs(alpha) * nt(absolute) + np.abs(reference(inputs))

    return reference, magnitude


def plus(reference, name, per_row=False):
    """``reference`` plus the input ``name``: a vector per column (or ``per_row``), or a tensor of the
    output's shape."""
    return lambda inputs: reference(inputs) + (inputs[name][:, None] if per_row else inputs[name])


def scaled_plus(alpha, name):
    """alpha * (A @ B) + inputs[name] (alpha as the kernel's fp32 value), and its error scale."""
    alpha = float(np.float32(alpha))

    def reference(inputs):
        return nn(inputs) * alpha + inputs[name]

    def magnitude(inputs):
        return abs(alpha) * nn({n: np.abs(v) for n, v in inputs.items()}) + np.abs(reference(inputs))

    return reference, magnitude


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def activated(reference, activation, slope, argument_scale=None):
    """activation(reference(inputs)), and its error scale: the result's own magnitude (its rounding)
    plus ``slope`` (a bound on |f'|, or f itself for exp) times the magnitude of f's argument (by default
    the reference on |inputs|; ``argument_scale`` when the argument subtracts)."""

    def value(inputs):
        return activation(reference(inputs))

    def magnitude(inputs):
        absolute = {n: np.abs(v) for n, v in inputs.items()}
        argument = (argument_scale or reference)(absolute)
        carried = np.abs(value(inputs)) * argument if slope is None else slope * argument
        return np.abs(value(inputs)) + carried

    return value, magnitude


def silu(x):
    return x * _sigmoid(x)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    return x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


LINEAR_SILU = activated(plus(nt, "Bias"), silu, 1.1)
SIGMOID_NN = activated(nn, _sigmoid, 0.25)
EXP_NN = activated(lambda inputs: nn(inputs) * 0.125, np.exp, None)
TANH_NN = activated(lambda inputs: nn(inputs) * 0.5, np.tanh, 1.0)
EXP2_NN = activated(lambda inputs: nn(inputs) * 0.25, np.exp2, None)
LOG2E = float(np.float32(1.44269504))
EW_EXP2 = activated(
    lambda inputs: inputs["A"] * LOG2E - inputs["B"],
    np.exp2,
    None,
    lambda absolute: absolute["A"] * LOG2E + absolute["B"],
)
EW_SILU = activated(lambda inputs: inputs["A"] + inputs["B"], silu, 1.1)
LINEAR_GELU = activated(plus(nt, "Bias"), gelu, 1.2)
GELU_NN = activated(nn, gelu, 1.2)


def geglu(inputs):
    return gelu(inputs["A"]) * inputs["B"]


def geglu_magnitude(inputs):
    return (np.abs(gelu(inputs["A"])) + 1.2 * np.abs(inputs["A"])) * np.abs(inputs["B"])


def times(reference, name):
    """``reference`` times the vector ``name``, one value per column."""
    return lambda inputs: reference(inputs) * inputs[name]


def swiglu(inputs):
    return silu(inputs["A"]) * inputs["B"]


def ew_sum(inputs):
    return inputs["A"] + inputs["B"]


def staged_reference(alpha):
    alpha = float(np.float32(alpha))
    return lambda inputs: np.maximum(inputs["A"] * alpha + inputs["B"] + inputs["Bias"], 0.0)


def _elementwise(name, style, build, m, n, reference, extra=None, **kw):
    inputs = {"A": (m, n), "B": (m, n), **(extra or {})}
    return Entry(name, style, build, inputs, reference, k=0, **kw)


def _gemm(name, style, build, m, n, k, reference=nn, b_shape=None, batch=None, a_shape=None, extra=None, **kw):
    lead = (batch,) if batch else ()
    inputs = {"A": a_shape or lead + (m, k), "B": b_shape or lead + (k, n), **(extra or {})}
    return Entry(name, style, build, inputs, reference, k=k, **kw)


TEST_REDUCE = "testing/python/language/test_tilelang_language_reduce.py"
QUICKSTART = "examples/quickstart.py"
AUTOTUNE = "examples/gemm/example_gemm_autotune.py"
TEST_GEMM = "testing/python/kernel/test_tilelang_kernel_gemm.py"
EXAMPLE_GEMM = "examples/gemm/example_gemm.py"
SCHEDULE = "examples/gemm/example_gemm_schedule.py"
BATCHED = "testing/python/kernel/test_tilelang_kernel_gemm_batched.py"
PERSISTENT = "examples/gemm_persistent/example_gemm_persistent.py"
FLASH_MHA = "examples/flash_attention/example_mha_fwd_bshd.py"
ELEMENTWISE = "examples/elementwise/example_elementwise_add.py"
TEST_ELEMENTWISE = "testing/python/kernel/test_tilelang_kernel_element_wise_add.py"

SCALED = scaled_nt(0.125, -0.5, -1.0, 2.5)
F16 = {"A": "float16", "B": "float16", "C": "float16"}
F32 = {"A": "float32", "B": "float32", "C": "float32"}
SCALED_PLUS = scaled_plus(0.5, "D")


def tested_reduce(M, N, block_M, kind="sum", via_shared=True, accum="float32", out_dtype="float32", width=None):  # noqa: N803
    """testing/python/language/test_tilelang_language_reduce.py: a block copied into a fragment (through a
    shared buffer, or straight from the tensor), T.reduce_sum / T.reduce_max along dim=1, the per-row
    result copied out; here over a grid of row blocks rather than one block (``width``: the block's
    columns, when N is not a multiple of 32)."""
    W = width or N

    @T.prim_func
    def main(A: T.Tensor((M, N), "bfloat16"), B: T.Tensor((M,), out_dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as bx:
            A_frag = T.alloc_fragment((block_M, W), accum)
            S = T.alloc_fragment((block_M,), accum)
            if via_shared:
                A_shared = T.alloc_shared((block_M, W), "bfloat16")
                T.copy(A[bx * block_M, 0], A_shared)
                T.copy(A_shared, A_frag)
            else:
                T.copy(A[bx * block_M, 0], A_frag)
            if kind == "sum":
                T.reduce_sum(A_frag, S, dim=1)
            else:
                T.reduce_max(A_frag, S, dim=1)
            T.copy(S, B[bx * block_M])

    return main


def tested_reduce_whole(M, N, dtype="float32", kind="sum", src_scope="fragment", dst_scope="fragment"):  # noqa: N803
    """test_tilelang_language_reduce.py's test_reduce as it writes it: one block (T.Kernel(1)) over the
    whole (M, N) tensor of ``dtype``, copied into a fragment or a shared buffer of that dtype, reduced
    along dim=1 into a fragment or a shared (M,) buffer, copied out to an (M,) tensor of the same dtype."""

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M,), dtype)):
        with T.Kernel(1, threads=32):
            if src_scope == "fragment":
                src = T.alloc_fragment((M, N), dtype)
            else:
                src = T.alloc_shared((M, N), dtype)
            if dst_scope == "fragment":
                dst = T.alloc_fragment((M,), dtype)
            else:
                dst = T.alloc_shared((M,), dtype)
            T.copy(A, src)
            if kind == "sum":
                T.reduce_sum(src, dst, dim=1)
            elif kind == "max":
                T.reduce_max(src, dst, dim=1)
            elif kind == "min":
                T.reduce_min(src, dst, dim=1)
            elif kind == "abssum":
                T.reduce_abssum(src, dst, dim=1)
            else:
                T.reduce_absmax(src, dst, dim=1)
            T.copy(dst, B)

    return main


def tested_reduce_clear(M, N, dtype="float32", kind="sum"):  # noqa: N803
    """test_tilelang_language_reduce.py's test_reduce_clear as it writes it: the result filled first
    (T.fill(dst, 1) for a sum, -T.infinity for a maximum), then reduced into with clear=False."""

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M,), dtype)):
        with T.Kernel(1, threads=32):
            src = T.alloc_fragment((M, N), dtype)
            dst = T.alloc_fragment((M,), dtype)
            T.copy(A, src)
            if kind == "sum":
                T.fill(dst, 1)
                T.reduce_sum(src, dst, dim=1, clear=False)
            else:
                T.fill(dst, -T.infinity(dtype))
                T.reduce_max(src, dst, dim=1, clear=False)
            T.copy(dst, B)

    return main


def tested_reduce_cols(M, N, block_N, kind="sum"):  # noqa: N803
    """The same test's dim=0 form: a block of whole columns, one value per column, over column blocks."""

    @T.prim_func
    def main(A: T.Tensor((M, N), "bfloat16"), B: T.Tensor((N,), "float32")):
        with T.Kernel(T.ceildiv(N, block_N), threads=128) as bx:
            A_shared = T.alloc_shared((M, block_N), "bfloat16")
            A_frag = T.alloc_fragment((M, block_N), "float32")
            S = T.alloc_fragment((block_N,), "float32")
            T.copy(A[0, bx * block_N], A_shared)
            T.copy(A_shared, A_frag)
            if kind == "sum":
                T.reduce_sum(A_frag, S, dim=0)
            else:
                T.reduce_max(A_frag, S, dim=0)
            T.copy(S, B[bx * block_N])

    return main


ONLINE_SOFTMAX = "examples/online_softmax/online_softmax.py"
RMS_NORM = "examples/norm/rms_norm.py"


def softmax_shift(M, N, block_M, dtype="bfloat16"):  # noqa: N803
    """examples/online_softmax/online_softmax.py's first steps on a block of whole rows: T.reduce_max into a
    per-row fragment, then exp(x - max) element by element into a fragment copied out (natural exp, and
    the whole row in one block: no running max across blocks yet)."""

    @T.prim_func
    def main(X: T.Tensor((M, N), dtype), Y: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as i_m:
            x = T.alloc_fragment((block_M, N), dtype)
            max_x = T.alloc_fragment((block_M,), dtype)
            y = T.alloc_fragment((block_M, N), dtype)
            T.copy(X[i_m * block_M, 0], x)
            T.reduce_max(x, max_x, dim=1)
            for i, j in T.Parallel(block_M, N):
                y[i, j] = T.exp(x[i, j] - max_x[i])
            T.copy(y, Y[i_m * block_M, 0])

    return main


def norm_scale(M, N, blk_m, dtype="bfloat16"):  # noqa: N803
    """examples/norm/rms_norm.py's shape (a block of whole rows through shared memory into a fragment, a
    row sum, the block scaled in place by it, copied out) with its broadcast step only: A * sum(A) per row
    (x^2, the mean and rsqrt are not lowered yet)."""

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, blk_m), threads=128) as bx:
            A_shared = T.alloc_shared((blk_m, N), dtype)
            A_local = T.alloc_fragment((blk_m, N), dtype)
            A_sum = T.alloc_fragment((blk_m,), dtype)
            T.copy(A[bx * blk_m : (bx + 1) * blk_m, :], A_shared)
            T.copy(A_shared, A_local)
            T.reduce_sum(A_local, A_sum, dim=1)
            for i, j in T.Parallel(blk_m, N):
                A_local[i, j] *= A_sum[i]
            T.copy(A_local, B[bx * blk_m : (bx + 1) * blk_m, :])

    return main


def softmax_rows(M, N, block_M, dtype="bfloat16", accum_dtype=None):  # noqa: N803
    """examples/online_softmax/online_softmax.py's computation on a block of whole rows: the row maximum,
    exp(x - max) into a fragment, its row sum, and the exponentials divided by it, copied out (natural
    exp; the whole row in one block, so no running max and sum across blocks). ``accum_dtype`` "float32":
    the exponentials and their sum in float fragments, as the example's ``accum_dtype = "float"``."""
    accum_dtype = accum_dtype or dtype

    @T.prim_func
    def main(X: T.Tensor((M, N), dtype), Y: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as i_m:
            x = T.alloc_fragment((block_M, N), dtype)
            max_x = T.alloc_fragment((block_M,), dtype)
            exp_x = T.alloc_fragment((block_M, N), accum_dtype)
            sum_exp_x = T.alloc_fragment((block_M,), accum_dtype)
            y = T.alloc_fragment((block_M, N), dtype)
            T.copy(X[i_m * block_M, 0], x)
            T.reduce_max(x, max_x, dim=1)
            for i, j in T.Parallel(block_M, N):
                exp_x[i, j] = T.exp(x[i, j] - max_x[i])
            T.reduce_sum(exp_x, sum_exp_x, dim=1)
            for i, j in T.Parallel(block_M, N):
                y[i, j] = exp_x[i, j] / sum_exp_x[i]
            T.copy(y, Y[i_m * block_M, 0])

    return main


def rms_norm(M, N, blk_m, dtype="bfloat16"):  # noqa: N803
    """examples/norm/rms_norm.py's rms_norm, step by step: a block of whole rows through shared memory into a
    fragment, A_pow_local = A_local * A_local, its row sum, A_powsum[i] = T.rsqrt(A_powsum[i] / N) + 1e-12
    in place, A_local[i, j] *= A_powsum[i], copied out (bfloat16 fragments where the example has float)."""

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, blk_m), threads=128) as bx:
            A_shared = T.alloc_shared((blk_m, N), dtype)
            A_pow_local = T.alloc_fragment((blk_m, N), dtype)
            A_local = T.alloc_fragment((blk_m, N), dtype)
            A_powsum = T.alloc_fragment((blk_m,), dtype)
            T.copy(A[bx * blk_m : (bx + 1) * blk_m, :], A_shared)
            T.copy(A_shared, A_local)
            for i, j in T.Parallel(blk_m, N):
                A_pow_local[i, j] = A_local[i, j] * A_local[i, j]
            T.reduce_sum(A_pow_local, A_powsum, dim=1)
            for i in T.Parallel(blk_m):
                A_powsum[i] = T.rsqrt(A_powsum[i] / N) + 1e-12
            for i, j in T.Parallel(blk_m, N):
                A_local[i, j] *= A_powsum[i]
            T.copy(A_local, B[bx * blk_m : (bx + 1) * blk_m, :])

    return main


LAYERNORM = "examples/norm/layernorm.py"


def layernorm_centre(N, D, blk_m, dtype="bfloat16"):  # noqa: N803
    """examples/norm/layernorm.py's first steps: the row sum of a block of whole rows scaled in place into
    the mean (the example writes mean_row from sum_row; here the one fragment), then X - mean[i] copied
    out (the variance, rsqrt, gamma and beta are not lowered yet)."""
    inv_D = 1.0 / D

    @T.prim_func
    def main(X: T.Tensor((N, D), dtype), Y: T.Tensor((N, D), dtype)):
        with T.Kernel(T.ceildiv(N, blk_m), threads=256) as bx:
            X_smem = T.alloc_shared((blk_m, D), dtype)
            X_local = T.alloc_fragment((blk_m, D), dtype)
            mean_row = T.alloc_fragment((blk_m,), dtype)
            Y_local = T.alloc_fragment((blk_m, D), dtype)
            T.copy(X[bx * blk_m, 0], X_smem)
            T.copy(X_smem, X_local)
            T.reduce_sum(X_local, mean_row, dim=1)
            for i in T.Parallel(blk_m):
                mean_row[i] = mean_row[i] * inv_D
            for i, j in T.Parallel(blk_m, D):
                Y_local[i, j] = X_local[i, j] - mean_row[i]
            T.copy(Y_local, Y[bx * blk_m, 0])

    return main


def layernorm(N, D, blk_m, eps=1e-5, dtype="bfloat16"):  # noqa: N803
    """examples/norm/layernorm.py's forward as written there, with bfloat16 fragments and 32-row blocks (the
    example has float fragments and blk_m = 1) and without its Mean / Rstd outputs: gamma and beta through
    shared vectors, X_local filled by a T.Parallel, both row sums, mean and rstd in one T.Parallel (the
    variance E[x^2] - mean^2), the normalised block written back into X_smem and copied out."""
    inv_D = 1.0 / D

    @T.prim_func
    def main(
        X: T.Tensor((N, D), dtype),
        gamma: T.Tensor((D,), dtype),
        beta: T.Tensor((D,), dtype),
        Y: T.Tensor((N, D), dtype),
    ):
        with T.Kernel(T.ceildiv(N, blk_m), threads=256) as bx:
            X_smem = T.alloc_shared((blk_m, D), dtype)
            G_smem = T.alloc_shared((D,), dtype)
            B_smem = T.alloc_shared((D,), dtype)
            X_local = T.alloc_fragment((blk_m, D), dtype)
            X_sq_local = T.alloc_fragment((blk_m, D), dtype)
            sum_row = T.alloc_fragment((blk_m,), dtype)
            sumsq_row = T.alloc_fragment((blk_m,), dtype)
            mean_row = T.alloc_fragment((blk_m,), dtype)
            rstd_row = T.alloc_fragment((blk_m,), dtype)

            T.copy(X[bx * blk_m, 0], X_smem)
            T.copy(gamma, G_smem)
            T.copy(beta, B_smem)
            for i, j in T.Parallel(blk_m, D):
                X_local[i, j] = X_smem[i, j]
            for i, j in T.Parallel(blk_m, D):
                X_sq_local[i, j] = X_local[i, j] * X_local[i, j]
            T.reduce_sum(X_local, sum_row, dim=1)
            T.reduce_sum(X_sq_local, sumsq_row, dim=1)
            for i in T.Parallel(blk_m):
                mean_row[i] = sum_row[i] * inv_D
                rstd_row[i] = T.rsqrt(sumsq_row[i] * inv_D - mean_row[i] * mean_row[i] + eps)
            for i, j in T.Parallel(blk_m, D):
                norm = (X_local[i, j] - mean_row[i]) * rstd_row[i]
                X_smem[i, j] = norm * G_smem[j] + B_smem[j]
            T.copy(X_smem, Y[bx * blk_m, 0])

    return main


def _layernorm_ref(inputs, eps=1e-5):
    x = inputs["X"]
    mean = x.mean(axis=1, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=1, keepdims=True) + eps) * inputs["gamma"] + inputs["beta"]


def _layernorm_magnitude(inputs, eps=1e-5):
    # Each of mean, mean^2, the squares and their sum is rounded to bf16 (2^-9 each) before the variance
    # E[x^2] - mean^2 is formed: its error grows by E[x^2] / var (cancellation) and reaches the output
    # through rstd, as does the mean's through x - mean.
    x = inputs["X"]
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True) + eps
    growth = (x * x).mean(axis=1, keepdims=True) / var
    scale = np.abs(inputs["gamma"]) / np.sqrt(var)
    # The output is rounded to bf16 last (up to 2^-8 of it).
    return 4 * growth * (np.abs(x - mean) + np.abs(mean)) * scale + 2 * np.abs(_layernorm_ref(inputs))


def rms_norm_float(M, N, blk_m):  # noqa: N803
    """examples/norm/rms_norm.py's rms_norm exactly as written there (dtype = "float" for the tensors and
    the fragments), with 32-row blocks: float32 values between the stages."""
    dtype = "float"

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, blk_m), threads=128) as bx:
            A_shared = T.alloc_shared((blk_m, N), dtype)
            A_pow_local = T.alloc_fragment((blk_m, N), dtype)
            A_local = T.alloc_fragment((blk_m, N), dtype)
            A_powsum = T.alloc_fragment((blk_m,), dtype)

            T.copy(A[bx * blk_m : (bx + 1) * blk_m, :], A_shared)
            T.copy(A_shared, A_local)
            for i, j in T.Parallel(blk_m, N):
                A_pow_local[i, j] = A_local[i, j] * A_local[i, j]
            T.reduce_sum(A_pow_local, A_powsum, dim=1)
            for i in T.Parallel(blk_m):
                A_powsum[i] = T.rsqrt(A_powsum[i] / N) + 1e-12
            for i, j in T.Parallel(blk_m, N):
                A_local[i, j] *= A_powsum[i]
            T.copy(A_local, B[bx * blk_m : (bx + 1) * blk_m, :])

    return main


def layernorm_float(N, D, blk_m, eps=1e-5, in_dtype="bfloat16", out_dtype="bfloat16"):  # noqa: N803
    """examples/norm/layernorm.py's forward as written there, accum_dtype = "float" (float32 fragments
    between the stages), but with 32-row blocks (the example has blk_m = 1) and without its Mean / Rstd
    outputs."""
    accum_dtype = "float"

    @T.prim_func
    def main(
        X: T.Tensor((N, D), in_dtype),
        gamma: T.Tensor((D,), in_dtype),
        beta: T.Tensor((D,), in_dtype),
        Y: T.Tensor((N, D), out_dtype),
    ):
        with T.Kernel(T.ceildiv(N, blk_m), threads=256) as bx:
            X_smem = T.alloc_shared((blk_m, D), in_dtype)
            G_smem = T.alloc_shared((D,), in_dtype)
            B_smem = T.alloc_shared((D,), in_dtype)
            X_local = T.alloc_fragment((blk_m, D), accum_dtype)
            X_sq_local = T.alloc_fragment((blk_m, D), accum_dtype)
            sum_row = T.alloc_fragment((blk_m,), accum_dtype)
            sumsq_row = T.alloc_fragment((blk_m,), accum_dtype)
            mean_row = T.alloc_fragment((blk_m,), accum_dtype)
            rstd_row = T.alloc_fragment((blk_m,), accum_dtype)

            T.copy(X[bx * blk_m, 0], X_smem)
            T.copy(gamma, G_smem)
            T.copy(beta, B_smem)
            for i, j in T.Parallel(blk_m, D):
                X_local[i, j] = T.Cast(accum_dtype, X_smem[i, j])
            for i, j in T.Parallel(blk_m, D):
                X_sq_local[i, j] = X_local[i, j] * X_local[i, j]
            T.reduce_sum(X_local, sum_row, dim=1)
            T.reduce_sum(X_sq_local, sumsq_row, dim=1)
            inv_D = T.float32(1.0) / T.Cast(accum_dtype, D)
            for i in T.Parallel(blk_m):
                mean_row[i] = sum_row[i] * inv_D
                rstd_row[i] = T.rsqrt(sumsq_row[i] * inv_D - mean_row[i] * mean_row[i] + T.Cast(accum_dtype, eps))
            for i, j in T.Parallel(blk_m, D):
                norm = (X_local[i, j] - mean_row[i]) * rstd_row[i]
                X_smem[i, j] = T.Cast(out_dtype, norm * T.Cast(accum_dtype, G_smem[j]) + T.Cast(accum_dtype, B_smem[j]))
            T.copy(X_smem, Y[bx * blk_m, 0])

    return main


def _rms_norm_f32_ref(inputs):
    a = inputs["A"]
    return a * (1.0 / np.sqrt((a * a).mean(axis=1, keepdims=True)) + 1e-12)


def rms_norm_splitk_sumsq(M, N, blk_m, blk_k, dtype="float", accum_dtype="float"):  # noqa: N803
    """examples/norm/rms_norm.py's rms_norm_splitk, its first loop as written there (T.clear(A_local),
    then per column block A_local += A_shared * A_shared, then the row sum), with 32-row blocks and the
    row sums of squares written out: a loop of stages carrying A_local."""

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), S: T.Tensor((M,), accum_dtype)):
        with T.Kernel(T.ceildiv(M, blk_m), threads=128) as bx:
            A_shared = T.alloc_shared((blk_m, blk_k), dtype)
            A_local = T.alloc_fragment((blk_m, blk_k), accum_dtype)
            A_powsum = T.alloc_fragment((blk_m,), accum_dtype)

            num_k_step = T.ceildiv(N, blk_k)
            T.clear(A_local)
            for k in range(num_k_step):
                T.copy(A[bx * blk_m, k * blk_k], A_shared)
                for i, j in T.Parallel(blk_m, blk_k):
                    A_local[i, j] += A_shared[i, j] * A_shared[i, j]
            T.reduce_sum(A_local, A_powsum, dim=1)
            T.copy(A_powsum, S[bx * blk_m])

    return main


def rms_norm_splitk(M, N, blk_m, blk_k, dtype="float", accum_dtype="float"):  # noqa: N803
    """examples/norm/rms_norm.py's rms_norm_splitk as written there: the sum of squares over column
    blocks (a loop carrying A_local), the row sum and its rsqrt, then a second loop over the column
    blocks in reverse, each block times the rows' factor and written out; with 32-row blocks."""

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, blk_m), threads=128) as bx:
            A_shared = T.alloc_shared((blk_m, blk_k), dtype)
            A_local = T.alloc_fragment((blk_m, blk_k), accum_dtype)
            A_powsum = T.alloc_fragment((blk_m,), accum_dtype)

            num_k_step = T.ceildiv(N, blk_k)
            T.clear(A_local)
            for k in range(num_k_step):
                T.copy(A[bx * blk_m, k * blk_k], A_shared)
                for i, j in T.Parallel(blk_m, blk_k):
                    A_local[i, j] += A_shared[i, j] * A_shared[i, j]
            T.reduce_sum(A_local, A_powsum, dim=1)
            for i in T.Parallel(blk_m):
                A_powsum[i] = T.rsqrt(A_powsum[i] / N) + 1e-12
            for k in range(num_k_step):
                # reverse, better cache hit rate
                T.copy(A[bx * blk_m, (num_k_step - 1 - k) * blk_k], A_shared)
                for i, j in T.Parallel(blk_m, blk_k):
                    A_shared[i, j] *= A_powsum[i]
                T.copy(A_shared, B[bx * blk_m, (num_k_step - 1 - k) * blk_k])

    return main


LOG2E = 1.44269504  # the examples' scale: exp2(x * log2(e)) is exp(x)
FLASH_MHA_BHSD = "examples/flash_attention/example_mha_fwd_bhsd.py"


def online_softmax(M, N, block_M, block_N, dtype="bfloat16", accum_dtype="float32", refill=False):  # noqa: N803
    """examples/online_softmax/online_softmax.py's two loops over column blocks, on blocks of block_M rows, with
    the running statistics of flash attention's Softmax macro (examples/flash_attention): the running maximum
    (T.fill(-inf) before the loop, T.reduce_max with clear=False in it, the one before kept by a T.copy), the
    rescale exp2(m_prev * log2(e) - m * log2(e)), the exponentials' running sum; then a second loop writes
    exp2(x * log2(e) - m * log2(e)) / sum block by block. ``refill``: the macro exactly, the maximum filled
    with -inf again in each iteration before the reduction (the block's own maximum: the sum's rescaling
    keeps the result the softmax)."""
    scale = LOG2E

    @T.prim_func
    def main(X: T.Tensor((M, N), dtype), Y: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as i_m:
            x = T.alloc_shared((block_M, block_N), dtype)
            acc_s = T.alloc_fragment((block_M, block_N), accum_dtype)
            y = T.alloc_fragment((block_M, block_N), dtype)
            scores_max = T.alloc_fragment((block_M,), accum_dtype)
            scores_max_prev = T.alloc_fragment((block_M,), accum_dtype)
            scores_scale = T.alloc_fragment((block_M,), accum_dtype)
            scores_sum = T.alloc_fragment((block_M,), accum_dtype)
            logsum = T.alloc_fragment((block_M,), accum_dtype)
            T.fill(logsum, 0)
            T.fill(scores_max, -T.infinity(accum_dtype))
            for i_n in T.Pipelined(T.ceildiv(N, block_N), num_stages=1):
                T.copy(X[i_m * block_M, i_n * block_N], x)
                T.copy(x, acc_s)
                T.copy(scores_max, scores_max_prev)
                if refill:
                    T.fill(scores_max, -T.infinity(accum_dtype))
                T.reduce_max(acc_s, scores_max, dim=1, clear=False)
                for i in T.Parallel(block_M):
                    scores_scale[i] = T.exp2(scores_max_prev[i] * scale - scores_max[i] * scale)
                for i, j in T.Parallel(block_M, block_N):
                    acc_s[i, j] = T.exp2(acc_s[i, j] * scale - scores_max[i] * scale)
                T.reduce_sum(acc_s, scores_sum, dim=1)
                for i in T.Parallel(block_M):
                    logsum[i] = logsum[i] * scores_scale[i] + scores_sum[i]
            for i_n in T.Pipelined(T.ceildiv(N, block_N), num_stages=1):
                T.copy(X[i_m * block_M, i_n * block_N], x)
                for i, j in T.Parallel(block_M, block_N):
                    y[i, j] = T.exp2(x[i, j] * scale - scores_max[i] * scale) / logsum[i]
                T.copy(y, Y[i_m * block_M, i_n * block_N])

    return main


def attention_scores(M, N, D, block_M, dtype="bfloat16", accum_dtype="float32"):  # noqa: N803
    """examples/flash_attention/example_mha_fwd_bshd.py's first T.gemm and Softmax macro on one block of keys
    that holds all N of them: acc_s = Q_shared @ K_shared^T (T.clear, then T.gemm with transpose_B), the rows'
    maximum, exp2((s - max) * scale) with the example's scale (1 / sqrt(dim) * log2(e)), the rows' sum, and
    acc_s_cast = acc_s / sum written out: the attention probabilities softmax(Q @ K^T / sqrt(dim))."""
    scale = (1.0 / D) ** 0.5 * LOG2E

    @T.prim_func
    def main(Q: T.Tensor((M, D), dtype), K: T.Tensor((N, D), dtype), P: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as bx:
            Q_shared = T.alloc_shared((block_M, D), dtype)
            K_shared = T.alloc_shared((N, D), dtype)
            acc_s = T.alloc_fragment((block_M, N), accum_dtype)
            acc_s_cast = T.alloc_fragment((block_M, N), dtype)
            scores_max = T.alloc_fragment((block_M,), accum_dtype)
            scores_sum = T.alloc_fragment((block_M,), accum_dtype)
            T.copy(Q[bx * block_M, 0], Q_shared)
            T.copy(K[0, 0], K_shared)
            T.clear(acc_s)
            T.gemm(Q_shared, K_shared, acc_s, transpose_B=True)
            T.reduce_max(acc_s, scores_max, dim=1)
            for i, j in T.Parallel(block_M, N):
                acc_s[i, j] = T.exp2(acc_s[i, j] * scale - scores_max[i] * scale)
            T.reduce_sum(acc_s, scores_sum, dim=1)
            for i, j in T.Parallel(block_M, N):
                acc_s_cast[i, j] = acc_s[i, j] / scores_sum[i]
            T.copy(acc_s_cast, P[bx * block_M, 0])

    return main


def attention_one_block(M, N, D, block_M, dtype="bfloat16", accum_dtype="float32"):  # noqa: N803
    """examples/flash_attention/example_mha_fwd_bshd.py's forward when the keys and values fit one block (the
    K/V loop of one step): MMA0 (T.clear(acc_s), Q @ K^T with transpose_B), the Softmax macro's maximum,
    exp2 and logsum, acc_s cast to acc_s_cast by a T.copy, MMA1 (acc_o = acc_s_cast @ V after T.clear), then
    acc_o / logsum written out: softmax(Q @ K^T / sqrt(dim)) @ V."""
    scale = (1.0 / D) ** 0.5 * LOG2E

    @T.prim_func
    def main(
        Q: T.Tensor((M, D), dtype),
        K: T.Tensor((N, D), dtype),
        V: T.Tensor((N, D), dtype),
        Output: T.Tensor((M, D), dtype),
    ):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as bx:
            Q_shared = T.alloc_shared((block_M, D), dtype)
            K_shared = T.alloc_shared((N, D), dtype)
            V_shared = T.alloc_shared((N, D), dtype)
            acc_s = T.alloc_fragment((block_M, N), accum_dtype)
            acc_s_cast = T.alloc_fragment((block_M, N), dtype)
            acc_o = T.alloc_fragment((block_M, D), accum_dtype)
            O_local = T.alloc_fragment((block_M, D), dtype)
            scores_max = T.alloc_fragment((block_M,), accum_dtype)
            logsum = T.alloc_fragment((block_M,), accum_dtype)
            T.copy(Q[bx * block_M, 0], Q_shared)
            T.copy(K[0, 0], K_shared)
            T.clear(acc_s)
            T.gemm(Q_shared, K_shared, acc_s, transpose_B=True)
            T.reduce_max(acc_s, scores_max, dim=1)
            for i, j in T.Parallel(block_M, N):
                acc_s[i, j] = T.exp2(acc_s[i, j] * scale - scores_max[i] * scale)
            T.reduce_sum(acc_s, logsum, dim=1)
            T.copy(acc_s, acc_s_cast)
            T.copy(V[0, 0], V_shared)
            T.clear(acc_o)
            T.gemm(acc_s_cast, V_shared, acc_o)
            for i, j in T.Parallel(block_M, D):
                O_local[i, j] = acc_o[i, j] / logsum[i]
            T.copy(O_local, Output[bx * block_M, 0])

    return main


def _flash_softmax_macros(block_M, block_N, dim, scale, accum_dtype):  # noqa: N803
    """examples/flash_attention's Softmax macro (scores_max: T.fill(-inf), then the block's row maximum; exp2 with
    the scale, the running logsum, the cast to acc_s_cast) and its Rescale (acc_o *= scores_scale), as the
    examples write them."""

    @T.macro
    def softmax(acc_s, acc_s_cast, scores_max, scores_max_prev, scores_scale, scores_sum, logsum):
        T.copy(scores_max, scores_max_prev)
        T.fill(scores_max, -T.infinity(accum_dtype))
        T.reduce_max(acc_s, scores_max, dim=1, clear=False)
        for i in T.Parallel(block_M):
            scores_scale[i] = T.exp2(scores_max_prev[i] * scale - scores_max[i] * scale)
        for i, j in T.Parallel(block_M, block_N):
            acc_s[i, j] = T.exp2(acc_s[i, j] * scale - scores_max[i] * scale)
        T.reduce_sum(acc_s, scores_sum, dim=1)
        for i in T.Parallel(block_M):
            logsum[i] = logsum[i] * scores_scale[i] + scores_sum[i]
        T.copy(acc_s, acc_s_cast)

    @T.macro
    def rescale(acc_o, scores_scale):
        for i, j in T.Parallel(block_M, dim):
            acc_o[i, j] *= scores_scale[i]

    return softmax, rescale


def flash_attention(S, D, block_M, block_N, dtype="bfloat16", accum_dtype="float32"):  # noqa: N803
    """examples/flash_attention/example_mha_fwd_bshd.py's forward, non-causal, on one head of 2-D (seq, dim)
    tensors: Q's block read once, then per block of block_N keys MMA0 (K's block, T.clear(acc_s), Q @ K^T
    with transpose_B), the Softmax macro (the block's row maximum, exp2 with the example's scale, the running
    logsum, the cast to acc_s_cast), Rescale (acc_o *= scores_scale) and MMA1 (V's block, acc_o +=
    acc_s_cast @ V); then acc_o /= logsum staged out through O_shared, each as the example writes it."""
    scale = (1.0 / D) ** 0.5 * LOG2E

    @T.macro
    def mma0(K, Q_shared, K_shared, acc_s, k):  # noqa: N803
        T.copy(K[k * block_N, 0], K_shared)
        T.clear(acc_s)
        T.gemm(Q_shared, K_shared, acc_s, transpose_B=True)

    @T.macro
    def mma1(V, V_shared, acc_s_cast, acc_o, k):  # noqa: N803
        T.copy(V[k * block_N, 0], V_shared)
        T.gemm(acc_s_cast, V_shared, acc_o)

    softmax, rescale = _flash_softmax_macros(block_M, block_N, D, scale, accum_dtype)

    @T.prim_func
    def main(
        Q: T.Tensor((S, D), dtype),
        K: T.Tensor((S, D), dtype),
        V: T.Tensor((S, D), dtype),
        Output: T.Tensor((S, D), dtype),
    ):
        with T.Kernel(T.ceildiv(S, block_M), threads=128) as bx:
            Q_shared = T.alloc_shared([block_M, D], dtype)
            K_shared = T.alloc_shared([block_N, D], dtype)
            V_shared = T.alloc_shared([block_N, D], dtype)
            O_shared = T.alloc_shared([block_M, D], dtype)
            acc_s = T.alloc_fragment([block_M, block_N], accum_dtype)
            acc_s_cast = T.alloc_fragment([block_M, block_N], dtype)
            acc_o = T.alloc_fragment([block_M, D], accum_dtype)
            scores_max = T.alloc_fragment([block_M], accum_dtype)
            scores_max_prev = T.alloc_fragment([block_M], accum_dtype)
            scores_scale = T.alloc_fragment([block_M], accum_dtype)
            scores_sum = T.alloc_fragment([block_M], accum_dtype)
            logsum = T.alloc_fragment([block_M], accum_dtype)
            T.copy(Q[bx * block_M, 0], Q_shared)
            T.fill(acc_o, 0)
            T.fill(logsum, 0)
            T.fill(scores_max, -T.infinity(accum_dtype))
            for k in T.Pipelined(T.ceildiv(S, block_N), num_stages=1):
                mma0(K, Q_shared, K_shared, acc_s, k)
                softmax(acc_s, acc_s_cast, scores_max, scores_max_prev, scores_scale, scores_sum, logsum)
                rescale(acc_o, scores_scale)
                mma1(V, V_shared, acc_s_cast, acc_o, k)
            for i, j in T.Parallel(block_M, D):
                acc_o[i, j] /= logsum[i]
            T.copy(acc_o, O_shared)
            T.copy(O_shared, Output[bx * block_M, 0])

    return main


def flash_attention_mha(  # noqa: N803
    batch, heads, seq_len, dim, block_M, block_N, layout="bshd", dtype="bfloat16", is_causal=False, masked=None
):
    """examples/flash_attention/example_mha_fwd_bshd.py's forward as written there: rank-4 (batch, seq_len,
    heads, dim) tensors, the grid (seq_len / block_M, heads, batch), the blocks Q[bz, rows, by, :], the macros
    MMA0 / MMA1 / Softmax / Rescale taking the block indices; ``is_causal``: MMA0 starts acc_s from the mask
    T.if_then_else(bx * block_M + i >= k * block_N + j, 0, -inf) instead of T.clear, and the loop runs
    T.min(T.ceildiv(seq_len, block_N), T.ceildiv((bx + 1) * block_M, block_N)) steps (``masked``: the mask's
    value for the keys a query does not see, -inf by default, as the example); ``layout="bhsd"``:
    example_mha_fwd_bhsd.py's (batch, heads, seq_len, dim) tensors and blocks Q[bz, by, rows, :]."""
    scale = (1.0 / dim) ** 0.5 * LOG2E
    shape = [batch, seq_len, heads, dim] if layout == "bshd" else [batch, heads, seq_len, dim]
    accum_dtype = "float32"

    def rows(X, lo, hi, by, bz):  # noqa: N803
        return X[bz, lo:hi, by, :] if layout == "bshd" else X[bz, by, lo:hi, :]

    @T.macro
    def MMA0(K, Q_shared, K_shared, acc_s, k, bx, by, bz):  # noqa: N802, N803
        T.copy(rows(K, k * block_N, (k + 1) * block_N, by, bz), K_shared)
        if is_causal:
            for i, j in T.Parallel(block_M, block_N):
                acc_s[i, j] = T.if_then_else(
                    bx * block_M + i >= k * block_N + j, 0, -T.infinity(acc_s.dtype) if masked is None else masked
                )
        else:
            T.clear(acc_s)
        T.gemm(Q_shared, K_shared, acc_s, transpose_B=True, policy=T.GemmWarpPolicy.FullRow)

    @T.macro
    def MMA1(V, V_shared, acc_s_cast, acc_o, k, by, bz):  # noqa: N802, N803
        T.copy(rows(V, k * block_N, (k + 1) * block_N, by, bz), V_shared)
        T.gemm(acc_s_cast, V_shared, acc_o, policy=T.GemmWarpPolicy.FullRow)

    Softmax, Rescale = _flash_softmax_macros(block_M, block_N, dim, scale, accum_dtype)  # noqa: N806

    @T.prim_func
    def main(
        Q: T.Tensor(shape, dtype),  # noqa: N803
        K: T.Tensor(shape, dtype),  # noqa: N803
        V: T.Tensor(shape, dtype),  # noqa: N803
        Output: T.Tensor(shape, dtype),  # noqa: N803
    ):
        with T.Kernel(T.ceildiv(seq_len, block_M), heads, batch, threads=128) as (bx, by, bz):
            Q_shared = T.alloc_shared([block_M, dim], dtype)
            K_shared = T.alloc_shared([block_N, dim], dtype)
            V_shared = T.alloc_shared([block_N, dim], dtype)
            O_shared = T.alloc_shared([block_M, dim], dtype)
            acc_s = T.alloc_fragment([block_M, block_N], accum_dtype)
            acc_s_cast = T.alloc_fragment([block_M, block_N], dtype)
            acc_o = T.alloc_fragment([block_M, dim], accum_dtype)
            scores_max = T.alloc_fragment([block_M], accum_dtype)
            scores_max_prev = T.alloc_fragment([block_M], accum_dtype)
            scores_scale = T.alloc_fragment([block_M], accum_dtype)
            scores_sum = T.alloc_fragment([block_M], accum_dtype)
            logsum = T.alloc_fragment([block_M], accum_dtype)

            T.copy(rows(Q, bx * block_M, (bx + 1) * block_M, by, bz), Q_shared)
            T.fill(acc_o, 0)
            T.fill(logsum, 0)
            T.fill(scores_max, -T.infinity(accum_dtype))

            loop_range = (
                T.min(T.ceildiv(seq_len, block_N), T.ceildiv((bx + 1) * block_M, block_N))
                if is_causal
                else T.ceildiv(seq_len, block_N)
            )
            for k in T.Pipelined(loop_range, num_stages=1):
                MMA0(K, Q_shared, K_shared, acc_s, k, bx, by, bz)
                Softmax(acc_s, acc_s_cast, scores_max, scores_max_prev, scores_scale, scores_sum, logsum)
                Rescale(acc_o, scores_scale)
                MMA1(V, V_shared, acc_s_cast, acc_o, k, by, bz)
            for i, j in T.Parallel(block_M, dim):
                acc_o[i, j] /= logsum[i]
            T.copy(acc_o, O_shared)
            T.copy(O_shared, rows(Output, bx * block_M, (bx + 1) * block_M, by, bz))

    return main


def _per_head(function, layout):
    """``function`` of 2-D (seq, dim) Q, K, V applied to each (batch, head) of rank-4 tensors in ``layout``."""

    def apply(inputs):
        to_bhsd = (0, 2, 1, 3) if layout == "bshd" else (0, 1, 2, 3)  # its own inverse
        q, k, v = (np.transpose(inputs[n], to_bhsd) for n in "QKV")
        out = np.empty(q.shape)
        for b in range(q.shape[0]):
            for h in range(q.shape[1]):
                out[b, h] = function({"Q": q[b, h], "K": k[b, h], "V": v[b, h]})
        return np.transpose(out, to_bhsd)

    return apply


def _attention(inputs):
    return _attention_probabilities(inputs) @ inputs["V"]


def _attention_magnitude(inputs):
    # The probabilities' bf16 cast (2^-8 of each) and the output's rounding, through |P| @ |V|.
    return 4 * _attention_probabilities(inputs) @ np.abs(inputs["V"])


def _attention_probabilities(inputs, causal=False):
    s = inputs["Q"] @ inputs["K"].T / np.sqrt(inputs["Q"].shape[1])
    if causal:  # query i sees keys j <= i
        s = np.where(np.arange(s.shape[0])[:, None] >= np.arange(s.shape[1])[None, :], s, -np.inf)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _causal_attention(inputs):
    return _attention_probabilities(inputs, causal=True) @ inputs["V"]


def _causal_attention_magnitude(inputs):
    return 4 * _attention_probabilities(inputs, causal=True) @ np.abs(inputs["V"])


def running_row_sum(M, N, block_M, block_N, dtype="bfloat16", accum_dtype="float32"):  # noqa: N803
    """testing/python/language/test_tilelang_language_reduce.py's clear=False across column blocks: T.clear of
    the row sums before a loop whose T.reduce_sum(x, s, clear=False) adds each block's into them, then a second
    loop writing each block times its rows' sums."""

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as bx:
            A_shared = T.alloc_shared((block_M, block_N), dtype)
            A_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            B_local = T.alloc_fragment((block_M, block_N), dtype)
            S = T.alloc_fragment((block_M,), accum_dtype)
            T.clear(S)
            for k in T.serial(T.ceildiv(N, block_N)):
                T.copy(A[bx * block_M, k * block_N], A_shared)
                T.copy(A_shared, A_local)
                T.reduce_sum(A_local, S, dim=1, clear=False)
            for k in T.serial(T.ceildiv(N, block_N)):
                T.copy(A[bx * block_M, k * block_N], A_shared)
                for i, j in T.Parallel(block_M, block_N):
                    B_local[i, j] = A_shared[i, j] * S[i]
                T.copy(B_local, B[bx * block_M, k * block_N])

    return main


def _layernorm_f32_magnitude(inputs, eps=1e-5):
    # float32 values between stages: only the squares' TF32 truncation (2^-10 of each, one way) in the
    # reduction reaches the variance, and the output's bf16 rounding (2^-8 of it).
    x = inputs["X"]
    var = x.var(axis=1, keepdims=True) + eps
    growth = (x * x).mean(axis=1, keepdims=True) / var
    scale = np.abs(inputs["gamma"]) / np.sqrt(var)
    return growth * np.abs(x - x.mean(axis=1, keepdims=True)) * scale + 2 * np.abs(_layernorm_ref(inputs))


def _centred_ref(inputs):
    x = inputs["X"]
    return x - x.mean(axis=1, keepdims=True)


def _centred_magnitude(inputs):
    # The mean is rounded to bf16 before the difference (2^-8 of |x| summed over the row / D).
    x = np.abs(inputs["X"])
    return x + 2 * x.mean(axis=1, keepdims=True)


def tested_reduce_cols_centred(M, N, block_N):  # noqa: N803
    """test_tilelang_language_reduce.py's dim=0 form with the result read back: each column minus its
    maximum, over column blocks."""

    @T.prim_func
    def main(A: T.Tensor((M, N), "bfloat16"), B: T.Tensor((M, N), "bfloat16")):
        with T.Kernel(T.ceildiv(N, block_N), threads=128) as bx:
            A_shared = T.alloc_shared((M, block_N), "bfloat16")
            A_frag = T.alloc_fragment((M, block_N), "bfloat16")
            S = T.alloc_fragment((block_N,), "bfloat16")
            T.copy(A[0, bx * block_N], A_shared)
            T.copy(A_shared, A_frag)
            T.reduce_max(A_frag, S, dim=0)
            for i, j in T.Parallel(M, block_N):
                A_frag[i, j] = A_frag[i, j] - S[j]
            T.copy(A_frag, B[0, bx * block_N])

    return main


def _softmax_shift_ref(inputs):
    x = inputs["X"]
    return np.exp(x - x.max(axis=1, keepdims=True))


def _softmax_ref(inputs):
    e = _softmax_shift_ref(inputs)
    return e / e.sum(axis=1, keepdims=True)


def _rms_norm_ref(inputs):
    a = inputs["A"]
    return a * (1.0 / np.sqrt((a * a).mean(axis=1, keepdims=True)) + 1e-12)


def _norm_scale_ref(inputs):
    a = inputs["A"]
    return a * a.sum(axis=1, keepdims=True)


def _norm_scale_magnitude(inputs):
    # The sum is rounded to bf16 before the product (2^-8 of |a| * sum|a|), then the product once more.
    a = np.abs(inputs["A"])
    return 2 * a * a.sum(axis=1, keepdims=True)


ENTRIES = [
    _gemm("quickstart_256", QUICKSTART, lambda: quickstart_matmul(256, 256, 256), 256, 256, 256),
    _gemm("example_gemm_384x256x128", EXAMPLE_GEMM, lambda: quickstart_matmul(384, 256, 128), 384, 256, 128),
    _gemm("quickstart_padded_200x300x100", QUICKSTART, lambda: quickstart_matmul(200, 300, 100), 200, 300, 100),
    # The schedules forced both ways (T.func_attr's tt.schedule_policy, set on the parsed kernel): 10 x 10
    # blocks under mcast2d on 5 x 5 cores, 2 x 2 blocks each, the senders taking turns over blocks and K
    # steps; and 4 x 4 blocks split contiguously, which auto would multicast.
    _gemm("quickstart_mcast2d_forced", QUICKSTART,
          lambda: quickstart_matmul(640, 640, 128, 64, 64, 32).with_attr("tt.schedule_policy", "mcast2d"),
          640, 640, 128, schedule="mcast2d"),
    _gemm("quickstart_contiguous_forced", QUICKSTART,
          lambda: quickstart_matmul(256, 256, 256, 64, 64, 32).with_attr("tt.schedule_policy", "contiguous"),
          256, 256, 256, schedule="contiguous"),
    # K steps grouped (GroupKStepsTT): the 128 x 128 block's fp32 partials leave DST between steps, so 16
    # of the kernel's 32 one-tile K steps move per push; and the same kernel with tt.k_group = 1, each step
    # its own push (the values are the same bit for bit: test_simulator.py).
    _gemm("quickstart_deep_k_grouped", QUICKSTART, lambda: quickstart_matmul(256, 256, 1024), 256, 256, 1024),
    _gemm("quickstart_deep_k_ungrouped", QUICKSTART,
          lambda: quickstart_matmul(256, 256, 512).with_attr("tt.k_group", 1), 256, 256, 512),
    _gemm("quickstart_bf16_accum", QUICKSTART, lambda: quickstart_matmul(256, 256, 128, accum_dtype="bfloat16"),
          256, 256, 128, accum="bfloat16"),
    _gemm("autotune_nt_staged", AUTOTUNE, lambda: autotune_nt_staged(256, 256, 256), 256, 256, 256, nt,
          b_shape=(256, 256)),
    _gemm("autotune_nt_staged_padded", AUTOTUNE, lambda: autotune_nt_staged(160, 192, 96, 64, 64, 32),
          160, 192, 96, nt, b_shape=(192, 96)),
    _gemm("test_gemm_nn_128x256x32", TEST_GEMM, lambda: tested_gemm(256, 512, 96, 128, 256, 32), 256, 512, 96),
    _gemm("test_gemm_nn_64x64x64", TEST_GEMM, lambda: tested_gemm(256, 192, 256, 64, 64, 64), 256, 192, 256),
    _gemm("test_gemm_nt_128x128x32", TEST_GEMM, lambda: tested_gemm(256, 256, 128, 128, 128, 32, trans_B=True),
          256, 256, 128, nt, b_shape=(256, 128)),
    _gemm("test_gemm_nt_64x32x64", TEST_GEMM, lambda: tested_gemm(128, 96, 192, 64, 32, 64, trans_B=True),
          128, 96, 192, nt, b_shape=(96, 192)),
    _gemm("test_gemm_nn_256x128x64_bf16_accum", TEST_GEMM,
          lambda: tested_gemm(256, 256, 128, 256, 128, 64, accum_dtype="bfloat16"), 256, 256, 128,
          accum="bfloat16"),
    _gemm("matmul_rs", TEST_GEMM, lambda: fragment_operands(256, 256, 128, 128, 128, 32), 256, 256, 128),
    _gemm("matmul_sr", TEST_GEMM, lambda: fragment_operands(128, 128, 64, 64, 64, 32, False, True), 128, 128, 64),
    _gemm("matmul_rr", TEST_GEMM, lambda: fragment_operands(128, 192, 96, 64, 64, 32, True, True), 128, 192, 96),
    _gemm("flat_grid_256x384x128", SCHEDULE, lambda: flat_grid(256, 384, 128), 256, 384, 128),
    _gemm("flat_grid_padded_200x136x72", SCHEDULE, lambda: flat_grid(200, 136, 72, 64, 64, 32), 200, 136, 72),
    _gemm("quickstart_blackhole", QUICKSTART, lambda: quickstart_matmul(384, 256, 128), 384, 256, 128,
          target={"arch": "blackhole"}),
    _gemm("autotune_nt_staged_blackhole", AUTOTUNE, lambda: autotune_nt_staged(256, 384, 64), 256, 384, 64, nt,
          b_shape=(384, 64), target={"arch": "blackhole"}),
    _gemm("example_gemm_128x64x64", EXAMPLE_GEMM, lambda: quickstart_matmul(256, 256, 192, 128, 64, 64),
          256, 256, 192),
    _gemm("test_gemm_nn_64x128x128", TEST_GEMM, lambda: tested_gemm(128, 256, 384, 64, 128, 128), 128, 256, 384),
    _gemm("test_gemm_nt_bf16_accum", TEST_GEMM,
          lambda: tested_gemm(256, 256, 96, 128, 128, 32, trans_B=True, accum_dtype="bfloat16"), 256, 256, 96, nt,
          b_shape=(256, 96), accum="bfloat16"),
    _gemm("test_gemm_nn_96x96x32", TEST_GEMM, lambda: tested_gemm(192, 192, 64, 96, 96, 32), 192, 192, 64,
          notes="9 tiles: 1 x 3 DST sub-blocks"),
    _gemm("quickstart_k_below_block", QUICKSTART, lambda: quickstart_matmul(128, 128, 16), 128, 128, 16,
          notes="K = 16 < block_K: one zero-padded K step"),
    _gemm("quickstart_long_k", QUICKSTART, lambda: quickstart_matmul(128, 128, 1024), 128, 128, 1024,
          notes="32 K steps of partials"),
    _gemm("test_gemm_tall_skinny", TEST_GEMM, lambda: tested_gemm(1024, 32, 64, 128, 32, 32), 1024, 32, 64),
    _gemm("matmul_rs_128x256x64", TEST_GEMM, lambda: fragment_operands(128, 256, 64, 128, 128, 32),
          128, 256, 64),
    _gemm("batched_loop_nn", BATCHED, lambda: batched_loop_gemm(2, 128, 96, 64, 64, 32, 32), 128, 96, 64, batch=2,
          notes="a serial loop over the batch in each block; shared buffers sliced per matrix"),
    _gemm("batched_loop_nt_padded", BATCHED, lambda: batched_loop_gemm(3, 70, 100, 50, 64, 64, 32, trans_B=True),
          70, 100, 50, nt, b_shape=(3, 100, 50), batch=3),
    _gemm("batched_loop_tn_padded", BATCHED, lambda: batched_loop_gemm(2, 96, 64, 100, 64, 32, 32, trans_A=True),
          96, 64, 100, tn, a_shape=(2, 100, 96), batch=2),
    _gemm("batched_grid_128", BATCHED, lambda: batched_grid_gemm(2, 256, 256, 128), 256, 256, 128, batch=2,
          notes="the batch as the launch grid's z axis"),
    _gemm("batched_grid_shared_weight", BATCHED, lambda: batched_grid_gemm(3, 100, 160, 64, 64, 64, 32, False),
          100, 160, 64, b_shape=(64, 160), batch=3, notes="B is one matrix every batch multiplies by"),
    _gemm("persistent_staged", PERSISTENT, lambda: persistent_gemm(384, 256, 128), 384, 256, 128,
          notes="T.Persistent over 6 resident blocks"),
    _gemm("persistent_by_hand_grouped", PERSISTENT, lambda: manual_persistent_gemm(320, 192, 96), 320, 192, 96,
          notes="waves of 5 blocks, a grouped raster with a bounds check"),
    _gemm("test_gemm_tn_128x128x32", TEST_GEMM,
          lambda: tested_gemm(256, 256, 128, 128, 128, 32, trans_A=True), 256, 256, 128, tn, a_shape=(128, 256),
          notes="A is K x M: compute transposes each block of it through DST"),
    _gemm("test_gemm_tt_64x32x64_padded", TEST_GEMM,
          lambda: tested_gemm(100, 70, 130, 64, 32, 64, trans_A=True, trans_B=True), 100, 70, 130, tt,
          a_shape=(130, 100), b_shape=(70, 130)),
    _gemm("test_gemm_tn_bf16_accum", TEST_GEMM,
          lambda: tested_gemm(128, 128, 96, 64, 64, 32, trans_A=True, accum_dtype="bfloat16"), 128, 128, 96, tn,
          a_shape=(96, 128), accum="bfloat16"),
    _gemm("persistent_by_hand_padded", PERSISTENT, lambda: manual_persistent_gemm(200, 136, 72, sm_num=4, group=3),
          200, 136, 72),
    # Epilogues on the accumulator (T.Parallel before the output copy), on the SFPU in DST (#17).
    _gemm("quickstart_relu", QUICKSTART, lambda: quickstart_activation(256, 256, 128, "relu"), 256, 256, 128, relu(nn)),
    _gemm("quickstart_relu_padded_200x300x100", QUICKSTART, lambda: quickstart_activation(200, 300, 100, "relu"),
          200, 300, 100, relu(nn)),
    _gemm("autotune_nt_scale_shift_clamp", AUTOTUNE,
          lambda: autotune_nt_scaled(256, 192, 160, 0.125, -0.5, -1.0, 2.5, 128, 64, 32), 256, 192, 160,
          SCALED[0], b_shape=(192, 160), magnitude=SCALED[1]),
    _gemm("quickstart_relu_bf16_accum", QUICKSTART,
          lambda: quickstart_activation(128, 256, 96, "relu", 64, 128, 32, accum_dtype="bfloat16"), 128, 256, 96,
          relu(nn),
          accum="bfloat16"),
    _gemm("batched_grid_relu", BATCHED, lambda: batched_grid_relu(3, 128, 96, 64), 128, 96, 64, relu(nn), batch=3),
    # Epilogues with a tensor operand, streamed by the reader into a CB of its own (#17).
    _gemm("linear_bias_relu", QUICKSTART, lambda: linear_layer(256, 256, 128, "bias-relu"), 256, 256, 128,
          relu(plus(nt, "Bias")), b_shape=(256, 128), extra={"Bias": (256,)},
          notes="a rank-1 bias per column, 128 x 128 blocks in DST sub-blocks"),
    _gemm("test_gemm_bias_per_row_padded", TEST_GEMM, lambda: tested_gemm_bias(200, 136, 72, 64, 64, 32, True),
          200, 136, 72, plus(nn, "Bias", per_row=True), extra={"Bias": (200,)},
          notes="a bias per row: a column vector, padded"),
    _gemm("test_gemm_bias_bf16_accum", TEST_GEMM,
          lambda: tested_gemm_bias(128, 256, 96, 64, 128, 32, accum_dtype="bfloat16"), 128, 256, 96,
          plus(nn, "Bias"), extra={"Bias": (256,)}, accum="bfloat16"),
    _gemm("batched_residual", BATCHED, lambda: batched_residual(2, 128, 96, 64, 0.5), 128, 96, 64,
          SCALED_PLUS[0], batch=2, extra={"D": (2, 128, 96)}, magnitude=SCALED_PLUS[1],
          notes="C = 0.5 * (A @ B) + D, D of C's shape"),
    # Element-wise kernels without a GEMM: inputs through DST, the ops on the SFPU (#17).
    _elementwise("elementwise_add_example", ELEMENTWISE, lambda: elementwise_add(256, 512, 32, 32), 256, 512,
                 ew_sum, notes="the example's default 32 x 32 blocks: 128 blocks"),
    _elementwise("elementwise_add_test_128x256", TEST_ELEMENTWISE, lambda: elementwise_add(256, 512, 128, 256),
                 256, 512, ew_sum, notes="the test's 128 x 256 blocks"),
    _elementwise("elementwise_add_padded_100x70", ELEMENTWISE, lambda: elementwise_add(100, 70, 64, 64), 100, 70,
                 ew_sum),
    _elementwise("elementwise_staged_scale_bias_relu", ELEMENTWISE, lambda: elementwise_staged(192, 160, 0.5),
                 192, 160, staged_reference(0.5), extra={"Bias": (160,)},
                 notes="blocks staged through shared memory and a float32 fragment"),
    # Transcendental activations (#17): the release's accurate exp / sigmoid / tanh / silu routines on the SFPU.
    _gemm("linear_bias_silu", QUICKSTART, lambda: linear_layer(256, 256, 128, "bias-silu"), 256, 256, 128,
          LINEAR_SILU[0], b_shape=(256, 128), extra={"Bias": (256,)}, magnitude=LINEAR_SILU[1],
          notes="SiLU of the biased accumulator, x * T.sigmoid(x), in fp32 DST"),
    _gemm("quickstart_sigmoid_bf16_accum", QUICKSTART,
          lambda: quickstart_activation(128, 256, 96, "sigmoid", 64, 128, 32, accum_dtype="bfloat16"), 128, 256, 96,
          SIGMOID_NN[0], accum="bfloat16", magnitude=SIGMOID_NN[1],
          notes="sigmoid on 16-bit DST: the release's bf16 path, rounded to bf16 ties away"),
    _gemm("quickstart_exp_scaled", QUICKSTART, lambda: quickstart_activation(128, 128, 64, "exp"), 128, 128, 64,
          EXP_NN[0], magnitude=EXP_NN[1], notes="exp(x * 0.125): a softmax numerator without its max"),
    _gemm("quickstart_tanh_bf16_accum", QUICKSTART,
          lambda: quickstart_activation(128, 128, 96, "tanh", 64, 64, 32, accum_dtype="bfloat16"), 128, 128, 96,
          TANH_NN[0], accum="bfloat16", magnitude=TANH_NN[1], notes="tanh's 16-bit polynomial after x * 0.5"),
    _gemm("quickstart_tanh", QUICKSTART, lambda: quickstart_activation(256, 128, 64, "tanh"), 256, 128, 64,
          TANH_NN[0], magnitude=TANH_NN[1], notes="tanh's fp32 routine (expm1 and a refined reciprocal)"),
    _gemm("quickstart_exp2_bf16_accum", QUICKSTART,
          lambda: quickstart_activation(128, 128, 64, "exp2", 64, 64, 32, accum_dtype="bfloat16"), 128, 128, 64,
          EXP2_NN[0], accum="bfloat16", magnitude=EXP2_NN[1], notes="exp2's 16-bit path (exp_21f from x + 127)"),
    _elementwise("flash_attention_exp2_step", FLASH_MHA,
                 lambda: elementwise_activation(128, 256, 64, 64, "exp2-minus-max", "float32"), 128, 256, EW_EXP2[0],
                 magnitude=EW_EXP2[1], dtypes={"A": "float32", "B": "float32", "C": "float32"},
                 notes="the online softmax's exp2(s * log2(e) - m) as an element-wise kernel, fp32 exp2"),
    _elementwise("elementwise_silu_of_sum", ELEMENTWISE, lambda: elementwise_activation(256, 512, 32, 32, "silu"),
                 256, 512, EW_SILU[0], magnitude=EW_SILU[1]),
    _elementwise("elementwise_exp_plus_f32", TEST_ELEMENTWISE,
                 lambda: elementwise_activation(128, 256, 64, 128, "exp", "float32"), 128, 256,
                 lambda inputs: np.exp(inputs["A"]) + inputs["B"],
                 dtypes={"A": "float32", "B": "float32", "C": "float32"},
                 magnitude=lambda inputs: np.exp(inputs["A"]) + np.abs(inputs["B"]),
                 notes="float32 throughout: exp's own error (about 1 fp32 ulp) is visible in C"),
    # Products with a tensor (#17): mul_binary_tile, rounded to nearest even on 16-bit DST.
    _gemm("linear_channel_scale", QUICKSTART, lambda: linear_layer(256, 256, 128, "channel-scale"), 256, 256, 128,
          times(nt, "Bias"), b_shape=(256, 128), extra={"Bias": (256,)},
          notes="a per-output-channel scale multiplied in DST"),
    _gemm("linear_channel_scale_bf16_accum", QUICKSTART,
          lambda: linear_layer(128, 192, 96, "channel-scale", 64, 64, 32, accum_dtype="bfloat16"), 128, 192, 96,
          times(nt, "Bias"), b_shape=(192, 96), extra={"Bias": (192,)}, accum="bfloat16"),
    _elementwise("elementwise_swiglu", ELEMENTWISE, lambda: elementwise_activation(256, 512, 64, 64, "swiglu"),
                 256, 512, swiglu, notes="a gated MLP's SiLU(A) * B: silu_tile, then mul_binary_tile"),
    # float32 tensors (#17): a GEMM's output, an element-wise kernel's inputs and output.
    _gemm("test_gemm_f32_out", TEST_GEMM, lambda: tested_gemm(256, 256, 128, 128, 128, 32, out_dtype="float32"),
          256, 256, 128, dtypes={"C": "float32"}, notes="bf16 in, fp32 accumulator, float32 C: no output rounding"),
    _gemm("test_gemm_nt_bf16_accum_f32_out", TEST_GEMM,
          lambda: tested_gemm(128, 192, 96, 64, 64, 32, trans_B=True, accum_dtype="bfloat16", out_dtype="float32"),
          128, 192, 96, nt, b_shape=(192, 96), accum="bfloat16", dtypes={"C": "float32"}),
    _gemm("test_gemm_tn_f32_out", TEST_GEMM,
          lambda: tested_gemm(128, 128, 96, 64, 64, 32, trans_A=True, out_dtype="float32"), 128, 128, 96, tn,
          a_shape=(96, 128), dtypes={"C": "float32"}, notes="A's transpose packed in bf16 beside a Float32 output"),
    _elementwise("elementwise_add_f32", ELEMENTWISE, lambda: elementwise_add(256, 512, 32, 32, "float32"), 256, 512,
                 ew_sum, dtypes={"A": "float32", "B": "float32", "C": "float32"},
                 notes="the example as written: float32 throughout, exact in fp32 DST"),
    _elementwise("elementwise_add_f32_to_bf16", TEST_ELEMENTWISE,
                 lambda: elementwise_add(256, 512, 128, 256, "float32", "bfloat16"), 256, 512, ew_sum,
                 dtypes={"A": "float32", "B": "float32"}, notes="the test's f32f16 case with a bf16 output"),
    # float16 tensors (#17): TileLang's own tests' default dtype. fp16 in the source registers (SrcA
    # ignores its last mantissa bit), fp32 DST packed into a Float16 CB through bf16, or FP16 DST.
    _gemm("test_gemm_f16_nn_128x128x32", TEST_GEMM, lambda: tested_gemm(256, 256, 128, 128, 128, 32, dtype="float16"),
          256, 256, 128, dtypes=F16, notes="float16 in and out, float32 accumulator: C has bf16 precision"),
    _gemm("test_gemm_f16_nt_f32_out", TEST_GEMM,
          lambda: tested_gemm(128, 192, 160, 64, 64, 32, trans_B=True, dtype="float16", out_dtype="float32"),
          128, 192, 160, nt, b_shape=(192, 160), dtypes=F16 | {"C": "float32"},
          notes="float16 operands, float32 C: the product as the matrix unit forms it, unrounded"),
    _gemm("test_gemm_f16_f16_accum", TEST_GEMM,
          lambda: tested_gemm(256, 256, 96, 128, 256, 32, dtype="float16", accum_dtype="float16"), 256, 256, 96,
          accum="float16", dtypes=F16,
          notes="a float16 accumulator: FP16 DST, 1 x 8 sub-blocks, Float16 partials between K steps"),
    _gemm("quickstart_f16_padded_200x300x100", QUICKSTART,
          lambda: quickstart_matmul(200, 300, 100, dtype="float16"), 200, 300, 100, dtypes=F16),
    _gemm("quickstart_f16_relu", QUICKSTART, lambda: quickstart_activation(256, 128, 96, "relu", dtype="float16"),
          256, 128, 96, relu(nn), dtypes=F16, notes="ReLU on the float32 accumulator of a float16 GEMM"),
    # GELU (#17): x * 0.5 * (1 + T.erf(x / sqrt 2)), the release's accurate gelu_tile on fp32 DST.
    _gemm("linear_bias_gelu", QUICKSTART, lambda: linear_layer(256, 256, 128, "bias-gelu"), 256, 256, 128,
          LINEAR_GELU[0], b_shape=(256, 128), extra={"Bias": (256,)}, magnitude=LINEAR_GELU[1],
          notes="a transformer MLP's up projection: bias, then GELU in fp32 DST"),
    _gemm("quickstart_gelu_padded", QUICKSTART, lambda: quickstart_activation(200, 136, 96, "gelu", 64, 64, 32),
          200, 136, 96, GELU_NN[0], magnitude=GELU_NN[1], notes="GELU written with x / sqrt(2)"),
    _elementwise("elementwise_geglu", ELEMENTWISE, lambda: elementwise_activation(256, 512, 64, 64, "geglu"),
                 256, 512, geglu, magnitude=geglu_magnitude, notes="GeGLU: GELU(A) * B"),
    _gemm("batched_grid_f16", BATCHED, lambda: batched_grid_gemm(2, 128, 96, 64, 64, 32, 32, dtype="float16"),
          128, 96, 64, batch=2, dtypes=F16),
    _elementwise("elementwise_add_f16", TEST_ELEMENTWISE, lambda: elementwise_add(256, 512, 128, 256, "float16"),
                 256, 512, ew_sum, dtypes=F16, accum="float16",
                 notes="float16 in FP16 DST: the sum truncated to fp16 by the store"),
    _elementwise("elementwise_add_f32_to_f16", TEST_ELEMENTWISE,
                 lambda: elementwise_add(256, 512, 128, 256, "float32", "float16"), 256, 512, ew_sum,
                 dtypes={"A": "float32", "B": "float32", "C": "float16"},
                 notes="the test's f32f16 case: fp32 DST packed into Float16 through bf16"),
    # The target's math fidelity (#18): fewer multiplier phases, SrcB's (HiFi2) and SrcA's (LoFi) low bits out.
    _gemm("quickstart_hifi2", QUICKSTART, lambda: quickstart_matmul(256, 256, 256), 256, 256, 256,
          target={"math_fidelity": "HiFi2"}),
    _gemm("test_gemm_nt_lofi_bf16_accum", TEST_GEMM,
          lambda: tested_gemm(128, 128, 96, 64, 64, 32, trans_B=True, accum_dtype="bfloat16"), 128, 128, 96, nt,
          b_shape=(128, 96), accum="bfloat16", target={"math_fidelity": "LoFi"}),
    # float32 T.gemm operands (#17): TF32 in the source registers (low 13 mantissa bits dropped).
    _gemm("test_gemm_f32_nn_128x128x32", TEST_GEMM,
          lambda: tested_gemm(256, 256, 128, 128, 128, 32, dtype="float32"), 256, 256, 128, dtypes=F32,
          notes="float32 throughout: TF32 products, fp32 accumulation, Float32 partials beside Float32 operands"),
    _gemm("test_gemm_f32_nt_bf16_out", TEST_GEMM,
          lambda: tested_gemm(192, 160, 96, 64, 32, 32, trans_B=True, dtype="float32", out_dtype="bfloat16"),
          192, 160, 96, nt, b_shape=(160, 96), dtypes={"A": "float32", "B": "float32"}),
    _gemm("quickstart_f32_relu_padded", QUICKSTART,
          lambda: quickstart_activation(200, 136, 72, "relu", 64, 64, 32, dtype="float32"), 200, 136, 72, relu(nn),
          dtypes=F32),
    # Reductions along rows (issue #19): reduce_tile's sum on the matrix engine, its maximum with GMPOOL.
    Entry("test_reduce_sum_rows", TEST_REDUCE, lambda: tested_reduce(192, 320, 64), {"A": (192, 320)},
          lambda i: i["A"].sum(axis=1), output="B", k=320),
    Entry("test_reduce_sum_rows_bf16_accum", TEST_REDUCE,
          lambda: tested_reduce(128, 256, 32, via_shared=False, accum="bfloat16", out_dtype="bfloat16"),
          {"A": (128, 256)}, lambda i: i["A"].sum(axis=1), output="B", accum="bfloat16", k=256,
          notes="16-bit DST: each K-face's sum rounded to bf16, as the chip does"),
    Entry("test_reduce_max_rows", TEST_REDUCE,
          lambda: tested_reduce(96, 224, 32, kind="max", accum="bfloat16", out_dtype="bfloat16"),
          {"A": (96, 224)}, lambda i: i["A"].max(axis=1), output="B", accum="bfloat16",
          magnitude=lambda i: np.abs(i["A"]).max(axis=1)),
    Entry("test_reduce_sum_cols_lofi", TEST_REDUCE, lambda: tested_reduce_cols(96, 256, 64), {"A": (96, 256)},
          lambda i: i["A"].sum(axis=0), output="B", target={"math_fidelity": "LoFi"}, k=96,
          notes="dim=0: GAPOOL, the data in SrcA keep 4 of bf16's 7 mantissa bits at LoFi"),
    Entry("test_reduce_max_cols", TEST_REDUCE, lambda: tested_reduce_cols(64, 160, 32, kind="max"), {"A": (64, 160)},
          lambda i: i["A"].max(axis=0), output="B", magnitude=lambda i: np.abs(i["A"]).max(axis=0)),
    # test_reduce's own form on float32 tensors: the data reach the matrix unit as TF32 (the low 13
    # mantissa bits dropped), the bf16 scaler beside them in the other source register.
    Entry("test_reduce_sum_f32_fragment", TEST_REDUCE, lambda: tested_reduce_whole(128, 128), {"A": (128, 128)},
          lambda i: i["A"].sum(axis=1), output="B", k=128, dtypes={"A": "float32", "B": "float32"},
          notes="a row sum of TF32 data in SrcB (MVMUL with the scaler's 1.0 in SrcA)"),
    Entry("test_reduce_sum_f32_shared", TEST_REDUCE,
          lambda: tested_reduce_whole(32, 32, src_scope="shared", dst_scope="shared"), {"A": (32, 32)},
          lambda i: i["A"].sum(axis=1), output="B", k=32, dtypes={"A": "float32", "B": "float32"},
          notes="shared source and result buffers, one tile"),
    Entry("test_reduce_max_f32_fragment", TEST_REDUCE, lambda: tested_reduce_whole(128, 128, kind="max"),
          {"A": (128, 128)}, lambda i: i["A"].max(axis=1), output="B", dtypes={"A": "float32", "B": "float32"},
          magnitude=lambda i: np.abs(i["A"]).max(axis=1),
          notes="GMPOOL on TF32 data: the maximum of the truncated values (within 2^-10 of the float32 one); "
                "SrcB set up again for the bf16 scaler"),
    # The reductions the chip lacks, as a stage and the reductions it has: |x| (abs_tile) summed or
    # maximised, and min(x) = -max(-x), the negation on the SFPU after GMPOOL.
    Entry("test_reduce_min_f32", TEST_REDUCE, lambda: tested_reduce_whole(128, 128, kind="min"), {"A": (128, 128)},
          lambda i: i["A"].min(axis=1), output="B", dtypes={"A": "float32", "B": "float32"},
          magnitude=lambda i: np.abs(i["A"]).max(axis=1),
          notes="-x into a Float32 CB, its maximum (TF32 data), times -1 on the SFPU before the pack"),
    Entry("test_reduce_abssum_f32", TEST_REDUCE, lambda: tested_reduce_whole(128, 128, kind="abssum"),
          {"A": (128, 128)}, lambda i: np.abs(i["A"]).sum(axis=1), output="B", k=128,
          dtypes={"A": "float32", "B": "float32"}, notes="abs_tile (SFPABS) into a Float32 CB, then its row sum"),
    Entry("test_reduce_absmax_bf16", TEST_REDUCE,
          lambda: tested_reduce_whole(64, 128, dtype="bfloat16", kind="absmax"), {"A": (64, 128)},
          lambda i: np.abs(i["A"]).max(axis=1), output="B", accum="bfloat16",
          magnitude=lambda i: np.abs(i["A"]).max(axis=1), notes="|x| in a bf16 CB (exact), GMPOOL, fp32 DST"),
    # test_reduce_clear: clear=False starts from the fill; c + sum is one SFPU add after the reduction.
    Entry("test_reduce_clear_sum_f32", TEST_REDUCE, lambda: tested_reduce_clear(128, 128), {"A": (128, 128)},
          lambda i: i["A"].sum(axis=1) + 1, output="B", k=128, dtypes={"A": "float32", "B": "float32"},
          magnitude=lambda i: np.abs(i["A"]).sum(axis=1) + 1,
          notes="T.fill(dst, 1) then clear=False: add_unary_tile(1.0) on the row sums before the pack"),
    Entry("test_reduce_clear_max_f32", TEST_REDUCE, lambda: tested_reduce_clear(128, 128, kind="max"),
          {"A": (128, 128)}, lambda i: i["A"].max(axis=1), output="B", dtypes={"A": "float32", "B": "float32"},
          magnitude=lambda i: np.abs(i["A"]).max(axis=1),
          notes="T.fill(dst, -inf) then clear=False: max(-inf, m) = m, nothing to combine"),
    Entry("test_reduce_sum_bf16_fragment", TEST_REDUCE, lambda: tested_reduce_whole(128, 128, dtype="bfloat16"),
          {"A": (128, 128)}, lambda i: i["A"].sum(axis=1), output="B", accum="bfloat16", k=128,
          notes="a bf16 result: 16-bit DST, each K-face's sum rounded to bf16"),
    Entry("test_reduce_sum_rows_hifi2_padded", TEST_REDUCE,
          lambda: tested_reduce(64, 200, 64, via_shared=False, width=224), {"A": (64, 200)},
          lambda i: i["A"].sum(axis=1), output="B", target={"math_fidelity": "HiFi2"}, k=200,
          notes="HiFi2: the data in SrcB lose their last bf16 mantissa bit (the scaler's 1.0 has no low slice); "
                "the zeros padding columns 200..223 add nothing"),
    # A reduction read back by an element-wise update (issue #19): two compute stages, the reduced vector
    # in an intermediate CB, broadcast over the block with unary_bcast.
    Entry("online_softmax_exp_shift", ONLINE_SOFTMAX, lambda: softmax_shift(128, 256, 64), {"X": (128, 256)},
          _softmax_shift_ref, output="Y", magnitude=lambda i: np.abs(_softmax_shift_ref(i)) * 2,
          notes="exp(x - max): the exact maximum, the SFPU's exp (2 fp32 ulp) before the bf16 pack"),
    Entry("rms_norm_broadcast_in_place", RMS_NORM, lambda: norm_scale(96, 192, 32), {"A": (96, 192)},
          _norm_scale_ref, output="B", magnitude=_norm_scale_magnitude, k=192,
          notes="the row sum packed to bf16 between the stages, then the block scaled by it in place"),
    Entry("online_softmax_rows", ONLINE_SOFTMAX, lambda: softmax_rows(128, 320, 32), {"X": (128, 320)},
          _softmax_ref, output="Y", magnitude=lambda i: np.abs(_softmax_ref(i)) * 4,
          notes="four stages: max, exp(x - max) packed to bf16, its sum packed to bf16, then each "
                "exponential times recip_tile of the sum"),
    Entry("online_softmax_rows_float", ONLINE_SOFTMAX, lambda: softmax_rows(128, 320, 32, accum_dtype="float32"),
          {"X": (128, 320)}, _softmax_ref, output="Y", magnitude=lambda i: np.abs(_softmax_ref(i)) * 4,
          notes="the example's float exponentials and sum: exp(x - max) packed to fp32, copied for the row sum "
                "(read through the source registers as TF32) while the division reads them exactly"),
    Entry("online_softmax_rows_float16", ONLINE_SOFTMAX,
          lambda: softmax_rows(128, 320, 32, dtype="float16", accum_dtype="float32"), {"X": (128, 320)},
          _softmax_ref, output="Y", magnitude=lambda i: np.abs(_softmax_ref(i)) * 4,
          dtypes={"X": "float16", "Y": "float16"},
          notes="float16 X and Y with float exponentials and sum: X widened to fp32 by the reader, the "
                "softmax in fp32, Y narrowed to the nearest fp16 by the writer"),
    Entry("rms_norm_bf16", RMS_NORM, lambda: rms_norm(96, 256, 32), {"A": (96, 256)},
          _rms_norm_ref, output="B", magnitude=lambda i: np.abs(_rms_norm_ref(i)) * 4,
          notes="four stages: x * x packed to bf16, its row sum, rsqrt(sum / N) + 1e-12 on the vector's tiles "
                "(rsqrt_tile, the division a product by fp32(1 / N)), the block scaled by it"),
    Entry("layernorm_mean_centred", LAYERNORM, lambda: layernorm_centre(96, 320, 32), {"X": (96, 320)},
          _centred_ref, output="Y", magnitude=_centred_magnitude, k=320,
          notes="three stages: the row sum, the mean on the vector's tiles (times 1/320 in fp32), packed to "
                "bf16, then X - mean"),
    Entry("layernorm", LAYERNORM, lambda: layernorm(100, 320, 32), {"X": (100, 320), "gamma": (320,),
          "beta": (320,)}, _layernorm_ref, output="Y", magnitude=_layernorm_magnitude,
          notes="seven stages: x * x packed to bf16, both row sums, the mean (times fp32(1/320)), its square, "
                "rsqrt(E[x^2] - mean^2 + eps) on the vectors' tiles, then (x - mean) * rstd * gamma[j] + "
                "beta[j] with gamma and beta streamed as row vectors; 100 rows (the last block padded)"),
    Entry("rms_norm_float", RMS_NORM, lambda: rms_norm_float(96, 256, 32), {"A": (96, 256)}, _rms_norm_f32_ref,
          output="B", dtypes={"A": "float32", "B": "float32"},
          magnitude=lambda i: np.abs(_rms_norm_f32_ref(i)) * 2.0**-2,
          notes="as written (float32 tensors and fragments): the squares in a Float32 CB the row sum reads as "
                "TF32, the sum and its rsqrt in Float32 CBs copied into DST exactly (UnpackToDestFp32)"),
    Entry("layernorm_float", LAYERNORM, lambda: layernorm_float(100, 320, 32), {"X": (100, 320), "gamma": (320,),
          "beta": (320,)}, _layernorm_ref, output="Y", magnitude=_layernorm_f32_magnitude,
          notes="accum_dtype float: X widened (the bf16 CB itself), the squares reduced as TF32, the sums, "
                "mean, mean^2 and rstd in Float32 CBs broadcast exactly (unary_bcast from UnpackToDestFp32), "
                "unpackers reconfigured between bf16 and Float32 CBs"),
    Entry("rms_norm_splitk_sumsq", RMS_NORM, lambda: rms_norm_splitk_sumsq(96, 320, 32, 64), {"A": (96, 320)},
          lambda i: (i["A"] * i["A"]).sum(axis=1), output="S", dtypes={"A": "float32", "S": "float32"}, k=320,
          magnitude=lambda i: (i["A"] * i["A"]).sum(axis=1) * 2.0**-2,
          notes="a loop of stages: A_local filled with 0 (fill_tile), then in each of the 5 column steps "
                "A_local = A * A + A_local in place (its CB holds the value before and the new one), then the "
                "row sum of the Float32 A_local, copied once (it is read both into DST and as TF32)"),
    Entry("rms_norm_splitk_sumsq_bf16", RMS_NORM, lambda: rms_norm_splitk_sumsq(64, 256, 32, 128, "bfloat16"),
          {"A": (64, 256)}, lambda i: (i["A"] * i["A"]).sum(axis=1), output="S", dtypes={"S": "float32"}, k=256,
          magnitude=lambda i: (i["A"] * i["A"]).sum(axis=1) * 2.0**-2,
          notes="bfloat16 blocks of A summed into a float32 A_local across 2 column steps of 128"),
    Entry("rms_norm_splitk", RMS_NORM, lambda: rms_norm_splitk(96, 320, 32, 64), {"A": (96, 320)},
          _rms_norm_f32_ref, output="B", dtypes={"A": "float32", "B": "float32"},
          magnitude=lambda i: np.abs(_rms_norm_f32_ref(i)) * 2.0**-2,
          notes="two loops of stages: the split-K sum of squares (A_local carried, as in "
                "rms_norm_splitk_sumsq), the row sum and its rsqrt (a Float32 vector), then a loop over the 5 "
                "column blocks in reverse, each A block times the vector, written out block by block; the "
                "vector is waited for in every iteration and popped after the loop"),
    Entry("rms_norm_splitk_bf16", RMS_NORM, lambda: rms_norm_splitk(64, 256, 32, 128, "bfloat16"),
          {"A": (64, 256)}, _rms_norm_f32_ref, output="B", magnitude=lambda i: np.abs(_rms_norm_f32_ref(i)) * 2,
          notes="bfloat16 blocks of A, float32 A_local and A_powsum, 2 column steps of 128 in each loop; the "
                "output rounded to bf16 (half an ulp: up to 2^-8 of it)"),
    # Loops carrying vectors (issue #19): the online softmax's running maximum and sum.
    Entry("online_softmax_running", ONLINE_SOFTMAX, lambda: online_softmax(96, 320, 32, 64), {"X": (96, 320)},
          _softmax_ref, output="Y", magnitude=lambda i: np.abs(_softmax_ref(i)) * 4,
          notes="a loop over 5 column blocks carrying the running maximum and the exponentials' sum (float32 "
                "vectors, each updated in place in its CB), the maximum before kept by a copy stage, the "
                "rescale exp2 on the vectors' tiles; then a second loop writing each block's softmax"),
    Entry("flash_softmax_macro", FLASH_MHA, lambda: online_softmax(64, 256, 64, 64, refill=True),
          {"X": (64, 256)}, _softmax_ref, output="Y", magnitude=lambda i: np.abs(_softmax_ref(i)) * 4,
          notes="flash attention's Softmax macro as written there (the maximum filled with -inf again each "
                "iteration, so each block's own), 64-row blocks, followed by the second loop"),
    # A T.gemm as a stage of the program (issue #19): attention's scores, softmaxed row by row.
    Entry("flash_attention_scores", FLASH_MHA, lambda: attention_scores(192, 128, 64, 64),
          {"Q": (192, 64), "K": (128, 64)}, _attention_probabilities, output="P", k=64,
          magnitude=lambda i: np.abs(_attention_probabilities(i)) * 4,
          notes="Q @ K^T (transpose_B) as a matmul stage into a float32 value, then the rows' max, exp2, sum "
                "and the division: softmax(Q @ K^T / sqrt(64)) for 3 blocks of 64 query rows over 128 keys"),
    Entry("flash_attention_one_block", FLASH_MHA, lambda: attention_one_block(192, 128, 64, 64),
          {"Q": (192, 64), "K": (128, 64), "V": (128, 64)}, _attention, output="Output", k=128,
          magnitude=_attention_magnitude,
          notes="flash attention's forward with the keys and values in one block: Q @ K^T, the rows' max, "
                "exp2 and sum, the probabilities cast to bf16 and multiplied by V (a second matmul stage, "
                "its A an earlier stage's value), divided by the sum"),
    Entry("flash_attention_fwd", FLASH_MHA, lambda: flash_attention(256, 64, 64, 64),
          {"Q": (256, 64), "K": (256, 64), "V": (256, 64)}, _attention, output="Output", k=256,
          magnitude=_attention_magnitude,
          notes="the example's forward (non-causal) on one head, 4 blocks of 64 queries, each looping over 4 "
                "blocks of 64 keys: Q's block read once, Q @ K^T and acc_o += acc_s_cast @ V as matmul stages "
                "of the loop, the online softmax between them, acc_o rescaled in place, divided by the logsum "
                "after the loop"),
    Entry("flash_attention_fwd_d128", FLASH_MHA, lambda: flash_attention(192, 128, 64, 64),
          {"Q": (192, 128), "K": (192, 128), "V": (192, 128)}, _attention, output="Output", k=192,
          magnitude=_attention_magnitude,
          notes="dim 128 (Q @ K^T over 4 K tiles, acc_o 2 x 4 tiles), 3 blocks of queries and of keys"),
    # Rank-4 tensors and the 3-D grid (issue #19): the example itself.
    Entry("flash_attention_mha_bshd", FLASH_MHA, lambda: flash_attention_mha(2, 2, 128, 64, 64, 64),
          {n: (2, 128, 2, 64) for n in "QKV"}, _per_head(_attention, "bshd"), output="Output", k=128,
          magnitude=_per_head(_attention_magnitude, "bshd"),
          notes="(batch 2, seq 128, heads 2, dim 64) tensors over the grid (2, 2, 2): each tensor stored as its "
                "(batch, heads) matrices of (seq, dim) (the plan's axes [0, 2, 1, 3]), each block of queries "
                "looping over 2 blocks of keys of its own head"),
    Entry("flash_attention_mha_bshd_float16", FLASH_MHA,
          lambda: flash_attention_mha(1, 2, 128, 64, 64, 64, dtype="float16"),
          {n: (1, 128, 2, 64) for n in "QKV"}, _per_head(_attention, "bshd"), output="Output", k=128,
          magnitude=_per_head(_attention_magnitude, "bshd"),
          dtypes={n: "float16" for n in ("Q", "K", "V", "Output")},
          notes="the example's own dtype = \"float16\": the reader widens each Q, K and V tile into a Float32 CB "
                "(beside a Float16 CB the unpacker would read the Float32 scores as FP16), the program runs in "
                "fp32 (acc_s_cast held as float32, read by the matmul as TF32), the writer narrows the output "
                "to the nearest fp16"),
    Entry("flash_attention_mha_bshd_float16_h8_s1024", FLASH_MHA,
          lambda: flash_attention_mha(1, 8, 1024, 64, 128, 64, dtype="float16"),
          {n: (1, 1024, 8, 64) for n in "QKV"}, _per_head(_attention, "bshd"), output="Output", k=1024,
          magnitude=_per_head(_attention_magnitude, "bshd"),
          dtypes={n: "float16" for n in ("Q", "K", "V", "Output")},
          notes="benchmarks/flash_attention.py's shape (8 heads x 1024 x 64, block_M 128, block_N 64) in the "
                "example's float16: 64 blocks of queries on 64 cores, each over 16 blocks of keys"),
    Entry("flash_attention_mha_bhsd_d128", FLASH_MHA_BHSD,
          lambda: flash_attention_mha(1, 3, 128, 128, 64, 64, layout="bhsd"),
          {n: (1, 3, 128, 128) for n in "QKV"}, _per_head(_attention, "bhsd"), output="Output", k=128,
          magnitude=_per_head(_attention_magnitude, "bhsd"),
          notes="(batch 1, heads 3, seq 128, dim 128) tensors, stored in their own order: 3 heads' matrices"),
    Entry("flash_attention_mha_bshd_s1024_d128", FLASH_MHA, lambda: flash_attention_mha(1, 2, 1024, 128, 128, 64),
          {n: (1, 1024, 2, 128) for n in "QKV"}, _per_head(_attention, "bshd"), output="Output", k=1024,
          magnitude=_per_head(_attention_magnitude, "bshd"),
          notes="the issue's largest sequence and head size: 2 heads, seq 1024, dim 128, block_M 128 (acc_o 4 x 4 "
                "float32 tiles), 16 blocks of 64 keys an output block"),
    Entry("flash_attention_mha_bshd_causal", FLASH_MHA,
          lambda: flash_attention_mha(2, 2, 256, 64, 64, 64, is_causal=True),
          {n: (2, 256, 2, 64) for n in "QKV"}, _per_head(_causal_attention, "bshd"), output="Output", k=256,
          magnitude=_per_head(_causal_attention_magnitude, "bshd"),
          notes="is_causal=True: the mask a block of 0 / -inf the reader writes each step, Q @ K^T added onto it; "
                "block row b loops over its first b + 1 blocks of keys (the plan's loop bound)"),
    Entry("flash_attention_mha_bhsd_causal_d128", FLASH_MHA_BHSD,
          lambda: flash_attention_mha(1, 2, 256, 128, 64, 128, layout="bhsd", is_causal=True),
          {n: (1, 2, 256, 128) for n in "QKV"}, _per_head(_causal_attention, "bhsd"), output="Output", k=256,
          magnitude=_per_head(_causal_attention_magnitude, "bhsd"),
          notes="causal, dim 128, block_M 64 and block_N 128: the diagonal inside a block of keys, block row b "
                "looping over ceil((b + 1) / 2) of them"),
    Entry("test_reduce_sum_running", TEST_REDUCE, lambda: running_row_sum(96, 320, 32, 64), {"A": (96, 320)},
          lambda i: i["A"] * i["A"].sum(axis=1, keepdims=True), output="B", k=320,
          magnitude=lambda i: np.abs(i["A"]) * np.abs(i["A"]).sum(axis=1, keepdims=True),
          notes="T.reduce_sum(..., clear=False) over column blocks into a float32 vector (each block's sum, "
                "then added into the running one on the SFPU), then a second loop scaling each block by it"),
    Entry("test_reduce_max_cols_centred", TEST_REDUCE, lambda: tested_reduce_cols_centred(96, 160, 32),
          {"A": (96, 160)}, lambda i: i["A"] - i["A"].max(axis=0, keepdims=True), output="B",
          magnitude=lambda i: np.abs(i["A"]) + np.abs(i["A"]).max(axis=0, keepdims=True)),
]  # fmt: skip

BY_NAME = {entry.name: entry for entry in ENTRIES}


def tolerance(entry: Entry, k: int) -> float:
    """Allowed |error| as a fraction of (|a| @ |b|): one bf16 rounding of the output (2^-8; a float16
    output of a float32 accumulator is packed through bf16 too) plus the accumulation: fp32 keeps it
    far below that; a bfloat16 accumulator rounds once per K-face of 16 products and fidelity phase
    (TF32 then bf16: 2^-9 each, 4 phases at HiFi4), a float16 one likewise to fp16 (2^-11 each), so
    their error grows with K. float16 operands lose their last mantissa bit in SrcA (2^-10), float32 ones
    become TF32 in both source registers (2^-10) and lose one more bit in SrcA (2^-9); a target's lower
    math fidelity drops mantissa bits of each product (SrcB's last at HiFi2, SrcA's last three at LoFi)."""
    srca = {"float16": 2.0**-10, "float32": 2.0**-10 + 2.0**-9}.get(entry.dtypes.get("A"), 0.0)
    # Below HiFi4 products lose SrcB's low slice (HiFi2: its last bf16 bit) and at LoFi SrcA's (3 bits).
    srca += {"HiFi3": 2.0**-7 * 2.0**-4, "HiFi2": 2.0**-7, "LoFi": 2.0**-7 + 2.0**-4}.get(
        entry.target.get("math_fidelity", "HiFi4"), 0.0
    )
    if entry.accum == "float32":
        return 2.0**-8 + k * 2.0**-22 + srca
    rounding = 2.0**-11 if entry.accum == "float16" else 2.0**-9
    return 2.0**-8 + rounding * 4 * -(-k // 16) + srca


def check_against_reference(entry: Entry, inputs: dict, output: np.ndarray) -> tuple[bool, str]:
    """The output against the entry's own reference on the inputs as their tensors hold them."""
    values = {name: np.asarray(v, dtype=np.float64) for name, v in inputs.items()}
    reference = entry.reference(values)
    if entry.magnitude is not None:
        magnitude = entry.magnitude(values)
    else:
        magnitude = entry.reference({name: np.abs(v) for name, v in values.items()})
    k = entry.k
    flush = 2.0**-14 if entry.dtypes.get(entry.output) == "float16" else 0.0  # below fp16's normal range
    bound = tolerance(entry, k) * magnitude + flush + 1e-30
    ratio = np.abs(output.astype(np.float64) - reference) / bound
    worst = float(np.max(ratio)) if ratio.size else 0.0
    return worst <= 1.0, f"{entry.name}: worst error {worst:.3g} x its bound (tolerance {tolerance(entry, k):.3g})"
