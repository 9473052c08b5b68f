"""The exact values a sweep is measured against, and their correct rounding.

float16, bfloat16 and float32 sweeps use the registry's float64 oracle (validated
against mpmath: ``analysis.oracle.validate``, shown in the report).  Its error is
far below these formats' ULP except in one place: deciding the correctly rounded
value when the exact value lies next to a rounding midpoint.  Those inputs (and
+-inf, where the oracles' formulas give NaN) are settled with mpmath; float64
sweeps use mpmath throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from fastact.registry import Activation

from .formats import Format, get_format, round_to
from .metrics import ulp_error
from .oracle import oracle
from .references import DPS, _eval, hi_lo, mp_rows, mp_values

# the oracles are validated to < 1e-3 float32 ULP; twice that, in units of the format's ULP,
# marks an oracle value too close to a midpoint to round on its own
ORACLE_ULP32 = 2e-3
RESOLVE_LIMIT = 200_000  # at most this many mpmath evaluations per call (the rest stay "unresolved")


@dataclass
class Exact:
    hi: np.ndarray  # exact value as a double-double hi + lo (lo is 0 from the oracle)
    lo: np.ndarray
    cr: np.ndarray  # correctly rounded to the format, as float64
    unresolved: int  # near-midpoint inputs left to the oracle's rounding (over RESOLVE_LIMIT)


def _tol(fmt: Format) -> float:
    return ORACLE_ULP32 * 2.0 ** (min(fmt.p, 24) - 24)


def round_mp(values: list[Any], fmt: Format | str) -> np.ndarray:
    """mpmath values correctly rounded to ``fmt`` (float64 results).

    ``float(v)`` is ``v`` rounded to float64; rounding that again to ``fmt`` is wrong
    only when it is exactly a midpoint of ``fmt``, which is then settled by comparing
    ``v`` with it in exact arithmetic (an exact tie goes to even, as ``round_to`` does).
    """
    f = get_format(fmt)
    hi, _ = hi_lo(values)
    out = round_to(hi, f)
    if f.name == "float64":
        return out
    with np.errstate(invalid="ignore", over="ignore"):
        on_mid = np.isfinite(hi) & (ulp_error(out, hi, None, f) == 0.5)
    with mpmath.workdps(DPS):
        for i in np.flatnonzero(on_mid):
            below, above = sorted([out[i], 2 * hi[i] - out[i]])  # the two neighbours around the midpoint
            v = values[i] - mpmath.mpf(float(hi[i]))
            if v > 0:
                out[i] = above
            elif v < 0:
                out[i] = below
    return out


def exact(
    act: Activation,
    x: np.ndarray,
    params: tuple = (),
    fmt: Format | str = "float32",
    resolve_limit: int = RESOLVE_LIMIT,
) -> Exact:
    """Exact values of ``act`` at ``x`` (values of ``fmt``) with scalar ``params``; at most
    ``resolve_limit`` near-midpoint inputs are settled with mpmath, the rest counted as unresolved."""
    f = get_format(fmt)
    with np.errstate(invalid="ignore"):  # signalling-NaN patterns warn when widened
        x64 = np.asarray(x, dtype=np.float64).ravel()
    ps = [np.float64(p) for p in params]
    if f.name == "float64" or act.oracle is None:
        values = mp_values(act, x64, *ps)
        hi, lo = hi_lo(values)
        return Exact(hi, lo, round_mp(values, f), 0)
    hi = oracle(act, x64, *ps)
    hi = np.where(np.isnan(x64), np.nan, hi)
    inf = np.flatnonzero(np.isinf(x64))
    if inf.size:
        hi[inf] = hi_lo(mp_values(act, x64[inf], *ps))[0]
    cr = round_to(hi, f)
    with np.errstate(invalid="ignore"):
        near = np.flatnonzero(np.abs(ulp_error(cr, hi, None, f) - 0.5) < _tol(f))
    unresolved = max(0, near.size - resolve_limit)
    near = near[:resolve_limit]
    if near.size:
        values = mp_values(act, x64[near], *ps)
        # an exact tie at DPS digits may still be broken far beyond them (see references.correctly_rounded)
        with mpmath.workprec(4400):
            for j, i in enumerate(near):
                if values[j] == mpmath.mpf(float(hi[i])):
                    values[j] = _eval(act, mpmath.mpf(float(x64[i])), [mpmath.mpf(float(p)) for p in ps])
        cr[near] = round_mp(values, f)
        hi[near] = hi_lo(values)[0]
    return Exact(hi, np.zeros_like(hi), cr, unresolved)


def exact_rows(act: Activation, rows: np.ndarray, fmt: Format | str) -> Exact:
    """Row-wise functions (softmax family) with mpmath, for a 2-D array of finite rows."""
    values = [v for row in mp_rows(act, rows) for v in row]
    hi, lo = hi_lo(values)
    return Exact(hi, lo, round_mp(values, fmt), 0)
