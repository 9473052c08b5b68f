"""Error metrics.

ULP error as JAX's ``docs/accuracy.md`` defines it: for an exact value ``r``,
``ulp(r) = 2^(min(max(floor(log2 |r|), e_min), e_max) - (p - 1))`` and the error is
``|computed - r| / ulp(r)``, fractional (0.5 means correctly rounded).

Policies (stated so results are comparable):
- subnormals: the ulp stops shrinking at the smallest normal exponent, so an
  error in the subnormal range is counted in units of the smallest subnormal;
- overflow: if ``r`` rounds to +-inf in the dtype and the result is that inf, the
  error is 0; an inf where ``r`` is finite and representable is an infinite error;
- NaN: a NaN where the exact value is NaN is error 0, any other NaN mismatch inf.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def ulp_of(r: np.ndarray, dtype: Any) -> np.ndarray:
    """JAX's ulp(r) for float64 magnitudes ``r``, in the precision of ``dtype``."""
    info = np.finfo(dtype)
    p = info.nmant + 1
    e_min = info.minexp
    e_max = info.maxexp - 1
    a = np.abs(np.asarray(r, dtype=np.float64))
    _, ex = np.frexp(a)  # a = m * 2^ex with 0.5 <= m < 1, exact (log2 is not, next to powers of two)
    e = np.where(a > 0, ex - 1, e_min)
    e = np.clip(e, e_min, e_max)
    return np.ldexp(1.0, (e - (p - 1)).astype(np.int64))


def ulp_error(computed: np.ndarray, hi: np.ndarray, lo: np.ndarray | None = None, dtype: Any = None) -> np.ndarray:
    """Fractional ULP error of ``computed`` against the exact value ``hi + lo``.

    ``hi``/``lo`` are a double-double (``lo`` may be omitted for float16/float32,
    where float64 is 2^29 times finer than the ulp).
    """
    c = np.asarray(computed)
    dt = np.dtype(dtype or c.dtype)
    c64 = c.astype(np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    lo = np.zeros_like(hi) if lo is None else np.asarray(lo, dtype=np.float64)
    info = np.finfo(dt)
    big = float(info.max) + 2.0 ** (info.maxexp - info.nmant - 2)  # max + half its ulp: rounds to inf
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs((c64 - hi) - lo)
        err = diff / ulp_of(hi, dt)
        r_nan = np.isnan(hi)
        c_nan = np.isnan(c64)
        r_over = np.abs(hi) >= big
        c_inf = np.isinf(c64)
        same_inf = r_over & c_inf & (np.sign(c64) == np.sign(hi))
        err = np.where(same_inf, 0.0, err)
        err = np.where(r_over & ~same_inf, np.inf, err)
        err = np.where(c_inf & ~r_over, np.inf, err)
        err = np.where(r_nan & c_nan, 0.0, err)
        err = np.where(r_nan ^ c_nan, np.inf, err)
    return err
