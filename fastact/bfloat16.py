"""bfloat16 loops (ml_dtypes' ``bfloat16``), registered on each ufunc as it is built.

bfloat16 is the top half of a float32: 8 significand bits, float32's exponent range
(subnormals down to 2^-133).  NumPy has no such type; ml_dtypes defines one as a user
dtype, and a user dtype's loops are added to an existing ufunc with NumPy's
``PyUFunc_RegisterLoopForType``.  ``register`` does that for every function, derivative
and fast kernel when ml_dtypes is installed, at the ufunc's build (``import fastact``
imports neither ml_dtypes nor anything else); without ml_dtypes it does nothing.

Contract: bfloat16 in, bfloat16 out (``b...->b``, the masked row gufuncs
``b,?->b``).  Mixed bfloat16/float32 inputs are NumPy's business: its type resolution
picks a user loop only when every input casts safely to it, so ``gelu(bf16, f32)`` runs
the float32 loop.  Values are rounded once:

* exact functions and derivatives: the kernel the float32 loop uses when it computes in
  float64 (accurate to ~2^-30 or better, valid for every float32 input, so for every
  bfloat16), else the float16 loop's float64 kernel, else the float64 loop's; its
  float64 (or double-double) value is rounded to odd at float32 precision and then to
  nearest-even bfloat16 (``convert.f64_bf16``), which equals one rounding of the
  unrounded value, subnormal results included.  Not float32-then-bfloat16: that double
  rounding misses the correctly rounded value wherever the float32 result lands on a
  bfloat16 midpoint.  Where f(x) is a hair off a midpoint that the float64 kernel
  returns exactly (gelu's x/2 at subnormal x, swish_beta's x^2/4 at small x), the
  loop moves it to f's side first (``_TIES``).
* the fast tier: the float32 kernel in float32 arithmetic, its float32 result rounded
  once more; a float32 ULP is 2^-16 of a bfloat16 ULP, so a 4 ULP float32 kernel is
  within 0.5 + 2^-14 bfloat16 ULP.
* row functions (softmax family): the float16 rows' kernels, which read any 2-byte
  storage through ``convert.widen`` and write through ``convert.narrow`` (bfloat16 is
  carried as int16 bits there, float16 as uint16).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from typing import Any

import numba
import numpy as np

from . import _loops, convert
from ._numba import clone, compile_loop, jit, register_loop
from .activations import derivatives_smooth, smooth
from .registry import Activation, Fast, Kernel

_TIN = numba.int16  # bfloat16 storage in the loops: its bit pattern (see convert.py)
_IN = {"f64": convert.bf16_as_f64, "f32": convert.bf16_as_f32}
_OUT = {"f64": convert.f64_bf16, "dd": convert.dd_bf16, "f32": convert.f32_bf16}


@lru_cache(maxsize=1)
def dtype() -> np.dtype | None:
    """ml_dtypes' bfloat16 dtype, or None when ml_dtypes is not installed (looked up once)."""
    if "ml_dtypes" not in sys.modules and importlib.util.find_spec("ml_dtypes") is None:
        return None
    try:
        import ml_dtypes
    except ImportError:  # installed but broken, or hidden (sys.modules["ml_dtypes"] = None)
        return None
    return np.dtype(ml_dtypes.bfloat16)


# Where the float32 loop computes in float32 arithmetic, the float64-arithmetic kernel for
# float32/float16 results (``<name>_to32``; the float64 loop's double-double one is 2-3x
# slower and not needed here).
_WIDE = {
    "sigmoid": smooth.sigmoid_to32,
    "log_sigmoid": smooth.log_sigmoid_to32,
    "softplus": smooth.softplus_to32,
    "silu": smooth.silu_to32,
    "gelu_sigmoid": smooth.gelu_sigmoid_to32,
    "grad.softplus": smooth.sigmoid_to32,
    "grad.log_sigmoid": derivatives_smooth.negated(smooth.sigmoid_to32),
}

# Results that are an input, a constant or a select of them: exact in float32 arithmetic
# (the constants 1/5 and 1/6 rounded to float32 first are, for bfloat16, the same as
# rounded once: checked on every input by the exhaustive test), and 2-3x faster than the
# float64 path at this memory-bound speed.  leaky_relu and prelu multiply, and their
# products can round in float32's subnormal range: they stay in float64.
_F32_EXACT = {
    "relu",
    "relu6",
    "hard_tanh",
    *(f"grad.{n}" for n in ("relu", "relu6", "hard_tanh", "hard_sigmoid", "hard_sigmoid6")),
    *(f"grad.{n}" for n in ("leaky_relu", "leaky_relu_negative_slope", "prelu", "prelu_weight")),
}

# f(x) = c x + d x^2 + ... near 0, with c x a bfloat16 rounding midpoint for some subnormal
# x (c = 1/2, or elu's alpha): a float64 kernel returns c x there, or a value an ulp or two
# off it (d x is below 2^-120 of c x), so the final rounding breaks a tie that f does not
# have, to even, or on the kernel's side of it.  gelu at the smallest subnormal: x/2 + x^2
# /sqrt(2 pi) rounds up to x, not to 0.  For such x the loop returns c x moved 2^-52 (an
# exact product: c x has at most 16 significant bits) to f's side, the sign of d x^2: +
# for gelu, silu, gelu_tanh, gelu_sigmoid (d = 1/sqrt(2 pi), 1/4, ...), sign(beta) for
# swish (d = beta/4, while beta x is tiny too), sign(alpha) for elu (d = alpha/2, x < 0).
_TINY = 2.0**-124  # |x| below: c x may be a subnormal midpoint (|c| <= 2); f - c x < 2^-120 c x
_NUDGE = 2.0**-52


@jit(inline="always")
def _toward(y0, up):
    """y0 moved 2^-52 relative, up (towards +inf) or down: past a tie, no further."""
    return y0 * (1.0 + (_NUDGE if (y0 > 0.0) == up else -_NUDGE))


def _half_tie(fn: Any) -> Any:
    """``fn`` (f(x) = x/2 + d x^2 + ..., d > 0) with x/2 moved up where |x| < 2^-124."""

    @jit(inline="always")
    def half_tie(x):
        return _toward(0.5 * x, True) if abs(x) < _TINY else fn(x)

    return half_tie


@jit(inline="always")
def _swish_tie_at(x, beta):
    return (abs(x) < _TINY) & (abs(beta * x) < _TINY) & (beta != 0.0)


def _swish_tie(fn: Any) -> Any:
    """swish's kernel with x/2 moved to beta's side where x and beta x are tiny (beta != 0)."""

    @jit(inline="always")
    def swish_tie(x, beta):
        return _toward(0.5 * x, beta > 0.0) if _swish_tie_at(x, beta) else fn(x, beta)

    return swish_tie


def _elu_tie(fn: Any) -> Any:
    """elu's kernel with alpha x moved to alpha's side where x < 0 is tiny (alpha != 0)."""

    @jit(inline="always")
    def elu_tie(x, alpha):
        tie = (x < 0.0) & (x > -_TINY) & (alpha != 0.0)
        return _toward(alpha * x, alpha > 0.0) if tie else fn(x, alpha)

    return elu_tie


def _swish_beta_tie(fn: Any) -> Any:
    """d swish / d beta = x^2 s(1 - s) = x^2/4 (1 - (beta x)^2/4 + ...): x^2/4 (exact, 16 bits, a
    bfloat16 midpoint for some x) moved down where |beta x| < 2^-20 (beta != 0); the float64
    kernel returns x^2/4 itself below |beta x| ~ 2^-25, a tie broken to even."""

    @jit(inline="always")
    def swish_beta_tie(x, beta):
        tie = (abs(beta * x) < 2.0**-20) & (beta != 0.0) & (x != 0.0)
        return _toward(0.25 * (x * x), False) if tie else fn(x, beta)

    return swish_beta_tie


_TIES = {
    "gelu": _half_tie,
    "silu": _half_tie,
    "gelu_tanh": _half_tie,
    "gelu_sigmoid": _half_tie,
    "swish": _swish_tie,
    "elu": _elu_tie,
    "grad.swish_beta": _swish_beta_tie,
}


def kernel(act: Activation) -> tuple[Any, str, str]:
    """``(kernel function, argument kind, result kind)`` of ``act``'s bfloat16 loop.

    Kinds: ``"f64"`` (the kernel takes/returns a float64), ``"f32"`` (a float32: the fast
    tier), ``"dd"`` (a double-double result).  See the module doc for the choice."""
    if isinstance(act, Fast):
        k = act.kernels["float32"]
        if not (k.arg == k.ret == "native"):
            raise ValueError(f"{act.path}: a fast kernel in float32 arithmetic was expected, got {k}")
        return k.fn, "f32", "f32"
    if act.path in _F32_EXACT:
        return act.kernels["float32"].fn, "f32", "f32"
    fn, ret = _exact(act)
    if act.path in _TIES:
        fn = _TIES[act.path](fn)
    return fn, "f64", ret


def _exact(act: Activation) -> tuple[Any, str]:
    if act.path in _WIDE:
        return _WIDE[act.path], "f64"
    k: Kernel
    for d in ("float32", "float16"):
        k = act.kernels[d]
        if k.arg == "f64" and k.ret in _OUT:
            return k.fn, k.ret
    k = act.kernels["float64"]  # "native" float64 kernels compute in float64 too
    return k.fn, "dd" if k.ret == "dd" else "f64"


def _loop(act: Activation, cache: bool, masked: bool) -> Any:
    from .build import source_digest

    qualname = f"{act.symbol}{'_masked' if masked else ''}_bf16_{source_digest()}"
    if act.is_rowwise:
        k = (act.masked if masked else act.kernels)["float16"]  # 2-byte rows: float32 compute
        templates = _loops.MASKED_ROW_TEMPLATES if masked else _loops.ROW_TEMPLATES
        pyfunc = clone(templates[act.nin], qualname, KERNEL=k.fn, TIN=_TIN, ISZ=2, IN=None, OUT=None)
    else:
        fn, arg, ret = kernel(act)
        pyfunc = clone(_loops.TEMPLATES[act.nin], qualname, KERNEL=fn, TIN=_TIN, ISZ=2, IN=_IN[arg], OUT=_OUT[ret])
    return compile_loop(pyfunc, cache)


def register(uf: np.ufunc, act: Activation, cache: bool, masked: bool = False) -> bool:
    """Add ``act``'s bfloat16 loop to the ufunc ``uf`` built for it (``masked``: its masked row
    gufunc, whose mask operand stays bool).  False, and nothing done, without ml_dtypes."""
    dt = dtype()
    if dt is None:
        return False
    nums = [dt.num] * act.nin + ([np.dtype(bool).num] if masked else []) + [dt.num]
    register_loop(uf, dt.num, nums, _loop(act, cache, masked))
    return True
