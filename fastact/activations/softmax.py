"""Row kernels for softmax and log_softmax, the gufuncs ``(n)->(n)``.

softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m),  m = max_j x_j
log_softmax(x)_i = (x_i - m) - log(sum_j exp(x_j - m))

float16 and float32 rows compute exp in float32 and accumulate in float64;
float64 rows work in float64.  The sum is split as ``count(x_j == m) + rest`` so
that log_softmax near 0 (one dominant entry) is ``-log1p(rest)`` without the
cancellation of ``log(1 + rest)``.

Rows with a NaN, a +inf, or only -inf entries give NaN throughout (as PyTorch,
JAX and SciPy do); other -inf entries give 0 (softmax) and -inf (log_softmax).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import bits_f32, bits_f64, f32_bits, f64_bits, itemsize, jit, load, load_at, store, store_at
from ..convert import narrow, widen
from ..kernels.dd import two_sum
from ..kernels.exp import exp_f32, exp_f64

# fastmath "reassoc" lets LLVM vectorize the row sums; it is never nnan/ninf, and the
# exp kernels are separate functions, so their own rounding tricks keep strict IEEE flags.
_ROW_FLAGS = {"reassoc"}


@jit
def _key_f32(v):
    # an int32 whose signed order is the order of the float32 values
    b = f32_bits(v)
    return b ^ ((b >> 31) & 0x7FFFFFFF)


@jit
def _unkey_f32(k):
    return bits_f32(k ^ ((k >> 31) & 0x7FFFFFFF))


@jit
def _key_f64(v):
    b = f64_bits(v)
    return b ^ ((b >> 63) & 0x7FFFFFFFFFFFFFFF)


@jit
def _unkey_f64(k):
    return bits_f64(k ^ ((k >> 63) & 0x7FFFFFFFFFFFFFFF))


@jit
def _log1p(x):
    # log1p from log: u = 1 + x rounded; the correction recovers the lost low part
    u = 1.0 + x
    return x if u == 1.0 else math.log(u) * (x / (u - 1.0))


# exp(v - m) with v - m formed exactly: rounding it first would be amplified |v - m|-fold
# in the result (2e-6 relative at v - m = -36 in float32).
@jit
def _exp_diff_f32(v, m):
    # float32 values: v - m is exact in float64 and cannot overflow there
    t = np.float64(v) - np.float64(m)
    t = t if t > -200.0 else -200.0  # exp is 0 below -104 anyway
    th = np.float32(t)
    e = exp_f32(th)
    return e + e * np.float32(t - np.float64(th))


@jit
def _exp_diff_f64(v, m):
    hi, lo = two_sum(v, -m)
    e = exp_f64(hi)
    return e if hi < -800.0 else e + e * lo  # far below the max (or v - m = -inf): 0


def _make_row(exp_diff, key, unkey, key_min, log: bool):
    @jit(fastmath=_ROW_FLAGS)
    def row(xp, sx, yp, sy, n, TIN):
        if n == 0:
            return
        unit_x = sx == itemsize(TIN)
        unit_y = sy == itemsize(TIN)
        # pass 1: maximum (as an integer max, which vectorizes) and NaN count
        k = key_min
        bad = 0
        for i in range(n):
            v = widen(load(xp, i, TIN)) if unit_x else widen(load_at(xp, i * sx, TIN))
            k = max(k, key(v))
            bad += v != v
        m = unkey(k)
        if bad > 0 or m == math.inf or m == -math.inf:
            nan = narrow(math.nan, TIN)
            for i in range(n):
                if unit_y:
                    store(yp, i, nan)
                else:
                    store_at(yp, i * sy, nan)
            return
        # pass 2: the sum, split as count(x == m) + rest
        rest = 0.0
        cnt = 0
        for i in range(n):
            v = widen(load(xp, i, TIN)) if unit_x else widen(load_at(xp, i * sx, TIN))
            top = v == m
            cnt += top
            rest += 0.0 if top else np.float64(exp_diff(v, m))
        if log:
            lse = _log1p((cnt - 1) + rest)
            for i in range(n):
                v = widen(load(xp, i, TIN)) if unit_x else widen(load_at(xp, i * sx, TIN))
                y = narrow((np.float64(v) - np.float64(m)) - lse, TIN)
                if unit_y:
                    store(yp, i, y)
                else:
                    store_at(yp, i * sy, y)
        else:
            inv = 1.0 / (cnt + rest)
            for i in range(n):
                v = widen(load(xp, i, TIN)) if unit_x else widen(load_at(xp, i * sx, TIN))
                y = narrow(np.float64(exp_diff(v, m)) * inv, TIN)
                if unit_y:
                    store(yp, i, y)
                else:
                    store_at(yp, i * sy, y)

    return row


softmax_f32 = _make_row(_exp_diff_f32, _key_f32, _unkey_f32, -(2**31), log=False)
softmax_f64 = _make_row(_exp_diff_f64, _key_f64, _unkey_f64, -(2**63), log=False)
log_softmax_f32 = _make_row(_exp_diff_f32, _key_f32, _unkey_f32, -(2**31), log=True)
log_softmax_f64 = _make_row(_exp_diff_f64, _key_f64, _unkey_f64, -(2**63), log=True)
