"""``fastact report``: measure (``analysis.measurements``), then write report.md, report.html
(``analysis.report_text``, ``analysis.html_page``), the PNGs and results.json, atomically.

``results.json``'s layout is documented in ``analysis/results_schema.md``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import platform
import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from fastact.registry import by_path

from .atomic import atomic_dir
from .cli import COMMAND as REPORT_COMMAND
from .html_page import to_html
from .measurements import measure_all
from .peers import missing_peers
from .report_text import markdown


def _clean(v: Any) -> Any:
    """JSON-safe: non-finite floats as strings, NumPy scalars as Python numbers."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else ("nan" if math.isnan(f) else ("inf" if f > 0 else "-inf"))
    if isinstance(v, np.integer):
        return int(v)
    return v


def _machine() -> dict[str, Any]:
    """Platform, CPU model and SIMD flags (the bench's ``benchmarks.machine.cpu``), core count."""
    import os

    from fastact.benchmarks.machine import cpu

    c = cpu()
    flags = [f for f, on in c["flags"].items() if on]
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "cpu_model": c["model"], "cpu_flags": flags}


def _versions() -> dict[str, str]:
    import mpmath
    import numba
    import scipy

    import fastact

    v = {"fastact": fastact.__version__, "python": platform.python_version()}
    v.update(numpy=np.__version__, numba=numba.__version__)
    v.update(scipy=scipy.__version__, mpmath=mpmath.__version__)
    for mod in ("torch", "jax"):
        try:
            v[mod] = __import__(mod).__version__
        except ImportError:
            pass
    return v


def generate(
    out: Path | str,
    functions: list[str],
    dtypes: list[str],
    samples: int = 1_000_000,
    float64_samples: int = 3000,
    oracle_points: int = 2000,
    run_exhaustive: bool = False,
    command: str = "fastact report",
    log: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Measure and write the report into ``out`` atomically; returns the results."""

    out = Path(out).absolute()
    acts = [by_path(n) for n in functions]
    with atomic_dir(out, REPORT_COMMAND, reserve=("checkpoints",)) as tmp:
        # said first (once the output directory is accepted), so a user can stop and install
        # them before the long run
        for s in missing_peers() if log is not None else ():
            log.write(f"report: {s['library']} not installed: left out of the peer tables ({s['install']} adds it)\n")
        res = measure_all(acts, dtypes, samples, float64_samples, oracle_points, run_exhaustive, out, tmp, log)
        res = {
            "schema": 1,
            "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": command,
            "settings": {
                "functions": functions,
                "dtypes": dtypes,
                "samples": samples,
                "float64_samples": float64_samples,
                "oracle_points": oracle_points,
                "exhaustive": run_exhaustive,
            },
            "versions": _versions(),
            "machine": _machine(),
            "skipped_peers": missing_peers(),
            **{k: v for k, v in res.items() if k != "schema"},
        }
        (tmp / "results.json").write_text(json.dumps(_clean(res), indent=1) + "\n")
        md = markdown(res)
        (tmp / "report.md").write_text(md)
        (tmp / "report.html").write_text(to_html(md, tmp))
    return res
