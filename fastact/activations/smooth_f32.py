"""float32-arithmetic kernels for the hottest smooth activations (float32 loops only).

sigmoid(x) = num / (1 + e), e = exp(-|x|), num = 1 (x >= 0) or e (x < 0), with e and
1 + e as double-floats and the quotient corrected once by its residual, so the value
before the final rounding is good to ~2^-40: within 0.5 + 2^-15 ULP.  silu multiplies
the double-float sigmoid by x with an FMA split.  Float16 keeps the float64 kernels
(exhaustively correctly rounded); float64 has its own.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import f32_to_half, fma, jit
from ..kernels.dd import dd32_to_half, fast_two_sum
from ..kernels.exp32 import exp_parts_f32

_kernel = jit(inline="always")  # inlined into the loop by numba (see smooth.py)
_F = np.float32
_ONE = _F(1.0)
_ZERO = _F(0.0)
_LOW = _F(-110.0)
_HALF = _F(0.5)
_QUARTER = _F(0.25)
_SMALL = _F(0.0625)
_S3 = _F(-1.0 / 48.0)  # sigmoid(x) = 1/2 + x/4 - x^3/48 + x^5/480 - 17 x^7/80640 + ...
_S5 = _F(1.0 / 480.0)
_S7 = _F(-17.0 / 80640.0)


@_kernel
def _sigmoid_dd(x):
    # (hi, lo, s1, s2): sigmoid(x) = (hi + lo) s1 s2, the scale applied last so that
    # results in the subnormal range (x < -87) round once
    e_hi, e_lo, s1, s2 = exp_parts_f32(-abs(x))
    big_hi = e_hi * s1 * s2
    d_hi, d_lo = fast_two_sum(_ONE, big_hi)
    d_lo = d_lo + e_lo * s1 * s2
    q = _ONE / d_hi
    r = fma(-q, d_hi, _ONE) - q * d_lo  # 1/(d_hi + d_lo) = q (1 + r)
    neg = x < _ZERO
    # x >= 0: q (1 + r); x < 0: (e_hi + e_lo) q (1 + r), still to be scaled by s1 s2
    p = e_hi * q
    pl = fma(e_hi, q, -p)
    hi = p if neg else q
    lo = (pl + (e_lo * q + p * r)) if neg else q * r
    # next to 0 the value sits within ~x^3/48 of 0.5 + x/4, a float16 rounding midpoint for
    # some x: there the odd series is more accurate than the quotient (error ~2^-51)
    x2 = x * x
    t_hi, t_lo = fast_two_sum(_HALF, _QUARTER * x)
    series = x * x2 * fma(fma(x2, _S7, _S5), x2, _S3)
    small = abs(x) < _SMALL
    hi = t_hi if small else hi
    lo = (t_lo + series) if small else lo
    neg = neg & ~small
    return hi, lo, (s1 if neg else _ONE), (s2 if neg else _ONE)


@_kernel
def sigmoid_f32(x):
    """1 / (1 + exp(-x)) in float32 arithmetic, about 0.5 ULP."""
    hi, lo, s1, s2 = _sigmoid_dd(x)
    y = ((hi + lo) * s1) * s2
    return _ZERO if x < _LOW else y  # exp's argument is clamped at -110: below, the value is 0


@_kernel
def silu_f32(x):
    """x * sigmoid(x) in float32 arithmetic, about 0.5 ULP; silu(-inf) = -0.0."""
    s_hi, s_lo, s1, s2 = _sigmoid_dd(x)
    p = x * s_hi
    pl = fma(x, s_hi, -p)
    y = p + (pl + x * s_lo)
    y = p if (abs(p) == math.inf) | (p == _ZERO) else y  # overflow, or an underflowed sigmoid
    y = (y * s1) * s2
    y = x if x == _ZERO else y  # keeps -0.0
    return -_ZERO if x < _LOW else y  # x e^x rounds to -0.0 below -110 (and at -inf)


@_kernel
def sigmoid_f16(x):
    """float16 sigmoid from the float32 kernel's unrounded double-float value (float16 bits)."""
    hi, lo, s1, s2 = _sigmoid_dd(x)
    h = dd32_to_half((hi * s1) * s2, (lo * s1) * s2)
    return f32_to_half(_ZERO) if x < _LOW else h


@_kernel
def silu_f16(x):
    """float16 silu from the float32 kernel's unrounded double-float value (float16 bits)."""
    s_hi, s_lo, s1, s2 = _sigmoid_dd(x)
    p = x * s_hi
    pl = fma(x, s_hi, -p) + x * s_lo
    h = dd32_to_half((p * s1) * s2, (pl * s1) * s2)
    h = f32_to_half(p) if (abs(p) == math.inf) | (p == _ZERO) | (x == _ZERO) else h
    return f32_to_half(-_ZERO) if x < _LOW else h
