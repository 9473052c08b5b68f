"""Ufunc building: registry entry -> ``numpy.ufunc`` with e/f/d loops.

Each (function, dtype) loop is a clone of a template from ``_loops`` compiled as a
C callback.  Compiled loops are cached on disk by numba; the clone's name carries a
digest of fastact's sources, so editing any kernel invalidates every cached loop
(numba alone only notices edits to the file that defines a function).
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numba
import numpy as np

from . import _loops, bfloat16, convert, threads
from ._numba import (
    RESOLVER_SIGNATURE,
    cache_enabled,
    clone,
    compile_loop,
    compiler_lock,
    install_type_resolver,
    make_ufunc,
    reset_compiler_lock,
    type_resolver_template,
)
from .registry import DTYPES, Activation

_STORAGE = {"float16": numba.uint16, "float32": numba.float32, "float64": numba.float64}
_CHAR = {"float16": "e", "float32": "f", "float64": "d"}
# One build at a time; re-entrant so that ``_lazy`` can hold it across its check-then-build.
_lock = threading.RLock()


# A fork while another thread builds would give the child a lock held by a thread it does
# not have (and numba's compiler lock, and LLVM half-way through a module): the child hung
# on its first build.  So a fork waits until no build runs, holding our lock and numba's
# across it (the order builds take them in); the child starts with fresh ones.
def _before_fork() -> None:
    _lock.acquire()
    compiler_lock().acquire()


def _after_fork_in_parent() -> None:
    compiler_lock().release()
    _lock.release()


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.RLock()
    reset_compiler_lock()


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)


@lru_cache(maxsize=1)
def source_digest() -> str:
    """Short hash of fastact's own sources and the numba version."""
    h = hashlib.sha1(numba.__version__.encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def _converter(table: dict, act: Activation, dtype: str, kind: str) -> Any:
    """The storage<->compute converter of ``kind`` for ``dtype`` (None for row kernels, which
    load and store their rows themselves)."""
    if kind == "row":
        return None
    try:
        return table[(_CHAR[dtype], kind)]
    except KeyError:
        raise ValueError(f"{act.path}: a {dtype} loop cannot convert a kernel's {kind!r} values") from None


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
        IN=_converter(convert.IN, act, dtype, k.arg),
        OUT=_converter(convert.OUT, act, dtype, k.ret),
    )
    return compile_loop(pyfunc, cache)


@lru_cache(maxsize=1)
def trampoline() -> Any:
    """The compiled ``_loops.trampoline`` (what numba's parallel_for calls; see ``fastact.threads``).
    Called under ``threads._lock`` only, never under ``_lock``: the lock order is ``_lock``, then
    ``threads._lock``, then numba's compiler lock."""
    return compile_loop(clone(_loops.trampoline, f"trampoline_{source_digest()}"), cache_enabled())


@lru_cache(maxsize=1)
def type_resolver() -> Any:
    """The compiled ``_numba.type_resolver_template`` every fastact ufunc resolves its dtypes with."""
    return compile_loop(
        clone(type_resolver_template, f"type_resolver_{source_digest()}"), cache_enabled(), RESOLVER_SIGNATURE
    )


# NumPy's two messages for "no loop fits" (legacy type resolution): they name no dtype
_NO_LOOP = ("not supported for the input types", "No loop matching the specified signature")


def _names(dtypes: list[Any]) -> str:
    return ", ".join(str(np.dtype(d)) if d is not None else "any" for d in dtypes)


def no_loop_message(uf: np.ufunc, exc: BaseException | None, operands: list, type_tup: Any) -> str | None:
    """The TypeError a call with no loop gets: the function, the dtypes it was given (and those
    asked for with ``dtype=``/``signature=``) and the loops there are; None for NumPy's other
    errors (an output it cannot cast to names its dtypes already)."""
    if type(exc) is not TypeError or not any(m in str(exc) for m in _NO_LOOP):
        return None
    nin = uf.nin
    given = [op.dtype for op in operands[:nin]]
    what = f"input dtype {given[0]}" if nin == 1 else f"input dtypes ({_names(given)})"
    if isinstance(type_tup, tuple) and any(t is not None for t in type_tup):
        asked = list(type_tup) if len(type_tup) == uf.nargs else [None] * uf.nin + list(type_tup)
        what += f" with dtype=/signature= ({_names(asked[:nin])}) -> {_names(asked[nin:])}"
    loops = [t.split("->") for t in uf.types]
    kinds = [", ".join(str(np.dtype(c)) for c in ins) + " -> " + str(np.dtype(out)) for ins, out in loops]
    bf16 = bfloat16.dtype()
    if bf16 is not None:  # the user loops NumPy does not list in .types
        kinds.append(", ".join(str(bf16) if c != "?" else "bool" for c in loops[0][0]) + f" -> {bf16}")
    return (
        f"fastact.{uf.__name__.removesuffix('.ufunc')}: no loop for {what}. Its loops: {'; '.join(kinds)}; "
        "inputs that cast safely to one of them (bool, integers, a lower precision) run in it."
    )


def _call(act: Activation) -> str:
    """How to call it, plainly: NumPy's own first line names the inputs x1, x2 and lists
    keywords a gufunc refuses, and its messages for a wrong call don't name ours."""
    if act.is_rowwise:
        return (
            f"Call: {act.path}.ufunc({', '.join(act.arg_names)}, axis=-1, out=None) is the bare gufunc: inputs "
            f"positional, axis one int, no where= (NumPy's gufuncs refuse it); {act.path}(...) itself also takes "
            "axis=None or a tuple and a where= mask."
        )
    if act.nin == 1:
        return f"Call: {act.path}(x); out=, where=, dtype= and broadcasting as for any ufunc."
    example = ", ".join(["x", *(f"{act.examples[p][0]:g}" if p in act.examples else "p" for p in act.params)])
    return (
        f"Call: {act.path}({', '.join(act.arg_names)}), every input positional, e.g. {act.path}({example}) "
        f"(NumPy refuses {act.arg_names[1]}=... as a keyword); inputs broadcast, e.g. a per-channel array; "
        "out=, where= and dtype= as for any ufunc."
    )


def _doc(act: Activation) -> str:
    lines = [act.formula, "", _call(act)]
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
        data = [threads.loop_data(cf.address) for _, cf in loops]
        # named by its path under fastact ("grad.selu"; a row function's gufunc "softmax.ufunc"):
        # pickle finds it there (a dotted name is a qualified name to pickle), so every ufunc
        # goes to process pools and back as itself
        uf = make_ufunc(
            act.path + (".ufunc" if act.is_rowwise else ""), _doc(act), loops, act.nin, 1, act.signature, data
        )
        uf.__module__ = "fastact"
        install_type_resolver(uf, type_resolver(), no_loop_message)  # a TypeError naming the dtypes
        bfloat16.register(uf, act, cache)  # ml_dtypes' bfloat16, when installed
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
        data = [threads.loop_data(cf.address) for _, cf in loops]
        uf = make_ufunc(f"{act.path}.masked", _doc(act), loops, act.nin + 1, 1, sig, data)
        uf.__module__ = "fastact"
        install_type_resolver(uf, type_resolver(), no_loop_message)
        bfloat16.register(uf, act, cache, masked=True)
        return uf
