"""The canonical TileLang GEMM, lowered for Tenstorrent.

Written in today's TileLang syntax, with nothing Tenstorrent-specific in the
kernel: the backend picks the schedule and the memory layout itself.

    python examples/gemm.py [--M 256 --N 256 --K 256] [--block-m 128 --block-n 128 --block-k 32]
                            [--arch wormhole_b0|blackhole] [--out DIR]

The default blocks are TileLang's own (128 x 128 x 32): each output block is larger than DST, so the
compute kernel walks it in DST sub-blocks (docs/architecture.md).

Writes reader.cpp, compute.cpp, writer.cpp, main.cpp and tt.plan.json to DIR
(default out/gemm) and prints a summary of the plan.
"""

from __future__ import annotations

import argparse

import tilelang.language as T

import tilelang_tt


def matmul(M=256, N=256, K=256, block_M=128, block_N=128, block_K=32, dtype="bfloat16", accum_dtype="float32"):  # noqa: N803
    """C = A @ B with A: (M, K), B: (K, N), one (block_M x block_N) output block per kernel instance."""

    @T.prim_func
    def gemm(
        A: T.Tensor((M, K), dtype),
        B: T.Tensor((K, N), dtype),
        C: T.Tensor((M, N), dtype),
    ):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            T.copy(C_local, C[by * block_M, bx * block_N])

    return gemm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--M", type=int, default=256)
    parser.add_argument("--N", type=int, default=256)
    parser.add_argument("--K", type=int, default=256)
    parser.add_argument("--block-m", type=int, default=128)
    parser.add_argument("--block-n", type=int, default=128)
    parser.add_argument("--block-k", type=int, default=32)
    parser.add_argument("--arch", default="wormhole_b0", choices=tilelang_tt.known_archs())
    parser.add_argument("--out", default="out/gemm")
    args = parser.parse_args()

    target = tilelang_tt.make_target(args.arch)
    kernel = matmul(args.M, args.N, args.K, args.block_m, args.block_n, args.block_k)
    artifacts = tilelang_tt.lower(kernel, target=target)
    plan = artifacts.plan
    counts = [core["count"] for core in plan["cores"]]
    print(f"kernel {plan['kernel_name']} for {plan['arch']} (TT-Metalium {plan['tt_metalium_version']})")
    print(
        f"  {plan['schedule']['num_blocks']} output blocks on {len(counts)} of "
        f"{plan['core_grid']['x'] * plan['core_grid']['y']} cores, {min(counts)}..{max(counts)} blocks per core"
    )
    cbs = ", ".join(f"{cb['name']} {cb['pages']}x{cb['page_bytes']}B" for cb in plan["cbs"])
    print(f"  circular buffers: {cbs} = {plan['l1_bytes_used_per_core']} bytes of L1 per core")
    for path in artifacts.write(args.out):
        print(f"  wrote {path}")


if __name__ == "__main__":
    main()
