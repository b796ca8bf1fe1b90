"""The real-style kernel corpus (issue #15): every entry of corpus.py lowers, simulates correctly by the
plan's verdict, and matches its own NumPy reference; and compiled with tilelang.compile and called with
torch tensors (#16), it returns exactly the simulated output."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tilelang
import torch
from corpus import ENTRIES, check_against_reference

import tilelang_tt
from tilelang_tt.sim import bf16_bits_to_float, simulate, to_bf16_bits


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_corpus_kernel(entry, tmp_path):
    artifacts = tmp_path / entry.name
    func = entry.build()
    names = [str(func.buffer_map[p].name) for p in func.params]
    kernel = tilelang.compile(func, out_idx=[names.index(entry.output)], target={"kind": "tenstorrent", **entry.target})
    assert dict(kernel.artifacts.files) == dict(tilelang_tt.lower(func, target=kernel.target).files)
    kernel.artifacts.write(artifacts)
    plan = json.loads((artifacts / "tt.plan.json").read_text())
    assert plan["compute"]["accumulator"] == entry.accum
    assert plan["schedule"]["policy"] == (entry.schedule or plan["schedule"]["policy"])
    rng = np.random.default_rng(sum(map(ord, entry.name)))
    inputs = {}
    for name, shape in entry.inputs.items():
        values = rng.uniform(-1, 1, shape).astype(np.float32)
        # A float32 tensor keeps all its bits; a bfloat16 or float16 one is rounded to what it holds.
        dtype = entry.dtypes.get(name, "bfloat16")
        if dtype == "bfloat16":
            values = bf16_bits_to_float(to_bf16_bits(values)).reshape(shape)
        elif dtype == "float16":
            values = values.astype(np.float16).astype(np.float32)
        inputs[name] = values
    result = simulate(artifacts, inputs=inputs)
    assert result.ok, result.summary()
    ok, message = check_against_reference(entry, inputs, result.output)
    assert ok, message
    # The user's way: the compiled kernel called with torch tensors computes the very same bits.
    torch_dtypes = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}
    called = kernel(
        *[
            torch.from_numpy(inputs[n]).to(torch_dtypes[entry.dtypes.get(n, "bfloat16")])
            for n in names
            if n != entry.output
        ]
    )
    np.testing.assert_array_equal(called.float().numpy(), result.output)


def test_the_corpus_names_the_tilelang_files_it_imitates():
    assert len(ENTRIES) >= 25
    for entry in ENTRIES:
        assert entry.style_of.startswith(("examples/", "testing/python/")) and entry.style_of.endswith(".py")
