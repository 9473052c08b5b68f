"""Timing harness: best-of-N wall time, throughput, and the ratio to np.copyto."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def best_time(fn: Callable[[], object], min_sample: float = 2e-3, samples: int = 7, warmup: int = 2) -> float:
    """Minimum time of one call, from ``samples`` samples of at least ``min_sample`` seconds each."""
    for _ in range(warmup):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_sample:
            break
        n *= 2
    best = dt / n
    for _ in range(samples - 1):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


@dataclass
class Result:
    name: str
    dtype: str
    size: int
    seconds: float
    copy_seconds: float

    @property
    def melem_s(self) -> float:
        return self.size / self.seconds / 1e6

    @property
    def x_copy(self) -> float:
        return self.seconds / self.copy_seconds


def inputs(shape: tuple[int, ...] | int, dtype: str, seed: int = 0) -> np.ndarray:
    """Standard normal times 3, the peer-performance reference's input."""
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)


def measure_ufunc(uf: np.ufunc, x: np.ndarray, params: tuple = ()) -> tuple[float, float]:
    """(seconds per call with ``out=``, seconds per np.copyto) on the same arrays."""
    y = np.empty_like(x)
    ps = tuple(np.asarray(p, dtype=x.dtype) for p in params)
    t = best_time(lambda: uf(x, *ps, out=y))
    c = best_time(lambda: np.copyto(y, x))
    return t, c
