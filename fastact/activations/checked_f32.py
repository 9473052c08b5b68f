"""float32 kernels for the bfloat16 loops' checked fast path (``registry.checked``), and their guards.

A checked bfloat16 loop rounds a float32 kernel's value y to bfloat16 and keeps it unless
y's pattern is within ``guard`` float32 steps of a bfloat16 rounding midpoint (low 16 bits
0x8000); those elements are recomputed by the exact bfloat16 kernel (``_loops.checked_unary``).
That is the correctly rounded result whenever y is at most ``guard`` steps (float32 patterns,
fractionally, on the ordered pattern line: ulps of the spacing where they are, subnormals'
2^-149 included, binade boundaries too) from f(x): no midpoint then lies between y and f(x).

GUARDS: each kernel's guard, above its largest distance D over all 65536 bfloat16 inputs
(``tools/bf16_guards.py`` measures it against fastact's float64 loops; tests/test_bf16_checked.py
holds D <= guard - 1 and, for elu's alpha and grad.swish_beta's beta, the parameter-free part
of the argument).  The comments give the measured D.  A larger guard costs only fallbacks,
(2 guard + 1)/65536 of elements whose float32 values are spread evenly; structured data flags
more (elu's alpha x at tiny x lands on midpoints: exact ties of the float32 value, decided by
the exact kernel).
"""

from __future__ import annotations

import numpy as np

from .._numba import fma, jit
from ..constants import SELU_SCALE, SELU_SCALE_ALPHA_DD
from ..kernels.fast_f32 import exp_f32, expm1_neg_f32
from . import fast as fast_act

_kernel = jit(inline="always")
_F = np.float32
_ZERO = _F(0.0)
_ONE = _F(1.0)
_TWO = _F(2.0)
_NAN = _F(np.nan)
_T_MAX = _F(87.0)  # e^-|t| a float32 normal (>= 2^-126) for |t| <= 87.33

# path -> guard (float32 steps); comments: the largest D over all bfloat16 inputs (tools/bf16_guards.py)
GUARDS = {
    "sigmoid": 6,  # fast.sigmoid_f32: 1.644 at x = -15.625 (grad.softplus runs the same loop)
    "silu": 6,  # fast.silu_f32: 2.040 at x = -15.5625
    "gelu_sigmoid": 6,  # fast.gelu_sigmoid_f32: 1.943 at x = -3.640625
    "grad.log_sigmoid": 6,  # sigmoid_neg_f32: 1.644 at x = 15.625
    "grad.softsign": 6,  # softsign_grad_f32: 2.718 at x = 17301504 (argument: < 5.5)
    "elu": 6,  # elu_f32, every alpha: R + 1.01 = 2.384 (R = 1.374 at x = -0.37695); at alpha 1.5: 1.420
    "grad.elu_alpha": 6,  # elu_alpha_f32 (expm1, alpha unused): 0.863 at x = -0.37695
    "tanh": 6,  # fast.tanh_f32: 2.191 at x = 4.40625
    "softplus": 6,  # fast.softplus_f32: 2.080 at x = -4.25
    "log_sigmoid": 6,  # fast.log_sigmoid_f32: 2.080 at x = 4.25
    "gelu": 6,  # fast.gelu_f32: 2.511 at x = -5.375
    "gelu_tanh": 6,  # fast.gelu_tanh_f32: 2.147 at x = -3.578125
    "selu": 6,  # fast.selu_f32: 1.689 at x = -0.15234375
    "grad.sigmoid": 6,  # sigmoid_grad_f32: 1.603 at x = 3.796875 (R of the 16-bit t sweep: 2.877)
    "grad.tanh": 6,  # tanh_grad_f32: 1.603 at x = 1.8984375
    "softsign": 6,  # softsign_f32: 1.407 at x = 1.41263e-05
    "hard_swish": 6,  # hard_swish_f32: 1.995 at x = 1.51396e-05
    "grad.selu": 6,  # selu_grad_f32: 1.595 at x = -66.5
    "grad.swish_beta": 6,  # swish_beta_f32, every beta: R + 1.01 = 3.887 (R = 2.877 at t = 13.154); at beta 1: 2.616
}


@_kernel
def sigmoid_neg_f32(x):
    """sigmoid(-x) (log_sigmoid'(x)): the fast tier's sigmoid at -x, so sigmoid's guard holds."""
    return fast_act.sigmoid_f32(-x)


@_kernel
def softsign_grad_f32(x):
    """softsign'(x) = 1/(1 + |x|)^2 as r r, r = 1/(1 + |x|): three roundings of relative error
    below 2^-24 each (1 + |x|, the division, the product), r's doubled by the square: relative
    error < 5 * 2^-24, i.e. < 5 steps, plus 0.5 step where r r is a float32 subnormal.  r r, not
    1/(d d): d d overflows for |x| > 1.8e19 where f is still 2.9e-39 (a float32 normal); r r
    underflows to 0 only below 2^-150, where f rounds to +0 in bfloat16 too (and +-inf -> 0)."""
    r = _ONE / (_ONE + abs(x))
    return r * r


@_kernel
def expm1_neg_signed_f32(x):
    """e^x - 1 for x <= 0 with -0.0 -> -0.0 (``expm1_neg_f32`` gives +0.0 there)."""
    return x if x == _ZERO else expm1_neg_f32(x)


@_kernel
def elu_f32(x, alpha):
    """x for x >= 0 (+-0 keep their sign), alpha expm1(x) for x < 0; NaN alpha -> NaN.

    Guard for every alpha: expm1_neg_f32's value e has relative error R 2^-24 over the bfloat16
    x < 0 (R measured over all of them: ``EXPM1_R``); alpha e is then within R 2^-24 |f| of f, at
    most R / (1 - R 2^-24) steps on the pattern line (|f| is below 2^24 steps of the spacing at
    its lower end), and its one rounding adds at most one step (half a step of the larger
    spacing, or 0.5 of 2^-149 in the subnormal range): D <= R + 1.01.  No overflow: |e| <= 1,
    |alpha| <= the largest bfloat16.  alpha = +-inf gives -+inf (the exact kernel's), NaN is
    flagged and recomputed."""
    y = x if x >= _ZERO else alpha * expm1_neg_f32(x)
    return y if alpha == alpha else alpha


@_kernel
def elu_alpha_f32(x, alpha):
    """d elu / d alpha = 0 for x > 0, expm1(x) for x <= 0 (-0.0 -> -0.0, -inf -> -1); NaN in
    either input -> NaN.  Guard: expm1's D over the bfloat16 x <= 0 (alpha is not used)."""
    y = _ZERO if x > _ZERO else expm1_neg_signed_f32(x)
    return y if alpha == alpha else alpha


@_kernel
def sigmoid_d_f32(t):
    """s(t) (1 - s(t)) = e / (1 + e)^2, e = e^-|t|, for |t| <= 87 (e a float32 normal); its
    relative error R over every float32 t with at most 16 significant bits:
    ``tools/bf16_guards.py``'s ``swish_beta_relative``."""
    e = exp_f32(-abs(t))
    d = _ONE + e
    dl = e - (d - _ONE)  # exact (Fast2Sum, 1 >= e): 1 + e = d + dl
    return e / fma(d, d, _TWO * d * dl)  # (d + dl)^2 rounded once (dl^2 < 2^-48 d^2)


@_kernel
def swish_beta_f32(x, beta):
    """d swish / d beta = x^2 s(t) (1 - s(t)), t = beta x; NaN where float32 cannot carry it.

    Guard for every beta: x and beta have 8-bit significands, so t = beta x (16 bits) is exact
    in float32 wherever it is a normal (a subnormal t moves q = s(t)(1 - s(t)) by < 2^-250 of
    itself: q's float32 value there is that of t = 0).  q = ``sigmoid_d_f32(t)`` has relative
    error R 2^-24, R measured over every float32 t with at most 16 significant bits and |t| <= 87
    (the parameter-free part, ``tools/bf16_guards.py``).  x^2 (16 bits) and x^2 q (40 bits) are
    exact in float64 (|x^2 q| >= 2^-266 2^-128), so the one rounding to float32 (subnormal or
    overflowing to inf included) adds at most a step: D <= R + 1.01, as ``elu_f32``'s argument.
    NaN (flagged, recomputed by the exact kernel): |t| > 87 (e^-|t| underflowing in float32; x^2 q
    can still be a bfloat16 normal: x = 1e38, beta = 1e-36), t NaN or infinite (x or beta NaN or
    infinite, beta = 0 with x infinite).  x = +-0 with finite beta gives +0, beta = +-0 with
    finite x gives x^2/4 rounded once: the exact kernel's values.  For tiny |t| (beta != 0) f is
    a hair below x^2/4, which can be a bfloat16 midpoint: the float32 value sits on it (distance
    0), is flagged, and the exact kernel's tie wrapper decides."""
    t = beta * x
    q = sigmoid_d_f32(t)
    y = _F(np.float64(x) * np.float64(x) * np.float64(q))
    return y if abs(t) <= _T_MAX else _NAN


@_kernel
def sigmoid_grad_f32(x):
    """sigmoid'(x) = s(1 - s) = ``sigmoid_d_f32(x)`` for |x| <= 87 (NaN beyond, and for NaN x:
    recomputed).  Guard: the R of grad.swish_beta's sweep, which covers every bfloat16 x (an
    8-bit t among its 16-bit ones), plus the division's rounding already in it: D <= R."""
    return sigmoid_d_f32(x) if abs(x) <= _T_MAX else _NAN


@_kernel
def tanh_grad_f32(x):
    """tanh'(x) = 1 - tanh^2 = 4 e / (1 + e)^2, e = e^-2|x|: 4 ``sigmoid_d_f32(2x)`` (2x and the
    factor 4 exact), for |2x| <= 87 (NaN beyond: recomputed).  Guard as sigmoid's: D <= R."""
    t = x + x
    return _F(4.0) * sigmoid_d_f32(t) if abs(t) <= _T_MAX else _NAN


@_kernel
def softsign_f32(x):
    """softsign(x) = x / (1 + |x|): two roundings (1 + |x|, exact for |x| >= 2^-16, and the
    quotient), relative error < 2 * 2^-24, so D < 2 steps; +-inf give NaN (recomputed: +-1)."""
    return x / (_ONE + abs(x))


@_kernel
def hard_swish_f32(x):
    """hard_swish(x) = x relu6(x + 3) / 6: +0.0 for x <= -3, x for x >= 3, else x (x + 3) fl(1/6)
    (x + 3 exact for |x| >= 2^-15; two roundings and 1/6's relative error 2^-25: D < 2.5 steps;
    below 2^-15 the value is x/2 to 2^-16 relative, x/2 a midpoint at odd subnormal x: D 0,
    flagged, so the exact kernel breaks that tie)."""
    y = x * (x + _F(3.0)) * _F(1.0 / 6.0)
    return _ZERO if x <= _F(-3.0) else (x if x >= _F(3.0) else y)


_SELU_L = _F(SELU_SCALE)
_SELU_LA = _F(SELU_SCALE_ALPHA_DD[0])


@_kernel
def selu_grad_f32(x):
    """selu'(x) = scale for x > 0, scale alpha e^x for x <= 0: fl(scale), or fl(scale alpha)
    exp_f32(x) (two roundings and exp's error: D measured over every bfloat16 x), for
    x >= -87 (NaN below, -inf and NaN x too: recomputed, as e^x loses relative precision
    among float32's subnormals)."""
    y = _SELU_L if x > _ZERO else _SELU_LA * exp_f32(x)
    return y if x >= -_T_MAX else _NAN
