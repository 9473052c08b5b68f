"""fastact: activation functions as NumPy ufuncs, compiled with numba.

Every function is a real ``numpy.ufunc`` with float16, float32 and float64 loops,
built on first access (``import fastact`` compiles nothing)::

    from fastact import gelu
    gelu(x, out=y)

``fastact.grad`` holds the derivatives, ``fastact.fast`` the fast tier (the same names,
faster kernels where they exist, looser claims).  ``fastact.registry`` lists what exists;
``python -m fastact list`` prints it.
"""

from __future__ import annotations

from typing import Any

from . import _lazy, registry
from ._lazy import resolve as resolve  # fastact.resolve("grad.gelu"): the one path -> ufunc lookup
from .registry import NAMES
from .threads import get_num_threads as get_num_threads
from .threads import set_num_threads as set_num_threads

__version__ = "0.1.0"
__all__ = list(NAMES)

_getattr, __dir__ = _lazy.namespace(__name__, NAMES, registry.get)


def __getattr__(name: str) -> Any:
    if name in ("grad", "fast"):  # the derivatives' and the fast tier's namespaces, imported (not built)
        import importlib

        return importlib.import_module(f".{name}", __name__)
    return _getattr(name)
