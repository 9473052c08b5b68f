"""Timing harness: per-call wall time from repeated samples, throughput, and the ratio to np.copyto.

How a time is measured (``sample``): a few warm-up calls (caches, page faults, lazy
initialisation), then the number of calls per sample is doubled until one sample lasts
at least ``min_sample`` seconds, so timer resolution and call overhead stay small; then
``samples`` samples are taken (fewer, but at least 3, once ``max_time`` seconds of sampling
are spent, so a call of one second does not take a minute).  Each sample gives one
per-call time (sample time / calls).  Calls that overwrite their own input are timed one
at a time instead, each after restoring the input (``sample_each``).  The minimum is the
headline number (the least disturbed sample on a shared machine); the median and the
spread (max - min) / min are kept to show how noisy the machine was.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Settings:
    """How long and how often to sample one measurement (tests use tiny values)."""

    warmup: int = 2
    samples: int = 7
    min_sample: float = 2e-3
    max_time: float = 1.0


@dataclass(frozen=True)
class Timing:
    """Per-call seconds of one measurement over its samples."""

    best: float
    median: float
    worst: float
    samples: int
    calls: int  # calls per sample

    @property
    def spread(self) -> float:
        """(max - min) / min of the per-call times: 0.05 means samples within 5 %."""
        return (self.worst - self.best) / self.best if self.best > 0 else math.inf


def sample(fn: Callable[[], object], settings: Settings = Settings()) -> Timing:
    """Time ``fn()`` as described in the module docstring."""
    _warm_up(fn, settings)
    n = 1
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= settings.min_sample:
            break
        n *= 2
    times = [dt / n]
    while len(times) < settings.samples:
        if len(times) >= 3 and time.perf_counter() - start > settings.max_time:
            break
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return Timing(min(times), statistics.median(times), max(times), len(times), n)


def sample_each(fn: Callable[[], object], before: Callable[[], object], settings: Settings = Settings()) -> Timing:
    """Time single calls of ``fn()``, each after an untimed ``before()``.

    For calls that change their own input (in place): ``before`` restores it, so every
    timed call sees the same values (repeated in-place GELU would otherwise decay into
    subnormals, and SELU grow into infinities).  One call per sample, so the timer's own
    cost (~0.1 us) is included; calls are sampled until ``samples`` calls and
    ``samples * min_sample`` seconds of timed calls (or ``max_time``) are reached.
    """
    before()
    _warm_up(fn, settings)
    times: list[float] = []
    spent = 0.0
    start = time.perf_counter()
    while len(times) < settings.samples or spent < settings.samples * settings.min_sample:
        if len(times) >= 3 and time.perf_counter() - start > settings.max_time:
            break
        before()
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
    return Timing(min(times), statistics.median(times), max(times), len(times), 1)


def _warm_up(fn: Callable[[], object], settings: Settings) -> None:
    for i in range(max(settings.warmup, 0)):
        t0 = time.perf_counter()
        fn()
        if i == 0 and time.perf_counter() - t0 > settings.max_time / 4:
            break  # one slow call is warm-up enough


def best_time(fn: Callable[[], object], min_sample: float = 2e-3, samples: int = 7, warmup: int = 2) -> float:
    """Minimum time of one call, from ``samples`` samples of at least ``min_sample`` seconds each."""
    return sample(fn, Settings(warmup=warmup, samples=samples, min_sample=min_sample, max_time=math.inf)).best


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


def gb_per_s(nbytes_moved: int, seconds: float) -> float:
    """Bytes read plus bytes written per second, in GB/s (10^9)."""
    return nbytes_moved / seconds / 1e9
