"""Ufunc building: registry entry -> ``numpy.ufunc`` with e/f/d loops.

Each (function, dtype) loop is a clone of a template from ``_loops`` compiled as a
C callback.  Compiled loops are cached on disk by numba; the clone's name carries a
digest of fastact's sources, so editing any kernel invalidates every cached loop
(numba alone only notices edits to the file that defines a function).
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numba
import numpy as np

from . import _loops, convert
from ._numba import cache_enabled, clone, compile_loop, make_ufunc
from .registry import DTYPES, Activation

_STORAGE = {"float16": numba.uint16, "float32": numba.float32, "float64": numba.float64}
_CHAR = {"float16": "e", "float32": "f", "float64": "d"}
_lock = threading.Lock()


@lru_cache(maxsize=1)
def source_digest() -> str:
    """Short hash of fastact's own sources and the numba version."""
    h = hashlib.sha1(numba.__version__.encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def _loop(act: Activation, dtype: str, cache: bool, masked: bool = False) -> Any:
    k = (act.masked if masked else act.kernels)[dtype]
    c = _CHAR[dtype]
    templates = _loops.MASKED_ROW_TEMPLATES if masked else _loops.ROW_TEMPLATES if act.is_rowwise else _loops.TEMPLATES
    template = templates[act.nin]
    qualname = f"{act.symbol}{'_masked' if masked else ''}_{c}_{source_digest()}"
    pyfunc = clone(
        template,
        qualname,
        KERNEL=k.fn,
        TIN=_STORAGE[dtype],
        ISZ=np.dtype(dtype).itemsize,
        IN=convert.IN.get((c, k.arg)),
        OUT=convert.OUT.get((c, k.ret)),
    )
    return compile_loop(pyfunc, cache)


def _doc(act: Activation) -> str:
    args = ", ".join(act.arg_names)
    lines = [f"{act.path}({args}, /, out=None, *, where=True, ...)", "", act.formula]
    if act.approximates:
        lines += ["", f"Approximates {act.approximates}."]
    if act.special:
        lines += ["", f"Special values: {act.special}."]
    if act.notes:
        lines += ["", act.notes]
    return "\n".join(lines)


def build(act: Activation, cache: bool | None = None) -> Any:
    """Compile (or load from cache) the loops of ``act`` (a function, or a ``Derivative``
    for ``fastact.grad``) and return its ufunc; a row function (the softmax family) is
    returned as a ``fastact.rows.RowFunction`` around its gufunc."""
    if cache is None:
        cache = cache_enabled()
    with _lock:
        loops = []
        for dtype in DTYPES:
            nums = [np.dtype(dtype).num] * (act.nin + 1)
            loops.append((nums, _loop(act, dtype, cache)))
        uf = make_ufunc(act.symbol, _doc(act), loops, act.nin, 1, act.signature)
    if act.is_rowwise:
        from .rows import RowFunction

        return RowFunction(act, uf)
    return uf


def build_masked(act: Activation, cache: bool | None = None) -> np.ufunc:
    """The masked gufunc of a row function: its inputs, then a bool mask, ``(n),...,(n)->(n)``."""
    if cache is None:
        cache = cache_enabled()
    with _lock:
        loops = []
        for dtype in DTYPES:
            num = np.dtype(dtype).num
            nums = [num] * act.nin + [np.dtype(bool).num, num]
            loops.append((nums, _loop(act, dtype, cache, masked=True)))
        sig = ",".join(["(n)"] * (act.nin + 1)) + "->(n)"
        return make_ufunc(f"{act.symbol}_masked", _doc(act), loops, act.nin + 1, 1, sig)
