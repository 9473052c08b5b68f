"""High-precision references from the registry's mpmath definitions: the one place they are evaluated.

Every registry entry carries ``reference(mp, x, *params)``; here it is evaluated at
``DPS`` decimal digits (``mp_values``, ``mp_rows``), again at 4400 bits where a value lands
exactly on a rounding midpoint (``precise``), and rounded exactly once to the format under
test with ``analysis.rounding.round_exact`` (re-exported here with ``hi_lo``, as the tests use them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from fastact.registry import Activation

from .rounding import DPS, hi_lo, round_exact

__all__ = ["DPS", "correctly_rounded", "hi_lo", "mp_rows", "mp_values", "precise", "round_exact"]

TIE_PRECISION = 4400  # bits: separates a float64 subnormal tie from the terms that break it (hard_swish at 2^-1074)


def mp_values(act: Activation, x: np.ndarray, *params: np.ndarray) -> list[Any]:
    """The exact function at each element (float inputs are taken as exact)."""
    with np.errstate(invalid="ignore"):  # widening a signalling NaN (every bit pattern is swept) flags invalid
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


def precise(act: Activation, x: float, params: Sequence[float]) -> Any:
    """``act`` at one point evaluated again at ``TIE_PRECISION`` bits: for values that are exactly a
    rounding midpoint at ``DPS`` digits, whose tie a term far below those digits may break."""
    with mpmath.workprec(TIE_PRECISION):
        return _eval(act, mpmath.mpf(x), [mpmath.mpf(p) for p in params])


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
        v = precise(act, float(flat[i]), [float(p[i]) for p in ps])
        with mpmath.workprec(TIE_PRECISION):  # rounding compares v with its neighbours: at v's own precision
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
