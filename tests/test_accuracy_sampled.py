"""float32 and float64: correctly rounded on samples spread over all exponents,
dense around each function's knees, and at the edges of the float range."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ELEMENTWISE, assert_accurate

from analysis.oracle import hard_inputs
from analysis.references import correctly_rounded

CASES = [(a, p) for a in ELEMENTWISE for p in a.example_params()]


@pytest.mark.parametrize("dtype,n", [("float32", 4000), ("float64", 2000)])
@pytest.mark.parametrize("act,params", CASES, ids=[f"{a.name}{list(p) if p else ''}" for a, p in CASES])
def test_within_claim_on_samples(act, params, dtype, n):
    assert_accurate(act, hard_inputs(act, n, dtype), params, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_knees_do_not_cancel(dtype):
    """The naive x/6 + 0.5 and 0.2x + 0.5 lose millions of ULP next to -3 and -2.5;
    the exact tests above would catch it, this one states it with the numbers."""
    import fastact

    dt = np.dtype(dtype)
    x = np.nextafter(dt.type(-3), dt.type(0))  # the float just above -3
    naive = x / dt.type(6) + dt.type(0.5)
    exact = correctly_rounded(__import__("fastact.registry").registry.get("hard_sigmoid6"), np.array([x]))[0]
    assert fastact.hard_sigmoid6(x) == exact
    assert naive != exact  # the cancellation we avoid is real
