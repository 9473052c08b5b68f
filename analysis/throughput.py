"""A short throughput run for the report: Melem/s and the ratio to ``np.copyto``.

float32, 1e6 elements (softmax family: 1000 x 1000 rows), one thread, the
benchmark harness's inputs (standard normal times 3) and its best-of-N timer with
fewer samples than ``fastact bench`` (this is a side table, not the benchmark).
fastact is called with ``out=``; peers as users call them (they allocate).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastact.benchmarks.harness import best_time, inputs, measure_ufunc
from fastact.registry import Activation

from .formats import FORMATS
from .peers import Peer, prepare
from .sweeps import format_params, ufunc

N = 1_000_000
SAMPLES = 3


def _shape(act: Activation) -> tuple[int, ...]:
    return (1000, 1000) if act.is_rowwise else (N,)


def fastact_speed(act: Activation) -> dict[str, Any]:
    """{"melem_s", "x_copy"} for fastact's float32 loop."""
    x = inputs(_shape(act), "float32")
    params = format_params(act, FORMATS["float32"])
    t, c = measure_ufunc(ufunc(act), x, params)
    return {"melem_s": x.size / t / 1e6, "x_copy": t / c}


def peer_speed(act: Activation, peer: Peer, copy_seconds: float) -> dict[str, Any]:
    """{"melem_s", "x_copy"} for a peer's call on float32 (conversions outside the timing)."""
    f = FORMATS["float32"]
    x = inputs(_shape(act), "float32")
    native = prepare(peer.kind, x, f)
    params = format_params(act, f)
    with np.errstate(all="ignore"):
        t = best_time(lambda: peer.call(native, params), samples=SAMPLES)
    return {"melem_s": x.size / t / 1e6, "x_copy": t / copy_seconds}


def copy_time() -> float:
    x = inputs((N,), "float32")
    y = np.empty_like(x)
    return best_time(lambda: np.copyto(y, x), samples=SAMPLES)
