"""How each peer library computes each fastact function: the one table the bench, the report and the tests read.

``TABLE[name]`` lists ``Entry``s: the library, the call as a user writes it (``label``, and
``out_label`` where the library can write into a given buffer), the call itself (``call``
allocating, ``call_out`` writing into ``out``), whether it builds temporaries, and a tag
(``DOC``: the source document's own formula).  ``benchmarks.peers`` times the entries
(``bench``), ``analysis.peers`` measures their error (``report``); ``fastact list --peers``
and the README's name table show their labels, with ``NAMES`` (the libraries fastact does
not run: Keras, TF).

Calls take the library's module first (``numpy``; ``scipy.special``; ``numexpr``; ``torch``;
``jax``), so this module imports no optional library.  ``x`` is what the library computes on
(an array; a tensor for PyTorch, whose ``params`` come through ``torch_params``; a traced
array for JAX, whose calls are jitted by the caller), ``params`` the function's parameters
in the registry's order.  The constants come from ``fastact.constants``; the document's
expressions show its short literals (``0.7978845608``), which are also what they compute with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fastact.constants import GELU_SIGMOID_K, GELU_TANH_A, GELU_TANH_C, SELU_ALPHA, SELU_SCALE

from .choices import LIBS as LIBS  # the libraries an entry names

DOC = "document formula"  # the tag of the source document's own expressions

Call = Callable[[Any, Any, tuple], Any]  # call(module, x, params) -> a new array
CallOut = Callable[[Any, Any, tuple, Any], object]  # call_out(module, x, params, out): writes into out


@dataclass(frozen=True)
class Entry:
    """One way a peer library computes a function."""

    lib: str  # one of LIBS
    label: str  # the allocating call as a user writes it
    call: Call
    out_label: str | None = None  # the call writing into out=; None: the library's API has none
    call_out: CallOut | None = None
    temporaries: bool = False  # intermediate arrays, even when writing into out=
    tag: str = ""  # DOC: the source document's formula (the report measures it in the input's dtype)
    bench: bool = True  # timed by ``fastact bench``
    report: bool = True  # measured by ``fastact report`` (NumPy, SciPy, PyTorch, JAX)


def _ufunc(label: str, f: Callable[[Any], Callable], *args: Any, report: bool = True, tag: str = "") -> Entry:
    """A single NumPy/SciPy ufunc ``f(module)(x, *args)``, with ``out=y``."""
    return Entry(
        "numpy" if label.startswith("np.") else "scipy",
        label.replace(", out=y", ""),
        lambda m, x, p: f(m)(x, *args),
        label,
        lambda m, x, p, y: f(m)(x, *args, out=y),
        report=report,
        tag=tag,
    )


def _np(label: str, call: Call, *, tag: str = "", bench: bool = True, report: bool | None = None) -> Entry:
    """A NumPy expression: allocates and builds temporaries.  The report measures the document's
    formulas (the bench's own expressions are what a NumPy user would time, not new accuracy facts)."""
    return Entry(
        "numpy", label, call, temporaries=True, tag=tag, bench=bench, report=tag == DOC if report is None else report
    )


# ---------------------------------------------------------------- NumPy

_C10 = float(f"{GELU_TANH_C:.10g}")  # sqrt(2/pi) to 10 digits, as the source document writes it (0.7978845608)
_GELU_TANH = f"0.5 * x * (1 + {{tanh}}({_C10!r} * (x + {GELU_TANH_A!r} * x**3)))"


def _np_softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_log_softmax(x: np.ndarray) -> np.ndarray:
    s = x - x.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


NUMPY: dict[str, list[Entry]] = {
    "relu": [_ufunc("np.maximum(x, 0, out=y)", lambda m: m.maximum, 0, tag=DOC)],
    "relu6": [_ufunc("np.clip(x, 0, 6, out=y)", lambda m: m.clip, 0, 6, report=False)],
    "leaky_relu": [_np("np.where(x > 0, x, a * x)", lambda m, x, p: np.where(x > 0, x, p[0] * x), tag=DOC)],
    "prelu": [_np("np.where(x > 0, x, w * x)", lambda m, x, p: np.where(x > 0, x, p[0] * x))],
    "hard_sigmoid": [_np("np.clip(0.2 * x + 0.5, 0, 1)", lambda m, x, p: np.clip(0.2 * x + 0.5, 0, 1), tag=DOC)],
    "hard_sigmoid6": [_np("np.clip(x / 6 + 0.5, 0, 1)", lambda m, x, p: np.clip(x / 6 + 0.5, 0, 1))],
    "hard_swish": [_np("x * np.clip(x + 3, 0, 6) / 6", lambda m, x, p: x * np.clip(x + 3, 0, 6) / 6)],
    "hard_tanh": [_ufunc("np.clip(x, -1, 1, out=y)", lambda m: m.clip, -1, 1, report=False)],
    "softsign": [_np("x / (np.abs(x) + 1)", lambda m, x, p: x / (np.abs(x) + 1), tag=DOC)],
    "sigmoid": [_np("1 / (1 + np.exp(-x))", lambda m, x, p: 1 / (1 + np.exp(-x)), tag=DOC)],
    "log_sigmoid": [_np("-np.logaddexp(0, -x)", lambda m, x, p: -np.logaddexp(0, -x))],
    "tanh": [
        _ufunc("np.tanh(x, out=y)", lambda m: m.tanh),  # NumPy's own tanh: the report measures it too
        _np(
            "(np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
            lambda m, x, p: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
            tag=DOC,
        ),
    ],
    "elu": [
        _np(
            "np.where(x > 0, x, a * (np.exp(x) - 1))",
            lambda m, x, p: np.where(x > 0, x, p[0] * (np.exp(x) - 1)),
            tag=DOC,
        )
    ],
    "selu": [
        # Python floats: NumPy rounds them to x's dtype (NEP 50), as the document's float16 did
        _np(
            "scale * np.where(x > 0, x, alpha * (np.exp(x) - 1))",
            lambda m, x, p: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)),
            tag=DOC,
        )
    ],
    "celu": [
        _np(
            "np.maximum(0, x) + np.minimum(0, a * (np.exp(x / a) - 1))",
            lambda m, x, p: np.maximum(0, x) + np.minimum(0, p[0] * (np.exp(x / p[0]) - 1)),
        )
    ],
    "softplus": [
        _ufunc("np.logaddexp(x, 0, out=y)", lambda m: m.logaddexp, 0, report=False),
        # the document writes log(1/(1+e^x)), a sign error: the correct formula is measured
        _np("np.log(1 + np.exp(x))", lambda m, x, p: np.log(1 + np.exp(x)), tag=DOC),
    ],
    "silu": [_np("x * (1 / (1 + np.exp(-x)))", lambda m, x, p: x * (1 / (1 + np.exp(-x))), tag=DOC)],  # x * sigmoid(x)
    "swish": [_np("x / (1 + np.exp(-b * x))", lambda m, x, p: x / (1 + np.exp(-p[0] * x)))],
    "mish": [_np("x * np.tanh(np.logaddexp(x, 0))", lambda m, x, p: x * np.tanh(np.logaddexp(x, 0)))],
    "gelu_tanh": [
        _np(
            _GELU_TANH.format(tanh="np.tanh"),
            lambda m, x, p: 0.5 * x * (1 + np.tanh(_C10 * (x + GELU_TANH_A * x**3))),
            tag=DOC,
        )
    ],
    "gelu_sigmoid": [
        _np(f"x / (1 + np.exp(-{GELU_SIGMOID_K!r} * x))", lambda m, x, p: x / (1 + np.exp(-GELU_SIGMOID_K * x)))
    ],
    "softmax": [
        # exp(x_i) / sum_j exp(x_j) as written: measured for its error (it overflows); not timed
        _np(
            "np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)",
            lambda m, x, p: np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True),
            tag=DOC,
            bench=False,
        ),
        _np("e = np.exp(x - x.max(-1, keepdims=True)); e / e.sum(-1, keepdims=True)", lambda m, x, p: _np_softmax(x)),
    ],
    "log_softmax": [
        _np(
            "s = x - x.max(-1, keepdims=True); s - np.log(np.exp(s).sum(-1, keepdims=True))",
            lambda m, x, p: _np_log_softmax(x),
        )
    ],
}


# ---------------------------------------------------------------- SciPy (module: scipy.special)


def _silu_out(sp: Any, x: np.ndarray, p: tuple, y: np.ndarray) -> object:
    if y is x:  # in place: expit(x, out=x) would destroy the x still needed for the product
        return np.multiply(x, sp.expit(x), out=y)
    sp.expit(x, out=y)
    return np.multiply(x, y, out=y)


def _composite(label: str, call: Call) -> Entry:
    # x * expit(...) adds one NumPy rounding to expit's error: timed, not measured
    return Entry("scipy", label, call, temporaries=True, report=False)


SCIPY: dict[str, list[Entry]] = {
    "sigmoid": [_ufunc("scipy.special.expit(x, out=y)", lambda sp: sp.expit)],
    "log_sigmoid": [_ufunc("scipy.special.log_expit(x, out=y)", lambda sp: sp.log_expit)],
    "silu": [
        Entry(
            "scipy",
            "x * expit(x)",
            lambda sp, x, p: x * sp.expit(x),
            "expit(x, out=y); np.multiply(x, y, out=y)",
            _silu_out,
            report=False,  # see _composite
        )
    ],
    "swish": [_composite("x * expit(b * x)", lambda sp, x, p: x * sp.expit(p[0] * x))],
    # the document's exact GELU; a Python float keeps float32 inputs in float32 (NEP 50)
    "gelu": [
        Entry(
            "scipy",
            "x/2 * (1 + scipy.special.erf(x/sqrt(2)))",
            lambda sp, x, p: x / 2 * (1 + sp.erf(x / math.sqrt(2))),
            temporaries=True,
        )
    ],
    "gelu_sigmoid": [
        _composite(f"x * expit({GELU_SIGMOID_K!r} * x)", lambda sp, x, p: x * sp.expit(GELU_SIGMOID_K * x))
    ],
    "softmax": [Entry("scipy", "scipy.special.softmax(x, axis=-1)", lambda sp, x, p: sp.softmax(x, axis=-1))],
    "log_softmax": [
        Entry("scipy", "scipy.special.log_softmax(x, axis=-1)", lambda sp, x, p: sp.log_softmax(x, axis=-1))
    ],
}


# ---------------------------------------------------------------- numexpr (bench only)


def numexpr_locals(x: np.ndarray, p: tuple) -> dict[str, Any]:
    """numexpr's variables: the parameter as a scalar of x's dtype (a Python float would make
    numexpr compute in float64)."""
    return {"x": x, **({"a": x.dtype.type(p[0])} if p else {})}


def _ne(expr: str) -> Entry:
    return Entry(
        "numexpr",
        f"numexpr.evaluate({expr!r})",
        lambda ne, x, p: ne.evaluate(expr, local_dict=numexpr_locals(x, p)),
        f"numexpr.evaluate({expr!r}, out=y)",
        lambda ne, x, p, y: ne.evaluate(expr, local_dict=numexpr_locals(x, p), out=y, casting="same_kind"),
        report=False,
    )


NUMEXPR: dict[str, list[Entry]] = {
    name: [_ne(expr)]
    for name, expr in {
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
        "gelu_tanh": _GELU_TANH.format(tanh="tanh"),
        "gelu_sigmoid": f"x / (1 + exp(-{GELU_SIGMOID_K!r} * x))",
    }.items()
}


# ---------------------------------------------------------------- PyTorch


def torch_params(torch: Any, t: Any, ps: tuple) -> tuple:
    """``ps`` and, if any, the first parameter again as a one-element tensor of ``t``'s dtype
    (F.prelu's weight); made once, outside any timing."""
    return (*ps, torch.tensor(ps[:1], dtype=t.dtype)) if ps else ps


def _F(torch: Any) -> Any:
    return torch.nn.functional


def _nn(torch: Any) -> Any:
    return torch._C._nn  # ATen's functions with out= (torch.nn.functional has none)


def _torch(label: str, call: Call, out_label: str | None = None, call_out: CallOut | None = None) -> Entry:
    return Entry("torch", label, call, out_label, call_out)


TORCH: dict[str, list[Entry]] = {
    "relu": [
        _torch(
            "F.relu(t)",
            lambda torch, t, p: _F(torch).relu(t),
            "torch.clamp_min(t, 0, out=o)",
            lambda torch, t, p, o: torch.clamp_min(t, 0, out=o),
        )
    ],
    "relu6": [
        _torch(
            "F.relu6(t)",
            lambda torch, t, p: _F(torch).relu6(t),
            "torch.clamp(t, 0, 6, out=o)",
            lambda torch, t, p, o: torch.clamp(t, 0, 6, out=o),
        )
    ],
    "leaky_relu": [
        _torch(
            "F.leaky_relu(t, a)",
            lambda torch, t, p: _F(torch).leaky_relu(t, p[0]),
            "torch._C._nn.leaky_relu(t, a, out=o)",
            lambda torch, t, p, o: _nn(torch).leaky_relu(t, p[0], out=o),
        )
    ],
    "prelu": [_torch("F.prelu(t, w)", lambda torch, t, p: _F(torch).prelu(t, p[1]))],  # p[1]: w as a tensor
    "hard_sigmoid6": [
        _torch(
            "F.hardsigmoid(t)",
            lambda torch, t, p: _F(torch).hardsigmoid(t),
            "torch._C._nn.hardsigmoid(t, out=o)",
            lambda torch, t, p, o: _nn(torch).hardsigmoid(t, out=o),
        )
    ],
    "hard_swish": [
        _torch(
            "F.hardswish(t)",
            lambda torch, t, p: _F(torch).hardswish(t),
            "torch._C._nn.hardswish(t, out=o)",
            lambda torch, t, p, o: _nn(torch).hardswish(t, out=o),
        )
    ],
    "hard_tanh": [
        _torch(
            "F.hardtanh(t)",
            lambda torch, t, p: _F(torch).hardtanh(t),
            "torch._C._nn.hardtanh(t, -1, 1, out=o)",
            lambda torch, t, p, o: _nn(torch).hardtanh(t, -1.0, 1.0, out=o),
        )
    ],
    "softsign": [_torch("F.softsign(t)", lambda torch, t, p: _F(torch).softsign(t))],
    "sigmoid": [
        _torch(
            "torch.sigmoid(t)",
            lambda torch, t, p: torch.sigmoid(t),
            "torch.sigmoid(t, out=o)",
            lambda torch, t, p, o: torch.sigmoid(t, out=o),
        )
    ],
    "log_sigmoid": [
        _torch(
            "F.logsigmoid(t)",
            lambda torch, t, p: _F(torch).logsigmoid(t),
            "torch._C._nn.log_sigmoid(t, out=o)",
            lambda torch, t, p, o: _nn(torch).log_sigmoid(t, out=o),
        )
    ],
    "tanh": [
        _torch(
            "torch.tanh(t)",
            lambda torch, t, p: torch.tanh(t),
            "torch.tanh(t, out=o)",
            lambda torch, t, p, o: torch.tanh(t, out=o),
        )
    ],
    "elu": [
        _torch(
            "F.elu(t, a)",
            lambda torch, t, p: _F(torch).elu(t, p[0]),
            "torch._C._nn.elu(t, a, out=o)",
            lambda torch, t, p, o: _nn(torch).elu(t, p[0], out=o),
        )
    ],
    "selu": [
        # F.selu has no out=; it is ATen's elu with SELU's scale and alpha
        _torch(
            "F.selu(t)",
            lambda torch, t, p: _F(torch).selu(t),
            "torch._C._nn.elu(t, alpha, scale, out=o)",
            lambda torch, t, p, o: _nn(torch).elu(t, SELU_ALPHA, SELU_SCALE, 1.0, out=o),
        )
    ],
    "celu": [
        # F.celu has no out=; it is ATen's elu with input_scale 1 / alpha
        _torch(
            "F.celu(t, a)",
            lambda torch, t, p: _F(torch).celu(t, p[0]),
            "torch._C._nn.elu(t, a, 1, 1 / a, out=o)",
            lambda torch, t, p, o: _nn(torch).elu(t, p[0], 1.0, 1.0 / p[0], out=o),
        )
    ],
    "softplus": [
        _torch(
            "F.softplus(t)",
            lambda torch, t, p: _F(torch).softplus(t),
            "torch._C._nn.softplus(t, out=o)",
            lambda torch, t, p, o: _nn(torch).softplus(t, out=o),
        )
    ],
    "silu": [
        _torch(
            "F.silu(t)",
            lambda torch, t, p: _F(torch).silu(t),
            "torch._C._nn.silu(t, out=o)",
            lambda torch, t, p, o: _nn(torch).silu(t, out=o),
        )
    ],
    "swish": [_torch("t * torch.sigmoid(b * t)", lambda torch, t, p: t * torch.sigmoid(p[0] * t))],
    "mish": [
        _torch(
            "F.mish(t)",
            lambda torch, t, p: _F(torch).mish(t),
            "torch._C._nn.mish(t, out=o)",
            lambda torch, t, p, o: _nn(torch).mish(t, out=o),
        )
    ],
    "gelu": [
        _torch(
            "F.gelu(t)",
            lambda torch, t, p: _F(torch).gelu(t),
            "torch._C._nn.gelu(t, out=o)",
            lambda torch, t, p, o: _nn(torch).gelu(t, out=o),
        )
    ],
    "gelu_tanh": [
        _torch(
            "F.gelu(t, approximate='tanh')",
            lambda torch, t, p: _F(torch).gelu(t, approximate="tanh"),
            "torch._C._nn.gelu(t, approximate='tanh', out=o)",
            lambda torch, t, p, o: _nn(torch).gelu(t, approximate="tanh", out=o),
        )
    ],
    "gelu_sigmoid": [
        _torch(f"t * torch.sigmoid({GELU_SIGMOID_K!r} * t)", lambda torch, t, p: t * torch.sigmoid(GELU_SIGMOID_K * t))
    ],
    "softmax": [
        _torch(
            "torch.softmax(t, -1)",
            lambda torch, t, p: torch.softmax(t, -1),
            "torch.softmax(t, -1, out=o)",
            lambda torch, t, p, o: torch.softmax(t, -1, out=o),
        )
    ],
    "log_softmax": [
        _torch(
            "torch.log_softmax(t, -1)",
            lambda torch, t, p: torch.log_softmax(t, -1),
            "torch.log_softmax(t, -1, out=o)",
            lambda torch, t, p, o: torch.log_softmax(t, -1, out=o),
        )
    ],
}


# ---------------------------------------------------------------- JAX (always allocates; jitted by the caller)


def _jax(label: str, call: Call) -> Entry:
    return Entry("jax", label, call)


JAX: dict[str, list[Entry]] = {
    "relu": [_jax("jax.nn.relu", lambda jax, x, p: jax.nn.relu(x))],
    "relu6": [_jax("jax.nn.relu6", lambda jax, x, p: jax.nn.relu6(x))],
    "leaky_relu": [_jax("jax.nn.leaky_relu(x, a)", lambda jax, x, p: jax.nn.leaky_relu(x, p[0]))],
    "prelu": [_jax("jnp.where(x > 0, x, w * x)", lambda jax, x, p: jax.numpy.where(x > 0, x, p[0] * x))],
    "hard_sigmoid6": [_jax("jax.nn.hard_sigmoid", lambda jax, x, p: jax.nn.hard_sigmoid(x))],
    "hard_swish": [_jax("jax.nn.hard_swish", lambda jax, x, p: jax.nn.hard_swish(x))],
    "hard_tanh": [_jax("jax.nn.hard_tanh", lambda jax, x, p: jax.nn.hard_tanh(x))],
    "softsign": [_jax("jax.nn.soft_sign", lambda jax, x, p: jax.nn.soft_sign(x))],
    "sigmoid": [_jax("jax.nn.sigmoid", lambda jax, x, p: jax.nn.sigmoid(x))],
    "log_sigmoid": [_jax("jax.nn.log_sigmoid", lambda jax, x, p: jax.nn.log_sigmoid(x))],
    "tanh": [_jax("jnp.tanh", lambda jax, x, p: jax.numpy.tanh(x))],
    "elu": [_jax("jax.nn.elu(x, a)", lambda jax, x, p: jax.nn.elu(x, p[0]))],
    "selu": [_jax("jax.nn.selu", lambda jax, x, p: jax.nn.selu(x))],
    "celu": [_jax("jax.nn.celu(x, a)", lambda jax, x, p: jax.nn.celu(x, p[0]))],
    "softplus": [_jax("jax.nn.softplus", lambda jax, x, p: jax.nn.softplus(x))],
    "silu": [_jax("jax.nn.silu", lambda jax, x, p: jax.nn.silu(x))],
    "swish": [_jax("x * jax.nn.sigmoid(b * x)", lambda jax, x, p: x * jax.nn.sigmoid(p[0] * x))],
    "mish": [_jax("jax.nn.mish", lambda jax, x, p: jax.nn.mish(x))],
    "gelu": [_jax("jax.nn.gelu(x, approximate=False)", lambda jax, x, p: jax.nn.gelu(x, approximate=False))],
    "gelu_tanh": [_jax("jax.nn.gelu(x, approximate=True)", lambda jax, x, p: jax.nn.gelu(x, approximate=True))],
    "gelu_sigmoid": [
        _jax(f"x * jax.nn.sigmoid({GELU_SIGMOID_K!r} * x)", lambda jax, x, p: x * jax.nn.sigmoid(GELU_SIGMOID_K * x))
    ],
    "softmax": [_jax("jax.nn.softmax(x, axis=-1)", lambda jax, x, p: jax.nn.softmax(x, axis=-1))],
    "log_softmax": [_jax("jax.nn.log_softmax(x, axis=-1)", lambda jax, x, p: jax.nn.log_softmax(x, axis=-1))],
}


def _merge(*tables: dict[str, list[Entry]]) -> dict[str, tuple[Entry, ...]]:
    names = dict.fromkeys(name for t in tables for name in t)
    return {name: tuple(e for t in tables for e in t.get(name, [])) for name in names}


# function name -> its entries, libraries in LIBS order
TABLE: dict[str, tuple[Entry, ...]] = _merge(NUMPY, SCIPY, NUMEXPR, TORCH, JAX)


def entries(name: str, lib: str, *, use: str | None = None) -> list[Entry]:
    """``name``'s entries for ``lib``; ``use``: "bench" or "report" keeps those it times or measures."""
    return [e for e in TABLE.get(name, ()) if e.lib == lib and (use is None or getattr(e, use))]
