"""What a user would call instead of fastact, per function: NumPy, SciPy, numexpr, PyTorch, JAX.

Every peer is timed on the same NumPy array as fastact (PyTorch through ``torch.from_numpy``
views, JAX on a device copy made once, outside the timing).  A peer writes into the given
output buffer where its API allows (``out=``); where it cannot, it allocates a new output
per call and its row says ``[alloc]``.  NumPy expressions that build intermediate arrays
say ``[temporaries]``.  NumPy expressions follow the source document's formulas (sigmoid as
``1 / (1 + exp(-x))``, the tanh-GELU with ``0.7978845608``, ...); SciPy adds its own
functions (``expit``, ``log_expit``, ``erf``, ``softmax``).

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
from typing import Any

import numpy as np

from .peer_table import LIBS as LIBS  # re-exported: callers know it as benchmarks.peers.LIBS

# call(x, params, y) -> zero-argument callable; y is the output buffer, or None to allocate
Maker = Callable[[np.ndarray, tuple, "np.ndarray | None"], Callable[[], object]]

SELU_SCALE = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


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


def _ufunc(f: Callable, *args: Any, **kw: Any) -> Maker:
    """A single NumPy/SciPy ufunc call: writes into ``y`` when given."""

    def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
        if y is None:
            return lambda: f(x, *args, **kw)
        return lambda: f(x, *args, out=y, **kw)

    return make


def _expr(f: Callable) -> Maker:
    """An expression ``f(x, *params)`` that returns a new array."""
    return lambda x, ps, y: lambda: f(x, *ps)


# ---------------------------------------------------------------- NumPy and SciPy


def _numpy_peers(np_: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    e = np.exp
    table: dict[str, list[tuple[str, Maker, bool, bool]]] = {  # (impl, make, has_out, temporaries)
        "relu": [("np.maximum(x, 0, out=y)", _ufunc(np.maximum, 0), True, False)],
        "relu6": [("np.clip(x, 0, 6, out=y)", _ufunc(np.clip, 0, 6), True, False)],
        "leaky_relu": [("np.where(x > 0, x, a * x)", _expr(lambda x, a: np.where(x > 0, x, a * x)), False, True)],
        "prelu": [("np.where(x > 0, x, w * x)", _expr(lambda x, a: np.where(x > 0, x, a * x)), False, True)],
        "hard_sigmoid": [("np.clip(0.2 * x + 0.5, 0, 1)", _expr(lambda x: np.clip(0.2 * x + 0.5, 0, 1)), False, True)],
        "hard_sigmoid6": [("np.clip(x / 6 + 0.5, 0, 1)", _expr(lambda x: np.clip(x / 6 + 0.5, 0, 1)), False, True)],
        "hard_swish": [("x * np.clip(x + 3, 0, 6) / 6", _expr(lambda x: x * np.clip(x + 3, 0, 6) / 6), False, True)],
        "hard_tanh": [("np.clip(x, -1, 1, out=y)", _ufunc(np.clip, -1, 1), True, False)],
        "softsign": [("x / (np.abs(x) + 1)", _expr(lambda x: x / (np.abs(x) + 1)), False, True)],
        "sigmoid": [("1 / (1 + np.exp(-x))", _expr(lambda x: 1 / (1 + e(-x))), False, True)],
        "log_sigmoid": [("-np.logaddexp(0, -x)", _expr(lambda x: -np.logaddexp(0, -x)), False, True)],
        "tanh": [
            ("np.tanh(x, out=y)", _ufunc(np.tanh), True, False),
            (
                "(np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
                _expr(lambda x: (e(x) - e(-x)) / (e(x) + e(-x))),
                False,
                True,
            ),
        ],
        "elu": [
            (
                "np.where(x > 0, x, a * (np.exp(x) - 1))",
                _expr(lambda x, a: np.where(x > 0, x, a * (e(x) - 1))),
                False,
                True,
            )
        ],
        "selu": [
            (
                "scale * np.where(x > 0, x, alpha * (np.exp(x) - 1))",
                _expr(lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (e(x) - 1))),
                False,
                True,
            )
        ],
        "celu": [
            (
                "np.maximum(0, x) + np.minimum(0, a * (np.exp(x / a) - 1))",
                _expr(lambda x, a: np.maximum(0, x) + np.minimum(0, a * (e(x / a) - 1))),
                False,
                True,
            )
        ],
        "softplus": [
            ("np.logaddexp(x, 0, out=y)", _ufunc(np.logaddexp, 0), True, False),
            ("np.log(1 + np.exp(x))", _expr(lambda x: np.log(1 + e(x))), False, True),
        ],
        "silu": [("x / (1 + np.exp(-x))", _expr(lambda x: x / (1 + e(-x))), False, True)],
        "swish": [("x / (1 + np.exp(-b * x))", _expr(lambda x, b: x / (1 + e(-b * x))), False, True)],
        "mish": [("x * np.tanh(np.logaddexp(x, 0))", _expr(lambda x: x * np.tanh(np.logaddexp(x, 0))), False, True)],
        "gelu_tanh": [
            (
                "0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))",
                _expr(lambda x: 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))),
                False,
                True,
            )
        ],
        "gelu_sigmoid": [("x / (1 + np.exp(-1.702 * x))", _expr(lambda x: x / (1 + e(-1.702 * x))), False, True)],
        "softmax": [
            ("e = np.exp(x - x.max(-1, keepdims=True)); e / e.sum(-1, keepdims=True)", _expr(_np_softmax), False, True)
        ],
        "log_softmax": [
            (
                "s = x - x.max(-1, keepdims=True); s - np.log(np.exp(s).sum(-1, keepdims=True))",
                _expr(_np_log_softmax),
                False,
                True,
            )
        ],
    }
    return [Peer("numpy", impl, "1", make, has_out, temps) for impl, make, has_out, temps in table.get(name, [])]


def _np_softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_log_softmax(x: np.ndarray) -> np.ndarray:
    s = x - x.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


def _scipy_peers(sp: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    r2 = 1 / math.sqrt(2)  # a Python float keeps float32 inputs in float32 (NumPy 2 promotion)

    def silu_out(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
        if y is None:
            return lambda: x * sp.expit(x)
        if y is x:  # in place: expit(x, out=x) would destroy the x still needed for the product
            return lambda: np.multiply(x, sp.expit(x), out=y)

        def call() -> None:
            sp.expit(x, out=y)
            np.multiply(x, y, out=y)

        return call

    table: dict[str, list[tuple]] = {  # (impl, make, has_out, temporaries[, allocating impl])
        "sigmoid": [("scipy.special.expit(x, out=y)", _ufunc(sp.expit), True, False)],
        "log_sigmoid": [("scipy.special.log_expit(x, out=y)", _ufunc(sp.log_expit), True, False)],
        "silu": [("expit(x, out=y); np.multiply(x, y, out=y)", silu_out, True, False, "x * expit(x)")],
        "swish": [("x * expit(b * x)", _expr(lambda x, b: x * sp.expit(b * x)), False, True)],
        "gelu": [("0.5 * x * (1 + erf(x / sqrt(2)))", _expr(lambda x: 0.5 * x * (1 + sp.erf(x * r2))), False, True)],
        "gelu_sigmoid": [("x * expit(1.702 * x)", _expr(lambda x: x * sp.expit(1.702 * x)), False, True)],
        "softmax": [("scipy.special.softmax(x, axis=-1)", _expr(lambda x: sp.softmax(x, axis=-1)), False, False)],
        "log_softmax": [
            ("scipy.special.log_softmax(x, axis=-1)", _expr(lambda x: sp.log_softmax(x, axis=-1)), False, False)
        ],
    }
    return [
        Peer("scipy", impl, "1", make, has_out, temps, alloc_impl=alloc_impl)
        for impl, make, has_out, temps, *rest in table.get(name, [])
        for alloc_impl in [rest[0] if rest else None]
    ]


# ---------------------------------------------------------------- numexpr

_NUMEXPR = {
    "relu": "where(x > 0, x, 0)",
    "relu6": "where(x > 6, 6, where(x > 0, x, 0))",
    "leaky_relu": "where(x > 0, x, a * x)",
    "prelu": "where(x > 0, x, a * x)",
    "hard_sigmoid": "where(x < -2.5, 0, where(x > 2.5, 1, 0.2 * x + 0.5))",
    "hard_sigmoid6": "where(x < -3, 0, where(x > 3, 1, x / 6 + 0.5))",
    "hard_swish": "x * where(x < -3, 0, where(x > 3, 6, x + 3)) / 6",
    "hard_tanh": "where(x < -1, -1, where(x > 1, 1, x))",
    "softsign": "x / (abs(x) + 1)",
    "sigmoid": "1 / (1 + exp(-x))",
    "log_sigmoid": "-log1p(exp(-x))",
    "tanh": "tanh(x)",
    "elu": "where(x > 0, x, a * (exp(x) - 1))",
    "selu": f"{SELU_SCALE!r} * where(x > 0, x, {SELU_ALPHA!r} * (exp(x) - 1))",
    "celu": "where(x > 0, x, a * (exp(x / a) - 1))",
    "softplus": "log(1 + exp(x))",
    "silu": "x / (1 + exp(-x))",
    "swish": "x / (1 + exp(-a * x))",
    "mish": "x * tanh(log(1 + exp(x)))",
    "gelu_tanh": "0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x**3)))",
    "gelu_sigmoid": "x / (1 + exp(-1.702 * x))",
}


def _numexpr_peers(ne: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    expr = _NUMEXPR.get(name)
    if expr is None:
        return []

    def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
        # the parameter as a scalar of x's dtype: a Python float would make numexpr compute in float64
        local = {"x": x, **({"a": x.dtype.type(ps[0])} if ps else {})}
        if y is None:
            return lambda: ne.evaluate(expr, local_dict=local)
        return lambda: ne.evaluate(expr, local_dict=local, out=y, casting="same_kind")

    # numexpr computes with Python float constants in float64, then casts into out=
    probe = np.ones(2, dtype)
    wide = ne.evaluate(expr, local_dict={"x": probe, "a": probe[0]}).dtype != probe.dtype
    impl = f"numexpr.evaluate({expr!r}, out=y)" + (" (computes in float64)" if wide else "")
    counts = sorted({1, threads})
    return [Peer("numexpr", impl, str(n), make, True, set_threads=_setter(ne, n)) for n in counts]


def _setter(mod: Any, n: int) -> Callable[[], object]:
    return lambda: mod.set_num_threads(n)


# ---------------------------------------------------------------- PyTorch


def torch_table(torch: Any) -> dict[str, tuple[tuple[str, Callable] | None, tuple[str, Callable]]]:
    """name -> ((impl with out=, call(t, o, ps)) or None, (allocating impl, call(t, ps))).

    ``ps``: the parameters, then the first one again as a one-element tensor of ``t``'s
    dtype (F.prelu's weight; see ``torch_params``).  The accuracy report uses the
    allocating calls (``analysis/peers.py``).
    """
    F = torch.nn.functional
    nn = torch._C._nn
    return {
        "relu": (
            ("torch.clamp_min(t, 0, out=o)", lambda t, o, p: torch.clamp_min(t, 0, out=o)),
            ("F.relu(t)", lambda t, p: F.relu(t)),
        ),
        "relu6": (
            ("torch.clamp(t, 0, 6, out=o)", lambda t, o, p: torch.clamp(t, 0, 6, out=o)),
            ("F.relu6(t)", lambda t, p: F.relu6(t)),
        ),
        "leaky_relu": (
            ("torch._C._nn.leaky_relu(t, a, out=o)", lambda t, o, p: nn.leaky_relu(t, p[0], out=o)),
            ("F.leaky_relu(t, a)", lambda t, p: F.leaky_relu(t, p[0])),
        ),
        "prelu": (None, ("F.prelu(t, w)", lambda t, p: F.prelu(t, p[1]))),  # p[1]: w as a tensor, made once
        "hard_sigmoid6": (
            ("torch._C._nn.hardsigmoid(t, out=o)", lambda t, o, p: nn.hardsigmoid(t, out=o)),
            ("F.hardsigmoid(t)", lambda t, p: F.hardsigmoid(t)),
        ),
        "hard_swish": (
            ("torch._C._nn.hardswish(t, out=o)", lambda t, o, p: nn.hardswish(t, out=o)),
            ("F.hardswish(t)", lambda t, p: F.hardswish(t)),
        ),
        "hard_tanh": (
            ("torch._C._nn.hardtanh(t, -1, 1, out=o)", lambda t, o, p: nn.hardtanh(t, -1.0, 1.0, out=o)),
            ("F.hardtanh(t)", lambda t, p: F.hardtanh(t)),
        ),
        "softsign": (None, ("F.softsign(t)", lambda t, p: F.softsign(t))),
        "sigmoid": (
            ("torch.sigmoid(t, out=o)", lambda t, o, p: torch.sigmoid(t, out=o)),
            ("torch.sigmoid(t)", lambda t, p: torch.sigmoid(t)),
        ),
        "log_sigmoid": (
            ("torch._C._nn.log_sigmoid(t, out=o)", lambda t, o, p: nn.log_sigmoid(t, out=o)),
            ("F.logsigmoid(t)", lambda t, p: F.logsigmoid(t)),
        ),
        "tanh": (
            ("torch.tanh(t, out=o)", lambda t, o, p: torch.tanh(t, out=o)),
            ("torch.tanh(t)", lambda t, p: torch.tanh(t)),
        ),
        "elu": (
            ("torch._C._nn.elu(t, a, out=o)", lambda t, o, p: nn.elu(t, p[0], out=o)),
            ("F.elu(t, a)", lambda t, p: F.elu(t, p[0])),
        ),
        "selu": (
            # F.selu has no out=; it is ATen's elu with SELU's scale and alpha
            ("torch._C._nn.elu(t, alpha, scale, out=o)", lambda t, o, p: nn.elu(t, SELU_ALPHA, SELU_SCALE, 1.0, out=o)),
            ("F.selu(t)", lambda t, p: F.selu(t)),
        ),
        "celu": (
            # F.celu has no out=; it is ATen's elu with input_scale 1 / alpha
            ("torch._C._nn.elu(t, a, 1, 1 / a, out=o)", lambda t, o, p: nn.elu(t, p[0], 1.0, 1.0 / p[0], out=o)),
            ("F.celu(t, a)", lambda t, p: F.celu(t, p[0])),
        ),
        "softplus": (
            ("torch._C._nn.softplus(t, out=o)", lambda t, o, p: nn.softplus(t, out=o)),
            ("F.softplus(t)", lambda t, p: F.softplus(t)),
        ),
        "silu": (
            ("torch._C._nn.silu(t, out=o)", lambda t, o, p: nn.silu(t, out=o)),
            ("F.silu(t)", lambda t, p: F.silu(t)),
        ),
        "swish": (None, ("t * torch.sigmoid(b * t)", lambda t, p: t * torch.sigmoid(p[0] * t))),
        "mish": (
            ("torch._C._nn.mish(t, out=o)", lambda t, o, p: nn.mish(t, out=o)),
            ("F.mish(t)", lambda t, p: F.mish(t)),
        ),
        "gelu": (
            ("torch._C._nn.gelu(t, out=o)", lambda t, o, p: nn.gelu(t, out=o)),
            ("F.gelu(t)", lambda t, p: F.gelu(t)),
        ),
        "gelu_tanh": (
            ("torch._C._nn.gelu(t, approximate='tanh', out=o)", lambda t, o, p: nn.gelu(t, approximate="tanh", out=o)),
            ("F.gelu(t, approximate='tanh')", lambda t, p: F.gelu(t, approximate="tanh")),
        ),
        "gelu_sigmoid": (None, ("t * torch.sigmoid(1.702 * t)", lambda t, p: t * torch.sigmoid(1.702 * t))),
        "softmax": (
            ("torch.softmax(t, -1, out=o)", lambda t, o, p: torch.softmax(t, -1, out=o)),
            ("torch.softmax(t, -1)", lambda t, p: torch.softmax(t, -1)),
        ),
        "log_softmax": (
            ("torch.log_softmax(t, -1, out=o)", lambda t, o, p: torch.log_softmax(t, -1, out=o)),
            ("torch.log_softmax(t, -1)", lambda t, p: torch.log_softmax(t, -1)),
        ),
    }


def torch_params(torch: Any, t: Any, ps: tuple) -> tuple:
    """``ps`` and, if any, the first parameter again as a one-element tensor (F.prelu's weight)."""
    return (*ps, torch.tensor(ps[:1], dtype=t.dtype)) if ps else ps


def _torch_peers(torch: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    entry = torch_table(torch).get(name)
    if entry is None:
        return []
    with_out, alloc = entry

    def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
        t = torch.from_numpy(x)  # a view: no copy, same memory as fastact reads
        ps = torch_params(torch, t, ps)  # outside the timing
        if y is None or with_out is None:
            f = alloc[1]
            return lambda: f(t, ps)
        o = t if y is x else torch.from_numpy(y)
        g = with_out[1]
        return lambda: g(t, o, ps)

    impl = with_out[0] if with_out else alloc[0]
    counts = sorted({1, threads})
    return [
        Peer("torch", impl, str(n), make, with_out is not None, set_threads=_setter(torch, n), alloc_impl=alloc[0])
        for n in counts
    ]


# ---------------------------------------------------------------- JAX

# name -> (impl, fn(jax, params) -> function of x); also the accuracy report's JAX calls
JAX_CALLS = {
    "relu": ("jax.nn.relu", lambda jax, p: jax.nn.relu),
    "relu6": ("jax.nn.relu6", lambda jax, p: jax.nn.relu6),
    "leaky_relu": ("jax.nn.leaky_relu(x, a)", lambda jax, p: lambda x: jax.nn.leaky_relu(x, p[0])),
    "prelu": ("jnp.where(x > 0, x, w * x)", lambda jax, p: lambda x: jax.numpy.where(x > 0, x, p[0] * x)),
    "hard_sigmoid6": ("jax.nn.hard_sigmoid", lambda jax, p: jax.nn.hard_sigmoid),
    "hard_swish": ("jax.nn.hard_swish", lambda jax, p: jax.nn.hard_swish),
    "hard_tanh": ("jax.nn.hard_tanh", lambda jax, p: jax.nn.hard_tanh),
    "softsign": ("jax.nn.soft_sign", lambda jax, p: jax.nn.soft_sign),
    "sigmoid": ("jax.nn.sigmoid", lambda jax, p: jax.nn.sigmoid),
    "log_sigmoid": ("jax.nn.log_sigmoid", lambda jax, p: jax.nn.log_sigmoid),
    "tanh": ("jnp.tanh", lambda jax, p: jax.numpy.tanh),
    "elu": ("jax.nn.elu(x, a)", lambda jax, p: lambda x: jax.nn.elu(x, p[0])),
    "selu": ("jax.nn.selu", lambda jax, p: jax.nn.selu),
    "celu": ("jax.nn.celu(x, a)", lambda jax, p: lambda x: jax.nn.celu(x, p[0])),
    "softplus": ("jax.nn.softplus", lambda jax, p: jax.nn.softplus),
    "silu": ("jax.nn.silu", lambda jax, p: jax.nn.silu),
    "swish": ("x * jax.nn.sigmoid(b * x)", lambda jax, p: lambda x: x * jax.nn.sigmoid(p[0] * x)),
    "mish": ("jax.nn.mish", lambda jax, p: jax.nn.mish),
    "gelu": ("jax.nn.gelu(x, approximate=False)", lambda jax, p: lambda x: jax.nn.gelu(x, approximate=False)),
    "gelu_tanh": ("jax.nn.gelu(x, approximate=True)", lambda jax, p: lambda x: jax.nn.gelu(x, approximate=True)),
    "gelu_sigmoid": ("x * jax.nn.sigmoid(1.702 * x)", lambda jax, p: lambda x: x * jax.nn.sigmoid(1.702 * x)),
    "softmax": ("jax.nn.softmax(x, axis=-1)", lambda jax, p: lambda x: jax.nn.softmax(x, axis=-1)),
    "log_softmax": ("jax.nn.log_softmax(x, axis=-1)", lambda jax, p: lambda x: jax.nn.log_softmax(x, axis=-1)),
}


def _jax_peers(jax: Any, name: str, dtype: str, threads: int) -> list[Peer]:
    entry = JAX_CALLS.get(name)
    if entry is None:
        return []
    impl, fn = entry

    def make(x: np.ndarray, ps: tuple, y: np.ndarray | None) -> Callable[[], object]:
        f = jax.jit(fn(jax, tuple(float(p) for p in ps)))
        xd = jax.device_put(x)  # once, outside the timing
        f(xd).block_until_ready()  # compile now, not in the first warm-up call
        return lambda: f(xd).block_until_ready()

    return [Peer("jax", f"jit({impl}).block_until_ready()", "XLA", make, False)]


_BUILDERS: dict[str, Callable[[Any, str, str, int], list[Peer]]] = {
    "numpy": _numpy_peers,
    "scipy": _scipy_peers,
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
