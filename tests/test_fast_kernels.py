"""The fast float32 kernels (``fastact.activations.fast``, ``fastact.kernels.fast_f32``) hold
their claimed bounds (``BOUNDS``) on samples over every binade and the hard ranges (tails, near
0, subnormal results), keep the exact functions' special values, and round to float16 within
0.501 ULP on all 65536 inputs.  ``tools/sweep_fast.py`` measures every float32 input."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastact
from fastact.activations import fast
from fastact.analysis.metrics import ulp_error
from fastact.kernels import fast_f32

U = 2.0**-24  # the math kernels' BOUNDS unit (relative)


@numba.njit
def _map1(f, x, out):
    for i in range(x.size):
        out[i] = f(x[i])


@numba.njit
def _map2(f, x, p, out):
    for i in range(x.size):
        out[i] = f(x[i], p)


def run(f, x, *params):
    x = np.asarray(x, np.float32)
    out = np.empty_like(x)
    if params:
        _map2(f, x, np.float32(params[0]), out)
    else:
        _map1(f, x, out)
    return out


# name -> (kernel, parameter tuples, hard ranges)
KERNELS = {
    "sigmoid": (fast.sigmoid_f32, [()], [(-104.5, -85.0), (-8.0, 8.0), (15.0, 18.0)]),
    "silu": (fast.silu_f32, [()], [(-110.5, -85.0), (-8.0, 8.0)]),
    "gelu_sigmoid": (fast.gelu_sigmoid_f32, [()], [(-65.5, -50.0), (-6.0, 6.0), (8.0, 21.0)]),
    "softplus": (fast.softplus_f32, [()], [(-104.5, -80.0), (-20.0, 20.0), (-17.0, -15.0)]),
    "log_sigmoid": (fast.log_sigmoid_f32, [()], [(80.0, 104.5), (-20.0, 20.0), (15.0, 17.0)]),
    "tanh": (fast.tanh_f32, [()], [(-1.0, 1.0), (-0.001, 0.001), (-10.0, 10.0)]),
    "swish": (fast.swish_f32, [(1.0,), (1.702,), (0.01,)], [(-120.0, -60.0), (-8.0, 8.0), (-1.2e4, -1e3)]),
    "gelu_tanh": (fast.gelu_tanh_f32, [()], [(-11.5, -8.0), (-4.0, 4.0), (9.0, 11.0)]),
    "gelu": (fast.gelu_f32, [()], [(-14.6, -10.0), (-4.0, 4.0), (-0.01, 0.01), (5.0, 6.0)]),
    "selu": (fast.selu_f32, [()], [(-20.0, 1.0), (-0.01, 0.01)]),
    "celu": (fast.celu_f32, [(1.0,), (0.5,)], [(-20.0, 1.0), (-0.01, 0.01)]),
}
TIER = [n for n in KERNELS if fast.BOUNDS[f"{n}_f32"] <= 4.0]


def _samples(ranges, n_bits=200_000, n_range=50_000):
    rng = np.random.default_rng(15)
    parts = [rng.integers(0, 2**32, n_bits, dtype=np.uint32).view(np.float32)]
    parts += [rng.uniform(lo, hi, n_range).astype(np.float32) for lo, hi in ranges]
    x = np.concatenate(parts)
    return x[~np.isnan(x)]


@pytest.mark.parametrize("name", TIER)
def test_activation_bound(name):
    kernel, plist, ranges = KERNELS[name]
    x = _samples(ranges)
    bound = fast.BOUNDS[f"{name}_f32"]
    for params in plist:
        got = run(kernel, x, *params)
        ref = getattr(fastact, name)(x.astype(np.float64), *(np.float64(np.float32(p)) for p in params))
        err = ulp_error(got, ref, dtype=np.float32)
        i = int(np.argmax(err))
        assert err[i] <= bound, f"{name}{params}: {err[i]:.3f} ULP at x = {x[i]!r} (claim {bound})"


@pytest.mark.parametrize("name", TIER)
def test_float16_all_inputs(name):
    """The float16 loops round the float32 value once: within 0.501 float16 ULP everywhere."""
    kernel, plist, _ = KERNELS[name]
    x16 = np.arange(2**16, dtype=np.uint16).view(np.float16)
    for params in plist:
        p16 = tuple(np.float16(p) for p in params)
        with np.errstate(over="ignore"):  # selu overflows float16 above 62344, as documented
            got = run(kernel, x16.astype(np.float32), *(np.float32(p) for p in p16)).astype(np.float16)
        ref = getattr(fastact, name)(x16.astype(np.float64), *(np.float64(p) for p in p16))
        err = ulp_error(got, ref, dtype=np.float16)
        assert err.max() <= 0.501, f"{name}{params}: {err.max():.4f} at {x16[np.argmax(err)]!r}"


NAN, INF = np.nan, np.inf
# (name, params, x, expected), signs of zeros compared too
SPECIAL = [
    ("sigmoid", (), [NAN, INF, -INF, -0.0, 0.0, -200.0], [NAN, 1.0, 0.0, 0.5, 0.5, 0.0]),
    ("log_sigmoid", (), [NAN, INF, -INF, 200.0, 0.0], [NAN, 0.0, -INF, -0.0, -np.log(2.0)]),
    ("softplus", (), [NAN, INF, -INF, -200.0, 0.0], [NAN, INF, 0.0, 0.0, np.log(2.0)]),
    ("tanh", (), [NAN, INF, -INF, -0.0, 0.0, 1e-40, -1e-40], [NAN, 1.0, -1.0, -0.0, 0.0, 1e-40, -1e-40]),
    ("silu", (), [NAN, INF, -INF, -0.0, 0.0, -200.0, 1e-40], [NAN, INF, -0.0, -0.0, 0.0, -0.0, 5e-41]),
    ("gelu_sigmoid", (), [NAN, INF, -INF, -0.0, 0.0, -100.0, 1e30], [NAN, INF, -0.0, -0.0, 0.0, -0.0, 1e30]),
    ("swish", (1.5,), [NAN, INF, -INF, -0.0, 0.0, -200.0, 1e30], [NAN, INF, -0.0, -0.0, 0.0, -0.0, 1e30]),
    ("gelu", (), [NAN, INF, -INF, -0.0, 0.0, -20.0, 10.0], [NAN, INF, -0.0, -0.0, 0.0, -0.0, 10.0]),
    ("gelu_tanh", (), [NAN, INF, -INF, -0.0, 0.0, -20.0, 1e30], [NAN, INF, -0.0, -0.0, 0.0, -0.0, 1e30]),
    ("selu", (), [NAN, INF, -INF, -0.0, 0.0], [NAN, INF, -fast.SELU_SCALE * fast.SELU_ALPHA, -0.0, 0.0]),
    ("celu", (0.5,), [NAN, INF, -INF, -0.0, 0.0], [NAN, INF, -0.5, -0.0, 0.0]),
]


@pytest.mark.parametrize("name, params, x, want", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_values(name, params, x, want):
    kernel = KERNELS[name][0]
    got = run(kernel, x, *params)
    want = np.asarray(want, np.float32)
    same = (np.isnan(got) & np.isnan(want)) | ((got == want) & (np.signbit(got) == np.signbit(want)))
    assert same.all(), f"{name}: got {got}, want {want}"


def test_swish_tiny_beta_huge_x():
    """t = beta x near -174 with |x| ~ 1e40 / 1e38: results in the subnormal range, not 0."""
    x = np.float32(-3e38)
    beta = np.float32(-150.0 / -3e38)  # t = -150 (beta > 0)
    got = run(fast.swish_f32, [x], beta)
    ref = fastact.swish(np.float64(x), np.float64(beta))
    assert ulp_error(got, np.asarray([ref]), dtype=np.float32).max() <= 4.0


def _rel_err(got, want):
    return np.abs(got.astype(np.float64) - want) / np.abs(want)


def test_exp_f32():
    rng = np.random.default_rng(1)
    t = np.concatenate([rng.uniform(-87.3, 88.7, 1_000_000), rng.uniform(-1e-3, 1e-3, 10_000)]).astype(np.float32)
    got = run(fast_f32.exp_f32, t)
    assert _rel_err(got, np.exp(t.astype(np.float64))).max() <= fast_f32.BOUNDS["exp_f32"] * U
    # subnormal results: within 1 unit of 2^-149
    t = rng.uniform(-103.9, -87.4, 100_000).astype(np.float32)
    got = run(fast_f32.exp_f32, t)
    assert (np.abs(got.astype(np.float64) - np.exp(t.astype(np.float64))) / 2.0**-149).max() <= 1.0
    got = run(fast_f32.exp_f32, [NAN, INF, -INF, 89.0, -105.0])
    assert np.isnan(got[0]) and got[1] == INF and got[2] == 0.0 and got[3] == INF and got[4] == 0.0


def test_expm1_neg_f32():
    rng = np.random.default_rng(2)
    t = -np.concatenate(
        [rng.uniform(0.0, 40.0, 1_000_000), 10.0 ** rng.uniform(-45, 0, 100_000), [1e-45, 2.0**-126]]
    ).astype(np.float32)
    t = t[t < 0]
    got = run(fast_f32.expm1_neg_f32, t)
    assert _rel_err(got, np.expm1(t.astype(np.float64))).max() <= fast_f32.BOUNDS["expm1_neg_f32"] * U
    got = run(fast_f32.expm1_neg_f32, [NAN, -INF])
    assert np.isnan(got[0]) and got[1] == -1.0


def test_log1p_unit_f32():
    rng = np.random.default_rng(3)
    u = np.concatenate([rng.uniform(0.0, 1.0, 1_000_000), 10.0 ** rng.uniform(-45, 0, 100_000)]).astype(np.float32)
    u = u[u >= 2.0**-125]  # below, u/2 is subnormal (softplus uses log1p(u) = u there)
    got = run(fast_f32.log1p_unit_f32, u)
    assert _rel_err(got, np.log1p(u.astype(np.float64))).max() <= fast_f32.BOUNDS["log1p_unit_f32"] * U
    assert np.isnan(run(fast_f32.log1p_unit_f32, [NAN])[0])


@pytest.mark.parametrize("name", ["sigmoid", "gelu", "swish"])
def test_float32_loop_is_simd(name):
    """The kernels inline into a call-free packed-SIMD loop that calls no libm function
    (tests/codegen.py's check, on this CPU's vector registers)."""
    import codegen
    import numba

    from fastact import _loops, _numba, convert

    fn = {"sigmoid": fast.sigmoid_f32, "gelu": fast.gelu_f32, "swish": fast.swish_f32}[name]
    template = _loops.TEMPLATES[2 if name == "swish" else 1]
    f = _numba.clone(
        template,
        f"asm_fast_{name}",
        KERNEL=fn,
        TIN=numba.float32,
        ISZ=4,
        IN=convert.IN["f", "native"],
        OUT=convert.OUT["f", "native"],
    )
    asm = numba.cfunc(_numba.LOOP_SIGNATURE, error_model="numpy")(f)._library.get_asm_str()
    why = codegen.check_float32_loop(asm, name)
    if why:
        pytest.skip(why)
