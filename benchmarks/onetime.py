"""One-time costs, each in a fresh interpreter so nothing is already imported or compiled.

* ``import numba`` and ``import fastact`` (fastact compiles nothing at import).
* First call of one function (building its float16/float32/float64 loops), with
  - a cold cache: ``NUMBA_CACHE_DIR`` pointing at a new empty directory, so the loops are
    compiled and written to the cache;
  - a warm cache: the same directory again, so the loops are loaded;
  - no cache: ``FASTACT_CACHE=0``, compiled and not written.
* Full build of every registry function, cold cache and warm cache.

Warm runs are repeated and the median kept; cold runs happen once by nature.  The
fresh-process snippet for import and first call is ``benchmarks.startup``'s.  Cached loops
are keyed by a digest of fastact's sources, so an edit during the measurement turns the
"warm" runs into compilations: ``sources_changed`` says when that happened.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from . import startup

_BUILD_ALL = """
import json, time
t0 = time.perf_counter()
import fastact
from fastact.registry import NAMES
for n in NAMES:
    getattr(fastact, n)
print(json.dumps({"build_all": time.perf_counter() - t0, "functions": len(NAMES)}))
"""


def _run(code: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, **env}
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _digest() -> str:
    """fastact's source digest as the files are now (``build.source_digest`` caches its first answer)."""
    from fastact.build import source_digest

    return source_digest.__wrapped__()


def _median(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def first_call(name: str, repeats: int = 3, no_cache: bool = True) -> dict[str, Any]:
    """Seconds for ``import numba``, ``import fastact`` and the first call of ``name``: cold cache,
    warm cache, and (``no_cache``) with the cache turned off (else that entry is None)."""
    snippet = startup._SNIPPET.format(name=name)
    digest = _digest()
    with tempfile.TemporaryDirectory(prefix="fastact-bench-cache-") as cache:
        env = {"NUMBA_CACHE_DIR": cache, "FASTACT_CACHE": "1"}
        cold = _run(snippet, env)
        warm = _median([_run(snippet, env) for _ in range(repeats)])
    nocache = _run(snippet, {"FASTACT_CACHE": "0"}) if no_cache else {"first_call": None}
    return {
        "function": name,
        "import_numba_s": warm["import_numba"],
        "import_fastact_s": warm["import_fastact"],
        "first_call_cold_cache_s": cold["first_call"],
        "first_call_warm_cache_s": warm["first_call"],
        "first_call_no_cache_s": nocache["first_call"],
        "warm_repeats": repeats,
        "sources_changed": _digest() != digest,
    }


def build_all(repeats: int = 1) -> dict[str, Any]:
    """Seconds to import fastact and build every registry function: cold cache, then warm cache."""
    digest = _digest()
    with tempfile.TemporaryDirectory(prefix="fastact-bench-cache-") as cache:
        env = {"NUMBA_CACHE_DIR": cache, "FASTACT_CACHE": "1"}
        cold = _run(_BUILD_ALL, env)
        warm = _median([_run(_BUILD_ALL, env) for _ in range(repeats)])
    return {
        "functions": int(cold["functions"]),
        "build_all_cold_cache_s": cold["build_all"],
        "build_all_warm_cache_s": warm["build_all"],
        "sources_changed": _digest() != digest,
    }
