"""The canonical TileLang GEMM, lowered for Tenstorrent.

Written in today's TileLang syntax, with nothing Tenstorrent-specific in the
kernel: the backend picks the schedule and the memory layout itself.

    python examples/gemm.py [--M 256 --N 256 --K 256] [--arch wormhole_b0|blackhole]
"""

from __future__ import annotations

import argparse

import tilelang
import tilelang.language as T

import tilelang_tt


def matmul(M, N, K, block_M=32, block_N=32, block_K=32, dtype="bfloat16", accum_dtype="float32"):
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
    parser.add_argument("--arch", default="wormhole_b0", choices=tilelang_tt.known_archs())
    args = parser.parse_args()

    target = tilelang_tt.make_target(args.arch)
    artifact = tilelang.lower(matmul(args.M, args.N, args.K), target=target)

    info = tilelang_tt.target_info(artifact.target)
    print(f"target: {artifact.target}")
    print(
        f"  arch={info.arch} cores={info.core_grid_x}x{info.core_grid_y} "
        f"dram_banks={info.dram_banks} l1_bytes={info.l1_bytes} tile={info.tile_rows}x{info.tile_cols}"
    )
    for gvar, func in artifact.device_mod.functions.items():
        print(f"kernel {gvar.name_hint}: TT attributes")
        for key in sorted(str(k) for k in func.attrs.keys()):
            if key.startswith("tt."):
                print(f"  {key} = {func.attrs[key]}")


if __name__ == "__main__":
    main()
