"""Exhaustive float16: every one of the 65536 inputs is correctly rounded.

The reference is the registry's mpmath definition, rounded once to float16
(``analysis.references.round_exact``).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ELEMENTWISE, all_float16, ufunc

from analysis.references import mp_values, round_exact

CASES = [(a, p) for a in ELEMENTWISE for p in a.example_params()]


@pytest.mark.parametrize("act,params", CASES, ids=[f"{a.name}{list(p) if p else ''}" for a, p in CASES])
def test_float16_exhaustive_correctly_rounded(act, params):
    x = all_float16()
    ps = [np.float16(p) for p in params]
    got = ufunc(act)(x, *ps)
    assert got.dtype == np.float16
    want = round_exact(mp_values(act, x, *[np.float64(p) for p in ps]), np.float16)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), f"{act.name}: NaN where the reference is not, or vice versa"
    bad = np.flatnonzero(~nan & (got != want))
    assert bad.size == 0, (
        f"{act.name}{params}: {bad.size} of 65536 float16 inputs not correctly rounded, e.g. "
        + ", ".join(f"x={x[i]!r}: got {got[i]!r} want {want[i]!r}" for i in bad[:5])
    )
