"""One-time costs, each in a fresh interpreter: import, first call with a warm cache."""

from __future__ import annotations

import json
import subprocess
import sys

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
print(json.dumps({{"import_numba": t1 - t0, "import_fastact": t2 - t1, "first_call": t3 - t2}}))
"""


def once(name: str = "relu") -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _SNIPPET.format(name=name)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def median_startup(name: str = "relu", runs: int = 5) -> dict[str, float]:
    """Median over fresh processes (the first run also warms the on-disk cache)."""
    once(name)
    rows = [once(name) for _ in range(runs)]
    return {k: sorted(r[k] for r in rows)[runs // 2] for k in rows[0]}


if __name__ == "__main__":
    for n in sys.argv[1:] or ["relu", "softmax"]:
        print(n, {k: round(v, 3) for k, v in median_startup(n).items()})
