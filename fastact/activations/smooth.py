"""Smooth activations: sigmoid family, tanh, ELU family, softplus, mish, GELU.

Each is written once against a set of math kernels and built twice, as two importable
names: ``<name>_to32`` (float64 arithmetic on the ``_r<k>`` math kernels) serves float32
and float16, whose results it leaves far below half their ulp before the single final
rounding (max relative error in ``BOUNDS``); ``<name>_f64`` (float64 kernels to ~1 ulp,
arguments carried as double-doubles where rounding them would be amplified) serves
float64 (its ULP claims are the registry's).  Kernels take float64 and return float64.
GELU's two are written apart: ``gelu_to32`` on short polynomials (float32/float16
arguments are exact in float64, so no argument error reaches exp) and ``gelu_f64``.

Forms chosen against the accuracy traps:
- sigmoid and everything built on it use e = exp(-|t|) and num/(1 + e) with
  num = 1 or e: no overflow, no 1 - tiny, no -0 for normal results;
- GELU is x * erfc(-x/sqrt2)/2 with erfc from exp(-x^2/2) and x^2 exact: no 1 + erf
  cancellation, no amplified argument rounding;
- tanh is expm1(2|x|)/(expm1(2|x|) + 2) (relative accuracy at 0); ELU family uses expm1;
- softplus is max(x, 0) + log1p(exp(-|x|)); log_sigmoid(x) = -softplus(-x);
- mish is x * n/d with u = exp(-|x|): n = 1 + 2u, d = n + 2u^2 (x >= 0) or
  n = u(u + 2), d = n + 2 (x < 0), equal to x tanh(softplus(x)) without overflow.
Limits at -inf of x * (something -> 0) are -0.0 (not NaN): silu, swish, gelu*, mish.
Parameters (elu, celu, swish): NaN gives NaN; 0 * inf gives the limit (``registry`` documents each).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .._numba import bits_f64, f64_bits, fma, jit
from ..constants import (
    GELU_SIGMOID_K,
    GELU_SIGMOID_K_DD,
    GELU_TANH_2C_DD,
    GELU_TANH_A,
    GELU_TANH_A_DD,
    GELU_TANH_C,
    SELU_ALPHA,
    SELU_SCALE,
    SELU_SCALE_ALPHA_DD,
    SELU_SCALE_DD,
)
from ..kernels.coefficients import ERFCX_K, ERFCX_R30
from ..kernels.dd import fast_two_sum, two_prod, two_sum
from ..kernels.erf import erfc_half_pair
from ..kernels.exp import (
    LN2_TIMES_200,
    LN2_TIMES_1000,
    exp_dd,
    exp_pair_f64,
    exp_r34,
    exp_r39,
    exp_split_f64,
    expm1_f64,
    expm1_r36,
    shifted_arg,
    unshift,
)
from ..kernels.log import log1p_f64, log1p_r39
from ..kernels.poly import horner

# ``<name>_to32`` -> claimed max relative error against ``<name>_f64`` as log2 (measured over
# 6e5 float32 inputs, results >= 2^-126; tests/test_kernel_bounds.py holds them): 2^-24 is
# half a float32 ulp, so each leaves its float32 result within 0.5 + 2^-12 ULP before rounding
BOUNDS = {
    "sigmoid_to32": -39.0,  # -39.68
    "silu_to32": -39.0,  # -39.68
    "swish_to32": -39.0,  # -39.67 (beta = 1.702)
    "gelu_sigmoid_to32": -39.0,  # -39.67
    "gelu_tanh_to32": -39.0,  # -39.66
    "tanh_to32": -37.0,  # -37.19
    "softplus_to32": -38.5,  # -38.89
    "log_sigmoid_to32": -38.5,  # -38.90
    "elu_to32": -37.0,  # -37.41 (alpha = 1)
    "selu_to32": -37.0,  # -37.41
    "celu_to32": -37.0,  # -37.41 (alpha = 1)
    "mish_to32": -39.0,  # -39.68
    "gelu_to32": -30.0,  # -30.27: short polynomials (EXP_R34, ERFCX_R30)
}
_SIGN = -0x8000000000000000  # the float64 sign bit as int64
_INV_SQRT2 = 0.7071067811865476
_TWO_M1000 = 2.0**-1000
_TWO_P1000 = 2.0**1000
_TWO_M200 = 2.0**-200
_TWO_M600 = 2.0**-600
_TWO_P600 = 2.0**600
_TWO_P200 = 2.0**200


_SELU_SCALE_HI, _SELU_SCALE_LO = SELU_SCALE_DD
_SELU_AS_HI, _SELU_AS_LO = SELU_SCALE_ALPHA_DD
_K_HI, _K_LO = GELU_SIGMOID_K_DD
_A_HI, _A_LO = GELU_TANH_A_DD
_C2_HI, _C2_LO = GELU_TANH_2C_DD


@jit
def copysign(mag, s):
    """|mag| with the sign of s, by bits (vectorizes)."""
    return bits_f64((f64_bits(mag) & ~_SIGN) | (f64_bits(s) & _SIGN))


@jit
def _neg_inf_to_neg_zero(x, y):
    return -0.0 if x == -math.inf else _zero_keeps_sign(x, y)


@jit
def _nan_if_nan(p):
    """0.0, or NaN when the parameter p is NaN: ``x > _nan_if_nan(p)`` is ``x > 0`` and false
    for every x when p is NaN (loop-invariant for a scalar parameter)."""
    return 0.0 if p == p else p


@jit
def _zero_keeps_sign(x, y):
    # for f(x) ~ c x near 0 (c > 0): f(+-0) = +-0, which double-double sums would lose
    return x if x == 0.0 else y


# Activation-level kernels are inlined into the ufunc loop by numba itself: LLVM's
# inliner gives up on bodies this large (exp and log1p inlined into softplus), and a
# call per element keeps the loop scalar (softplus ran at 30 Melem/s that way).
_kernel = jit(inline="always")


@_kernel
def gelu_sigmoid_arg(x, float64_results):
    """t = 1.702 x as (hi, lo): a double-double for float64 results ( where the
    rounding of 1.702 x is amplified in the tail), else (1.702 x, 0)."""
    if float64_results:
        hi, lo = two_prod(_K_HI, x)
        return hi, (fma(_K_LO, x, lo) if abs(hi) < math.inf else 0.0)
    return GELU_SIGMOID_K * x, 0.0


class SmoothKernels(NamedTuple):
    """One build of the family (numba dispatchers, float64 -> float64)."""

    sigmoid: Any
    silu: Any
    swish: Any
    gelu_sigmoid: Any
    gelu_tanh: Any
    tanh: Any
    softplus: Any
    log_sigmoid: Any
    elu: Any
    selu: Any
    celu: Any
    mish: Any


def _family(exp_t, expm1, log1p, float64_results: bool) -> SmoothKernels:
    """The kernels written once against one set of math functions (``exp_t(hi, lo)`` is exp of
    a double-double); ``float64_results`` selects the double-double steps float64 needs."""

    @_kernel
    def sig_parts(hi, lo, times_x):
        # sigmoid(t) = num / den for t = hi + lo, e = exp(-|t|): (num as a pair, 1 + e as a pair,
        # s1, s2)
        # with the result = x num / den * s1 * s2.  For x sigmoid(t) (times_x), e = p 2^n is
        # split so that num = p (a double-double) and 2^n (as s1 s2) comes last: where the result is subnormal,
        # rounding e there and multiplying by x would cost up to |x|/2 subnormal ulps.
        # sigmoid itself rounds e once, also as a subnormal, and needs no split.
        neg = hi < 0.0
        a = -abs(hi)
        al = lo if neg else -lo
        if float64_results and times_x:
            p_hi, p_lo, s1, s2 = exp_split_f64(a, al)
            d_hi, d_lo = fast_two_sum(1.0, p_hi * s1 * s2)
            d_lo = d_lo + p_lo * s1 * s2
            return (
                (p_hi if neg else 1.0),
                (p_lo if neg else 0.0),
                d_hi,
                d_lo,
                (s1 if neg else 1.0),
                (s2 if neg else 1.0),
            )
        e = exp_t(a, al)
        d_hi, d_lo = fast_two_sum(1.0, e)  # 1 + e exactly (e <= 1)
        return (e if neg else 1.0), 0.0, d_hi, d_lo, 1.0, 1.0

    @_kernel
    def quotient(p_hi, p_lo, d_hi, d_lo, s1, s2):
        # (p_hi + p_lo) / (d_hi + d_lo) * s1 * s2, rounded once (s1, s2 powers of two whose
        # first step is exact).  One division: q = p_hi / d_hi need not be correctly
        # rounded, the remainder (exact by FMA) corrects it
        inv = 1.0 / d_hi
        q = p_hi * inv
        r = fma(-q, d_hi, p_hi) + p_lo - q * d_lo
        y = fma(r * s1, inv, q * s1) * s2
        return (q * s1) * s2 if (abs(q) == math.inf) | (q == 0.0) else y  # inf, zeros' signs

    @_kernel
    def scaled(x, n_hi, n_lo, d_hi, d_lo, s1, s2):
        # x * num / (d_hi + d_lo) * s1 * s2; float64: the product and quotient carried as
        # double-doubles, so only the final steps round
        if float64_results:
            p_hi, p_lo = two_prod(x, n_hi)
            return quotient(p_hi, fma(x, n_lo, p_lo), d_hi, d_lo, s1, s2)
        return x * n_hi / d_hi

    @_kernel
    def sigmoid(x):
        num, _, d_hi, d_lo, s1, s2 = sig_parts(x, 0.0, False)
        if float64_results:  # without scaled()'s product by 1 (LLVM keeps fma(1, n, -n): inf - inf)
            return quotient(num, 0.0, d_hi, d_lo, s1, s2)
        return num / d_hi

    @_kernel
    def silu(x):
        return x_sigmoid(x, x, 0.0)

    @_kernel
    def x_sigmoid(x, hi, lo):
        # x * sigmoid(hi + lo), with its limit -0.0 at x = -inf
        n_hi, n_lo, d_hi, d_lo, s1, s2 = sig_parts(hi, lo, True)
        return _neg_inf_to_neg_zero(x, scaled(x, n_hi, n_lo, d_hi, d_lo, s1, s2))

    @_kernel
    def swish(x, beta):
        hi, lo = two_prod(beta, x) if float64_results else (beta * x, 0.0)
        n_hi, n_lo, d_hi, d_lo, s1, s2 = sig_parts(hi, lo, True)
        y = scaled(x, n_hi, n_lo, d_hi, d_lo, s1, s2)
        # NaN without a NaN input is inf * 0: x = +-inf with beta x -> -inf, the zero of x's
        # sign; x = +-inf with beta = 0 (x/2) and x = +-0 with beta = +-inf, x.  x - z
        # (z = 0, or NaN when beta is NaN) keeps a NaN beta's NaN
        fix = copysign(0.0, x) if hi < 0.0 else x - _nan_if_nan(beta)
        return y if y == y else fix

    @_kernel
    def gelu_sigmoid(x):
        hi, lo = gelu_sigmoid_arg(x, float64_results)
        return x_sigmoid(x, hi, lo)

    @_kernel
    def gelu_tanh(x):
        # 0.5 x (1 + tanh(u)) = x sigmoid(2u), 2u = 2 sqrt(2/pi) (x + 0.044715 x^3)
        if float64_results:
            s_hi, s_lo = two_prod(x, x)
            a_hi, a_lo = two_prod(_A_HI, s_hi)
            a_lo = a_lo + _A_HI * s_lo + _A_LO * s_hi
            w_hi = 1.0 + a_hi  # 1 + a x^2 >= 1: a plain sum keeps ~2^-105
            w_lo = (1.0 - w_hi) + a_hi + a_lo
            p_hi, p_lo = two_prod(x, w_hi)
            p_lo = fma(x, w_lo, p_lo)
            t_hi, t_lo = two_prod(_C2_HI, p_hi)
            t_lo = t_lo + _C2_HI * p_lo + _C2_LO * p_hi
        else:
            t_hi, t_lo = 2.0 * GELU_TANH_C * x * (1.0 + GELU_TANH_A * (x * x)), 0.0
        n_hi, n_lo, d_hi, d_lo, s1, s2 = sig_parts(t_hi, t_lo, True)
        y = scaled(x, n_hi, n_lo, d_hi, d_lo, s1, s2)
        return _neg_inf_to_neg_zero(x, (x if x > 0.0 else -0.0) if abs(x) >= 1e10 else y)

    @_kernel
    def tanh(x):
        a = abs(x)
        em = expm1(2.0 * a)
        if float64_results:
            # em + 2 as a double-double and the quotient corrected by its remainder: only
            # expm1's error (damped by 2/(em + 2) <= 1) and the final rounding remain
            d_hi, d_lo = two_sum(em, 2.0)
            q = em / d_hi
            y = q + (fma(-q, d_hi, em) - q * d_lo) / d_hi
        else:
            y = em / (em + 2.0)
        y = 1.0 if a > 22.0 else y  # tanh(22) rounds to 1 in float64; avoids inf/inf
        return copysign(y, x) if x == x else x

    @_kernel
    def softplus(x):
        return max(x, 0.0) + log1p(exp_t(-abs(x), 0.0))

    @_kernel
    def log_sigmoid(x):
        # -0.0 where the (negative) value rounds to zero; log_sigmoid(+inf) = +0.0
        return 0.0 if x == math.inf else -(max(-x, 0.0) + log1p(exp_t(-abs(x), 0.0)))

    @_kernel
    def elu(x, alpha):
        # x >= 0 gives x (+-0 keep their sign for every alpha, as PyTorch; alpha = +-inf
        # there would be inf * 0); x - z with z = 0, or NaN when alpha is NaN, makes every
        # result NaN then at the cost of one subtraction.  expm1 stays in the else branch of
        # the comparison with 0: LLVM then drops its x > 40 path (1.4x faster than selecting
        # between precomputed values)
        return (x - _nan_if_nan(alpha)) if x >= 0.0 else alpha * expm1(x)

    @_kernel
    def selu(x):
        if float64_results:
            p_hi, p_lo = two_prod(_SELU_SCALE_HI, x)
            pos = p_hi + fma(_SELU_SCALE_LO, x, p_lo)
            em = expm1(x)
            n_hi, n_lo = two_prod(_SELU_AS_HI, em)
            neg = n_hi + fma(_SELU_AS_LO, em, n_lo)
        else:
            pos = SELU_SCALE * x
            neg = (SELU_SCALE * SELU_ALPHA) * expm1(x)
        return _zero_keeps_sign(x, pos if x > 0.0 else neg)

    @_kernel
    def celu_neg(x, alpha):
        # alpha expm1(x/alpha), float64 (q + ql = x/alpha as a double-double)
        q = x / alpha
        ql = fma(-q, alpha, x) / alpha
        ql = ql if abs(q) < math.inf else 0.0
        em = expm1(q)
        return alpha * fma(ql, em + 1.0, em)

    @_kernel
    def celu_special(x, alpha):
        # alpha NaN, <= 0 or +inf (float64): y is NaN without a NaN input (x < 0) only at
        # alpha = +-inf (inf * 0: the limit is x) and where e^q overflows (alpha = -0.0, or
        # alpha < 0 and q > 709.8; fma(0, inf, inf)): -inf.  x + c with c = 0, -inf, or NaN
        # for a NaN alpha
        y = celu_neg(x, alpha)
        c = 0.0 if abs(alpha) == math.inf else (-math.inf if alpha == alpha else alpha)
        return y if y == y else x + c

    @_kernel
    def celu(x, alpha):
        # alpha expm1(x/alpha) for x < 0, x for x >= 0 (+-0 keep their sign); at alpha = +-inf
        # and alpha = -0.0 the formula is inf * 0 and the result its limit: x (alpha -> +-inf),
        # -inf (alpha -> 0-); alpha = +0.0 gives -0.0 = lim alpha -> 0+ as it stands
        if float64_results:
            # the special values apart under a loop-invariant condition: LLVM versions the loop
            ordinary = (alpha > 0.0) & (alpha < math.inf)
            y = celu_neg(x, alpha) if ordinary else celu_special(x, alpha)
        else:
            # float32/float16 arguments: alpha's magnitude clamped to [2^-600, 2^600] changes
            # no finite alpha and gives the limits at +-0 and +-inf after the final rounding
            a = copysign(min(max(abs(alpha), _TWO_M600), _TWO_P600), alpha) if alpha == alpha else alpha
            y = a * expm1(x / a)
        return x if x >= _nan_if_nan(alpha) else y  # alpha NaN: no x passes, y is NaN

    @_kernel
    def mish(x):
        pos = x >= 0.0
        if float64_results:
            # below x = -700, u = e^x nears the subnormal range, where its own rounding would
            # cost hundreds of subnormal ulps: compute u 2^200 (n/d ~ u there, so the quotient
            # scales with it) and scale back in the last step
            tail = x < -700.0
            # u as a double-double: mish ~ x u for x << 0, so u's own error would pass whole
            u, u_lo = exp_pair_f64(*shifted_arg(-abs(x), 0.0, tail, LN2_TIMES_200))
            u2_hi, u2_lo = two_prod(u, u)
            pn_hi, pn_lo = two_sum(1.0, 2.0 * u)
            pn_lo = fma(2.0, u_lo, pn_lo)
            pd_hi, pd_lo = two_sum(pn_hi, 2.0 * u2_hi)
            pd_lo = pd_lo + (pn_lo + fma(4.0 * u, u_lo, 2.0 * u2_lo))
            b_hi, b_lo = fast_two_sum(2.0, u)  # u <= 1
            nn_hi, nn_lo = two_prod(u, b_hi)
            nn_lo = fma(u, b_lo, nn_lo) + (2.0 * u + 2.0) * u_lo
            nd_hi, nd_lo = two_sum(2.0, nn_hi)
            nd_lo = nd_lo + nn_lo
            n_hi = pn_hi if pos else nn_hi
            n_lo = pn_lo if pos else nn_lo
            d_hi = pd_hi if pos else nd_hi
            d_lo = pd_lo if pos else nd_lo
            q = n_hi / d_hi
            q_lo = (fma(-q, d_hi, n_hi) + n_lo - q * d_lo) / d_hi
            p_hi, p_lo = two_prod(x, q)
            p_lo = fma(x, q_lo, p_lo)
            y = unshift(p_hi, p_lo, _TWO_P200, _TWO_M200) if tail else p_hi + p_lo
            y = p_hi if (abs(p_hi) == math.inf) | (q == 0.0) else y  # x = +inf; q = 0 keeps -0.0
            y = -0.0 if x < -760.0 else y  # x e^x rounds to -0.0 from about -752
        else:
            u = exp_t(-abs(x), 0.0)
            n = 1.0 + 2.0 * u if pos else u * (u + 2.0)
            d = n + 2.0 * u * u if pos else n + 2.0
            y = x * n / d
        return _neg_inf_to_neg_zero(x, _zero_keeps_sign(x, y))

    return SmoothKernels(
        sigmoid=sigmoid,
        silu=silu,
        swish=swish,
        gelu_sigmoid=gelu_sigmoid,
        gelu_tanh=gelu_tanh,
        tanh=tanh,
        softplus=softplus,
        log_sigmoid=log_sigmoid,
        elu=elu,
        selu=selu,
        celu=celu,
        mish=mish,
    )


@jit
def _exp_pair_r39(hi, lo):
    e = exp_r39(hi)
    return fma(e, lo, e)


_TO32 = _family(_exp_pair_r39, expm1_r36, log1p_r39, float64_results=False)
_F64 = _family(exp_dd, expm1_f64, log1p_f64, float64_results=True)

sigmoid_to32, sigmoid_f64 = _TO32.sigmoid, _F64.sigmoid
silu_to32, silu_f64 = _TO32.silu, _F64.silu
swish_to32, swish_f64 = _TO32.swish, _F64.swish
gelu_sigmoid_to32, gelu_sigmoid_f64 = _TO32.gelu_sigmoid, _F64.gelu_sigmoid
gelu_tanh_to32, gelu_tanh_f64 = _TO32.gelu_tanh, _F64.gelu_tanh
tanh_to32, tanh_f64 = _TO32.tanh, _F64.tanh
softplus_to32, softplus_f64 = _TO32.softplus, _F64.softplus
log_sigmoid_to32, log_sigmoid_f64 = _TO32.log_sigmoid, _F64.log_sigmoid
elu_to32, elu_f64 = _TO32.elu, _F64.elu
selu_to32, selu_f64 = _TO32.selu, _F64.selu
celu_to32, celu_f64 = _TO32.celu, _F64.celu
mish_to32, mish_f64 = _TO32.mish, _F64.mish


@_kernel
def gelu_f64(x):
    """gelu for float64 results: x Phi(x) = x erfc(-x/sqrt2)/2, Phi = erfc(z)/2 (x < 0) or
    1 - erfc(z)/2, z = |x|/sqrt2."""
    # below x = -30 the result heads for the subnormal range: compute it times 2^1000
    # (exp's argument raised by 1000 ln2) and scale back in the very last step.
    # E = exp(-x^2/2), erfc and Phi are double-doubles: only the last addition rounds
    tail = x < -30.0
    sq_hi, sq_lo = two_prod(x, x)
    e_hi, e_lo = exp_pair_f64(*shifted_arg(-0.5 * sq_hi, -0.5 * sq_lo, tail, LN2_TIMES_1000))
    c_hi, c_lo = erfc_half_pair(abs(x), e_hi, e_lo)
    neg = x < 0.0
    h = 0.5 * c_hi
    s = 1.0 - h  # h <= 1/2: fast two-sum
    phi_hi = h if neg else s
    phi_lo = 0.5 * c_lo if neg else ((1.0 - s) - h) - 0.5 * c_lo
    p_hi, p_lo = two_prod(x, phi_hi)
    p_lo = fma(x, phi_lo, p_lo)
    y = unshift(p_hi, p_lo, _TWO_P1000, _TWO_M1000) if tail else p_hi + p_lo
    y = p_hi if abs(p_hi) == math.inf else y
    y = -0.0 if x < -40.0 else y  # x Phi(x) rounds to -0.0 from about -38.6
    return _neg_inf_to_neg_zero(x, y)


_Z_MAX = 10.4  # ERFCX_R30's range; erfc(10.4) < 2^-160, far below float32's reach


@_kernel
def gelu_parts_to32(x):
    """(E, Y(t), 1/(1 + 2z)) with erfc(z) = E Y(t) / (1 + 2z), E = exp(-x^2/2), z = |x|/sqrt2,
    for ``gelu_to32`` and its derivative; z is held at ``_Z_MAX``, where E is 2^-156."""
    z = min(abs(x) * _INV_SQRT2, _Z_MAX)  # NaN passes (min keeps its first argument)
    w = 1.0 + 2.0 * z
    inv = 1.0 / ((z + ERFCX_K) * w)  # one division for both t and 1/(1 + 2z)
    t = (z - ERFCX_K) * w * inv
    return exp_r34(-0.5 * (x * x) if z < _Z_MAX else -108.0), horner(ERFCX_R30, t), (z + ERFCX_K) * inv


@_kernel
def gelu_to32(x):
    """x Phi(x) for float32/float16 results (x exact in float64); gelu(-inf) = -0.0.

    Phi = erfc(z)/2 (x < 0) or 1 - erfc(z)/2, z = |x|/sqrt(2), erfc(z) = exp(-z^2) Y(t) / (1 + 2z),
    t = (z - K)/(z + K) (as ``kernels/erf.py``), on polynomials short enough for ~2^-30
    (``EXP_R34``, ``ERFCX_R30``); x^2/2 is exact, and one division gives both t and 1/(1 + 2z).
    """
    big_e, y_t, inv_w = gelu_parts_to32(x)
    c = big_e * y_t * inv_w
    phi = 0.5 * c if x < 0.0 else 1.0 - 0.5 * c
    y = x * phi
    return -0.0 if x < -20.0 else y  # x Phi(x) rounds to -0.0 in float32 from about -14.3
