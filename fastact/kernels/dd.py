"""Double-double arithmetic and conversions that round exactly once.

Kernels are written as straight-line code ending in selects (``a if c else b``),
never early returns: LLVM if-converts selects and vectorizes the loop, while
multiple returns of tuples keep it scalar.

A value is carried as an unevaluated sum ``hi + lo`` of two doubles.  Rounding it
to float32 or float16 goes through *round-to-odd*: rounding to odd at a precision of
at least ``2p + 2`` bits and then to nearest at ``p`` bits equals a single rounding
to nearest (Boldo & Melquiond).  double (53 bits) -> float32 (24) and
float32 (24) -> float16 (11) both satisfy it, so chains of conversions never
double-round.
"""

from __future__ import annotations

import numpy as np

from .._numba import bits_f32, bits_f64, f32_bits, f32_to_bf16_off, f32_to_half, f64_bits, fma, jit, like

_INF = np.inf


@jit
def two_sum(a, b):
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, (e if abs(s) < _INF else like(0.0, e))  # inf - inf in e would turn an overflow into NaN


@jit
def fast_two_sum(a, b):
    """Renormalise ``a + b`` (needs ``|a| >= |b|`` or ``a == 0``); keeps ``-0.0``."""
    s = a + b
    e = b - (s - a)
    z = b == 0.0  # -0.0 + 0.0 would lose the sign of a signed zero
    return (a if z else s), (b if z else e)


@jit
def two_prod(a, b):
    """``(p, e)`` with ``p = fl(a*b)`` and ``p + e = a*b`` exactly (needs FMA)."""
    p = a * b
    e = fma(a, b, -p)
    return p, (e if abs(p) < _INF else like(0.0, e))  # overflowed products carry no error term


@jit
def div_dd_const(hi, lo, d, inv):
    """``(hi + lo) / d`` for a constant ``d`` with ``inv ~ 1/d``: no division.

    ``q = hi * inv`` is faithful, so ``fma(-q, d, hi)`` is still the exact remainder;
    the correction makes the pair accurate to about 2^-100.
    """
    q = hi * inv
    r = fma(-q, d, hi) + lo
    return fast_two_sum(q, r * inv)


@jit
def round_odd_f64(hi, lo):
    """``hi + lo`` rounded to odd at 53 bits, for a normalised pair.

    When ``lo != 0`` and ``hi``'s last bit is even, the odd neighbour on ``lo``'s
    side is ``(b - 1) | 1`` (towards zero) or ``b | 1`` (away from zero).
    """
    b = f64_bits(hi)
    toward_zero = (f64_bits(lo) ^ b) >> 63  # -1 when lo and hi differ in sign, else 0
    odd = (b + toward_zero) | 1
    return bits_f64(odd) if (lo != 0.0) & (abs(hi) < _INF) else hi


@jit
def round_odd_f32(x):
    """float64 -> float32 rounded to odd (sticky), finite or not."""
    f = np.float32(x)
    d = np.float64(f) - x  # exact: x and f are within one float32 ulp
    b = f32_bits(f)
    toward_zero = 1 - (((f32_bits(np.float32(d)) ^ b) >> 31) & 1)  # d and f alike in sign: |f| > |x|
    odd = (b - toward_zero) | 1
    return bits_f32(odd) if (d != 0.0) & (abs(x) < _INF) else f


@jit
def dd_to_f32(hi, lo):
    """Normalised double-double -> float32 with one rounding."""
    return np.float32(round_odd_f64(hi, lo))


@jit
def dd_to_half(hi, lo):
    """Normalised double-double -> float16 bits with one rounding."""
    return f32_to_half(round_odd_f32(round_odd_f64(hi, lo)))


@jit
def f64_to_half(x):
    """float64 -> float16 bits with one rounding (double -> half does not link)."""
    return f32_to_half(round_odd_f32(x))


@jit
def dd32_round_odd(hi, lo):
    """float32 pair hi + lo -> float32 rounded to odd (24 bits, sticky)."""
    s, e = two_sum(hi, lo)
    b = f32_bits(s)
    toward_zero = ((f32_bits(e) ^ b) >> 31) & 1  # e opposite to s: the odd neighbour is below |s|
    odd = bits_f32((b - toward_zero) | 1)
    return odd if (e != np.float32(0.0)) & (abs(s) < _INF) else s


@jit
def dd32_to_half(hi, lo):
    """float32 pair hi + lo -> float16 bits with one rounding (round-to-odd at 24 bits, then
    to nearest at 11: 24 >= 2*11 + 2)."""
    return f32_to_half(dd32_round_odd(hi, lo))


_P64_32 = np.float32(2.0**-64)
_TWO64_32 = np.float32(2.0**64)
_ZERO32 = np.float32(0.0)


@jit
def dd32_to_bf16(hi, lo, s64):
    """(hi + lo) * 2^n, s64 = 2^(n + 64) (n <= 0), -> bfloat16 bits with one rounding.

    |lo| <= |hi| (a normalised pair, or lo a sticky bit).  y = fl(hi + lo) 2^n is the value
    rounded to float32 (twice below 2^-126: to 24 bits, then to float32's subnormal grid
    2^-149, still 16 bits finer than bfloat16's 2^-133).  Rounding y to bfloat16 is the
    correct rounding unless y is exactly a bfloat16 midpoint (low 16 bits 0x8000) and the
    value is not: then it rounds towards the value (``f32_to_bf16_off``), by the sign of
    z = (y 2^64 - u s64) - e s64 (u = fl(hi + lo), e = hi + lo - u: both terms exact, the
    first nonzero only after the subnormal rounding, and then larger than the second).
    ``s64 = 2^64`` (n = 0) for any finite pair; ``|hi| s64`` must be finite when n < 0.
    """
    u = hi + lo
    e = (hi - u) + lo  # exact (fast two-sum): the sign of the first rounding's error
    y = u * (s64 * _P64_32)
    d = _ZERO32 if s64 == _TWO64_32 else y * _TWO64_32 - u * s64  # the second rounding's error, scaled
    return f32_to_bf16_off(y, d - e * s64)  # sign(y - value) breaks y's midpoint ties
