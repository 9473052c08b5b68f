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

The children import the same fastact as this process, whatever the working directory
(``startup.run_snippet``).  A child that fails stops that measurement: its ``error`` field
says which run failed and why (the last line of the child's error output), the fields not
measured are None, and nothing is raised, so the throughput already measured is kept.
"""

from __future__ import annotations

import statistics
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
print(json.dumps({"build_all": time.perf_counter() - t0, "functions": len(NAMES), "fastact_file": fastact.__file__}))
"""


def _digest() -> str:
    """fastact's source digest as the files are now (``build.source_digest`` caches its first answer)."""
    from fastact.build import source_digest

    return source_digest.__wrapped__()


def _median(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def _runs(code: str, stages: list[tuple[str, dict[str, str], int]]) -> tuple[dict[str, dict[str, float]], str | None]:
    """Each stage's median over its fresh-interpreter runs, up to the first failure and why it failed."""
    done: dict[str, dict[str, float]] = {}
    for stage, env, repeats in stages:
        try:
            done[stage] = _median([startup.run_snippet(code, env) for _ in range(repeats)])
        except startup.ChildFailed as e:
            return done, f"{stage} run failed: {e}"
    return done, None


def first_call(name: str, repeats: int = 3, no_cache: bool = True) -> dict[str, Any]:
    """Seconds for ``import numba``, ``import fastact`` and the first call of ``name``: cold cache,
    warm cache, and (``no_cache``) with the cache turned off (else that entry is None).
    ``error``: None, or why a run failed (the entries it did not measure are None)."""
    snippet = startup._SNIPPET.format(name=name)
    digest = _digest()
    with tempfile.TemporaryDirectory(prefix="fastact-bench-cache-") as cache:
        env = {"NUMBA_CACHE_DIR": cache, "FASTACT_CACHE": "1"}
        stages = [("cold cache", env, 1), ("warm cache", env, repeats)]
        if no_cache:
            stages.append(("no cache", {"FASTACT_CACHE": "0"}, 1))
        done, error = _runs(snippet, stages)
    cold, warm, nocache = (done.get(k, {}) for k in ("cold cache", "warm cache", "no cache"))
    return {
        "function": name,
        "import_numba_s": warm.get("import_numba"),
        "import_fastact_s": warm.get("import_fastact"),
        "first_call_cold_cache_s": cold.get("first_call"),
        "first_call_warm_cache_s": warm.get("first_call"),
        "first_call_no_cache_s": nocache.get("first_call"),
        "warm_repeats": repeats,
        "sources_changed": _digest() != digest,
        "error": error,
    }


def build_all(repeats: int = 1) -> dict[str, Any]:
    """Seconds to import fastact and build every registry function: cold cache, then warm cache.
    ``error``: None, or why a run failed (the entries it did not measure are None)."""
    from fastact.registry import NAMES

    digest = _digest()
    with tempfile.TemporaryDirectory(prefix="fastact-bench-cache-") as cache:
        env = {"NUMBA_CACHE_DIR": cache, "FASTACT_CACHE": "1"}
        done, error = _runs(_BUILD_ALL, [("cold cache", env, 1), ("warm cache", env, repeats)])
    cold, warm = done.get("cold cache", {}), done.get("warm cache", {})
    return {
        "functions": int(cold.get("functions", len(NAMES))),
        "build_all_cold_cache_s": cold.get("build_all"),
        "build_all_warm_cache_s": warm.get("build_all"),
        "sources_changed": _digest() != digest,
        "error": error,
    }
