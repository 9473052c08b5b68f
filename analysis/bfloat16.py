"""bfloat16 without a bfloat16 dtype: values are carried as float32 arrays.

bfloat16 is the top half of a float32: sign, the same 8 exponent bits, 7 stored
significand bits (precision p = 8).  Every bfloat16 value is exactly a float32, so the
report carries inputs and results as float32 arrays; ``call`` runs fastact's own bfloat16
loops on them (ml_dtypes installed), or else the float32 loops with the result rounded to
bfloat16, as frameworks do when they "upcast, compute, downcast".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

P = 8  # significand bits, the implicit one included
EMIN = -126  # same exponent range as float32
EMAX = 127
MAX = float.fromhex("0x1.fep127")  # (2 - 2^-7) * 2^127


def from_bits(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns (uint16) as float32 values: ``bits << 16`` viewed as float32."""
    return (np.asarray(bits, dtype=np.uint32) << np.uint32(16)).view(np.float32)


def all_values() -> np.ndarray:
    """All 65536 bfloat16 patterns as float32 (NaNs and infinities included)."""
    return from_bits(np.arange(1 << 16, dtype=np.uint32))


def to_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits, rounding to nearest, ties to even, on the bit pattern.

    Adding ``0x7fff + lsb`` to the 32-bit pattern and dropping the low 16 bits is
    round-to-nearest-even on the significand; a carry out of the significand moves
    to the next binade, and out of the largest binade it gives the infinity pattern,
    which is the correct overflow.  NaNs are kept quiet NaNs (the add could turn a
    NaN's payload into infinity).
    """
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    lsb = (b >> np.uint32(16)) & np.uint32(1)
    r = ((b + np.uint32(0x7FFF) + lsb) >> np.uint32(16)).astype(np.uint16)
    nan = np.isnan(np.asarray(x, dtype=np.float32))
    return np.where(nan, ((b >> np.uint32(16)).astype(np.uint16) | np.uint16(0x0040)), r).astype(np.uint16)


def round_float32(x: np.ndarray) -> np.ndarray:
    """float32 values rounded to bfloat16 (nearest, ties to even), returned as float32."""
    return from_bits(to_bits(x))


# ---------------------------------------------------------------- fastact's own bfloat16 loops
def dtype() -> np.dtype | None:
    """ml_dtypes' bfloat16 when fastact registers loops for it (ml_dtypes installed), else None."""
    from fastact import bfloat16 as fb

    return fb.dtype()


def call(uf: Any, x: np.ndarray, params: tuple = ()) -> np.ndarray:
    """``uf`` on bfloat16 values ``x`` (float32 storage), results as float32.

    With ml_dtypes, fastact's real bfloat16 loop: bfloat16 in, bfloat16 out, rounded once.
    Without it, what bfloat16 users got before: the float32 loop, rounded to bfloat16
    (a second rounding)."""
    dt = dtype()
    if dt is None:
        return round_float32(uf(np.asarray(x, np.float32), *[np.asarray(p, np.float32) for p in params]))
    y = uf(np.asarray(x, np.float32).astype(dt), *[np.asarray(p, np.float32).astype(dt) for p in params])
    if y.dtype != dt:
        raise TypeError(f"{uf.__name__}: the bfloat16 loop returned {y.dtype}")
    return y.astype(np.float32)


# ---------------------------------------------------------------- correctly rounded references
def round_exact(values: Sequence[Any]) -> np.ndarray:
    """Exact (mpmath) values rounded once to bfloat16, to nearest, ties to even, as float32.

    |v| = m 2^E, 1/2 <= m < 1: the spacing in v's binade is q = 2^(max(E - 1, EMIN) - 7)
    (floored at the subnormal spacing 2^-133), v/q is exact, and its nearest integer
    (ties to even) times q is the result; from 2^128 on it is infinity.  A zero result
    keeps v's sign (mpmath's zero itself is unsigned: +0.0).
    """
    out = np.empty(len(values), np.float32)
    with mpmath.workdps(max(mpmath.mp.dps, 60)):
        for i, v in enumerate(values):
            if mpmath.isnan(v) or mpmath.isinf(v) or v == 0:
                out[i] = float(v)
                continue
            _, e = mpmath.frexp(v)
            q = mpmath.ldexp(1, max(int(e) - 1, EMIN) - (P - 1))
            t = v / q
            n = mpmath.floor(t)
            f = t - n
            if f > 0.5 or (f == 0.5 and int(n) % 2 == 1):
                n += 1
            r = n * q
            out[i] = math.copysign(math.inf, v) if abs(r) >= mpmath.mpf(2) ** (EMAX + 1) else float(r)
            if r == 0:
                out[i] = math.copysign(0.0, v)
    return out


def _near_midpoint(d: np.ndarray, margin: float) -> np.ndarray:
    """Finite float64 values within ``margin`` bfloat16 ULP of a rounding midpoint."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        _, e = np.frexp(d)
        q = np.ldexp(1.0, np.maximum(e - 1, EMIN) - (P - 1))
        t = d / q
        return np.isfinite(d) & (np.abs(np.abs(t - np.floor(t)) - 0.5) < margin)


def correctly_rounded(act: Any, x: np.ndarray, params: tuple = (), got: np.ndarray | None = None) -> np.ndarray:
    """``act`` at bfloat16 values ``x`` (float32 storage) correctly rounded to bfloat16 (float32).

    The registry's float64 oracle (validated against mpmath to ~1e-3 float32 ULP, 2^-26 of
    a bfloat16 ULP) decides every input where its value is more than 2^-12 bfloat16 ULP
    from a rounding midpoint and rounds to a nonzero value; mpmath (``references.mp_values``,
    rounded by ``round_exact``, a midpoint at 60 digits evaluated again at 4400 bits)
    decides the rest: inputs near a midpoint, non-finite inputs and results, zeros, and
    every input where ``got`` (a result under test) differs from the oracle's rounding.
    """
    from .oracle import oracle
    from .references import _eval, mp_values

    x = np.asarray(x, np.float32).ravel()
    ps = [np.broadcast_to(np.asarray(p, np.float64), x.shape) for p in params]
    if act.oracle is None:
        ask = np.ones(x.size, bool)
        want = np.zeros(x.size, np.float32)
    else:
        d = oracle(act, x, *ps)
        want = round_to_f32(d)
        ask = ~np.isfinite(x) | ~np.isfinite(want) | (want == 0) | _near_midpoint(d, 2.0**-12)
        if got is not None:
            g = np.asarray(got, np.float32).ravel()
            ask |= ~((g == want) & (np.signbit(g) == np.signbit(want)))
    idx = np.flatnonzero(ask)
    values = mp_values(act, x[idx], *[p[idx] for p in ps])
    with mpmath.workdps(60):
        for j, v in enumerate(values):
            if mpmath.isnan(v) or mpmath.isinf(v) or v == 0:
                continue
            t = v / mpmath.ldexp(1, max(int(mpmath.frexp(v)[1]) - 1, EMIN) - (P - 1))
            if abs(abs(t - mpmath.floor(t)) - 0.5) < mpmath.mpf(2) ** -150:  # a midpoint at 60 digits
                with mpmath.workprec(4400):
                    i = idx[j]
                    values[j] = _eval(act, mpmath.mpf(float(x[i])), [mpmath.mpf(float(p[i])) for p in ps])
    want[idx] = round_exact(values)
    return want


def round_to_f32(d: np.ndarray) -> np.ndarray:
    """float64 values rounded once to bfloat16, as float32 (``formats.round_to`` for bfloat16)."""
    from .formats import round_to

    return round_to(d, "bfloat16").astype(np.float32)
