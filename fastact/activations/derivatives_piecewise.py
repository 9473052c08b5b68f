"""Derivatives of the piecewise activations (``fastact.grad``).

Conventions at the kinks follow PyTorch's autograd (2.x): the derivative of a clip
is taken as 0 at its knees (relu'(0) = 0, relu6' at 0 and 6, hard_tanh' at +-1,
hard_sigmoid6' and hard_swish' at +-3 take the outer piece's value); leaky_relu and
prelu use the slope at 0 (the ``x <= 0`` piece).  NaN in any input gives NaN (PyTorch gives
the slope of whichever branch its comparison picks).

Constant-valued derivatives work in the storage type ("native" kernels): each
result is one constant rounded once.  hard_swish' = (2x + 3)/6 is formed like
``piecewise.hard_sigmoid6``: exactly (two_sum) and divided with an exact remainder.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit, like
from ..kernels.dd import div_dd_const, two_sum


@jit
def _on(x, lo, hi, value):
    """``value`` on the open interval (lo, hi), 0 outside and at the ends, NaN for NaN."""
    zero = like(0.0, x)
    inside = (x > like(lo, x)) & (x < like(hi, x))
    y = like(value, x) if inside else zero
    return x if x != x else y


@jit
def relu(x):
    """relu'(x) = 1 for x > 0, else 0 (0 at 0, as PyTorch)."""
    y = like(1.0, x) if x > like(0.0, x) else like(0.0, x)
    return x if x != x else y


@jit
def relu6(x):
    """relu6'(x) = 1 on (0, 6), else 0."""
    return _on(x, 0.0, 6.0, 1.0)


@jit
def hard_tanh(x):
    """hard_tanh'(x) = 1 on (-1, 1), else 0."""
    return _on(x, -1.0, 1.0, 1.0)


@jit
def hard_sigmoid(x):
    """hard_sigmoid'(x) = 1/5 on (-2.5, 2.5), else 0."""
    return _on(x, -2.5, 2.5, 0.2)


@jit
def hard_sigmoid6(x):
    """hard_sigmoid6'(x) = 1/6 on (-3, 3), else 0 (PyTorch rounds 1/6 through float32 even for float64)."""
    return _on(x, -3.0, 3.0, 1.0 / 6.0)


@jit
def leaky_relu(x, negative_slope):
    """d/dx leaky_relu(x, a) = 1 for x > 0, else a (a at 0, as PyTorch); NaN in either input gives NaN."""
    a = negative_slope
    threshold = like(0.0, x) if a == a else like(math.inf, x)  # a NaN: every x gets a
    y = like(1.0, x) if x > threshold else a
    return x if x != x else y


@jit
def leaky_relu_slope(x, negative_slope):
    """d/da leaky_relu(x, a) = 0 for x > 0, else x (-0.0 at -0.0, as PyTorch's prelu); NaN in either input gives NaN."""
    y = like(0.0, x) if x > like(0.0, x) else x
    return negative_slope if negative_slope != negative_slope else y


@jit
def hard_swish(x):
    """hard_swish'(x) = (2x + 3)/6 on (-3, 3), 0 for x <= -3, 1 for x >= 3; double-double result.

    2x + 3 is formed exactly, so the zero at x = -1.5 and its neighbourhood do not cancel.
    """
    s, e = two_sum(2.0 * x, 3.0)
    h, lo = div_dd_const(s, e, 6.0, 1.0 / 6.0)
    below = x <= -3.0
    above = x >= 3.0
    return (0.0 if below else (1.0 if above else h)), (0.0 if below | above else lo)


@jit
def hard_swish_to32(x):
    """hard_swish' for float32/float16 arguments: (2x + 3)/6 in float64, one division.

    2x + 3 is exact unless |x| < 2^-49, where the result is 1/2 to far better than a
    float32 half-ulp; the quotient by 6 of a short dyadic number is exact or has a periodic
    expansion, so its correctly rounded float64 value is never within 2^-52 of a float32
    midpoint unless it is that midpoint exactly, and rounding it on is still one correct
    rounding.
    """
    y = (2.0 * x + 3.0) / 6.0
    return 0.0 if x <= -3.0 else (1.0 if x >= 3.0 else y)


_F = np.float32


@jit
def hard_swish_bf16(x):
    """hard_swish' for bfloat16 arguments (float32 x holding one): (2x + 3)/6 in float32.

    2x + 3 is exact for |x| >= 2^-14 (x has 8 significant bits), and the float32 quotient is
    correctly rounded; rounding it to bfloat16 is one correct rounding: a float32 quotient
    on a bfloat16 midpoint m within half a float32 ulp of (2x + 3)/6 would make 2x + 3 - 6m
    a nonzero multiple of 2^(e_m - 20) below 3 2^(e_m - 23).  Below 2^-14 the quotient is
    within 2^-14 of 1/2, far from a midpoint.  Not for float32 arguments (2x + 3 rounds).
    """
    y = (_F(2.0) * x + _F(3.0)) / _F(6.0)
    return _F(0.0) if x <= _F(-3.0) else (_F(1.0) if x >= _F(3.0) else y)
