"""Sampled and exhaustive-16-bit sweeps: which inputs, how fastact is called per format.

- float16 and bfloat16: all 65536 bit patterns (NaNs and infinities included);
- float32: ``samples`` inputs (default 1e6): ``analysis.oracle.hard_inputs`` (random bit
  patterns over all exponents, the domain, +-300 ULP around each knee, the range's
  edges) topped up with uniform samples of the domain, plus +-inf and NaN;
- float64: a few thousand of the same kind, against mpmath;
- row-wise functions (softmax family): random rows (normal, scale 3 and 30), each
  element measured against the mpmath row.

bfloat16 is computed by fastact's own bfloat16 loop (ml_dtypes' dtype, rounded once;
``analysis.bfloat16.call``); without ml_dtypes, by the float32 loop with its result rounded
to bfloat16 (what frameworks do for bfloat16: a second rounding).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fastact.registry import Activation

from . import bfloat16
from .formats import Format, get_format, round_to
from .inputs import hard_inputs
from .metrics import ErrorStats
from .reference_values import ReferenceValues, reference_rows, reference_values

# an implementation under test: (inputs as the format's storage array, params) -> results as float64
Impl = Callable[[np.ndarray, tuple], np.ndarray]

ROWS = (128, 32)  # rows x length for the softmax family


@dataclass
class Sweep:
    """One function in one format: the inputs, the exact values and fastact's errors."""

    act: Activation
    fmt: Format
    x: np.ndarray  # storage array (bfloat16: float32); rows are 2-D
    params: tuple
    ref: ReferenceValues
    stats: ErrorStats
    err: np.ndarray = field(repr=False)
    kind: str = ""  # "all 65536", "sampled", "rows"
    special: list[float] = field(default_factory=list)  # non-finite inputs with a wrong result


def format_params(act: Activation, fmt: Format) -> tuple:
    """The first example parameter set, rounded to the format (then taken as exact)."""
    return tuple(fmt.storage(round_to(np.float64(p), fmt)) for p in act.example_params()[0])


def inputs(act: Activation, fmt: Format | str, samples: int = 1_000_000, n64: int = 3000, seed: int = 0) -> np.ndarray:
    """The sweep's inputs for an elementwise function (see the module docstring)."""
    f = get_format(fmt)
    if f.name == "float16":
        return np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    if f.name == "bfloat16":
        return bfloat16.all_values()
    dt = f.storage
    rng = np.random.default_rng(seed)
    special = np.array([np.inf, -np.inf, np.nan], dtype=dt)
    if f.name == "float64":
        x = hard_inputs(act, max(n64 // 2, 10), dt, seed)
        if x.size > n64:
            x = rng.choice(x, n64, replace=False)
        return np.concatenate([x, special])
    x = hard_inputs(act, max(samples // 4, 100), dt, seed)
    top = rng.uniform(*act.domain, size=max(samples - x.size, 0)).astype(dt)
    return np.concatenate([x, top, special])


def rows(fmt: Format | str, seed: int = 0) -> np.ndarray:
    """Random rows for the softmax family, as values of the format."""
    f = get_format(fmt)
    rng = np.random.default_rng(seed)
    n, m = ROWS
    r = rng.standard_normal((n, m)) * np.where(np.arange(n) % 2 == 0, 3.0, 30.0)[:, None]
    return round_to(r, f).astype(f.storage)


def ufunc(act: Activation) -> Any:
    """The ufunc of a registry entry (``fastact.<path>``: a function, a derivative, a fast kernel)."""
    from fastact import resolve

    return resolve(act.path)


def fastact_impl(act: Activation, fmt: Format | str) -> Impl:
    """fastact's ufunc for ``fmt`` (bfloat16: its bfloat16 loop, ``analysis.bfloat16.call``)."""
    uf = ufunc(act)
    f = get_format(fmt)

    def run(x: np.ndarray, params: tuple) -> np.ndarray:
        y = bfloat16.call(uf, x, params) if f.name == "bfloat16" else uf(x, *params)
        return np.asarray(y, dtype=np.float64)

    return run


def measure(fn: Impl, sw: Sweep) -> tuple[ErrorStats, np.ndarray, list[float]]:
    """Any implementation on the sweep's inputs, against the sweep's exact values.

    The stats cover finite inputs; the third value lists the non-finite inputs (+-inf,
    NaN) whose result differs from the limit (e.g. NaN for gelu(-inf)), kept apart so one
    special value does not hide the error everywhere else.  Errors are returned per input.
    """
    stats = ErrorStats()
    with np.errstate(all="ignore"):
        got = np.asarray(fn(sw.x, sw.params), dtype=np.float64).ravel()
    x = sw.x.ravel()
    fin = np.isfinite(x)
    lo, hi = sw.act.domain
    in_domain = (x[fin] >= lo) & (x[fin] <= hi)
    ref = sw.ref
    err = np.zeros(x.size)
    err[fin] = stats.add(x[fin], got[fin], ref.hi[fin], ref.lo[fin], ref.cr[fin], sw.fmt, ref.unresolved, in_domain)
    want, have = ref.cr[~fin], got[~fin]
    bad = ~((want == have) | (np.isnan(want) & np.isnan(have)))
    err[np.flatnonzero(~fin)[bad]] = np.inf
    special = sorted({float(v) if not np.isnan(v) else float("nan") for v in x[~fin][bad]}, key=repr)
    return stats, err, special


def sweep(act: Activation, fmt: Format | str, samples: int = 1_000_000, n64: int = 3000, seed: int = 0) -> Sweep:
    """fastact's ``act`` over the format's sweep inputs."""
    f = get_format(fmt)
    if act.is_rowwise:
        x = rows(f, seed)
        ref = reference_rows(act, x, f)
        kind = f"{ROWS[0]} rows of {ROWS[1]}"
        params: tuple[Any, ...] = ()
    else:
        x = inputs(act, f, samples, n64, seed)
        params = format_params(act, f)
        ref = reference_values(act, x, params, f)
        n_finite = int(np.count_nonzero(np.isfinite(x)))
        # the stats count finite inputs; the non-finite ones are checked apart ("special")
        kind = "all 65536" if f.p < 12 else f"{n_finite} sampled (+ inf, -inf, NaN)"
    sw = Sweep(act, f, x, params, ref, ErrorStats(), np.empty(0), kind)
    sw.stats, sw.err, sw.special = measure(fastact_impl(act, f), sw)
    return sw
