"""Flash attention's forward (example_mha_fwd_bshd.py as written) on the simulator and the cost model.

    python benchmarks/flash_attention.py [--batch 1] [--heads 8] [--seq 1024] [--dim 64] [--block 128] [--causal]
                                         [--dtype bfloat16|float16]

Lowers the kernel (the corpus's, tests/python/tt/corpus.py), simulates it (the verdict against the plan),
and prints the cost model's figures (tilelang-tt estimate, from the simulator's statistics): the modeled
device time, TFLOP/s of the matmul stages' 4 * batch * heads * seq^2 * dim (causal: of the products it
computes, each block of queries over the blocks of keys up to its diagonal), % of the device's roofline
and the binding limit. The time is a lower bound: the model counts the matmuls, the SFPU's exp2 and
reciprocals (the instructions the simulator steps through, one a cycle), unpacking, packing and data
movement, not the FPU's element-wise and reduce passes nor an SFPMAD's second cycle of latency.
ttnn's SDPA has no published table to set beside it: tech_reports/FlashAttention/FlashAttention.md in
tenstorrent/tt-metal gives its n150 results only as a plot (Figure 6). Writes
benchmarks/results/flash_attention.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import tilelang_tt
from _common import REPO, machine, save
from tilelang_tt.estimate import estimate, summary
from tilelang_tt.sim import simulate

sys.path.insert(0, str(REPO / "tests" / "python" / "tt"))  # the corpus's kernel, written in the example's style
from corpus import flash_attention_mha  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--seq", type=int, default=1024)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--block", type=int, default=128, help="block_M (queries); block_N is 64")
    parser.add_argument("--arch", default="wormhole_b0")
    parser.add_argument("--causal", action="store_true", help="is_causal=True: the mask and the loop bound")
    parser.add_argument(
        "--dtype", default="bfloat16", choices=["bfloat16", "float16"],
        help="Q, K, V and the output (float16, the example's own: widened to fp32 by the reader)",
    )  # fmt: skip
    args = parser.parse_args()
    func = flash_attention_mha(
        args.batch, args.heads, args.seq, args.dim, args.block, 64, dtype=args.dtype, is_causal=args.causal
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fa"
        tilelang_tt.lower(func, target=tilelang_tt.make_target(args.arch)).write(out)
        start = time.perf_counter()
        result = simulate(out)
        sim_s = time.perf_counter() - start
        est = estimate(out)
    print(f"# {machine()}; {args.arch}, batch {args.batch}, heads {args.heads}, seq {args.seq}, dim {args.dim}, "
          f"block_M {args.block}, block_N 64, {args.dtype}{', causal' if args.causal else ''}")  # fmt: skip
    print(f"simulated in {sim_s:.1f} s: {result.summary().splitlines()[0][:100]}")
    print(summary(est))
    row = {k: v for k, v in est.items() if k != "cores"} | {
        "sim_seconds": sim_s,
        "match": result.ok,
        "dtype": args.dtype,
    }
    name = "flash_attention" + ("_causal" if args.causal else "") + ("_float16" if args.dtype == "float16" else "")
    print(f"wrote {save(name, [row])}")


if __name__ == "__main__":
    main()
