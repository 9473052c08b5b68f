"""Threads (fastact.threads): the same bits as one thread, and no crash, hang or wrong result
from many Python threads, Dask, other parallel runtimes, a changing setting or a fork.

The bit-identity tests lower the threshold to ``PAR_MIN`` so that arrays of a few thousand
elements take the threaded path (and check that they did); the rest run at the defaults.
"""

from __future__ import annotations

import os
import subprocess
import threading

import numpy as np
import pytest
from conftest import WAIT_CHILD, run_python, ufunc

import fastact
from fastact import _loops, threads
from fastact.registry import ACTIVATIONS, DERIVATIVES, DTYPES, FAST

ENTRIES = [*ACTIVATIONS, *DERIVATIVES, *FAST]
N = 3 * _loops.PAR_MIN + 37  # above the lowered threshold, and not a multiple of the grain
MULTI = threads.max_threads() > 1
needs_cores = pytest.mark.skipif(not MULTI, reason="numba sees one core")


def run(code: str, timeout: float = 300, **kw: str) -> subprocess.CompletedProcess:
    return run_python(code, timeout, **kw)


@pytest.fixture
def low_threshold():
    before = (threads.get_num_threads(), threads.threshold())
    threads.set_threshold(0)
    yield
    threads.set_num_threads(max(before[0], 1))
    threads.set_threshold(before[1])


def _inputs(dtype: str, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 4).astype(dtype)
    x[::97] = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-30], np.float64).astype(dtype)[
        np.arange(x[::97].size) % 6
    ]
    return x


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _both(fn):
    """``fn()`` on one thread, then on the threads: both results and how many calls went to threads."""
    threads.set_num_threads(1)
    one = fn()
    threads.set_num_threads(threads.max_threads())
    before = threads.launches()
    many = fn()
    return one, many, threads.launches() - before


def _elementwise_cases(f, act, dtype):
    x = _inputs(dtype, N)
    ps = [np.asarray(p, dtype) for p in act.example_params()[0]]
    big = _inputs(dtype, 3 * N, seed=1)
    mask = np.ones(N, bool)
    mask[N // 3 : N // 3 + 500] = False  # where=: long runs, so NumPy hands the loop big pieces
    cases = {
        "out": lambda: f(x, *ps, out=np.empty_like(x)),
        "strided": lambda: f(big[::3], *ps, out=np.empty(2 * N, dtype)[::2]),
        "reversed": lambda: f(x[::-1], *ps),
        "where": lambda: f(x, *ps, out=np.full_like(x, 7), where=mask),
    }
    if ps:  # a parameter per element (prelu's channels), the loop's other unit-stride branch
        cases["param array"] = lambda: f(x, *[np.broadcast_to(p, x.shape).copy() for p in ps])

    def inplace():
        y = x.copy()
        f(y, *ps, out=y)
        return y

    cases["in place"] = inplace
    return cases


def _row_cases(f, act, dtype):
    x = _inputs(dtype, 64 * 200).reshape(64, 200)
    x[np.isnan(x) | np.isinf(x)] = 1  # rows with a NaN are all NaN: keep most rows ordinary
    mask = np.random.default_rng(2).random(x.shape) > 0.3
    args = (x,) if act.nin == 1 else (x, _inputs(dtype, x.size, seed=3).reshape(x.shape))
    cases = {
        "rows": lambda: f(*args, out=np.empty_like(x)),
        "axis 0": lambda: f(*args, axis=0),
        "strided": lambda: f(*[a[:, ::2] for a in args]),
    }
    if act.nin == 1:
        cases["where"] = lambda: f(x, where=mask)
    return cases


@pytest.mark.parametrize("act", ENTRIES, ids=lambda a: a.path)
def test_threads_give_the_bits_of_one_thread(act, low_threshold):
    """Every function, derivative and fast kernel, each dtype, contiguous, strided, reversed,
    in place, ``out=``, ``where=``: the threaded result is the one-thread result, bit for bit."""
    f = ufunc(act)
    launched = 0
    for dtype in DTYPES:
        cases = (_row_cases if act.is_rowwise else _elementwise_cases)(f, act, dtype)
        for name, fn in cases.items():
            one, many, n = _both(fn)
            assert _same(one, many), f"{act.path} {dtype} {name}: threads changed the result"
            launched += n
    if MULTI:
        assert launched >= len(DTYPES), f"{act.path}: the threaded path never ran"


def test_small_calls_and_one_thread_never_launch():
    x = np.ones(threads.threshold() - 1, np.float32)
    threads.set_num_threads(threads.max_threads())
    before = threads.launches()
    fastact.gelu(x)
    assert threads.launches() == before
    threads.set_num_threads(1)
    fastact.gelu(np.ones(4 * threads.threshold(), np.float32))
    assert threads.launches() == before
    threads.set_num_threads(threads.max_threads())


@pytest.mark.parametrize("bad", [0, -1, "2", 2.0, True, None, 10**6])
def test_bad_thread_counts_raise_value_error_saying_what_is_allowed(bad):
    before = threads.get_num_threads()
    with pytest.raises(ValueError, match=rf"integer from 1 to {threads.max_threads()}"):
        fastact.set_num_threads(bad if bad != 10**6 else threads.max_threads() + 1)
    assert threads.get_num_threads() == before


def test_default_is_the_cores_numba_sees_and_numbas_own_mask_is_untouched():
    r = run(
        """
        import numba, numpy as np, fastact
        print(fastact.get_num_threads() == numba.config.NUMBA_NUM_THREADS)
        numba.set_num_threads(1)  # numba's per-thread mask: fastact neither follows nor changes it
        fastact.gelu(np.ones(1 << 20, np.float32))
        print(numba.get_num_threads(), fastact.threads.launches() == (numba.config.NUMBA_NUM_THREADS > 1))
        """
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "1", "True"], r.stdout + r.stderr


def test_environment_variable_sets_the_count_and_a_bad_one_warns():
    code = "import fastact; print(fastact.get_num_threads())"
    r = run(code, FASTACT_NUM_THREADS="1")
    assert r.returncode == 0 and r.stdout.split() == ["1"], r.stderr
    r = run(code, FASTACT_NUM_THREADS="lots")
    assert r.returncode == 0, r.stderr
    assert "FASTACT_NUM_THREADS must be an integer from 1 to" in r.stderr


def _work(seed: int) -> tuple[np.ndarray, np.ndarray]:
    x = _inputs("float32", 1 << 19, seed)
    threads.set_num_threads(1)
    want = fastact.gelu(x)
    threads.set_num_threads(threads.max_threads())
    return x, want


def test_many_python_threads_at_once():
    """8 threads, each with its own large array, calling together: every result is right."""
    work = [_work(s) for s in range(8)]
    bad: list[str] = []
    go = threading.Barrier(8)

    def body(i: int) -> None:
        x, want = work[i]
        go.wait()
        for _ in range(5):
            if not _same(fastact.gelu(x), want):
                bad.append(f"thread {i}")

    ts = [threading.Thread(target=body, args=(i,)) for i in range(8)]
    [t.start() for t in ts]
    [t.join(timeout=120) for t in ts]
    assert not any(t.is_alive() for t in ts), "a thread hung"
    assert not bad, bad


def test_dask_threaded_scheduler():
    da = pytest.importorskip("dask.array")
    x, want = _work(11)
    d = da.from_array(x, chunks=x.size // 8)
    assert _same(fastact.gelu(d).compute(scheduler="threads"), want)
    m = x.reshape(512, -1)
    got = fastact.softmax(da.from_array(m, chunks=(64, -1))).compute(scheduler="threads")
    threads.set_num_threads(1)
    assert _same(got, fastact.softmax(m))
    threads.set_num_threads(threads.max_threads())


def test_set_num_threads_from_another_thread_while_calls_run():
    x, want = _work(5)
    stop = threading.Event()

    def toggle() -> None:
        n = 0
        while not stop.is_set():
            threads.set_num_threads(1 + n % threads.max_threads())
            n += 1

    t = threading.Thread(target=toggle)
    t.start()
    try:
        results = [_same(fastact.gelu(x), want) for _ in range(30)]
    finally:
        stop.set()
        t.join()
    threads.set_num_threads(threads.max_threads())
    assert all(results)


def test_while_pytorch_and_numba_run_their_own_parallel_regions():
    pytest.importorskip("torch")
    r = run(
        """
        import threading, numpy as np, numba, torch, fastact
        from numba import njit, prange

        @njit(parallel=True)
        def numba_work(a):
            s = 0.0
            for i in prange(a.size):
                s += np.sin(a[i])
            return s

        x = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
        fastact.set_num_threads(1); want = fastact.gelu(x); fastact.set_num_threads(fastact.threads.max_threads())
        stop = threading.Event()
        def torch_loop():
            t = torch.from_numpy(x); torch.set_num_threads(2)
            while not stop.is_set():
                torch.sigmoid(t)
        def numba_loop():
            a = x.astype(np.float64)
            while not stop.is_set():
                numba_work(a)
        numba_work(x.astype(np.float64))
        ts = [threading.Thread(target=torch_loop), threading.Thread(target=numba_loop)]
        [t.start() for t in ts]
        ok = all(fastact.gelu(x).tobytes() == want.tobytes() for _ in range(40))
        stop.set(); [t.join() for t in ts]
        print(ok, numba.threading_layer() == fastact.threads.layer())
        """,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True"], r.stdout + r.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_fork_after_threads_ran_gives_a_working_child():
    """The parent has run calls on the threads (GNU OpenMP started); a forked child, by hand and in
    a multiprocessing fork pool, computes the right bits on one thread and never hangs."""
    r = run(
        """
        import multiprocessing as mp, os, time, warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the point of the test
        import numpy as np, fastact
        x = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
        want = fastact.gelu(x)
        pid = os.fork()
        if pid == 0:
            ok = fastact.gelu(x).tobytes() == want.tobytes() and fastact.get_num_threads() == 1
            os._exit(0 if ok else 3)
        wait_child(pid, 120)
        with mp.get_context("fork").Pool(2) as pool:
            got = pool.map(fastact.gelu, [x, x[::-1]], chunksize=1)
        print("pool", got[0].tobytes() == want.tobytes() and got[1].tobytes() == want[::-1].tobytes())
        print("parent", fastact.gelu(x).tobytes() == want.tobytes(), fastact.threads.launches() > 1)
        """,
        timeout=240,
        prelude=WAIT_CHILD,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["child", "0", "pool", "True", "parent", "True", str(MULTI)], r.stdout + r.stderr


@needs_cores
def test_workqueue_falls_back_to_one_thread():
    r = run(
        """
        import warnings, numpy as np, fastact
        x = np.ones(1 << 20, np.float32)
        print(fastact.get_num_threads(), fastact.threads.layer())
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fastact.set_num_threads(2)
        print(fastact.get_num_threads(), "workqueue" in str(w[0].message), float(fastact.relu(x).sum()))
        """,
        NUMBA_THREADING_LAYER="workqueue",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "workqueue", "1", "True", str(float(1 << 20))], r.stdout + r.stderr
