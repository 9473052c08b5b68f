"""What a user would call instead of fastact, per function: NumPy, SciPy, numexpr, PyTorch, JAX.

Every peer is timed on the same NumPy array as fastact (PyTorch through ``torch.from_numpy``
views, JAX on a device copy made once, outside the timing).  A peer writes into the given
output buffer where its API allows (``out=``); where it cannot, it allocates a new output
per call and its row says ``[alloc]``.  NumPy expressions that build intermediate arrays
say ``[temporaries]``.  What each library calls is ``benchmarks.peer_table`` (the entries
it marks ``bench``); this module turns those entries into timed ``Peer``s.

The softmax family's call forms (``form_peers``; see ``benchmarks.runner``): ``axis=None``
and ``axis=(0,1)`` with SciPy (its ``axis=`` takes both), PyTorch (no tuple dims: the
flattened array, ``t.reshape(-1)``, along dim 0) and JAX (``axis=``); the ``where=`` mask
with PyTorch (``masked_fill(~m, -inf)``, then softmax) and JAX (``where=m``); SciPy has no
mask.  Masks are made once, outside the timing (``~m`` too, and JAX's copy on its device).

numexpr evaluates float32 inputs in float64 when an expression has float constants (it
says so in the row).  Threads: NumPy and SciPy run on one thread.  numexpr and PyTorch are timed at one thread
and at ``threads`` threads; JAX's jitted XLA code uses XLA's own thread pool (all cores),
shown as ``XLA``.  Parameters take the registry's first example values.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .choices import LIBS as LIBS  # re-exported: callers know it as benchmarks.peers.LIBS
from .peer_table import Entry, entries, torch_params

# call(x, params, y) -> zero-argument callable; y is the output buffer, or None to allocate
Maker = Callable[[np.ndarray, tuple, "np.ndarray | None"], Callable[[], object]]


@dataclass(frozen=True)
class Peer:
    """One way to compute a function with another library."""

    lib: str  # one of LIBS
    impl: str  # the call as a user would write it
    threads: str  # "1", "2", ... or "XLA"
    make: Maker
    has_out: bool  # False: a new output array per call, whatever buffer is offered
    temporaries: bool = False  # intermediate arrays even when writing into out=
    set_threads: Callable[[], object] | None = None  # run before timing (library-global thread count)
    alloc_impl: str | None = None  # the allocating call, when it reads differently from ``impl``

    def label(self, mode: str) -> str:
        """``impl`` as timed in ``mode``; ``[alloc]`` when it allocates although a buffer was offered."""
        allocates = mode == "alloc" or not self.has_out
        if allocates and self.has_out:
            text = self.alloc_impl or self.impl.replace(", out=y", "").replace(", out=o", "")
        else:
            text = self.impl
        tags = (["alloc"] if allocates and mode != "alloc" else []) + (["temporaries"] if self.temporaries else [])
        return text + (f" [{', '.join(tags)}]" if tags else "")


class Libraries:
    """The peer libraries that were asked for and could be imported, and why the others are missing."""

    def __init__(self, wanted: list[str], threads: int) -> None:
        self.threads = threads
        self.modules: dict[str, Any] = {}
        self.missing: dict[str, str] = {}
        self._torch_threads: int | None = None
        self._numexpr_threads: int | None = None
        for lib in wanted:
            try:
                self.modules[lib] = _import(lib)
            except Exception as exc:  # ImportError, or a broken install raising something else
                self.missing[lib] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        if "torch" in self.modules:
            self._torch_threads = self.modules["torch"].get_num_threads()
        if "numexpr" in self.modules:
            self._numexpr_threads = self.modules["numexpr"].get_num_threads()

    def restore(self) -> None:
        """Put library-global thread counts back as they were."""
        if self._torch_threads is not None:
            self.modules["torch"].set_num_threads(self._torch_threads)
        if self._numexpr_threads is not None:
            self.modules["numexpr"].set_num_threads(self._numexpr_threads)

    def peers(self, name: str, dtype: str) -> tuple[list[Peer], list[str]]:
        """(peers of ``name`` at ``dtype``, notes on the ones that do not apply)."""
        out: list[Peer] = []
        notes: list[str] = []
        for lib, mod in self.modules.items():
            if lib == "numexpr" and dtype == "float16":
                notes.append("numexpr: no float16 support, skipped for float16")
                continue
            out += _BUILDERS[lib](mod, name, dtype, self.threads)
        # one-thread peers first: multi-threaded pools can keep spinning for a moment afterwards
        out.sort(key=lambda p: p.threads != "1")
        return out, notes

    def form_peers(self, name: str, form: str, dtype: str, mask: np.ndarray | None) -> tuple[list[Peer], list[str]]:
        """(peers of the row function ``name`` called in ``form``, a ``runner.FORMS`` token, notes);
        ``mask``: the ``where`` form's bool mask (True: the entry takes part)."""
        out: list[Peer] = []
        for lib, mod in self.modules.items():
            build = _FORM_BUILDERS.get(lib)
            if build is not None:
                out += build(mod, name, form, mask, self.threads)
        out.sort(key=lambda p: p.threads != "1")
        return out, []


def _import(lib: str) -> Any:
    if lib == "scipy":
        return importlib.import_module("scipy.special")
    if lib == "jax":
        jax = importlib.import_module("jax")
        # without x64 JAX silently computes float64 inputs in float32
        jax.config.update("jax_enable_x64", True)
        return jax
    return importlib.import_module(lib)


def _expr(f: Callable) -> Maker:
    """An expression ``f(x, *params)`` that returns a new array."""
    return lambda x, ps, y: lambda: f(x, *ps)


def _setter(mod: Any, n: int) -> Callable[[], object]:
    return lambda: mod.set_num_threads(n)


# ---------------------------------------------------------------- the table's entries as timed peers


def _array_maker(mod: Any, entry: Entry) -> Maker:
    """NumPy and SciPy: the entry's call on ``x`` itself, into ``y`` where it can."""

    def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
        if y is None or entry.call_out is None:
            return partial(entry.call, mod, x, ps)
        return partial(entry.call_out, mod, x, ps, y)

    return make


def _array_peers(lib: str) -> Callable[[Any, str, str, int], list[Peer]]:
    """NumPy's or SciPy's entries: one thread, on ``x`` itself."""

    def peers(mod: Any, name: str, dtype: str, threads: int) -> list[Peer]:
        return [
            Peer(
                lib,
                e.out_label or e.label,
                "1",
                _array_maker(mod, e),
                e.call_out is not None,
                e.temporaries,
                alloc_impl=e.label,
            )
            for e in entries(name, lib, use="bench")
        ]

    return peers


def _numexpr_peers(ne: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    out = []
    for e in entries(name, "numexpr", use="bench"):
        # numexpr computes with Python float constants in float64, then casts into out=
        probe = np.ones(2, dtype)
        wide = e.call(ne, probe, (1.0,)).dtype != probe.dtype
        impl = (e.out_label or e.label) + (" (computes in float64)" if wide else "")
        make = _array_maker(ne, e)
        out += [Peer("numexpr", impl, str(n), make, True, set_threads=_setter(ne, n)) for n in sorted({1, threads})]
    return out


def _torch_peers(torch: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    out = []
    for e in entries(name, "torch", use="bench"):

        def make(x: np.ndarray, ps: tuple, y: np.ndarray | None, e: Entry = e) -> Callable[[], object]:
            t = torch.from_numpy(x)  # a view: no copy, same memory as fastact reads
            ps = torch_params(torch, t, ps)  # outside the timing
            if y is None or e.call_out is None:
                return partial(e.call, torch, t, ps)
            o = t if y is x else torch.from_numpy(y)
            return partial(e.call_out, torch, t, ps, o)

        has_out = e.call_out is not None
        impl = e.out_label or e.label
        out += [
            Peer("torch", impl, str(n), make, has_out, set_threads=_setter(torch, n), alloc_impl=e.label)
            for n in sorted({1, threads})
        ]
    return out


def _jax_peers(jax: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    out = []
    for e in entries(name, "jax", use="bench"):

        def make(x: np.ndarray, ps: tuple, y: np.ndarray | None, e: Entry = e) -> Callable[[], object]:
            p = tuple(float(v) for v in ps)  # constants of the compiled program
            f = jax.jit(lambda xd: e.call(jax, xd, p))
            xd = jax.device_put(x)  # once, outside the timing
            f(xd).block_until_ready()  # compile now, not in the first warm-up call
            return lambda: f(xd).block_until_ready()

        out.append(Peer("jax", f"jit({e.label}).block_until_ready()", "XLA", make, False))
    return out


_BUILDERS: dict[str, Callable[[Any, str, str, int], list[Peer]]] = {
    "numpy": _array_peers("numpy"),
    "scipy": _array_peers("scipy"),
    "numexpr": _numexpr_peers,
    "torch": _torch_peers,
    "jax": _jax_peers,
}


# ---------------------------------------------------------------- call forms of the row functions


def _scipy_form_peers(sp: Any, name: str, form: str, mask: np.ndarray | None, threads: int) -> list[Peer]:
    if form not in ("axis-none", "axis-tuple"):
        return []  # SciPy's softmax takes no mask
    f = getattr(sp, name)
    axis = None if form == "axis-none" else (0, 1)
    impl = f"scipy.special.{name}(x, axis={repr(axis).replace(' ', '')})"
    return [Peer("scipy", impl, "1", _expr(lambda x: f(x, axis=axis)), False)]


def _torch_form_peers(torch: Any, name: str, form: str, mask: np.ndarray | None, threads: int) -> list[Peer]:
    f = getattr(torch, name)
    if form == "where":
        assert mask is not None
        off = torch.from_numpy(~mask)  # once, outside the timing
        ninf = -math.inf

        def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
            t = torch.from_numpy(x)
            if y is None:
                return lambda: f(t.masked_fill(off, ninf), -1)
            o = t if y is x else torch.from_numpy(y)
            return lambda: f(t.masked_fill(off, ninf), -1, out=o)

        impl = f"torch.{name}(t.masked_fill(~m, -inf), -1, out=o)"
        alloc = f"torch.{name}(t.masked_fill(~m, -inf), -1)"
    else:  # no tuple dims in torch.softmax: the whole array as one row

        def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
            t = torch.from_numpy(x).reshape(-1)
            if y is None:
                return lambda: f(t, 0)
            o = t if y is x else torch.from_numpy(y).reshape(-1)
            return lambda: f(t, 0, out=o)

        impl = f"torch.{name}(t.reshape(-1), 0, out=o.reshape(-1))"
        alloc = f"torch.{name}(t.reshape(-1), 0)"
    return [
        Peer("torch", impl, str(n), make, True, form == "where", set_threads=_setter(torch, n), alloc_impl=alloc)
        for n in sorted({1, threads})
    ]


def _jax_form_peers(jax: Any, name: str, form: str, mask: np.ndarray | None, threads: int) -> list[Peer]:
    f = getattr(jax.nn, name)
    if form == "where":
        assert mask is not None
        md = jax.device_put(mask)  # once, outside the timing
        g = jax.jit(lambda x, m: f(x, axis=-1, where=m))
        impl = f"jit(jax.nn.{name}(x, axis=-1, where=m)).block_until_ready()"

        def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
            xd = jax.device_put(x)
            g(xd, md).block_until_ready()  # compile now, not in the first warm-up call
            return lambda: g(xd, md).block_until_ready()

    else:
        axis = None if form == "axis-none" else (0, 1)
        h = jax.jit(lambda x: f(x, axis=axis))
        impl = f"jit(jax.nn.{name}(x, axis={repr(axis).replace(' ', '')})).block_until_ready()"

        def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
            xd = jax.device_put(x)
            h(xd).block_until_ready()
            return lambda: h(xd).block_until_ready()

    return [Peer("jax", impl, "XLA", make, False)]


_FORM_BUILDERS: dict[str, Callable[[Any, str, str, np.ndarray | None, int], list[Peer]]] = {
    "scipy": _scipy_form_peers,
    "torch": _torch_form_peers,
    "jax": _jax_form_peers,
}
