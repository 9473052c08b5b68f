"""Lazy builds under threads and forks, caches that can't be loaded or written, pickling."""

from __future__ import annotations

import os
import pickle
import subprocess

import numpy as np
import pytest
from conftest import WAIT_CHILD, run_python

import fastact
from fastact import _numba, build, grad, registry


def run(code: str, timeout: float = 600, **kw: str) -> subprocess.CompletedProcess:
    return run_python(code, timeout, **kw)


def test_threads_first_touching_a_function_get_one_build_and_one_object():
    r = run(
        """
        import threading
        import fastact
        from fastact import build
        calls, got = [], []
        real = build.build
        build.build = lambda act, cache=None: calls.append(act.name) or real(act, cache)
        ts = [threading.Thread(target=lambda: got.append(fastact.mish)) for _ in range(16)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        print(len(calls), len(got), len({id(g) for g in got}))
        """,
        FASTACT_CACHE="0",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "16", "1"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_fork_while_another_thread_builds_leaves_a_working_child():
    """The child of a fork taken mid-build builds and calls a new function; it never hangs."""
    r = run(
        """
        import os, threading, time, warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the point of the test
        import numpy as np, fastact
        from fastact import build
        started = threading.Event()
        real = build._loop
        def slow_loop(*a, **k):
            started.set()
            return real(*a, **k)
        build._loop = slow_loop
        t = threading.Thread(target=lambda: fastact.gelu)
        t.start()
        started.wait()
        pid = os.fork()
        if pid == 0:
            ok = np.array_equal(fastact.softsign(np.array([1.0, -3.0])), [0.5, -0.75])
            os._exit(0 if ok else 3)
        wait_child(pid, 240)
        t.join()
        print("parent", fastact.gelu(np.float64(0.0)))
        """,
        prelude=WAIT_CHILD,
        FASTACT_CACHE="0",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["child", "0", "parent", "0.0"], r.stdout + r.stderr


@pytest.mark.parametrize("damage", ["truncated data", "empty index", "garbage index"])
def test_cache_file_that_cannot_be_loaded_is_rebuilt_and_replaced(damage, tmp_path):
    code = """
        import warnings, numpy as np, fastact
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = [fastact.softsign(np.array([1.0, -3.0], dt)).tolist() for dt in ("e", "f", "d")]
        print(y)
        for m in w:
            print("WARNING", m.category.__name__, m.message)
        """
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "FASTACT_CACHE": "1"}
    first = run(code, **env)
    assert first.returncode == 0 and "WARNING" not in first.stdout, first.stdout + first.stderr
    (index,) = tmp_path.rglob("*softsign_f_*.nbi")
    (data,) = tmp_path.rglob("*softsign_f_*.nbc")
    if damage == "truncated data":
        data.write_bytes(data.read_bytes()[:100])
    elif damage == "empty index":
        index.write_bytes(b"")
    else:
        index.write_bytes(b"garbage\n")
    second = run(code, **env)
    assert second.returncode == 0, second.stderr
    warned = [line for line in second.stdout.splitlines() if line.startswith("WARNING")]
    assert len(warned) == 1 and "CacheWarning" in warned[0] and str(index) in warned[0], second.stdout
    assert second.stdout.splitlines()[0] == first.stdout.splitlines()[0] == str([[0.5, -0.75]] * 3)
    third = run(code, **env)  # the files were written anew: loaded quietly
    assert third.returncode == 0 and "WARNING" not in third.stdout, third.stdout + third.stderr


def test_unwritable_cache_compiles_without_and_warns_once(monkeypatch):
    """numba refuses cache=True when no cache directory is writable; fastact compiles without
    and says once what that costs and how to fix it."""
    real = _numba.numba.cfunc
    calls = []

    def fake(sig, cache=False, **kw):
        calls.append(cache)
        if cache:
            raise RuntimeError("cannot cache function 'x': no locator available for file 'y'")
        return real(sig, **kw)

    monkeypatch.setattr(_numba.numba, "cfunc", fake)
    monkeypatch.setattr(_numba, "_WARNED", set())
    with pytest.warns(_numba.CacheWarning, match="NUMBA_CACHE_DIR") as record:
        uf = build.build(registry.get("relu"), cache=True)
    assert len(record) == 1  # three loops, one warning
    assert calls[:2] == [True, False]
    assert np.array_equal(uf(np.array([-1.0, 2.0])), [0.0, 2.0])


NAMESPACES = {
    "fastact": (fastact, registry.NAMES),
    "fastact.grad": (grad, registry.GRAD_NAMES),
    "fastact.fast": (fastact.fast, registry.NAMES),
}


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_ufunc_pickles_to_itself(namespace):
    module, names = NAMESPACES[namespace]
    for name in names:
        uf = getattr(module, name)
        assert pickle.loads(pickle.dumps(uf)) is uf, f"{namespace}.{name}"


def test_ufuncs_unpickle_in_a_fresh_process():
    """As a spawn-based process pool sends them: the receiving process has built nothing."""
    blob = pickle.dumps([grad.selu, fastact.gelu, grad.softmax])
    r = run(
        f"""
        import pickle, numpy as np
        fs = pickle.loads({blob!r})
        print([f.__name__ for f in fs], float(fs[0](np.float64(1.0))), float(fs[1](np.float64(0.0))))
        """
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"['grad.selu', 'gelu', 'grad.softmax'] {float(grad.selu(1.0))} 0.0"


def test_factory_made_kernels_loaded_from_the_cache_keep_their_own_code(tmp_path):
    """softmax and log_softmax compiled in two processes, then both loaded from the cache into
    a third: each keeps its own row kernel (they are made by one factory; numba's symbol for
    them was the same, and the loader kept one for both: softmax gave log_softmax's values)."""
    code = """
        import numpy as np, fastact
        x = np.array([0.0, 0.0], np.float16)
        for name in {names!r}:
            print(name, getattr(fastact, name)(x).tolist())
        """
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "FASTACT_CACHE": "1"}
    for names in (["softmax"], ["log_softmax"]):
        r = run(code.format(names=names), **env)
        assert r.returncode == 0, r.stderr
    r = run(code.format(names=["log_softmax", "softmax"]), **env)
    assert r.returncode == 0, r.stderr
    half, log_half = float(np.float16(0.5)), float(np.float16(-np.log(2.0)))
    assert r.stdout.split("\n")[:2] == [f"log_softmax {[log_half] * 2}", f"softmax {[half] * 2}"]
