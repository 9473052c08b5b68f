"""fastact: activation functions as NumPy ufuncs, compiled with numba.

Every function is a real ``numpy.ufunc`` with float16, float32 and float64 loops,
built on first access (``import fastact`` compiles nothing)::

    from fastact import gelu
    gelu(x, out=y)

``fastact.registry`` lists what exists; ``python -m fastact list`` prints it.
"""

from __future__ import annotations

from typing import Any

from .registry import NAMES

__version__ = "0.1.0"
__all__ = list(NAMES)

_built: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name in NAMES:
        uf = _built.get(name)
        if uf is None:
            from . import build, registry

            uf = _built[name] = build.build(registry.get(name))
            globals()[name] = uf
        return uf
    raise AttributeError(f"module 'fastact' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(NAMES))
