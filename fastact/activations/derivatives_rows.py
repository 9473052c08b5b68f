"""Vector-Jacobian products of softmax and log_softmax, the gufuncs ``(n),(n)->(n)``
(and, with a mask, ``(n),(n),(n)->(n)``).

Given the forward output y and the upstream gradient dy of a row:

softmax:      dx_i = y_i (dy_i - sum_j dy_j y_j)
log_softmax:  dx_i = dy_i - exp(y_i) sum_j dy_j

j over the unmasked entries; masked entries get dx_i = 0 (they took no part in the
forward pass).  One kernel body serves every dtype: elements are widened to float64,
the row sum is accumulated in float64 block by block (vectorized with reassociation,
as in ``softmax``) and carried across blocks as a double-double, and each result is
rounded once to the storage type.  Kernels see contiguous rows only (``fastact._loops``
copies strided ones), so the bits do not depend on the layout.  NaN anywhere in a
row's sum makes the row NaN, as the explicit Jacobian product would.
"""

from __future__ import annotations

import numpy as np

from .._numba import jit, load, store
from ..convert import narrow, widen
from ..kernels.dd import fast_two_sum, two_sum
from ..kernels.exp import exp_f64
from .softmax import BLOCK

_ROW_FLAGS = {"reassoc"}  # sums only; never nnan/ninf


@jit
def _keep(kp, i, masked):
    return load(kp, i, np.uint8) != 0 if masked else True


def _make(log: bool, masked: bool):
    @jit(fastmath=_ROW_FLAGS)
    def block(ap, bp, kp, i0, i1, TIN):
        total = 0.0
        for i in range(i0, i1):
            g = np.float64(widen(load(bp, i, TIN)))
            t = g if log else np.float64(widen(load(ap, i, TIN))) * g
            total += t if _keep(kp, i, masked) else 0.0
        return total

    @jit
    def row_sum(ap, bp, kp, n, TIN):
        s_hi = 0.0
        s_lo = 0.0
        for b0 in range(0, n, BLOCK):
            s_hi, e = two_sum(s_hi, block(ap, bp, kp, b0, min(b0 + BLOCK, n), TIN))
            s_lo += e
        return fast_two_sum(s_hi, s_lo)[0]

    @jit
    def vjp(ap, bp, yp, kp, n, TIN):
        if n == 0:
            return
        s = row_sum(ap, bp, kp, n, TIN)
        zero = narrow(0.0, TIN)
        for i in range(n):
            y = np.float64(widen(load(ap, i, TIN)))
            g = np.float64(widen(load(bp, i, TIN)))
            d = narrow(g - exp_f64(y) * s if log else y * (g - s), TIN)
            store(yp, i, d if _keep(kp, i, masked) else zero)

    return vjp


softmax_vjp = _make(log=False, masked=False)
log_softmax_vjp = _make(log=True, masked=False)
masked_softmax_vjp = _make(log=False, masked=True)
masked_log_softmax_vjp = _make(log=True, masked=True)
