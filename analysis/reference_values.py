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

import mpmath
import numpy as np

from fastact.registry import Activation

from .formats import Format, get_format, round_to
from .metrics import ulp_error
from .oracle import oracle
from .references import hi_lo, mp_rows, mp_values, precise
from .rounding import round_exact

# the oracles are validated to < 1e-3 float32 ULP; twice that, in units of the format's ULP,
# marks an oracle value too close to a midpoint to round on its own
ORACLE_ULP32 = 2e-3
RESOLVE_LIMIT = 200_000  # at most this many mpmath evaluations per call (the rest stay "unresolved")


@dataclass
class ReferenceValues:
    hi: np.ndarray  # exact value as a double-double hi + lo (lo is 0 from the oracle)
    lo: np.ndarray
    cr: np.ndarray  # correctly rounded to the format, as float64
    unresolved: int  # near-midpoint inputs left to the oracle's rounding (over RESOLVE_LIMIT)


def _tol(fmt: Format) -> float:
    return ORACLE_ULP32 * 2.0 ** (min(fmt.p, 24) - 24)


def reference_values(
    act: Activation,
    x: np.ndarray,
    params: tuple = (),
    fmt: Format | str = "float32",
    resolve_limit: int = RESOLVE_LIMIT,
) -> ReferenceValues:
    """ReferenceValues values of ``act`` at ``x`` (values of ``fmt``) with scalar ``params``; at most
    ``resolve_limit`` near-midpoint inputs are settled with mpmath, the rest counted as unresolved."""
    f = get_format(fmt)
    with np.errstate(invalid="ignore"):  # signalling-NaN patterns warn when widened
        x64 = np.asarray(x, dtype=np.float64).ravel()
    ps = [np.float64(p) for p in params]
    if f.name == "float64" or act.oracle is None:
        values = mp_values(act, x64, *ps)
        hi, lo = hi_lo(values)
        return ReferenceValues(hi, lo, round_exact(values, f).astype(np.float64), 0)
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
        # an exact tie at DPS digits may still be broken far beyond them (references.precise)
        for j, i in enumerate(near):
            if values[j] == mpmath.mpf(float(hi[i])):
                values[j] = precise(act, float(x64[i]), [float(p) for p in ps])
        cr[near] = round_exact(values, f)
        hi[near] = hi_lo(values)[0]
    return ReferenceValues(hi, np.zeros_like(hi), cr, unresolved)


def reference_rows(act: Activation, rows: np.ndarray, fmt: Format | str) -> ReferenceValues:
    """Row-wise functions (softmax family) with mpmath, for a 2-D array of finite rows."""
    values = [v for row in mp_rows(act, rows) for v in row]
    hi, lo = hi_lo(values)
    return ReferenceValues(hi, lo, round_exact(values, fmt).astype(np.float64), 0)
