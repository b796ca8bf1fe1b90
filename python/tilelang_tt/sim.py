"""Run an emitted program on the functional simulator and check its numbers.

    python -m tilelang_tt.sim ARTIFACT_DIR [--seed 0] [--input A=a.npy ...]

The harness reads ``tt.plan.json``, writes seeded random bf16 inputs (or the
given ``.npy`` files), compiles the unchanged ``main.cpp`` with g++ against the
simulated TT-Metalium headers (``src/sim/include``) and ``libtt_sim``, runs it
(the kernels are compiled by the simulator itself), and compares the output
with what the program means to compute.

The reference comes from the plan's ``compute`` section, never from the order
of buffers or CBs: ``c = epilogue(a @ b)`` (each operand transposed where the
plan says so, the epilogue's ops applied in order, a tensor it adds taken from
the inputs; see ``expected_output``), or ``c = epilogue(a)`` for an element-wise
kernel, on the inputs as the device holds them (bf16, or float32). What the
output must be close to follows the DST mode the plan asks for
(docs/tenstorrent/simulator.md):

- fp32 DST (``fp32_dest_acc_en``): the exact product (float64), within
  1 bf16 ulp (the packer's final rounding; 1 fp32 ulp for a float32 output)
  + 2 * K * 2^-24 * (|a| @ |b|)[i, j] (the fp32 rounding of the sums, in any
  order);
- 16-bit DST: every K-face of 16 products and every fidelity phase is rounded
  to bf16 on the chip, an error far too large for any bound around the exact
  product to tell a right program from a wrong one. So the output must be
  within 1 bf16 ulp of the chip's result, computed here by an independent
  NumPy model of the same documented rules (``emulate_16bit_dst``), in the
  plan's K order.

A NaN or infinity where a finite value is expected (or a finite value or the
other infinity where an infinite one is) is a mismatch too. Errors against the
exact product are reported relative to ``(|a| @ |b|)[i, j]``, so a correct run
never shows a large "relative error" near zero.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import _lib, _process, cache
from .errors import TTError
from .plan import TILE_FORMATS, PlanError, matrix_shape, plan_digest, read_plan_text

#: bf16 ulps allowed for the final rounding (see module doc).
MAX_ULP = 1
#: Unit roundoff of fp32.
FP32_EPS = 2.0**-24
#: Multiplier phases of each math fidelity (tt_sim::DstMode::fidelity_phases).
FIDELITY_PHASES = {"LoFi": 1, "HiFi2": 2, "HiFi3": 3, "HiFi4": 4}


def _round_ties_away(v: np.ndarray, keep: int) -> np.ndarray:
    """float32 -> float32 with `keep` of 23 mantissa bits, to nearest, ties away from zero."""
    w = np.ascontiguousarray(v, dtype=np.float32).view(np.uint32)
    drop = np.uint32(23 - keep)
    rounded = (w + (np.uint32(1) << (drop - np.uint32(1)))) & ~((np.uint32(1) << drop) - np.uint32(1))
    special = (w & np.uint32(0x7F800000)) == np.uint32(0x7F800000)
    return np.where(special, w, rounded).view(np.float32)


def _flush_denormals(v: np.ndarray) -> np.ndarray:
    w = np.ascontiguousarray(v, dtype=np.float32).view(np.uint32)
    return np.where((w & np.uint32(0x7F800000)) == 0, w & np.uint32(0x80000000), w).view(np.float32)


#: fp16 as the coprocessor holds it: normal from 2^-14, exponent 31 a finite binade up to 131008.
FP16_MIN_NORMAL = 2.0**-14
FP16_MAX_TT = 131008.0


def source_register(x: np.ndarray, dtype: str, src: str) -> np.ndarray:
    """``x`` (values of a ``dtype`` tensor) as the unpacker puts them into SrcA or SrcB for a
    multiplication (src/sim/README.md, Numerics): float32 becomes TF32 (its low 13 mantissa bits
    dropped); a datum below the format's normal range is a zero; fp16 and TF32 in SrcA lose their
    last mantissa bit, which no fidelity phase uses (SrcASrcB.md)."""
    x = np.asarray(x, dtype=np.float32)
    if dtype == "float32":
        x = (np.ascontiguousarray(x).view(np.uint32) & np.uint32(0xFFFFE000)).view(np.float32)
    if dtype == "float16":
        x = np.where(np.abs(x) < FP16_MIN_NORMAL, np.float32(0), x).astype(np.float32)
    else:
        x = _flush_denormals(x)
    if src == "srca" and dtype != "bfloat16":
        x = (np.ascontiguousarray(x).view(np.uint32) & np.uint32(0xFFFFC000)).view(np.float32)
    return x


def matrix_unit_operands(a: np.ndarray, b: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """The operands of ``a @ b`` as the matrix unit multiplies them at full fidelity: ``a`` (in0) in
    SrcB, ``b`` (in1) in SrcA (``source_register``), in float64."""
    return (
        source_register(a, dtype, "srcb").astype(np.float64),
        source_register(b, dtype, "srca").astype(np.float64),
    )


def _fidelity_slices(x: np.ndarray, high_mask: int) -> tuple[np.ndarray, np.ndarray]:
    """(high, low) mantissa slices of source-register values (``source_register``): ``high_mask`` keeps
    the sign, exponent and leading mantissa bits of their fp32 bits (src/sim/README.md)."""
    w = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    special = (w & np.uint32(0x7F800000)) == np.uint32(0x7F800000)
    high = np.where(special, w, w & np.uint32(high_mask)).view(np.float32)
    with np.errstate(invalid="ignore"):
        low = np.where(special, np.float32(0), x - high).astype(np.float32)
    return high, low


#: The fp32 bits of the high fidelity slices (src/sim/README.md): sign, exponent and the implicit bit
#: with the top 6 mantissa bits of SrcB, the top 4 of SrcA.
SRCB_HIGH_MASK, SRCA_HIGH_MASK = 0xFFFE0000, 0xFFF80000


def _phase_operands(a: np.ndarray, b: np.ndarray, phases: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each of ``phases`` fidelity phases, the slices of SrcB's ``a`` and SrcA's ``b`` (source-register
    values) it multiplies: phase p takes SrcB's slice p // 2 and SrcA's slice p % 2, high slices first."""
    a_slices = _fidelity_slices(a, SRCB_HIGH_MASK)
    b_slices = _fidelity_slices(b, SRCA_HIGH_MASK)
    return [(a_slices[p // 2], b_slices[p % 2]) for p in range(phases)]


def multiplier_product(a: np.ndarray, b: np.ndarray, dtype: str, phases: int) -> np.ndarray:
    """a @ b (float64, exact) as the matrix engine's ``phases`` fidelity phases form the products
    (src/sim/README.md): all four multiply the whole operands; below that, phase p multiplies SrcB's (a's)
    slice p // 2 by SrcA's (b's) slice p % 2, high slices first, so HiFi2 leaves out SrcB's low mantissa
    bits and LoFi SrcA's too."""
    if phases == 4:
        return a @ b
    total = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        for x, y in _phase_operands(source_register(a, dtype, "srcb"), source_register(b, dtype, "srca"), phases):
            total = total + x.astype(np.float64) @ y.astype(np.float64)
    return total


def _write_dst16(v: np.ndarray, dtype: str) -> np.ndarray:
    """What 16-bit DST holds after the FPU writes ``v``: bf16 (through TF32), or fp16 from 2^-14 to
    131008 (a smaller magnitude a zero, a larger one saturated); ties away from zero."""
    if dtype != "float16":
        return _flush_denormals(_round_ties_away(_round_ties_away(v, 10), 7))
    r = _round_ties_away(v, 10)
    r = np.where(np.abs(r) < FP16_MIN_NORMAL, np.copysign(np.float32(0), r), r)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(r) > FP16_MAX_TT, np.copysign(np.float32(FP16_MAX_TT), r), r).astype(np.float32)


def emulate_16bit_dst(a: np.ndarray, b: np.ndarray, phases: int, dtype: str = "bfloat16") -> np.ndarray:
    """a @ b as the chip computes it with 16-bit DST (an independent NumPy model of the rules in
    src/sim/README.md) for ``dtype`` (bfloat16 or float16) operands, DST holding that format: a in
    SrcB, b in SrcA; per 32-wide K tile, per fidelity phase, per K-face of 16, the fp32 sum of the
    16 partial products in k order is added to DST and the result rounded to bf16 (through TF32) or
    to fp16, ties away from zero, tiny results flushed. K is padded to whole tiles."""
    a = source_register(a, dtype, "srcb")
    b = source_register(b, dtype, "srca")
    k = a.shape[1]
    kp = -(-k // 32) * 32
    a = np.pad(a, ((0, 0), (0, kp - k)))
    b = np.pad(b, ((0, kp - k), (0, 0)))
    sliced = _phase_operands(a, b, phases)
    dst = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        for tile in range(0, kp, 32):
            for p, (x, y) in enumerate(sliced):
                for face in (tile, tile + 16):
                    partial = np.zeros_like(dst)
                    for kk in range(face, face + 16):
                        xk, yk = x[:, kk : kk + 1], y[kk : kk + 1, :]
                        product = xk * yk
                        if p:  # a zero low slice adds nothing, even against an infinity
                            product = np.where((xk == 0) | (yk == 0), np.float32(0), product)
                        partial += product
                    dst = _write_dst16(dst + partial, dtype)
    return dst


#: The smallest normal fp32 value: the SFPU flushes anything smaller to zero.
FP32_TINY = float(np.finfo(np.float32).tiny)
FP32_MAX = float(np.finfo(np.float32).max)


def epilogue_steps(compute: dict, operands: dict | None = None) -> list[tuple[str, float | np.ndarray]]:
    """The plan's epilogue as (op, its second operand): the fp32 constant as a float, or the values of
    an input tensor (``operands[name]``) shaped to broadcast over c: a vector with one value per column
    as it is, one with a value per row as a column, a residual as c."""
    steps = []
    for step in compute.get("epilogue", []):
        if "operand" not in step:
            steps.append((step["op"], float(np.float32(step["value"]))))
            continue
        name = step["operand"]
        if operands is None or name not in operands:
            raise SimulationError(f"the plan's epilogue adds the tensor {name!r}; pass its values (operands)")
        values = np.asarray(operands[name], dtype=np.float64)
        steps.append((step["op"], values[:, None] if step["broadcast"] == "col" else values))
    return steps


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x: np.ndarray) -> np.ndarray:
    """x * Phi(x) = x * 0.5 * (1 + erf(x / sqrt 2)), in float64."""
    x = np.asarray(x, dtype=np.float64)
    return x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


#: The epilogue's functions of one value, exactly (float64).
FUNCTIONS = {
    "exp": np.exp,
    "exp2": np.exp2,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "silu": lambda x: x * _sigmoid(x),
    "gelu": _gelu,
    "rsqrt": lambda x: 1.0 / np.sqrt(x),
}
#: The relative error of the release's accurate SFPU routines on fp32 DST, as a bound: measured
#: against float64 by tests/cpp/sfpu_test.cc (exp 1.18 x 2^-24, exp2 1.45, sigmoid 2.31, silu 2.95,
#: tanh 3.35, 3.48 on a denser scan; see docs/tenstorrent/simulator.md), rounded up with a margin, in
#: units of 2^-24 of the result. gelu's is in units of 2^-24 of |result| + |x| (GELU_ABS_X): its
#: 0.5 + 0.5 * erf cancels where erf nears -1, so its error there is absolute, about |x| * 2^-24
#: (measured 2.50).
FUNCTION_ULPS = {"exp": 2, "exp2": 2, "sigmoid": 4, "silu": 4, "tanh": 5, "gelu": 4, "rsqrt": 2}
#: recip_tile's relative error on fp32 DST (a div's divisor), in 2^-24: measured 1.38 over every 1021st
#: fp32 input with a normal reciprocal (tests/cpp/sfpu_test.cc checks it stays within this).
RECIP_ULPS = 2
#: Functions whose allowance also scales with |x| (see FUNCTION_ULPS).
GELU_ABS_X = {"gelu"}
#: (argmin, minimum) of the functions that are not monotone: silu, x * sigmoid(x), and gelu, x * Phi(x).
MINIMA = {"silu": (-1.2784645427610738, -0.27846454276107373), "gelu": (-0.751791526040078, -0.16997120747990369)}


def _function_spread(op: str, v: np.ndarray, e: np.ndarray) -> np.ndarray:
    """How far f moves over [v - e, v + e]: an input known to within e is known to within this after f
    (exp, exp2, sigmoid and tanh are monotone; silu and gelu also reach their minimum where that lies
    inside)."""
    f = FUNCTIONS[op]
    with np.errstate(over="ignore", invalid="ignore"):
        fv = f(v)
        spread = np.maximum(np.abs(f(v + e) - fv), np.abs(f(v - e) - fv))
        if op == "rsqrt":  # unbounded where the interval reaches the denormals (taken as 0): see expected_output
            spread = np.where(v - e < FP32_TINY, np.inf, spread)
        if op in MINIMA:
            argmin, minimum = MINIMA[op]
            spread = np.where(np.abs(v - argmin) <= e, np.maximum(spread, np.abs(minimum - fv)), spread)
    return np.where(np.isnan(spread), 0.0, spread)


def _chip_reciprocal(c) -> np.ndarray:
    """1 / c as recip_tile gives it apart from its rounding (src/sim/README.md): the scale it builds from
    the exponent, 254 - e, makes the reciprocal of a magnitude from 2^126 (and of an infinity or NaN) a
    zero of c's sign, and that of a zero or denormal an infinity of its sign."""
    c = np.asarray(c, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        big = ~np.isfinite(c) | (np.abs(c) >= 2.0**126)
        tiny = np.abs(c) < FP32_TINY
        return np.where(big, np.copysign(0.0, c), np.where(tiny, np.copysign(np.inf, c), 1.0 / c))


def _exact_op(x: np.ndarray, op: str, c: float, nan_selects: bool) -> np.ndarray:
    """One epilogue op in exact (float64) arithmetic; see ``apply_epilogue`` for ``nan_selects``."""
    maximum, minimum = (np.fmax, np.fmin) if nan_selects else (np.maximum, np.minimum)
    with np.errstate(invalid="ignore", over="ignore"):
        if op == "relu":
            return maximum(x, 0.0)
        if op == "abs":
            return np.abs(x)
        if op == "max":
            return maximum(x, c)
        if op == "min":
            return minimum(x, c)
        if op == "add":
            return x + c
        if op == "sub":
            return x - c
        if op == "mul":
            return x * c
        if op == "div":
            with np.errstate(divide="ignore"):
                return x / c
        if op in FUNCTIONS:
            return FUNCTIONS[op](x)
    raise SimulationError(f"the plan's epilogue has an op {op!r} the harness does not know")


def apply_epilogue(x: np.ndarray, compute: dict, nan_selects: bool = False, operands: dict | None = None) -> np.ndarray:
    """The exact (float64) value of the plan's epilogue applied to ``x``. max / min / relu keep a NaN,
    or with ``nan_selects`` give the constant instead: SFPSWAP orders a positive NaN above everything
    and a negative one below, and the sign of a NaN the chip produces is not specified, so both are
    outcomes of the chip. ``operands``: the input tensors the epilogue adds (``epilogue_steps``)."""
    for op, c in epilogue_steps(compute, operands):
        x = _exact_op(x, op, c, nan_selects)
    return x


def _sign_magnitude_key(v: np.ndarray) -> np.ndarray:
    """fp32 bit patterns ordered as SFPSWAP orders them (sign-magnitude; -0 below +0)."""
    w = np.ascontiguousarray(v, dtype=np.float32).view(np.uint32).astype(np.int64)
    return np.where(w & 0x80000000, -(w & 0x7FFFFFFF) - 1, w)


def _store_fp16_dst(y: np.ndarray) -> np.ndarray:
    """SFPSTORE into 16-bit DST holding FP16: below 2^-14 a zero of its sign, from 2^17 (and NaN,
    infinity) the largest value 131008, else the mantissa truncated toward zero to 10 bits."""
    w = np.ascontiguousarray(y, dtype=np.float32).view(np.uint32)
    exp = ((w >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64) - 112
    sign = w & np.uint32(0x80000000)
    out = np.where(exp <= 0, sign, np.where(exp > 31, sign | np.uint32(0x47FFE000), w & np.uint32(0xFFFFE000)))
    return out.astype(np.uint32).view(np.float32)


def sfpu_on_16bit_dst(
    value: np.ndarray, op: str, c: float, nan_selects: bool, tensor: bool = False, dst: str = "bfloat16"
) -> np.ndarray:
    """One epilogue op as the SFPU applies it to 16-bit DST (an independent NumPy model of the rules in
    src/sim/README.md): the bf16 datum loads exactly into fp32; max / min / relu select in SFPSWAP's
    sign-magnitude order; x + c, x - c and x * c round once to nearest even in fp32, a denormal or -0
    result becoming +0; the store to bf16 flushes denormals and truncates the mantissa toward zero. A
    product with a ``tensor`` (mul_binary_tile) is rounded to bf16 to nearest even before the store and
    is +0 where either factor is +0. With ``dst`` float16 (DST holding FP16) the datum is an fp16 value
    and the store truncates to fp16 (``_store_fp16_dst``); the functions are not modelled there."""
    x = np.asarray(value, dtype=np.float32)
    if op == "div" and not tensor:  # x / c is x times fp32(1 / c), mul_unary_tile
        op, c = "mul", float(np.float32(1.0) / np.float32(c))
    if op in ("div", "rsqrt"):
        raise SimulationError(f"the plan applies {op} on 16-bit DST, which the harness does not model")
    if op in FUNCTIONS and dst == "float16":
        raise SimulationError(f"the plan applies {op} on 16-bit DST holding FP16, which the harness does not model")
    if op in FUNCTIONS:
        # The release's routine rounds its result to bf16 before the store and lands on the correctly
        # rounded value or its neighbour (tests/cpp/sfpu_test.cc, every bf16 input of the tested
        # ranges with a normal result), so within the harness's 1 bf16 ulp of this (as the last op).
        with np.errstate(over="ignore", invalid="ignore"):
            exact = FUNCTIONS[op](x.astype(np.float64)).astype(np.float32)  # ties: either neighbour
            exact = np.where(np.abs(exact) < FP32_TINY, np.float32(0.0), exact)  # denormals: 0
        return bf16_bits_to_float(to_bf16_bits(exact)).astype(np.float32)
    if op == "abs":  # SFPABS clears the sign bit; the store keeps a 16-bit value as it is
        y = np.abs(x)
        if dst == "float16":
            return _store_fp16_dst(y)
        return y.astype(np.float32)
    const = np.asarray(c, dtype=np.float32)
    # SFPMAD counts a denormal input as zero (a tensor operand's element may be one; constants are not).
    const = np.where(np.abs(const) < FP32_TINY, np.float32(0.0), const).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        if op in ("relu", "max", "min"):
            threshold = np.float32(0.0) if op == "relu" else const
            kx, kc = _sign_magnitude_key(x), _sign_magnitude_key(np.full_like(x, threshold))
            take_c = kx < kc if op != "min" else kx > kc
            if nan_selects:
                take_c |= np.isnan(x)
            y = np.where(take_c, threshold, x).astype(np.float32)
        else:
            wide = const.astype(np.float64)
            if op == "sub":
                wide, const = -wide, -const
            exact = x.astype(np.float64) * wide if op == "mul" else x.astype(np.float64) + wide
            y = (x * const) if op == "mul" else (x + const)
            y = np.where(np.isfinite(exact) & (np.abs(exact) < FP32_TINY), np.float32(0.0), y).astype(np.float32)
    w = y.view(np.uint32)
    if op == "mul" and tensor:  # float32_to_bf16_rne, then +0 for a zero factor
        w = (w + np.uint32(0x7FFF) + ((w >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
        zero = (x.view(np.uint32) == 0) | (np.asarray(c, dtype=np.float32).view(np.uint32) == 0)
        w = np.where(zero, np.uint32(0), w).astype(np.uint32)
    if dst == "float16":
        return _store_fp16_dst(w.view(np.float32))
    w = np.where((w & 0x7F800000) == 0, w & 0x80000000, w)  # denormal -> signed zero
    return (w & np.uint32(0xFFFF0000)).astype(np.uint32).view(np.float32)  # truncate toward zero


def expected_output(
    a: np.ndarray,
    b: np.ndarray,
    exact: np.ndarray,
    scale: np.ndarray,
    compute: dict,
    nan_selects: bool = False,
    operands: dict | None = None,
    out_dtype: str = "bfloat16",
    in_dtype: str = "bfloat16",
    operand_errors: dict | None = None,
    input_error: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """(what the output must be close to, the allowed distance, the rule as text) for ``compute``'s mode,
    given ``exact`` = a @ b and ``scale`` = |a| @ |b| in float64 (before the epilogue). Batched operands
    (batch, rows, cols) -- or one batched and one 2-D, used by every matrix -- are judged matrix by
    matrix. ``nan_selects``, ``operands``: see ``apply_epilogue``. A float32 output (``out_dtype``) is
    DST's value as it is: with fp32 DST the packer's bf16 ulp becomes one fp32 ulp; a float16 one
    keeps that bf16 ulp (the packer goes through bf16) and may be 0 below 2^-14. ``in_dtype``: the
    operands' dtype (float16 and float32 operands are those SrcA / SrcB hold, ``matrix_unit_operands``).
    ``operand_errors``: by name, how far each operand's given values may be from those the chip holds
    (an earlier stage's value, known within its own bound), carried through the ops with the rest;
    ``input_error`` likewise for ``a`` of an element-wise kernel (``b`` None). A division multiplies by
    recip_tile of the divisor: its relative error ``RECIP_ULPS`` and the divisor's own bound carried.

    An epilogue is applied to the accumulator as the SFPU does. With fp32 DST the bound is carried
    through it: max / min / relu select (the error stays), x + c adds one fp32 rounding (2^-24 of
    the result), x * c scales the error by |c| and adds one rounding; each adds 2^-126 for the SFPU's
    flush of denormals to zero. With 16-bit DST the emulated chip result goes through the same ops
    (``sfpu_on_16bit_dst``), each stored back truncated to bf16. An element-wise kernel (``b`` None,
    ``exact`` = a) starts from a's exact values in fp32 DST: no accumulation error."""
    k = 0 if b is None else a.shape[-1]
    if b is None and not compute["fp32_dest_acc_en"] and compute.get("accumulator") != "float16":
        raise SimulationError("an element-wise plan with 16-bit DST: the harness models fp32 DST and FP16 DST")
    steps = epilogue_steps(compute, operands)
    known = {name: np.zeros_like(np.asarray(v, dtype=np.float64)) for name, v in (operands or {}).items()}
    errors = [
        e if isinstance(e, np.ndarray) else 0.0 for _, e in epilogue_steps(compute, known | (operand_errors or {}))
    ]
    if (operand_errors or input_error is not None) and not compute["fp32_dest_acc_en"]:
        raise SimulationError("an operand known within a bound on 16-bit DST: the harness models it with fp32 DST")
    if compute["fp32_dest_acc_en"]:
        with np.errstate(over="ignore", invalid="ignore"):
            value = exact.astype(np.float32).astype(np.float64)  # DST: beyond fp32's range, infinity
            # Below HiFi4 each fidelity phase of a K-face is its own fp32 write to DST.
            phases = FIDELITY_PHASES[compute.get("math_fidelity", "HiFi4")]
            rounds = k if phases == 4 else phases * k
            err = 2 * rounds * FP32_EPS * np.where(np.isfinite(scale), scale, 0)
            if input_error is not None:
                err = err + input_error
            for (op, c), c_err in zip(steps, errors, strict=True):
                before = value
                if op == "div" and not isinstance(c, np.ndarray):  # x * fp32(1 / c), a constant
                    value = before * float(np.float32(1.0) / np.float32(c))
                elif op == "div":  # a 16-bit divisor reaches DST through SrcA: exponent-0 data as +0
                    held = c if in_dtype == "float32" else np.where(np.abs(c) < FP32_TINY, 0.0, c)
                    value = before * _chip_reciprocal(held)
                else:
                    value = _exact_op(value, op, c, nan_selects)
                if op in ("add", "sub"):
                    err = err + c_err + FP32_EPS * np.abs(value) + FP32_TINY
                elif op in ("max", "min"):  # a selection: either side's error, exactly
                    err = np.maximum(err, c_err)
                elif op == "mul":
                    err = err * (np.abs(c) + c_err) + np.abs(before) * c_err
                    err = err + FP32_EPS * np.abs(value) + FP32_TINY * (1 + np.abs(c))
                elif op == "div" and not isinstance(c, np.ndarray):  # times a constant
                    r = abs(float(np.float32(1.0) / np.float32(c)))
                    err = err * r + FP32_EPS * np.abs(value) + FP32_TINY * (1 + r)
                elif op == "div":  # x * recip(c'), |c' - c| <= c_err: 1/c' within 1/(|c| - c_err)
                    if np.any(np.isfinite(c) & (c_err > 0) & (np.abs(c) <= c_err)):
                        raise SimulationError(
                            "the plan divides by a value the harness knows only within a bound that reaches "
                            "zero; it cannot judge the quotient"
                        )
                    recip = RECIP_ULPS * FP32_EPS
                    with np.errstate(divide="ignore", invalid="ignore"):
                        d = np.abs(c) - c_err
                        err = err * (1 + recip) / d + np.abs(before) * (recip / d + c_err / (np.abs(c) * d))
                        err = err + FP32_EPS * np.abs(value) + FP32_TINY * (1 + 1 / d)
                elif op in FUNCTIONS:  # the input's error through f, the routine's own, the flush
                    # (silu is 0 where its sigmoid falls below the normal range: |x| * 2^-126)
                    flush = FP32_TINY * (1 + np.abs(before)) if op == "silu" else FP32_TINY
                    own = np.abs(value) + (np.abs(before) if op in GELU_ABS_X else 0.0)
                    err = _function_spread(op, before, err) + FUNCTION_ULPS[op] * FP32_EPS * own + flush
                    if op == "rsqrt" and np.any(np.isinf(err) & ~np.isnan(before)):
                        raise SimulationError(
                            "the plan applies rsqrt to values the harness knows only within a bound that "
                            "reaches zero or the denormals (which the SFPU takes as 0 in its arithmetic but "
                            "not in its bit tests); it cannot judge the result"
                        )
                err = np.where(np.isnan(err), 0.0, err)  # a NaN selected away left no error
                value = np.where(np.abs(value) > FP32_MAX, np.copysign(np.inf, value), value)  # fp32's range
            target = value.astype(np.float32)
        finite = np.isfinite(target)
        # The packer's rounding: none into float32, to bf16 into bfloat16, and into float16 to bf16
        # too (the release's pack source format for a Float16 CB with fp32 DST is Float16_b), whose
        # narrowing to fp16 then makes anything below fp16's normal range a zero.
        ulp, unit = (fp32_ulp, "fp32") if out_dtype == "float32" else (bf16_ulp, "bf16")
        allowed = MAX_ULP * ulp(np.where(finite, target, 0)) + np.where(finite, err, 0)
        first = f"1 {unit} ulp"
        if out_dtype == "float16":
            allowed = allowed + FP16_MIN_NORMAL
            first = "1 bf16 ulp + 2^-14 (float16 packed through bf16)"
        rule = f"{first} + 2*K*2^-24 (K={k}) x (|a|@|b|) of the exact product (fp32 DST)"
        if phases < 4:
            fidelity = compute["math_fidelity"]
            rule = f"{first} + 2*{phases}*K*2^-24 (K={k}) x (|a|@|b|) of the {fidelity} product (fp32 DST)"
        if b is not None and in_dtype != "bfloat16":
            rule = rule.replace("exact product", "exact product of the operands as SrcA / SrcB hold them")
        if b is None:
            rule = f"{first} of the exact value (fp32 DST)"
        if steps:
            rule += ", carried through the epilogue (one fp32 rounding per add / mul"
            functions = sorted({op for op, _ in steps if op in FUNCTIONS})
            if functions:
                rule += ", " + ", ".join(f"{FUNCTION_ULPS[f]} ulp for {f}" for f in functions)
            if any(op == "div" and isinstance(c, np.ndarray) for op, c in steps):
                rule += f", {RECIP_ULPS} ulp for the divisor's recip_tile"
            rule += ")"
        return target, allowed, rule
    phases = FIDELITY_PHASES[compute["math_fidelity"]]
    dst16 = compute.get("accumulator", "bfloat16")  # DST holds the operands' 16-bit format
    if b is None:  # an element-wise kernel on FP16 DST: the copy is exact; an exponent-0 datum counts
        # as zero everywhere after it (the SFPU's load, its store, the packer), modelled as +0 here
        target = np.where(np.abs(a) < FP16_MIN_NORMAL, 0.0, a).astype(np.float32)
    elif a.ndim == 2 and b.ndim == 2:
        target = emulate_16bit_dst(a, b, phases, dst16)
    else:
        batch = exact.shape[0]
        target = np.stack([emulate_16bit_dst(a if a.ndim == 2 else a[i], b if b.ndim == 2 else b[i], phases, dst16)
                           for i in range(batch)])  # fmt: skip
    flushed = 0.0  # what a function's flush of tiny results to 0 may take away
    for n, (op, c) in enumerate(steps):  # on the SFPU, in DST, each op a load and a truncating store
        if op in FUNCTIONS and n + 1 < len(steps):
            raise SimulationError(
                f"the plan's epilogue applies {op} on 16-bit DST before other ops: the harness judges a "
                "function (exp, exp2, sigmoid, tanh, silu) on a bfloat16 accumulator only as the last op"
            )
        if op in FUNCTIONS:  # a result near the normal range's bottom (silu: |x| times one) may be 0
            flushed = FP32_TINY * (1 + np.abs(target)) if op == "silu" else FP32_TINY
        tensor = isinstance(c, np.ndarray)
        if tensor and dst16 == "float16":  # an operand tile copied into DST: exponent-0 data as zeros
            c = np.where(np.abs(c) < FP16_MIN_NORMAL, 0.0, c)
        target = sfpu_on_16bit_dst(target, op, c, nan_selects, tensor=tensor, dst=dst16)
    ulp, unit = (fp16_ulp, "fp16") if dst16 == "float16" else (bf16_ulp, "bf16")
    allowed = MAX_ULP * ulp(np.where(np.isfinite(target), target, 0))
    allowed = allowed + flushed
    rule = (
        f"1 {unit} ulp of the chip's 16-bit DST result ({phases} phase{'s' if phases > 1 else ''} per K-face, emulated)"
    )
    if b is None:
        rule = f"1 {unit} ulp of the chip's result on 16-bit DST"
    if steps:
        rule += f", the epilogue applied as the SFPU does (each op stored back truncated to {unit})"
    return target, allowed, rule


def reference_operands(plan: dict, inputs: dict) -> tuple[np.ndarray, np.ndarray | None]:
    """The float64 left and right operands of the plan's ``compute``, transposes applied; for an
    element-wise kernel (``c = epilogue(a)``) ``a`` and None."""
    compute = plan["compute"]
    if compute["op"] not in ("matmul", "eltwise", "reduce", "stages"):
        raise SimulationError(
            f"the plan computes {compute['op']!r}; the harness checks 'matmul', 'eltwise', 'reduce' and 'stages'"
        )
    a = inputs[compute["a"]].astype(np.float64)
    if compute["op"] in ("eltwise", "reduce", "stages"):  # reductions and stages: their own compare
        return a, None
    b = inputs[compute["b"]].astype(np.float64)
    # A batched operand is (batch, rows, cols): a transpose swaps the matrix axes of each.
    return (
        np.swapaxes(a, -1, -2) if compute["transpose_a"] else a,
        np.swapaxes(b, -1, -2) if compute["transpose_b"] else b,
    )


class SimulationError(TTError):
    """The program did not run to completion on the simulator (compile error,
    deadlock, API misuse, out-of-range access): the message says what and where."""


# --- bf16 ------------------------------------------------------------------------


def to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bf16 bit patterns, round to nearest even (how the host writes bf16 inputs; the chip's
    packer rounds ties away from zero: ``_pack_bf16``)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)).astype(np.uint16)
    nan = ((u & 0x7F800000) == 0x7F800000) & ((u & 0x007FFFFF) != 0)
    rounded[nan] = ((u[nan] >> np.uint32(16)) | np.uint32(0x40)).astype(np.uint16)
    return rounded


def bf16_bits_to_float(b: np.ndarray) -> np.ndarray:
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


def bf16_ulp(x: np.ndarray) -> np.ndarray:
    """Spacing of bf16 values at |x| (8 significant bits)."""
    mag = np.maximum(np.abs(x), np.finfo(np.float32).tiny)
    return np.exp2(np.floor(np.log2(mag)) - 7).astype(np.float32)


def fp16_ulp(x: np.ndarray) -> np.ndarray:
    """Spacing of fp16 values at |x| (11 significant bits, normal range)."""
    mag = np.maximum(np.abs(x), FP16_MIN_NORMAL)
    return np.exp2(np.floor(np.log2(mag)) - 10).astype(np.float32)


def fp32_ulp(x: np.ndarray) -> np.ndarray:
    """Spacing of float32 values at |x|."""
    return np.spacing(np.abs(np.asarray(x, dtype=np.float32))).astype(np.float32)


def fp32_ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in representable float32 values between two finite float32 arrays."""

    def ordered(v):
        w = np.ascontiguousarray(v, dtype=np.float32).view(np.int32).astype(np.int64)
        return np.where(w < 0, -(w & 0x7FFFFFFF), w)

    return np.abs(ordered(a) - ordered(b))


def fp16_ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in representable fp16 values between two finite arrays (``b`` rounded to fp16 first)."""

    def ordered(v):
        with np.errstate(over="ignore"):
            w = np.asarray(v, dtype=np.float32).astype(np.float16).view(np.int16).astype(np.int64)
        return np.where(w < 0, -(w & 0x7FFF), w)

    return np.abs(ordered(a) - ordered(b))


def bf16_ulp_distance(a_bits: np.ndarray, b_bits: np.ndarray) -> np.ndarray:
    """Distance in representable bf16 values between two bit patterns."""

    def ordered(bits):
        v = np.asarray(bits, dtype=np.uint16).astype(np.int32)
        return np.where(v & 0x8000, 0x8000 - v, v)  # monotonic in the value, +0 == -0

    return np.abs(ordered(a_bits) - ordered(b_bits))


# --- locating the simulator -------------------------------------------------------


def sim_paths() -> tuple[Path, Path]:
    """(include dir, lib dir) of the simulator next to the loaded tilelang-tt library
    (TT_SIM_LIB_DIR selects another libtt_sim.so, e.g. a sanitizer build)."""
    lib_dir = Path(os.environ["TT_SIM_LIB_DIR"]) if os.environ.get("TT_SIM_LIB_DIR") else _lib.library_path().parent
    repo_include = Path(__file__).resolve().parents[2] / "src" / "sim" / "include"
    for include in (lib_dir.parent / "sim" / "include", repo_include):
        if (include / "tt-metalium" / "host_api.hpp").is_file():
            break
    else:
        raise SimulationError(f"simulator headers not found next to {lib_dir} or in {repo_include}")
    if not (lib_dir / "libtt_sim.so").is_file():
        raise SimulationError(f"libtt_sim.so not found in {lib_dir}; rebuild: pip install --no-build-isolation -e .")
    return include, lib_dir


#: Seconds the g++ build of a host program may take.
BUILD_TIMEOUT = 600.0


def _host_headers(includes: list, flags: list, lib: Path, include: Path) -> Path | None:
    """The headers a host program includes first, precompiled with its flags (``host_headers.hpp`` and
    its ``.gch`` in the build cache's ``host`` section), or None if they cannot be. Every host
    program includes the TT-Metalium host API, whose parsing is most of its build; g++ takes the
    ``.gch`` for ``-include host_headers.hpp`` when the flags match, and the headers themselves
    otherwise. Keyed by the include lines, the flags, the library and the newest header."""
    newest = max((f.stat().st_mtime_ns for f in include.rglob("*") if f.is_file()), default=0)
    text = "".join(f"{line}\n" for line in includes)
    key = hashlib.sha256(f"{text}\0{flags}\0{lib}\0{lib.stat().st_mtime_ns}\0{newest}".encode()).hexdigest()[:16]

    def make(out: Path) -> None:
        out.mkdir()
        (out / "host_headers.hpp").write_text(text)
        cmd = [
            "g++",
            *flags,
            "-x",
            "c++-header",
            str(out / "host_headers.hpp"),
            "-o",
            str(out / "host_headers.hpp.gch"),
        ]
        proc = _process.run(cmd, timeout=BUILD_TIMEOUT)
        if proc.returncode != 0:
            raise OSError(f"precompiling the host headers failed: {proc.stderr}")

    try:
        entry = cache.build(cache.section("host") / f"headers-{key}", make, counter="host_headers_built",
                            product="host_headers.hpp.gch")  # fmt: skip
    except (OSError, TTError, _process.Timeout):
        return None  # (the host program then parses the headers itself)
    return entry / "host_headers.hpp"


def build_host_program(artifact_dir: Path, include: Path, lib_dir: Path) -> Path:
    """Compile main.cpp against the simulator (cached by content hash in the build cache's
    ``host`` section, cache.py), the headers it includes first precompiled (``_host_headers``)."""
    source = (artifact_dir / "main.cpp").read_text()
    lib = lib_dir / "libtt_sim.so"
    extra = os.environ.get("TT_SIM_CXXFLAGS", "").split()
    key = hashlib.sha256(f"{source}\0{include}\0{lib}\0{lib.stat().st_mtime_ns}\0{extra}".encode()).hexdigest()[:16]
    # C++20: the TT-Metalium host API takes std::span (the kernels are C++17).
    flags = ["-std=c++20", "-O1", *extra, f"-I{include}"]
    # The #include lines before the code (after the file's comments): the same in every host program.
    includes = []
    for line in source.splitlines():
        if line.startswith("#include"):
            includes.append(line)
        elif line.strip() and not line.startswith("//") and includes:
            break

    def make(out: Path) -> None:
        headers = _host_headers(includes, flags, lib, include) if includes else None
        forced = ["-include", str(headers)] if headers else []
        cmd = ["g++", *flags, *forced, str(artifact_dir / "main.cpp"), f"-L{lib_dir}",
               "-ltt_sim", f"-Wl,-rpath,{lib_dir}", "-o", str(out)]  # fmt: skip
        try:
            proc = _process.run(cmd, timeout=BUILD_TIMEOUT)
        except _process.Timeout as err:
            raise SimulationError(f"compiling main.cpp: {err}") from None
        if proc.returncode != 0:
            raise SimulationError(
                f"compiling main.cpp failed (exit {proc.returncode}):\n{proc.stderr}\nrepro: {' '.join(cmd)}"
            )

    return cache.build(cache.section("host") / f"host-{key}", make, counter="host_programs_built")


def run_host_program(exe: Path, artifact_dir: Path, data_dir: Path, plan: dict, include: Path, timeout: float):
    """Run a host program built by ``build_host_program`` on ``artifact_dir``'s kernels, its
    tensors in ``data_dir``; returns (wall seconds, the simulator's statistics). A fault is a
    ``SimulationError`` whose first line says what failed."""
    stats_path = data_dir / "sim_stats.json"
    stats_path.unlink(missing_ok=True)
    env = dict(
        os.environ,
        TT_SIM_ARCH=plan["arch"],
        TT_SIM_GRID_X=str(plan["core_grid"]["x"]),
        TT_SIM_GRID_Y=str(plan["core_grid"]["y"]),
        TT_SIM_DRAM_BANKS=str(plan["dram_banks"]),
        TT_SIM_L1_BYTES=str(plan["l1_bytes_per_core"]),
        TT_SIM_L1_UNRESERVED_BASE=str(plan["l1_unreserved_base"]),
        TT_SIM_INCLUDE=str(include),
        TT_SIM_STATS=str(stats_path),
        TT_SIM_CACHE=str(cache.section("kernels")),
    )
    # The artifact directory is passed relative to the working directory, as a user would type it
    # (the host program must make it absolute for CreateKernel itself); relative between the real
    # paths, since the program follows ".." on those.
    relative = os.path.relpath(Path(artifact_dir).resolve(), Path(data_dir).resolve())
    start = time.perf_counter()
    try:
        proc = _process.run([str(exe), relative, str(Path(data_dir).resolve())], cwd=data_dir, env=env,
                            timeout=timeout)  # fmt: skip
    except _process.Timeout:
        raise SimulationError(f"the simulated program did not finish within {timeout} s") from None
    except OSError as err:
        raise SimulationError(f"cannot start the host program {exe}: {err.strerror or err}") from None
    run_seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SimulationError(_process.failure("the simulated program failed", proc))
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    compiled = stats.get("kernels_compiled", 0)
    cache.counters["runs"] += 1
    cache.counters["sim_kernels_compiled"] += compiled
    if compiled:
        cache.evict()
    return run_seconds, stats


# --- running -----------------------------------------------------------------------


@dataclass
class SimResult:
    output: np.ndarray  # float32 values of the bf16 output, logical shape
    reference: np.ndarray  # the exact (float64) value of the plan's compute
    reference_scale: np.ndarray  # (|a| @ |b|), float64: the scale of the errors reported
    #: What the output is judged against in its DST mode (the exact product in fp32 DST, the
    #: emulated chip result in 16-bit DST), and the rule, as text.
    expected: np.ndarray = field(repr=False)
    rule: str
    max_abs_error: float  # |output - reference|, against the exact product
    #: Largest |output - reference| / (|a| @ |b|): the error against the exact product, in the scale
    #: of |a| @ |b|.
    max_scaled_error: float
    #: Largest |output - expected| / allowed distance over the finite elements (<= 1 on a MATCH).
    worst_of_bound: float
    max_ulp: int  # largest distance in bf16 values from the reference rounded to bf16
    mismatches: int  # elements outside the bound, non-finite ones included (see module doc)
    non_finite: int  # NaN / infinite outputs where the reference is finite
    stats: dict = field(repr=False)
    #: Finite outputs whose bound is NaN (its arithmetic overflowed, inf - inf): not judgeable, so
    #: counted among the mismatches rather than passed.
    unbounded: int = 0
    #: Finite outputs whose bound is infinite (a value the harness knows only near the format's limit,
    #: where a pack may overflow): any finite output is within it, so these elements decide nothing;
    #: the summary says how many there are.
    undecided: int = 0
    #: Wall time of the simulated program (the host program's process: tilize, DRAM writes, every
    #: kernel of every core, the read back), with its kernels already compiled; not the harness's
    #: input generation and NumPy check.
    run_seconds: float = 0.0
    #: What ``reference_scale`` is: |a| @ |b|, or for an element-wise kernel the sum of its terms' |.|.
    scale_name: str = "|a|@|b|"
    #: The unit of ``max_ulp``: the output's dtype's ulp.
    ulp_unit: str = "bf16"

    @property
    def ok(self) -> bool:
        return self.mismatches == 0

    def summary(self) -> str:
        cores = self.stats.get("cores", [])
        tiles = sum(c["matmul_tiles"] for c in cores)
        read = sum(c["tiles_read"] for c in cores)
        written = sum(c["tiles_written"] for c in cores)
        bound = self.rule
        if self.ok:
            non_finite = int(np.size(self.output) - np.count_nonzero(np.isfinite(self.output)))
            # (The program's own NaN / inf, said first: rows a causal mask hides whole, say.)
            own = f" ({non_finite} of {self.output.size} NaN or infinite, as the program computes them)"
            verdict = f"MATCH{own if non_finite else ''}: every element within its bound (the worst at "
            verdict += f"{self.worst_of_bound:.2f} of it; {bound})"
            if self.undecided:
                verdict += (
                    f"; {self.undecided} of {self.output.size} elements decided by no bound (an infinite one: "
                    "the harness knows them only near the format's limit)"
                )
        else:
            verdict = (
                f"MISMATCH: {self.mismatches} of {self.output.size} elements outside their bound"
                + (f", {self.non_finite} of them NaN or infinite" if self.non_finite else "")
                + (
                    f", {self.unbounded} of them without a bound (NaN: its arithmetic overflowed)"
                    if self.unbounded
                    else ""
                )
                + f" (the worst finite one at {self.worst_of_bound:.3g} times it; {bound})"
            )
        return (
            f"{verdict}\n"
            f"errors against the exact value: max {self.max_scaled_error:.3g} x ({self.scale_name}), "
            f"max abs {self.max_abs_error:.3g}, max {self.max_ulp} {self.ulp_unit} ulp from it rounded\n"
            f"stats: {len(cores)} cores, {tiles} matmul_tiles, {read} tiles read, {written} tiles written"
        )


def simulate(
    artifact_dir, *, seed: int = 0, inputs: dict | None = None, work_dir=None, timeout: float = 600
) -> SimResult:
    """Run the program in ``artifact_dir`` on the simulator and judge its output (module doc).

    Every fault is a ``SimulationError`` whose first line says what failed."""
    try:
        return _simulate(artifact_dir, seed=seed, inputs=inputs, work_dir=work_dir, timeout=timeout)
    except TTError:
        raise
    except (ValueError, TypeError, OSError, KeyError, IndexError) as err:
        raise SimulationError(f"{artifact_dir}: {type(err).__name__}: {err}") from err


def _simulate(artifact_dir, *, seed: int, inputs: dict | None, work_dir, timeout: float) -> SimResult:
    artifact_dir = Path(artifact_dir).resolve()
    try:
        plan, plan_text = read_plan_text(artifact_dir)
    except PlanError as err:
        raise SimulationError(str(err)) from None
    buffers = plan["buffers"]
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise SimulationError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SimulationError(f"seed must be an integer, got {seed!r}")
    input_names = [name for name, desc in buffers.items() if desc["role"] == "input"]
    unknown = sorted(set(inputs or {}) - set(input_names))
    if unknown:
        raise SimulationError(
            f"inputs names {', '.join(map(repr, unknown))}, not an input tensor of the plan "
            f"(its inputs: {', '.join(input_names)})"
        )
    missing = [
        name for name in ("main.cpp", "reader.cpp", "compute.cpp", "writer.cpp") if not (artifact_dir / name).is_file()
    ]
    if missing:
        raise SimulationError(
            f"{artifact_dir}: missing {', '.join(missing)}; write the artifacts with tilelang-tt dry-run"
        )
    work = Path(work_dir) if work_dir else artifact_dir / "sim"
    work.mkdir(parents=True, exist_ok=True)

    # Inputs: seeded random values in [-1, 1), rounded to the tensor's dtype, or the given arrays.
    rng = np.random.default_rng(seed)
    host_inputs = {}
    for name, desc in buffers.items():
        if desc["role"] != "input":
            continue
        shape = tuple(desc["shape"])
        if inputs and name in inputs:
            values = np.asarray(inputs[name], dtype=np.float32)
            if values.shape != shape:
                raise SimulationError(f"input {name} has shape {values.shape}, the plan says {shape}")
        else:
            values = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
        if desc["dtype"] in ("float32", "float16"):  # IEEE: NumPy writes them (float16 rounded to even)
            held = values.astype(TILE_FORMATS[desc["dtype"]].numpy_dtype)
            held.tofile(work / desc["file"])
            host_inputs[name] = held.astype(np.float32).reshape(shape)
            continue
        bits = to_bf16_bits(values)
        bits.astype("<u2").tofile(work / desc["file"])
        host_inputs[name] = bf16_bits_to_float(bits).reshape(shape)

    include, lib_dir = sim_paths()
    exe = build_host_program(artifact_dir, include, lib_dir)
    run_seconds, stats = run_host_program(exe, artifact_dir, work, plan, include, timeout)

    # Output, and the reference built from what the plan says is computed.
    out_desc = buffers[plan["compute"]["c"]]
    shape = tuple(out_desc["shape"])
    if out_desc["dtype"] in ("float32", "float16"):
        raw = np.fromfile(work / out_desc["file"], dtype=TILE_FORMATS[out_desc["dtype"]].numpy_dtype)
        out_values = raw.astype(np.float32).reshape(shape)
    else:
        out_values = bf16_bits_to_float(np.fromfile(work / out_desc["file"], dtype="<u2").reshape(shape))
    if stats:
        # Stamp the statistics with the plan they belong to (tilelang-tt estimate checks it).
        stats |= {"plan_sha256": plan_digest(plan_text)}
        (work / "sim_stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    # Judged on the stored matrices (batched tensors as (matrices, rows, cols) in the plan's order), the
    # result's arrays then back in the output's own shape.
    stored = {name: _matrices(v, buffers[name]) for name, v in host_inputs.items()}
    result = _judge(plan, _matrices(out_values, out_desc), stored, stats, run_seconds)
    if len(out_desc["shape"]) < 3:
        return result
    back = ("output", "reference", "reference_scale", "expected")
    return replace(result, **{name: _from_matrices(getattr(result, name), out_desc) for name in back})


def _judge(plan: dict, out_values: np.ndarray, host_inputs: dict, stats: dict, run_seconds: float) -> SimResult:
    """The verdict on the output from the inputs, all of them as stored (``_matrices``)."""
    buffers = plan["buffers"]
    out_desc = buffers[plan["compute"]["c"]]
    # (read_plan checked that the operands chain to the output's shape.)
    a, b = reference_operands(plan, host_inputs)
    if plan["compute"]["op"] == "stages":
        return compare_stages(
            out_values, host_inputs, plan, out_dtype=out_desc["dtype"], stats=stats, run_seconds=run_seconds
        )
    if plan["compute"]["op"] == "reduce":
        a_name = plan["compute"]["a"]
        return compare_reduce(
            out_values,
            a,
            plan["compute"],
            out_dtype=out_desc["dtype"],
            in_dtype="float32" if widened(plan, a_name) else buffers[a_name]["dtype"],
            narrowed=widened(plan, plan["compute"]["c"]),
            stats=stats,
            run_seconds=run_seconds,
        )
    return compare(
        out_values,
        a,
        b,
        plan["compute"],
        operands=host_inputs,
        out_dtype=out_desc["dtype"],
        in_dtype=buffers[plan["compute"]["a"]]["dtype"],
        stats=stats,
        run_seconds=run_seconds,
    )


def compare(
    out: np.ndarray,
    a: np.ndarray,
    b: np.ndarray | None,
    compute: dict,
    operands: dict | None = None,
    out_dtype: str = "bfloat16",
    in_dtype: str = "bfloat16",
    operand_errors: dict | None = None,
    exact_operands: dict | None = None,
    input_error: np.ndarray | None = None,
    exact_input: np.ndarray | None = None,
    narrowed: bool = False,
    **extra,
) -> SimResult:
    """Judge the device output ``out`` against ``a @ b`` (``a`` itself when ``b`` is None: an element-wise
    kernel) under the numerics of ``compute`` (module doc); ``operands``: the input tensors the epilogue
    adds, by name; ``out_dtype`` / ``in_dtype``: the output tensor's and the operands' dtypes. Float16
    and float32 operands are judged as the matrix unit multiplies them (``matrix_unit_operands``).
    ``operand_errors``, ``input_error``: see ``expected_output``; ``exact_operands``, ``exact_input``: the
    operands' and ``a``'s exact values for the reference (default ``operands`` and ``a``), where
    ``operands`` and ``a`` are those the chip holds."""
    a = np.asarray(a, dtype=np.float64)
    b = None if b is None else np.asarray(b, dtype=np.float64)
    if b is not None and in_dtype != "bfloat16":  # exact in the source registers as it is
        a, b = matrix_unit_operands(a, b, in_dtype)
    phases = FIDELITY_PHASES[compute.get("math_fidelity", "HiFi4")]
    with np.errstate(invalid="ignore", over="ignore"):
        product = a if b is None else multiplier_product(a, b, in_dtype, phases)
        exact = a if b is None else a @ b  # the product the fidelity phases approximate
        scale = np.abs(a) if b is None else np.abs(a) @ np.abs(b)
        if b is None:  # the terms an element-wise kernel adds
            for op, c in epilogue_steps(compute, operands):
                if op in ("add", "sub") and isinstance(c, np.ndarray):
                    scale = scale + np.abs(c)
                elif op == "mul" and isinstance(c, np.ndarray):
                    scale = scale * np.abs(c)
                elif op == "div" and isinstance(c, np.ndarray):
                    with np.errstate(divide="ignore"):
                        scale = scale / np.abs(c)
            extra.setdefault("scale_name", "|a| with the tensors it adds or is multiplied by")
    # A widened float16 output (``narrowed``, see ``widened``): DST's value packed into a Float32 CB,
    # then the writer's rounding to fp16.
    packed = "float32" if narrowed else out_dtype
    target, allowed, rule = expected_output(
        a, b, product, scale, compute, operands=operands, out_dtype=packed, in_dtype=in_dtype,
        operand_errors=operand_errors, input_error=input_error,
    )  # fmt: skip
    # What the program means: the exact value.
    meant = exact if exact_input is None else np.asarray(exact_input, dtype=np.float64)
    ref = apply_epilogue(meant, compute, operands=operands if exact_operands is None else exact_operands)
    out = np.asarray(out, dtype=np.float32)
    if compute.get("epilogue"):
        # Where a NaN met max / min / relu, the chip may give the constant instead (apply_epilogue).
        other, other_allowed, _ = expected_output(
            a, b, product, scale, compute, nan_selects=True, operands=operands, out_dtype=packed,
            in_dtype=in_dtype, operand_errors=operand_errors, input_error=input_error,
        )  # fmt: skip
        take = np.isnan(target) & np.isfinite(out) & ~np.isnan(other)
        target = np.where(take, other, target)
        allowed = np.where(take, other_allowed, allowed)
    if narrowed:
        target, allowed = _narrowed(target, allowed)
        rule += NARROWED_RULE
    return _verdict(out, target, allowed, ref, scale, rule, out_dtype, **extra)


def _verdict(out, target, allowed, ref, scale, rule: str, out_dtype: str, **extra) -> SimResult:
    """The SimResult of the output ``out`` against ``target`` within ``allowed`` (both as the chip's DST
    mode gives them), with its errors against the exact value ``ref`` in the scale ``scale``."""
    finite_target, finite_out = np.isfinite(target), np.isfinite(out)
    # Non-finite values: a finite expectation needs a finite output; an infinite one the same
    # infinity; a NaN one any non-finite value (the packer turns NaN into infinity). An expectation
    # whose bound is infinite (a rounding that may or may not reach infinity: 65504 or infinity for a
    # sum near fp16's 65520) decides nothing, between a finite value and an infinity either way.
    with np.errstate(invalid="ignore"):
        wrong_special = np.where(finite_target, ~finite_out, finite_out | (np.isinf(target) & (out != target)))
        undecided_inf = wrong_special & np.isinf(allowed) & ~np.isnan(target) & ~np.isnan(out)
        wrong_special = wrong_special & ~undecided_inf
        both = finite_target & finite_out
        # A bound that is NaN judges nothing (dist > NaN is false): such an element is not passed.
        unbounded = both & np.isnan(allowed)
        both = both & ~unbounded
        dist = np.where(both, np.abs(out.astype(np.float64) - target), 0.0)
        abs_err = np.where(both & np.isfinite(ref), np.abs(out.astype(np.float64) - ref), 0.0)
    tiny = np.finfo(np.float64).tiny
    ref_bits = to_bf16_bits(np.where(np.isfinite(ref), ref, 0.0).astype(np.float32))
    if out_dtype == "float32":
        ulps = np.where(both, fp32_ulp_distance(np.where(both, out, 0), np.where(np.isfinite(ref), ref, 0)), 0)
        extra.setdefault("ulp_unit", "fp32")
    elif out_dtype == "float16":
        ulps = np.where(both, fp16_ulp_distance(np.where(both, out, 0), np.where(np.isfinite(ref), ref, 0)), 0)
        extra.setdefault("ulp_unit", "fp16")
    else:
        ulps = np.where(both, bf16_ulp_distance(to_bf16_bits(np.where(both, out, 0)), ref_bits), 0)
    return SimResult(
        output=out,
        reference=ref,
        reference_scale=scale,
        expected=target,
        rule=rule,
        max_abs_error=float(abs_err.max(initial=0.0)),
        max_scaled_error=float((abs_err / np.maximum(scale, tiny)).max(initial=0.0)),
        worst_of_bound=float(np.where(both, dist / np.maximum(allowed, tiny), 0.0).max(initial=0.0)),
        max_ulp=int(ulps.max(initial=0)),
        mismatches=int(((dist > allowed) | wrong_special | unbounded).sum()),
        non_finite=int((wrong_special & finite_target).sum()),
        unbounded=int(unbounded.sum()),
        undecided=int((both & np.isinf(allowed)).sum() + undecided_inf.sum()),
        **extra,
    )


def compare_reduce(
    out: np.ndarray,
    a: np.ndarray,
    compute: dict,
    out_dtype: str = "bfloat16",
    in_dtype: str = "bfloat16",
    narrowed: bool = False,
    **extra,
) -> SimResult:
    """Judge a reduction's output ``out`` (one value per row of ``a``, or per column). A sum is judged
    as the matrix unit computes it (``compare``): along rows ``a @ ones`` (the data in SrcB, the scaler's
    1.0 in SrcA: MVMUL), along columns ``ones @ a`` (the scaler in SrcB, the data in SrcA: GAPOOL), with
    the fidelity's phases and DST's precision. A maximum must be exact: GMPOOL selects one of the data
    (an exponent-0 datum as +0), and DST and the packer keep it. A float32 ``a`` (``in_dtype``) reaches
    the matrix unit as TF32 (``source_register``; GMPOOL compares all 10 of its mantissa bits)."""
    a = np.asarray(a, dtype=np.float64)
    out = np.asarray(out, dtype=np.float32)
    rows = compute.get("reduce_dim", "row") == "row"
    axis = 1 if rows else 0
    if compute["reduce"] == "sum":
        left, right = _reduction_operands(a, rows)
        result = compare(
            out.reshape(left.shape[0], right.shape[1]),
            left,
            right,
            compute,
            out_dtype=out_dtype,
            in_dtype=in_dtype,
            narrowed=narrowed,
            **extra,
        )
        return replace(
            result,
            output=result.output.reshape(-1),
            reference=result.reference.reshape(-1),
            reference_scale=result.reference_scale.reshape(-1),
            expected=result.expected.reshape(-1),
            scale_name=f"sum of |a| along the {'row' if rows else 'column'}",
        )
    if in_dtype == "float32":
        a = source_register(a, "float32", "srcb").astype(np.float64)
    if compute.get("epilogue"):  # clear=False's combine, a minimum's negation: judged as a stage's value
        stage = {"reduce": "max", "reduce_dim": compute.get("reduce_dim", "row")}
        target, allowed, meant = _reduce_value(a, None, a, stage, compute)
        target, allowed = _narrowed(target, allowed) if narrowed else _held(target, allowed, out_dtype)
        rule = "the exact maximum (GMPOOL), then the SFPU's op on it" + (NARROWED_RULE if narrowed else "")
        extra.setdefault("scale_name", f"max of |a| along the {'row' if rows else 'column'}")
        return _verdict(out, target, allowed, meant, np.abs(a).max(axis=axis), rule, out_dtype, **extra)
    target = _gmpool_max(a, axis)
    if narrowed:  # the writer narrows the maximum (bf16 or TF32) to fp16
        target, _ = _narrowed(target, np.zeros_like(target))
    elif in_dtype == "float32":  # a TF32 maximum packed into a narrower result rounds there
        target, _ = _held(target, np.zeros_like(target), out_dtype)
    rule = (
        "the exact maximum (GMPOOL selects one of the "
        + ("TF32 data" if in_dtype == "float32" else "bf16 data")
        + "; DST and the packer keep it)"
        + (NARROWED_RULE if narrowed else "")
    )
    extra.setdefault("scale_name", f"max of |a| along the {'row' if rows else 'column'}")
    return _verdict(
        out,
        target.astype(np.float32),
        np.zeros_like(target),
        target,
        np.abs(a).max(axis=axis),
        rule,
        out_dtype,
        **extra,
    )


def _reduction_operands(a: np.ndarray, rows: bool) -> tuple[np.ndarray, np.ndarray]:
    """A sum of ``a`` as the matrix unit forms it: along rows ``a @ ones`` (the data in SrcB, the
    scaler's 1.0 in SrcA: MVMUL), along columns ``ones @ a`` (the scaler in SrcB, the data in SrcA:
    GAPOOL)."""
    return (a, np.ones((a.shape[1], 1))) if rows else (np.ones((1, a.shape[0])), a)


def _gmpool_max(a: np.ndarray, axis: int) -> np.ndarray:
    """GMPOOL's maximum along ``axis``: one of the data, an exponent-0 datum counting as +0."""
    flushed = np.where(np.abs(a) < np.finfo(np.float32).tiny, 0.0, a)
    with np.errstate(invalid="ignore"):
        return flushed.max(axis=axis)


def _reduce_value(
    a: np.ndarray,
    error: np.ndarray | None,
    exact: np.ndarray,
    stage: dict,
    compute: dict,
    in_dtype: str = "bfloat16",
) -> tuple[np.ndarray, ...]:
    """A reduce stage's value as DST holds it before the pack into its CB (``_held`` packs it), from
    ``a`` (as the chip holds it, within ``error`` when an earlier stage made it; ``exact``: its exact
    value): (what it is close to, the allowed distance, the exact value), one per row (column) of
    ``a``. A maximum moves by at most the data's largest error, a sum by their sum. ``compute``: the
    program's DST mode and fidelity, and the stage's ops on its result (``epilogue``). A float32
    ``in_dtype`` (its CB Float32) reaches the matrix unit as TF32, its low 13 mantissa bits dropped
    (``source_register``); a datum known within an error keeps that error and may lose one more TF32
    unit in the truncation."""
    rows = stage["reduce_dim"] == "row"
    axis = 1 if rows else 0
    if in_dtype == "float32":
        # GAPOOL's data (a column sum) is in SrcA, whose multiplier drops TF32's last bit too; a row sum's
        # are in SrcB, and GMPOOL (a maximum, data in SrcA) compares all 10 TF32 bits, as SrcB keeps them.
        src = "srca" if not rows and stage["reduce"] == "sum" else "srcb"
        held = source_register(a, "float32", src)
        if error is not None:  # truncation is monotonic: the chip's datum is between those of a -/+ error
            with np.errstate(invalid="ignore", over="ignore"):
                lo, hi = (source_register(a + d, "float32", src).astype(np.float64) for d in (-error, error))
                error = np.maximum(np.abs(hi - held), np.abs(held - lo))
            # (An infinite datum known exactly, a mask's -inf, stays exact.)
            error = np.where((lo == held) & (hi == held), 0.0, error)
        a = held.astype(np.float64)
    spread = np.zeros(a.shape[0 if rows else 1]) if error is None else error.max(axis=axis)
    if stage["reduce"] == "max" and error is not None:
        # The chip's maximum of data each within its bound lies between the maxima of a - e and a + e (less
        # one bf16 step: GMPOOL compares at bf16 precision): far tighter than the largest bound when a datum
        # far below the maximum is known loosely (a finite mask's -1e4 through TF32).
        with np.errstate(invalid="ignore", over="ignore"):
            hi, lo, at = (a + error).max(axis=axis), (a - error).max(axis=axis), _gmpool_max(a, axis)
            tight = np.maximum(hi - at, at - lo) + 2.0**-7 * np.maximum(np.abs(hi), np.abs(lo))
        spread = np.where(np.isfinite(tight), np.minimum(spread, tight), spread)
    if stage["reduce"] == "max":
        target, meant = _gmpool_max(a, axis), exact.max(axis=axis)
        if not compute.get("epilogue"):
            return target, spread, meant
        # clear=False's combine (or a minimum's negation) on the SFPU, from the maximum in DST.
        with np.errstate(invalid="ignore", over="ignore"):  # DST's value: the caller packs it (_held)
            target, allowed, _ = expected_output(
                target, None, target, np.abs(target), compute, out_dtype="float32", input_error=spread
            )
        return target.reshape(-1), allowed.reshape(-1), apply_epilogue(meant, compute)
    left, right = _reduction_operands(a, rows)
    phases = FIDELITY_PHASES[compute.get("math_fidelity", "HiFi4")]
    with np.errstate(invalid="ignore", over="ignore"):
        product = multiplier_product(left, right, in_dtype, phases)
        scale = np.abs(left) @ np.abs(right)
    # DST's value (one fp32 ulp of its own): the caller packs it into the CB's format (_held).
    target, allowed, _ = expected_output(left, right, product, scale, compute, out_dtype="float32")
    if error is not None:
        allowed = allowed.reshape(-1) + error.sum(axis=axis)
    return target.reshape(-1), allowed.reshape(-1), apply_epilogue(exact.sum(axis=axis), compute)


def _pack_bf16(v: np.ndarray) -> np.ndarray:
    """fp32 DST values packed into a bfloat16 CB, as the packer does it (src/sim/README.md): to nearest,
    ties away from zero, a denormal a zero."""
    with np.errstate(invalid="ignore", over="ignore"):
        v32 = np.asarray(v, dtype=np.float32)
    return _round_ties_away(_flush_denormals(v32), 7).astype(np.float64)


def _rounded(rounding, target: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``target`` put through a monotonic ``rounding`` (a pack, a narrowing), and how far the chip's rounded
    value may be from it: the chip's value is within ``allowed`` of ``target``, so its rounded value lies
    between the roundings of ``target -/+ allowed`` (one ulp either side of a rounding boundary counts)."""
    held = rounding(target)
    with np.errstate(invalid="ignore", over="ignore"):
        lo, hi = rounding(target - allowed), rounding(target + allowed)
        bound = np.fmax(np.abs(hi - held), np.abs(held - lo))
        # A rounding that may overflow to infinity (or a bound that reaches it) decides nothing here.
        reaches_inf = ~(np.isfinite(held) & np.isfinite(lo) & np.isfinite(hi))
        bound = np.where(reaches_inf, np.inf, bound)
        bound = np.where(np.isfinite(target), bound, allowed)
    return held, bound


def _held(target: np.ndarray, allowed: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """A stage's value as its CB of ``dtype`` holds it: the estimate packed into that format (``_rounded``;
    a tie, frequent for TF32 data, goes away from zero)."""
    if dtype != "bfloat16":
        return target, allowed
    return _rounded(_pack_bf16, target, allowed)


def widened(plan: dict, tensor: str) -> bool:
    """Whether the float16 ``tensor`` moves through a Float32 CB: in a kernel that reduces (its values pass
    through the source registers from Float32 CBs, which beside a Float16 CB the JIT would unpack as FP16),
    the reader widens each tile (exact) and the writer narrows each to the nearest fp16 (data_format.h
    WidensFloat16)."""
    if plan["compute"]["op"] not in ("stages", "reduce") or plan["buffers"][tensor]["dtype"] != "float16":
        return False
    return any(cb["tensor"] == tensor and cb["data_format"] == "Float32" for cb in plan["cbs"])


def _narrow_fp16(v: np.ndarray) -> np.ndarray:
    """The writer's narrowing of fp32 values to fp16: to nearest, ties to even, subnormals kept, past the
    range infinity (IEEE, as NumPy and torch round)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.asarray(v, dtype=np.float32).astype(np.float16).astype(np.float64)


def _narrowed(target: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A widened float16 output (``widened``) as the writer leaves it: the fp32 result, within ``allowed`` of
    ``target``, rounded to fp16 (``_rounded``)."""
    return _rounded(_narrow_fp16, target, allowed)


NARROWED_RULE = "; then rounded to the nearest fp16 (ties to even) by the writer"


def _loop_slice(v: np.ndarray, sl: dict, k: int) -> np.ndarray:
    """Iteration ``k``'s block of a tensor a loop of stages slices (the plan's ``loop.slices``): elements
    ``[(step * k + start) * size, + size)`` along ``axis``, the zeros that pad its last tile included."""
    block = sl["step"] * k + sl["start"]
    lo, hi, axis = block * sl["size"], (block + 1) * sl["size"], sl["axis"]
    if hi > v.shape[axis]:
        pad = [(0, 0)] * v.ndim
        pad[axis] = (0, hi - v.shape[axis])
        v = np.pad(v, pad)
    return np.take(v, np.arange(lo, hi), axis=axis)


def _matrices(value: np.ndarray, buf: dict) -> np.ndarray:
    """A batched tensor's values as its stored matrices, (matrices, rows, cols): its axes in the plan's
    order (``axes``), the leading ones flattened, the first the slowest; another tensor as it is."""
    if len(buf["shape"]) < 3:
        return value
    stored = np.transpose(value, buf.get("axes", list(range(len(buf["shape"])))))
    return stored.reshape(-1, *stored.shape[-2:])


def _from_matrices(matrices: np.ndarray, buf: dict) -> np.ndarray:
    """The inverse of ``_matrices``: stored matrices back in the tensor's own shape."""
    axes = buf.get("axes", list(range(len(buf["shape"]))))
    return np.transpose(np.reshape(matrices, [buf["shape"][a] for a in axes]), np.argsort(axes))


def _merge(results: list) -> SimResult:
    """The verdicts on each matrix of a batched output as one: its arrays stacked (matrices, rows,
    cols), the worst of each figure, the counts summed."""
    first = results[0]
    arrays = {
        name: np.stack([getattr(r, name) for r in results])
        for name in ("output", "reference", "reference_scale", "expected")
    }
    # (np.max: a NaN figure of any matrix is the merged one's, whatever the order.)
    worst = {
        name: type(getattr(first, name))(np.max([getattr(r, name) for r in results]))
        for name in ("max_abs_error", "max_scaled_error", "worst_of_bound", "max_ulp")
    }
    counts = {
        name: sum(getattr(r, name) for r in results) for name in ("mismatches", "non_finite", "unbounded", "undecided")
    }
    return replace(first, **arrays, **worst, **counts)


def compare_stages(out: np.ndarray, inputs: dict, plan: dict, out_dtype: str = "bfloat16", **extra) -> SimResult:
    """Judge a staged program's output (``_compare_stages_matrix``); a batched one, its tensors given as
    their stored matrices (``_matrices``), matrix by matrix: the stages run on each matrix of the batched
    tensors, a tensor that is not batched read whole by every matrix."""
    buffers = plan["buffers"]
    extra = {"narrowed": widened(plan, plan["compute"]["c"])} | extra
    if len(buffers[plan["compute"]["c"]]["shape"]) < 3:
        return _compare_stages_matrix(out, inputs, plan, out_dtype, **extra)
    batched = {name for name in inputs if len(buffers[name]["shape"]) >= 3}
    results = [
        _compare_stages_matrix(out_m, inputs | {name: inputs[name][i] for name in batched}, plan, out_dtype, **extra)
        for i, out_m in enumerate(out)
    ]
    return _merge(results)


def _compare_stages_matrix(out: np.ndarray, inputs: dict, plan: dict, out_dtype: str, **extra) -> SimResult:
    """Judge one matrix of a staged program's output (``compute.stages``), evaluating its stages in order. Each value
    between stages is known within a bound: a reduction's by ``compare_reduce``'s rules, an element-wise
    update's by ``expected_output``'s, each then packed into its intermediate CB's format; a later stage
    carries the bounds of what it reads through its own ops (``input_error``, ``operand_errors``), and the
    last stage is judged like an element-wise kernel. The reference is every stage on the exact values.
    A fill stage's value is its constant, packed; the stages of a loop run once an iteration, each
    reading its iteration's block of the tensors the loop slices, a value they update carried across
    iterations (its bound grows with each update)."""
    compute = plan["compute"]
    formats = {cb["index"]: cb["data_format"] for cb in plan["cbs"]}
    dtypes = {f.data_format: name for name, f in TILE_FORMATS.items()}
    chip = {name: np.asarray(v, dtype=np.float64) for name, v in inputs.items()}
    exact, errors = dict(chip), {}
    stages = compute["stages"]
    n = 0
    while n < len(stages):
        loop = stages[n].get("loop")
        group = [n]
        ids = [(st.get("loop") or {}).get("id") for st in stages]
        while loop and group[-1] + 1 < len(stages) and ids[group[-1] + 1] == loop["id"]:
            group.append(group[-1] + 1)
        parts = []  # a last stage's inputs in each iteration of its loop
        for k in range(loop["extent"] if loop else 1):
            views = [chip, exact, errors]
            if loop:
                views = [dict(chip), dict(exact), dict(errors)]
            for m in group:
                stage = stages[m]
                for sl in (stage.get("loop") or {}).get("slices", []):  # this stage's blocks of iteration k
                    if sl["tensor"] == compute["c"]:
                        continue  # the block the iteration writes (_assemble)
                    for view, whole in zip(views[:2], (chip, exact), strict=True):
                        view[sl["tensor"]] = _loop_slice(whole[sl["tensor"]], sl, k)
                dtype = dtypes[formats[stage["cb_out"]]]  # the value's CB's format (the output's, last)
                if m + 1 == len(stages):
                    if loop:
                        parts.append(views)
                        continue
                    in_dtype = dtypes[formats[stage["cb_in"]]]
                    return _last_stage(out, stage, views, compute, out_dtype, in_dtype, extra)
                if stage["op"] == "fill":
                    held, bound = _held(np.asarray(float(stage["value"])), np.asarray(0.0), dtype)
                    value, allowed, meant = held, bound, np.asarray(float(stage["value"]))
                elif stage["op"] == "mask":  # the reader writes it: fp32 constants, exactly
                    value = meant = _mask_value(stage, k)
                    allowed = np.zeros(value.shape)
                else:
                    target, allowed, meant = _stage_value(stage, views, compute, formats, dtypes)
                    value, allowed = _held(target.astype(np.float64), allowed, dtype)
                for view, v in zip(views, (value, meant, allowed), strict=True):
                    view[stage["out"]] = _bounded(loop, k, v, view.get(stage["out"]))
                if loop:  # a value a loop makes lives on after it
                    for view, whole in zip(views, (chip, exact, errors), strict=True):
                        whole[stage["out"]] = view[stage["out"]]
        if parts:  # the output, a block an iteration: judged whole, each block from its iteration's inputs
            stage = stages[-1]
            varying = {sl["tensor"] for m in group for sl in stages[m]["loop"]["slices"]}
            varying |= {stages[m]["out"] for m in group}
            c_shape = matrix_shape(plan["buffers"][compute["c"]])
            views = _assemble(parts, varying, stage["loop"], compute["c"], c_shape)
            in_dtype = dtypes[formats[stage["cb_in"]]]
            return _last_stage(out, stage, views, compute, out_dtype, in_dtype, extra)
        n = group[-1] + 1
    raise SimulationError("the plan's stages are empty")


def _bounded(loop: dict | None, k: int, new, old):
    """A value a stage makes at iteration ``k`` of a loop bounded per output block (its ``bound``): the rows
    of the blocks whose count ends before ``k`` keep their value before (those blocks' loops have ended, each
    block's rows its own)."""
    bound = (loop or {}).get("bound")
    if bound is None or old is None or np.ndim(new) == np.ndim(old) == 0:
        return new
    if np.ndim(new) == 0:  # a constant (a fill's) over the old value's shape
        new = np.broadcast_to(new, np.shape(old))
    rows = np.shape(new)[0]
    first = np.arange(rows) // bound["block_rows"] * bound["block_rows"]
    active = k < np.minimum(loop["extent"], -(-(first + bound["add"]) // bound["div"]))
    if np.shape(old) != np.shape(new):
        old = np.broadcast_to(old, np.shape(new))
    return np.where(active.reshape((rows,) + (1,) * (np.ndim(new) - 1)), new, old)


def _mask_value(stage: dict, k: int) -> np.ndarray:
    """A mask stage's block at iteration ``k`` of its loop, over the output's rows: ``value`` where
    r + row_offset >= col_step * k + col_start + c (r the row, c the block's column), else ``otherwise``."""
    rows, cols = stage["shape"]
    r = np.arange(rows)[:, None] + stage["row_offset"]
    c = np.arange(cols)[None, :] + stage["col_step"] * k + stage["col_start"]
    keep = np.float32(float(stage["value"])).astype(np.float64)
    masked = np.float32(float(stage["otherwise"])).astype(np.float64)
    return np.where(r >= c, keep, masked)


def _assemble(parts: list, varying: set, loop: dict, c: str, c_shape: list) -> list:
    """The views (chip, exact, errors) of a last stage that runs in a loop, whole: each block a loop's
    iteration reads or makes placed where that iteration writes its block of ``c`` (the loop's slice of
    ``c``), so the stage's values line up with the output; a block made before the loop in every
    iteration's place, and the other values (vectors, whole tensors) as they are."""
    (sl,) = [s for s in loop["slices"] if s["tensor"] == c]
    axis, size = sl["axis"], sl["size"]
    views = [dict(v) for v in parts[0]]
    for i in range(3):
        for name, value in parts[0][i].items():
            per = [p[i].get(name) for p in parts]
            if name == c or any(v is None or np.ndim(v) <= axis for v in per):
                continue
            if name not in varying and np.shape(value)[axis] != size:
                continue  # a whole tensor, or a vector: as it is
            # Each iteration's block in its place (a block made before the loop: the same in every place).
            shape = list(np.shape(per[0]))
            shape[axis] = len(per) * size
            whole = np.zeros(shape)
            for k, v in enumerate(per):
                at = [slice(None)] * len(shape)
                block = sl["step"] * k + sl["start"]
                at[axis] = slice(block * size, (block + 1) * size)
                whole[tuple(at)] = v
            views[i][name] = np.take(whole, np.arange(c_shape[axis]), axis=axis)
    return views


def _stage_input(stage: dict, views: list, compute: dict) -> tuple:
    """What a stage starts from (as the chip holds it, its bound, its exact value) and the program's fields
    with the stage's own ops."""
    chip, exact, errors = views
    name = stage["in"]
    sub = {k: v for k, v in compute.items() if k != "stages"} | {"epilogue": stage.get("epilogue", [])}
    return chip[name], errors.get(name), exact[name], sub


def _matmul_value(stage: dict, views: list, compute: dict, formats: dict, dtypes: dict) -> tuple[np.ndarray, ...]:
    """A matmul stage's value as fp32 DST holds it before its pack: in @ b (b^T with transpose_b), in in SrcB
    and b in SrcA as the source registers hold them (a float32 operand as TF32), the products at the plan's
    fidelity summed over K in fp32 (``expected_output``'s bound for that); an operand an earlier stage made
    is known within its bound, which the product carries (with, for a float32 one, the truncation to TF32 of a
    value anywhere in it); and the exact product. A stage that accumulates adds the products to its value
    before (copied into DST exactly), within that value's bound and the fp32 sums' roundings."""
    chip, exact, errors = views
    dtype = dtypes[formats[stage["cb_in"]]]  # both operands' (MemorySpaceLowerTT checks)
    a, b = np.asarray(chip[stage["in"]], np.float64), np.asarray(chip[stage["b"]], np.float64)
    xa, xb = exact[stage["in"]], exact[stage["b"]]
    ea = np.broadcast_to(np.asarray(errors.get(stage["in"], 0.0), np.float64), a.shape)
    eb = np.broadcast_to(np.asarray(errors.get(stage["b"], 0.0), np.float64), b.shape)
    if stage["transpose_b"]:
        b, xb, eb = b.T, np.asarray(xb).T, eb.T
    if dtype != "bfloat16":  # a value within its bound truncates to TF32 within it and one step of SrcA's
        ea = np.where(ea > 0, ea + np.abs(a) * 2.0**-9, ea)
        eb = np.where(eb > 0, eb + np.abs(b) * 2.0**-9, eb)
    phases = FIDELITY_PHASES[compute.get("math_fidelity", "HiFi4")]
    with np.errstate(invalid="ignore", over="ignore"):
        sa = source_register(a, dtype, "srcb").astype(np.float64)
        sb = source_register(b, dtype, "srca").astype(np.float64)
        target = multiplier_product(sa, sb, dtype, phases)
        scale = np.abs(sa) @ np.abs(sb)
        rounds = a.shape[1] if phases == 4 else phases * a.shape[1]
        allowed = 2 * rounds * FP32_EPS * np.where(np.isfinite(scale), scale, 0)
        allowed = allowed + ea @ (np.abs(sb) + eb) + np.abs(sa) @ eb
        meant = np.asarray(xa, np.float64) @ np.asarray(xb, np.float64)
        if stage["accumulate"]:  # DST starts from the value before, each K step's sum added to it in fp32
            before = np.asarray(chip[stage["out"]], np.float64)
            target = target + before
            # (An infinite value before, a mask's -inf, stays that exactly: the sums add nothing to it.)
            finite = np.isfinite(before)
            allowed = np.where(
                finite,
                allowed + np.asarray(errors.get(stage["out"], 0.0)) + 2 * rounds * FP32_EPS * np.abs(before),
                0.0,
            )
            meant = meant + np.asarray(exact[stage["out"]], np.float64)
        target = target.astype(np.float32).astype(np.float64)  # DST: beyond fp32's range, infinity
    return target, allowed, meant


def _stage_value(stage: dict, views: list, compute: dict, formats: dict, dtypes: dict) -> tuple[np.ndarray, ...]:
    """A stage's value before its pack (not the last stage's): what DST holds, its bound, the exact value."""
    chip, exact, errors = views
    if stage["op"] == "matmul":
        return _matmul_value(stage, views, compute, formats, dtypes)
    x, x_err, x_exact, sub = _stage_input(stage, views, compute)
    if stage["op"] == "reduce":
        in_dtype = dtypes[formats[stage["cb_in"]]]
        return _reduce_value(x, x_err, x_exact, stage, sub, in_dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # DST's value, packed by _held
        target, allowed, _ = expected_output(
            x, None, x, np.abs(x), sub, operands=chip, out_dtype="float32", operand_errors=errors,
            input_error=x_err,
        )  # fmt: skip
    return target, allowed, apply_epilogue(x_exact, sub, operands=exact)


def _last_stage(
    out: np.ndarray, stage: dict, views: list, compute: dict, out_dtype: str, in_dtype: str, extra: dict
) -> SimResult:
    """The verdict on the output, the last stage's value (``in_dtype``: its input CB's format)."""
    chip, exact, errors = views
    x, x_err, x_exact, sub = _stage_input(stage, views, compute)
    if stage["op"] == "reduce":  # the output is the reduction's result (a sum of squares), packed into its CB
        narrowed = extra.pop("narrowed", False)
        target, allowed, meant = _reduce_value(x, x_err, x_exact, stage, sub, in_dtype)
        rows = stage["reduce_dim"] == "row"
        pack = _narrowed if narrowed else lambda t, a: _held(t, a, out_dtype)
        held, bound = pack(target.astype(np.float64), allowed)
        scale = (np.max if stage["reduce"] == "max" else np.sum)(np.abs(x_exact), axis=1 if rows else 0)
        rule = f"the {stage['reduce']} of the last stage's input as the chip reduces it, within the bounds "
        rule += "carried from the earlier stages" + (NARROWED_RULE if narrowed else "")
        extra.setdefault("scale_name", f"{stage['reduce']} of |a| along the {'row' if rows else 'column'}")
        out = np.asarray(out, dtype=np.float32).reshape(-1)
        return _verdict(out, held, bound, meant, scale, rule, out_dtype, **extra)
    extra.setdefault("scale_name", "|a| with the values it adds or is multiplied by")
    return compare(
        out, x, None, sub, operands=chip, out_dtype=out_dtype, in_dtype="bfloat16",
        operand_errors=errors, exact_operands=exact, input_error=x_err, exact_input=x_exact, **extra,
    )  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tilelang_tt.sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("artifact_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    args = parser.parse_args(argv)
    inputs = {}
    for item in args.input:
        name, _, path = item.partition("=")
        inputs[name] = np.load(path)
    try:
        result = simulate(args.artifact_dir, seed=args.seed, inputs=inputs)
    except TTError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
