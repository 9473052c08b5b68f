"""Approximation error: each approximation (gelu_tanh, hard_sigmoid, ...) against its exact function.

Two measurements per pair (registry ``approximates``: gelu_tanh and gelu_sigmoid vs
gelu, hard_sigmoid and hard_sigmoid6 vs sigmoid, hard_swish vs silu, hard_tanh vs tanh):

- the functions themselves: ``v(x) - f(x)`` with both float64 oracles on a fine grid of
  [-8, 8] (max |v - f| and where; max |v - f| / |f| and where), and the signed relative
  error (v - f) / f in the negative tail at x = -3, -4, -5;
- per dtype, what a user sees: fastact's variant against fastact's exact function on
  the dtype's sweep inputs (all 65536 for float16/bfloat16), finite inputs only: max abs
  and rel difference (rel where the exact result is a normal number) and, for the 16-bit
  formats, the share of inputs whose two results differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastact.registry import ACTIVATIONS, Activation, get

from .formats import Format
from .oracle import oracle
from .sweeps import fastact_impl

GRID = np.linspace(-8.0, 8.0, 160_001)
TAIL = (-3.0, -4.0, -5.0)
BODY = 3.0  # |x| <= BODY: where the functions are used; beyond, the tails decay at different rates


def pairs(names: list[str] | None = None) -> list[tuple[Activation, Activation]]:
    """(variant, exact) pairs, restricted to ``names`` (a pair is kept if either is named)."""
    out = []
    for a in ACTIVATIONS:
        if a.approximates and (names is None or a.name in names or a.approximates in names):
            out.append((a, get(a.approximates)))
    return out


def curve(variant: Activation, exact_act: Activation, x: np.ndarray = GRID) -> tuple[np.ndarray, np.ndarray]:
    """(v - f, (v - f) / |f|) in float64 on ``x``."""
    v = oracle(variant, x)
    f = oracle(exact_act, x)
    d = v - f
    with np.errstate(divide="ignore", invalid="ignore"):
        # relative error only where f is a normal float64: below, f itself has lost its digits
        rel = np.where(np.abs(f) >= np.finfo(np.float64).tiny, d / np.abs(f), 0.0)
    return d, rel


def math_error(variant: Activation, exact_act: Activation) -> dict[str, Any]:
    d, rel = curve(variant, exact_act)
    i, j = int(np.argmax(np.abs(d))), int(np.argmax(np.abs(rel)))
    body = np.abs(GRID) <= BODY
    k = int(np.argmax(np.where(body, np.abs(rel), -1.0)))
    tail_d, _ = curve(variant, exact_act, np.array(TAIL))
    tail_rel = tail_d / oracle(exact_act, np.array(TAIL))  # signed: -10 % = 10 % smaller in magnitude
    return {
        "max_abs": float(abs(d[i])),
        "max_abs_x": float(GRID[i]),
        "max_rel": float(abs(rel[j])),
        "max_rel_x": float(GRID[j]),
        "max_rel_body": float(abs(rel[k])),  # over |x| <= BODY
        "max_rel_body_x": float(GRID[k]),
        "tail_rel": {str(t): float(r) for t, r in zip(TAIL, tail_rel, strict=True)},
    }


def dtype_error(variant: Activation, exact_act: Activation, x: np.ndarray, fmt: Format) -> dict[str, Any]:
    """fastact's variant vs fastact's exact function on the inputs ``x`` (storage array of ``fmt``)."""
    x = x[np.isfinite(x)]
    with np.errstate(all="ignore"):
        v = fastact_impl(variant, fmt)(x, ())
        f = fastact_impl(exact_act, fmt)(x, ())
        both = np.isfinite(v) & np.isfinite(f)
        d = np.where(both, np.abs(v - f), 0.0)
        rel = np.where(both & (np.abs(f) >= 2.0**fmt.emin), d / np.abs(f), 0.0)
    i, j = int(np.argmax(d)), int(np.argmax(rel))
    out = {
        "n": int(x.size),
        "max_abs": float(d[i]),
        "max_abs_x": float(x[i]),
        "max_rel": float(rel[j]),
        "max_rel_x": float(x[j]),
    }
    if fmt.p < 12:
        out["differ_share"] = float(np.mean(v != f))
    return out
