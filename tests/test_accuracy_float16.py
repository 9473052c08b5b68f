"""Exhaustive float16: every one of the 65536 inputs is correctly rounded.

The reference is the registry's mpmath definition, rounded once to float16
(``analysis.references.round_exact``).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from conftest import ELEMENTWISE, all_float16, assert_every_input_correctly_rounded, ufunc

from fastact.analysis.references import mp_values, round_exact

CASES = [(a, p) for a in ELEMENTWISE for p in a.example_params()]


@pytest.mark.parametrize("act,params", CASES, ids=[f"{a.name}{list(p) if p else ''}" for a, p in CASES])
def test_float16_exhaustive_correctly_rounded(act, params):
    x = all_float16()
    ps = [np.float16(p) for p in params]
    got = ufunc(act)(x, *ps)
    assert got.dtype == np.float16
    exact = mp_values(act, x, *[np.float64(p) for p in ps])
    want = round_exact(exact, np.float16)
    assert_every_input_correctly_rounded(f"{act.name}{params} float16", x, got, want)
    # a nonzero exact value that rounds to zero rounds to the zero of its sign, in float16 and in
    # float32 (on the same finite inputs; +-inf follow the documented rules): x e^x in the tails,
    # log_sigmoid's -log1p(e^-x) for large x
    nonzero = np.array([bool(v != 0) and not mpmath.isnan(v) for v in exact])
    negative = np.array([bool(v < 0) for v in exact])
    got32 = ufunc(act)(x.astype(np.float32), *[np.float32(p) for p in ps])
    for name, y in (("float16", got), ("float32", got32)):
        wrong = np.flatnonzero(np.isfinite(x) & nonzero & (y == 0) & (np.signbit(y) != negative))
        assert wrong.size == 0, f"{act.name}{params} {name}: zero of the wrong sign at x = {x[wrong[:5]]}"
