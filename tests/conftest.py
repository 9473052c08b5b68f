"""Shared helpers: the registry drives what is tested."""

from __future__ import annotations

import numpy as np
import pytest

import fastact
from fastact.registry import ACTIVATIONS, DTYPES

ELEMENTWISE = [a for a in ACTIVATIONS if not a.is_rowwise]
ROWWISE = [a for a in ACTIVATIONS if a.is_rowwise]

by_name = pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
elementwise = pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
rowwise = pytest.mark.parametrize("act", ROWWISE, ids=lambda a: a.name)
dtypes = pytest.mark.parametrize("dtype", DTYPES)


def ufunc(act):
    return getattr(fastact, act.name)


def call(act, x, *params, **kw):
    """Call ``act`` on ``x`` with its first example parameters (cast to x's dtype)."""
    f = ufunc(act)
    if act.params and not params:
        params = tuple(np.asarray(p, dtype=np.asarray(x).dtype) for p in act.example_params()[0])
    return f(x, *params, **kw)


def all_float16() -> np.ndarray:
    return np.arange(1 << 16, dtype=np.uint16).view(np.float16)


def same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal values, NaN equal to NaN, and signed zeros kept apart."""
    a = np.asarray(a)
    b = np.asarray(b)
    both_nan = np.isnan(a) & np.isnan(b)
    return both_nan | ((a == b) & (np.signbit(a) == np.signbit(b)))
