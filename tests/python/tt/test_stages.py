"""Staged programs (issue #19) compute what the TileLang program means: the simulator's verdict is the
plan's, so these compare the simulated output with NumPy's reading of the kernel as TileLang runs it
(statement by statement, each Bind its value where it is written)."""

from __future__ import annotations

import numpy as np
import pytest
from kernels import layernorm_rows, vector_updates

import tilelang_tt
from tilelang_tt.sim import bf16_bits_to_float, simulate, to_bf16_bits


def _bf16(x):
    return bf16_bits_to_float(to_bf16_bits(np.asarray(x, dtype=np.float32))).reshape(np.shape(x))


def _meaning(where, x, gamma):
    n = x.shape[1]
    s = x.sum(axis=1, keepdims=True)
    if where == "bind-capture":
        return x * (2 * s) / (0.5 * s)
    if where == "two-binds":
        return x - 2 * s / n
    if where == "silu":
        v = x / np.sqrt(s / n + 1e-5)
        return v / (1 + np.exp(-v))
    if where == "vector-product":
        return 2 * x - (2 * s / n) ** 2
    return x / s * gamma


@pytest.mark.parametrize("where", ["bind-capture", "two-binds", "silu", "vector-product", "gamma-fragment"])
def test_vector_updates_compute_what_tilelang_means(tmp_path, where):
    tilelang_tt.lower(vector_updates(where)).write(tmp_path)
    rng = np.random.default_rng(3)
    # Positive rows keep the row sums away from zero (the divisions).
    inputs = {"X": _bf16(rng.uniform(0.5, 1.5, (96, 256))), "gamma": _bf16(rng.uniform(-1, 1, 256))}
    if where != "gamma-fragment":
        del inputs["gamma"]  # (not read: not an input of the program)
    result = simulate(tmp_path, inputs=inputs, timeout=120)
    assert result.ok, result.summary()
    want = _meaning(where, inputs["X"].astype(np.float64), inputs.get("gamma", np.zeros(256)).astype(np.float64))
    # Each vector is rounded to bf16 between stages (2^-9 each), the output once more.
    np.testing.assert_allclose(result.output, want, rtol=2.0**-6, atol=2.0**-6 * np.abs(want).max())


@pytest.mark.parametrize(
    "where, fragment",
    [
        ("unread", "'q' (T.reduce_max of 'X') is not read by a later update"),
        ("vector-after-block", "an update of vectors after the update of the block 'y'"),
    ],
)
def test_refused_vector_updates_name_the_problem(where, fragment):
    with pytest.raises(tilelang_tt.TTError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        tilelang_tt.lower(vector_updates(where))


def test_layernorm_computes_torch_s_layer_norm(tmp_path):
    """layernorm.py's forward against the definition, rows with mean 1 (so E[x^2] - mean^2 cancels)."""
    tilelang_tt.lower(layernorm_rows()).write(tmp_path)
    rng = np.random.default_rng(11)
    x = _bf16(rng.uniform(-1, 1, (96, 256)) + 1.0)
    gamma, beta = _bf16(rng.uniform(-1, 1, 256)), _bf16(rng.uniform(-1, 1, 256))
    result = simulate(tmp_path, inputs={"X": x, "gamma": gamma, "beta": beta}, timeout=120)
    assert result.ok, result.summary()
    xd = x.astype(np.float64)
    want = (xd - xd.mean(1, keepdims=True)) / np.sqrt(xd.var(1, keepdims=True) + 1e-5) * gamma + beta
    # The variance from bf16 sums of squares (mean 1: E[x^2] about 4 var) is good to a few 2^-9.
    np.testing.assert_allclose(result.output, want, rtol=0, atol=0.05)


def test_float32_exponentials_summed_and_divided(tmp_path):
    """A softmax whose float32 exponentials are both summed (through the source registers, TF32) and
    divided (straight into DST): the sum reads a copy of them in a CB of its own, the division the
    original; the output is the softmax to bf16 rounding."""
    from kernels import softmax_rows

    artifacts = tilelang_tt.lower(softmax_rows("softmax", value_dtype="float32"))
    artifacts.write(tmp_path)
    stages = artifacts.plan["compute"]["stages"]
    assert [(s["op"], s["in"], s["out"]) for s in stages] == [
        ("reduce", "X", "m"),
        ("eltwise", "X", "e"),
        ("eltwise", "e", "e_copy"),
        ("reduce", "e_copy", "s"),
        ("eltwise", "e", "Y"),
    ]
    rng = np.random.default_rng(5)
    x = _bf16(rng.uniform(-4, 4, (128, 256)))
    result = simulate(tmp_path, inputs={"X": x}, timeout=120)
    assert result.ok, result.summary()
    e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    # The max and sum vectors are bf16 between stages (2^-9 each), the output once more.
    np.testing.assert_allclose(result.output, want, rtol=2.0**-6, atol=0)


@pytest.mark.parametrize("where", ["two-values", "two-reductions"])
def test_each_float32_value_read_both_ways_gets_its_copy(tmp_path, where):
    """Two float32 values read both ways (a copy CB each), or one value reduced twice (both reductions
    read its one copy), against NumPy's reading of the program."""
    from kernels import float32_values

    artifacts = tilelang_tt.lower(float32_values(where))
    artifacts.write(tmp_path)
    stages = artifacts.plan["compute"]["stages"]
    reduced = [s["in"] for s in stages if s["op"] == "reduce"]
    assert reduced == (["e_copy", "y_copy"] if where == "two-values" else ["e_copy", "e_copy"])
    cbs = [cb["index"] for cb in artifacts.plan["cbs"]]
    assert len(cbs) == len(set(cbs))
    rng = np.random.default_rng(7)
    x = _bf16(rng.uniform(-2, 2, (64, 128)))
    result = simulate(tmp_path, inputs={"X": x}, timeout=120)
    assert result.ok, result.summary()
    e = np.exp(x.astype(np.float64))
    if where == "two-values":
        y = e / _bf16(e.sum(axis=1, keepdims=True))
        want = y - y.max(axis=1, keepdims=True)
    else:
        want = (e - e.max(axis=1, keepdims=True)) / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(result.output, want, rtol=2.0**-6, atol=2.0**-6 * np.abs(want).max())


@pytest.mark.parametrize("op", ["sq", "abs", "neg"])
def test_a_staged_program_may_end_in_a_reduction(tmp_path, op):
    """An update whose value a reduction turns into the output (a sum of squares, of |x|, of -x): the
    last stage is the reduction, packed into the output CB, and the result is the sum NumPy computes."""
    from kernels import sum_of_update

    artifacts = tilelang_tt.lower(sum_of_update(op))
    artifacts.write(tmp_path)
    stages = artifacts.plan["compute"]["stages"]
    assert [s["op"] for s in stages] == ["eltwise", "reduce"] and stages[-1]["out"] == "B"
    rng = np.random.default_rng(13)
    x = _bf16(rng.uniform(-1, 1, (64, 128)))
    result = simulate(tmp_path, inputs={"A": x}, timeout=120)
    assert result.ok, result.summary()
    f = {"sq": np.square, "abs": np.abs, "neg": np.negative}[op]
    want = f(x.astype(np.float64)).sum(axis=1)
    # The float32 values reach the matrix unit as TF32 (2^-11 each, relative).
    np.testing.assert_allclose(result.output, want, rtol=0, atol=2.0**-10 * np.abs(f(x)).sum(axis=1).max())


@pytest.mark.parametrize(
    "kind, fill", [("absmax", 0.5), ("absmax", -2.0), ("min", -0.5), ("max", 0.5), ("max", "-inf"), ("sum", 1.0)]
)
def test_clear_false_starts_from_the_fill_as_tilelang_does(tmp_path, kind, fill):
    """clear=False combines with the fill as TileLang 0.1.15's reduce does (reduce.h MakeUpdate): sum
    c + sum x, max max(c, max x), min min(c, min x), absmax max(c, max |x|). Rows of different scales
    make the fill win in some rows and lose in others."""
    from kernels import reduce_filled

    tilelang_tt.lower(reduce_filled(kind, fill, dtype="float32", out_dtype="float32")).write(tmp_path)
    rng = np.random.default_rng(17)
    x = (rng.uniform(-1, 1, (64, 128)) * np.linspace(0.1, 1.0, 64)[:, None]).astype(np.float32)
    result = simulate(tmp_path, inputs={"A": x}, timeout=120)
    assert result.ok, result.summary()
    xd, c = x.astype(np.float64), -np.inf if fill == "-inf" else fill
    reduced = {"absmax": np.abs(xd).max(axis=1), "min": xd.min(axis=1), "max": xd.max(axis=1), "sum": xd.sum(axis=1)}
    want = {"min": np.minimum, "sum": np.add}.get(kind, np.maximum)(c, reduced[kind])
    if kind != "sum" and np.isfinite(c) and c > -1:
        assert 0 < np.sum(want == c) < len(want)  # the fill decides some rows, not all
    # float32 data reach the matrix unit as TF32 (2^-10 relative each).
    np.testing.assert_allclose(result.output, want, rtol=0, atol=2.0**-10 * (np.abs(xd).sum(axis=1).max() + 1))


def _second_loop_meaning(where, a):
    """rms_norm_splitk's two loops as TileLang runs them, per block of 32 rows and of 64 columns."""
    blocks = [a[:, c : c + 64] for c in range(0, a.shape[1], 64)]
    carried = sum(blocks) if where == "mean" else sum(b * b for b in blocks)  # A_local after the first loop
    s = carried.sum(axis=1, keepdims=True)
    factor = s / a.shape[1] if where == "mean" else 1 / np.sqrt(s / a.shape[1]) + 1e-12
    if where == "mean":
        return np.concatenate([b - factor for b in blocks], axis=1)
    if where == "block-before":
        return np.concatenate([b * factor + carried for b in blocks], axis=1)
    return np.concatenate([b * factor for b in blocks], axis=1)


@pytest.mark.parametrize("where", ["waves", "block-before", "mean", "vector"])
def test_a_second_loop_computes_what_tilelang_means(tmp_path, where):
    from kernels import second_loop

    tilelang_tt.lower(second_loop(where)).write(tmp_path)
    rows = 128 if where == "waves" else 64
    a = np.random.default_rng(5).uniform(-1, 1, (rows, 256)).astype(np.float32)
    result = simulate(tmp_path, inputs={"A": a})
    assert result.ok, result.summary()
    want = np.concatenate([_second_loop_meaning(where, a[r : r + 32]) for r in range(0, rows, 32)])
    np.testing.assert_allclose(result.output, want, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("kind, fill", [("sum", 0.5), ("max", -0.25), ("min", 0.25), ("absmax", 0.5)])
def test_a_running_reduction_combines_as_tilelang_does(tmp_path, kind, fill):
    """T.reduce_<kind>(x, S, clear=False) in a loop over column blocks after T.fill(S, c) before it: S
    combines c and every block's reduction (a sum adds, a minimum keeps the smaller, the others the
    larger), as TileLang runs it; then each block minus S[i]."""
    from kernels import running_reduce

    tilelang_tt.lower(running_reduce(kind, fill)).write(tmp_path)
    a = np.random.default_rng(11).uniform(-1, 1, (64, 256)).astype(np.float32)
    a = bf16_bits_to_float(to_bf16_bits(a)).reshape(a.shape)
    result = simulate(tmp_path, inputs={"A": a})
    assert result.ok, result.summary()
    x = a.astype(np.float64)
    reduced = {"sum": x.sum(1), "max": x.max(1), "min": x.min(1), "absmax": np.abs(x).max(1)}[kind]
    s = {"sum": np.add, "min": np.minimum}.get(kind, np.maximum)(fill, reduced)
    want = x - s[:, None]
    # bfloat16 output (half an ulp: 2^-9 of it); the sums in fp32 (and fp32 adds).
    np.testing.assert_allclose(result.output, want, rtol=2.0**-8, atol=2.0**-16 * np.abs(x).sum(1).max())


def test_a_reduction_pending_at_a_carried_fill_is_a_stage(tmp_path):
    """The row maxima of A reduced right before the T.fill of the value a loop carries: the reduction is a
    stage of its own (not dropped by the fill stage), read by every iteration of the loop."""
    from kernels import carried_with_a_value_made_before

    tilelang_tt.lower(carried_with_a_value_made_before()).write(tmp_path)
    rng = np.random.default_rng(7)
    a, x = (bf16_bits_to_float(to_bf16_bits(rng.uniform(-1, 1, s).astype(np.float32))).reshape(s)
            for s in ((64, 64), (64, 256)))  # fmt: skip
    result = simulate(tmp_path, inputs={"A": a, "X": x})
    assert result.ok, result.summary()
    want = a.astype(np.float64).max(1) * x.astype(np.float64).sum(1)
    np.testing.assert_allclose(result.output, want, rtol=2.0**-9, atol=2.0**-12 * np.abs(x).sum(1).max())
