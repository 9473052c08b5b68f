"""Fast float32 activation kernels (``fastact.fast``): at most 4 float32 ULP over every float32
input, subnormal results in units of 2^-149, with the exact tier's special values.

Each ``<name>_f32(x[, param])`` takes and returns a float32 (the float16 loops call the same
kernel and round its float32 value to half once).  Written against ``kernels/fast_f32.py``:
one float32 exp (or expm1, log1p) per element and one division, no double-float carries
except where an argument's rounding would be amplified (t = 1.702 x, beta x, x^2/2, GELU-tanh's T).

BOUNDS: the claimed max error in float32 ULP (the tests hold them on samples;
``tools/sweep_fast.py`` measures every float32 input).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import fma, jit, pow2_f32, pow2_pair_f32
from ..constants import GELU_SIGMOID_K, GELU_TANH_A, GELU_TANH_C, SELU_ALPHA, SELU_SCALE
from ..kernels.coefficients_fast import GELU_A_MAX, GELU_G, GELU_K, GELU_R
from ..kernels.fast_f32 import (
    MAGIC,
    exp_parts_f32,
    exp_reduced_f32,
    exp_reduced_m1_f32,
    expm1_neg_f32,
    log1p_unit_f32,
)

# claimed max error in float32 ULP; in the comments the max over all 2^32 float32 inputs measured
# by tools/sweep_fast.py (every kernel's float16 results: <= 0.5002 ULP over all 65536 inputs)
BOUNDS = {
    "sigmoid_f32": 3.0,  # 2.402 at x = -4.1573
    "silu_f32": 4.0,  # 3.394 at x = -3.2113
    "gelu_sigmoid_f32": 4.0,  # 3.366 at x = -3.6026
    "swish_f32": 4.0,  # beta 1: 3.193 at -7.622; 1.702: 3.342 at -2.638; 0.5: 3.193 at -15.244; 0.01: 3.318 at -887.38
    "softplus_f32": 3.0,  # 2.797 at x = -2.7570
    "log_sigmoid_f32": 3.0,  # 2.797 at x = 2.7570
    "tanh_f32": 3.0,  # 2.498 at x = 4.5051
    "gelu_f32": 4.0,  # 3.868 at x = -1.4319 (but slower than PyTorch's: see the commit log)
    "gelu_tanh_f32": 4.0,  # 3.404 at x = -2.9779
    "selu_f32": 2.0,  # 1.910 at x = -0.15093
    "celu_f32": 1.0,  # alpha 1: 0.952 at -0.38342; 0.5: 0.952 at -0.19171
}

_kernel = jit(inline="always")  # inlined into the ufunc loop (see smooth.py)
_F = np.float32
_ZERO = _F(0.0)
_ONE = _F(1.0)
_TWO = _F(2.0)
_P64 = _F(2.0**-64)
_NO_LO = _F(0.0)
_SIG_LOW = _F(-104.0)  # e^-104 rounds to 0 (below 2^-150); n >= -151 keeps 2^(n + 64) normal
_XS_LOW = _F(-110.0)  # x e^x rounds to -0.0 below about -108.6
_GS_K = GELU_SIGMOID_K
_GS_HI = _F(_GS_K)
_GS_LO = _F(_GS_K - float(_GS_HI))
_GS_LOW = _F(-65.0)  # x e^(1.702 x) rounds to -0.0 below about -63.6
_GS_HIGH = _F(20.0)  # and to x above (e^-34 < 2^-49)


@_kernel
def sigmoid_f32(x):
    """N / (1 + e), e = exp(-|x|), N = 1 (x >= 0) or e (x < 0); one division."""
    p, s64 = exp_parts_f32(max(-abs(x), _SIG_LOW), _NO_LO)
    e = (p * s64) * _P64  # rounds once, also as a subnormal
    return (e if x < _ZERO else _ONE) / (_ONE + e)


@_kernel
def _x_sigmoid(x, t, t_lo):
    """x sigmoid(t + t_lo) = x N / (1 + e), e = exp(-|t + t_lo|), -|t| clamped at -110: the
    quotient is formed in the normal range (N = p 2^(n + 64)) and scaled by 2^-64 last, so
    results in the subnormal range round once."""
    neg = t < _ZERO
    p, s64 = exp_parts_f32(max(-abs(t), _XS_LOW), t_lo if neg else -t_lo)
    m = p * s64
    q = (x * (m if neg else _ONE)) / fma(m, _P64, _ONE)
    return (q * _P64) if neg else q


@_kernel
def silu_f32(x):
    """x sigmoid(x); -inf -> -0.0, +inf -> +inf, -0.0 -> -0.0."""
    y = _x_sigmoid(x, x, _NO_LO)
    return -_ZERO if x < _XS_LOW else y


@_kernel
def gelu_sigmoid_f32(x):
    """x sigmoid(1.702 x) with t = 1.702 x as a float32 pair (its rounding would be amplified
    |t|-fold in the tail); -inf -> -0.0, +inf -> +inf."""
    t = _GS_HI * x
    t_lo = fma(_GS_HI, x, -t) + _GS_LO * x
    y = _x_sigmoid(x, t, t_lo)
    y = x if x > _GS_HIGH else y  # also where t_lo is meaningless (huge x, +inf)
    return -_ZERO if x < _GS_LOW else y


@_kernel
def softplus_f32(x):
    """max(x, 0) + log1p(e), e = exp(-|x|); e itself below x = -16 (log1p(e) = e to 2^-24.5),
    so results near and below 2^-126 round once."""
    p, s64 = exp_parts_f32(max(-abs(x), _SIG_LOW), _NO_LO)
    e = (p * s64) * _P64
    y = max(x, _ZERO) + log1p_unit_f32(e)
    return e if x < _F(-16.0) else y


@_kernel
def log_sigmoid_f32(x):
    """-softplus(-x); -0.0 where the negative value rounds to zero, +inf -> +0.0."""
    return _ZERO if x == math.inf else -softplus_f32(-x)


@_kernel
def tanh_f32(x):
    """-em / (2 + em), em = expm1(-2|x|), with x's sign; x itself for |x| < 2^-12."""
    em = expm1_neg_f32(_F(-2.0) * abs(x))
    y = -em / (_TWO + em)
    y = -y if x < _ZERO else y
    return x if abs(x) < _F(2.0**-12) else y


_GT_C = 2.0 * GELU_TANH_C  # 2 sqrt(2/pi): 0.5 x (1 + tanh(u)) = x sigmoid(2u)
_GT_C_HI = _F(_GT_C)
_GT_C_LO = _F(_GT_C - float(_GT_C_HI))
_GT_A_HI = _F(GELU_TANH_A)
_GT_A_LO = _F(GELU_TANH_A - float(_GT_A_HI))
_GT_LOW = _F(-11.0)  # x sigmoid(T) rounds to -0.0 below about -10.9 (T < -109.8)
_GT_HIGH = _F(10.0)  # and to x above (T > 17.5)


@_kernel
def gelu_tanh_f32(x):
    """x sigmoid(T), T = 2 sqrt(2/pi) x (1 + 0.044715 x^2) as a float32 pair (T's rounding would
    be amplified |T|-fold, up to 110, in the tail): x^2 exact, 1 + a x^2 and the products with
    their low parts by FMA; then silu's quotient.  -inf -> -0.0, +inf -> +inf."""
    s = x * x
    s_lo = fma(x, x, -s)
    w = fma(_GT_A_HI, s, _ONE)
    w_lo = fma(_GT_A_HI, s, _ONE - w) + fma(_GT_A_HI, s_lo, _GT_A_LO * s)  # 1 - w is exact (w >= 1)
    p = x * w
    p_lo = fma(x, w, -p) + x * w_lo
    t = _GT_C_HI * p
    t_lo = fma(_GT_C_HI, p, -t) + fma(_GT_C_HI, p_lo, _GT_C_LO * p)
    y = _x_sigmoid(x, t, t_lo)
    y = x if x > _GT_HIGH else y
    return -_ZERO if x < _GT_LOW else y


_SW_LOW = _F(-174.0)  # |x| e^t < 2^-150 for every float32 x below; n >= -252: both halves of 2^n normal


@_kernel
def swish_f32(x, beta):
    """x sigmoid(beta x) = x m / (1 + e), m = 1 (t >= 0) or e (t < 0), e = exp(-|t|) = p 2^n,
    t = beta x carried as a pair; 2^n applied last in two normal halves (subnormal results
    round at most twice, < 1 unit of 2^-149).  For t < -174 the value is below 2^-150 for every
    float32 x: a zero of x's sign (-inf -> -0.0); +inf -> +inf (beta > 0)."""
    t = beta * x
    neg = t < _ZERO
    a = -abs(t)
    clamped = a < _SW_LOW
    t_lo = fma(beta, x, -t)
    p, k = exp_reduced_f32(max(a, _SW_LOW), _ZERO if clamped else (t_lo if neg else -t_lo))
    s1, s2 = pow2_pair_f32(k, MAGIC)
    q = (p if neg else _ONE) / fma(p * s1, s2, _ONE)
    y = ((x * q) * s1) * s2 if neg else x * q
    return (-_ZERO if x < _ZERO else _ZERO) if clamped & neg else y


_SELU_S = _F(SELU_SCALE)
_SELU_S_LO = _F(SELU_SCALE - float(_SELU_S))  # float32's scale rounds up: 3.2386e38 would overflow
_SELU_SA = _F(SELU_SCALE * SELU_ALPHA)


@_kernel
def selu_f32(x):
    """scale x (x > 0) or scale alpha expm1(x); -0.0 -> -0.0, -inf -> -scale alpha."""
    y = fma(_SELU_S, x, _SELU_S_LO * x) if x > _ZERO else _SELU_SA * expm1_neg_f32(x)
    return x if (x == _ZERO) | (x == math.inf) else y  # keeps -0.0; inf - inf in the pair


@_kernel
def celu_f32(x, alpha):
    """x (x > 0) or alpha expm1(x / alpha), x / alpha as x (1/alpha) (1/alpha is loop-invariant
    for a scalar alpha); -0.0 -> -0.0, -inf -> -alpha."""
    y = x if x > _ZERO else alpha * expm1_neg_f32(x * (_ONE / alpha))
    return x if x == _ZERO else y


_GK = _F(GELU_K)
_GA_MAX = _F(GELU_A_MAX)
_G0, _G1, _G2, _G3, _G4, _G5, _G6, _G7, _G8, _G9 = GELU_R
_HALF = _F(0.5)
_GG0, _GG1, _GG2 = GELU_G


@_kernel
def gelu_f32(x):
    """x Phi(x): x Q(|x|) for x < 0 and x (1 - Q(|x|)) for x >= 0, with the normal tail
    Q(a) = Phi(-a) = exp(-a^2/2) t R(t), t = 1/(1 + K a), R fitted (``coefficients_fast.GELU_R``):
    no 1 + erf cancellation.  a^2/2 carried as a pair into exp's reduced argument (its rounding
    would be amplified a^2-fold); Q formed times 2^64 and scaled last, so subnormal results round
    once.  -inf -> -0.0 (and below -14.5, where x Phi(x) rounds to -0.0), +inf -> +inf."""
    a = min(abs(x), _GA_MAX)
    d = fma(_GK, a, _ONE)
    d_lo = fma(_GK, a, _ONE - d)  # d's rounding error (1 - d is exact)
    t = _ONE / d
    eps = fma(t, d_lo, fma(t, d, -_ONE))  # t's relative error against 1/(1 + K a)
    r = fma(fma(fma(fma(fma(_G9, t, _G8), t, _G7), t, _G6), t, _G5), t, _G4)
    r = fma(fma(fma(fma(r, t, _G3), t, _G2), t, _G1), t, _G0)
    g = fma(fma(_GG2, t, _GG1), t, _GG0)  # t R(t) is off by G(t) eps relative: taken out in exp's argument
    sq = a * a
    sq_lo = fma(a, a, -sq)
    em, k = exp_reduced_m1_f32(-_HALF * sq, fma(-g, eps, -_HALF * sq_lo))
    s64 = pow2_f32(k, MAGIC, 64, -126)  # 2^(n + 64), n >= -152
    w = ((x * t) * r) * s64  # x Q 2^64 = w (1 + em): one FMA, no rounding of 1 + em
    neg = fma(w, em, w) * _P64
    v = (t * r) * (s64 * _P64)
    pos = fma(-x, fma(v, em, v), x)  # x - x Q rounded once
    y = neg if x < _ZERO else pos
    y = x if (x == _ZERO) | (x > _F(6.0)) else y  # x (1 - Q) rounds to x above 5.6; keeps -0.0; +inf
    return -_ZERO if x < -_GA_MAX else y
