"""How many threads a large fastact call uses, on numba's threading layer.

Contract:

* A call of at least ``threshold()`` elements (a row function: rows x row length, and at
  least two rows) runs in parts, one per thread, on numba's threading layer (the engine of
  ``prange`` and ``@vectorize(target="parallel")``: tbb, omp or workqueue, as numba picks
  it, ``NUMBA_THREADING_LAYER`` honoured).  Smaller calls never leave the calling thread.
* Results are the same bits as on one thread: each element (each row) is computed by the
  same loop, only the parts differ.
* ``set_num_threads(n)`` is process-wide (PyTorch's and numexpr's model), unlike numba's
  own ``numba.set_num_threads``, which is per thread; fastact neither reads nor changes
  numba's per-thread count.  ``n`` is 1 .. ``numba.config.NUMBA_NUM_THREADS`` (the cores
  numba sees, the default; ``FASTACT_NUM_THREADS`` sets it at import).
* One fastact call at a time runs on the threads; a call made while another runs there
  stays on its own thread (many Python threads, Dask: no oversubscription, no concurrent
  launch of the layer).
* Falls back to one thread, rather than abort: where numba's only layer is workqueue
  (which aborts on concurrent or nested launches, and a user's own ``prange`` may be
  one), and in a child of ``os.fork()`` after the parent started GNU OpenMP (which
  terminates a forked child that enters a parallel region).
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any

import numpy as np

from . import _loops

ENV = "FASTACT_NUM_THREADS"
# Measured crossover (tools/thread_crossover.py, README, Threads): two threads beat one from
# 2^17 float32 elements for the cheapest functions (relu 2^16: 3.3 us on one thread, 3.5 us
# on two; 2^17: 9.9 and 5.2 us), from 2^13 for gelu.  One threshold for all, the cheapest
# function's: no call is slower than on one thread.
DEFAULT_THRESHOLD = 1 << 17

_cfg = np.zeros(_loops.CFG_SLOTS, np.int64)  # read by every compiled loop through its data block
_cfg[_loops.CFG_THREADS] = 1  # until the layer is started
_cfg[_loops.CFG_THRESHOLD] = DEFAULT_THRESHOLD
_blocks: list[np.ndarray] = []  # per-loop data blocks, alive for the process
_lock = threading.Lock()
_state: dict[str, Any] = {"requested": None, "layer": None, "started": False, "forked": False}


def max_threads() -> int:
    """The most threads numba allows: ``numba.config.NUMBA_NUM_THREADS``."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def _check(n: Any, source: str) -> int:
    hi = max_threads()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= int(n) <= hi:
        raise ValueError(
            f"fastact: {source} must be an integer from 1 to {hi} (numba.config.NUMBA_NUM_THREADS, "
            f"the threads numba starts), got {n!r}"
        )
    return int(n)


def _from_env() -> int:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return max_threads()
    try:
        return _check(int(raw) if raw.lstrip("+-").isdigit() else raw, ENV)
    except ValueError as exc:
        warnings.warn(f"{exc}; using {max_threads()}", RuntimeWarning, stacklevel=3)
        return max_threads()


_LAYER_MODULES = {"tbb": "tbbpool", "omp": "omppool", "workqueue": "workqueue"}


def _layer_module(name: str) -> Any:
    import importlib

    return importlib.import_module(f"numba.np.ufunc.{_LAYER_MODULES[name]}")


def _start() -> None:
    """Start numba's threading layer and fill the config block (once; under ``_lock``)."""
    if _state["started"]:
        return
    _state["started"] = True
    from numba.np.ufunc import parallel

    from . import build

    parallel._launch_threads()
    layer = parallel.threading_layer()
    _state["layer"] = layer
    lib = _layer_module(layer)
    _cfg[_loops.CFG_PARALLEL_FOR] = lib.parallel_for
    _cfg[_loops.CFG_GET_MASK] = lib.get_num_threads
    _cfg[_loops.CFG_SET_MASK] = lib.set_num_threads
    _cfg[_loops.CFG_TRAMPOLINE] = build.trampoline().address


def _effective(n: int) -> int:
    if n < 2 or _state["forked"] or _state["layer"] == "workqueue":
        return 1
    return n


def _apply() -> None:
    n = _state["requested"]
    if n is None:
        n = _state["requested"] = _from_env()
    if n > 1:
        _start()
    _cfg[_loops.CFG_THREADS] = _effective(n)  # written last: the addresses are in place before


def loop_data(loop_address: int) -> int:
    """The ``data`` address for the compiled loop at ``loop_address`` (called by ``build``)."""
    with _lock:
        if _state["requested"] is None:
            _apply()
        block = np.array([_cfg.ctypes.data, loop_address], np.int64)
        _blocks.append(block)
        return block.ctypes.data


def set_num_threads(n: int) -> None:
    """Threads a large fastact call uses, process-wide: 1 .. ``numba.config.NUMBA_NUM_THREADS``.

    Raises ``ValueError`` for anything else (0, negative, not an integer, more than numba
    allows).  Takes effect for calls starting after it returns; safe from any thread.
    """
    n = _check(n, "the number of threads")
    with _lock:
        _state["requested"] = n
        _apply()
    if n > 1 and _effective(n) == 1:
        why = (
            "numba's only threading layer here is workqueue, unsafe for concurrent launches"
            if _state["layer"] == "workqueue"
            else "this is a fork()ed child of a process that started GNU OpenMP"
        )
        warnings.warn(f"fastact: calls stay on one thread: {why}", RuntimeWarning, stacklevel=2)


def get_num_threads() -> int:
    """Threads a large fastact call uses now (1 where fastact falls back to one thread)."""
    with _lock:
        if _state["requested"] is None:
            _apply()
    return int(_cfg[_loops.CFG_THREADS])


def threshold() -> int:
    """Elements below which a call never uses threads."""
    return int(_cfg[_loops.CFG_THRESHOLD])


def set_threshold(n: int) -> None:
    """Change the threshold (tests and the crossover measurement); at least ``PAR_MIN`` in effect."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"fastact: the threshold must be an integer >= 0, got {n!r}")
    _cfg[_loops.CFG_THRESHOLD] = int(n)


def launches() -> int:
    """How many calls have run on the threads in this process (for tests and diagnostics)."""
    return int(_cfg[_loops.CFG_LAUNCHES])


def layer() -> str | None:
    """numba's threading layer fastact uses ("omp", "tbb", "workqueue"), None before it starts."""
    return _state["layer"]


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()
    _cfg[_loops.CFG_BUSY] = 0  # a parent's call in flight is not the child's
    # numba's omp layer records the pid that started it and raises SIGTERM in a child of it
    # entering a parallel region (GNU OpenMP is not fork-safe), whether or not the parent ever
    # ran one; one rule for every layer: a child that wants threads can be spawned instead
    if _state["started"]:
        _state["forked"] = True
        _cfg[_loops.CFG_THREADS] = 1


os.register_at_fork(after_in_child=_after_fork_in_child)
