"""What users would otherwise call, measured on the same inputs with the same metric.

- ``NumPy (document formula)``: the source document's own formulas (``SPEC.md``), in the
  input's dtype, so float16 rounds after every operation as the document did.  Its
  softplus is written ``log(1/(1+e^x))`` there (a sign error); the correct
  ``log(1 + exp(x))`` is measured.
- ``SciPy``: ``expit``/``log_expit``, the erf-based GELU ``x/2 (1 + erf(x/sqrt 2))``,
  ``softmax``/``log_softmax``; ``NumPy``: ``np.tanh``.
- ``PyTorch`` (``torch.set_num_threads(1)``) and ``JAX`` (x64 enabled, CPU): the calls
  the benchmark times (``benchmarks/peers.py``; PyTorch's allocating form), on tensors
  of the format itself (bfloat16 included).  Composites such as swish's
  ``x * sigmoid(b x)`` are what a user of those libraries writes, so they are measured too.

A library that is not installed is skipped; a dtype a peer rejects is skipped.
Each peer is ``prepare(x) -> native``, ``call(native, params) -> native``,
``back(native) -> float64 values`` so the throughput section can time ``call`` alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fastact.registry import Activation

from . import bfloat16
from .formats import Format

_SELU_L = 1.0507009873554805
_SELU_A = 1.6732632423543772


@dataclass
class Peer:
    library: str
    label: str
    call: Callable[[Any, tuple], Any]
    kind: str  # "numpy", "torch", "jax": which adapter converts

    def impl(self, fmt: Format) -> Callable[[np.ndarray, tuple], np.ndarray]:
        """As ``sweeps.Impl``: storage array in, float64 values of ``fmt`` out."""

        def run(x: np.ndarray, params: tuple) -> np.ndarray:
            return back(self.kind, self.call(prepare(self.kind, x, fmt), params), fmt)

        return run


def prepare(kind: str, x: np.ndarray, fmt: Format) -> Any:
    if kind == "torch":
        import torch

        t = torch.from_numpy(np.ascontiguousarray(x))
        return t.to(torch.bfloat16) if fmt.name == "bfloat16" else t
    if kind == "jax":
        import jax.numpy as jnp

        return jnp.asarray(x).astype(jnp.bfloat16) if fmt.name == "bfloat16" else jnp.asarray(x)
    return x


def back(kind: str, y: Any, fmt: Format) -> np.ndarray:
    if kind == "torch":
        import torch

        y = y.to(torch.float64).numpy()
    elif kind == "jax":
        y = np.asarray(y.astype("float64" if fmt.name == "float64" else "float32"))
    y = np.asarray(y)
    if fmt.name == "bfloat16":
        y = bfloat16.round_float32(y.astype(np.float32))
    elif y.dtype != fmt.storage:  # e.g. SciPy computing float16 in float32: rounded to float16
        y = y.astype(fmt.storage)
    return y.astype(np.float64)


def _numpy_doc() -> dict[str, str]:
    return {
        "relu": "np.maximum(x, 0)",
        "leaky_relu": "np.where(x > 0, x, a * x)",
        "elu": "np.where(x > 0, x, a * (np.exp(x) - 1))",
        "selu": "scale * np.where(x > 0, x, alpha * (np.exp(x) - 1))",
        "gelu_tanh": "0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))",
        "tanh": "(np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
        "sigmoid": "1 / (1 + np.exp(-x))",
        "hard_sigmoid": "np.clip(0.2 * x + 0.5, 0, 1)",
        "softplus": "np.log(1 + np.exp(x))",
        "softsign": "x / (np.abs(x) + 1)",
        "silu": "x * (1 / (1 + np.exp(-x)))",
        "softmax": "np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)",
    }


def _eval_numpy(expr: str) -> Callable[[Any, tuple], Any]:
    code = compile(expr, expr, "eval")

    def call(x: np.ndarray, params: tuple) -> np.ndarray:
        dt = x.dtype.type
        env = {"np": np, "x": x, "a": params[0] if params else None}
        env.update(scale=dt(_SELU_L), alpha=dt(_SELU_A))
        with np.errstate(all="ignore"):
            return eval(code, env)

    return call


def numpy_peers(act: Activation) -> list[Peer]:
    out = []
    doc = _numpy_doc()
    if act.name in doc:
        out.append(Peer("NumPy (document formula)", doc[act.name], _eval_numpy(doc[act.name]), "numpy"))
    if act.name == "tanh":
        out.append(Peer("NumPy", "np.tanh(x)", lambda x, p: np.tanh(x), "numpy"))
    try:
        import scipy.special as sp
    except ImportError:
        return out
    scipy_calls: dict[str, tuple[str, Callable[[Any, tuple], Any]]] = {
        "sigmoid": ("scipy.special.expit(x)", lambda x, p: sp.expit(x)),
        "log_sigmoid": ("scipy.special.log_expit(x)", lambda x, p: sp.log_expit(x)),
        "gelu": ("x/2 * (1 + scipy.special.erf(x/sqrt(2)))", lambda x, p: x / 2 * (1 + sp.erf(x / math.sqrt(2)))),
        "softmax": ("scipy.special.softmax(x, axis=-1)", lambda x, p: sp.softmax(x, axis=-1)),
        "log_softmax": ("scipy.special.log_softmax(x, axis=-1)", lambda x, p: sp.log_softmax(x, axis=-1)),
    }
    if act.name in scipy_calls:
        label, fn = scipy_calls[act.name]
        out.append(Peer("SciPy", label, fn, "numpy"))
    return out


def torch_peers(act: Activation) -> list[Peer]:
    """PyTorch's allocating call from the benchmark's table (``benchmarks.peers.torch_table``), one thread."""
    try:
        import torch
    except ImportError:
        return []
    from benchmarks.peers import torch_params, torch_table

    torch.set_num_threads(1)
    entry = torch_table(torch).get(act.name)
    if entry is None:
        return []
    label, fn = entry[1]

    def call(t: Any, p: tuple) -> Any:
        return fn(t, torch_params(torch, t, p))

    return [Peer(f"PyTorch {torch.__version__.split('+')[0]}", label, call, "torch")]


def jax_peers(act: Activation) -> list[Peer]:
    """JAX's call from the benchmark's table (``benchmarks.peers.JAX_CALLS``), jitted with the
    parameters as arrays of the input's dtype."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return []
    from benchmarks.peers import JAX_CALLS

    jax.config.update("jax_enable_x64", True)  # float64 peers are float64 (JAX computes float32 otherwise)
    if act.name not in JAX_CALLS:
        return []
    label, fn = JAX_CALLS[act.name]
    # one compiled program per dtype and shape: much faster to build than op-by-op dispatch
    jitted = jax.jit(lambda t, p: fn(jax, p)(t))

    def call(t: Any, p: tuple) -> Any:
        return jitted(t, tuple(jnp.asarray(v, dtype=t.dtype) for v in p)).block_until_ready()

    return [Peer(f"JAX {jax.__version__}", label, call, "jax")]


def fast_peers(act: Activation) -> list[Peer]:
    """fastact's own fast kernel of ``act`` (``fastact.fast``), beside the peers: its error and
    speed on the same inputs, in the same tables."""
    from fastact.registry import FAST_BY_NAME

    if act.path != act.name or act.name not in FAST_BY_NAME:
        return []
    from fastact import resolve

    uf = resolve(FAST_BY_NAME[act.name].path)

    def call(x: np.ndarray, params: tuple) -> np.ndarray:
        return uf(x, *[np.asarray(p, x.dtype) for p in params])

    return [Peer("fastact.fast", f"fastact.fast.{act.name}", call, "numpy")]


PEERS_EXTRA = 'pip install -e ".[peers]"'  # pyproject's peers extra: the versions the README's numbers used


def missing_peers() -> list[dict[str, str]]:
    """The peer libraries that are not installed (the report then leaves them out), with the
    command that installs them: [{"library", "module", "install"}]."""
    import importlib.util

    out = []
    for library, module in (("PyTorch", "torch"), ("JAX", "jax")):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ValueError, ImportError):  # blocked in sys.modules (None), or a broken install
            found = False
        if not found:
            out.append({"library": library, "module": module, "install": PEERS_EXTRA})
    return out


def peers_for(act: Activation) -> list[Peer]:
    """Every installed peer of ``act``, after fastact's own fast kernel."""
    return fast_peers(act) + numpy_peers(act) + torch_peers(act) + jax_peers(act)
