"""Tie handling for bfloat16 loops that round a float64 kernel's value (registry: ``by_result(..., tie=)``).

f(x) = c x + d x^2 + ... near 0, with c x a bfloat16 rounding midpoint for some subnormal
x (c = 1/2, or elu's alpha): a float64 kernel returns c x there, or a value an ulp or two
off it (d x is below 2^-120 of c x), so the final rounding breaks a tie that f does not
have, to even, or on the kernel's side of it.  gelu at the smallest subnormal: x/2 + x^2
/sqrt(2 pi) rounds up to x, not to 0.  For such x the wrapped kernel returns c x moved
2^-52 (an exact product: c x has at most 16 significant bits) to f's side, the sign of
d x^2: + for gelu and gelu_tanh (d = 1/sqrt(2 pi), ...), sign(beta) for swish (d = beta/4,
while beta x is tiny too), sign(alpha) for elu (d = alpha/2, x < 0).  Only the bfloat16
loops use these: float16 and float32 results never sit on such a midpoint (their
subnormals are far above x/2 of a tiny float32, or computed in float32 pairs).
"""

from __future__ import annotations

from typing import Any

from .._numba import jit

_TINY = 2.0**-124  # |x| below: c x may be a subnormal midpoint (|c| <= 2); f - c x < 2^-120 c x
_NUDGE = 2.0**-52


@jit(inline="always")
def _toward(y0, up):
    """y0 moved 2^-52 relative, up (towards +inf) or down: past a tie, no further."""
    return y0 * (1.0 + (_NUDGE if (y0 > 0.0) == up else -_NUDGE))


def half(fn: Any) -> Any:
    """``fn`` (f(x) = x/2 + d x^2 + ..., d > 0) with x/2 moved up where |x| < 2^-124."""

    @jit(inline="always")
    def half_tie(x):
        return _toward(0.5 * x, True) if abs(x) < _TINY else fn(x)

    return half_tie


@jit(inline="always")
def _swish_tie_at(x, beta):
    return (abs(x) < _TINY) & (abs(beta * x) < _TINY) & (beta != 0.0)


def swish(fn: Any) -> Any:
    """swish's kernel with x/2 moved to beta's side where x and beta x are tiny (beta != 0)."""

    @jit(inline="always")
    def swish_tie(x, beta):
        return _toward(0.5 * x, beta > 0.0) if _swish_tie_at(x, beta) else fn(x, beta)

    return swish_tie


def elu(fn: Any) -> Any:
    """elu's kernel with alpha x moved to alpha's side where x < 0 is tiny (alpha != 0)."""

    @jit(inline="always")
    def elu_tie(x, alpha):
        tie = (x < 0.0) & (x > -_TINY) & (alpha != 0.0)
        return _toward(alpha * x, alpha > 0.0) if tie else fn(x, alpha)

    return elu_tie


def swish_beta(fn: Any) -> Any:
    """d swish / d beta = x^2 s(1 - s) = x^2/4 (1 - (beta x)^2/4 + ...): x^2/4 (exact, 16 bits, a
    bfloat16 midpoint for some x) moved down where |beta x| < 2^-20 (beta != 0); the float64
    kernel returns x^2/4 itself below |beta x| ~ 2^-25, a tie broken to even."""

    @jit(inline="always")
    def swish_beta_tie(x, beta):
        tie = (abs(beta * x) < 2.0**-20) & (beta != 0.0) & (x != 0.0)
        return _toward(0.25 * (x * x), False) if tie else fn(x, beta)

    return swish_beta_tie
