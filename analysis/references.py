"""High-precision references from the registry's mpmath definitions.

Every registry entry carries ``reference(mp, x, *params)``; here it is evaluated
at ``DPS`` decimal digits and rounded, exactly once, to the dtype under test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from fastact.registry import Activation

DPS = 60


def mp_values(act: Activation, x: np.ndarray, *params: np.ndarray) -> list[Any]:
    """The exact function at each element (float inputs are taken as exact)."""
    xs = np.asarray(x, dtype=np.float64).ravel()
    ps = [np.broadcast_to(np.asarray(p, dtype=np.float64), np.shape(x)).ravel() for p in params]
    out = []
    with mpmath.workdps(DPS):
        for i, v in enumerate(xs):
            if np.isnan(v) or any(np.isnan(p[i]) for p in ps):
                out.append(mpmath.nan)
                continue
            args = [mpmath.mpf(float(p[i])) for p in ps]
            out.append(_eval(act, mpmath.mpf(float(v)), args))
    return out


def _eval(act: Activation, x: Any, args: Sequence[Any]) -> Any:
    if mpmath.isinf(x):
        # limits at +-inf: evaluate far out, where every registry function has settled
        big = mpmath.mpf(2) ** 200
        v = act.reference(mpmath, big if x > 0 else -big, *args)
        return v if abs(v) < mpmath.mpf(2) ** 150 else mpmath.inf * mpmath.sign(v)
    return act.reference(mpmath, x, *args)


def mp_rows(act: Activation, rows: np.ndarray) -> list[list[Any]]:
    """Row-wise reference (softmax family) for a 2-D array of finite values."""
    with mpmath.workdps(DPS):
        return [act.reference(mpmath, [mpmath.mpf(float(v)) for v in row]) for row in np.asarray(rows, np.float64)]


def correctly_rounded(act: Activation, x: np.ndarray, *params: Any, dtype: Any = None) -> np.ndarray:
    """``act`` at ``x`` correctly rounded to ``dtype`` (default: x's dtype).

    Values that land exactly on a rounding midpoint at ``DPS`` digits are
    evaluated again at 4400 bits, enough to separate a float64 subnormal tie from
    the terms that break it (hard_swish: x/2 + x^2/6 at x = 2^-1074).
    """
    dt = np.dtype(dtype or np.asarray(x).dtype)
    xs = np.asarray(x)
    values = mp_values(act, xs, *params)
    out = round_exact(values, dt)
    flat = xs.ravel()
    ps = [np.broadcast_to(np.asarray(p, dtype=np.float64), xs.shape).ravel() for p in params]
    for i in _ties(values, out, dt):
        with mpmath.workprec(4400):
            v = _eval(act, mpmath.mpf(float(flat[i])), [mpmath.mpf(float(p[i])) for p in ps])
            out[i] = round_exact([v], dt)[0]
    return out.reshape(xs.shape)


def _ties(values: Sequence[Any], rounded: np.ndarray, dt: np.dtype) -> list[int]:
    """Indices whose exact value (at DPS digits) is a midpoint between two dtype values."""
    found = []
    with mpmath.workdps(DPS):
        for i, v in enumerate(values):
            r = rounded[i]
            if mpmath.isnan(v) or not np.isfinite(r):
                continue
            with np.errstate(over="ignore"):  # nextafter(max, inf) is inf: no midpoint there
                up = np.nextafter(r, dt.type(np.inf))
                down = np.nextafter(r, dt.type(-np.inf))
            for o in (up, down):
                if np.isfinite(o) and mpmath.mpf(float(r)) + mpmath.mpf(float(o)) == 2 * v:
                    found.append(i)
    return found


def _to_float(v: Any) -> float:
    """float(v), also for magnitudes beyond float64's exponent range (mpmath's float() fails there)."""
    if mpmath.isnan(v) or mpmath.isinf(v) or v == 0:
        return float(v)
    if abs(v) > mpmath.mpf(2) ** 1100:
        return math.copysign(math.inf, float(mpmath.sign(v)))
    if abs(v) < mpmath.mpf(2) ** -1100:
        return math.copysign(0.0, float(mpmath.sign(v)))
    return float(v)


def round_exact(values: Sequence[Any], dtype: Any) -> np.ndarray:
    """Round exact (mpmath) values to ``dtype`` correctly: to nearest, ties to even.

    ``d = float(v)`` is ``v`` correctly rounded to float64; rounding ``d`` on to
    ``dtype`` can differ from rounding ``v`` only when ``d`` is exactly a midpoint
    of ``dtype``.  Those few are settled in exact arithmetic.
    """
    dt = np.dtype(dtype)
    with mpmath.workdps(max(DPS, mpmath.mp.dps)):
        d = np.array([float(v) for v in values], dtype=np.float64)
    with np.errstate(over="ignore"):
        out = d.astype(dt)
    if dt == np.float64:
        # mpmath's float() is correctly rounded for normal results only (it double-rounds subnormals)
        with mpmath.workdps(max(DPS, mpmath.mp.dps)):
            for i in np.flatnonzero(np.abs(d) < np.finfo(np.float64).tiny):
                cands = [d[i], np.nextafter(d[i], np.inf), np.nextafter(d[i], -np.inf)]
                dist = [abs(mpmath.mpf(float(c)) - values[i]) for c in cands]
                best = min(dist)
                ties = [c for c, e in zip(cands, dist, strict=True) if e == best]
                pick = min(ties, key=lambda c: int(np.array(abs(c)).view(np.uint64)) % 2)  # ties to even
                out[i] = -abs(pick) if (pick == 0 and values[i] < 0) else pick
        return out
    f64 = out.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # nextafter(max, inf) overflows: fine
        other = np.nextafter(out, np.where(d > f64, dt.type(np.inf), dt.type(-np.inf)).astype(dt))  # inf stays
        mid = (f64 + other.astype(np.float64)) / 2
    suspect = np.flatnonzero(np.isfinite(d) & (d == mid) & (d != f64))
    with mpmath.workdps(max(DPS, mpmath.mp.dps)):
        for i in suspect:
            v = values[i]
            dist_a = abs(mpmath.mpf(float(out[i])) - v)
            dist_b = abs(mpmath.mpf(float(other[i])) - v)
            if dist_b < dist_a:
                out[i] = other[i]
    return out


def hi_lo(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Exact values as double-double arrays (``hi`` correctly rounded, subnormals too)."""
    hi = round_exact(values, np.float64)
    lo = np.zeros(len(values))
    with mpmath.workdps(DPS):
        for i, v in enumerate(values):
            if np.isfinite(hi[i]) and not mpmath.isnan(v):
                lo[i] = float(v - mpmath.mpf(float(hi[i])))
    return hi, lo
