"""softmax / log_softmax: row functions around generalized ufuncs (n)->(n) along an axis."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROWWISE, rowwise, ufunc

import fastact
from fastact.analysis.metrics import ulp_error
from fastact.analysis.references import hi_lo, mp_rows
from fastact.analysis.rows import row_reference
from fastact.registry import get

LAYOUT_LENGTHS = (1, 7, 2048, 2049, 5000)  # one element, short, one block, a block and one, several


@rowwise
def test_signature_and_default_axis(act):
    f = ufunc(act)
    assert f.signature == "(n)->(n)" and f.ufunc.signature == "(n)->(n)"
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
    assert err.max() <= act.max_ulp[dtype], f"{act.name} {dtype}: max {err.max():.3f} ULP"


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


TINY_TERMS = {
    "float16": (12.0, 20.0),
    "float32": (20.0, 90.0, 95.0, 100.0, 102.0, 110.0),
    "float64": (30.0, 50.0, 600.0, 708.0, 720.0, 744.0, 750.0, 760.0),
}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("n", [10, 10**5])
def test_log_softmax_next_to_zero_from_many_tiny_terms(dtype, n):
    """One maximum and n - 1 entries d below it: log_softmax at the max is -log1p((n - 1) e^-d),
    tiny, so the sum of the terms needs its own relative precision.  Float32 terms e^-d are
    subnormal from d = 87.3 on, each off by up to 2^-150 (float32 log_softmax: 45000 ULP at
    d = 100, n = 1e5); float64 terms below 2^-41 were summed with rounding (58 ULP at d = 600,
    n = 1e6; 16 at d = 50, n = 1e5) and are subnormal from d = 708 on (45000 ULP at d = 744)."""
    claim = get("log_softmax").max_ulp[dtype]
    for d in TINY_TERMS[dtype]:
        x = np.full(n, -d, dtype)
        x[n // 2] = 0
        hi, lo = row_reference(x, log=True)
        for mask in (None, np.arange(n) != 1):
            y = fastact.log_softmax(x) if mask is None else fastact.log_softmax(x, where=mask)
            want_hi, want_lo = (hi, lo) if mask is None else row_reference(x[mask], log=True)
            err = ulp_error(y if mask is None else y[mask], want_hi, want_lo, dtype)
            assert err.max() <= claim, f"d={d}{'' if mask is None else ' masked'}: {err.max():.1f} ULP"


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


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_with_the_sign_bit_set_makes_the_row_nan(dtype):
    """The max pass finds a NaN whose sign bit is clear; one with it set (the key order puts
    it below -inf) reaches every output through its term in the sum: short and multi-block
    rows, anywhere in the row, masked or not; the all-ones NaN's key is the masked max's start value."""
    itype = {"float16": np.uint16, "float32": np.uint32, "float64": np.uint64}[dtype]
    neg_nans = [-np.abs(np.array(np.nan, dtype)), np.array(np.iinfo(itype).max, itype).view(dtype)]
    for f in (fastact.softmax, fastact.log_softmax):
        for nan in neg_nans:
            assert np.signbit(nan) and np.isnan(nan)
            for n, at in ((4, 1), (5000, 4999), (5000, 0)):
                x = np.linspace(-3, 3, n).astype(dtype)
                x[at] = nan
                assert np.isnan(f(x)).all(), (f.__name__, n, at)
                mask = np.arange(n) % 2 == at % 2  # the NaN takes part
                assert np.isnan(f(x, where=mask)).all(), (f.__name__, n, at, "masked")
                assert not np.isnan(f(x, where=~mask)).any(), (f.__name__, n, at, "NaN masked off")
            assert np.isnan(f(np.array([nan, nan]), where=np.array([True, False]))).all()


@rowwise
def test_empty(act):
    f = ufunc(act)
    assert f(np.empty((3, 0))).shape == (3, 0)
    assert f(np.empty((0, 4)), axis=None).shape == (0, 4)


ROW_FUNCTIONS = [("softmax", False), ("log_softmax", False), ("softmax", True), ("log_softmax", True)]


def _row_function(name: str, vjp: bool):
    """(f, inputs for a row array x): the function, or its VJP fed (f(x), dy)."""
    f = getattr(fastact.grad if vjp else fastact, name)
    fwd = getattr(fastact, name)
    if vjp:
        return f, lambda x: (fwd(x), np.cos(np.arange(x.size, dtype=np.float64)).reshape(x.shape).astype(x.dtype))
    return f, lambda x: (x,)


@pytest.mark.parametrize(("name", "vjp"), ROW_FUNCTIONS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_same_bits_in_every_layout(name, vjp, dtype):
    """A row's bits do not depend on its strides, the output's strides, the axis it lies on,
    the array's order, or on being computed in place."""
    f, inputs = _row_function(name, vjp)
    rng = np.random.default_rng(5)
    for n in LAYOUT_LENGTHS:
        x = (rng.standard_normal((3, n)) * 12).astype(dtype)
        args = inputs(x)
        want = f(*args)  # contiguous rows, contiguous output
        bits = want.view(np.uint8)

        def same(got, want_bits=bits):
            return np.array_equal(np.ascontiguousarray(got).view(np.uint8), want_bits)

        assert same(f(*[np.asfortranarray(a) for a in args])), (n, "Fortran order")
        assert same(f(*[a.T.copy() for a in args], axis=0).T), (n, "axis=0")
        assert same(f(*[np.moveaxis(np.stack([a, a]), 0, -1) for a in args], axis=1)[..., 1]), (n, "axis 1 of 3")
        wide = [np.zeros((3, 2 * n), dtype) for _ in args]
        for w, a in zip(wide, args, strict=True):
            w[:, ::2] = a
        assert same(f(*[w[:, ::2] for w in wide])), (n, "strided input")
        rev = [np.ascontiguousarray(a[:, ::-1])[:, ::-1] for a in args]
        assert same(f(*rev)), (n, "negative strides")
        out = np.empty((3, 2 * n), dtype)[:, ::2]
        f(*args, out=out)
        assert same(out), (n, "strided out=")
        out_t = np.empty((n, 3), dtype).T
        f(*args, out=out_t)
        assert same(out_t), (n, "transposed out=")
        inplace = args[-1].copy()
        f(*args[:-1], inplace, out=inplace)
        assert same(inplace), (n, "in place")
        assert same(
            f(*args, axis=None)
            if x.shape[0] == 1
            else np.concatenate([f(*[a[r] for a in args]) for r in range(3)]).reshape(3, n)
        ), (n, "rows one by one")


@rowwise
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("n", [1, 2**10, 2**20])
def test_long_rows_keep_the_claim(act, dtype, n):
    """Accuracy does not grow with the row length: rows of 1, 2^10 and 2^20 elements,
    contiguous and strided (every other element, strided out=), against the extended-precision
    reference (checked against mpmath below)."""
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 3).astype(dtype)
    f = ufunc(act)
    hi, lo = row_reference(x, log=act.name == "log_softmax")
    got = f(x)
    buf = np.zeros(2 * n, dtype)
    buf[::2] = x
    out = np.empty(2 * n, dtype)[::2]
    f(buf[::2], out=out)
    for y in (got, out):
        err = ulp_error(y, hi, lo, dtype)
        assert err.max() <= act.max_ulp[dtype], f"{act.name} {dtype} n={n}: {err.max():.3f} ULP"


@pytest.mark.slow
@rowwise
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rows_of_2_to_the_25_keep_the_claim(act, dtype):
    n = 2**25
    x = (np.random.default_rng(25).standard_normal(n) * 3).astype(dtype)
    hi, lo = row_reference(x, log=act.name == "log_softmax")
    buf = np.zeros(2 * n, dtype)
    buf[::2] = x
    for y in (ufunc(act)(x), ufunc(act)(buf[::2])):
        err = ulp_error(y, hi, lo, dtype)
        assert err.max() <= act.max_ulp[dtype], f"{act.name} {dtype} n=2^25: {err.max():.3f} ULP"


def test_extended_reference_agrees_with_mpmath():
    x = np.random.default_rng(6).standard_normal((2, 1024)) * 30
    for act in ROWWISE:
        hi, lo = row_reference(x, log=act.name == "log_softmax")
        ref = mp_rows(act, x)
        mhi, mlo = hi_lo([v for row in ref for v in row])
        rel = np.abs((hi.ravel() - mhi) + (lo.ravel() - mlo)) / np.abs(mhi)
        assert rel.max() < 2.0**-57, act.name


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_more_than_2_to_the_24_maxima(dtype):
    """The count of maxima is an integer: a float32 count stopped at 2^24 (log_softmax gave
    -log 2^24 = -16.6355 on 2^24 + 2^21 zeros)."""
    n = 2**24 + 2**21
    x = np.zeros(n, dtype)
    want = -np.log(np.float64(n))
    assert fastact.log_softmax(x)[0] == np.array(want, dtype)
    assert fastact.softmax(x)[-1] == np.array(1 / n, dtype)


@pytest.mark.slow
def test_long_strided_row_of_zeros():
    """30 million equal values on a strided row: each log_softmax is -log n (a float32 running
    sum stalls at 2^24)."""
    x = np.zeros(60_000_000, np.float32)[::2]
    assert fastact.log_softmax(x)[0] == np.float32(-np.log(30_000_000.0))


# ------------------------------------------------------------------ axis None / tuples / 0-d


@rowwise
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_axis_tuple_and_none_normalise_over_the_axes_together(act, dtype):
    f = ufunc(act)
    x = (np.random.default_rng(7).standard_normal((3, 4, 5)) * 4).astype(dtype)
    # a tuple: the rows of the merged axes, in their C order, bit for bit
    want = f(x.reshape(3, 20)).reshape(3, 4, 5)
    assert np.array_equal(f(x, axis=(1, 2)), want)
    assert np.array_equal(f(x, axis=(2, 1)), want)  # the tuple's order does not matter
    assert np.array_equal(f(x, axis=(-1, -2)), want)
    assert np.array_equal(f(np.asfortranarray(x), axis=(1, 2)), want)  # nor the memory order
    want02 = np.moveaxis(f(np.moveaxis(x, 1, 0).reshape(4, 15)).reshape(4, 3, 5), 0, 1)
    assert np.array_equal(f(x, axis=(0, 2)), want02)
    # None: all axes (SciPy's default)
    assert np.array_equal(f(x, axis=None), f(x.ravel()).reshape(x.shape))
    assert np.array_equal(f(np.asfortranarray(x), axis=None), f(x.ravel()).reshape(x.shape))
    assert f(x, axis=None).dtype == np.dtype(dtype)
    if act.name == "softmax":
        assert abs(float(f(x, axis=None).astype(np.float64).sum()) - 1) < 60 * float(np.finfo(dtype).eps)
    # one-element tuples are the int axis
    assert np.array_equal(f(x, axis=(1,)), f(x, axis=1))


@rowwise
def test_axis_tuple_accuracy_matches_the_single_axis_claim(act):
    x = np.random.default_rng(8).standard_normal((2, 16, 32)) * 12
    got = ufunc(act)(x, axis=(1, 2)).reshape(2, -1)
    hi, lo = hi_lo([v for row in mp_rows(act, x.reshape(2, -1)) for v in row])
    assert ulp_error(got.ravel(), hi, lo, "float64").max() <= act.max_ulp["float64"]


@rowwise
def test_axis_tuple_with_out(act):
    f = ufunc(act)
    x = np.random.default_rng(9).standard_normal((3, 4, 5)).astype(np.float32)
    out = np.empty((3, 4, 5), np.float32)
    assert f(x, axis=(0, 2), out=out) is out
    assert np.array_equal(out, f(x, axis=(0, 2)))
    out_t = np.empty((5, 4, 3), np.float32).T  # no view of it merges the axes: computed, then copied
    assert f(x, axis=(0, 2), out=out_t) is out_t
    assert np.array_equal(out_t, out)
    out0 = np.empty((), np.float64)
    assert f(np.float64(3.0), out=out0) is out0 and out0 == (1.0 if act.name == "softmax" else 0.0)


@rowwise
def test_zero_d_input_is_a_row_of_one(act):
    f = ufunc(act)
    one = 1.0 if act.name == "softmax" else 0.0
    for x in (1000, np.float64(1000), np.float32(-3.5), np.array(2.0, np.float16)):
        for kw in ({}, {"axis": None}, {"axis": 0}, {"axis": -1}, {"axis": ()}):
            y = f(x, **kw)
            assert np.ndim(y) == 0 and y == one, (x, kw)
    assert f(np.float32(1)).dtype == np.float32 and f(np.array(1.0, np.float16)).dtype == np.float16
    assert np.isnan(f(np.nan)) and np.isnan(f(np.inf))


@rowwise
def test_bad_axes_name_the_function(act):
    f = ufunc(act)
    x = np.zeros((2, 3))
    with pytest.raises(np.exceptions.AxisError, match=f"^{act.name}: .*axis 2 is out of bounds"):
        f(x, axis=2)
    with pytest.raises(np.exceptions.AxisError, match=f"^{act.name}: "):
        f(x, axis=(0, -3))
    with pytest.raises(ValueError, match=f"^{act.name}: axis .*repeated"):
        f(x, axis=(1, -1))
    with pytest.raises(TypeError, match=f"^{act.name}: axis must be"):
        f(x, axis=1.5)
    with pytest.raises(TypeError, match=f"^{act.name}: axis must be"):
        f(x, axis=True)
    with pytest.raises(TypeError, match=f"^{act.name}\\(\\) takes 1"):
        f(x, x)


# ------------------------------------------------------------------ masks (where=)


def _masked_reference(act, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each row's unmasked entries through the mpmath reference; masked entries 0 / -inf."""
    fill = 0.0 if act.name == "softmax" else -np.inf
    out = np.full(x.shape, fill)
    for r in range(x.shape[0]):
        keep = mask[r]
        if keep.any():
            out[r, keep] = [float(v) for v in mp_rows(act, x[r, keep][None])[0]]
    return out


@rowwise
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_where_mask_excludes_entries(act, dtype):
    rng = np.random.default_rng(10)
    x = (rng.standard_normal((6, 33)) * 8).astype(dtype)
    mask = rng.random((6, 33)) < 0.5
    mask[0] = False  # a fully masked row: 0 (log_softmax -inf), as Keras and JAX
    mask[1] = True
    x[2, ~mask[2]] = np.nan  # masked entries take no part, NaN or inf included
    x[3, ~mask[3]] = np.inf
    f = ufunc(act)
    got = f(x, where=mask)
    assert got.dtype == np.dtype(dtype)
    want = _masked_reference(act, x.astype(np.float64), mask)
    fill = 0.0 if act.name == "softmax" else -np.inf
    assert np.all(got[~mask] == fill)
    assert np.all(got[0] == fill)
    hi = want[mask]
    err = (
        ulp_error(got[mask], hi, None, dtype) if dtype == "float32" else np.abs(got[mask] - hi) / np.spacing(np.abs(hi))
    )
    assert err.max() <= act.max_ulp[dtype] + 0.01, err.max()
    assert np.array_equal(got[1], f(x[1]))  # an all-True mask is the unmasked function, bit for bit
    # the mask broadcasts (one mask for every row), and works with axis None / tuples
    m1 = mask[4]
    assert np.array_equal(f(x, where=m1), f(x, where=np.broadcast_to(m1, x.shape)), equal_nan=True)
    x3 = x[1:5].reshape(2, 2, 33)
    m3 = mask[1:5].reshape(2, 2, 33)
    assert np.array_equal(f(x3, axis=(1, 2), where=m3), f(x3.reshape(2, 66), where=m3.reshape(2, 66)).reshape(x3.shape))
    assert np.array_equal(f(x3, axis=None, where=m3), f(x3.ravel(), where=m3.ravel()).reshape(x3.shape))
    # the same bits in every layout, masked too
    assert np.array_equal(f(x.T, axis=0, where=mask.T).T, got, equal_nan=True)


@rowwise
def test_where_mask_matches_torch_masked_fill(act):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 50)) * 5
    mask = rng.random((4, 50)) < 0.6
    fwd = torch.softmax if act.name == "softmax" else torch.log_softmax
    want = fwd(torch.tensor(x).masked_fill(torch.tensor(~mask), -np.inf), dim=-1).numpy()
    np.testing.assert_allclose(ufunc(act)(x, where=mask), want, rtol=1e-14, atol=0)


@rowwise
def test_bad_masks_name_the_function(act):
    f = ufunc(act)
    with pytest.raises(ValueError, match=f"^{act.name}: the where= mask of shape \\(4,\\) does not broadcast"):
        f(np.zeros((2, 3)), where=np.ones(4, bool))
    with pytest.raises(ValueError, match="does not broadcast"):
        f(np.zeros(3), where=np.ones((2, 3), bool))  # a mask may not enlarge the input


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_honours_the_mask(name, dtype):
    """The VJP of the masked function: masked entries get 0 and take no part in the sum;
    it equals the VJP of each row's unmasked entries alone."""
    rng = np.random.default_rng(12)
    x = (rng.standard_normal((5, 17)) * 3).astype(dtype)
    dy = rng.standard_normal((5, 17)).astype(dtype)
    mask = rng.random((5, 17)) < 0.5
    mask[0] = False
    mask[1] = True
    dy[2, ~mask[2]] = np.nan  # upstream gradients of masked entries take no part
    fwd = getattr(fastact, name)
    g = getattr(fastact.grad, name)
    y = fwd(x, where=mask)
    got = g(y, dy, where=mask)
    assert got.dtype == np.dtype(dtype)
    assert np.all(got[~mask] == 0) and np.all(got[0] == 0)
    for r in range(1, 5):
        keep = mask[r]
        want = g(fwd(x[r, keep]), dy[r, keep])
        np.testing.assert_allclose(got[r, keep], want, rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)
    assert np.array_equal(g(y.T, dy.T, axis=0, where=mask.T).T, got)


def test_dask_axis_none_tuple_and_mask():
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(13).standard_normal((8, 6, 5)).astype(np.float32)
    mask = x > -0.5
    d = da.from_array(x, chunks=(2, 6, 5))
    for kw in (
        {"axis": (1, 2)},
        {"axis": -1, "where": mask},
        {"axis": (1, 2), "where": da.from_array(mask, chunks=(2, 6, 5))},
    ):
        lazy = fastact.softmax(d, **kw)
        assert isinstance(lazy, da.Array), kw
        assert np.array_equal(
            lazy.compute(), fastact.softmax(x, **kw if "where" not in kw else {**kw, "where": mask})
        ), kw
    with pytest.raises(ValueError, match=r"^softmax: axis 0 of the Array is split over 4 chunks; .*rechunk"):
        fastact.softmax(d, axis=None)
    assert np.array_equal(fastact.softmax(d.rechunk({0: -1}), axis=None).compute(), fastact.softmax(x, axis=None))


def test_rowwise_registry_entries_are_tested():
    assert {a.name for a in ROWWISE} == {"softmax", "log_softmax"}
