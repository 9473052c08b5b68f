"""Exhaustive float32: every one of the 2^32 bit patterns, chunked, resumable.

Each chunk of ``CHUNK`` consecutive patterns is measured against the float64 oracle
(in blocks of ``BLOCK`` patterns) and folded into an ``ErrorStats`` plus the max ULP
error per binade (sign and exponent field: 512 bins); memory stays at a few arrays of
``BLOCK`` float64s.
After every chunk the state goes to a checkpoint file (written to a temporary file
and renamed, so a kill never leaves a torn checkpoint); a later run with the same
function and parameters continues from it, and a finished checkpoint is reused.

Unlike the sampled sweeps, the statistics include the +-inf and NaN patterns (a NaN
result for a NaN input is error 0).  The correctly rounded share is decided by the
oracle's rounding here; inputs whose
exact value lies within 2e-3 ULP of a rounding midpoint would need mpmath (too
slow for millions) and are counted in ``n_unresolved`` instead.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from fastact.registry import Activation

from . import reference_values as refs
from .formats import FORMATS
from .metrics import ErrorStats
from .sweeps import fastact_impl, format_params

CHUNK = 1 << 22  # patterns per checkpoint
# patterns per array pass: 2 MB float64 temporaries stay in malloc's pool; 32 MB ones are mapped and
# unmapped every time, which cost more system time than the arithmetic (measured: 0.44 s vs 1.2 s per 2^22)
BLOCK = 1 << 18
TOTAL = 1 << 32
VERSION = 1


def sweep_bits(
    act: Activation,
    start: int,
    stop: int,
    params: tuple = (),
    stats: ErrorStats | None = None,
    binade_max: np.ndarray | None = None,
) -> tuple[ErrorStats, np.ndarray]:
    """fastact's float32 ``act`` on the bit patterns ``start <= b < stop``, in blocks of ``BLOCK``.
    Returns the updated stats and the per-binade max ULP error."""
    stats = stats if stats is not None else ErrorStats()
    binade_max = binade_max if binade_max is not None else np.zeros(512)
    for lo in range(start, stop, BLOCK):
        _block(act, lo, min(lo + BLOCK, stop), params, stats, binade_max)
    return stats, binade_max


def _block(act: Activation, start: int, stop: int, params: tuple, stats: ErrorStats, binade_max: np.ndarray) -> None:
    f = FORMATS["float32"]
    bits = np.arange(start, stop, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    ref = refs.reference_values(act, x, params, f, resolve_limit=0)
    with np.errstate(all="ignore"):
        got = fastact_impl(act, f)(x, params)
        lo_d, hi_d = act.domain
        in_domain = (x >= lo_d) & (x <= hi_d)
    err = stats.add(x, got, ref.hi, ref.lo, ref.cr, f, ref.unresolved, in_domain)
    binade = (bits >> np.uint32(23)).astype(np.int64)  # nondecreasing over a contiguous range
    starts = np.flatnonzero(np.r_[True, binade[1:] != binade[:-1]])
    np.maximum.at(binade_max, binade[starts], np.maximum.reduceat(err, starts))


def checkpoint_path(out_dir: Path, act: Activation) -> Path:
    return Path(out_dir) / "checkpoints" / f"exhaustive-{act.symbol}-float32.json"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def run(
    act: Activation,
    out_dir: Path,
    stop: int = TOTAL,
    chunk: int = CHUNK,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Sweep patterns ``[0, stop)`` of ``act`` with a checkpoint in ``out_dir/checkpoints``.

    Returns ``{"params", "stop", "chunk", "seconds", "stats": summary, "binade_max": [...]}``.
    """
    f = FORMATS["float32"]
    params = format_params(act, f)
    key = {"version": VERSION, "function": act.path, "params": [float(p) for p in params], "stop": stop}
    path = checkpoint_path(out_dir, act)
    state: dict[str, Any] = {**key, "next": 0, "seconds": 0.0, "stats": None, "binade_max": [0.0] * 512}
    if path.exists():
        try:
            old = json.loads(path.read_text())
            if all(old.get(k) == v for k, v in key.items()):
                state = old
        except (OSError, ValueError):
            pass  # unreadable: start over
    stats = ErrorStats.from_state(state["stats"]) if state["stats"] else ErrorStats()
    bmax = np.array(state["binade_max"], dtype=np.float64)
    t0 = time.perf_counter() - state["seconds"]
    pos = state["next"]
    while pos < stop:
        end = min(pos + chunk, stop)
        stats, bmax = sweep_bits(act, pos, end, params, stats, bmax)
        pos = end
        state.update(next=pos, seconds=time.perf_counter() - t0, stats=stats.state(), binade_max=bmax.tolist())
        _write_json(path, state)
        if progress is not None:
            _bar(progress, act.path, pos, stop, state["seconds"])
    if progress is not None:
        progress.write("\n")
    return {
        "params": key["params"],
        "stop": stop,
        "chunk": chunk,
        "seconds": state["seconds"],
        "stats": stats.summary(),
        "binade_max": bmax.tolist(),
    }


def _bar(out: TextIO, name: str, done: int, total: int, seconds: float) -> None:
    frac = done / total
    width = 30
    fill = int(frac * width)
    eta = seconds / frac * (1 - frac) if frac > 0 else float("nan")
    out.write(
        f"\r{name} float32 [{'#' * fill}{'.' * (width - fill)}] {100 * frac:5.1f}% {seconds:7.0f} s, ETA {eta:6.0f} s"
    )
    out.flush()
