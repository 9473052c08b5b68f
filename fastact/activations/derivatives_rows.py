"""Vector-Jacobian products of softmax and log_softmax, the gufuncs ``(n),(n)->(n)``.

Given the forward output y and the upstream gradient dy of a row:

softmax:      dx_i = y_i (dy_i - sum_j dy_j y_j)
log_softmax:  dx_i = dy_i - exp(y_i) sum_j dy_j

One kernel body serves every dtype: elements are widened to float64, the row sum is
accumulated in float64 (vectorized with reassociation, as in ``softmax``), and each
result is rounded once to the storage type.  NaN anywhere in a row's sum makes the
row NaN, as the explicit Jacobian product would.
"""

from __future__ import annotations

import numpy as np

from .._numba import itemsize, jit, load, load_at, store, store_at
from ..convert import narrow, widen
from ..kernels.exp import exp_f64

_ROW_FLAGS = {"reassoc"}  # sums only; never nnan/ninf


@jit(fastmath=_ROW_FLAGS)
def _dot(ap, sa, bp, sb, n, TIN):
    total = 0.0
    size = itemsize(TIN)
    if sa == size and sb == size:
        for i in range(n):
            total += np.float64(widen(load(ap, i, TIN))) * np.float64(widen(load(bp, i, TIN)))
    else:
        for i in range(n):
            total += np.float64(widen(load_at(ap, i * sa, TIN))) * np.float64(widen(load_at(bp, i * sb, TIN)))
    return total


@jit(fastmath=_ROW_FLAGS)
def _sum(ap, sa, n, TIN):
    total = 0.0
    if sa == itemsize(TIN):
        for i in range(n):
            total += np.float64(widen(load(ap, i, TIN)))
    else:
        for i in range(n):
            total += np.float64(widen(load_at(ap, i * sa, TIN)))
    return total


@jit
def softmax_vjp(yp, sy, gp, sg, op, so, n, TIN):
    """dx = y * (dy - sum(dy * y)) for one row."""
    if n == 0:
        return
    s = _dot(yp, sy, gp, sg, n, TIN)
    size = itemsize(TIN)
    if sy == size and sg == size and so == size:
        for i in range(n):
            y = np.float64(widen(load(yp, i, TIN)))
            g = np.float64(widen(load(gp, i, TIN)))
            store(op, i, narrow(y * (g - s), TIN))
    else:
        for i in range(n):
            y = np.float64(widen(load_at(yp, i * sy, TIN)))
            g = np.float64(widen(load_at(gp, i * sg, TIN)))
            store_at(op, i * so, narrow(y * (g - s), TIN))


@jit
def log_softmax_vjp(yp, sy, gp, sg, op, so, n, TIN):
    """dx = dy - exp(y) * sum(dy) for one row."""
    if n == 0:
        return
    s = _sum(gp, sg, n, TIN)
    size = itemsize(TIN)
    if sy == size and sg == size and so == size:
        for i in range(n):
            y = np.float64(widen(load(yp, i, TIN)))
            g = np.float64(widen(load(gp, i, TIN)))
            store(op, i, narrow(g - exp_f64(y) * s, TIN))
    else:
        for i in range(n):
            y = np.float64(widen(load_at(yp, i * sy, TIN)))
            g = np.float64(widen(load_at(gp, i * sg, TIN)))
            store_at(op, i * so, narrow(g - exp_f64(y) * s, TIN))
