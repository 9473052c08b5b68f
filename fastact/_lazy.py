"""Lazily built ufunc namespaces (PEP 562 module ``__getattr__``): nothing compiles at import."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Collection
from typing import Any


def resolve(path: str) -> Any:
    """``fastact.<path>``: the ufunc (or row function) at ``gelu``, ``grad.gelu``, ``fast.gelu``.

    The one way from a registry entry (its ``path``) to the object users call."""
    import fastact

    return functools.reduce(getattr, path.split("."), fastact)


def namespace(module: str, names: Collection[str], entry: Callable[[str], Any]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for ``module``: ``names`` are built from ``entry(name)`` on first
    access (then cached in the module's globals, so later lookups never come back here).  An
    entry whose ``path`` lies in another namespace is that namespace's object, not a copy
    (``fastact.fast.relu is fastact.relu``)."""
    prefix = module.removeprefix("fastact").lstrip(".")

    def getattr_(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        from . import build

        act = entry(name)
        if act.path.rpartition(".")[0] != prefix:
            uf = resolve(act.path)
        else:
            with build._lock:  # threads that first-touch a name together get one build, one object
                uf = vars(sys.modules[module]).get(name)
                if uf is None:
                    uf = build.build(act)
        setattr(sys.modules[module], name, uf)
        return uf

    def dir_() -> list[str]:
        return sorted(set(vars(sys.modules[module])) | set(names))

    return getattr_, dir_
