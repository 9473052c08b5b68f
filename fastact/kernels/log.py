"""log1p, branch-free: float64 arithmetic (``log1p_f64``, ``log1p_r39``) and float32
arithmetic on a double-float argument (``log1p_dd_f32``).

log1p(u) = k ln2 + log(m) + c/f with f = 1 + u = m 2^k, m in [sqrt(2)/2, sqrt(2)),
c = u - (f - 1) the part of u lost in 1 + u, and log(m) = 2 atanh(z),
z = (m - 1)/(m + 1), |z| <= 0.1716, by an odd polynomial (fitted in
``tools/fit_coefficients.py`` for the float64 kernels, Taylor's for ``log1p_dd_f32``).

Names and ``BOUNDS`` as in ``kernels/exp.py``: ``log1p_f64`` for float64 results,
``log1p_r39`` (float64 arithmetic, relative error below 2^-39) for float32/float16
results, ``log1p_dd_f32`` in float32 arithmetic on a double-float argument.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import bits_f64, f64_bits, fma, jit
from .coefficients import LOG1P_R39, LOG_F64
from .dd import fast_two_sum, two_sum
from .exp import LN2_HI_F32, LN2_LO_F32
from .poly import horner

BOUNDS = {  # kernel -> claimed max relative error, as log2 (measured)
    "log1p_f64": -51.5,  # -51.89
    "log1p_r39": -39.0,  # -39.48
}

_SQRT2 = 1.4142135623730951
_LN2_HI = 0.6931471805598903  # low bits zero: k * hi is exact
_LN2_LO = 5.497923018708371e-14
_LN2 = 0.6931471805599453


@jit
def _int_to_float(k):
    # int64 -> float64 for |k| < 2^31 through the bits of 2^52 + 2^31 + k: AVX2 has no
    # packed int64 -> double conversion, and a scalar one keeps the loop from vectorizing
    return bits_f64(0x4330000080000000 + k) - 4503601774854144.0


@jit
def _split(u):
    """f = 1 + u rounded, c/f (the part of u that rounding lost, relative to f), and
    f = m 2^k with m in [sqrt(2)/2, sqrt(2))."""
    f = 1.0 + u
    # c is below ulp(f), so a float32 reciprocal of f is ample (and cheaper than a division)
    c = (u - (f - 1.0)) * np.float64(np.float32(1.0) / np.float32(f))
    b = f64_bits(f)
    k = ((b >> 52) & 0x7FF) - 1023
    m = bits_f64(b - (k << 52))  # f / 2^k in [1, 2)
    big = m > _SQRT2
    return f, c, (k + 1 if big else k), (m * 0.5 if big else m)


@jit
def _specials(u, f, y):
    # u = -1 -> -inf, u < -1 -> NaN, u = inf -> inf, tiny u -> u (keeps -0.0)
    y = -math.inf if f == 0.0 else y
    y = math.nan if f < 0.0 else y
    y = f if f == math.inf else y
    return u if abs(u) < 1e-300 else y


@jit
def _log1p(u, coefs):
    f, c, k, m = _split(u)
    d = m - 1.0  # exact
    s_hi, s_lo = two_sum(m, 1.0)
    z = d / s_hi
    z_lo = (fma(-z, s_hi, d) - z * s_lo) * np.float64(np.float32(1.0) / np.float32(s_hi))  # z + z_lo ~ d/(m+1)
    z2 = z * z
    lm_hi, lm_lo = fast_two_sum(2.0 * z, horner(coefs, z2) * z2 * z + 2.0 * z_lo)  # 2z + z^3 P(z^2)
    kf = _int_to_float(k)
    t_hi, t_lo = fast_two_sum(kf * _LN2_HI, lm_hi)  # k ln2_hi is exact
    return _specials(u, f, t_hi + (t_lo + lm_lo + fma(kf, _LN2_LO, c)))


@jit
def log1p_f64(u):
    """log(1 + u), float64 arithmetic to about 1 ulp."""
    return _log1p(u, LOG_F64)


@jit
def log1p_r39(u):
    """log(1 + u) to ~1e-12 relative (for float32/float16 results).

    The float64 version's divisions become a float32 reciprocal refined by one Newton
    step (relative error ~1e-15, far below this kernel's 1e-12), which vectorizes 8-wide.
    """
    f, c, k, m = _split(u)
    s = m + 1.0
    r = np.float64(np.float32(1.0) / np.float32(s))
    r = r * (2.0 - s * r)  # Newton: 1/s to ~1e-15
    z = (m - 1.0) * r
    z2 = z * z
    y = fma(_int_to_float(k), _LN2, fma(horner(LOG1P_R39, z2) * z2, z, 2.0 * z) + c)
    return _specials(u, f, y)


_SQRT2_F = np.float32(1.4142135)
# atanh series: log(m) = 2z + 2z^3/3 + 2z^5/5 + ...; with |z| <= 0.1716 the first term
# left out (2z^13/13) is below 2^-34 of the sum, so Taylor's coefficients need no fit
_TINY = np.float32(2.0**-30)
_A3, _A5, _A7, _A9, _A11 = (np.float32(2.0 / k) for k in (3, 5, 7, 9, 11))


@jit
def log1p_dd_f32(u_hi, u_lo):
    """log(1 + u) for a double-float u = u_hi + u_lo in [0, 1], float32 arithmetic.

    1 + u = f + c exactly (c what rounding lost), f = m 2^j with m in [sqrt(2)/2, sqrt(2)];
    log(m + c/2^j) = 2 atanh(z), z = (m - 1 + c')/(m + 1 + c') as a corrected quotient
    z + z_lo, and 2 atanh(z + z_lo) = 2z + 2z^3/3 + ... + 2 z_lo/(1 - z^2).
    Returns (hi, lo) with hi + lo within ~2^-29 relative.
    """
    one = np.float32(1.0)
    f = one + u_hi
    c = (one - f) + u_hi  # exact: f + c + u_lo = 1 + u
    big = f > _SQRT2_F
    half = np.float32(0.5)
    m = f * half if big else f
    c = c * half if big else c
    c_lo = u_lo * half if big else u_lo
    d = m - one  # exact
    n_hi = d + c
    n_lo = ((d - n_hi) + c) + c_lo  # fast two-sum: |c| < ulp(m) <= |d| unless d = 0
    s_hi = m + one
    s_lo = ((one - s_hi) + m) + c  # fast two-sum: 1 and m share an exponent or m is smaller
    z = n_hi / s_hi
    z_lo = (fma(-z, s_hi, n_hi) + n_lo - z * s_lo) / s_hi
    z2 = z * z
    p = fma(fma(fma(fma(_A11, z2, _A9), z2, _A7), z2, _A5), z2, _A3)
    j_hi = LN2_HI_F32 if big else np.float32(0.0)
    j_lo = LN2_LO_F32 if big else np.float32(0.0)
    two_z = np.float32(2.0) * z
    t_hi = j_hi + two_z
    t_lo = (j_hi - t_hi) + two_z  # fast two-sum: |2z| < 0.35 < ln2, or j_hi = 0
    z_lo2 = fma(z_lo, z2, z_lo)  # z_lo / (1 - z^2) to ~z^4
    lo = fma(p * z2, z, fma(np.float32(2.0), z_lo2, j_lo) + t_lo)
    tiny = u_hi < _TINY  # log1p(u) = u (1 - u/2 + ...): keeps subnormal u exact
    return (u_hi if tiny else t_hi), (u_lo if tiny else lo)
