"""Lazily built ufunc namespaces (PEP 562 module ``__getattr__``): nothing compiles at import."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any


def namespace(module: str, names: Collection[str], entry: Callable[[str], Any]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for ``module``: ``names`` are built from ``entry(name)`` on first
    access (then cached in the module's globals, so later lookups never come back here)."""

    def getattr_(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        from . import build

        with build._lock:  # threads that first-touch a name together get one build, one object
            mod = sys.modules[module]
            uf = vars(mod).get(name)
            if uf is None:
                uf = build.build(entry(name))
                setattr(mod, name, uf)
        return uf

    def dir_() -> list[str]:
        return sorted(set(vars(sys.modules[module])) | set(names))

    return getattr_, dir_
