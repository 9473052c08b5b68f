"""exp and expm1 for float32 and float64 arithmetic, branch-free so loops vectorize.

A kernel's name says what it promises: ``*_f64`` serve float64 results (about 1 ulp),
``*_f32`` compute in float32, and ``*_r<k>`` compute in float64 for float32/float16 results
with a relative error below 2^-k (2^-24 is half a float32 ulp): ``exp_r39``, ``expm1_r36``,
``exp_r34`` (arguments in [-700, 0] only).  ``BOUNDS`` gives each kernel's claimed max
relative error as a power of two (the measured maxima beside it, over 2.4e7 samples), held
by ``tests/test_kernel_bounds.py`` against long-double references.

exp(t) = 2^n * exp(r), n = round(t / ln 2), r = t - n ln 2 (Cody-Waite with FMA),
exp(r) by a polynomial fitted in ``tools/fit_coefficients.py``.  2^n is built in
two halves so that results down to the subnormal range round only once.
NaN -> NaN, +inf -> +inf, -inf -> 0.
"""

from __future__ import annotations

import numpy as np

from .._numba import bits_f64, f64_bits, fma, jit, pow2_f32
from .coefficients import EXP_DF32, EXP_F32, EXP_F64, EXP_R34, EXP_R39, EXPM1_F64, EXPM1_R36
from .dd import two_sum
from .poly import horner

BOUNDS = {  # kernel -> claimed max relative error, as log2 (measured)
    "exp_f64": -52.0,  # -52.54: 1.4 units of 2^-53
    "expm1_f64": -51.5,  # -52.17
    "exp_pair_f64": -53.3,  # -53.55: hi + lo of the pair
    "exp_r39": -39.0,  # -39.68
    "expm1_r36": -36.0,  # -36.91
    "exp_r34": -34.0,  # -34.17, on [-700, 0]
}

_F32 = np.float32
LOG2E_F32 = _F32(1.4426950408889634)
LN2_HI_F32 = _F32(0.693145751953125)  # 12 significant bits: n * hi is exact for |n| < 2^12
LN2_LO_F32 = _F32(1.4286067653302226e-06)
MAGIC_F32 = _F32(12582912.0)  # 1.5 * 2^23: adding it rounds to an integer in the low bits
_C2F, _C3F, _C4F, _C5F, _C6F = EXP_F32
_D2, _D3, _D4, _D5, _D6, _D7 = EXP_DF32

_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471805598903  # 0x3fe62e42fefa3800: low bits zero, n * hi exact
_LN2_LO = 5.497923018708371e-14
_MAGIC = 6755399441055744.0  # 1.5 * 2^52
(_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12) = EXP_F64


@jit
def exp_poly_f32(r):
    """exp(r) for |r| <= ln2/2, relative error < 4e-9 before rounding."""
    p = fma(fma(fma(fma(_C6F, r, _C5F), r, _C4F), r, _C3F), r, _C2F)
    return fma(p * r, r, r) + _F32(1.0)


@jit
def exp_parts_lo_f32(t, tl):
    """(e_hi, e_lo, s64) with e^(t + tl) = (e_hi + e_lo) 2^n, s64 = 2^(n + 64); float32 arithmetic.

    For t in [-160 ln2, 0] (callers clamp) and |tl| <= ulp(t): the low part of an argument
    carried as a pair (e^(t + tl) = e^t (1 + tl)).  exp(r) = (1 + r) + r^2 P(r) with 1 + r
    split exactly and r's own rounding error kept (e^(r + rl) = e^r (1 + rl)), so only the
    small term r^2 P (< 0.07) rounds: measured max relative error 2^-26.5 (3e6 samples).  2^n is passed as
    2^(n + 64), a normal float32, so callers can scale results that end below 2^-126 in
    an exact step and a rounding one.  Estrin's scheme: loops using this are limited by
    latency rather than by operation count.
    """
    k = fma(t, LOG2E_F32, MAGIC_F32)
    n = k - MAGIC_F32
    r1 = fma(-n, LN2_HI_F32, t)  # exact
    r = fma(-n, LN2_LO_F32, r1)
    rl = fma(-n, LN2_LO_F32, r1 - r) + tl  # what rounding r lost, and the argument's low part
    r2 = r * r
    p = fma(fma(fma(_D7, r, _D6), r, _D5), r2 * r, fma(fma(_D4, r, _D3), r, _D2))
    one = _F32(1.0)
    e1 = one + r
    e1_lo = (one - e1) + r  # exact: |r| < 1
    tail = r2 * p
    e_hi = e1 + tail
    e_lo = fma(rl, e_hi, (((e1 - e_hi) + tail) + e1_lo))
    return e_hi, e_lo, pow2_f32(k, MAGIC_F32, 64, -126)


@jit
def exp_parts_f32(t):
    """``exp_parts_lo_f32(t, -0.0)``: adding -0.0 folds away at compile time (x + -0.0 = x
    for every x, signed zeros included), so this costs nothing over a separate copy."""
    return exp_parts_lo_f32(t, _F32(-0.0))


@jit
def exp_r34(t):
    """e^t for t in [-700, 0] in float64 arithmetic to 2^-34 relative (a short polynomial for
    float32/float16 results; no subnormal handling)."""
    k = fma(t, _LOG2E, _MAGIC)
    n = k - _MAGIC
    ni = f64_bits(k) - f64_bits(_MAGIC)
    r = fma(-n, _LN2_HI, t)
    r = fma(-n, _LN2_LO, r)
    p = horner(EXP_R34, r)
    return (fma(p, r * r, r) + 1.0) * bits_f64((ni + 1023) << 52)  # exp(r) = 1 + r + r^2 P(r)


@jit
def _expm1_r_f64(r):
    """e^r - 1 for |r| <= ln2/2 in float64, to be added to 1 by the caller."""
    # Estrin's scheme: 4 dependent FMAs instead of Horner's 11 (the loops using exp are
    # latency-bound); the terms are small against the final 1 + r, so it rounds as well
    r2 = r * r
    r4 = r2 * r2
    b0 = fma(fma(_C5, r, _C4), r2, fma(_C3, r, _C2))
    b1 = fma(fma(_C9, r, _C8), r2, fma(_C7, r, _C6))
    b2 = fma(_C12, r2, fma(_C11, r, _C10))
    p = fma(b2, r4 * r4, fma(b1, r4, b0))
    return fma(p, r2, r)


@jit
def exp_f64(t):
    """e^t in float64 arithmetic (about 1 ULP)."""
    ni, r = _reduce(min(max(t, -746.0), 710.0))  # NaN passes through both
    return _scale(_expm1_r_f64(r) + 1.0, ni)


@jit
def _reduce_lo(t):
    """n, r, rl with t = n ln2 + r + rl, |r| <= ln2/2 (t already clamped to [-1400, 710]);
    rl is what rounding r lost (callers that drop it pay nothing: LLVM removes it)."""
    k = fma(t, _LOG2E, _MAGIC)
    n = k - _MAGIC
    ni = f64_bits(k) - f64_bits(_MAGIC)
    r1 = fma(-n, _LN2_HI, t)  # exact
    r = fma(-n, _LN2_LO, r1)
    return ni, r, fma(-n, _LN2_LO, r1 - r)


@jit
def _reduce(t):
    """n, r with t = n ln2 + r, |r| <= ln2/2 (t already clamped to [-1400, 710])."""
    ni, r, _ = _reduce_lo(t)
    return ni, r


@jit
def _pow2_halves(ni):
    """(s1, s2), normal powers of two with s1 s2 = 2^ni, for |ni| <= 2044."""
    n1 = ni >> 1
    return bits_f64((n1 + 1023) << 52), bits_f64((ni - n1 + 1023) << 52)


@jit
def _scale(p, ni):
    """p * 2^ni in two steps, so subnormal results round once."""
    s1, s2 = _pow2_halves(ni)
    return p * s1 * s2


@jit
def exp_r39(t):
    """e^t in float64 arithmetic to ~1e-12 relative (for float32/float16 results)."""
    ni, r = _reduce(min(max(t, -746.0), 710.0))
    p = horner(EXP_R39, r)
    return _scale(fma(p * r, r, r) + 1.0, ni)


@jit
def _exp_pair_reduced(t, lo):
    """(p_hi, p_lo, n) with e^(t + lo) = (p_hi + p_lo) 2^n, t clamped to [-1400, 710] (n * ln2's
    high part stays exact up to |n| = 2047); the final 1 + q kept as an exact pair."""
    ni, r = _reduce(t)
    q = _expm1_r_f64(r)
    p_hi = 1.0 + q
    return p_hi, fma(lo, p_hi, (1.0 - p_hi) + q), ni  # e^(r + lo) = e^r (1 + lo)


@jit
def exp_split_f64(hi, lo):
    """(p_hi, p_lo, s1, s2) with e^(hi + lo) = (p_hi + p_lo) s1 s2, p ~ e^r in [0.7, 1.42],
    s1 s2 = 2^n; p to ~2^-53.6 relative (its final 1 + q kept as an exact pair).

    For callers that multiply p by other normal-range values first and apply s1, then
    s2, last: a result in the subnormal range then rounds once, where rounding e itself
    as a subnormal and multiplying by a large x would cost up to |x|/2 subnormal ulps.
    Below hi = -1400 the result is 0 (even times 1.8e308 it underflows).
    """
    tc = min(max(hi, -1400.0), 710.0)  # NaN passes through both; s1, s2 stay normal
    p_hi, p_lo, ni = _exp_pair_reduced(tc, lo)
    gone = hi < -1400.0
    s1, s2 = _pow2_halves(ni)
    return (0.0 if gone else p_hi), (0.0 if gone else p_lo), s1, s2


@jit
def exp_pair_f64(hi, lo):
    """e^(hi + lo) as a double-double (e_hi, e_lo): measured max relative error 2^-53.6.

    hi is clamped to [-700, 700] (and lo dropped where it was): no subnormal or infinite
    results, callers that need them scale the argument.  The final 1 + q of exp_f64 is
    kept as an exact pair, so what remains is the rounding of r (<= 2^-55) and of q
    (<= 2^-55.3): ~0.6 ulp of e instead of exp_f64's ~1 (keeping r's rounding error too,
    as ``exp_parts_f32`` does, would cost 4 more operations; the callers' budgets do not
    need it).
    """
    h = min(max(hi, -700.0), 700.0)  # NaN passes through both
    lo = lo if h == hi else 0.0  # a clamped argument's lo may be huge (x^2's for |x| ~ 1e150)
    e_hi, e_lo, ni = _exp_pair_reduced(h, lo)
    s = bits_f64((ni + 1023) << 52)
    return e_hi * s, e_lo * s


# k ln2 as double-doubles.  Raising exp's argument by k ln2 gives e^t 2^k, a normal number
# where e^t would be subnormal; the caller carries that through its products and scales
# its result back by 2^-k in the last step (``unshift``), so the result rounds once.
LN2_TIMES_200 = (138.62943611198907, -3.3555121496085278e-15)
LN2_TIMES_1000 = (693.1471805599454, -4.5199270178446646e-14)


@jit
def shifted_arg(hi, lo, shift, k_ln2):
    """(hi + lo) + k ln2 if ``shift`` else hi + lo, as a double-double (k_ln2: ``LN2_TIMES_*``)."""
    a_hi, a_lo = two_sum(hi, k_ln2[0] if shift else 0.0)
    return a_hi, (a_lo + lo) + (k_ln2[1] if shift else 0.0)


@jit
def unshift(hi, lo, up, down):
    """(hi + lo) 2^-k rounded once, for a normalised pair; up = 2^k, down = 2^-k: hi's scaled
    value plus what scaling it lost (exact) and lo, in one final addition."""
    y1 = hi * down
    return y1 + ((hi - y1 * up) + lo) * down


@jit
def exp_dd(hi, lo):
    """e^(hi + lo) for a double-double argument (|lo| <= ulp(hi)): exp(hi) * (1 + lo).

    For arguments up to 709.78: where exp(hi) overflows, inf * lo makes the result NaN
    for a negative lo (every caller passes arguments <= 0)."""
    e = exp_f64(hi)
    return fma(e, lo, e)


@jit
def _expm1(t, coefs, precise):
    # expm1(t) = 2^n (expm1(r) + 1) - 1 = 2^n expm1(r) + (2^n - 1): exact for n = 0 and
    # one rounding (FMA) for small n; above t = 40 the -1 no longer matters and the
    # result is exp's 2^n (expm1(r) + 1), scaled in two steps up to overflow.  Below -40
    # it rounds to -1.  Straight-line code with a final select, so loops vectorize.
    tc = min(max(t, -40.0), 710.0)
    ni, r, rl = _reduce_lo(tc)  # rl: what rounding r lost, e^(r + rl) - 1 = em + rl e^r
    if precise:
        # r + (r^2/2 + r^3 P): the small terms summed first, so r is added last and rounds
        # once (float64 results: tanh 2.0 -> 1.46 ULP); the wide kernels need neither
        em = r + fma(horner(coefs, r) * r, r * r, fma(0.5 * r, r, rl))
    else:
        em = fma(horner(coefs, r) * r, r * r, fma(0.5 * r, r, r))
    s = bits_f64((min(ni, 64) + 1023) << 52)
    small = fma(s, em, s - 1.0)
    big = _scale(em + 1.0, ni)
    y = big if t > 40.0 else small
    return t if t == 0.0 else y  # keeps -0.0


@jit
def expm1_f64(t):
    """e^t - 1 in float64 arithmetic (about 1 ulp), accurate near 0."""
    return _expm1(t, EXPM1_F64, True)


@jit
def expm1_r36(t):
    """e^t - 1 to ~1e-11 relative, accurate near 0 (for float32/float16 results)."""
    return _expm1(t, EXPM1_R36, False)
