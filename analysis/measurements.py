"""The report's measurement run: every number ``fastact report`` publishes, as one dict.

Nothing here writes text: ``analysis.report_text`` turns the dict into Markdown,
``analysis.html_page`` into HTML and ``analysis.report`` writes the files.  The dict's
layout is ``analysis/results_schema.md``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from fastact.registry import Activation, get

from . import approximation, decision, derivatives, exhaustive, plots, throughput, worked_example
from .formats import FORMATS, get_format
from .inputs import hard_inputs
from .oracle import validate
from .peers import missing_peers, peers_for
from .progress import Progress
from .sweeps import inputs, measure, sweep

GELU_TAIL_X = (-5.0, -5.5, -6.0, -7.0, -10.0)


def _log(out: TextIO | None, msg: str) -> None:
    if out is not None:
        out.write(f"report: {msg}\n")
        out.flush()


def measure_all(
    acts: list[Activation],
    dtypes: list[str],
    samples: int,
    n64: int,
    oracle_points: int,
    run_exhaustive: bool,
    out_dir: Path,
    plot_dir: Path,
    log: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Every measurement; plots are written to ``plot_dir``."""
    t_all = time.perf_counter()
    seconds: dict[str, float] = {}
    res: dict[str, Any] = {"schema": 1}
    names = [a.path for a in acts]

    t = time.perf_counter()
    res["oracle_validation"] = {}
    # a fast kernel shares its function's oracle
    with_oracle = [a for a in acts if not a.is_rowwise and a.oracle is not None and a.path == a.name]
    bar = Progress("oracle validation", len(with_oracle), log)
    for a in with_oracle:
        bar.step(a.path)
        n = len(hard_inputs(a, oracle_points, np.float32)) * len(a.example_params())
        res["oracle_validation"][a.path] = {"points": n, "max_ulp32": validate(a, n=oracle_points)}
    bar.close()
    seconds["oracle_validation"] = time.perf_counter() - t

    t = time.perf_counter()
    acc: dict[str, Any] = {}
    peer_res: dict[str, Any] = {}
    curves: dict[str, list] = {d: [] for d in dtypes}
    bar = Progress(f"sweeps and peers ({', '.join(dtypes)})", len(acts), log)
    for a in acts:
        bar.step(a.path)
        peers = peers_for(a)
        acc[a.path], peer_res[a.path] = {}, {}
        for d in dtypes:
            sw = sweep(a, d, samples, n64)
            acc[a.path][d] = {
                "kind": sw.kind,
                "params": [float(p) for p in sw.params],
                "stats": sw.stats.summary(),
                "special": sw.special,
            }
            if not a.is_rowwise:
                curves[d].append((a.path, *plots.binned_max(sw.x, sw.err, *a.domain)))
            rows = []
            for p in peers:
                try:
                    st, _, special = measure(p.impl(sw.fmt), sw)
                    rows.append({"library": p.library, "label": p.label, "stats": st.summary(), "special": special})
                except Exception as e:  # a dtype the peer does not support: say so, keep going
                    rows.append({"library": p.library, "label": p.label, "error": f"{type(e).__name__}: {e}"[:200]})
            peer_res[a.path][d] = rows
    bar.close()
    res["accuracy"], res["peers"] = acc, peer_res
    seconds["sweeps_and_peers"] = time.perf_counter() - t

    t = time.perf_counter()
    bar = Progress("derivatives", len(derivatives.derivatives_of(acts)), log)
    res["derivatives"] = derivatives.measure_all(acts, dtypes, samples, n64, bar.step)
    bar.close()
    seconds["derivatives"] = time.perf_counter() - t

    if "gelu" in names:
        res["gelu_tail"] = gelu_tail()

    res["exhaustive"] = {}
    if run_exhaustive:
        t = time.perf_counter()
        for a in acts:
            if not a.is_rowwise:
                _log(log, f"exhaustive float32 {a.path} (checkpoint in {exhaustive.checkpoint_path(out_dir, a)})")
                res["exhaustive"][a.path] = exhaustive.run(a, out_dir)
        seconds["exhaustive"] = time.perf_counter() - t

    t = time.perf_counter()
    res["approximation"] = []
    approx_curves = []
    for v, e in approximation.pairs(names):
        if v.name not in names:
            continue
        _log(log, f"approximation {v.name} vs {e.name}")
        entry = {"variant": v.name, "exact": e.name, "math": approximation.math_error(v, e), "dtypes": {}}
        for d in dtypes:
            entry["dtypes"][d] = approximation.dtype_error(v, e, inputs(v, d, samples, n64), get_format(d))
        res["approximation"].append(entry)
        approx_curves.append((v.name, e.name, approximation.GRID, approximation.curve(v, e)[0]))
    seconds["approximation"] = time.perf_counter() - t

    t = time.perf_counter()
    res["worked_example"] = worked_example.table(names)
    seconds["worked_example"] = time.perf_counter() - t

    t = time.perf_counter()
    copy_s = throughput.copy_time()
    tp: dict[str, Any] = {"copy_melem_s": throughput.N / copy_s / 1e6, "fastact": {}, "peers": {}}
    bar = Progress("throughput (float32, 1e6 elements)", len(acts), log)
    for a in acts:
        bar.step(a.path)
        tp["fastact"][a.path] = throughput.fastact_speed(a)
        tp["peers"][a.path] = []
        for p in peers_for(a):
            try:
                tp["peers"][a.path].append(
                    {"library": p.library, "label": p.label, **throughput.peer_speed(a, p, copy_s)}
                )
            except Exception as e:
                tp["peers"][a.path].append({"library": p.library, "label": p.label, "error": str(e)[:200]})
    bar.close()
    res["throughput"] = tp
    seconds["throughput"] = time.perf_counter() - t

    t = time.perf_counter()
    _log(log, "plots")
    files = []
    plots.functions([a for a in acts if a.path == a.name], plot_dir / "functions.png")  # fast: same curves
    files.append("functions.png")
    if approx_curves:
        plots.approximation(approx_curves, plot_dir / "approximation.png")
        files.append("approximation.png")
    for d in dtypes:
        if curves[d]:
            plots.ulp_vs_x(d, curves[d], plot_dir / f"ulp_{d}.png")
            files.append(f"ulp_{d}.png")
    res["decision"] = decision.table(res)  # derived from the numbers above; the plot below draws it
    if "float32" in dtypes and res["decision"]:
        left_out = [p["library"] for p in missing_peers()]
        plots.accuracy_speed(res["decision"], plot_dir / "accuracy_speed.png", left_out)
        files.append("accuracy_speed.png")
    res["plots"] = files
    seconds["plots"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t_all
    res["seconds"] = seconds
    return res


def gelu_tail() -> list[dict[str, Any]]:
    """float32 GELU at a few points of the negative tail, fastact and every peer."""
    from .reference_values import reference_values
    from .sweeps import fastact_impl

    f = FORMATS["float32"]
    act = get("gelu")
    x = np.array(GELU_TAIL_X, dtype=np.float32)
    ex = reference_values(act, x, (), f).hi
    impls = [("fastact", "fastact.gelu", fastact_impl(act, f))]
    impls += [(p.library, p.label, p.impl(f)) for p in peers_for(act)]
    out = []
    for lib, label, fn in impls:
        with np.errstate(all="ignore"):
            got = fn(x, ())
        rel = [float((g - e) / e) if e != 0 else float("nan") for g, e in zip(got, ex, strict=True)]
        out.append(
            {
                "library": lib,
                "label": label,
                "x": list(GELU_TAIL_X),
                "got": got.tolist(),
                "exact": ex.tolist(),
                "rel": rel,
            }
        )
    return out
