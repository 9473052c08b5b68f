"""Rational activations."""

from __future__ import annotations

import math

from .._numba import fma, jit
from ..kernels.dd import fast_two_sum, two_sum


@jit
def softsign(x):
    """softsign(x) = x / (1 + |x|); +-inf -> +-1.

    The quotient is formed with an exact remainder, so the double-double result
    rounds once to every dtype (the plain float32 formula reaches 1.5 ULP).
    """
    dh, dl = two_sum(1.0, abs(x))
    q = x / dh
    r = fma(-q, dh, x) - q * dl
    h, lo = fast_two_sum(q, r / dh)
    inf = abs(x) == math.inf
    return ((-1.0 if x < 0.0 else 1.0) if inf else h), (0.0 if inf else lo)


@jit
def softsign_to32(x):
    """softsign for float32/float16 arguments: 1 + |x| is exact in float64 (or the result
    rounds to +-1), the quotient is rounded once and the exact remainder's sign decides
    the single final rounding (round-to-odd)."""
    d = 1.0 + abs(x)
    q = x / d
    r = fma(-q, d, x)
    inf = abs(x) == math.inf
    return ((-1.0 if x < 0.0 else 1.0) if inf else q), (0.0 if inf else r)
