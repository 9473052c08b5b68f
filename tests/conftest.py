"""Shared helpers: the registry drives what is tested."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastact
from fastact.registry import ACTIVATIONS, DTYPES

ELEMENTWISE = [a for a in ACTIVATIONS if not a.is_rowwise]
ROWWISE = [a for a in ACTIVATIONS if a.is_rowwise]

by_name = pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
elementwise = pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
rowwise = pytest.mark.parametrize("act", ROWWISE, ids=lambda a: a.name)
dtypes = pytest.mark.parametrize("dtype", DTYPES)


def ufunc(act):
    """The object users call for a registry entry (function, derivative or fast kernel)."""
    return fastact.resolve(act.path)


def call(act, x, *params, **kw):
    """Call ``act`` on ``x`` with its first example parameters (cast to x's dtype)."""
    f = ufunc(act)
    if act.params and not params:
        params = tuple(np.asarray(p, dtype=np.asarray(x).dtype) for p in act.example_params()[0])
    return f(x, *params, **kw)


def all_float16() -> np.ndarray:
    return np.arange(1 << 16, dtype=np.uint16).view(np.float16)


def same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal values, NaN equal to NaN, and signed zeros kept apart."""
    a = np.asarray(a)
    b = np.asarray(b)
    both_nan = np.isnan(a) & np.isnan(b)
    return both_nan | ((a == b) & (np.signbit(a) == np.signbit(b)))


def assert_every_input_correctly_rounded(label: str, x: np.ndarray, got: np.ndarray, want: np.ndarray) -> None:
    """``got`` equals the correctly rounded ``want`` at every input of an exhaustive check (NaN where
    and only where ``want`` is NaN); the message names up to five inputs that are not."""
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), f"{label}: NaN where the reference is not, or vice versa"
    bad = np.flatnonzero(~nan & (got != want))
    assert bad.size == 0, f"{label}: {bad.size} of {x.size} inputs not correctly rounded, e.g. " + ", ".join(
        f"x={x[i]!r}: got {got[i]!r} want {want[i]!r}" for i in bad[:5]
    )


def assert_accurate(act, x, params, dtype=None):
    """``act`` at ``x`` is within its registry claim (``max_ulp``) of the mpmath reference.

    A claim of 0.5 means correctly rounded, checked bit for bit; in float64 the
    double-double kernels may miss only where the exact value is within ~2^-106 of a
    rounding midpoint, so there a 0.5 + 2^-40 ULP error is accepted.
    """
    from fastact.analysis.metrics import ulp_error
    from fastact.analysis.references import correctly_rounded, hi_lo, mp_values

    x = np.asarray(x)
    dtype = np.dtype(dtype or x.dtype)
    ps = [np.asarray(p, dtype=dtype) for p in params]
    got = ufunc(act)(x, *ps)
    claim = act.max_ulp[dtype.name]
    if claim == 0.5:
        want = correctly_rounded(act, x, *ps)
        bad = ~((got == want) | (np.isnan(got) & np.isnan(want)))
        if dtype == np.float64 and bad.any():
            hi, lo = hi_lo(mp_values(act, x[bad], *[np.broadcast_to(p, x.shape)[bad] for p in ps]))
            err = ulp_error(got[bad], hi, lo, np.float64)
            bad[np.flatnonzero(bad)[err <= 0.5 + 2.0**-40]] = False
        bad = np.flatnonzero(bad)
        assert bad.size == 0, f"{act.name}{params} {dtype}: {bad.size} of {x.size} not correctly rounded, e.g. " + (
            ", ".join(f"x={x[i]!r}: got {got[i]!r} want {want[i]!r}" for i in bad[:4])
        )
        return 0.5
    hi, lo = hi_lo(mp_values(act, x, *ps))
    err = ulp_error(got, hi, lo, dtype)
    worst = int(np.argmax(err))
    assert err[worst] <= claim, (
        f"{act.name}{params} {dtype}: {err[worst]:.3f} ULP at x={x[worst]!r} (claim {claim}): "
        f"got {got[worst]!r}, exact {hi[worst]!r}"
    )
    return float(err[worst])


def pytest_collection_modifyitems(config, items):
    """``slow`` tests (minutes of mpmath) run only when ``-m`` names them: plain ``pytest``
    (what CI runs) deselects them rather than running or skipping them."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [it for it in items if it.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [it for it in items if not it.get_closest_marker("slow")]


# Source a subprocess script can start with (``run_python(..., prelude=WAIT_CHILD)``): wait for
# a forked child at most ``seconds``, print "child <exit code>" or, killing it, "child hung".
WAIT_CHILD = """
def wait_child(pid, seconds):
    import os, time
    deadline = time.time() + seconds
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            print("child", os.waitstatus_to_exitcode(status))
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    print("child hung")
"""


def run_python(code: str, timeout: float = 300, prelude: str = "", **env: str) -> subprocess.CompletedProcess:
    """``code`` (dedented, after ``prelude``) in a fresh interpreter with ``env`` added."""
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=timeout,
    )
