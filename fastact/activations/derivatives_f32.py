"""float32-arithmetic derivative kernels for the float32 (and bfloat16) loops of sigmoid', tanh', silu'.

sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|), and tanh'(x) = 4e / (1 + e)^2 with
e = exp(-2|x|) (2|x| is exact).  e = 2^n (E_hi + E_lo) comes from the double-float exp
(``kernels.exp.exp_parts_f32``, ~2^-26.5 relative), D = 1 + e as D_hi + D_lo (exact FMAs),
and E / D^2 = (E / D)(1 / D) with each factor corrected once by its residual, so the value
before the final rounding is good to ~2^-26 (sigmoid' and tanh' are insensitive to e's
error: d log f / d log e = (1 - e)/(1 + e) <= 1).  The result is scaled by 2^n last, by
2^(n + 64) (exact) and then 2^-64 (one rounding), so it rounds once down to 2^-126 and at
most twice in the subnormal range.  8 float32 lanes per AVX register instead of 4 doubles.

silu'(x) = s (1 + x (1 - s)) is E (D + x) / D^2 (x < 0, scaled by 2^n as above; D + x
formed with a two-sum, so only the zero near -1.28 cancels) or (D + x e) / D^2 (x >= 0,
all terms positive), with the same two corrected factors.

The ``_bf16`` kernels keep the last product as a pair and round it once to bfloat16 bits
with 2^n applied inside that rounding (``kernels.dd.dd32_to_bf16``: bfloat16 results reach
2^-133, deep in float32's subnormal range); correctly rounded on all 65536 inputs
(``tests/test_bfloat16.py``).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import f32_to_bf16, fma, jit
from ..kernels.dd import dd32_to_bf16
from ..kernels.exp import exp_parts_f32

_kernel = jit(inline="always")  # inlined into the loop by numba (see smooth.py)
_F = np.float32
_ONE = _F(1.0)
_ZERO = _F(0.0)
_FOUR = _F(4.0)
_P64 = _F(2.0**-64)
_TWO64 = _F(2.0**64)
_LOW = _F(-110.0)  # exp_parts_f32's floor is -160 ln2; sigmoid' and tanh' round to 0 from -105.4


@_kernel
def _over_sq_parts(n_hi, n_lo, d_hi, d_lo):
    """(q, inv, c): (n_hi + n_lo) / (d_hi + d_lo)^2 = q inv + c, (N/D)(1/D) with each factor
    corrected once (D in [1, 2])."""
    inv = _ONE / d_hi
    r_lo = (fma(-inv, d_hi, _ONE) - inv * d_lo) * inv  # 1/D = inv + r_lo
    q = n_hi * inv
    q_lo = (fma(-q, d_hi, n_hi) + (n_lo - q * d_lo)) * inv  # N/D = q + q_lo
    return q, inv, fma(q, r_lo, q_lo * inv)


@_kernel
def _over_sq(n_hi, n_lo, d_hi, d_lo):
    """(n_hi + n_lo) / (d_hi + d_lo)^2, rounded once to float32."""
    q, inv, c = _over_sq_parts(n_hi, n_lo, d_hi, d_lo)
    return fma(q, inv, c)


@_kernel
def _over_sq_pair(n_hi, n_lo, d_hi, d_lo):
    """(n_hi + n_lo) / (d_hi + d_lo)^2 as a float32 pair (the product q inv split exactly)."""
    q, inv, c = _over_sq_parts(n_hi, n_lo, d_hi, d_lo)
    h = q * inv
    return h, fma(q, inv, -h) + c


@_kernel
def _parts(t):
    # e = exp(-t) = 2^n (e_hi + e_lo), s64 = 2^(n + 64), s = 2^n; D = 1 + e = d_hi + d_lo
    e_hi, e_lo, s64 = exp_parts_f32(max(-t, _LOW))
    s = s64 * _P64  # 0 below 2^-149, where D = 1 to float32 precision anyway
    d_hi = fma(s, e_hi, _ONE)
    d_lo = fma(s, e_hi, _ONE - d_hi) + s * e_lo  # the FMA is exact: d_hi's rounding error
    return e_hi, e_lo, s64, s, d_hi, d_lo


@_kernel
def _silu_num(x):
    """silu'(x) = N / (1 + e)^2 with N as a float32 pair, e = exp(-|x|): (n_hi, n_lo, d_hi, d_lo,
    scale) where the value is N/D^2 * scale * 2^-64 (2^n for x < 0, applied last)."""
    e_hi, e_lo, s64, s, d_hi, d_lo = _parts(abs(x))
    # x < 0: E (D + x), unscaled
    a = d_hi + x
    ab = a - d_hi
    m_lo = ((d_hi - (a - ab)) + (x - ab)) + d_lo  # two-sum error of d_hi + x, plus d_lo
    n_hi = e_hi * a
    n_lo = fma(e_hi, a, -n_hi) + (e_hi * m_lo + e_lo * a)
    # x >= 0: D + x e, e scaled (results are near 1: no subnormal concern)
    es = s * e_hi
    p = x * es
    pe = fma(x, es, -p) + x * (s * e_lo)
    b = d_hi + p
    bb = b - d_hi
    b_lo = ((d_hi - (b - bb)) + (p - bb)) + (d_lo + pe)
    neg = x < _ZERO
    return (n_hi if neg else b), (n_lo if neg else b_lo), d_hi, d_lo, (s64 if neg else _TWO64)


@_kernel
def silu_f32(x):
    """silu'(x) = s (1 + x (1 - s)) in float32 arithmetic; -0.0 at -inf, 1 at +inf."""
    n_hi, n_lo, d_hi, d_lo, scale = _silu_num(x)
    y = _over_sq(n_hi, n_lo, d_hi, d_lo)
    y = (y * scale) * _P64  # 2^n for x < 0 (exact, then one rounding)
    y = _ONE if x == math.inf else y
    return -_ZERO if x < _LOW else y


@_kernel
def _scaled_dsig(t, c):
    """c e / (1 + e)^2 for e = exp(-t), t >= 0 (float32; NaN passes)."""
    e_hi, e_lo, s64, _, d_hi, d_lo = _parts(t)
    y = _over_sq(e_hi, e_lo, d_hi, d_lo)  # unscaled
    return ((c * y) * s64) * _P64


@_kernel
def sigmoid_f32(x):
    """sigmoid'(x) = e / (1 + e)^2, e = exp(-|x|), in float32 arithmetic."""
    return _scaled_dsig(abs(x), _ONE)


@_kernel
def tanh_f32(x):
    """tanh'(x) = 4e / (1 + e)^2, e = exp(-2|x|), in float32 arithmetic."""
    return _scaled_dsig(_F(2.0) * abs(x), _FOUR)


@_kernel
def silu_bf16(x):
    """silu'(x) as bfloat16 bits: ``silu_f32``'s pair, 2^n (x < 0) applied in the one rounding."""
    n_hi, n_lo, d_hi, d_lo, scale = _silu_num(x)
    h, lo = _over_sq_pair(n_hi, n_lo, d_hi, d_lo)
    y = dd32_to_bf16(h, lo, scale)
    y = f32_to_bf16(_ONE) if x == math.inf else y
    return f32_to_bf16(-_ZERO) if x < _LOW else y


@_kernel
def _scaled_dsig_bf16(t, c):
    """c e / (1 + e)^2 for e = exp(-t), t >= 0, as bfloat16 bits (c = 1 or 4: exact products)."""
    e_hi, e_lo, s64, _, d_hi, d_lo = _parts(t)
    h, lo = _over_sq_pair(e_hi, e_lo, d_hi, d_lo)
    return dd32_to_bf16(c * h, c * lo, s64)


@_kernel
def sigmoid_bf16(x):
    """sigmoid'(x) as bfloat16 bits, rounded once from the float32 pair."""
    return _scaled_dsig_bf16(abs(x), _ONE)


@_kernel
def tanh_bf16(x):
    """tanh'(x) as bfloat16 bits, rounded once from the float32 pair."""
    return _scaled_dsig_bf16(_F(2.0) * abs(x), _FOUR)
