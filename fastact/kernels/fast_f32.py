"""Fast float32 math kernels for ``fastact.fast``: exp, expm1 and log1p in float32 arithmetic.

Fewer operations than the exact tier's kernels (no double-float results): each returns one
float32 with a few ULP of error, enough for activations held to 4 float32 ULP.  Branch-free
(selects only), so the loops using them SIMD-vectorize; nothing calls libm.

exp(t) = 2^n p(r), n = round(t / ln2), r = t - n ln2 (Cody-Waite, FMA), p(r) = 1 + r + r^2 P(r)
with P fitted by ``tools/fit_fast.py`` (``coefficients_fast.EXP``).  A low part ``tl`` of the
argument (what rounding t lost, e.g. of beta * x) is added to r, so it is not amplified by
|t| (e^(t + tl) = 2^n e^(r + tl)).  2^n is returned as 2^(n + 64) (``s64``), a normal float32
for n >= -190: callers multiply their normal-range value by it and then by 2^-64, so a result
in the subnormal range rounds once.

BOUNDS: each kernel's claimed max relative error in units of 2^-24 (0.5 float32 ULP at the
bottom of a binade, 1 at its top); tests/test_fast_kernels.py holds them on ~1e6 samples, the
comments give the measured maxima.
"""

from __future__ import annotations

import numpy as np

from .._numba import fma, jit, pow2_f32, pow2_pair_f32
from .coefficients_fast import EXP, LOG1P
from .exp import LN2_HI_F32, LN2_LO_F32, LOG2E_F32, MAGIC_F32

BOUNDS = {
    "exp_f32": 2.0,  # 1.38 on 1e6 samples of [-87.3, 88.7]; subnormal results within 1 unit of 2^-149
    "expm1_neg_f32": 2.0,  # 1.40 on 1e6 samples of [-40, 0]
    "log1p_unit_f32": 3.0,  # 2.85 at u = 0.0669 (u in [2^-125, 1]): 2 + u and the division each round
}

_F = np.float32
# exp's float32 Cody-Waite reduction constants (ln 2 in a 12-bit high part: n * hi exact)
_LOG2E, _LN2_HI, _LN2_LO, MAGIC = LOG2E_F32, LN2_HI_F32, LN2_LO_F32, MAGIC_F32
_ONE = _F(1.0)
_TWO = _F(2.0)
_P64 = _F(2.0**-64)
_C2, _C3, _C4, _C5, _C6 = EXP
_L3, _L5, _L7, _L9, _L11 = LOG1P
_EXP_HI = _F(88.72283)  # e^t rounds to inf above ln(2^128) - tiny
_EXP_LO = _F(-104.0)  # e^t rounds to 0 below ln(2^-150) = -103.97


@jit
def exp_reduced_m1_f32(t, tl):
    """(em, k): e^(t + tl) = (1 + em) 2^n, em = e^r - 1 in [-0.3, 0.42], n carried in k's low
    bits (``pow2_f32(k, MAGIC, ...)``); t already clamped to [-190 ln2, 128 ln2], |tl| small.
    Callers that multiply the result by y can form y + y em in one FMA (no rounding of 1 + em)."""
    k = fma(t, _LOG2E, MAGIC)
    n = k - MAGIC
    r = fma(-n, _LN2_HI, t)  # exact
    r = fma(-n, _LN2_LO, r) + tl
    q = fma(fma(fma(fma(_C6, r, _C5), r, _C4), r, _C3), r, _C2)
    return fma(r * r, q, r), k


@jit
def exp_reduced_f32(t, tl):
    """(p, k): e^(t + tl) = p 2^n with p = e^r in [0.7, 1.42], n carried in k's low bits
    (``pow2_f32(k, MAGIC, ...)``); t already clamped to [-190 ln2, 128 ln2], |tl| small."""
    em, k = exp_reduced_m1_f32(t, tl)
    return em + _ONE, k


@jit
def exp_parts_f32(t, tl):
    """(p, s64): e^(t + tl) = p * s64 * 2^-64, s64 = 2^(n + 64) a normal float32;
    for t in [-104, 0] (the caller clamps; NaN passes)."""
    p, k = exp_reduced_f32(t, tl)
    return p, pow2_f32(k, MAGIC, 64, -126)


@jit
def exp_f32(t):
    """e^t, float32 arithmetic, any t: NaN -> NaN, +inf -> +inf, -inf -> 0."""
    tc = min(max(t, _EXP_LO), _F(89.0))  # NaN passes through both
    p, k = exp_reduced_f32(tc, _F(0.0))
    s1, s2 = pow2_pair_f32(k, MAGIC)  # 2^n in two halves: subnormal results round once
    return p * s1 * s2


@jit
def expm1_neg_f32(t):
    """e^t - 1 for t <= 0 (NaN -> NaN, -inf -> -1), relative-accurate near 0 (subnormal t exact);
    -0.0 -> +0.0 (callers that need the sign select it).

    e^t - 1 = 2^n (e^r - 1) + (2^n - 1): exact split for n = 0, one FMA rounding otherwise.
    """
    tc = max(t, _F(-40.0))  # rounds to -1 below -17.4; 2^n stays normal
    k = fma(tc, _LOG2E, MAGIC)
    n = k - MAGIC
    r = fma(-n, _LN2_HI, tc)
    r = fma(-n, _LN2_LO, r)
    q = fma(fma(fma(fma(_C6, r, _C5), r, _C4), r, _C3), r, _C2)
    em = fma(r * r, q, r)
    s = pow2_f32(k, MAGIC, 0, -126)
    return fma(s, em, s - _ONE)


@jit
def log1p_unit_f32(u):
    """log(1 + u) for u in [0, 1] (NaN -> NaN), relative-accurate down to u = 2^-125 (below,
    u/2 rounds as a subnormal: callers use log1p(u) = u there, as softplus does below e = 2^-23).

    log(1 + u) = 2 atanh(z), z = u / (2 + u) in [0, 1/3]: 2z + z^3 Q(z^2), Q fitted.
    """
    z = u / (_TWO + u)
    z2 = z * z
    q = fma(fma(fma(fma(_L11, z2, _L9), z2, _L7), z2, _L5), z2, _L3)
    return fma(z * z2, q, _TWO * z)
