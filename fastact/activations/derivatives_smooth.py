"""Derivatives of the smooth activations (``fastact.grad``), built twice like ``smooth``:
``<name>_to32`` (float64 arithmetic on the ``_r<k>`` math kernels, for float16/float32
results) and ``<name>_f64`` (double-double where rounding would be amplified, for float64
results).  Kernels take and return float64.  Their bounds are the registry's ULP claims on
the rounded results: a derivative's zeros leave no relative bound to state per kernel.

Forms chosen so that nothing cancels except at a true zero of the derivative:
- sigmoid'(t) = e/(1+e)^2 and tanh'(x) = 4e/(1+e)^2 with e = exp(-|t|) (e = exp(-2|x|)):
  no 1 - s, no 1 - tanh^2;
- the sigmoid-linear family  s(T) (1 + w (1 - s(T)))  (silu': T = w = x; swish': T = w = beta x;
  gelu_sigmoid': T = w = 1.702 x; gelu_tanh': T = 2u, w = x dT/dx) is
  e (1 + e + w)/(1+e)^2 for T < 0 and (1 + e + w e)/(1+e)^2 for T >= 0: the only
  cancellation is 1 + e + w at the zero of the derivative (silu's near x = -1.28);
- gelu'(x) = Phi(x) + x phi(x) = E (erfc-part + x/sqrt(2 pi)) with E = exp(-x^2/2) shared by
  erfc(z) = E Y(t)/(1 + 2z) (``kernels.erf``) and phi: for x < 0 the bracket cancels only at
  the zero near -0.75, for x >= 0 every term is positive;
- mish'(x) = tanh(sp) + x sech(sp)^2 sigmoid(x), sp = softplus(x), in p = e^x (x < 0) or
  u = e^-x (x >= 0): p [(p+2)(p^2+2p+2) + 4x(1+p)] / (p^2+2p+2)^2 and
  [(1+2u)(1+2u+2u^2) + 4x u^2 (1+u)] / (1+2u+2u^2)^2;
- d/dalpha celu = expm1(q) - q e^q (q = x/alpha) = -e^q (expm1(r) - r), r = -q, summed as a
  series of positive terms for |r| < 2 (the difference cancels next to 0).
Limits at +-inf are taken (derivatives of x * (something -> 0) are -0.0 at -inf, not NaN).
gelu' is written apart: ``gelu_to32`` on the short polynomials of ``smooth.gelu_to32`` (2x faster),
and ``gelu_f64``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .._numba import fma, jit
from ..constants import (
    GELU_TANH_2C_DD,
    GELU_TANH_3A_DD,
    GELU_TANH_A,
    GELU_TANH_A_DD,
    GELU_TANH_C,
    INV_SQRT2PI_DD,
    SELU_ALPHA,
    SELU_SCALE,
    SELU_SCALE_ALPHA_DD,
    SELU_SCALE_DD,
)
from ..kernels.coefficients import ERFCX_F64, ERFCX_K
from ..kernels.dd import fast_two_sum, two_prod, two_sum
from ..kernels.exp import LN2_TIMES_1000, exp_dd, exp_split_f64, expm1_f64, expm1_r36, shifted_arg
from ..kernels.poly import horner
from .smooth import (
    _exp_pair_r39,
    _nan_if_nan,
    gelu_parts_to32,
    gelu_sigmoid_arg,
)

_kernel = jit(inline="always")  # inlined into the loop by numba (see ``smooth``)

_INV_SQRT2 = 0.7071067811865476
_INV_SQRT2PI_HI, _INV_SQRT2PI_LO = INV_SQRT2PI_DD
_TWO_M1000 = 2.0**-1000
_SELU_AS_HI, _SELU_AS_LO = SELU_SCALE_ALPHA_DD
_SELU_SCALE_HI = SELU_SCALE_DD[0]
_A_HI, _A_LO = GELU_TANH_A_DD
_A3_HI, _A3_LO = GELU_TANH_3A_DD
_C2_HI, _C2_LO = GELU_TANH_2C_DD
# expm1(r) - r = r^2 sum_k r^k / (k+2)!, to 2^-60 for |r| < 2
_EXPM1_MINUS = tuple(1.0 / math.factorial(k + 2) for k in range(25))
# gelu'(x) = 1/2 + x/sqrt(2 pi) sum_n (-1)^n (2n+2)/((2n+1) n!) u^n, u = x^2/2 (erf's series plus
# x phi's), to 2^-60 for |x| <= 1/2; erfc's polynomial is a few ulps off next to 0
_GELU_D_SERIES = tuple((-1.0) ** n * (2 * n + 2) / ((2 * n + 1) * math.factorial(n)) for n in range(14))


class DerivativeKernels(NamedTuple):
    """One build of the family (numba dispatchers, float64 -> float64)."""

    sigmoid: Any
    tanh: Any
    silu: Any
    swish: Any
    swish_beta: Any
    gelu_sigmoid: Any
    gelu_tanh: Any
    mish: Any
    softsign: Any
    elu: Any
    elu_alpha: Any
    selu: Any
    celu: Any
    celu_alpha: Any


def _family(exp_t, expm1, float64_results: bool) -> DerivativeKernels:
    """Derivative kernels written once over one set of math functions (``exp_t(hi, lo)`` is exp
    of a double-double); ``float64_results`` selects the double-double steps float64 needs."""

    @_kernel
    def parts(hi, lo):
        # e = exp(-|t|) for t = hi + lo, 1 + e exactly as (d_hi, d_lo), and e = m s1 s2 with m
        # in [0.7, 1.42] (0 below t = -1400): float64 kernels whose result is e times a large
        # factor use m and apply s1, then s2, last, so that subnormal results round once
        # (rounding e there and multiplying by x would cost up to |x|/2 subnormal ulps)
        neg = hi < 0.0
        if float64_results:
            m_hi, m_lo, s1, s2 = exp_split_f64(-abs(hi), lo if neg else -lo)
            m = m_hi + m_lo
            e = (m * s1) * s2
            d_hi, d_lo = fast_two_sum(1.0, e)
            return e, d_hi, d_lo, m, s1, s2
        e = exp_t(-abs(hi), lo if neg else -lo)
        d_hi, d_lo = fast_two_sum(1.0, e)
        return e, d_hi, d_lo, e, 1.0, 1.0

    @_kernel
    def over_sq(num, d_hi, d_lo):
        # num / (d_hi + d_lo)^2 for d in [1, 2]
        if float64_results:
            p = d_hi * d_hi
            pe = fma(d_hi, d_hi, -p) + 2.0 * d_hi * d_lo
            q = num / p
            return fma(-q, pe / p, q)
        return num / (d_hi * d_hi)

    @_kernel
    def sigmoid(x):
        """sigmoid'(x) = s (1 - s) = e/(1+e)^2, e = exp(-|x|)."""
        _, d_hi, d_lo, m, s1, s2 = parts(x, 0.0)
        return (over_sq(m, d_hi, d_lo) * s1) * s2

    @_kernel
    def tanh(x):
        """tanh'(x) = 1 - tanh^2 = 4e/(1+e)^2, e = exp(-2|x|)."""
        _, d_hi, d_lo, m, s1, s2 = parts(2.0 * x, 0.0)
        return (over_sq(4.0 * m, d_hi, d_lo) * s1) * s2

    @_kernel
    def sig_lin(t_hi, t_lo, w_hi, w_lo):
        # s(T) (1 + w (1 - s(T))) for T = t_hi + t_lo, w = w_hi + w_lo with sign(w) = sign(T)
        e, d_hi, d_lo, m, sc1, sc2 = parts(t_hi, t_lo)
        neg = t_hi < 0.0
        if float64_results:
            # T < 0: e (1 + e + w), the sum as a double-double (it cancels at the zero); e's
            # power of two applied last
            s, se = two_sum(d_hi, w_hi)
            n_neg = m * (s + (se + d_lo + w_lo))
            # T >= 0: 1 + e + w e, all terms positive
            p, pe = two_prod(w_hi, e)
            s2, se2 = two_sum(d_hi, p)
            n_pos = s2 + (se2 + d_lo + fma(w_lo, e, pe))
        else:
            n_neg = e * (d_hi + w_hi)
            n_pos = d_hi + w_hi * e
        y = over_sq(n_neg if neg else n_pos, d_hi, d_lo)
        y = ((y * sc1) * sc2) if neg else y
        # the limits -0.0 (T -> -inf) and 1 (T -> +inf), not 0 * inf = NaN
        lim = (m == 0.0) | (abs(t_hi) == math.inf) | (abs(w_hi) == math.inf)
        return (-0.0 if neg else 1.0) if lim else y

    @_kernel
    def silu(x):
        """silu'(x) = s(x) (1 + x (1 - s(x)))."""
        return sig_lin(x, 0.0, x, 0.0)

    @_kernel
    def beta_x(x, beta):
        # t = beta x as (hi, lo)
        return two_prod(beta, x) if float64_results else (beta * x, 0.0)

    @_kernel
    def swish_d(x, beta):
        t, tl = beta_x(x, beta)
        return sig_lin(t, tl, t, tl)

    @_kernel
    def swish_d_special(x, beta):
        # beta NaN, 0 or +-inf: NaN without a NaN input only from beta x = 0 * inf (beta = 0:
        # x/2 for every x; x = 0: silu'(0) for every beta), 1/2
        y = swish_d(x, beta)
        return y if y == y else (0.5 if (x == x) & (beta == beta) else x + beta)

    @_kernel
    def swish(x, beta):
        """d/dx x s(beta x) = silu'(beta x); NaN in either input gives NaN."""
        # the special betas apart under a loop-invariant condition (see ``elu``)
        ordinary = (beta != 0.0) & (abs(beta) < math.inf)
        return swish_d(x, beta) if ordinary else swish_d_special(x, beta)

    @_kernel
    def swish_beta_ordinary(x, beta):
        t, tl = beta_x(x, beta)
        e, d_hi, d_lo, m, s1, s2 = parts(t, tl)
        if float64_results:
            sq, sql = two_prod(x, x)
            sp = over_sq(m, d_hi, d_lo)
            y = (fma(sq, sp, sql * sp) * s1) * s2
            # x^2 overflowing while x^2 e does not: scale before the second factor of x
            y = ((((sp * s1) * x) * x) * s2) if sq == math.inf else y
        else:
            y = (x * x) * e / (d_hi * d_hi)
        return 0.0 if (m == 0.0) | (abs(x) == math.inf) else y  # x^2 -> inf times e -> 0: the limit is 0

    @_kernel
    def swish_beta_special(x, beta):
        # beta NaN, 0 or +-inf: beta = 0 (x^2/4) keeps x = +-inf's inf; x = +-0 with
        # beta = +-inf (0 * inf): 0 for every beta; NaN beta: NaN (x NaN: NaN already)
        y = swish_beta_ordinary(x, beta)
        y = 0.0 if x == 0.0 else y
        y = math.inf if (beta == 0.0) & (abs(x) == math.inf) else y
        return y if beta == beta else beta

    @_kernel
    def swish_beta(x, beta):
        """d/dbeta x s(beta x) = x^2 s'(beta x) = x^2 e/(1+e)^2, e = exp(-|beta x|); NaN in either input gives NaN."""
        ordinary = (beta != 0.0) & (abs(beta) < math.inf)  # loop-invariant (see ``elu``)
        return swish_beta_ordinary(x, beta) if ordinary else swish_beta_special(x, beta)

    @_kernel
    def gelu_sigmoid(x):
        """d/dx x s(1.702 x) = silu'(1.702 x)."""
        t, tl = gelu_sigmoid_arg(x, float64_results)
        return sig_lin(t, tl, t, tl)

    @_kernel
    def cubic(x, a_hi, a_lo):
        # 2 sqrt(2/pi) x (1 + a x^2), as a double-double when float64_results
        if float64_results:
            s_hi, s_lo = two_prod(x, x)
            a2_hi, a2_lo = two_prod(a_hi, s_hi)
            a2_lo = a2_lo + a_hi * s_lo + a_lo * s_hi
            w_hi = 1.0 + a2_hi  # >= 1: a plain sum keeps ~2^-105
            w_lo = (1.0 - w_hi) + a2_hi + a2_lo
            p_hi, p_lo = two_prod(x, w_hi)
            p_lo = fma(x, w_lo, p_lo)
            t_hi, t_lo = two_prod(_C2_HI, p_hi)
            t_lo = t_lo + _C2_HI * p_lo + _C2_LO * p_hi
            return t_hi, (t_lo if abs(t_hi) < math.inf else 0.0)
        return 2.0 * GELU_TANH_C * x * (1.0 + a_hi * (x * x)), 0.0

    @_kernel
    def gelu_tanh(x):
        """d/dx x s(T), T = 2 sqrt(2/pi)(x + a x^3): s(T) (1 + w (1 - s(T))),
        w = x T' = 2 sqrt(2/pi) x (1 + 3a x^2)."""
        t, tl = cubic(x, _A_HI, _A_LO)
        w, wl = cubic(x, _A3_HI, _A3_LO) if float64_results else cubic(x, 3.0 * GELU_TANH_A, 0.0)
        return sig_lin(t, tl, w, wl)

    @_kernel
    def mish(x):
        """mish'(x) = tanh(sp) + x sech(sp)^2 s(x), sp = softplus(x) (forms in the module docstring)."""
        if float64_results:  # u = m s1 s2: for x < 0 the result is u times a bracket ~ 4x, scaled last
            g_hi, g_lo, s1, s2 = exp_split_f64(-abs(x), 0.0)
            m = g_hi + g_lo
            u = (m * s1) * s2
        else:
            u = exp_t(-abs(x), 0.0)
            m, s1, s2 = u, 1.0, 1.0
        # x < 0, p = u = e^x
        d = fma(u, u + 2.0, 2.0)  # p^2 + 2p + 2
        n_neg = u * fma(u + 2.0, d, 4.0 * x * (1.0 + u))
        # x >= 0, u = e^-x
        big_n = 1.0 + 2.0 * u
        big_d = fma(2.0 * u, u, big_n)
        n_pos = fma(big_n, big_d, 4.0 * x * (u * u) * (1.0 + u))
        neg = x < 0.0
        den = d if neg else big_d
        if float64_results:
            # x < 0: the bracket (p+2) d + 4x(1+p) cancels towards the zero near -1.19; each
            # part as a double-double, so only p's own error is amplified there
            a_hi, a_lo = fast_two_sum(2.0, u)
            t_hi, t_lo = two_prod(u, a_hi)
            d_hi, d_lo = fast_two_sum(2.0, t_hi)
            d_lo = d_lo + t_lo + u * a_lo
            m_hi, m_lo = two_prod(a_hi, d_hi)
            m_lo = m_lo + a_hi * d_lo + a_lo * d_hi
            b_hi, b_lo = fast_two_sum(1.0, u)
            k_hi, k_lo = two_prod(4.0 * x, b_hi)
            k_lo = fma(4.0 * x, b_lo, k_lo)
            s_hi, s_lo = two_sum(m_hi, k_hi)
            n_neg = m * (s_hi + (s_lo + m_lo + k_lo))
            y = ((over_sq(n_neg, d_hi, d_lo) * s1) * s2) if neg else over_sq(n_pos, big_d, 0.0)
        else:
            y = (n_neg if neg else n_pos) / (den * den)
        # u = 0: the limits (x u^2 or 4x overflowing would give 0 * inf = NaN)
        return (1.0 if x > 0.0 else -0.0) if (m == 0.0) | (abs(x) == math.inf) else y

    @_kernel
    def softsign(x):
        """softsign'(x) = 1/(1 + |x|)^2."""
        if float64_results:
            d_hi, d_lo = two_sum(1.0, abs(x))
            r = 1.0 / d_hi
            # beyond 2^500 (1+|x|)^2 would overflow: 1/d squared (results far below 2^-1000)
            return r * r if d_hi > 2.0**500 else over_sq(1.0, d_hi, d_lo)
        d = 1.0 + abs(x)
        return 1.0 / (d * d)

    @_kernel
    def elu_special(x, alpha):
        # alpha = +-inf: 1 for x > 0, alpha for finite x <= 0 (alpha e^x with e^x > 0, also
        # where it underflows), NaN at x = -inf (no limit: 0 for every finite alpha, +-inf for
        # every finite x); alpha NaN: NaN
        y = 1.0 if x > 0.0 else (alpha if x > -math.inf else math.nan)
        return y if alpha == alpha else alpha

    @_kernel
    def elu(x, alpha):
        """d/dx elu = 1 for x > 0, alpha e^x for x <= 0 (alpha at 0, as PyTorch); NaN in either input gives NaN."""
        # the special parameter values apart, under a loop-invariant condition (LLVM versions
        # the loop on it: the common case runs the plain loop); exp in the else branch of
        # x > 0, where LLVM drops its overflow path (see ``smooth.elu``)
        return (1.0 if x > 0.0 else alpha * exp_t(x, 0.0)) if abs(alpha) < math.inf else elu_special(x, alpha)

    @_kernel
    def elu_alpha(x, alpha):
        """d/dalpha elu = 0 for x > 0, expm1(x) for x <= 0; NaN in either input gives NaN."""
        return (0.0 if x > 0.0 else expm1(x)) if alpha == alpha else alpha

    @_kernel
    def selu(x):
        """selu'(x) = scale for x > 0, scale alpha e^x for x <= 0."""
        e = exp_t(x, 0.0)
        if float64_results:
            n_hi, n_lo = two_prod(_SELU_AS_HI, e)
            neg = n_hi + fma(_SELU_AS_LO, e, n_lo)
            pos = _SELU_SCALE_HI
        else:
            neg = (SELU_SCALE * SELU_ALPHA) * e
            pos = SELU_SCALE
        return pos if x > 0.0 else neg

    @_kernel
    def quotient(x, alpha):
        # x / alpha = q + ql
        q = x / alpha
        if float64_results:
            ql = fma(-q, alpha, x) / alpha
            return q, (ql if abs(ql) < math.inf else 0.0)  # q infinite, or alpha infinite
        return q, 0.0

    @_kernel
    def exp_q(q, ql):
        # e^(q + ql), +inf where it overflows (alpha < 0 or -0.0: q > 0)
        e = exp_t(q, ql)
        return e if e == e else q + math.inf  # fma(inf, ql, inf) is NaN for ql <= 0

    @_kernel
    def celu_special(x, alpha):
        # alpha NaN, <= 0 or +inf: 1 for x >= 0 (at alpha = +-0 too: e^(0/alpha) = 1 for every
        # alpha); x < 0: alpha = +0 gives 0 and -0 +inf (x/+-0 = -+inf, the limits alpha ->
        # 0+-), alpha = +-inf gives 1 (x/alpha = -+0), and x = -inf with alpha = +-inf NaN
        # (no limit: 0 or +inf for every finite alpha, 1 for every finite x)
        q, ql = quotient(x, alpha)
        return (1.0 - _nan_if_nan(alpha)) if x >= 0.0 else exp_q(q, ql)

    @_kernel
    def celu(x, alpha):
        """d/dx celu = 1 for x > 0, exp(x/alpha) for x <= 0; NaN in either input gives NaN."""
        ordinary = (alpha > 0.0) & (alpha < math.inf)  # loop-invariant (see ``elu``)
        return celu_ordinary(x, alpha) if ordinary else celu_special(x, alpha)

    @_kernel
    def celu_ordinary(x, alpha):
        q, ql = quotient(x, alpha)
        return 1.0 if x > 0.0 else exp_t(q, ql)

    @_kernel
    def celu_alpha_neg(q, ql, e):
        # the x <= 0 piece, expm1(q) - q e^q (e = e^q)
        r = -q - ql
        series = -e * ((r * r) * horner(_EXPM1_MINUS, r))
        direct = fma(e, 1.0 - q, -1.0)  # e (1 - q) - 1, no large cancellation for |q| >= 2
        y = series if abs(r) < 2.0 else direct
        return -1.0 if q == -math.inf else y

    @_kernel
    def celu_alpha_ordinary(x, alpha):
        q, ql = quotient(x, alpha)
        return 0.0 if x > 0.0 else celu_alpha_neg(q, ql, exp_t(q, ql))

    @_kernel
    def celu_alpha_special(x, alpha):
        # alpha NaN, <= 0 or +inf: -0.0 at x = +-0 for every alpha (0/alpha: the x <= 0 piece
        # is -q^2/2 + ... <= 0); x < 0: alpha = +0 gives -1, alpha = -0 -inf (the limits
        # alpha -> 0+-), alpha = +-inf gives -0.0; x = -inf with alpha = +-inf NaN (no limit:
        # -1 or -inf for every finite alpha, 0 for every finite x); exp overflowing, -inf
        q, ql = quotient(x, alpha)
        z = _nan_if_nan(alpha)
        return z if x > 0.0 else ((-0.0 - z) if x == 0.0 else celu_alpha_neg(q, ql, exp_q(q, ql)))

    @_kernel
    def celu_alpha(x, alpha):
        """d/dalpha celu = 0 for x > 0, expm1(q) - q e^q = -e^q (expm1(r) - r) for x <= 0, q = x/alpha = -r;
        NaN in either input gives NaN."""
        ordinary = (alpha > 0.0) & (alpha < math.inf)  # loop-invariant (see ``elu``)
        return celu_alpha_ordinary(x, alpha) if ordinary else celu_alpha_special(x, alpha)

    return DerivativeKernels(
        sigmoid=sigmoid,
        tanh=tanh,
        silu=silu,
        swish=swish,
        swish_beta=swish_beta,
        gelu_sigmoid=gelu_sigmoid,
        gelu_tanh=gelu_tanh,
        mish=mish,
        softsign=softsign,
        elu=elu,
        elu_alpha=elu_alpha,
        selu=selu,
        celu=celu,
        celu_alpha=celu_alpha,
    )


@_kernel
def gelu_to32(x):
    """gelu' for float32/float16 results from the short (~2^-30) exp and erfc polynomials of
    ``smooth.gelu_parts_to32``; gelu' is 1 or -0.0 in float32 well before z reaches its cap."""
    big_e, y_t, inv_w = gelu_parts_to32(x)
    half_c = 0.5 * y_t * inv_w
    xp = x * _INV_SQRT2PI_HI
    y = big_e * (half_c + xp) if x < 0.0 else (1.0 - big_e * half_c) + big_e * xp
    return -0.0 if x < -20.0 else (1.0 if x > 20.0 else y)


_TO32 = _family(_exp_pair_r39, expm1_r36, float64_results=False)
_F64 = _family(exp_dd, expm1_f64, float64_results=True)

sigmoid_to32, sigmoid_f64 = _TO32.sigmoid, _F64.sigmoid
tanh_to32, tanh_f64 = _TO32.tanh, _F64.tanh
silu_to32, silu_f64 = _TO32.silu, _F64.silu
swish_to32, swish_f64 = _TO32.swish, _F64.swish
swish_beta_to32, swish_beta_f64 = _TO32.swish_beta, _F64.swish_beta
gelu_sigmoid_to32, gelu_sigmoid_f64 = _TO32.gelu_sigmoid, _F64.gelu_sigmoid
gelu_tanh_to32, gelu_tanh_f64 = _TO32.gelu_tanh, _F64.gelu_tanh
mish_to32, mish_f64 = _TO32.mish, _F64.mish
softsign_to32, softsign_f64 = _TO32.softsign, _F64.softsign
elu_to32, elu_f64 = _TO32.elu, _F64.elu
elu_alpha_to32, elu_alpha_f64 = _TO32.elu_alpha, _F64.elu_alpha
selu_to32, selu_f64 = _TO32.selu, _F64.selu
celu_to32, celu_f64 = _TO32.celu, _F64.celu
celu_alpha_to32, celu_alpha_f64 = _TO32.celu_alpha, _F64.celu_alpha


@_kernel
def gelu_f64(x):
    """gelu'(x) for float64 results = Phi(x) + x phi(x) = E (Y/(2(1 + 2z)) + x/sqrt(2 pi)) for
    x < 0, 1 - E Y/(2(1 + 2z)) + x E/sqrt(2 pi) for x >= 0; E = exp(-x^2/2), z = |x|/sqrt2."""
    z = abs(x) * _INV_SQRT2
    t = (z - ERFCX_K) / (z + ERFCX_K)
    # below x = -37 E heads for the subnormal range: compute it times 2^1000 and scale
    # back in the last step
    tail = x < -37.0
    sq_hi, sq_lo = two_prod(x, x)
    big_e = exp_dd(*shifted_arg(-0.5 * sq_hi, -0.5 * sq_lo, tail, LN2_TIMES_1000))
    half_c = 0.5 * horner(ERFCX_F64, t) / (1.0 + 2.0 * z)
    xp_hi, xp_lo = two_prod(x, _INV_SQRT2PI_HI)
    xp = xp_hi + fma(x, _INV_SQRT2PI_LO, xp_lo)
    s, se = two_sum(half_c, xp)
    neg = big_e * (s + se)
    neg = neg * _TWO_M1000 if tail else neg
    c, ce = two_prod(big_e, half_c)
    one_c, one_ce = fast_two_sum(1.0, -c)  # c <= 1/2: 1 - c is not always exact
    pos = one_c + (one_ce - ce + big_e * xp)
    sr_hi, sr_lo = two_prod(xp, horner(_GELU_D_SERIES, 0.5 * sq_hi))
    near0 = 0.5 + (sr_hi + sr_lo)
    y = neg if x < 0.0 else pos
    y = near0 if abs(x) <= 0.5 else y
    return (1.0 if x > 0.0 else -0.0) if abs(x) == math.inf else y


def negated(fn):
    """A kernel computing ``fn(-x)`` (log_sigmoid'(x) = sigmoid(-x) from sigmoid's kernels)."""

    @_kernel
    def neg(x):
        return fn(-x)

    return neg
