"""What users would otherwise call, measured on the same inputs with the same metric.

The calls are ``benchmarks.peer_table``'s entries marked ``report`` (the bench times the
same table); this module adds the adapters that run them on every format:

- ``NumPy (document formula)``: the source document's own formulas (``SPEC.md``), in the
  input's dtype, so float16 rounds after every operation as the document did.  Its
  softplus is written ``log(1/(1+e^x))`` there (a sign error); the correct
  ``log(1 + exp(x))`` is measured.
- ``SciPy``: ``expit``/``log_expit``, the erf-based GELU ``x/2 (1 + erf(x/sqrt 2))``,
  ``softmax``/``log_softmax``; ``NumPy``: ``np.tanh``.
- ``PyTorch`` (``torch.set_num_threads(1)``) and ``JAX`` (x64 enabled, CPU): the calls
  the benchmark times (PyTorch's allocating form), on tensors
  of the format itself (bfloat16 included).  Composites such as swish's
  ``x * sigmoid(b x)`` are what a user of those libraries writes, so they are measured too.

A library that is not installed is skipped; a dtype a peer rejects is skipped.
Each peer is ``prepare(x) -> native``, ``call(native, params) -> native``,
``back(native) -> float64 values`` so the throughput section can time ``call`` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fastact.benchmarks.peer_table import Entry
from fastact.registry import Activation

from . import bfloat16
from .formats import Format


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


def _table(act: Activation, lib: str) -> list[Entry]:
    """The table's entries of ``act`` for ``lib`` that the report measures."""
    from fastact.benchmarks.peer_table import entries

    return entries(act.name, lib, use="report")


def _quiet(entry: Entry, mod: Any) -> Callable[[Any, tuple], Any]:
    """``entry.call`` on NumPy arrays; overflow and 0/0 are part of what is measured, not warnings."""

    def call(x: np.ndarray, params: tuple) -> np.ndarray:
        with np.errstate(all="ignore"):
            return entry.call(mod, x, params)

    return call


def numpy_peers(act: Activation) -> list[Peer]:
    """NumPy's entries (the document's formulas first) and SciPy's, in the input's dtype."""
    from fastact.benchmarks.peer_table import DOC

    # the document's formula before NumPy's own function (np.tanh)
    out = [
        Peer("NumPy (document formula)" if e.tag == DOC else "NumPy", e.label, _quiet(e, np), "numpy")
        for e in sorted(_table(act, "numpy"), key=lambda e: e.tag != DOC)
    ]
    try:
        import scipy.special as sp
    except ImportError:
        return out
    return out + [Peer("SciPy", e.label, _quiet(e, sp), "numpy") for e in _table(act, "scipy")]


def document_formula(name: str) -> Callable[[Any, tuple], Any]:
    """The source document's formula for ``name`` as ``call(x, params)`` in ``x``'s dtype
    (the worked example's float16 steps)."""
    from fastact.benchmarks.peer_table import DOC, TABLE

    (entry,) = (e for e in TABLE[name] if e.tag == DOC and e.report)
    return _quiet(entry, np)


def torch_peers(act: Activation) -> list[Peer]:
    """PyTorch's allocating calls from the peer table, one thread."""
    try:
        import torch
    except ImportError:
        return []
    from fastact.benchmarks.peer_table import torch_params

    torch.set_num_threads(1)
    out = []
    for e in _table(act, "torch"):

        def call(t: Any, p: tuple, e: Entry = e) -> Any:
            return e.call(torch, t, torch_params(torch, t, p))

        out.append(Peer(f"PyTorch {torch.__version__.split('+')[0]}", e.label, call, "torch"))
    return out


def jax_peers(act: Activation) -> list[Peer]:
    """JAX's calls from the peer table, jitted with the parameters as arrays of the input's dtype."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return []

    jax.config.update("jax_enable_x64", True)  # float64 peers are float64 (JAX computes float32 otherwise)
    out = []
    for e in _table(act, "jax"):
        # one compiled program per dtype and shape: much faster to build than op-by-op dispatch
        jitted = jax.jit(lambda t, p, e=e: e.call(jax, t, p))

        def call(t: Any, p: tuple, jitted: Any = jitted) -> Any:
            return jitted(t, tuple(jnp.asarray(v, dtype=t.dtype) for v in p)).block_until_ready()

        out.append(Peer(f"JAX {jax.__version__}", e.label, call, "jax"))
    return out


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
