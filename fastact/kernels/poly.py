"""Polynomial evaluation."""

from __future__ import annotations

from .._numba import fma, jit


@jit
def _horner8(c, lo, hi, x):
    p = c[hi - 1]
    for i in range(hi - 2, lo - 1, -1):
        p = fma(p, x, c[i])
    return p


@jit
def horner(c, x):
    """sum c[k] x^k for a tuple ``c`` of coefficients (low to high); FMA Horner.

    With a global tuple the trip counts are constants; LLVM unrolls loops of up to
    about 8 steps only (a rolled loop inside the element loop stops it vectorizing),
    so long polynomials go in blocks of 8: P = B0 + x^8 (B1 + x^8 (B2 + ...)).
    """
    n = len(c)
    x8 = x * x
    x8 = x8 * x8
    x8 = x8 * x8
    top = ((n - 1) // 8) * 8
    p = _horner8(c, top, n, x)
    for b in range(top - 8, -1, -8):
        p = fma(p, x8, _horner8(c, b, b + 8, x))
    return p
