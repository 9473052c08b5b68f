"""One-time costs, each in a fresh interpreter: import, first call with a warm cache.

``run_snippet`` runs a ``python -c`` child that imports the same fastact as this process,
whatever the working directory holds: ``python -c`` puts the working directory first on
``sys.path``, so a folder named ``fastact`` there (the clone, seen from the folder holding it)
would shadow the package.  The child runs in an empty temporary directory with the folder
holding this process's fastact first on ``PYTHONPATH``, and says which fastact it imported.
A child that fails raises ``ChildFailed`` with the last line of its error output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from typing import Any

_SNIPPET = """
import json, time
t0 = time.perf_counter()
import numba
t1 = time.perf_counter()
import fastact
t2 = time.perf_counter()
import numpy as np
f = getattr(fastact, {name!r})
f(np.ones(4, np.float32), *[np.float32(0.1)] * (f.nin - 1))
t3 = time.perf_counter()
print(json.dumps({{"import_numba": t1 - t0, "import_fastact": t2 - t1, "first_call": t3 - t2,
                  "fastact_file": fastact.__file__}}))
"""

TIMEOUT = 900  # seconds for one child: building every function cold takes about a minute


class ChildFailed(RuntimeError):
    """A fresh-interpreter measurement failed; the message says why (the child's last error line)."""


def _fastact_file() -> str:
    import fastact

    return os.path.abspath(fastact.__file__)


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment plus ``env``, with the folder holding this process's fastact first on PYTHONPATH."""
    base = {**os.environ, **(env or {})}
    parent = os.path.dirname(os.path.dirname(_fastact_file()))
    base["PYTHONPATH"] = os.pathsep.join(p for p in (parent, base.get("PYTHONPATH", "")) if p)
    return base


def _why(r: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (r.stderr or "").splitlines() if line.strip()]
    if lines:
        return lines[-1]
    if r.returncode < 0:
        try:
            return f"killed by {signal.Signals(-r.returncode).name}"
        except ValueError:
            return f"killed by signal {-r.returncode}"
    return f"exit status {r.returncode} and no error output"


def run_snippet(code: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; the last line it prints, parsed as JSON.

    Raises ``ChildFailed`` when the child fails, times out, prints no JSON or imported another fastact."""
    with tempfile.TemporaryDirectory(prefix="fastact-bench-cwd-") as cwd:
        try:
            r = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                cwd=cwd,
                env=child_env(env),
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise ChildFailed(f"no answer after {timeout:g} s") from None
    if r.returncode != 0:
        raise ChildFailed(_why(r))
    try:
        out = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise ChildFailed(f"printed no JSON line: {r.stdout.strip()[-200:]!r}") from None
    theirs = out.pop("fastact_file", None)
    if theirs is not None and os.path.abspath(theirs) != _fastact_file():
        raise ChildFailed(f"the child imported fastact from {theirs}, not {_fastact_file()}")
    return out


def once(name: str = "relu") -> dict[str, float]:
    return run_snippet(_SNIPPET.format(name=name))


def median_startup(name: str = "relu", runs: int = 5) -> dict[str, float]:
    """Median over fresh processes (the first run also warms the on-disk cache)."""
    once(name)
    rows = [once(name) for _ in range(runs)]
    return {k: sorted(r[k] for r in rows)[runs // 2] for k in rows[0]}


if __name__ == "__main__":
    for n in sys.argv[1:] or ["relu", "softmax"]:
        print(n, {k: round(v, 3) for k, v in median_startup(n).items()})
