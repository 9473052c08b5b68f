"""float32 and float64: correctly rounded on samples spread over all exponents,
dense around each function's knees, and at the edges of the float range."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ELEMENTWISE, assert_accurate

from fastact.analysis.oracle import hard_inputs
from fastact.analysis.references import correctly_rounded

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


@pytest.mark.parametrize("name,c,d", [("hard_sigmoid6", 3.0, 6.0), ("hard_sigmoid", 2.5, 5.0)])
def test_float32_clip_quotients_bit_exact_with_ties(name, c, d):
    """The float32-arithmetic kernels of (x + c)/d against the float64 division rounded
    to float32 (one correct rounding: the quotient of a short dyadic number by 5 or 6 is
    never within 2^-52 of a float32 midpoint unless it is one), on every float32 of
    [1, 2) and of [-2.5, -2) and 2^20 random ones in (-c, c): the samples hold exact
    midpoints, which must round to even (they would not with q + r * (1/d))."""
    import fastact

    rng = np.random.default_rng(7)
    lo1, hi1 = np.float32(1.0).view(np.uint32), np.float32(2.0).view(np.uint32)
    lo2, hi2 = np.float32(-2.0).view(np.uint32), np.float32(-2.5).view(np.uint32)
    x = np.concatenate(
        [
            np.arange(lo1, hi1, dtype=np.uint32).view(np.float32),
            np.arange(lo2, hi2, dtype=np.uint32).view(np.float32),
            rng.uniform(-c, c, 1 << 20).astype(np.float32),
        ]
    )
    q = (x.astype(np.float64) + c) / d
    want = q.astype(np.float32)
    up = np.nextafter(want, np.float32(np.inf)).astype(np.float64)
    down = np.nextafter(want, np.float32(-np.inf)).astype(np.float64)
    w = want.astype(np.float64)
    ties = (q - w == (up - w) / 2) | (w - q == (w - down) / 2)
    assert ties.sum() > 1000  # the sample reaches the hard cases
    got = getattr(fastact, name)(x)
    assert got.dtype == np.float32
    bad = np.flatnonzero(got.view(np.uint32) != want.view(np.uint32))
    assert bad.size == 0, f"{name}: {bad.size} differ, e.g. x={x[bad[:3]]} got {got[bad[:3]]} want {want[bad[:3]]}"
