"""Correct rounding of exact (mpmath) values: one function for every format, and double-doubles.

``round_exact(values, fmt)`` rounds to float16, bfloat16, float32 or float64 (a name, a
NumPy dtype or an ``analysis.formats.Format``), to nearest with ties to even, exactly once:
``d = float(v)`` is ``v`` correctly rounded to float64 (mpmath's ``float`` for normal
results; float64 subnormals are settled by comparing both neighbours with ``v``); rounding
``d`` on to a narrower format differs from rounding ``v`` only when ``d`` is exactly a midpoint
of that format, and those few are settled by comparing ``v`` with the midpoint in exact
arithmetic.  ``hi_lo`` gives the exact values as float64 pairs hi + lo for the ULP metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from .formats import Format, get_format, round_to

DPS = 60  # decimal digits of the references (analysis.references evaluates at this precision)


def round_exact(values: Sequence[Any], fmt: Format | str | Any) -> np.ndarray:
    """Exact (mpmath) values correctly rounded to ``fmt``: float64 results for bfloat16, the format's
    own dtype for float16, float32 and float64 (their storage)."""
    f = get_format(fmt)
    if f.name == "float64":
        return _round_float64(values)
    hi = _round_float64(values)
    out = round_to(hi, f)
    with np.errstate(invalid="ignore", over="ignore"):
        on_mid = np.isfinite(hi) & (_ulp_error(out, hi, f) == 0.5)
    with mpmath.workdps(max(DPS, mpmath.mp.dps)):
        for i in np.flatnonzero(on_mid):
            below, above = sorted([out[i], 2 * hi[i] - out[i]])  # the two neighbours around the midpoint
            v = values[i] - mpmath.mpf(float(hi[i]))
            if v > 0:
                out[i] = above
            elif v < 0:
                out[i] = below
    return out if f.name == "bfloat16" else out.astype(f.storage)


def _ulp_error(out: np.ndarray, hi: np.ndarray, f: Format) -> np.ndarray:
    from .metrics import ulp_error  # metrics imports formats only: no cycle, but keep the import light

    return ulp_error(out, hi, None, f)


def _round_float64(values: Sequence[Any]) -> np.ndarray:
    """Exact values correctly rounded to float64, subnormals included."""
    with mpmath.workdps(max(DPS, mpmath.mp.dps)):
        out = np.array([float(v) for v in values], dtype=np.float64)
        # mpmath's float() is correctly rounded for normal results only (it double-rounds subnormals)
        for i in np.flatnonzero(np.abs(out) < np.finfo(np.float64).tiny):
            cands = [out[i], np.nextafter(out[i], np.inf), np.nextafter(out[i], -np.inf)]
            dist = [abs(mpmath.mpf(float(c)) - values[i]) for c in cands]
            best = min(dist)
            ties = [c for c, e in zip(cands, dist, strict=True) if e == best]
            pick = min(ties, key=lambda c: int(np.array(abs(c)).view(np.uint64)) % 2)  # ties to even
            out[i] = -abs(pick) if (pick == 0 and values[i] < 0) else pick
    return out


def hi_lo(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Exact values as double-double arrays (``hi`` correctly rounded, subnormals too)."""
    hi = _round_float64(values)
    lo = np.zeros(len(values))
    with mpmath.workdps(DPS):
        for i, v in enumerate(values):
            if np.isfinite(hi[i]) and not mpmath.isnan(v):
                lo[i] = float(v - mpmath.mpf(float(hi[i])))
    return hi, lo
