"""Row kernels for softmax and log_softmax, the gufuncs ``(n)->(n)``.

softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m),  m = max_j x_j
log_softmax(x)_i = (x_i - m) - log(sum_j exp(x_j - m))

float16 and float32 rows compute exp in float32, float64 rows in float64; sums
are accumulated in float64 (vectorized, reassociated: the only fastmath flag
used).  For log_softmax the sum is split as ``count(x_j == m) + rest`` so that
log_softmax near 0 (one dominant entry) is ``-log1p(rest)`` without the
cancellation of ``log(1 + rest)``.

Rows with a NaN, a +inf, or only -inf entries give NaN throughout (as PyTorch,
JAX and SciPy do); other -inf entries give 0 (softmax) and -inf (log_softmax).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import bits_f32, bits_f64, f32_bits, f64_bits, itemsize, jit, like, load, load_at, store, store_at
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


# exp(v - m) with v - m formed exactly (two_sum): rounding it first would be amplified
# |v - m|-fold in the result (2e-6 relative at v - m = -36 in float32).
@jit
def _exp_diff_f32(v, m):
    hi, lo = two_sum(v, -m)
    e = exp_f32(hi)
    # far below the max (or v - m overflowing to -inf, lo NaN) the term is 0
    return np.float32(0.0) if hi < np.float32(-104.0) else e + e * lo


@jit
def _exp_diff_f64(v, m):
    hi, lo = two_sum(v, -m)
    e = exp_f64(hi)
    return 0.0 if hi < -746.0 else e + e * lo


def _make_row(exp_diff, key, unkey, key_min, log: bool):
    """Row kernel for one compute type (float32 or float64 exp)."""

    # The hot loops are small functions of their own, one job each: elementwise loops
    # give the same bits whether LLVM vectorizes them or not (an in-place call takes
    # the scalar path, since x and y alias), and the sums read one array and never
    # store, so their (reassociated, vectorized) order does not depend on aliasing.
    @jit(fastmath=_ROW_FLAGS)
    def sum_exp(xp, sx, n, m, TIN):
        total = 0.0
        if sx == itemsize(TIN):
            for i in range(n):
                total += np.float64(exp_diff(widen(load(xp, i, TIN)), m))
        else:
            for i in range(n):
                total += np.float64(exp_diff(widen(load_at(xp, i * sx, TIN)), m))
        return total

    @jit(fastmath=_ROW_FLAGS)
    def sum_stored(yp, sy, n, TIN):
        total = 0.0
        if sy == itemsize(TIN):
            for i in range(n):
                total += np.float64(load(yp, i, TIN))
        else:
            for i in range(n):
                total += np.float64(load_at(yp, i * sy, TIN))
        return total

    @jit(fastmath=_ROW_FLAGS)
    def sum_rest(xp, sx, n, m, TIN):
        # sum over v != m of exp(v - m), as sum(e - [v == m]): at a maximum e is exactly 1,
        # so every term is exact and there is no cancellation; the count of maxima too
        # (exact below 2^24 maxima in float32)
        zero = like(0.0, m)
        one = like(1.0, m)
        rest = zero  # in the compute type: one vector width through the loop
        cnt = zero
        if sx == itemsize(TIN):
            for i in range(n):
                v = widen(load(xp, i, TIN))
                top = one if v == m else zero
                rest += exp_diff(v, m) - top
                cnt += top
        else:
            for i in range(n):
                v = widen(load_at(xp, i * sx, TIN))
                top = one if v == m else zero
                rest += exp_diff(v, m) - top
                cnt += top
        return rest, cnt

    @jit
    def row(xp, sx, yp, sy, n, TIN):
        if n == 0:
            return
        size = itemsize(TIN)
        ux = sx == size
        uy = sy == size
        # pass 1: maximum (an integer max over order-preserving keys vectorizes) and NaNs
        k = key_min
        bad = 0
        if ux:
            for i in range(n):
                v = widen(load(xp, i, TIN))
                k = max(k, key(v))
                bad += v != v
        else:
            for i in range(n):
                v = widen(load_at(xp, i * sx, TIN))
                k = max(k, key(v))
                bad += v != v
        m = unkey(k)
        if bad > 0 or m == math.inf or m == -math.inf:
            nan = narrow(math.nan, TIN)
            for i in range(n):
                store_at(yp, i * sy, nan)
            return
        if log:
            rest, cnt = sum_rest(xp, sx, n, m, TIN)
            lse = _log1p((np.float64(cnt) - 1.0) + np.float64(rest))
            mm = np.float64(m)
            if ux and uy:
                for i in range(n):
                    store(yp, i, narrow((np.float64(widen(load(xp, i, TIN))) - mm) - lse, TIN))
            else:
                for i in range(n):
                    store_at(yp, i * sy, narrow((np.float64(widen(load_at(xp, i * sx, TIN))) - mm) - lse, TIN))
            return
        if size > 2:
            # float32/float64: keep the exp terms in y, then scale them
            if ux and uy:
                for i in range(n):
                    store(yp, i, exp_diff(widen(load(xp, i, TIN)), m))
            else:
                for i in range(n):
                    store_at(yp, i * sy, exp_diff(widen(load_at(xp, i * sx, TIN)), m))
            total = sum_stored(yp, sy, n, TIN)
            inv = 1.0 / total
            # float32 terms: one rounding of the double product; float64: divide (one rounding)
            if uy:
                if size == 8:
                    for i in range(n):
                        store(yp, i, load(yp, i, TIN) / total)
                else:
                    inv32 = like(inv, m)  # one more rounding (1/total), for a loop without conversions
                    for i in range(n):
                        store(yp, i, load(yp, i, TIN) * inv32)
            else:
                for i in range(n):
                    e = np.float64(load_at(yp, i * sy, TIN))
                    store_at(yp, i * sy, narrow(e / total if size == 8 else e * inv, TIN))
        else:
            # float16 cannot hold the unscaled terms without a second rounding: recompute them
            inv = 1.0 / sum_exp(xp, sx, n, m, TIN)
            if ux and uy:
                for i in range(n):
                    store(yp, i, narrow(np.float64(exp_diff(widen(load(xp, i, TIN)), m)) * inv, TIN))
            else:
                for i in range(n):
                    store_at(yp, i * sy, narrow(np.float64(exp_diff(widen(load_at(xp, i * sx, TIN)), m)) * inv, TIN))

    return row


softmax_f32 = _make_row(_exp_diff_f32, _key_f32, _unkey_f32, -(2**31), log=False)
softmax_f64 = _make_row(_exp_diff_f64, _key_f64, _unkey_f64, -(2**63), log=False)
log_softmax_f32 = _make_row(_exp_diff_f32, _key_f32, _unkey_f32, -(2**31), log=True)
log_softmax_f64 = _make_row(_exp_diff_f64, _key_f64, _unkey_f64, -(2**63), log=True)
