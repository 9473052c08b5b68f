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
the float32 loop.  Which kernel serves bfloat16 is the registry's ``kernels["bfloat16"]``
(its helpers fill it in); this module builds what it says.  Values are rounded once:

* float32-arithmetic pair kernels (``"bits"``: sigmoid, silu, gelu_sigmoid, softplus,
  log_sigmoid, the derivatives of sigmoid, tanh, silu, softplus, log_sigmoid): the float32
  loop's unrounded pair rounded once (``kernels.dd.dd32_to_bf16``: its float32 rounding,
  a bfloat16 midpoint tie broken by the pair's error), 2^n applied inside that rounding.
* float64 kernels (``"f64"``/``"dd"``: the float32 loop's ``<name>_to32``, accurate to
  ~2^-30 for every float32 input, so for every bfloat16): the value rounded once on its
  64-bit pattern (``convert.f64_bf16``), subnormal results included.  Not
  float32-then-bfloat16: that double rounding misses the correctly rounded value wherever
  the float32 result lands on a bfloat16 midpoint.  Where f(x) is a hair off a midpoint
  that the float64 kernel returns exactly (gelu's x/2 at subnormal x, swish_beta's x^2/4
  at small x), the registry wraps the kernel (``activations.bf16_ties``).
* float32 results that are exact (``"native"``: selects and constants, relu, hard_tanh,
  the piecewise derivatives, leaky_relu's products of two bfloat16), or correctly rounded
  quotients that sit on a bfloat16 midpoint only where the exact value does (hard_swish'),
  or float32 values whose rounding is right on every one of the 65536 inputs, which the
  exhaustive test checks (hard_sigmoid and hard_sigmoid6: ``piecewise.hard_sigmoid_bf16``),
  rounded once more to bfloat16.  The fast tier's ``"native"``
  kernels too: a float32 ULP is 2^-16 of a bfloat16 ULP, so a 4 ULP float32 kernel is
  within 0.5 + 2^-14 bfloat16 ULP.
* a checked fast path (``registry.checked``: sigmoid, log_sigmoid, tanh, elu, selu, softplus,
  silu, gelu, gelu_tanh, gelu_sigmoid, softsign, hard_swish and the derivatives of sigmoid,
  tanh, selu, softsign, log_sigmoid, softplus, elu's alpha and swish's beta): the fast tier's
  float32 kernel (or a small one of
  ``activations.checked_f32``), within a guard measured over every bfloat16 input
  (``checked_f32.GUARDS``), rounded to bfloat16; the kernel above recomputes only the elements
  whose float32 value lies too near a bfloat16 midpoint to decide (``_loops.checked_unary``):
  the same bits, 1.5-3x faster.  Contiguous calls with one parameter value only; strided
  calls and parameter arrays run the kernel above alone.
* row functions (softmax family): bfloat16 rows of their own (``rowwise(..., bf16=)``,
  ``activations.softmax``: float32 arithmetic rounded once from float32, within 0.51 ULP);
  their derivatives (VJPs) run the float32 rows' kernels, which read any 2-byte storage
  through ``convert.widen`` and write through ``convert.narrow`` (bfloat16 is carried as
  int16 bits there, float16 as uint16).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from typing import Any

import numba
import numpy as np

from . import _loops, convert, threads
from ._numba import clone, compile_loop, register_loop
from .registry import BF16, Activation

_TIN = numba.int16  # bfloat16 storage in the loops: its bit pattern (see convert.py)
# registry.Kernel's kinds -> converters ("native": float32 arithmetic; "bits": the kernel
# already returns the bfloat16 pattern)
_IN = {"f64": convert.bf16_as_f64, "native": convert.bf16_as_f32}
_OUT = {"f64": convert.f64_bf16, "dd": convert.dd_bf16, "native": convert.f32_bf16, "bits": convert.same}


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


def kernel(act: Activation) -> tuple[Any, str, str]:
    """``(kernel function, argument kind, result kind)`` of ``act``'s bfloat16 loop: the
    registry's ``kernels["bfloat16"]`` (kinds as ``registry.Kernel``'s)."""
    k = act.kernels[BF16]
    if k.arg not in _IN or k.ret not in _OUT:
        raise ValueError(f"{act.path}: a bfloat16 loop cannot run {k}")
    return k.fn, k.arg, k.ret


def _loop(act: Activation, cache: bool, masked: bool) -> Any:
    from .build import source_digest

    qualname = f"{act.symbol}{'_masked' if masked else ''}_bf16_{source_digest()}"
    if act.is_rowwise:
        k = (act.masked if masked else act.kernels)[BF16]
        templates = _loops.MASKED_ROW_TEMPLATES if masked else _loops.ROW_TEMPLATES
        pyfunc = clone(templates[act.nin], qualname, KERNEL=k.fn, TIN=_TIN, ISZ=2, IN=None, OUT=None)
    else:
        fn, arg, ret = kernel(act)
        bound = dict(KERNEL=fn, TIN=_TIN, ISZ=2, IN=_IN[arg], OUT=_OUT[ret])
        fast = act.kernels[BF16].checked
        if fast is None:
            pyfunc = clone(_loops.TEMPLATES[act.nin], qualname, **bound)
        else:
            pyfunc = clone(_loops.CHECKED_TEMPLATES[act.nin], qualname, FAST=fast.fn, GUARD=fast.guard, **bound)
    return compile_loop(pyfunc, cache)


def register(uf: np.ufunc, act: Activation, cache: bool, masked: bool = False) -> bool:
    """Add ``act``'s bfloat16 loop to the ufunc ``uf`` built for it (``masked``: its masked row
    gufunc, whose mask operand stays bool).  False, and nothing done, without ml_dtypes."""
    dt = dtype()
    if dt is None:
        return False
    nums = [dt.num] * act.nin + ([np.dtype(bool).num] if masked else []) + [dt.num]
    loop = _loop(act, cache, masked)
    # the same data block as the NumPy loops': large bfloat16 calls run in parts on the threads too
    register_loop(uf, dt.num, nums, loop, threads.loop_data(loop.address))
    return True
