"""Piecewise-linear and piecewise-quadratic activations.

Kernels compute every branch and select at the end (see ``kernels.dd``).

relu, relu6, hard_tanh and leaky_relu work in the storage type itself ("native":
float16 as float32, where the product of two float16 values is exact), since their
results need at most one rounding.  The others take exact float64 arguments (every float16/float32 value is one) and
returns the result as a normalised double-double ``(hi, lo)``; the loop rounds it
once to the output dtype.  Near the knees (x -> -3 in ``relu6(x + 3) / 6``,
x -> -2.5 in ``0.2 x + 0.5``) the naive float32 forms cancel and lose millions of
ULP; here ``x + c`` is formed exactly (``two_sum``) and divided with an exact
remainder, so every dtype is correctly rounded.
"""

from __future__ import annotations

import numpy as np

from .._numba import f64_bits, fma, jit, like
from ..kernels.dd import dd32_to_half, div_dd_const, fast_two_sum, two_prod, two_sum


@jit
def relu(x):
    """relu(x) = max(x, 0); relu(-0.0) = +0.0, NaN -> NaN."""
    zero = like(0.0, x)
    return x if not (x <= zero) else zero


@jit
def relu6(x):
    """relu6(x) = min(max(x, 0), 6)."""
    zero = like(0.0, x)
    six = like(6.0, x)
    return zero if x <= zero else (six if x >= six else x)


@jit
def _clip1(v):
    """v clipped to [-1, 1]: signs and zeros kept, infinities made finite, NaN passed."""
    one = like(1.0, v)
    return -one if v < -one else (one if v > one else v)


@jit
def leaky_relu(x, negative_slope):
    """leaky_relu(x, a) = x if x > 0 else a * x; NaN in either input gives NaN.

    a * x is IEEE's product (at x = +-0 too: leaky_relu(+0.0, -1) = -0.0, as PyTorch)
    except 0 * inf (x = -inf with a = +-0, x = +-0 with a = +-inf), which is the limit,
    the zero of the product's sign (a = 0 makes the x <= 0 piece 0 for every x, x = 0
    makes it 0 for every a; PyTorch gives NaN).  There the product of the clipped
    operands (max(x, -1) and a clipped to [-1, 1]) is that zero; for a = +-0 it is
    exact for every x <= 0.  Every test of ``a`` alone is loop-invariant when the
    parameter is a scalar, and LLVM versions the loop on it: an ordinary slope runs the
    plain ``x * a`` loop (timed: same speed as before, float16/float32).
    """
    a = negative_slope
    zero = like(0.0, x)
    one = like(1.0, x)
    special = (a == zero) | (abs(a) == like(np.inf, x))
    threshold = zero if a == a else like(np.inf, x)  # a NaN: no x passes, x * a is NaN
    p = x * a
    q = (-one if x < -one else x) * _clip1(a)
    p = (q if (a == zero) | (x == zero) else p) if special else p
    return x if x > threshold else p


@jit
def hard_tanh(x):
    """hard_tanh(x) = clip(x, -1, 1); -0.0 stays -0.0."""
    one = like(1.0, x)
    return -one if x <= -one else (one if x >= one else x)


@jit
def hard_sigmoid(x):
    """hard_sigmoid(x) = clip(x/5 + 1/2, 0, 1) = clip(0.2 x + 0.5, 0, 1) (Keras 2, exact 1/5)."""
    s, e = two_sum(x, 2.5)
    h, lo = div_dd_const(s, e, 5.0, 0.2)
    below = x <= -2.5
    above = x >= 2.5
    return (0.0 if below else (1.0 if above else h)), (0.0 if below | above else lo)


@jit
def hard_swish_to32(x):
    """hard_swish for float32/float16 arguments in float64, returning a double-double.

    x + 3 is exact for |x| >= 2^-28 and x (x + 3) is split exactly with an FMA, so
    (hi, lo) is the quotient by 6 to ~2^-100; below 2^-28 the pair is (x/2, x^2/6),
    whose second part breaks the tie of an odd float32 subnormal x the right way.
    """
    s = x + 3.0
    p = x * s
    pe = fma(x, s, -p)
    q = p * (1.0 / 6.0)  # need not be correctly rounded: the FMA remainder below corrects it
    r = (fma(-q, 6.0, p) + pe) * (1.0 / 6.0)
    tiny = abs(x) < 2.0**-28
    h = 0.5 * x if tiny else q
    lo = x * x * (1.0 / 6.0) if tiny else r  # the sticky part that breaks x/2's ties
    below = x <= -3.0
    above = x >= 3.0
    return (0.0 if below else (x if above else h)), (0.0 if below | above else lo)


_F = np.float32


@jit
def _shift_div_f32(x, c, d, inv):
    """(q, t) with q + t = (x + c)/d for float32 x, |x| < c, in float32 arithmetic; q + t
    rounded to nearest is the correctly rounded quotient.

    x + c is the exact pair s + e (fast two-sum: |x| < c).  q = s/d to within an ulp,
    r = s + e - d q its remainder (the FMA is exact; adding e rounds only when the
    remainder is not a float32, i.e. never when (x + c)/d is a rounding midpoint), and
    t = r/d is rounded by one more remainder step, so that when the quotient is a
    midpoint, q + t is that midpoint exactly and rounds to even (with t = r (1/d) it
    would not).  Checked bit for bit against the float64 division over all 2^32 float32
    inputs (d = 5 and 6); float16 loops round the pair once (all 65536 inputs tested).
    """
    s = x + c
    e = x - (s - c)
    q = s * inv
    r = fma(-q, d, s) + e
    t = r * inv
    return q, fma(fma(-t, d, r), inv, t)


@jit
def _clip_shift_div_pair(x, c, d, inv):
    """clip((x + c)/d, 0, 1) as the float32 pair of ``_shift_div_f32`` ((0, 0) and (1, 0) outside)."""
    q, t = _shift_div_f32(x, c, d, inv)
    out = (x <= -c) | (x >= c)
    return (_F(0.0) if x <= -c else (_F(1.0) if x >= c else q)), (_F(0.0) if out else t)


@jit
def _clip_shift_div_f32(x, c, d, inv):
    """clip((x + c)/d, 0, 1), float32, correctly rounded (1.3-2x the float64 kernel's speed)."""
    hi, lo = _clip_shift_div_pair(x, c, d, inv)
    return hi + lo


@jit
def _clip_shift_div_f16(x, c, d, inv):
    """clip((x + c)/d, 0, 1) as float16 bits, rounded once from the float32 pair."""
    return dd32_to_half(*_clip_shift_div_pair(x, c, d, inv))


@jit
def hard_sigmoid_f32(x):
    """hard_sigmoid for float32: clip((x + 2.5)/5, 0, 1) (see ``_shift_div_f32``)."""
    return _clip_shift_div_f32(x, _F(2.5), _F(5.0), _F(0.2))


@jit
def hard_sigmoid_f16(x):
    """hard_sigmoid for float16 (bits), from the float32 pair."""
    return _clip_shift_div_f16(x, _F(2.5), _F(5.0), _F(0.2))


@jit
def _clip_shift_mul_bf16(x, c, inv):
    """clip((x + c) inv, 0, 1) in float32 for bfloat16 x (NaN -> NaN): rounded to bfloat16, the
    correctly rounded clip((x + c)/d, 0, 1), inv = fl(1/d), on every one of the 65536 bfloat16
    inputs: tests/test_bfloat16.py checks each (the proof, for a one-argument function).

    Why it can hold: for |x| >= 2^-15, x + c is exact and a multiple of 2^-22, and so is d m
    for a bfloat16 midpoint m near the quotient, so (x + c)/d is m or at least 2^-22/d from it
    (0.67 float32 steps for d = 6 at quotients in [1/2, 1)), while (x + c) inv is within 0.5
    step plus inv's relative error (2^-25) of it: that margin alone does not settle every
    input, the exhaustive check does.  Smaller |x| give quotients within 2^-17 of 1/2, where
    the midpoints are 2^-9 away.  Two operations instead of the correctly rounded pair's
    seven (``_shift_div_f32``), whose float32 value the bfloat16 loop rounded before."""
    y = (x + c) * inv
    return _F(0.0) if x <= -c else (_F(1.0) if x >= c else y)


@jit
def hard_sigmoid_bf16(x):
    """hard_sigmoid for bfloat16 arguments: clip((x + 2.5) * 0.2, 0, 1) (``_clip_shift_mul_bf16``)."""
    return _clip_shift_mul_bf16(x, _F(2.5), _F(0.2))


@jit
def hard_sigmoid6_bf16(x):
    """hard_sigmoid6 for bfloat16 arguments: clip((x + 3) * (1/6), 0, 1) (``_clip_shift_mul_bf16``)."""
    return _clip_shift_mul_bf16(x, _F(3.0), _F(1.0 / 6.0))


@jit
def hard_sigmoid6_f32(x):
    """hard_sigmoid6 for float32: clip((x + 3)/6, 0, 1) (see ``_shift_div_f32``)."""
    return _clip_shift_div_f32(x, _F(3.0), _F(6.0), _F(1.0 / 6.0))


@jit
def hard_sigmoid6_f16(x):
    """hard_sigmoid6 for float16 (bits), from the float32 pair."""
    return _clip_shift_div_f16(x, _F(3.0), _F(6.0), _F(1.0 / 6.0))


@jit
def hard_sigmoid6(x):
    """hard_sigmoid6(x) = relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1) (PyTorch, JAX, Keras 3)."""
    s, e = two_sum(x, 3.0)
    h, lo = div_dd_const(s, e, 6.0, 1.0 / 6.0)
    below = x <= -3.0
    above = x >= 3.0
    return (0.0 if below else (1.0 if above else h)), (0.0 if below | above else lo)


@jit
def hard_swish(x):
    """hard_swish(x) = x * relu6(x + 3) / 6; +0.0 for x <= -3."""
    s, e = two_sum(x, 3.0)
    p, pe = two_prod(x, s)
    p, pe = fast_two_sum(p, pe + x * e)
    h, lo = div_dd_const(p, pe, 6.0, 1.0 / 6.0)
    # |x| < 2^-900 (float64 only): the result is x/2 + x^2/6 with x^2/6 far below
    # double-double reach (and its products go subnormal).  x/2 is exact unless x is
    # an odd multiple of 2^-1074; then x^2/6 > 0 breaks the tie upwards.
    small = abs(x) < 2.0**-900
    tie = (abs(x) < 2.0**-1021) & ((f64_bits(x) & 1) == 1)
    up = (x + 5e-324) * 0.5
    up = x * 0.0 if up == 0.0 else up  # -2^-1075 + tiny underflows to -0.0
    h = (up if tie else x * 0.5) if small else h
    tie = small
    below = x <= -3.0
    above = x >= 3.0
    return (0.0 if below else (x if above else h)), (0.0 if below | above | tie else lo)
