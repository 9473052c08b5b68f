"""bfloat16 (ml_dtypes) loops: exhaustive correct rounding, the fast tier's 0.501 ULP, rows, dtypes.

Every one of the 65536 bfloat16 patterns: finite inputs against the correctly rounded value
(``analysis.bfloat16.correctly_rounded``: the float64 oracle, with mpmath deciding every input
near a rounding midpoint, every zero or non-finite case and every disagreement), +-inf against
the mpmath limits, NaN -> NaN.  Cheap enough for every CI run: mpmath sees a few hundred
inputs per case, not 65536.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import ELEMENTWISE, ROWWISE, assert_every_input_correctly_rounded, ufunc

from fastact.analysis import bfloat16 as B
from fastact.registry import DERIVATIVES, FAST, get

ml_dtypes = pytest.importorskip("ml_dtypes")
BF = np.dtype(ml_dtypes.bfloat16)

EXACT = [a for a in (*ELEMENTWISE, *DERIVATIVES) if not a.is_rowwise]
# every function and derivative at its first example parameters by default; the other example
# values (slope 0.2, alpha 0.5, beta 1.702, ...) in the long run (-m slow), to keep CI short
CASES = [
    pytest.param(a, p, marks=() if i == 0 else pytest.mark.slow, id=f"{a.path}{list(p) if p else ''}")
    for a in EXACT
    for i, p in enumerate(a.example_params())
]
FAST_CASES = [(a, p) for a in FAST for p in a.example_params()]


def _ids(cases):
    return [f"{a.path}{list(p) if p else ''}" for a, p in cases]


def _bf(x):
    """bfloat16 values (float32 storage) as a bfloat16 array, by their bits (NaNs too, no cast warning)."""
    return (np.asarray(x, np.float32).view(np.uint32) >> 16).astype(np.uint16).view(BF)


def _params(params):
    """Example parameters rounded to bfloat16 (as float32 values)."""
    return tuple(B.round_float32(np.float32([p]))[0] for p in params)


@pytest.fixture(scope="module")
def x():
    return B.all_values()


@pytest.mark.parametrize("act,params", CASES)
def test_bfloat16_exhaustive_correctly_rounded(act, params, x):
    assert act.max_ulp["bfloat16"] == 0.5, "the registry's claim is what this test holds"
    ps = _params(params)
    y = ufunc(act)(_bf(x), *[_bf(p) for p in ps])
    assert y.dtype == BF
    got = y.astype(np.float32)
    want = B.correctly_rounded(act, x, ps, got)
    assert_every_input_correctly_rounded(f"{act.path}{list(ps)} bfloat16", x, got, want)
    # a nonzero value that rounds to zero gives the zero of its sign (compared where the
    # reference's zero carries one: correctly_rounded asks mpmath for every zero)
    zero = (want == 0) & (got == 0) & np.isfinite(x)
    wrong = np.flatnonzero(zero & (np.signbit(got) != np.signbit(want)) & (np.abs(x) > 0) & (want != 0))
    assert wrong.size == 0


@pytest.mark.parametrize("act,params", FAST_CASES, ids=_ids(FAST_CASES))
def test_bfloat16_fast_tier_within_0501_ulp(act, params, x):
    from fastact.analysis.metrics import ulp_error
    from fastact.analysis.oracle import oracle

    ps = _params(params)
    xb = _bf(x)
    pb = [_bf(p) for p in ps]
    got = ufunc(act)(xb, *pb)
    assert got.dtype == BF
    got = got.astype(np.float64)
    fin = np.isfinite(x)
    err = ulp_error(got[fin], oracle(act, x[fin], *ps), None, "bfloat16")
    worst = int(np.argmax(err))
    claim = act.max_ulp["bfloat16"]
    assert claim <= 0.501, "the tier's ceiling (registry.FAST_ULP)"
    assert err[worst] <= claim, f"{act.path}{list(ps)}: {err[worst]:.4f} ULP at x={x[fin][worst]!r}"
    # NaN, +-inf: the exact function's bits
    exact = ufunc(get(act.name))(xb[~fin], *pb)
    assert np.array_equal(got[~fin], exact.astype(np.float64), equal_nan=True)


@pytest.mark.parametrize("act", ROWWISE, ids=lambda a: a.name)
def test_bfloat16_rows(act):
    """Rows of bfloat16 give bfloat16, within 0.5 + 2^-10 ULP of the exact row function, masked
    rows too, and the same bits as float32 rows where those round to the same value."""
    from fastact.analysis.metrics import ulp_error
    from fastact.analysis.references import hi_lo, mp_rows

    rng = np.random.default_rng(5)
    xs = B.round_float32((rng.standard_normal((6, 40)) * 4).astype(np.float32))
    f = ufunc(act)
    y = f(xs.astype(BF))
    assert y.dtype == BF
    ref = np.array(mp_rows(act, xs), dtype=object).ravel()
    hi, lo = hi_lo(list(ref))
    err = ulp_error(y.astype(np.float64).ravel(), hi, lo, "bfloat16")
    assert err.max() <= min(0.5 + 2.0**-10, act.max_ulp["bfloat16"]), f"{act.name}: {err.max():.4f} ULP"
    mask = np.ones(xs.shape, bool)
    mask[:, ::3] = False
    ym = f(xs.astype(BF), where=mask)
    assert ym.dtype == BF
    assert np.all(ym.astype(np.float32)[~mask] == (-np.inf if act.name == "log_softmax" else 0.0))
    # strided rows (axis=0 of the transpose) give the same bits
    yt = f(np.ascontiguousarray(xs.T).astype(BF), axis=0)
    assert np.array_equal(yt.T.view(np.uint16), y.view(np.uint16))
    # the VJP on bfloat16 rows
    g = ufunc(act.grads[0])(y, np.ones_like(y))
    assert g.dtype == BF


def test_bfloat16_dtypes_follow_numpy():
    import fastact

    x = np.linspace(-3, 3, 7).astype(BF)
    assert fastact.gelu(x).dtype == BF
    assert fastact.fast.gelu(x).dtype == BF
    assert fastact.grad.gelu(x).dtype == BF
    # mixed with float32 (or float16: NumPy promotes to float32): the float32 loop
    assert fastact.gelu(x.astype(np.float32)).dtype == np.float32
    assert fastact.leaky_relu(x, np.float32(0.1)).dtype == np.float32
    assert fastact.leaky_relu(x, np.ones(7, np.float16)).dtype == np.float32
    assert fastact.leaky_relu(x, np.ones(7, np.float64)).dtype == np.float64
    # a bfloat16 parameter or integers: bfloat16
    assert fastact.leaky_relu(x, ml_dtypes.bfloat16(0.1)).dtype == BF
    assert fastact.leaky_relu(x, np.ones(7, np.int8)).dtype == BF
    # out=, strides, in place: the same bits as the contiguous call
    y = fastact.gelu(x)
    out = np.empty(14, BF)[::2]
    fastact.gelu(x, out=out)
    assert np.array_equal(out.view(np.uint16), y.view(np.uint16))
    z = x.copy()
    fastact.gelu(z, out=z)
    assert np.array_equal(z.view(np.uint16), y.view(np.uint16))
    assert fastact.gelu.types == ["e->e", "f->f", "d->d"]  # the user loop is not a builtin type
    # no loop: a TypeError naming the function, the dtypes given and the loops there are
    msg = r"^fastact\.leaky_relu: no loop for input dtypes \(bfloat16, complex64\).*bfloat16, bfloat16 -> bfloat16"
    with pytest.raises(TypeError, match=msg):
        fastact.leaky_relu(x, np.ones(7, np.complex64))
    with pytest.raises(TypeError, match=msg):
        fastact.leaky_relu(x, np.complex64(1))
    with pytest.raises(TypeError, match=r"^fastact\.gelu: no loop for input dtype complex128.*bfloat16 -> bfloat16"):
        fastact.gelu(np.array([1 + 1j]))


def test_without_ml_dtypes_nothing_changes():
    """ml_dtypes hidden: fastact imports and builds as before; and import fastact never imports it."""
    code = (
        "import sys; sys.modules['ml_dtypes'] = None\n"
        "import numpy as np, fastact\n"
        "assert fastact.gelu(np.ones(3, np.float32)).dtype == np.float32\n"
        "assert fastact.bfloat16.dtype() is None\n"
        "try:\n    fastact.gelu(np.ones(3, complex))\nexcept TypeError as e:\n"
        "    assert 'float64 -> float64' in str(e) and 'bfloat16' not in str(e), e\n"
        "else:\n    raise SystemExit('complex input ran')\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
    code = "import sys, fastact; print('ml_dtypes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
