"""bfloat16 softmax / log_softmax rows (their own kernels, ``softmax._make_row_bf16``).

The kernels compute in float32 and round once from float32, so every check here is in
bfloat16 ULP (JAX's definition, ``analysis.metrics.ulp_error``) against the extended-precision
row reference (``analysis.rows.row_reference``, checked against mpmath in test_softmax.py).
The kernels' budget is a few float32 ulps, 0.5 + ~2^-14 bfloat16 ULP; the tests hold
0.5 + 2^-10 (64 float32 ulps), tighter than the registry's 0.51, on: long rows (one block,
a work row, and past ``ROW_KEEP``, where the terms are computed twice), spreads that take
softmax into bfloat16's subnormals and to 0, log_softmax next to 0 with a sum of many
float32-subnormal terms, and masked rows.  Special rows follow the float32 rows' rules.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastact
from fastact import _loops, threads
from fastact.analysis.metrics import ulp_error
from fastact.analysis.rows import row_reference

ml_dtypes = pytest.importorskip("ml_dtypes")
BF = np.dtype(ml_dtypes.bfloat16)
TOL = 0.5 + 2.0**-10
FUNCTIONS = ("softmax", "log_softmax")
functions = pytest.mark.parametrize("name", FUNCTIONS)


def _bf(x) -> np.ndarray:
    return np.asarray(x, np.float64).astype(BF)


def _reference(x: np.ndarray, log: bool, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) of the row function of the 2-d bfloat16 array ``x`` along its rows; with a mask,
    of each row's unmasked entries (masked entries: 0, log_softmax -inf)."""
    x64 = np.atleast_2d(np.asarray(x, np.float64))
    if mask is None:
        return row_reference(x64, log=log)
    hi = np.full(x64.shape, -np.inf if log else 0.0)
    lo = np.zeros(x64.shape)
    for r in range(x64.shape[0]):
        keep = np.atleast_2d(mask)[r]
        if keep.any():
            hi[r, keep], lo[r, keep] = (a[0] for a in row_reference(x64[r, keep][None], log=log))
    return hi, lo


def _max_ulp(y: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> float:
    return float(ulp_error(np.asarray(y, np.float64).ravel(), hi.ravel(), lo.ravel(), "bfloat16").max())


def _check(name: str, x: np.ndarray, label: str, mask: np.ndarray | None = None) -> np.ndarray:
    f = getattr(fastact, name)
    y = f(x) if mask is None else f(x, where=mask)
    assert y.dtype == BF
    hi, lo = _reference(x, name == "log_softmax", mask)
    err = _max_ulp(y, hi, lo)
    assert err <= TOL, f"{name} {label}: {err:.5f} bfloat16 ULP"
    return y


@functions
@pytest.mark.parametrize("n", [1, 7, 2048, 2049, 5000, 2**20, _loops.ROW_KEEP + 1])
def test_long_rows(name, n):
    """One block, a block and one, a work row of 2^20, and a row past ROW_KEEP (terms computed
    again in the output pass): contiguous and strided (every other element, strided out=)."""
    x = _bf(np.random.default_rng(n).standard_normal(n) * 3)
    f = getattr(fastact, name)
    y = _check(name, x, f"n={n}")
    buf = np.zeros(2 * n, BF)
    buf[::2] = x
    out = np.empty(2 * n, BF)[::2]
    f(buf[::2], out=out)
    assert np.array_equal(out.view(np.uint16), y.view(np.uint16)), f"{name} n={n}: strided bits differ"


@pytest.mark.slow
@functions
def test_rows_of_ten_million(name):
    n = 10**7
    _check(name, _bf(np.random.default_rng(7).standard_normal(n) * 3), "n=1e7")


def _spread_rows() -> np.ndarray:
    """Rows whose softmax runs from 1 through bfloat16's subnormals (below e^-87.3) to 0 (below
    e^-92.9): differences 0..110 below the max, the max at 0 and off 0 (x - m then inexact in
    float32 where the exponents are far apart), shuffled."""
    rng = np.random.default_rng(11)
    d = np.linspace(0, 110, 3001)
    rows = []
    for m in (0.0, 37.25, -1000.0, 3.0e-5):
        for _ in range(2):
            rows.append(rng.permutation(m - d))
    return _bf(rows)


@functions
def test_huge_spreads_reach_the_subnormals_and_zero(name):
    x = _spread_rows()
    y = _check(name, x, "spread 0..110")
    if name == "softmax":
        v = np.abs(y.astype(np.float64))
        assert ((v > 0) & (v < 2.0**-126)).sum() > 100, "no subnormal outputs: the test lost its point"
        assert (v == 0).sum() > 100
    # the same rows, 4 times as long, through the work row
    _check(name, np.tile(x, 4), "spread 0..110, n = 12004")


@functions
def test_wide_random_rows(name):
    """normal * 30 (tests/test_softmax.py's float32 case) and * 60."""
    rng = np.random.default_rng(12)
    for scale in (30.0, 60.0):
        _check(name, _bf(rng.standard_normal((12, 300)) * scale), f"normal * {scale}")


@pytest.mark.parametrize("n", [2, 1000, 10**5, 10**6])
@pytest.mark.parametrize("d", [20.0, 87.0, 95.0, 100.0, 102.0])
def test_log_softmax_near_zero(n, d):
    """One maximum and n - 1 entries d below it: log_softmax at the max is -log1p((n - 1) e^-d),
    tiny.  Terms below 2^-126 are float32 subnormals, each off by up to 2^-150: summed a million
    times they made today's kernel 3-25 ULP off (d = 100..102); also two maxima."""
    x = np.full(n, -d)
    x[n // 3] = 0.0
    _check("log_softmax", _bf(x), f"n={n} d={d}")
    mask = np.arange(n) != 1
    x[1] = np.nan  # masked off
    _check("log_softmax", _bf(x), f"n={n} d={d}, masked", mask=mask)
    x[1] = -d
    x[-1] = 0.0  # two maxima: log 2 + tiny
    _check("log_softmax", _bf(x), f"n={n} d={d}, two maxima")


def test_log_softmax_next_to_zero_short_rows():
    """[0, -d] for every bfloat16 d in (0, 128]: -log1p(e^-d), from 0.69 down to below 2^-133."""
    d = np.arange(1, 0x4301, dtype=np.uint16).view(BF).astype(np.float64)  # bfloat16 patterns up to 128
    assert d[-1] == 128
    x = np.stack([np.zeros_like(d), -d], axis=1)
    _check("log_softmax", _bf(x), "[0, -d]")
    _check("softmax", _bf(x), "[0, -d]")


@functions
@pytest.mark.parametrize("n", [40, 5000])
def test_masked_rows(name, n):
    """Masked entries take no part (they hold NaN, +-inf and 1e30 here) and give 0 (-inf);
    rows of one block and of a work row; wide spreads; a fully masked row; a row whose
    unmasked entries are all -inf is NaN."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal((6, n)) * np.array([3, 3, 30, 30, 60, 60])[:, None]
    mask = rng.random(x.shape) > 0.4
    x[~mask] = np.resize([np.nan, np.inf, -np.inf, 1e30], (~mask).sum())
    mask[1] = False
    mask[1, 5] = True  # one entry left
    x[1, 5] = 0.5
    xb = _bf(x)
    y = _check(name, xb, f"masked n={n}", mask=mask)
    masked_value = -np.inf if name == "log_softmax" else 0.0
    assert np.array_equal(y.astype(np.float64)[~mask], np.full((~mask).sum(), masked_value))
    f = getattr(fastact, name)
    none = f(xb, where=np.zeros_like(mask)).astype(np.float64)
    assert np.array_equal(none, np.full(x.shape, masked_value)) and not np.signbit(none[none == 0]).any()
    ninf = xb.copy()
    ninf[:, ::2] = -np.inf
    assert np.isnan(f(ninf, where=np.arange(n) % 2 == 0).astype(np.float64)).all()


def _special_rows() -> np.ndarray:
    inf, nan = np.inf, np.nan
    return np.array(
        [
            [1, inf, 0, 2],
            [-inf, -inf, -inf, -inf],
            [nan, 1, 2, 3],
            [-inf, 0, 0, -inf],
            [1, 1, 1, 1],
            [3e38, 3e38, -3e38, 0],
            [-0.0, 0.0, -inf, -0.0],
            [5, -inf, 5, 1e-40],
        ]
    )


@functions
def test_special_rows_follow_the_float32_rules(name):
    """NaN, +-inf, -0.0, bfloat16's largest values and subnormals: NaN where the float32 rows are
    NaN, the same infinities and zeros (with their signs), the rest within the claim."""
    x = _special_rows()
    f = getattr(fastact, name)
    want = f(_bf(x).astype(np.float32)).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        got = f(_bf(x)).astype(np.float64)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    exact = ~nan & (np.isinf(want) | (want == 0))
    assert np.array_equal(got[exact], want[exact]) and np.array_equal(np.signbit(got[exact]), np.signbit(want[exact]))
    rest = ~nan & ~exact
    err = ulp_error(got[rest], want[rest], None, "bfloat16")  # float32 is 2^-16 ULP off at most
    assert err.max() <= TOL


@functions
def test_nan_with_the_sign_bit_set_makes_the_row_nan(name):
    """Its key sorts below -inf, so the max pass does not see it; its term must reach every output:
    short rows, work rows and rows past ROW_KEEP, masked or not; 0xffff is the masked max's start key."""
    f = getattr(fastact, name)
    for bits in (0xFFC0, 0xFFFF, 0xFF81):
        nan = np.array(bits, np.uint16).view(BF)
        for n, at in ((4, 1), (5000, 4999), (5000, 0), (_loops.ROW_KEEP + 3, 7)):
            x = _bf(np.linspace(-3, 3, n))
            x[at] = nan
            assert np.isnan(f(x).astype(np.float32)).all(), (name, hex(bits), n, at)
            mask = np.arange(n) % 2 == at % 2
            assert np.isnan(f(x, where=mask).astype(np.float32)).all(), (name, hex(bits), n, at, "masked")
            assert not np.isnan(f(x, where=~mask).astype(np.float32)).any(), (name, hex(bits), n, at, "masked off")


@functions
def test_same_bits_in_every_layout_and_on_threads(name):
    """Rows of one block, work rows and in place: the bits do not depend on strides or axis, and
    the threaded result is the one-thread result."""
    f = getattr(fastact, name)
    rng = np.random.default_rng(13)
    before = (threads.get_num_threads(), threads.threshold())
    launched = threads.launches()
    try:
        for n in (7, 2049, 5000):
            x = _bf(rng.standard_normal((max(9, 8192 // n), n)) * 12)
            mask = rng.random(x.shape) > 0.3
            want = f(x)
            bits = want.view(np.uint16)
            assert np.array_equal(f(x.T.copy(), axis=0).T.view(np.uint16), bits), (n, "axis=0")
            assert np.array_equal(np.asfortranarray(f(np.asfortranarray(x))).view(np.uint16), bits), (n, "F order")
            inplace = x.copy()
            f(inplace, out=inplace)
            assert np.array_equal(inplace.view(np.uint16), bits), (n, "in place")
            want_m = f(x, where=mask)
            threads.set_threshold(0)
            threads.set_num_threads(threads.max_threads())
            assert np.array_equal(f(x).view(np.uint16), bits), (n, "threads")
            assert np.array_equal(f(x, where=mask).view(np.uint16), want_m.view(np.uint16)), (n, "threads, masked")
            threads.set_num_threads(1)
            threads.set_threshold(before[1])
    finally:
        threads.set_num_threads(max(before[0], 1))
        threads.set_threshold(before[1])
    if threads.max_threads() > 1:
        assert threads.launches() > launched, "the threaded path never ran"


def test_registry_declares_the_bfloat16_kernels():
    from fastact.activations import softmax
    from fastact.registry import BF16, get

    for name in FUNCTIONS:
        act = get(name)
        assert act.kernels[BF16].fn is getattr(softmax, f"{name}_bf16")
        assert act.masked[BF16].fn is getattr(softmax, f"masked_{name}_bf16")
        assert act.kernels["float16"].fn is getattr(softmax, f"{name}_f32")
