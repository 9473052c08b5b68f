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


@jit
def _estrin8(c, b, x, x2, x4):
    # c[b] + c[b+1] x + ... + c[b+7] x^7 by Estrin's scheme: 3 dependent FMAs instead of 7
    lo = fma(fma(c[b + 3], x, c[b + 2]), x2, fma(c[b + 1], x, c[b]))
    hi = fma(fma(c[b + 7], x, c[b + 6]), x2, fma(c[b + 5], x, c[b + 4]))
    return fma(hi, x4, lo)


@jit
def estrin8(c, x):
    """sum c[k] x^k for a tuple ``c`` whose length is a multiple of 8: blocks of 8 by
    Estrin's scheme joined by Horner's rule in x^8.

    Loops whose throughput is limited by one long dependency chain (the float64 GELU's
    24-term polynomial) gain from the shorter chain: 5 dependent FMAs instead of 23.
    """
    x2 = x * x
    x4 = x2 * x2
    x8 = x4 * x4
    n = len(c)
    p = _estrin8(c, n - 8, x, x2, x4)
    for b in range(n - 16, -1, -8):
        p = fma(p, x8, _estrin8(c, b, x, x2, x4))
    return p
