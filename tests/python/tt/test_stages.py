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
