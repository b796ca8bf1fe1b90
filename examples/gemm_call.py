"""Compile the canonical GEMM for Tenstorrent and call it with torch tensors.

    python examples/gemm_call.py [--M 1024 --N 1024 --K 1024] [--block-m 128 --block-n 128 --block-k 32]

``tilelang.compile(..., target="tenstorrent")`` returns a kernel called like any TileLang kernel. It runs
on the built-in functional simulator, or on a Tenstorrent device where TT-Metalium is installed
(``tilelang-tt device`` says which). The result is checked twice: with TileLang's usual test idiom, and
with the simulator's rule for the accumulator's DST mode (docs/tenstorrent/simulator.md).
"""

import argparse
import time

import tilelang
import torch

from gemm import matmul
from tilelang_tt import sim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in (("--M", 1024), ("--N", 1024), ("--K", 1024), ("--block-m", 128), ("--block-n", 128),
                          ("--block-k", 32)):  # fmt: skip
        parser.add_argument(name, type=int, default=default)
    args = parser.parse_args()

    start = time.perf_counter()
    func = matmul(args.M, args.N, args.K, args.block_m, args.block_n, args.block_k)
    kernel = tilelang.compile(func, out_idx=[-1], target="tenstorrent")
    print(f"compiled {kernel} in {time.perf_counter() - start:.2f} s")

    a = torch.randn(args.M, args.K).bfloat16()
    b = torch.randn(args.K, args.N).bfloat16()
    start = time.perf_counter()
    c = kernel(a, b)
    print(f"called it in {time.perf_counter() - start:.3f} s on {kernel.execution_backend}")

    torch.testing.assert_close(c, (a.float() @ b.float()).bfloat16(), rtol=1e-2, atol=1e-2)
    result = sim.compare(c.float().numpy(), a.float().numpy(), b.float().numpy(), kernel.plan["compute"], stats={})
    print(result.summary().splitlines()[0])
    if not result.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
