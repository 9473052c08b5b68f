"""Row kernels for softmax and log_softmax (the gufuncs ``(n)->(n)`` and, with a mask,
``(n),(n)->(n)``).

softmax(x)_i = exp(x_i - m) / S,  log_softmax(x)_i = (x_i - m) - log(S),
m = max_j x_j,  S = sum_j exp(x_j - m)  (j over the unmasked entries).

Kernels see contiguous rows only (``fastact._loops`` copies strided rows first) and
reduce in one fixed order, so a row's bits do not depend on its layout.

float16 and float32 rows compute exp in float32, float64 rows in float64.  Sums never
saturate and do not grow with the row length:

* they run over blocks of ``BLOCK`` terms; the block sums are vectorized (reassociated,
  the only fastmath flag used) and carried across blocks as a double-double;
* float32 terms are summed in float64 (exact products and sums of 2^11 terms lose at
  most ~2^-46 of the sum); float64 terms t in [0, 1] are split as t = h + l with h a
  multiple of 2^-40 (``_split40``): a block's sum of h is exact in any order (below
  2^13), so only the tiny l's sum is rounded, and S is good to ~2^-104 + 2^-53;
* log_softmax splits S as ``count(x_j == m) + rest`` (an int64 count) so that near 0
  (one dominant entry) it is ``-log1p(rest)`` without the cancellation of ``log(1 + rest)``;
  float64 rows take log1p as a double-double, float32/float16 rows from a short table-based
  log1p good to 2^-43 (each row waits for it, so its latency is the row's).  A tiny rest
  (one maximum) is summed again: below n 2^-120 from float64 terms, as float32 terms below
  2^-126 lose its relative precision (``_make_tiny_rest``); in float64 rows below n 2^-40
  from terms scaled by up to 2^1076, as terms below 2^-41 fall outside the exact part of
  the split sums and below 2^-1022 underflow (``_make_small_rest64``).
* bfloat16 rows have kernels of their own (``_make_row_bf16``): float32 arithmetic rounded
  once from float32, which bfloat16's 0.51 ULP claim leaves room for.

Rows with a NaN, a +inf, or only -inf entries (among the unmasked ones) give NaN
throughout (as PyTorch, JAX and SciPy do); other -inf entries give 0 (softmax) and -inf
(log_softmax).  Masked entries give 0 (log_softmax -inf) and take no part in the max
and the sum; a row with every entry masked gives 0 (-inf).
"""

from __future__ import annotations

import math

import numpy as np

from .._loops import ROW_BLOCK, ROW_KEEP
from .._numba import (
    bf16_to_f32,
    bits_f32,
    bits_f64,
    f32_bits,
    f32_to_bf16,
    f64_bits,
    fma,
    itemsize,
    jit,
    like,
    load,
    offset_ptr,
    pow2_pair_f32,
    store,
)
from ..convert import narrow, widen
from ..kernels.dd import fast_two_sum, two_sum
from ..kernels.exp import LN2_HI_F32, LN2_LO_F32, LOG2E_F32, MAGIC_F32, _expm1_r_f64, _reduce, _scale, exp_poly_f32
from ..kernels.log import log1p_f64

# fastmath "reassoc" lets LLVM vectorize the block sums; it is never nnan/ninf, and the
# exp kernels and _split40 are separate functions, so their rounding tricks keep strict
# IEEE flags after inlining (flags are per instruction).
_ROW_FLAGS = {"reassoc"}
BLOCK = ROW_BLOCK  # terms per block sum: float64 multiples of 2^-40 stay exact below 2^13
_SPLIT = 6144.0  # 1.5 * 2^12: t + _SPLIT rounds t in [0, 1] to a multiple of 2^-40


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
def _split40(t):
    """t = h + l exactly, h a multiple of 2^-40 (t in [0, 1]), |l| <= 2^-41."""
    h = (t + _SPLIT) - _SPLIT
    return h, t - h


# exp(v - m) with v - m formed exactly (two_sum): rounding it first would be amplified
# |v - m|-fold in the result (2e-6 relative at v - m = -36 in float32).  The hot loop of
# every row: exp (float32 or float64 arithmetic) and two_sum without their guards (clamps, the inf test of
# two_sum's low part), which the final select makes redundant: hi is <= 0, and below the
# cut (or -inf, or v - m overflowing, lo then NaN) the term is 0 whatever exp gave.  A NaN
# v gives a NaN term (the select keeps it), so a row's NaN reaches its sum.
@jit
def _two_sum_free(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@jit
def _exp_le0_f32(t):
    """e^t in float32 arithmetic for t in [-104, 0], without clamps (garbage below, for the caller
    to drop); 2^n in two halves so that subnormal results round once."""
    k = fma(t, LOG2E_F32, MAGIC_F32)
    n = k - MAGIC_F32
    r = fma(-n, LN2_LO_F32, fma(-n, LN2_HI_F32, t))
    s1, s2 = pow2_pair_f32(k, MAGIC_F32)
    return exp_poly_f32(r) * s1 * s2


@jit
def _exp_diff_f32(v, m):
    hi, lo = _two_sum_free(v, -m)
    e = _exp_le0_f32(hi)
    return np.float32(0.0) if hi < np.float32(-104.0) else fma(e, lo, e)


@jit
def _exp_diff_f64(v, m):
    hi, lo = _two_sum_free(v, -m)
    ni, r = _reduce(hi)  # exp_f64 without its clamp: the same bits on [-746, 0]
    e = _scale(_expm1_r_f64(r) + 1.0, ni)
    return 0.0 if hi < -746.0 else fma(e, lo, e)


@jit
def _keep(kp, i, masked):
    # the mask byte (True = take part); unmasked kernels never read kp
    return load(kp, i, np.uint8) != 0 if masked else True


# log1p for the float32/float16 rows' log-sum-exp, short in latency: each row waits for
# it before its output pass (log1p_f64 took ~200 cycles, 10% of a 1024-element row and
# more than half of a 64-element one).  f = 1 + u = 2^k m, m in [1, 2); j the top 7 bits
# of m's fraction; log m = -log R_j + log1p(t), t = m R_j - 1 by one fma (R_j has 9
# significant bits, so t is exact to 2^-61) and |t| < 2^-7; log1p(t) to degree 6 (relative
# error < t^6/7 < 2^-44); R_0 = 1, so near u = 0 the result keeps u's relative precision.
# Measured against mpmath on 60000 u in [0, 2^63]: max relative error 2^-44.9.
def _log_table():
    r = np.empty(128)
    for j in range(128):
        c = 1.0 + (j + 0.5) / 128.0
        e = math.floor(math.log2(1.0 / c))
        r[j] = 1.0 if j == 0 else round(2.0 ** (8 - e) / c) * 2.0 ** (e - 8)  # 9 significant bits
    return r, np.array([-math.log(v) for v in r])


_LOG_R, _LOG_NEG = _log_table()
_LN2 = math.log(2.0)


@jit
def _log1p_short(u, u_lo):
    """log(1 + u + u_lo) for u >= 0 (|u_lo| <= ulp(u)), relative error below 2^-43."""
    f = 1.0 + u
    c = (u - (f - 1.0)) + u_lo  # what 1 + u lost: f - 1 and u - (f - 1) are exact
    b = f64_bits(f)
    k = (b >> 52) - 1023
    j = (b >> 45) & 127
    m = bits_f64((b & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000)
    t = fma(m, _LOG_R[j], -1.0)
    t2 = t * t
    p = fma(t2 * t2, -1.0 / 6.0, fma(t2, fma(t, 0.2, -0.25), fma(t, 1.0 / 3.0, -0.5)))
    return (np.float64(k) * _LN2 + _LOG_NEG[j]) + (fma(t2, p, t) + c / f)


@jit
def _lse_short(cnt, r_hi, r_lo):
    """log(cnt + rest) to ~2^-43 relative, rest = r_hi + r_lo, for float32/float16 results."""
    # (cnt - 1) + r_hi rounds only when cnt > 1, and then by 2^-53 relative of u >= 1
    return _log1p_short(np.float64(cnt - 1) + r_hi, r_lo)


@jit
def _lse(cnt, r_hi, r_lo):
    """log(cnt + rest) as a double-double, rest = r_hi + r_lo: log1p((cnt - 1) + rest)."""
    a_hi, a_lo = two_sum(np.float64(cnt - 1), r_hi)
    a_hi, a_lo = fast_two_sum(a_hi, a_lo + r_lo)
    hi = log1p_f64(a_hi)
    return fast_two_sum(hi, a_lo / (1.0 + a_hi))


# log_softmax next to 0 (one maximum, rest = sum over x_j < m of exp(x_j - m) tiny) needs rest to
# its own relative precision, and float32 terms below 2^-126 are off by up to 2^-150 each (those
# below e^-104 are dropped): n of them are off by n 2^-149 together, 45000 float32 ulps of
# log_softmax at n = 1e5 entries 100 below the max.  Rows with rest < n 2^-120 (so a relative
# error below 2^-29 otherwise) sum rest again from float64 terms, which do not underflow there.
_TINY_REST = 2.0**-120


def _make_block_terms(exp_diff, log: bool, masked: bool):
    """``block_terms(xp, kp, wp, i0, i1, m, TIN) -> count of maxima``: a block's terms exp(x - m)
    (minus 1 at each maximum for log_softmax) into the work block ``wp``, in the compute type's
    lanes only (a float64 sum in the same loop would halve the vector width of exp); the count
    is exact in that type (a block is far below 2^24)."""

    @jit(fastmath=_ROW_FLAGS)
    def block_terms(xp, kp, wp, i0, i1, m, TIN):
        one = like(1.0, m)
        zero = like(0.0, m)
        cnt = zero
        for i in range(i0, i1):
            v = widen(load(xp, i, TIN))
            keep = _keep(kp, i, masked)
            top = (v == m) & keep if log else False
            e = exp_diff(v, m) - (one if top else zero)
            store(wp, i - i0, e if keep else zero)
            cnt += one if top else zero
        return cnt

    return block_terms


def _make_row_max(key, unkey, key_min, masked: bool):
    """``row_max(xp, kp, n, TIN) -> (m, special)``: a row's maximum, and the value every output
    takes when the row has no ordinary one (else ``_ORDINARY``): 0 (log_softmax -inf, the
    caller's) for a fully masked row, NaN for NaN, +inf or only -inf entries.

    The maximum is an integer max over order-preserving keys (it vectorizes in the float's own
    lane width).  A NaN with the sign bit clear is the max; one with it set makes its term, so
    the sum, so every output NaN (the sums propagate NaN: their only fastmath flag is reassoc).
    Masked rows also take the minimum, to tell a fully masked row (the max left at its start
    value) from one whose max is the NaN whose key is that start value."""

    @jit
    def row_max(xp, kp, n, TIN):
        k = key_min
        k_lo = -(key_min + 1)
        for i in range(n):
            kv = key(widen(load(xp, i, TIN)))
            keep = _keep(kp, i, masked)
            k = max(k, kv if keep else key_min)
            if masked:
                k_lo = min(k_lo, kv if keep else -(key_min + 1))
        m = unkey(k)
        lo = unkey(k_lo)
        if masked and k == key_min and k_lo == -(key_min + 1):
            return m, _ALL_MASKED  # as Keras and JAX
        if m != m or (masked and lo != lo) or m == math.inf or m == -math.inf:
            return m, _NAN_ROW
        return m, _ORDINARY

    return row_max


_ORDINARY, _ALL_MASKED, _NAN_ROW = 0, 1, 2


@jit
def _fill_special(yp, n, special, log, TIN):
    """Every output of a row ``row_max`` found special: 0 (-inf) fully masked, else NaN."""
    v = narrow((-math.inf if log else 0.0) if special == _ALL_MASKED else math.nan, TIN)
    for i in range(n):
        store(yp, i, v)


def _make_tiny_rest(masked: bool):
    """``row_rest(xp, kp, n, m, TIN)``: rest from float64 terms, for float32-compute rows (any storage)."""

    @jit(fastmath=_ROW_FLAGS)
    def block_rest(xp, kp, i0, i1, m, TIN):
        # a block's float64 sum of positive terms: relative error below 2^11 2^-53
        h = 0.0
        for i in range(i0, i1):
            v = np.float64(widen(load(xp, i, TIN)))
            keep = _keep(kp, i, masked) & (v != m)
            e = _exp_diff_f64(v, m)
            h += e if keep else 0.0
        return h

    @jit
    def row_rest(xp, kp, n, m, TIN):
        """rest = sum over x < m of exp(x - m), block sums carried as a double-double."""
        s_hi = 0.0
        s_lo = 0.0
        for b0 in range(0, n, BLOCK):
            s_hi, e = two_sum(s_hi, block_rest(xp, kp, b0, min(b0 + BLOCK, n), np.float64(m), TIN))
            s_lo += e
        return fast_two_sum(s_hi, s_lo)

    return row_rest


# float64 rows: their terms t = h + l (``_split40``) sum exactly in h, but terms below 2^-41 are
# all l, and the l's reassociated sum is good to ~2^-45 relative only: with rest < 2^-30 that is
# log_softmax next to 0 (58 ULP at 1e6 entries 600 below one max), and below 2^-1022 the terms
# themselves lose precision (45000 ULP at 1e5 entries 744 below).  Rows with one maximum and
# rest < n 2^-40 sum rest again from terms scaled by 2^k, k putting rest in [1/2, 1) (at most
# 1076, where every term the first sum dropped, below e^-746, stays below 1): the scaled terms
# split as before, so only l's of a rest near 1 round (2^-82 relative); rest is scaled back
# with one rounding, on the subnormal grid where it lies there.
_SMALL_REST64 = 2.0**-40
_K_MAX = 1076


@jit
def _exp_diff_scaled_f64(v, m, k):
    """exp(v - m) 2^k, v - m in [-1400, 0] carried exactly (0 below): _exp_diff_f64, scaled inside."""
    hi, lo = _two_sum_free(v, -m)
    ni, r = _reduce(hi)
    e = _scale(_expm1_r_f64(r) + 1.0, ni + k)
    return 0.0 if hi < -1400.0 else fma(e, lo, e)


def _make_small_rest64(masked: bool):
    """``row_rest(xp, kp, n, m, r_hi)``: (hi, lo) of rest for float64 rows from scaled terms, r_hi a
    first estimate of it (in [0, 2^-4))."""

    @jit(fastmath=_ROW_FLAGS)
    def block_rest_scaled(xp, kp, i0, i1, m, k):
        h = 0.0
        lo = 0.0
        for i in range(i0, i1):
            v = load(xp, i, np.float64)
            keep = _keep(kp, i, masked) & (v != m)
            a, b = _split40(_exp_diff_scaled_f64(v, m, k))
            h += a if keep else 0.0
            lo += b if keep else 0.0
        return h, lo

    @jit
    def row_rest(xp, kp, n, m, r_hi):
        # r_hi 2^k in [1/2, 1): its exponent read after an exact 2^600, so subnormals have one
        k = min(1622 - ((f64_bits(r_hi * 2.0**600) >> 52) & 0x7FF), _K_MAX)
        s_hi = 0.0
        s_lo = 0.0
        for b0 in range(0, n, BLOCK):
            h, lo = block_rest_scaled(xp, kp, b0, min(b0 + BLOCK, n), m, k)
            s_hi, e = two_sum(s_hi, h)
            s_lo += e + lo
        s_hi, s_lo = fast_two_sum(s_hi, s_lo)
        # 2^-k in two normal halves: the first product is exact, the second rounds once
        k1 = k >> 1
        d1 = bits_f64((1023 - k1) << 52)
        d2 = bits_f64((1023 - (k - k1)) << 52)
        return (s_hi * d1) * d2, (s_lo * d1) * d2

    return row_rest


def _make_row(exp_diff, key, unkey, key_min, log: bool, masked: bool):
    """Row kernel ``row(xp, yp, kp, wp, n, TIN)`` for one compute type (float32 or float64 exp)."""
    rest64 = log and exp_diff is _exp_diff_f64  # a constant: numba prunes the other branch
    row_rest_f64 = _make_tiny_rest(masked)
    row_rest_small = _make_small_rest64(masked)

    # The hot loops are small functions of their own, one job each: elementwise loops
    # give the same bits whether LLVM vectorizes them or not (an in-place call takes
    # the scalar path, since x and y alias), and the sums read and never store, so
    # their (reassociated, vectorized) order is fixed by the block alone.
    block_terms = _make_block_terms(exp_diff, log, masked)

    @jit(fastmath=_ROW_FLAGS)
    def block_sum(tp, i0, i1, TT):
        # float64 sum of stored terms; float64 terms are split (_split40) so that the
        # sum of their high parts is exact in any order
        h = 0.0
        lo = 0.0
        for i in range(i0, i1):
            t = np.float64(load(tp, i, TT))
            if itemsize(TT) == 8:
                a, b = _split40(t)
                h += a
                lo += b
            else:
                h += t
        return h, lo

    @jit(fastmath=_ROW_FLAGS)
    def block_rest64(xp, kp, i0, i1, m):
        # float64 rows: sum over v != m of exp(v - m), as sum(e - [v == m]): at a maximum
        # e is exactly 1, so every term is exact and there is no cancellation; the count
        # of maxima in float64 (exact below 2^53)
        h = 0.0
        lo = 0.0
        cnt = 0.0
        for i in range(i0, i1):
            v = load(xp, i, np.float64)
            keep = _keep(kp, i, masked)
            top = (v == m) & keep
            a, b = _split40(exp_diff(v, m) - (1.0 if top else 0.0))
            h += a if keep else 0.0
            lo += b if keep else 0.0
            cnt += 1.0 if top else 0.0
        return h, lo, cnt

    @jit
    def row_sum(xp, yp, kp, wp, n, m, TIN):
        """(S_hi, S_lo, count of maxima) block by block: S = sum of the terms (e - [v == m]
        for log_softmax), carried across blocks as a double-double."""
        s_hi = 0.0
        s_lo = 0.0
        cnt = 0
        for b0 in range(0, n, BLOCK):
            b1 = min(b0 + BLOCK, n)
            if rest64:
                h, lo, c = block_rest64(xp, kp, b0, b1, m)
                cnt += np.int64(c)
            elif itemsize(TIN) == 8 or (itemsize(TIN) == 4 and not log):
                h, lo = block_sum(yp, b0, b1, TIN)  # softmax: the terms are in y already
            else:
                cnt += np.int64(block_terms(xp, kp, wp, b0, b1, m, TIN))
                h, lo = block_sum(wp, 0, b1 - b0, np.float32)
            if b0 == 0:  # two_sum(0, h) is (h, 0): the first block skips its latency
                s_hi = h
                s_lo = 0.0 + lo
            else:
                s_hi, e = two_sum(s_hi, h)
                s_lo += e + lo
        s_hi, s_lo = fast_two_sum(s_hi, s_lo)
        return s_hi, s_lo, cnt

    row_max = _make_row_max(key, unkey, key_min, masked)

    @jit
    def row(xp, yp, kp, wp, n, TIN):
        if n == 0:
            return
        m, special = row_max(xp, kp, n, TIN)  # pass 1
        if special != _ORDINARY:
            _fill_special(yp, n, special, log, TIN)
            return
        size = itemsize(TIN)
        if log:
            r_hi, r_lo, cnt = row_sum(xp, yp, kp, wp, n, m, TIN)
            if size == 8:
                if cnt == 1 and r_hi < np.float64(n) * _SMALL_REST64:
                    r_hi, r_lo = row_rest_small(xp, kp, n, m, r_hi)
                l_hi, l_lo = _lse(cnt, r_hi, r_lo)
                # (x - m) - lse with one final rounding: x - m and lse as exact pairs
                for i in range(n):
                    v = load(xp, i, TIN)
                    d_hi, d_lo = two_sum(v, -m)
                    s, e = two_sum(d_hi, -l_hi)
                    y = s + (e + (d_lo - l_lo))
                    store(yp, i, y if _keep(kp, i, masked) else -math.inf)
            else:
                if cnt == 1 and r_hi < np.float64(n) * _TINY_REST:
                    r_hi, r_lo = row_rest_f64(xp, kp, n, m, TIN)
                l_hi = _lse_short(cnt, r_hi, r_lo)
                mm = np.float64(m)
                ninf = narrow(-math.inf, TIN)
                c = mm + l_hi
                if abs(c) <= 8192.0 * l_hi:
                    # x - (m + lse), one subtraction: c's rounding (2^-53 |c| <= 2^-40 lse) is
                    # below 2^-40 of every output (|y| >= lse), 2^-16 of a float32 ulp
                    for i in range(n):
                        y = narrow(np.float64(widen(load(xp, i, TIN))) - c, TIN)
                        store(yp, i, y if _keep(kp, i, masked) else ninf)
                else:  # lse tiny against m (one dominant entry): (x - m) - lse, x - m exact
                    for i in range(n):
                        y = narrow((np.float64(widen(load(xp, i, TIN))) - mm) - l_hi, TIN)
                        store(yp, i, y if _keep(kp, i, masked) else ninf)
            return
        if size > 2:
            # float32/float64: keep the exp terms in y, then scale them
            zero = like(0.0, m)
            for i in range(n):
                e = exp_diff(widen(load(xp, i, TIN)), m)
                store(yp, i, e if _keep(kp, i, masked) else zero)
            s_hi, _, _ = row_sum(xp, yp, kp, wp, n, m, TIN)
            if size == 8:
                for i in range(n):  # one rounding: the division
                    store(yp, i, load(yp, i, TIN) / s_hi)
            else:
                inv32 = like(1.0 / s_hi, m)  # one more rounding (1/S), for a loop without conversions
                for i in range(n):
                    store(yp, i, load(yp, i, TIN) * inv32)
        else:
            # float16 cannot hold the unscaled terms without a second rounding: recompute them
            s_hi, _, _ = row_sum(xp, yp, kp, wp, n, m, TIN)
            inv = 1.0 / s_hi
            zero = narrow(0.0, TIN)
            for i in range(n):
                y = narrow(np.float64(exp_diff(widen(load(xp, i, TIN)), m)) * inv, TIN)
                store(yp, i, y if _keep(kp, i, masked) else zero)

    return row


def _rows(log: bool, masked: bool) -> tuple:
    f32 = _make_row(_exp_diff_f32, _key_f32, _unkey_f32, -(2**31), log, masked)
    f64 = _make_row(_exp_diff_f64, _key_f64, _unkey_f64, -(2**63), log, masked)
    return f32, f64


softmax_f32, softmax_f64 = _rows(log=False, masked=False)
log_softmax_f32, log_softmax_f64 = _rows(log=True, masked=False)
masked_softmax_f32, masked_softmax_f64 = _rows(log=False, masked=True)
masked_log_softmax_f32, masked_log_softmax_f64 = _rows(log=True, masked=True)


# ---------------------------------------------------------------- bfloat16 rows
# bfloat16's claim (0.51 ULP) is 2^16 times looser in relative terms than a float32 ulp: a
# float32 value within k float32 ulps of the exact result rounds to within 0.5 + k 2^-16
# bfloat16 ulps, at every magnitude (the grids are 2^-149 and 2^-133 below 2^-126, so the
# ratio holds for subnormals too).  So bfloat16 rows compute in float32 and round once from
# float32 (``f32_to_bf16``, in i32 lanes), where the float32 rows need float64 in their output
# pass.  Budgets (k, float32 ulps of the result) are in each kernel's docstring; the claim 0.51
# allows k <= 655, and tests/test_bfloat16_rows.py holds 0.5 + 2^-10 (k <= 64) on rows of up
# to 2^22 + 1 elements (10^7 with -m slow), wide spreads, log_softmax next to 0 and masks.


@jit
def _bf16_exp_diff(b, m):
    """exp(x - m) in float32 for the bfloat16 bits b (x <= m): _exp_diff_f32, x - m carried exactly."""
    return _exp_diff_f32(bf16_to_f32(b), m)


def _make_row_bf16(log: bool, masked: bool):
    """bfloat16 row kernel ``row(xp, yp, kp, wp, n, TIN)`` (TIN: int16, the storage bits).

    softmax: y_i = bf16(e_i * f32(1 / S)), e_i = exp(x_i - m) in float32 (x_i - m exact as a
    pair, exp good to ~1.5 ulps, the pair's low part by one fma: ~2 ulps), S their float64 sum
    in blocks carried as a double-double (relative error of the terms' plus ~2^-40), 1 / S and
    the product one rounding each: k <= ~5.  A subnormal e_i or y_i is off by at most 2^-149
    absolute, 2^-16 of bfloat16's subnormal ulp.  Rows of up to ``ROW_KEEP`` keep their terms
    in the work block (a whole row: ``_loops.work_len``); longer ones compute them again, bit
    for bit, in the output pass.

    log_softmax: y_i = bf16((x_i - m) - f32(L)), L = log(cnt + rest) in float64 (``_lse_short``,
    2^-43) from the count of maxima and rest = sum over x_j < m of exp(x_j - m).  x_i - m <= 0
    and -L <= 0 have the same sign, so the two float32 subtractions never cancel: three
    roundings of at most 2^-24 |y| each, k <= 4, also near 0 (a dominant entry: y = -L, L's
    relative error).  There rest needs its own relative accuracy: float32 terms below 2^-126
    are off by up to 2^-150 each (and those below e^-104 are dropped), which a sum of many
    such terms can make several bfloat16 ulps of a tiny L; so when cnt = 1 and rest < n 2^-120
    (a spread of ~83 or more) rest is summed again from float64 terms, which do not underflow.

    Special rows as the float32 kernel's: NaN, +inf or only -inf (unmasked) -> NaN; -inf
    entries 0 (-inf); masked entries 0 (-inf); every entry masked 0 (-inf).
    """
    row_rest_f64 = _make_tiny_rest(masked)

    block_terms = _make_block_terms(_exp_diff_f32, log, masked)  # of the widened float32

    @jit(fastmath=_ROW_FLAGS)
    def block_sum(wp, n):
        # float64 sum of n float32 terms (reassociated: vectorized): ~2^-43 relative for 2^11 terms
        h = 0.0
        for i in range(n):
            h += np.float64(load(wp, i, np.float32))
        return h

    @jit
    def row_sum(xp, kp, wp, n, m, keep_row):
        """(S_hi, S_lo, count of maxima): block sums carried as a double-double; ``keep_row``:
        each block's terms at its own place in the work row (else all at its start)."""
        s_hi = 0.0
        s_lo = 0.0
        cnt = 0
        for b0 in range(0, n, BLOCK):
            b1 = min(b0 + BLOCK, n)
            w = offset_ptr(wp, 4 * b0) if keep_row else wp
            cnt += np.int64(block_terms(xp, kp, w, b0, b1, m, np.int16))
            h = block_sum(w, b1 - b0)
            s_hi, e = two_sum(s_hi, h)
            s_lo += e
        s_hi, s_lo = fast_two_sum(s_hi, s_lo)
        return s_hi, s_lo, cnt

    @jit(fastmath=_ROW_FLAGS)
    def scale_terms(wp, yp, n, inv):
        # the terms kept in the work block (masked ones are 0 there) times 1/S, rounded once
        for i in range(n):
            store(yp, i, f32_to_bf16(load(wp, i, np.float32) * inv))

    @jit(fastmath=_ROW_FLAGS)
    def scale_exp(xp, kp, yp, n, m, inv):
        # long rows: the terms again, bit for bit those that were summed
        for i in range(n):
            y = f32_to_bf16(_bf16_exp_diff(load(xp, i, np.int16), m) * inv)
            store(yp, i, y if _keep(kp, i, masked) else np.int16(0))

    @jit(fastmath=_ROW_FLAGS)
    def log_out(xp, kp, yp, n, m, lse):
        ninf = f32_to_bf16(np.float32(-math.inf))
        for i in range(n):
            y = f32_to_bf16((bf16_to_f32(load(xp, i, np.int16)) - m) - lse)
            store(yp, i, y if _keep(kp, i, masked) else ninf)

    row_max = _make_row_max(_key_f32, _unkey_f32, -(2**31), masked)  # keys of the widened float32

    @jit
    def row(xp, yp, kp, wp, n, TIN):
        if n == 0:
            return
        m, special = row_max(xp, kp, n, TIN)
        if special != _ORDINARY:
            _fill_special(yp, n, special, log, TIN)
            return
        keep_row = not log and n <= ROW_KEEP  # log_softmax's output pass does not read the terms
        s_hi, s_lo, cnt = row_sum(xp, kp, wp, n, m, keep_row)
        if log:
            if cnt == 1 and s_hi < np.float64(n) * _TINY_REST:
                s_hi, s_lo = row_rest_f64(xp, kp, n, m, TIN)
            log_out(xp, kp, yp, n, m, np.float32(_lse_short(cnt, s_hi, s_lo)))
        elif keep_row:
            scale_terms(wp, yp, n, np.float32(1.0 / s_hi))
        else:
            scale_exp(xp, kp, yp, n, m, np.float32(1.0 / s_hi))

    return row


softmax_bf16 = _make_row_bf16(log=False, masked=False)
log_softmax_bf16 = _make_row_bf16(log=True, masked=False)
masked_softmax_bf16 = _make_row_bf16(log=False, masked=True)
masked_log_softmax_bf16 = _make_row_bf16(log=True, masked=True)
