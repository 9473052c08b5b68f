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
  bfloat16 midpoint (gelu at the smallest subnormals).
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
from ._numba import clone, compile_loop, register_loop
from .registry import Activation, Fast, Kernel

_TIN = numba.int16  # bfloat16 storage in the loops: its bit pattern (see convert.py)
_IN = {"f64": convert.bf16_as_f64, "f32": convert.bf16_as_f32}
_OUT = {"f64": convert.f64_bf16, "dd": convert.dd_bf16, "f32": convert.f32_bf16}


@lru_cache(maxsize=1)
def dtype() -> np.dtype | None:
    """ml_dtypes' bfloat16 dtype, or None when ml_dtypes is not installed (looked up once)."""
    if "ml_dtypes" not in sys.modules and importlib.util.find_spec("ml_dtypes") is None:
        return None
    import ml_dtypes

    return np.dtype(ml_dtypes.bfloat16)


def kernel(act: Activation) -> tuple[Any, str, str]:
    """``(kernel function, argument kind, result kind)`` of ``act``'s bfloat16 loop.

    Kinds: ``"f64"`` (the kernel takes/returns a float64), ``"f32"`` (a float32: the fast
    tier), ``"dd"`` (a double-double result).  See the module doc for the choice."""
    if isinstance(act, Fast):
        k = act.kernels["float32"]
        if not (k.arg == k.ret == "native"):
            raise ValueError(f"{act.path}: a fast kernel in float32 arithmetic was expected, got {k}")
        return k.fn, "f32", "f32"
    k: Kernel
    for d in ("float32", "float16"):
        k = act.kernels[d]
        if k.arg == "f64" and k.ret in _OUT:
            return k.fn, "f64", k.ret
    k = act.kernels["float64"]  # "native" float64 kernels compute in float64 too
    return k.fn, "f64", "dd" if k.ret == "dd" else "f64"


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
