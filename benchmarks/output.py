"""Writing results: JSON, CSV and a throughput-vs-size PNG, each atomically.

Every file is written to a temporary file in the destination's directory and moved over
the destination with ``os.replace``, so a reader never sees half a file and an interrupted
run leaves the previous file intact.  The JSON fields are documented in ``benchmarks.cli``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

SCHEMA = "fastact-bench/1"
CSV_FIELDS = [
    "function",
    "form",
    "dtype",
    "shape",
    "size",
    "mode",
    "lib",
    "impl",
    "threads",
    "allocates",
    "seconds_min",
    "seconds_median",
    "seconds_max",
    "spread",
    "samples",
    "calls_per_sample",
    "melem_s",
    "gb_s",
    "copy_seconds",
    "x_copy",
    "vs_fastact",
]


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; set back at once
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike, doc: dict[str, Any]) -> None:
    data = (json.dumps(doc, indent=1, allow_nan=False, default=_jsonable) + "\n").encode()
    atomic_write(path, lambda f: f.write(data))


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_csv(path: str | os.PathLike, rows: list[dict[str, Any]]) -> None:
    """One line per measurement; ``shape`` as ``1024x1024``."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({**{k: r[k] for k in CSV_FIELDS}, "shape": "x".join(map(str, r["shape"]))})
    data = buf.getvalue().encode()
    atomic_write(path, lambda f: f.write(data))


def write_plot(path: str | os.PathLike, rows: list[dict[str, Any]], mode: str, title: str) -> bool:
    """Throughput (Melem/s, log) against size (log), one panel per element-wise function and dtype,
    one line per implementation, for ``mode``.  False when there is nothing to plot."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["mode"] == mode and len(r["shape"]) == 1]
    panels = sorted(
        {(r["function"], r["dtype"]) for r in rows}, key=lambda k: [r["function"] for r in rows].index(k[0])
    )
    if not panels:
        return False
    dtypes = sorted({d for _, d in panels})
    functions = list(dict.fromkeys(f for f, _ in panels))
    # a row per function and a column per dtype; one dtype alone fills a grid of up to 3 columns, so the
    # figure is at most 11 in (1100 px at 100 dpi) and its 9-pt text stays 9 pt when shown whole
    ncols = len(dtypes) if len(dtypes) > 1 else min(3, len(panels))
    nrows = len(functions) if len(dtypes) > 1 else math.ceil(len(panels) / ncols)
    keys = {(r["function"], r["dtype"], r["lib"], r["impl"], r["threads"]) for r in rows}
    n_lines = max(sum(1 for k in keys if k[:2] == p) for p in panels)
    height = (3.0 + 0.22 * n_lines) * nrows + 0.5
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.67 * ncols, height), squeeze=False, layout="constrained")
    for ax in axes.flat:
        ax.set_visible(False)
    for i, (fname, dtype) in enumerate(panels):
        if len(dtypes) > 1:
            ax = axes[functions.index(fname)][dtypes.index(dtype)]
        else:
            ax = axes[i // ncols][i % ncols]
        ax.set_visible(True)
        lines: dict[str, list[tuple[int, float]]] = {}
        for r in rows:
            if r["function"] == fname and r["dtype"] == dtype:
                if r["lib"] == "copyto" or (r["lib"] == "fastact" and r["threads"] == "1"):
                    key = r["lib"]
                elif r["lib"] == "fastact":
                    key = f"fastact T={r['threads']}"
                else:
                    key = f"{r['lib']} T={r['threads']}: {r['impl'][:45]}"
                lines.setdefault(key, []).append((r["size"], r["melem_s"]))
        for key, pts in lines.items():
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=key, **_style(key))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{fname} {dtype}", fontsize=10)
        ax.set_xlabel("elements", fontsize=9)
        ax.set_ylabel("Melem/s", fontsize=9)
        ax.tick_params(labelsize=9)
        ax.grid(True, which="both", alpha=0.3)
        # below the panel, not over the lines: labels run up to ~50 characters
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.suptitle(f"fastact bench: throughput against size, mode {mode} (command: the PNG metadata)", fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Description": title})
    plt.close(fig)
    atomic_write(path, lambda f: f.write(buf.getvalue()))
    return True


_COLORS = {"numpy": "tab:blue", "scipy": "tab:cyan", "numexpr": "tab:orange", "torch": "tab:red", "jax": "tab:purple"}


def _style(key: str) -> dict[str, Any]:
    """fastact thick black, np.copyto dashed grey; a colour per peer library, dotted when multi-threaded."""
    if key == "fastact":
        return {"lw": 2.5, "color": "k"}
    if key.startswith("fastact T="):
        return {"lw": 2.5, "color": "k", "ls": ":"}
    if key == "copyto":
        return {"ls": "--", "color": "grey"}
    lib, _, rest = key.partition(" T=")
    return {"color": _COLORS.get(lib, "tab:green"), "ls": "-" if rest.startswith("1:") else ":"}
