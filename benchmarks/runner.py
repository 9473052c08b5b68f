"""The benchmark run: every (function, dtype, shape) case, fastact in each mode, np.copyto and the peers.

Per case one input ``x`` (``harness.inputs``: standard normal times 3, seed 0) and one output
buffer ``y`` are made, and everything in the case is timed on them, in this order:

1. ``np.copyto(y, x)``, the memory-speed yardstick (``x_copy`` = time / copyto time);
2. fastact in each mode: ``out`` = ``f(x, *params, out=y)``; ``alloc`` = ``f(x, *params)``
   (a new output per call); ``inplace`` = ``f(b, *params, out=b)`` on a copy ``b`` of ``x``,
   timed call by call with ``b`` restored from ``x`` before each (``harness.sample_each``);
   first on one thread, then (``Plan.threads`` > 1) on ``Plan.threads`` threads
   (``fastact.set_num_threads``; capped at the threads numba allows);
3. the peers (``peers.py``) in the same modes: into ``y``, allocating, into ``b``; a peer that
   cannot write into a buffer allocates and is labelled ``[alloc]`` (timed once, reused for
   every mode).  One-thread peers run before multi-threaded ones, with a short pause after
   each multi-threaded one so its idle worker threads stop spinning on the shared cores.

Element-wise functions run on 1-D arrays of each size; softmax/log_softmax (gufuncs over the
last axis) on each 2-D shape.  Parameters take the registry's first example values.

Call forms (``Plan.forms``, ``fastact bench --forms``): the softmax family's other call shapes,
each a case of its own after the plain one (same input, same modes), with the peers' way of
writing it (``peers.Libraries.form_peers``): ``axis=None`` (the whole array one row; SciPy's
default), ``axis=(0,1)`` (a tuple of axes; on a 2-D array the same row) and ``where= (half
masked)`` (a bool mask, True with probability 1/2, seed 1: masked entries take no part, as
JAX's ``where=``; PyTorch writes it ``masked_fill(~m, -inf)`` + softmax).  Their rows carry the
form in ``form`` (``None`` for the plain call).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from .harness import Settings, Timing, gb_per_s, inputs, sample, sample_each
from .peers import Libraries, Peer
from .tables import fmt_size

# call forms of the row functions: option token -> (label, fastact keyword arguments given the mask)
FORMS: dict[str, tuple[str, Callable[[np.ndarray], dict[str, Any]]]] = {
    "axis-none": ("axis=None", lambda mask: {"axis": None}),
    "axis-tuple": ("axis=(0,1)", lambda mask: {"axis": (0, 1)}),
    "where": ("where= (half masked)", lambda mask: {"where": mask}),
}


def half_mask(shape: tuple[int, ...]) -> np.ndarray:
    """The ``where=`` form's mask: True (take part) with probability 1/2, seed 1."""
    return np.random.default_rng(1).random(shape) < 0.5


@dataclass(frozen=True)
class Plan:
    functions: list[str]
    dtypes: list[str]
    sizes: list[int]
    shapes: list[tuple[int, int]]
    modes: list[str]
    peers: list[str]
    threads: int
    settings: Settings = field(default_factory=Settings)
    passes: int = 1
    forms: list[str] = field(default_factory=list)  # tokens of FORMS, for the row functions


@dataclass
class Row:
    """One measurement."""

    function: str
    dtype: str
    shape: tuple[int, ...]
    mode: str  # out | alloc | inplace
    lib: str  # fastact | copyto | numpy | scipy | numexpr | torch | jax
    impl: str
    threads: str
    allocates: bool
    timing: Timing
    copy_seconds: float
    vs_fastact: float | None = None  # peer time / fastact time in the same mode: > 1 means fastact is faster
    form: str | None = None  # a row function's call form (a FORMS label), None for the plain call

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return np.dtype(self.dtype).itemsize

    @property
    def melem_s(self) -> float:
        return self.size / self.timing.best / 1e6

    @property
    def gb_s(self) -> float:
        return gb_per_s(2 * self.size * self.itemsize, self.timing.best)

    @property
    def x_copy(self) -> float:
        return self.timing.best / self.copy_seconds

    def as_dict(self) -> dict[str, Any]:
        t = self.timing
        return {
            "function": self.function,
            "form": self.form,
            "dtype": self.dtype,
            "shape": list(self.shape),
            "size": self.size,
            "mode": self.mode,
            "lib": self.lib,
            "impl": self.impl,
            "threads": self.threads,
            "allocates": self.allocates,
            "seconds_min": t.best,
            "seconds_median": t.median,
            "seconds_max": t.worst,
            "spread": t.spread,
            "samples": t.samples,
            "calls_per_sample": t.calls,
            "melem_s": self.melem_s,
            "gb_s": self.gb_s,
            "copy_seconds": self.copy_seconds,
            "x_copy": self.x_copy,
            "vs_fastact": self.vs_fastact,
        }


@dataclass
class Outcome:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # peers skipped, calls that failed


class Progress:
    """A one-line progress bar on a terminal (``\\r`` updates); silent when disabled."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.stream, self.done, self.t0 = total, stream, 0, time.perf_counter()

    def show(self, label: str) -> None:
        if self.stream is None:
            return
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(30 * frac)
        elapsed = time.perf_counter() - self.t0
        eta = f"{elapsed / frac * (1 - frac):4.0f}s left" if frac > 0 else "       "
        self.stream.write(f"\r[{bar:<30}] {self.done}/{self.total} {eta}  {label[:50]:<50}")
        self.stream.flush()

    def step(self) -> None:
        self.done += 1

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write("\r" + " " * 110 + "\r")
            self.stream.flush()


def entry(name: str) -> Any:
    """The registry entry of a benchmarked name, its path: ``gelu``, ``grad.gelu``, ``fast.gelu``."""
    from fastact.registry import by_path

    return by_path(name)


def ufunc(name: str) -> Any:
    from fastact import resolve

    return resolve(name)


def fastact_threads(plan: Plan) -> list[int]:
    """The thread counts fastact is timed at: 1, and ``plan.threads`` (capped at what numba allows)."""
    from fastact import threads

    return sorted({1, min(plan.threads, threads.max_threads())})


class fastact_set:
    """``with fastact_set(n):`` fastact on ``n`` threads, its setting put back afterwards."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        import fastact

        self.before = fastact.get_num_threads()
        fastact.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        import fastact

        fastact.set_num_threads(self.before)


def cases(plan: Plan) -> list[tuple[str, str, tuple[int, ...], str | None]]:
    """(function, dtype, shape, form token or None) for every case of the plan, in run order:
    a row function's forms right after its plain call on the same shape."""
    out = []
    for name in plan.functions:
        rowwise = entry(name).is_rowwise
        shapes = plan.shapes if rowwise else [(n,) for n in plan.sizes]
        forms = [None, *plan.forms] if rowwise and not name.startswith("grad.") else [None]
        out += [(name, dtype, tuple(shape), form) for dtype in plan.dtypes for shape in shapes for form in forms]
    return out


def run(plan: Plan, libs: Libraries, progress: TextIO | None = sys.stderr) -> Outcome:
    """Time every case of ``plan``; ``progress`` is where the bar goes (None: no bar).

    With ``plan.passes`` > 1 the whole case list is run that many times and each
    measurement keeps its best pass (np.copyto's too), so a burst of load from another
    process during one pass does not decide a ratio.
    """
    todo = cases(plan)
    bar = Progress(len(todo) * plan.passes, progress)
    outcome = Outcome()
    with np.errstate(all="ignore"):  # NumPy expressions overflow exp() in float16; that is part of them
        for p in range(plan.passes):
            for name, dtype, shape, form in todo:
                label = f"{name}{f' {FORMS[form][0]}' if form else ''} {dtype} {fmt_size(list(shape))}"
                bar.show(label + (f" (pass {p + 1})" if plan.passes > 1 else ""))
                _case(plan, libs, name, dtype, shape, outcome, form)
                bar.step()
    bar.close()
    outcome.notes = list(dict.fromkeys(outcome.notes))
    outcome.rows = _best_pass(outcome.rows)
    _compare(outcome.rows)
    return outcome


def _best_pass(rows: list[Row]) -> list[Row]:
    """One row per measurement (first-seen order): the pass with the smallest time; np.copyto
    likewise, per case."""
    best: dict[tuple, Row] = {}
    for r in rows:
        key = (r.function, r.form, r.dtype, r.shape, r.mode, r.lib, r.impl, r.threads)
        if key not in best or r.timing.best < best[key].timing.best:
            best[key] = r
    copy = {(r.function, r.form, r.dtype, r.shape): r.timing.best for r in best.values() if r.lib == "copyto"}
    for r in best.values():
        r.copy_seconds = copy[(r.function, r.form, r.dtype, r.shape)]
    return list(best.values())


def _case(
    plan: Plan, libs: Libraries, name: str, dtype: str, shape: tuple[int, ...], outcome: Outcome, form: str | None
) -> None:
    act = entry(name)
    params = act.example_params()[0]
    uf = ufunc(name)
    x = inputs(shape, dtype)
    y = np.empty_like(x)
    b = x.copy()

    def restore() -> None:
        np.copyto(b, x)

    s = plan.settings
    copy = sample(lambda: np.copyto(y, x), s)

    label = FORMS[form][0] if form else None

    def row(mode: str, lib: str, impl: str, threads: str, allocates: bool, timing: Timing) -> None:
        outcome.rows.append(Row(name, dtype, shape, mode, lib, impl, threads, allocates, timing, copy.best, form=label))

    row("out", "copyto", "np.copyto(y, x)", "1", False, copy)
    ps = tuple(np.asarray(p, dtype=dtype) for p in params)
    mask = half_mask(shape) if form == "where" else None
    kw = FORMS[form][1](mask) if form else {}
    text = "".join(f", {k}={'m' if k == 'where' else repr(v).replace(' ', '')}" for k, v in kw.items())
    calls: dict[str, tuple[Callable[[], object], Callable[[], object] | None, str]] = {
        "out": (lambda: uf(x, *ps, out=y, **kw), None, f"fastact.{name}(x{text}, out=y)"),
        "alloc": (lambda: uf(x, *ps, **kw), None, f"fastact.{name}(x{text})"),
        "inplace": (lambda: uf(b, *ps, out=b, **kw), restore, f"fastact.{name}(b{text}, out=b)"),
    }
    for n in fastact_threads(plan):
        with fastact_set(n):
            for mode in plan.modes:
                fn, before, impl = calls[mode]
                timing = sample(fn, s) if before is None else sample_each(fn, before, s)
                row(mode, "fastact", impl, str(n), mode == "alloc", timing)
        if n > 1:
            time.sleep(0.05)  # as for the peers: the layer's worker threads go idle first

    of = name.removeprefix("fast.")  # a fast kernel races its function's peers
    peers, notes = libs.form_peers(of, form, dtype, mask) if form else libs.peers(of, dtype)
    outcome.notes += notes  # the same note for every case: deduplicated at the end
    pf = tuple(float(p) for p in params)
    for peer in peers:
        try:
            _peer(plan, peer, x, y, b, restore, pf, row)
        except Exception as exc:  # e.g. a library without a float16 kernel for this op
            msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
            what = f"{name}{f' {label}' if label else ''} {dtype} {'x'.join(map(str, shape))}"
            outcome.notes.append(f"{what}: {peer.lib} {peer.impl} failed: {msg}")
        finally:
            if peer.threads != "1":
                time.sleep(0.05)  # let the peer's worker threads go idle before the next one-thread timing


def _peer(
    plan: Plan,
    peer: Peer,
    x: np.ndarray,
    y: np.ndarray,
    b: np.ndarray,
    restore: Callable[[], None],
    params: tuple,
    row: Callable[..., None],
) -> None:
    if peer.set_threads is not None:
        peer.set_threads()
    s = plan.settings
    allocating: Timing | None = None
    for mode in plan.modes:
        if mode == "alloc" or not peer.has_out:
            if allocating is None:
                allocating = sample(peer.make(x, params, None), s)
            row(mode, peer.lib, peer.label(mode), peer.threads, True, allocating)
        elif mode == "out":
            row(mode, peer.lib, peer.label(mode), peer.threads, False, sample(peer.make(x, params, y), s))
        else:
            timing = sample_each(peer.make(b, params, b), restore, s)
            row(mode, peer.lib, peer.label(mode), peer.threads, False, timing)


def _compare(rows: list[Row]) -> None:
    """Fill ``vs_fastact``: each row's time over fastact's time in the same case and mode, at the
    same thread count (JAX's XLA pool: fastact's most threads; np.copyto: one thread); a fastact
    row on several threads: over fastact's one-thread time (its speed-up from threads)."""
    times: dict[tuple, dict[str, float]] = {}
    for r in rows:
        if r.lib == "fastact":
            times.setdefault((r.function, r.form, r.dtype, r.shape, r.mode), {})[r.threads] = r.timing.best
    for r in rows:
        mode = "out" if r.lib == "copyto" else r.mode
        by_threads = times.get((r.function, r.form, r.dtype, r.shape, mode))
        if not by_threads:
            continue
        most = max(by_threads, key=int)
        if r.lib == "fastact":
            if r.threads != "1" and "1" in by_threads:
                r.vs_fastact = by_threads["1"] / r.timing.best
            continue
        key = "1" if r.lib == "copyto" else most if r.threads == "XLA" else r.threads
        t = by_threads.get(key, by_threads.get("1"))
        if t is not None:
            r.vs_fastact = r.timing.best / t
