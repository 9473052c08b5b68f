"""``fastact report``: measure everything, then write report.md, report.html, PNGs and results.json.

``results.json`` (schema 1; non-finite numbers are written as the strings "inf",
"-inf", "nan"):

- ``schema``, ``generated`` (UTC, ISO 8601), ``seconds`` (wall time per section),
  ``settings`` {functions, dtypes, samples, float64_samples, oracle_points, exhaustive},
  ``versions`` {python, numpy, numba, scipy, mpmath, torch?, jax?}, ``machine`` {platform, cpus};
- ``oracle_validation``: {function: {"points", "max_ulp32": {params: max oracle error in float32 ULP}}};
- ``accuracy``: {function: {dtype: {"kind", "params", "stats", "special"}}} where ``stats`` is
  ``analysis.metrics.ErrorStats.summary()``: n, max_ulp, mean_ulp, n_inf, worst_x, worst_got,
  worst_exact, max_abs, max_abs_x, max_rel, max_rel_x, cr_share, n_unresolved; ``special``
  lists the non-finite inputs (+-inf, NaN) with a wrong result;
- ``peers``: {function: {dtype: [{"library", "label", "stats", "special"} or {"library", "label",
  "error"}]}}, same inputs and metric as ``accuracy``;
- ``gelu_tail``: [{"library", "label", "x", "got", "exact", "rel"}], float32 GELU at x <= -5;
- ``exhaustive``: {function: {"params", "stop", "chunk", "seconds", "stats", "binade_max"}}
  (float32 only; ``binade_max[i]`` is the max ULP error over patterns with ``bits >> 23 == i``);
- ``approximation``: [{"variant", "exact", "math": {max_abs, max_abs_x, max_rel, max_rel_x,
  tail_rel}, "dtypes": {dtype: {n, max_abs, max_abs_x, max_rel, max_rel_x, differ_share?}}}];
- ``worked_example``: rows of {function, params, printed, correctly_rounded, fastact,
  float16_formula, off, reason};
- ``throughput``: {"copy_melem_s", "fastact": {function: {melem_s, x_copy}}, "peers":
  {function: [{library, label, melem_s, x_copy}]}};
- ``derivatives``: {derivative: {"of", "wrt", "zeros", "dtypes": {dtype: {"kind", "stats",
  "max_ulp_away_from_zeros", "zero_window_abs_over_eps_bound", "special"}}, "float32_speed":
  {melem_s, x_copy}}} for ``fastact.grad`` (``analysis.derivatives``);
- ``plots``: PNG file names.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from fastact.registry import Activation, by_path, get

from . import approximation, derivatives, exhaustive, plots, throughput, worked_example
from .atomic import atomic_dir
from .cli import COMMAND as REPORT_COMMAND
from .formats import FORMATS, get_format
from .oracle import hard_inputs, validate
from .peers import peers_for
from .sweeps import inputs, measure, sweep

DTYPES = ("float16", "bfloat16", "float32", "float64")
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
    for a in acts:
        if a.is_rowwise or a.oracle is None or a.path != a.name:  # a fast kernel shares its function's oracle
            continue
        _log(log, f"oracle validation {a.path}")
        n = len(hard_inputs(a, oracle_points, np.float32)) * len(a.example_params())
        res["oracle_validation"][a.path] = {"points": n, "max_ulp32": validate(a, n=oracle_points)}
    seconds["oracle_validation"] = time.perf_counter() - t

    t = time.perf_counter()
    acc: dict[str, Any] = {}
    peer_res: dict[str, Any] = {}
    curves: dict[str, list] = {d: [] for d in dtypes}
    for a in acts:
        _log(log, f"sweeps {a.path}")
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
    res["accuracy"], res["peers"] = acc, peer_res
    seconds["sweeps_and_peers"] = time.perf_counter() - t

    t = time.perf_counter()
    res["derivatives"] = derivatives.measure_all(acts, dtypes, samples, n64, lambda m: _log(log, m))
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
    _log(log, "throughput (float32, 1e6 elements)")
    copy_s = throughput.copy_time()
    tp: dict[str, Any] = {"copy_melem_s": throughput.N / copy_s / 1e6, "fastact": {}, "peers": {}}
    for a in acts:
        tp["fastact"][a.path] = throughput.fastact_speed(a)
        tp["peers"][a.path] = []
        for p in peers_for(a):
            try:
                tp["peers"][a.path].append(
                    {"library": p.library, "label": p.label, **throughput.peer_speed(a, p, copy_s)}
                )
            except Exception as e:
                tp["peers"][a.path].append({"library": p.library, "label": p.label, "error": str(e)[:200]})
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
    if "float32" in dtypes:
        plots.accuracy_speed(speed_points(res), plot_dir / "accuracy_speed.png")
        files.append("accuracy_speed.png")
    res["plots"] = files
    seconds["plots"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t_all
    res["seconds"] = seconds
    return res


def gelu_tail() -> list[dict[str, Any]]:
    """float32 GELU at a few points of the negative tail, fastact and every peer."""
    from .exact import exact
    from .sweeps import fastact_impl

    f = FORMATS["float32"]
    act = get("gelu")
    x = np.array(GELU_TAIL_X, dtype=np.float32)
    ex = exact(act, x, (), f).hi
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


def speed_points(res: dict[str, Any]) -> list[dict[str, Any]]:
    pts = []
    tp = res["throughput"]
    for name, s in tp["fastact"].items():
        st = res["accuracy"].get(name, {}).get("float32")
        if st:
            pts.append(
                {"label": name, "library": "fastact", "melem_s": s["melem_s"], "max_ulp": st["stats"]["max_ulp"]}
            )
    for name, rows in tp["peers"].items():
        for r in rows:
            if "melem_s" not in r:
                continue
            for pr in res["peers"].get(name, {}).get("float32", []):
                if pr["label"] == r["label"] and "stats" in pr:
                    lib = r["library"].split(" ")[0] if not r["library"].startswith("NumPy") else r["library"]
                    pts.append(
                        {"label": name, "library": lib, "melem_s": r["melem_s"], "max_ulp": pr["stats"]["max_ulp"]}
                    )
    return pts


# ---------------------------------------------------------------- writing


def _num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    v = float(v)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        return f"{v:.{digits - 1}e}"
    return f"{v:.{digits}g}" if abs(v) >= 1 else f"{v:.{digits}f}".rstrip("0").rstrip(".") or "0"


def _ulp(v: Any) -> str:
    v = float(v)
    if math.isinf(v) or math.isnan(v) or v >= 1e5:
        return _num(v)
    return f"{v:.3f}"


def _ulp_pair(st: dict[str, Any]) -> str:
    """max ULP, and the max over normal results when subnormal results alone make the difference."""
    a, n = st["max_ulp"], st["max_ulp_normal"]
    return _ulp(a) if a == n else f"{_ulp(a)} ({_ulp(n)} normal)"


def _x(v: Any) -> str:
    v = float(v)
    if math.isnan(v):
        return "-"
    return f"{v:.6g}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def headline(res: dict[str, Any], dtypes: list[str]) -> list[str]:
    """fastact's max ULP per dtype, and the float32 max ULP of PyTorch and JAX."""
    libs = []
    for per in res["peers"].values():
        for r in per.get("float32", []):
            lib = r["library"].split(" ")[0]
            if lib in ("PyTorch", "JAX") and lib not in libs:
                libs.append(lib)
    header = ["function", *[f"{d} max ULP" for d in dtypes]]
    if "float32" in dtypes:
        header += ["float32 correctly rounded"] + [f"{lib} float32 max ULP" for lib in libs]
    rows = []
    for name, per in res["accuracy"].items():
        row = [f"`{name}`"] + [_ulp(per[d]["stats"]["max_ulp"]) for d in dtypes]
        if "float32" in dtypes:
            row.append(f"{100 * per['float32']['stats']['cr_share']:.2f} %")
            for lib in libs:
                hits = [r for r in res["peers"][name]["float32"] if r["library"].startswith(lib) and "stats" in r]
                row.append(_ulp_pair(hits[0]["stats"]) if hits else "-")
        rows.append(row)
    return _table(header, rows)


def _inputs_note(res: dict[str, Any]) -> str:
    s = res["settings"]
    return (
        f"Inputs: float16 and bfloat16 all 65536 bit patterns; float32 {s['samples']:,} sampled per function "
        f"(random bit patterns over every exponent, the domain, +-300 ULP around each knee, range edges, where "
        f"e^x and e^(-x^2/2) reach the subnormal range); float64 {s['float64_samples']:,} of the same kind "
        f"against mpmath; softmax family: random rows."
    )


def markdown(res: dict[str, Any]) -> str:
    s = res["settings"]
    dtypes = s["dtypes"]
    L = ["# fastact accuracy report", ""]
    L += [
        f"Generated {res['generated']} by `{res['command']}` in {res['seconds']['total']:.0f} s "
        f"({res['machine']['platform']}, {res['machine']['cpus']} CPUs; "
        + ", ".join(f"{k} {v}" for k, v in res["versions"].items())
        + ").",
        "",
        "**Metric.** Fractional ULP error as JAX's `docs/accuracy.md` defines it: "
        "ulp(r) = 2^(min(max(floor(log2|r|), e_min), e_max) - (p - 1)), error = |computed - r| / ulp(r); "
        "0.5 means correctly rounded. Subnormal results are measured in units of the smallest subnormal; "
        "an infinity where the exact value rounds to that infinity is error 0, any other inf or NaN mismatch is "
        "an infinite error. bfloat16: p = 8 with float32's exponent range. The exact value is the registry's "
        "mpmath definition (60 digits) for float64 and the float64 oracle (validated below) for the other "
        "formats, with mpmath deciding every input within 2e-3 float32-ULP-equivalents of a rounding midpoint. "
        "Max abs error is over each function's domain (e.g. [-10, 10]); max rel error over exact values that are "
        "normal numbers of the format. Statistics cover finite inputs; +-inf and NaN inputs with a wrong result "
        "are listed apart.",
        "",
        _inputs_note(res),
        "",
        "bfloat16 results are fastact's float32 results rounded to bfloat16 (nearest even): a second rounding, "
        "so a correctly rounded float32 value can still miss the correctly rounded bfloat16 one.",
        "",
        "## Headline",
        "",
    ]
    L += headline(res, dtypes)
    L += [
        "Peer columns: max ULP over all measured inputs, and in parentheses over inputs whose exact value is a "
        "normal number, where the two differ (flushing subnormal results to zero costs millions of ULP in "
        "units of the smallest subnormal).",
        "",
    ]
    L += _oracle_section(res)
    L += _accuracy_sections(res)
    L += _exhaustive_section(res)
    L += _approx_section(res)
    L += _peer_sections(res)
    L += _worked_section(res)
    L += _speed_section(res)
    L += derivatives.section(res, dtypes, res["throughput"]["fastact"])
    L += ["## Plots", ""]
    for f in res["plots"]:
        L += [f"![{f}]({f})", ""]
    L += ["## results.json", "", "Schema (version 1), from `analysis/report.py`:", "", "```"]
    L += [line for line in (__doc__ or "").split("``results.json``", 1)[1].strip().splitlines()]
    L += ["```", ""]
    return "\n".join(L)


def _oracle_section(res: dict[str, Any]) -> list[str]:
    ov = res["oracle_validation"]
    if not ov:
        return []
    total = sum(v["points"] for v in ov.values())
    L = [
        "## Oracle validation",
        "",
        f"The float64 oracles (NumPy/SciPy, cancellation-free forms, no code shared with fastact) against mpmath "
        f"on {total:,} points (random bit patterns, the domain, knees), max error in float32 ULP:",
        "",
    ]
    rows = []
    for name, v in ov.items():
        worst = max(v["max_ulp32"].values())
        rows.append([f"`{name}`", f"{v['points']:,}", _num(worst), ", ".join(v["max_ulp32"])])
    return L + _table(["function", "points", "max oracle error (float32 ULP)", "params"], rows)


def _accuracy_sections(res: dict[str, Any]) -> list[str]:
    L = ["## fastact per dtype", ""]
    for d in res["settings"]["dtypes"]:
        L += [f"### {d}", ""]
        rows = []
        for name, per in res["accuracy"].items():
            r = per[d]
            st = r["stats"]
            params = f"({', '.join(_x(p) for p in r['params'])})" if r["params"] else ""
            rows.append(
                [
                    f"`{name}`{params}",
                    r["kind"],
                    _ulp(st["max_ulp"]),
                    _ulp(st["mean_ulp"]),
                    _x(st["worst_x"]),
                    _num(st["max_abs"]),
                    _x(st["max_abs_x"]),
                    _num(st["max_rel"]),
                    _x(st["max_rel_x"]),
                    f"{100 * st['cr_share']:.3f} %"
                    + (f" ({st['n_unresolved']} undecided)" if st["n_unresolved"] else ""),
                    ", ".join(_x(v) for v in r["special"]) or "-",
                ]
            )
        header = ["function", "inputs", "max ULP", "mean ULP", "worst x", "max abs", "at x", "max rel", "at x"]
        L += _table([*header, "correctly rounded", "wrong at"], rows)
    return L


def _exhaustive_section(res: dict[str, Any]) -> list[str]:
    ex = res.get("exhaustive") or {}
    if not ex:
        return []
    L = ["## Exhaustive float32", "", "All 2^32 float32 bit patterns against the float64 oracle.", ""]
    rows = []
    for name, r in ex.items():
        st = r["stats"]
        rows.append(
            [
                f"`{name}`",
                f"{r['stop']:,}",
                _ulp(st["max_ulp"]),
                _x(st["worst_x"]),
                _ulp(st["mean_ulp"]),
                f"{100 * st['cr_share']:.4f} %",
                f"{st['n_unresolved']:,}",
                f"{r['seconds']:.0f} s",
            ]
        )
    header = ["function", "inputs", "max ULP", "worst x", "mean ULP", "correctly rounded (oracle)", "undecided"]
    L += _table([*header, "time"], rows)
    L += [
        '"undecided": inputs whose exact value lies within 2e-3 ULP of a rounding midpoint, where the oracle\'s '
        "rounding was taken without an mpmath check (too many for mpmath); the correctly rounded share is exact "
        "up to that count.",
        "",
    ]
    return L


def _approx_section(res: dict[str, Any]) -> list[str]:
    ap = res["approximation"]
    if not ap:
        return []
    L = [
        "## Approximation error (each approximation against the exact function)",
        "",
        "The functions themselves, float64 on [-8, 8] (relative error in the negative tail is (v - f)/f):",
        "",
    ]
    rows = []
    for e in ap:
        m = e["math"]
        tails = " / ".join(f"{100 * v:+.3g} %" for v in m["tail_rel"].values())
        rows.append(
            [
                f"`{e['variant']}` vs `{e['exact']}`",
                _num(m["max_abs"]),
                _x(m["max_abs_x"]),
                _num(m["max_rel"]),
                _x(m["max_rel_x"]),
                tails,
            ]
        )
    L += _table(["pair", "max abs", "at x", "max rel", "at x", "rel at x = -3 / -4 / -5"], rows)
    L += ["What a user sees: fastact's variant against fastact's exact function, per dtype (finite inputs):", ""]
    rows = []
    for e in ap:
        for d, r in e["dtypes"].items():
            share = f"{100 * r['differ_share']:.2f} %" if "differ_share" in r else "-"
            rows.append(
                [
                    f"`{e['variant']}` vs `{e['exact']}`",
                    d,
                    f"{r['n']:,}",
                    _num(r["max_abs"]),
                    _x(r["max_abs_x"]),
                    _num(r["max_rel"]),
                    _x(r["max_rel_x"]),
                    share,
                ]
            )
    L += _table(["pair", "dtype", "inputs", "max abs", "at x", "max rel", "at x", "inputs that differ"], rows)
    return L


def _peer_sections(res: dict[str, Any]) -> list[str]:
    L = [
        "## Peers on the same inputs",
        "",
        "Same inputs, same exact values, same metric as the fastact tables. `NumPy (source doc)` is the source "
        "document's formula in the input's dtype.",
        "",
    ]
    for d in res["settings"]["dtypes"]:
        rows = []
        for name, per in res["peers"].items():
            fa = res["accuracy"][name][d]["stats"]
            rows.append(
                [
                    f"`{name}`",
                    "fastact",
                    _ulp(fa["max_ulp"]),
                    _x(fa["worst_x"]),
                    _num(fa["max_rel"]),
                    f"{100 * fa['cr_share']:.2f} %",
                    "-",
                ]
            )
            for r in per.get(d, []):
                if "error" in r:
                    rows.append([f"`{name}`", f"{r['library']}: `{r['label']}`", "n/a", "-", "-", "-", r["error"][:60]])
                    continue
                st = r["stats"]
                rows.append(
                    [
                        f"`{name}`",
                        f"{r['library']}: `{r['label']}`",
                        _ulp_pair(st),
                        _x(st["worst_x"]),
                        _num(st["max_rel"]),
                        f"{100 * st['cr_share']:.2f} %",
                        ", ".join(_x(v) for v in r["special"]) or "-",
                    ]
                )
        if rows:
            L += [f"### {d}", ""]
            L += _table(
                ["function", "implementation", "max ULP", "worst x", "max rel", "correctly rounded", "wrong at"], rows
            )
    if res.get("gelu_tail"):
        xs = res["gelu_tail"][0]["x"]
        L += ["### float32 GELU in the negative tail", "", "Relative error (got - exact) / exact:", ""]
        rows = [[f"{r['library']}: `{r['label']}`"] + [f"{100 * v:+.3g} %" for v in r["rel"]] for r in res["gelu_tail"]]
        L += _table(["implementation", *[f"x = {x:g}" for x in xs]], rows)
        ex = res["gelu_tail"][0]["exact"]
        L += ["Exact values: " + ", ".join(f"gelu({x:g}) = {v:.6g}" for x, v in zip(xs, ex, strict=True)) + ".", ""]
    return L


def _worked_section(res: dict[str, Any]) -> list[str]:
    we = res["worked_example"]
    if not we:
        return []
    L = [
        "## The source document's float16 example, x = [-2, -1, 0, 2, 3, 5]",
        "",
        "Printed: as in the document. Correctly rounded: the exact function rounded once to float16 (mpmath), "
        "which is what fastact returns. Float16 formula: the document's formula in float16 NumPy arithmetic. "
        "Off entries are in **bold**.",
        "",
    ]
    rows = []
    for r in we:
        printed = ", ".join(f"**{v:.4g}**" if i in r["off"] else f"{v:.4g}" for i, v in enumerate(r["printed"]))
        cr = ", ".join(_h(v) for v in r["correctly_rounded"])
        step = ", ".join(_h(v) for v in r["float16_formula"])
        same = "yes" if r["fastact"] == r["correctly_rounded"] else "NO"
        name = r["function"] + (f"({r['params'][0]:g})" if r["params"] else "")
        rows.append([f"`{name}`", printed, cr, same, step, r["reason"]])
    return L + _table(["function", "printed", "correctly rounded", "fastact = CR", "float16 formula", "why"], rows)


def _h(v: float) -> str:
    """A float16 value in its shortest round-tripping decimal form."""
    return np.format_float_positional(np.float16(v), trim="-")


def _speed_section(res: dict[str, Any]) -> list[str]:
    tp = res["throughput"]
    L = [
        "## Throughput (short run)",
        "",
        f"float32, 1e6 elements (softmax family 1000 x 1000), one thread, best of a few runs; np.copyto runs at "
        f"{tp['copy_melem_s']:.0f} Melem/s. x copy = time / np.copyto time. Peers as called by users (allocating).",
        "",
    ]
    rows = []
    for name, s in tp["fastact"].items():
        peers = "; ".join(
            f"{r['library'].split(' ')[0]} {r['melem_s']:.0f}" for r in tp["peers"].get(name, []) if "melem_s" in r
        )
        rows.append([f"`{name}`", f"{s['melem_s']:.0f}", f"{s['x_copy']:.2f}", peers or "-"])
    L += _table(["function", "fastact Melem/s", "x copy", "peers Melem/s"], rows)
    return L


def to_html(md: str, img_dir: Path) -> str:
    """report.md as one self-contained HTML page (PNGs inlined as base64)."""

    def inline(t: str) -> str:
        t = html.escape(t, quote=False)
        t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", t)

    out = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre>" + html.escape("\n".join(lines[i + 1 : j])) + "</pre>")
            i = j + 1
            continue
        m = re.match(r"^(#{1,3}) (.*)", line)
        img = re.match(r"^!\[(.*)\]\((.*)\)$", line)
        if m:
            n = len(m.group(1))
            out.append(f"<h{n}>{inline(m.group(2))}</h{n}>")
        elif img:
            data = base64.b64encode((img_dir / img.group(2)).read_bytes()).decode("ascii")
            out.append(f'<p><img alt="{html.escape(img.group(1))}" src="data:image/png;base64,{data}"></p>')
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split(" | ")])
                i += 1
            head, body = rows[0], rows[2:]
            t = ["<table>", "<tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr>"]
            t += ["<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body]
            out.append("\n".join([*t, "</table>"]))
            continue
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
        i += 1
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
        "th{background:#f3f3f3}img{max-width:100%}code{background:#f5f5f5;padding:0 2px}pre{background:#f8f8f8;"
        "padding:1em;overflow:auto;font-size:12px}"
    )
    body = "\n".join(out)
    head = f'<head><meta charset="utf-8"><title>fastact accuracy report</title><style>{style}</style></head>'
    return f"<!DOCTYPE html>\n<html>{head}<body>\n{body}\n</body></html>\n"


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


def _versions() -> dict[str, str]:
    import mpmath
    import numba
    import scipy

    v = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__}
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
    import os

    out = Path(out).absolute()
    acts = [by_path(n) for n in functions]
    with atomic_dir(out, REPORT_COMMAND, reserve=("checkpoints",)) as tmp:
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
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
            **{k: v for k, v in res.items() if k != "schema"},
        }
        (tmp / "results.json").write_text(json.dumps(_clean(res), indent=1) + "\n")
        md = markdown(res)
        (tmp / "report.md").write_text(md)
        (tmp / "report.html").write_text(to_html(md, tmp))
    return res
