"""fastact.grad: every derivative declared in the registry, tested against mpmath, the float64
oracles and (when importable) PyTorch's autograd.

The default run checks float16 exhaustively against the float64 oracle, settling with mpmath
every input where the oracle disagrees or lies near a float16 rounding midpoint (or a zero of
the derivative); the pure mpmath version of the same check runs only with ``-m slow``.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import all_float16, same_bits, ufunc

import fastact
import fastact.grad
from fastact.registry import ACTIVATIONS, DERIVATIVES, DTYPES, GRAD_NAMES, ZERO_WINDOW, Derivative, get_grad

GRADS = [d for d in DERIVATIVES if not d.is_rowwise]
VJPS = [d for d in DERIVATIVES if d.is_rowwise]
CASES = [(d, p) for d in GRADS for p in d.example_params()]
CASE_IDS = [f"{d.name}{list(p) if p else ''}" for d, p in CASES]
by_case = pytest.mark.parametrize("d,params", CASES, ids=CASE_IDS)
by_grad = pytest.mark.parametrize("d", GRADS, ids=lambda d: d.name)


def cast(params, dtype) -> list[np.ndarray]:
    return [np.asarray(p, dtype=dtype) for p in params]


def oracle(d: Derivative, x: np.ndarray, ps) -> np.ndarray:
    from fastact.analysis.oracle import oracle as run

    return run(d, x, *ps)


def near_zero(d: Derivative, x: np.ndarray) -> np.ndarray:
    """Inputs where the claim is absolute: within ZERO_WINDOW of a zero of the derivative
    (for swish the zero moves with beta; the window is taken in beta * x there)."""
    mask = np.zeros(np.shape(x), dtype=bool)
    for z in d.zeros:
        mask |= np.abs(np.asarray(x, dtype=np.float64) - z) <= ZERO_WINDOW
    return mask


# ------------------------------------------------------------------ the registry


def test_every_function_has_its_derivatives():
    for a in ACTIVATIONS:
        names = [g.name for g in a.grads]
        assert names, f"{a.name} has no derivative"
        assert names[0] == a.name and a.grads[0].wrt == "x"
        if not a.is_rowwise:
            assert names[1:] == [f"{a.name}_{p}" for p in a.params]
        assert all(g.of == a.name for g in a.grads)
    assert set(GRAD_NAMES) == {g.name for a in ACTIVATIONS for g in a.grads}


def test_claims_within_the_documented_bounds():
    """Every derivative claims float16 correctly rounded and float32 within 2 ULP."""
    for d in GRADS:
        assert d.max_ulp["float16"] == 0.5, d.name
        assert d.max_ulp["float32"] <= 2.0, d.name
        assert d.oracle is not None, d.name
        for z in d.zeros:
            assert d.knees and z in d.knees


@pytest.mark.parametrize("d", DERIVATIVES, ids=lambda d: d.name)
def test_is_a_real_ufunc(d):
    f = ufunc(d)
    # the VJPs are row functions (fastact.rows.RowFunction) around a real gufunc, as softmax
    assert isinstance(f.ufunc if d.is_rowwise else f, np.ufunc)
    assert f.__name__ == d.path  # grad.<name>: where pickle finds it
    assert f.nin == d.nin and f.nout == 1
    assert f.types == d.loop_types
    assert d.path in f.__doc__
    if d.is_rowwise:
        assert f.signature == "(n),(n)->(n)"


def test_unknown_derivative():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fastact.grad.nope  # noqa: B018
    with pytest.raises(KeyError, match="known: relu"):
        get_grad("nope")
    assert set(GRAD_NAMES) <= set(dir(fastact.grad))


# ------------------------------------------------------------------ closed forms and oracles


def _smooth_points(d: Derivative) -> list[float]:
    lo, hi = d.domain
    pts = np.linspace(lo, hi, 13)[1:-1] + 0.0371  # off the knees and the grid of round numbers
    return [float(v) for v in pts if all(abs(v - k) > 0.05 for k in d.knees)]


@by_case
def test_closed_form_is_the_derivative_of_the_definition(d, params):
    """The registry's closed form (the test oracle's oracle) against mpmath.diff of the function."""
    import mpmath as mp

    f = fastact.registry.get(d.of)
    i = 0 if d.wrt == "x" else 1 + f.params.index(d.wrt)
    with mp.workdps(40):
        for v in _smooth_points(d):
            args = [mp.mpf(v), *(mp.mpf(float(np.float64(p))) for p in params)]

            def along(t, args=args):
                a = list(args)
                a[i] = t
                return f.reference(mp, *a)

            num = mp.diff(along, args[i])
            closed = d.reference(mp, *args)
            assert abs(num - closed) <= mp.mpf(10) ** -25 * max(1, abs(closed)), (d.name, v, num, closed)


@by_case
def test_oracle_matches_mpmath(d, params):
    """The float64 oracle is far below a float32 ULP from the mpmath closed form."""
    from fastact.analysis.metrics import ulp_error
    from fastact.analysis.oracle import hard_inputs
    from fastact.analysis.references import hi_lo, mp_values

    x = hard_inputs(d, 150, np.float32, seed=1)
    ps = cast(params, np.float32)
    hi, lo = hi_lo(mp_values(d, x, *ps))
    o = oracle(d, x, ps)
    err = ulp_error(o, hi, lo, np.float32)
    ok = ~np.isfinite(hi) | (np.abs(hi) > np.finfo(np.float32).max)
    # next to a zero of the derivative the oracle cancels too: judged absolutely there
    ok |= near_zero(d, x) & (np.abs((o - hi) - lo) <= 1e-3 * float(np.finfo(np.float32).eps) * d.bound)
    assert np.max(np.where(ok, 0.0, err)) < 1e-3


# ------------------------------------------------------------------ accuracy


def _float16_reference(d: Derivative, x: np.ndarray, ps) -> np.ndarray:
    """Correctly rounded float16 values: the oracle rounded, and mpmath wherever the oracle
    is within 2^-30 (relative) of a float16 midpoint or at a non-finite input."""
    from fastact.analysis.references import mp_values, round_exact

    with np.errstate(all="ignore"):
        o = oracle(d, x, ps)
        want = o.astype(np.float16)
        w64 = want.astype(np.float64)
        other = np.nextafter(want, np.where(o > w64, np.float16(np.inf), np.float16(-np.inf))).astype(np.float64)
        mid = (w64 + other) / 2
        unsure = ~np.isfinite(o) | ~np.isfinite(x) | (np.abs(o - mid) <= 2.0**-30 * np.abs(o)) | near_zero(d, x)
    idx = np.flatnonzero(unsure)
    sub = [np.broadcast_to(p, x.shape)[idx].astype(np.float64) for p in ps]
    want[idx] = round_exact(mp_values(d, x[idx], *sub), np.float16)
    return want


def _check_float16(d, params, want_fn):
    x = all_float16()
    ps = cast(params, np.float16)
    got = ufunc(d)(x, *ps)
    assert got.dtype == np.float16
    want = want_fn(d, x, ps)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), f"{d.name}: NaN mismatch"
    bad = np.flatnonzero(~nan & (got != want))
    if bad.size:
        # the oracle may be wrong too: settle disagreements with mpmath
        from fastact.analysis.references import mp_values, round_exact

        sub = [np.broadcast_to(p, x.shape)[bad].astype(np.float64) for p in ps]
        exact = round_exact(mp_values(d, x[bad], *sub), np.float16)
        bad = bad[got[bad] != exact]
    assert bad.size == 0, f"{d.name}{params}: {bad.size} float16 inputs not correctly rounded, e.g. " + ", ".join(
        f"x={x[i]!r}: got {got[i]!r} want {want[i]!r}" for i in bad[:5]
    )


@by_case
def test_float16_exhaustive_correctly_rounded(d, params):
    _check_float16(d, params, _float16_reference)


@pytest.mark.slow
@by_case
def test_float16_exhaustive_against_mpmath_alone(d, params):
    # minutes of mpmath: deselected unless asked for with -m slow (tests/conftest.py)
    from fastact.analysis.references import mp_values, round_exact

    _check_float16(d, params, lambda d, x, ps: round_exact(mp_values(d, x, *ps), np.float16))


def _check_claim(d, x, ps, got, hi, lo, dtype):
    from fastact.analysis.metrics import ulp_error

    dt = np.dtype(dtype)
    claim = d.max_ulp[dt.name]
    err = ulp_error(got, hi, lo, dt)
    if d.zeros:
        # near a zero of the derivative the error is measured absolutely: eps * max|f'|
        with np.errstate(invalid="ignore", over="ignore"):
            t = np.asarray(x, np.float64) * (float(ps[0]) if d.of == "swish" and d.wrt == "x" else 1.0)
            absolute = np.abs((got.astype(np.float64) - hi) - lo) <= float(np.finfo(dt).eps) * d.bound
        err = np.where(near_zero(d, t) & absolute, 0.0, err)
    if claim == 0.5:
        claim = 0.5 + (2.0**-40 if dt == np.float64 else 0.0)
    worst = int(np.argmax(err))
    assert err[worst] <= claim, (
        f"{d.name} {dt}: {err[worst]:.3f} ULP at x={x[worst]!r} (claim {d.max_ulp[dt.name]}): "
        f"got {got[worst]!r}, exact {hi[worst]!r}"
    )


@by_case
def test_float32_within_claim_against_oracle(d, params):
    """float32 on many samples (all exponents, the domain, dense at knees and zeros) against the oracle."""
    from fastact.analysis.oracle import hard_inputs

    x = hard_inputs(d, 20000, np.float32, seed=2)
    x = x[np.isfinite(x)]
    ps = cast(params, np.float32)
    got = ufunc(d)(x, *ps)
    hi = oracle(d, x, ps)
    _check_claim(d, x, ps, got, hi, np.zeros_like(hi), np.float32)


@pytest.mark.parametrize("dtype,n", [("float32", 200), ("float64", 300)])
@by_case
def test_within_claim_against_mpmath(d, params, dtype, n):
    from fastact.analysis.oracle import hard_inputs
    from fastact.analysis.references import hi_lo, mp_values

    x = hard_inputs(d, n, dtype, seed=3)
    ps = cast(params, dtype)
    got = ufunc(d)(x, *ps)
    hi, lo = hi_lo(mp_values(d, x, *ps))
    _check_claim(d, x, ps, got, hi, lo, dtype)


# ------------------------------------------------------------------ conventions and special values

# documented values at the kinks (PyTorch's conventions; see the registry's ``special``)
KINKS: dict[str, list[tuple[float, float]]] = {
    "relu": [(0.0, 0.0), (-0.0, 0.0)],
    "relu6": [(0.0, 0.0), (6.0, 0.0)],
    "hard_tanh": [(-1.0, 0.0), (1.0, 0.0)],
    "hard_sigmoid": [(-2.5, 0.0), (2.5, 0.0)],
    "hard_sigmoid6": [(-3.0, 0.0), (3.0, 0.0)],
    "hard_swish": [(-3.0, 0.0), (3.0, 1.0), (-1.5, 0.0)],
    "leaky_relu": [(0.0, "slope"), (-0.0, "slope")],
    "prelu": [(0.0, "slope"), (-0.0, "slope")],
    "leaky_relu_negative_slope": [(0.0, 0.0), (-0.0, -0.0)],
    "prelu_weight": [(0.0, 0.0), (-0.0, -0.0)],
    "elu": [(0.0, "slope")],
    "selu": [(0.0, 1.7580993408473768)],  # scale * alpha correctly rounded (PyTorch: ...766, 1 ulp below)
    "celu": [(0.0, 1.0)],
}

# values at +-inf (the limits)
LIMITS: dict[str, tuple[float, float]] = {
    "relu": (0.0, 1.0),
    "relu6": (0.0, 0.0),
    "hard_tanh": (0.0, 0.0),
    "hard_sigmoid": (0.0, 0.0),
    "hard_sigmoid6": (0.0, 0.0),
    "hard_swish": (0.0, 1.0),
    "softsign": (0.0, 0.0),
    "sigmoid": (0.0, 0.0),
    "log_sigmoid": (1.0, 0.0),
    "tanh": (0.0, 0.0),
    "softplus": (0.0, 1.0),
    "silu": (-0.0, 1.0),
    "swish": (-0.0, 1.0),
    "swish_beta": (0.0, 0.0),
    "mish": (-0.0, 1.0),
    "gelu": (-0.0, 1.0),
    "gelu_tanh": (-0.0, 1.0),
    "gelu_sigmoid": (-0.0, 1.0),
    "elu_alpha": (-1.0, 0.0),
    "celu_alpha": (-1.0, 0.0),
    "selu": (0.0, 1.0507009873554805),
    "celu": (0.0, 1.0),
}


@pytest.mark.parametrize("dtype", DTYPES)
@by_case
def test_kinks_and_limits(d, params, dtype):
    dt = np.dtype(dtype)
    ps = cast(params, dt)
    f = ufunc(d)
    for x, want in KINKS.get(d.name, []):
        want = ps[0] if want == "slope" else want
        got = f(dt.type(x), *ps)
        assert same_bits(got, dt.type(want)), (d.name, x, got, want)
    if d.name in LIMITS:
        got = f(np.array([-np.inf, np.inf], dt), *ps)
        assert same_bits(got, np.array(LIMITS[d.name], dt)).all(), (d.name, got)
    got = f(dt.type(np.nan), *ps)
    assert np.isnan(got), (d.name, got)


def _torch_forward(torch, name: str):
    """The PyTorch function whose autograd is compared with fastact.grad (None: no peer): the
    peer table's allocating call (benchmarks.peer_table), or the form autograd needs."""
    from fastact.benchmarks.peer_table import entries

    F = torch.nn.functional
    autograd_forms = {
        # the table passes plain floats: the parameter derivative needs them as tensors (or a weight shape)
        "leaky_relu": lambda x, a: F.leaky_relu(x, float(a.detach())),
        "prelu": lambda x, w: F.prelu(x, w.reshape(1)),
        "elu": lambda x, a: F.elu(x, float(a.detach())),
        "celu": lambda x, a: F.celu(x, float(a.detach())),
        "softplus": lambda x: F.softplus(x, threshold=1000.0),  # PyTorch is linear above 20 by default
    }
    if name in autograd_forms:
        return autograd_forms[name]
    found = entries(name, "torch")
    if not found:
        return None
    return lambda x, *p: found[0].call(torch, x, p)


# hard_sigmoid (Keras 2's 0.2 x + 0.5) has no PyTorch counterpart
TORCH_CASES = [(d, p) for d, p in CASES if (d.wrt == "x" or d.of in {"prelu", "swish"}) and d.of != "hard_sigmoid"]


@pytest.mark.parametrize("d,params", TORCH_CASES, ids=[f"{d.name}{list(p)}" for d, p in TORCH_CASES])
def test_matches_torch_autograd(d, params):
    """float64 autograd at the kinks (exactly where the values are constants) and across the
    domain (to PyTorch's accuracy: its formulas cancel in the tails, ours are checked against
    mpmath above)."""
    torch = pytest.importorskip("torch")
    fwd = _torch_forward(torch, d.of)
    assert fwd is not None, f"no PyTorch forward for {d.of}: add it or leave the case out of TORCH_CASES"
    kinks = [k for k in d.knees if k not in d.zeros] + [-0.0]
    x = np.concatenate([np.array(kinks), np.linspace(*d.domain, 301) + 0.013]).astype(np.float64)
    xt = torch.tensor(x, requires_grad=True)
    pt = [torch.tensor(float(p), dtype=torch.float64, requires_grad=True) for p in params]
    if d.wrt == "x":
        (want,) = torch.autograd.grad(fwd(xt, *pt).sum(), [xt])
    else:
        # elementwise parameter derivatives: one scalar parameter per element
        pt = [torch.full_like(xt, float(p), requires_grad=True) for p in params]
        y = torch.stack([fwd(xt[i : i + 1], pt[0][i]) for i in range(len(x))]).sum()
        (want,) = torch.autograd.grad(y, [pt[0]])
    want = want.detach().numpy()
    got = ufunc(d)(x, *cast(params, np.float64))
    k = len(kinks)
    if d.name in {"hard_sigmoid6"}:  # PyTorch's 1/6 is float32's, even in float64
        want = np.where(want == np.float64(np.float32(1 / 6)), 1 / 6, want)
    if d.max_ulp["float64"] == 0.5:
        assert np.array_equal(got[:k], want[:k]), (d.name, x[:k], got[:k], want[:k])
    np.testing.assert_allclose(got[:k], want[:k], rtol=1e-15, atol=0)
    np.testing.assert_allclose(got[k:], want[k:], rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------------ ufunc behaviour


@pytest.mark.parametrize("dtype", DTYPES)
@by_grad
def test_dtype_out_and_broadcasting(d, dtype):
    dt = np.dtype(dtype)
    f = ufunc(d)
    x = np.linspace(-4, 4, 12, dtype=dt).reshape(3, 4)
    ps = cast(d.example_params()[0], dt)
    y = f(x, *ps)
    assert y.dtype == dt and y.shape == (3, 4)
    out = np.empty_like(x)
    assert f(x, *ps, out=out) is out and np.array_equal(out, y, equal_nan=True)
    assert np.array_equal(f(x.T, *ps), y.T, equal_nan=True)  # strided
    if d.params:
        # one parameter per column (prelu's per-channel weight)
        cols = np.array([ps[0], ps[0] * 2, ps[0], ps[0]], dtype=dt)
        z = f(x, cols)
        assert z.shape == (3, 4)
        assert np.array_equal(z[:, 0], y[:, 0], equal_nan=True)
        assert np.array_equal(z[:, 1], f(x[:, 1], cols[1]), equal_nan=True)


# ------------------------------------------------------------------ softmax family: vector-Jacobian products


def _jacobian_vjp(name: str, y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """dy^T J from the explicit Jacobian of each row (float64)."""
    out = np.empty_like(y, dtype=np.float64)
    for r in range(y.shape[0]):
        s = np.exp(y[r]) if name == "log_softmax" else y[r]
        jac = np.eye(len(s)) - s[None, :] if name == "log_softmax" else np.diag(s) - np.outer(s, s)
        out[r] = dy[r] @ jac
    return out


@pytest.mark.parametrize("d", VJPS, ids=lambda d: d.name)
def test_vjp_matches_the_explicit_jacobian(d):
    rng = np.random.default_rng(0)
    x = rng.normal(scale=3, size=(5, 7))
    dy = rng.normal(size=(5, 7))
    y = getattr(fastact, d.of)(x)
    got = ufunc(d)(y, dy)
    np.testing.assert_allclose(got, _jacobian_vjp(d.of, y, dy), rtol=1e-12, atol=1e-15)
    # along another axis
    got0 = ufunc(d)(y.T.copy(), dy.T.copy(), axis=0)
    np.testing.assert_allclose(got0, got.T, rtol=1e-15, atol=0)
    # against the mpmath reference of the registry, one row
    import mpmath as mp

    with mp.workdps(30):
        ref = d.reference(mp, [mp.mpf(float(v)) for v in y[0]], [mp.mpf(float(v)) for v in dy[0]])
    np.testing.assert_allclose(got[0], [float(v) for v in ref], rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("d", VJPS, ids=lambda d: d.name)
def test_vjp_narrow_dtypes_round_once(d, dtype):
    rng = np.random.default_rng(1)
    x = rng.normal(scale=2, size=(4, 9)).astype(dtype)
    dy = rng.normal(size=(4, 9)).astype(dtype)
    y = getattr(fastact, d.of)(x)
    got = ufunc(d)(y, dy)
    assert got.dtype == np.dtype(dtype)
    want = _jacobian_vjp(d.of, y.astype(np.float64), dy.astype(np.float64))
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=eps, atol=eps * np.abs(dy).max())


@pytest.mark.parametrize("d", VJPS, ids=lambda d: d.name)
def test_vjp_matches_torch_autograd(d):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.normal(scale=3, size=(3, 6))
    dy = rng.normal(size=(3, 6))
    xt = torch.tensor(x, requires_grad=True)
    fwd = torch.softmax if d.of == "softmax" else torch.log_softmax
    yt = fwd(xt, dim=-1)
    (want,) = torch.autograd.grad(yt, [xt], grad_outputs=torch.tensor(dy))
    got = ufunc(d)(yt.detach().numpy(), dy)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("d", VJPS, ids=lambda d: d.name)
def test_vjp_edge_cases(d):
    f = ufunc(d)
    y = getattr(fastact, d.of)(np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]))
    dy = np.array([[1.0, np.nan, 0.0], [1.0, 2.0, 3.0]])
    got = f(y, dy)
    assert np.isnan(got[0]).all() and np.isfinite(got[1]).all()
    assert f(np.empty((2, 0)), np.empty((2, 0))).shape == (2, 0)
    out = dy.copy()
    f(y, out, out=out)  # in place over dy
    np.testing.assert_array_equal(out[1], got[1])


# ------------------------------------------------------------------ laziness and the CLI


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=os.environ)


def test_importing_grad_compiles_nothing():
    r = _run(
        "import sys, fastact, fastact.grad\n"
        "g = fastact.grad\n"
        "assert not any(n in vars(g) for n in g.__all__)\n"
        "assert 'fastact.build' not in sys.modules, 'the builder was imported'\n"
        "print('ok')"
    )
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
    r = _run("import sys, fastact\nfastact.grad\nassert 'fastact.build' not in sys.modules\nprint('ok')")
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_cli_lists_derivatives():
    r = subprocess.run([sys.executable, "-m", "fastact", "list", "--grad"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for name in GRAD_NAMES:
        assert f"grad.{name}(" in r.stdout


def test_zero_windows_hold_the_zeros():
    """The declared zeros are zeros of the closed form (to the digits given)."""
    import mpmath as mp

    for d in GRADS:
        for z in d.zeros:
            params = [mp.mpf(float(p)) for p in d.example_params()[0]]
            if d.of == "swish":
                params = [mp.mpf(1)]
            assert abs(d.reference(mp, mp.mpf(z), *params)) < 1e-12, (d.name, z)
    assert math.isclose(ZERO_WINDOW, 0.25)
