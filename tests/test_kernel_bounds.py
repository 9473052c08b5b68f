"""The exact tier's math kernels hold the relative-error bounds in their modules' ``BOUNDS``
tables (and in their names: ``exp_r39`` is below 2^-39), on samples over their whole ranges
and near 0, against long-double references (64-bit significands: 2^-64, far below every
bound) or mpmath where NumPy has no long-double function (erfc).  The ``<name>_to32``
activation kernels hold ``smooth.BOUNDS`` against their ``<name>_f64`` twins."""

from __future__ import annotations

import math

import mpmath
import numba
import numpy as np
import pytest

from fastact.activations import smooth
from fastact.kernels import erf, exp, log

LD = np.longdouble
pytestmark = pytest.mark.skipif(
    np.finfo(LD).nmant < 63, reason="needs an 80-bit long double for references (x86-64 has one)"
)


@numba.njit
def _map(f, x, out):
    for i in range(x.size):
        out[i] = f(x[i])


@numba.njit
def _map_pair(f, x, out):
    for i in range(x.size):
        hi, lo = f(x[i], 0.0)
        out[i] = hi
        out[x.size + i] = lo


@numba.njit
def _map_erfc_pair(f, a, out):
    for i in range(a.size):
        hi, lo = f(a[i], 1.0, 0.0)  # E = exp(-a^2/2) passed as 1: the result is (1 + a)^-1 Y(t)
        out[i] = hi
        out[a.size + i] = lo


def _x(lo: float, hi: float, n: int = 400_000) -> np.ndarray:
    rng = np.random.default_rng(7)
    near0 = np.ldexp(rng.uniform(-1.0, 1.0, n // 4), -rng.integers(1, 60, n // 4))
    x = np.concatenate([rng.uniform(lo, hi, n), rng.uniform(-0.35, 0.35, n // 4), near0])
    return x[(x >= lo) & (x <= hi)]


def _log2_max_rel(got: np.ndarray, ref: np.ndarray) -> float:
    ref = ref.astype(LD)
    ok = np.abs(ref) >= LD(2.0**-1022)  # relative error of subnormal float64 results is not the claim
    r = np.abs((got.astype(LD)[ok] - ref[ok]) / ref[ok])
    return math.log2(float(r.max())) if r.max() > 0 else -math.inf


CASES = {  # kernel name -> (module, argument range, long-double reference)
    "exp_f64": (exp, (-708.0, 709.0), np.exp),
    "exp_r39": (exp, (-708.0, 709.0), np.exp),
    "exp_r34": (exp, (-700.0, 0.0), np.exp),
    "expm1_f64": (exp, (-50.0, 709.0), np.expm1),
    "expm1_r36": (exp, (-50.0, 709.0), np.expm1),
    "log1p_f64": (log, (-0.999, 1e300), np.log1p),
    "log1p_r39": (log, (-0.999, 1e300), np.log1p),
}


@pytest.mark.parametrize("name", list(CASES))
def test_scalar_kernel_bound(name):
    module, (lo, hi), ref = CASES[name]
    x = _x(lo, hi)
    if name.startswith("log1p"):  # every binade of 1 + u up to 1e300
        x = np.concatenate([x[x < 1.0], np.exp(np.random.default_rng(8).uniform(-0.5, 690.0, 400_000))])
    out = np.empty_like(x)
    _map(getattr(module, name), x, out)
    got = _log2_max_rel(out, ref(x.astype(LD)))
    assert got <= module.BOUNDS[name], f"{name}: max relative error 2^{got:.2f}, claim 2^{module.BOUNDS[name]}"


def test_exp_pair_bound():
    x = _x(-700.0, 700.0)
    out = np.empty(2 * x.size)
    _map_pair(exp.exp_pair_f64, x, out)
    pair = out[: x.size].astype(LD) + out[x.size :].astype(LD)
    got = _log2_max_rel(pair, np.exp(x.astype(LD)))
    assert got <= exp.BOUNDS["exp_pair_f64"], f"exp_pair_f64: 2^{got:.2f}"


def test_erfc_half_pair_bound():
    rng = np.random.default_rng(10)
    a = np.concatenate([rng.uniform(0.0, 40.0, 2500), rng.uniform(0.0, 4.0, 2500), [0.0]])
    out = np.empty(2 * a.size)
    _map_erfc_pair(erf.erfc_half_pair, a, out)
    with mpmath.workprec(120):  # the pair is good to ~2^-55: the reference needs more than 64 bits

        def rel(i: int) -> mpmath.mpf:
            v = mpmath.mpf(float(a[i]))
            want = mpmath.erfc(v / mpmath.sqrt(2)) * mpmath.exp(v * v / 2)  # erfc(a/sqrt2) / E
            return abs((mpmath.mpf(float(out[i])) + mpmath.mpf(float(out[a.size + i]))) / want - 1)

        err = max(rel(i) for i in range(a.size))
    got = float(mpmath.log(err, 2)) if err else -math.inf
    assert got <= erf.BOUNDS["erfc_half_pair"], f"erfc_half_pair: 2^{got:.2f}"


@numba.njit
def _map_p(f, x, p, out):
    for i in range(x.size):
        out[i] = f(x[i], p)


TO32_PARAMS = {"swish": 1.702, "elu": 1.0, "celu": 1.0}


def _float32_inputs() -> np.ndarray:
    rng = np.random.default_rng(11)
    bits = rng.integers(0, 2**32, 300_000, dtype=np.uint32).view(np.float32)
    x = np.concatenate([bits[np.isfinite(bits)], rng.uniform(-30.0, 30.0, 300_000).astype(np.float32)])
    return x.astype(np.float64)


@pytest.mark.parametrize("name", [k.removesuffix("_to32") for k in smooth.BOUNDS])
def test_activation_to32_bound(name):
    """``<name>_to32`` against ``<name>_f64`` (itself within the registry's float64 claim, a few
    2^-53) at float32 inputs, over results a float32 can hold as normals."""
    x = _float32_inputs()
    got, ref = np.empty_like(x), np.empty_like(x)
    for fn, out in ((getattr(smooth, f"{name}_to32"), got), (getattr(smooth, f"{name}_f64"), ref)):
        if name in TO32_PARAMS:
            _map_p(fn, x, TO32_PARAMS[name], out)
        else:
            _map(fn, x, out)
    ok = np.abs(ref) >= 2.0**-126
    r = np.abs(got[ok] - ref[ok]) / np.abs(ref[ok])
    worst = math.log2(r.max()) if r.max() > 0 else -math.inf
    claim = smooth.BOUNDS[f"{name}_to32"]
    assert worst <= claim, f"{name}_to32: 2^{worst:.2f} at x = {x[ok][np.argmax(r)]!r}, claim 2^{claim}"
