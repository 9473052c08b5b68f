"""fastact.fast: every name of fastact, the exact ufunc itself or a faster kernel within its claim."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import all_float16, assert_accurate, same_bits, ufunc

import fastact
from fastact import fast
from fastact.analysis.oracle import hard_inputs
from fastact.registry import FAST, FAST_BY_NAME, FAST_ULP, NAMES, get

CASES = [(f, p) for f in FAST for p in f.example_params()]
CASE_IDS = [f"{f.name}{list(p) if p else ''}" for f, p in CASES]
by_case = pytest.mark.parametrize("f,params", CASES, ids=CASE_IDS)


def test_every_name_is_there_and_the_rest_is_the_exact_ufunc():
    assert set(fast.__all__) == set(NAMES) and set(NAMES) <= set(dir(fast))
    for name in NAMES:
        if name in FAST_BY_NAME:
            assert getattr(fast, name) is not getattr(fastact, name), name
        else:
            assert getattr(fast, name) is getattr(fastact, name), name


@pytest.mark.parametrize("f", FAST, ids=lambda f: f.name)
def test_a_real_ufunc_with_the_same_interface(f):
    uf, exact = ufunc(f), getattr(fastact, f.name)
    assert isinstance(uf, np.ufunc) and uf.__name__ == f"fast.{f.name}"
    assert uf.types == exact.types and uf.nin == exact.nin
    assert pickle.loads(pickle.dumps(uf)) is uf
    assert f.reference is get(f.name).reference and f.special == get(f.name).special
    assert all(f.max_ulp[d] <= FAST_ULP[d] for d in FAST_ULP), "claims within the tier's ceiling"
    for dtype in ("float16", "float32", "float64"):
        x = np.linspace(-3, 3, 7).astype(dtype)
        ps = [np.asarray(p, dtype) for p in f.example_params()[0]]
        assert uf(x, *ps).dtype == np.dtype(dtype)


@by_case
def test_float16_all_inputs_within_claim(f, params):
    from fastact.analysis.metrics import ulp_error
    from fastact.analysis.references import hi_lo, mp_values

    x = all_float16()
    ps = [np.float16(p) for p in params]
    got = ufunc(f)(x, *ps)
    hi, lo = hi_lo(mp_values(f, x, *[np.float64(p) for p in ps]))
    err = ulp_error(got.astype(np.float64), hi, lo, np.float16)
    worst = int(np.nanargmax(err))
    assert err[worst] <= f.max_ulp["float16"], f"{f.name}: {err[worst]:.4f} ULP at x={x[worst]!r}"


@pytest.mark.parametrize("dtype,n", [("float32", 4000), ("float64", 2000)])
@by_case
def test_within_claim_on_samples(f, params, dtype, n):
    assert_accurate(f, hard_inputs(f, n, dtype), params, dtype)


@by_case
def test_special_values_are_the_exact_functions(f, params):
    """At NaN, +-inf, +-0, subnormals and the largest values: where the input is not finite or
    the exact function gives NaN, +-inf or a zero, the fast one gives the same bits (the sign of
    zero included): the documented special values are shared.  Elsewhere it is within claim."""
    for dtype in (np.float16, np.float32, np.float64):
        info = np.finfo(dtype)
        tiny = info.smallest_subnormal
        v = [np.nan, np.inf, -np.inf, 0.0, -0.0, tiny, -tiny, info.tiny, -info.tiny, info.max, -info.max]
        x = np.array(v, dtype=dtype)
        ps = [np.asarray(p, dtype) for p in params]
        want = getattr(fastact, f.name)(x, *ps)
        got = ufunc(f)(x, *ps)
        special = ~np.isfinite(x) | ~np.isfinite(want) | (want == 0)
        bad = special & ~same_bits(got, want)
        assert not bad.any(), f"{f.name} {dtype.__name__}: x={x[bad]} got {got[bad]} want {want[bad]}"
        assert_accurate(f, x[~special], params, dtype)
