"""Fast references for long softmax rows: x87 extended precision (64-bit significand).

mpmath is exact but takes seconds per 10^6 elements; for rows of 2^20 and more the
reference is computed in ``numpy.longdouble`` (80-bit on x86-64): exp to ~2^-63
relative, the sum pairwise (error ~log2(n) 2^-64), so the reference is good to ~2^-58,
1/32 of a float64 ULP.  ``tests/test_softmax.py`` checks it against mpmath.
"""

from __future__ import annotations

import numpy as np

EXTENDED = np.finfo(np.longdouble).nmant >= 63  # x87 extended precision available


def row_reference(x: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """softmax (or log_softmax) along the last axis of finite rows ``x``, as (hi, lo) float64 pairs."""
    if not EXTENDED:
        raise RuntimeError("numpy.longdouble is not an extended format on this platform")
    xl = np.asarray(x, dtype=np.float64).astype(np.longdouble)
    d = xl - xl.max(axis=-1, keepdims=True)
    e = np.exp(d)
    s = np.sum(e, axis=-1, keepdims=True)
    # log S = log1p(S - 1), S - 1 from the terms below the max and the count of maxima
    # (log of a longdouble S next to 1 would lose the digits of log_softmax next to 0)
    rest = np.sum(np.where(d == 0, 0, e), axis=-1, keepdims=True) + (np.sum(d == 0, axis=-1, keepdims=True) - 1)
    ref = d - np.log1p(rest) if log else e / s
    hi = ref.astype(np.float64)
    lo = (ref - hi.astype(np.longdouble)).astype(np.float64)
    return hi, lo
