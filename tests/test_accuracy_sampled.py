"""float32 and float64: correctly rounded on samples spread over all exponents,
dense around each function's knees, and at the edges of the float range."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ELEMENTWISE, assert_accurate

from analysis.references import correctly_rounded

CASES = [(a, p) for a in ELEMENTWISE for p in a.example_params()]


def samples(act, dtype, n: int, seed: int = 0) -> np.ndarray:
    """Random bit patterns (every exponent equally likely), +-domain uniform, and
    +-300 ulps around each knee."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    ity = {4: np.uint32, 8: np.uint64}[dt.itemsize]
    bits = rng.integers(0, np.iinfo(ity).max, size=n, dtype=ity, endpoint=True).view(dt)
    bits = bits[np.isfinite(bits)]
    lo, hi = act.domain
    uni = rng.uniform(lo, hi, size=n).astype(dt)
    near = []
    for k in act.knees:
        c = dt.type(k)
        steps = np.arange(-300, 301)
        if k == 0:
            near.append(np.concatenate([np.finfo(dt).smallest_subnormal * steps, np.finfo(dt).tiny * steps]).astype(dt))
        else:
            grid = np.array([c], dt).view(ity).astype(np.int64) + steps
            near.append(grid.astype(ity).view(dt))
    edges = np.array([np.finfo(dt).max, -np.finfo(dt).max, np.finfo(dt).tiny, -np.finfo(dt).tiny], dtype=dt)
    return np.concatenate([bits, uni, edges, *near]).astype(dt)


@pytest.mark.parametrize("dtype,n", [("float32", 4000), ("float64", 2000)])
@pytest.mark.parametrize("act,params", CASES, ids=[f"{a.name}{list(p) if p else ''}" for a, p in CASES])
def test_within_claim_on_samples(act, params, dtype, n):
    assert_accurate(act, samples(act, dtype, n), params, dtype)


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
