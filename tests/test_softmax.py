"""softmax / log_softmax: generalized ufuncs (n)->(n) along an axis."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROWWISE, rowwise, ufunc

from analysis.metrics import ulp_error
from analysis.references import hi_lo, mp_rows

TOL = {"float16": 0.51, "float32": 3.0, "float64": 4.0}  # max fractional ULP on random rows


@rowwise
def test_signature_and_default_axis(act):
    f = ufunc(act)
    assert f.signature == "(n)->(n)"
    x = np.random.default_rng(1).normal(size=(3, 5, 7))
    y = f(x)
    assert y.shape == x.shape
    for ax in (0, 1, -1):
        moved = np.moveaxis(f(np.moveaxis(x, ax, -1)), -1, ax)
        assert np.array_equal(f(x, axis=ax), moved)


def test_softmax_rows_sum_to_one_and_match_scipy():
    sp = pytest.importorskip("scipy.special")
    import fastact

    x = np.random.default_rng(2).normal(size=(64, 129)) * 10
    y = fastact.softmax(x)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(y, sp.softmax(x, axis=-1), rtol=1e-13, atol=0)
    np.testing.assert_allclose(fastact.log_softmax(x), sp.log_softmax(x, axis=-1), rtol=1e-13, atol=1e-13)


@rowwise
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_accuracy_against_mpmath(act, dtype):
    rng = np.random.default_rng(3)
    scale = 4.0 if dtype == "float16" else 30.0
    x = (rng.normal(size=(12, 40)) * scale).astype(dtype)
    got = ufunc(act)(x)
    assert got.dtype == np.dtype(dtype)
    ref = mp_rows(act, x)
    hi, lo = hi_lo([v for row in ref for v in row])
    err = ulp_error(got.ravel(), hi, lo, dtype)
    assert err.max() <= TOL[dtype], f"{act.name} {dtype}: max {err.max():.3f} ULP"


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_huge_inputs_do_not_overflow(dtype):
    import fastact

    big = np.finfo(dtype).max
    x = np.array([big, big, -big, 0], dtype=dtype)
    with np.errstate(over="ignore"):  # -big - big overflows: log_softmax there is -inf for real
        y = fastact.softmax(x)
        ly = fastact.log_softmax(x)
    assert np.array_equal(y, np.array([0.5, 0.5, 0, 0], dtype=dtype))
    assert ly[0] == ly[1] == np.array(-np.log(2), dtype) and np.isinf(ly[2]) and ly[2] < 0


def test_log_softmax_near_zero_keeps_digits():
    """One dominant entry: log_softmax = -log1p(exp(-30)) = -9.3576e-14, not 0 or a rounded log(1 + tiny)."""
    import fastact

    for dt in ("float32", "float64"):
        y = fastact.log_softmax(np.array([0.0, -30.0], dtype=dt))
        want = -np.log1p(np.exp(-30.0))
        assert abs(float(y[0]) / want - 1) < 4 * np.finfo(dt).eps


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_documented_special_rows(dtype):
    import fastact

    inf, nan = np.inf, np.nan
    x = np.array(
        [[1, inf, 0], [-inf, -inf, -inf], [nan, 1, 2], [-inf, 0, 0], [1, 1, 1]],
        dtype=dtype,
    )
    y = fastact.softmax(x)
    ly = fastact.log_softmax(x)
    assert np.all(np.isnan(y[:3])) and np.all(np.isnan(ly[:3]))
    assert np.array_equal(y[3], np.array([0, 0.5, 0.5], dtype))
    assert ly[3, 0] == -inf and ly[3, 1] == ly[3, 2] == np.array(-np.log(2), dtype)
    assert np.allclose(y[4].astype(float), 1 / 3, rtol=1e-3)


@rowwise
def test_empty_and_strided(act):
    f = ufunc(act)
    assert f(np.empty((3, 0))).shape == (3, 0)
    x = np.random.default_rng(4).normal(size=(6, 20)).astype(np.float32)

    def close(a, b):  # strided rows are summed in another order than contiguous (vectorized) ones
        return np.all(np.abs(a - b) <= 2 * np.spacing(np.abs(b)))

    assert close(f(x[:, ::-2]), f(np.ascontiguousarray(x[:, ::-2])))
    assert close(f(x[::2].T, axis=0), f(np.ascontiguousarray(x[::2]), axis=1).T)
    out = np.empty((20, 6), np.float32)
    f(x, out=out.T)
    assert close(out.T, f(x))


def test_rowwise_registry_entries_are_tested():
    assert {a.name for a in ROWWISE} == {"softmax", "log_softmax"}
