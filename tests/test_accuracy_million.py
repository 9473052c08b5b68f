"""float32 on a million inputs per function (random bit patterns, the domain, knees),
against the float64 oracle: within the registry claim."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ELEMENTWISE, ufunc

from fastact.analysis.metrics import ulp_error
from fastact.analysis.oracle import hard_inputs, oracle

CASES = [(a, a.example_params()[0]) for a in ELEMENTWISE]
SLACK = 1e-3  # the oracle's own error, in float32 ULP (tests/test_oracle.py bounds it)


@pytest.mark.parametrize("act,params", CASES, ids=[a.name for a, _ in CASES])
def test_float32_million(act, params):
    x = hard_inputs(act, 400_000, np.float32, seed=7)
    rest = np.random.default_rng(8).uniform(*act.domain, max(0, 1_000_000 - x.size)).astype(np.float32)
    x = np.concatenate([x, rest])
    assert x.size >= 1_000_000
    ps = [np.float32(p) for p in params]
    got = ufunc(act)(x, *ps)
    ref = oracle(act, x, *ps)
    err = ulp_error(got, ref, None, np.float32)
    worst = int(np.argmax(err))
    claim = act.max_ulp["float32"]
    assert err[worst] <= claim + SLACK, f"{act.name}: {err[worst]:.4f} ULP at x={x[worst]!r} (claim {claim})"
