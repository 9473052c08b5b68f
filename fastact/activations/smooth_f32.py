"""float32-arithmetic kernels of the exact tier: sigmoid, silu, gelu_sigmoid, softplus and
log_sigmoid, for float32 results (``<name>_f32``), float16 results (``<name>_f16``) and
bfloat16 results (``<name>_bf16``).

sigmoid(x) = N / (1 + e), e = exp(-|x|), N = 1 (x >= 0) or e (x < 0), with e and 1 + e
as double-floats and the quotient corrected once by its residual, so the value before
the final rounding is good to ~2^-26 relative (exp's polynomial; measured max 0.82
ULP for results above 2^-126, 0.78-0.89 in the subnormal range where the pair rounds
twice).  silu and gelu_sigmoid multiply the double-float sigmoid by x with an FMA split;
softplus and log_sigmoid add log1p of the double-float e.  8 float32 lanes per AVX2
register instead of 4 doubles.  The ``_f16`` kernels round the same unrounded
double-float value once (round-to-odd, then to half): exhaustively correctly rounded.
The ``_bf16`` kernels round it once to bfloat16 bits the same way, with the power of two
2^n kept apart until that rounding (``dd32_to_bf16``): bfloat16 results reach 2^-133, far
into float32's subnormal range, where scaling the pair first would round it twice.
Their bounds are the registry's float32/float16 claims (1 ULP, 0.5 ULP), measured over
every input.  float64 has its own kernels (``smooth``).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import f32_to_bf16, f32_to_half, fma, jit
from ..constants import GELU_SIGMOID_K
from ..kernels.dd import dd32_to_bf16, dd32_to_half
from ..kernels.exp import exp_parts_f32, exp_parts_lo_f32
from ..kernels.log import log1p_dd_f32

_kernel = jit(inline="always")  # inlined into the loop by numba (see smooth.py)
_F = np.float32
_ONE = _F(1.0)
_ZERO = _F(0.0)
_LOW = _F(-110.0)
_P64 = _F(2.0**-64)
_TWO64 = _F(2.0**64)
_SUB = _F(2.0**-149)  # float32's smallest subnormal: a sticky bit below every bfloat16
_SIG_LOW = _F(-103.6)  # keeps n = round(-|x| log2 e) >= -149, so 2^n is a float32
_SIG_ZERO = _F(-103.97208)  # ln(2^-150): sigmoid rounds to 0 below (no float32 sits on the tie)
_SMALL = _F(0.0625)
_NO_LO = _F(-0.0)  # x + -0.0 = x for every x: LLVM drops the addition
_S3 = _F(-1.0 / 48.0)  # sigmoid(x) = 1/2 + x/4 - x^3/48 + x^5/480 - 17 x^7/80640 + ...
_S5 = _F(1.0 / 480.0)
_S7 = _F(-17.0 / 80640.0)


@_kernel
def _one_plus_e(x, low, lo=_NO_LO):
    """(e_hi, e_lo, s64, d_hi, d_lo): e = exp(-|x| + lo) = 2^n (E_hi + E_lo) with -|x| clamped
    at ``low``, s64 = 2^(n + 64), and D = 1 + e as D_hi + D_lo (both parts exact FMAs).
    ``lo``: the low part of -|t| when the argument is a pair x + t_lo (-0.0: none; it folds)."""
    e_hi, e_lo, s64 = exp_parts_lo_f32(max(-abs(x), low), lo)
    s = s64 * _P64  # 2^n, exact down to 2^-149
    d_hi = fma(s, e_hi, _ONE)
    d_lo = fma(s, e_lo, fma(s, e_hi, _ONE - d_hi))  # the inner FMA is exact: d_hi's rounding error
    return e_hi, e_lo, s64, d_hi, d_lo


@_kernel
def _sigmoid_q(x, low, lo=_NO_LO):
    """(q0, rho, inv, s): sigmoid(x) = (q0 + rho inv) 2^n to ~2^-26, s = 2^(n + 64) (n = 0 for x >= 0).

    e = exp(-|x|) = 2^n (E_hi + E_lo) with -|x| clamped at ``low``; D = 1 + e as
    D_hi + D_lo (both parts exact FMAs); Q = N / D with N = 1 (x >= 0) or E (x < 0), one
    division (inv = 1/D_hi) and one residual correction rho inv.
    """
    e_hi, e_lo, s64, d_hi, d_lo = _one_plus_e(x, low, lo)  # lo: as in _one_plus_e
    neg = x < _ZERO
    n_hi = e_hi if neg else _ONE
    n_lo = e_lo if neg else _ZERO
    inv = _ONE / d_hi
    q0 = n_hi * inv
    rho = fma(-q0, d_lo, fma(-q0, d_hi, n_hi) + n_lo)
    return q0, rho, inv, (s64 if neg else _TWO64)


@_kernel
def sigmoid_f32(x):
    """1 / (1 + exp(-x)) in float32 arithmetic, measured max 0.79 ULP; 0 below ln(2^-150)."""
    q0, rho, inv, s64 = _sigmoid_q(x, _SIG_LOW)
    # 2^n is exact even as a subnormal (n >= -149 after the clamp), so the product rounds once
    y = fma(rho, inv, q0) * (s64 * _P64)
    return _ZERO if x < _SIG_ZERO else y


@_kernel
def _x_sigmoid_f32(x, t, t_lo, low):
    """x * sigmoid(t + t_lo) = x N / (1 + e), N = 1 (t >= 0) or e (t < 0), e = exp(-|t + t_lo|),
    -|t| clamped at ``low``; float32 arithmetic, before the caller's tail selects.

    As sigmoid, but the numerator x N is formed as a pair beside 1 + e and divided once
    (q0 = x N (1/D_hi), corrected by its remainder): the float32 sum of the sigmoid's pair
    times x would round twice.
    """
    neg = t < _ZERO
    e_hi, e_lo, s64, d_hi, d_lo = _one_plus_e(t, low, t_lo if neg else -t_lo)
    p = x * e_hi
    n_hi = p if neg else x
    n_lo = fma(x, e_lo, fma(x, e_hi, -p)) if neg else _ZERO
    inv = _ONE / d_hi  # one division: q0 need not be correctly rounded, rho corrects it
    q0 = n_hi * inv
    rho = fma(-q0, d_lo, fma(-q0, d_hi, n_hi) + n_lo)
    y = fma(rho, inv, q0)
    y = q0 if (abs(q0) == math.inf) | (q0 == _ZERO) else y  # x = +inf, or x = +-0 (keeps the sign)
    return ((y * s64) * _P64) if neg else y  # 2^(n + 64) then 2^-64: x 2^n may be below 2^-149


@_kernel
def silu_f32(x):
    """x * sigmoid(x) in float32 arithmetic (``_x_sigmoid_f32``), measured max 0.79 ULP;
    silu(-inf) = -0.0."""
    y = _x_sigmoid_f32(x, x, _NO_LO, _LOW)
    return -_ZERO if x < _LOW else y  # x e^x rounds to -0.0 below -110 (and at -inf)


_GS_HI = _F(GELU_SIGMOID_K)
_GS_LO = _F(GELU_SIGMOID_K - float(_GS_HI))  # 1.702 = hi + lo to ~2^-48
_GS_LOW = _F(-65.0)  # x e^(1.702 x) rounds to -0.0 below (|x| e^-110.6 < 2^-150)
_GS_HIGH = _F(20.0)  # and to x above (e^-34 < 2^-49)


@_kernel
def _gelu_sigmoid_arg_f32(x):
    """t = 1.702 x as a float32 pair (t, t_lo): its rounding would be amplified |t|-fold in
    the negative tail (``smooth.gelu_sigmoid_arg`` is the float64 form)."""
    t = _GS_HI * x
    return t, fma(_GS_HI, x, -t) + _GS_LO * x


@_kernel
def gelu_sigmoid_f32(x):
    """x * sigmoid(1.702 x) in float32 arithmetic: ``_x_sigmoid_f32`` of the pair 1.702 x.
    -inf -> -0.0, +inf -> +inf."""
    t, t_lo = _gelu_sigmoid_arg_f32(x)
    y = _x_sigmoid_f32(x, t, t_lo, _LOW)
    y = x if x > _GS_HIGH else y
    return -_ZERO if x < _GS_LOW else y


@_kernel
def _softplus_pair(x):
    """softplus(x) = hi + lo (float32 pair), and exp(-|x|)'s parts for the far left tail."""
    e_hi, e_lo, s64 = exp_parts_f32(max(-abs(x), _LOW))
    s = s64 * _P64  # 2^n (0 below 2^-149, where log1p(e) rounds to 0 anyway)
    l_hi, l_lo = log1p_dd_f32(e_hi * s, e_lo * s)
    a = max(x, _ZERO)
    y = a + l_hi  # two-sum: either term may be the larger
    b = y - a
    lo = ((a - (y - b)) + (l_hi - b)) + l_lo
    lo = _ZERO if abs(y) == math.inf else lo  # x = +inf (NaN stays NaN)
    return y, lo, e_hi, e_lo, s64


@_kernel
def softplus_f32(x):
    """max(x, 0) + log1p(exp(-|x|)) in float32 arithmetic; exp and log1p as double-floats."""
    y, lo, e_hi, e_lo, s64 = _softplus_pair(x)
    # below -32 log1p(e) = e to 2^-46: e scaled in two steps so that results near and
    # below 2^-126 keep e's low part and round once
    return (((e_hi + e_lo) * s64) * _P64) if x < _F(-32.0) else y + lo


@_kernel
def log_sigmoid_f32(x):
    """-softplus(-x) = min(x, 0) - log1p(exp(-|x|)); -0.0 where the negative value rounds to
    zero (x > 103.97), log_sigmoid(+inf) = +0.0."""
    return _ZERO if x == math.inf else -softplus_f32(-x)


@_kernel
def softplus_f16(x):
    """float16 softplus from the float32 kernel's unrounded pair, rounded once (float16 bits)."""
    y, lo = _softplus_pair(x)[:2]
    return dd32_to_half(y, lo)  # below -32 the pair is e (< 2^-46), which rounds to 0


@_kernel
def log_sigmoid_f16(x):
    """float16 -softplus(-x), rounded once (float16 bits); -0.0 where the negative value
    rounds to zero, log_sigmoid(+inf) = +0.0."""
    y, lo = _softplus_pair(-x)[:2]
    return f32_to_half(_ZERO) if x == math.inf else dd32_to_half(-y, -lo)


@_kernel
def softplus_bf16(x):
    """bfloat16 softplus from the float32 kernel's unrounded pair, rounded once (bfloat16 bits);
    below -32 the value is e = exp(x) to 2^-46, scaled by its 2^n in that rounding."""
    y, lo, e_hi, e_lo, s64 = _softplus_pair(x)
    far = x < _F(-32.0)
    return dd32_to_bf16(e_hi if far else y, e_lo if far else lo, s64 if far else _TWO64)


@_kernel
def log_sigmoid_bf16(x):
    """bfloat16 -softplus(-x), rounded once (bfloat16 bits); -0.0 where the negative value
    rounds to zero, log_sigmoid(+inf) = +0.0."""
    y, lo, e_hi, e_lo, s64 = _softplus_pair(-x)
    far = x > _F(32.0)
    h = dd32_to_bf16(-(e_hi if far else y), -(e_lo if far else lo), s64 if far else _TWO64)
    return f32_to_bf16(_ZERO) if x == math.inf else h


@_kernel
def _near_zero(x, hi, lo, x_lo=_NO_LO):
    """sigmoid(x + x_lo) as a double-float, from the odd series where |x| < 1/16.

    There expm1(r)'s rounding (~2^-35 relative) is too coarse for float16: sigmoid(x)
    lies within x^3/48 of 1/2 + x/4, which is a float16 rounding midpoint for some x.
    """
    x2 = x * x
    t_hi = _F(0.5) + _F(0.25) * x
    t_lo = (_F(0.5) - t_hi) + _F(0.25) * x + _F(0.25) * x_lo + x * x2 * fma(fma(x2, _S7, _S5), x2, _S3)
    small = abs(x) < _SMALL
    return (t_hi if small else hi), (t_lo if small else lo)


@_kernel
def sigmoid_f16(x):
    """float16 sigmoid from the float32 kernel's unrounded double-float value (float16 bits)."""
    q_hi, rho, inv, s64 = _sigmoid_q(x, _LOW)
    s = s64 * _P64
    q_hi, q_lo = _near_zero(x, q_hi * s, (rho * inv) * s)  # exact scaling wherever the result is a float16
    return dd32_to_half(q_hi, q_lo)


@_kernel
def _x_sigmoid_f16(x, t, t_lo, cut):
    """float16 bits of x sigmoid(t + t_lo): the float32 kernel's double-float sigmoid times x
    as an exact product, rounded once; -0.0 below ``cut`` (and at -inf), and a product that
    underflows to zero keeps x's sign."""
    q_hi, rho, inv, s64 = _sigmoid_q(t, _LOW, t_lo if t < _ZERO else -t_lo)
    s = s64 * _P64
    q_hi, q_lo = _near_zero(t, q_hi * s, (rho * inv) * s, t_lo)
    p = x * q_hi
    pl = fma(x, q_hi, -p) + x * q_lo
    h = dd32_to_half(p, pl)
    h = f32_to_half(p) if (abs(p) == math.inf) | (p == _ZERO) else h  # p = x * 0 keeps x's sign
    return f32_to_half(-_ZERO) if x < cut else h


@_kernel
def gelu_sigmoid_f16(x):
    """float16 x sigmoid(1.702 x), t = 1.702 x as a float32 pair (float16 bits)."""
    t, t_lo = _gelu_sigmoid_arg_f32(x)
    return _x_sigmoid_f16(x, t, t_lo, _GS_LOW)


@_kernel
def silu_f16(x):
    """float16 silu from the float32 kernel's unrounded double-float value (float16 bits)."""
    return _x_sigmoid_f16(x, x, _NO_LO, _LOW)


@_kernel
def sigmoid_bf16(x):
    """bfloat16 sigmoid from the float32 kernel's unrounded double-float value (bfloat16 bits)."""
    q_hi, rho, inv, s64 = _sigmoid_q(x, _LOW)
    q_hi, q_lo = _near_zero(x, q_hi, rho * inv)  # near zero the series' pair, unscaled (n = 0)
    return dd32_to_bf16(q_hi, q_lo, _TWO64 if abs(x) < _SMALL else s64)


@_kernel
def _x_sigmoid_bf16(x, t, t_lo, cut):
    """bfloat16 bits of x sigmoid(t + t_lo): as ``_x_sigmoid_f16``, with 2^n applied in the
    final rounding.  Below |x| = 2^-60 the product's low part (~x^2/4) underflows, and
    x/2 may be a bfloat16 midpoint (subnormal x): f = x/2 + d x^2 with d > 0 (silu: 1/4,
    gelu_sigmoid: 1.702/4), so a positive sticky 2^-149 stands in for it."""
    q_hi, rho, inv, s64 = _sigmoid_q(t, _LOW, t_lo if t < _ZERO else -t_lo)
    q_hi, q_lo = _near_zero(t, q_hi, rho * inv, t_lo)
    p = x * q_hi
    pl = fma(x, q_hi, -p) + x * q_lo
    pl = _SUB if abs(x) < _F(2.0**-60) else pl
    # one rounding for every case, special ones as the pair (v, v) unscaled: p = +-inf, or
    # x = +-0 (p keeps x's sign: v + v does), and -0.0 below ``cut`` (and at -inf)
    special = (abs(p) == math.inf) | (x == _ZERO)
    v = -_ZERO if x < cut else p
    plain = special | (x < cut) | (abs(t) < _SMALL)
    return dd32_to_bf16(v, v if special | (x < cut) else pl, _TWO64 if plain else s64)


@_kernel
def gelu_sigmoid_bf16(x):
    """bfloat16 x sigmoid(1.702 x), t = 1.702 x as a float32 pair (bfloat16 bits)."""
    t, t_lo = _gelu_sigmoid_arg_f32(x)
    # t >= 20 (1.702 x may overflow: bfloat16 reaches float32's range): t = 20, whose
    # x sigmoid(20) = x (1 - 2^-28.9) rounds to x, as x sigmoid(t) does
    high = t >= _GS_HIGH
    return _x_sigmoid_bf16(x, _GS_HIGH if high else t, _ZERO if high else t_lo, _GS_LOW)


@_kernel
def silu_bf16(x):
    """bfloat16 silu from the float32 kernel's unrounded double-float value (bfloat16 bits)."""
    return _x_sigmoid_bf16(x, x, _NO_LO, _LOW)
