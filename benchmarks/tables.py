"""Readable tables of a run: a summary (one line per fastact measurement, peers as columns)
and the long form (every measurement), plain or Markdown, with the command and machine above."""

from __future__ import annotations

import math
from typing import Any

from .choices import LIBS as PEER_LIBS


def fmt_size(shape: list[int]) -> str:
    """``[16000000]`` -> ``1.6e7``, ``[1000]`` -> ``1e3``, ``[1024, 1024]`` -> ``1024x1024``."""
    if len(shape) != 1:
        return "x".join(map(str, shape))
    n = shape[0]
    if n < 1000:
        return str(n)
    e = math.floor(math.log10(n))
    m = n / 10**e
    return f"{m:g}e{e}" if len(f"{m:g}") <= 4 else str(n)


def fmt_rate(v: float) -> str:
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def _function(r: dict[str, Any]) -> str:
    """The function column: the name, and a row function's call form after it (``softmax axis=None``)."""
    form = r.get("form")
    return f"{r['function']} {form}" if form else r["function"]


def _group(r: dict[str, Any]) -> str:
    lib = "numpy/scipy" if r["lib"] in ("numpy", "scipy") else r["lib"]
    return lib if r["threads"] in ("1", "XLA") and lib in ("numpy/scipy", "jax") else f"{lib} T={r['threads']}"


def _group_order(g: str) -> tuple[int, str]:
    lib, _, t = g.partition(" T=")
    order = {"torch": 0, "numpy/scipy": 1, "numexpr": 2, "jax": 3}
    return order.get(lib, 9), t.zfill(4)


def summary(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: per fastact measurement its Melem/s, GB/s, x copy, spread, and for each peer
    group (library and thread count) the fastest peer's Melem/s with fastact's speed-up over it."""
    best: dict[tuple, dict[str, dict[str, Any]]] = {}
    for r in rows:
        if r["lib"] in PEER_LIBS:
            cell = best.setdefault((r["function"], r.get("form"), r["dtype"], tuple(r["shape"]), r["mode"]), {})
            g = _group(r)
            if g not in cell or r["seconds_min"] < cell[g]["seconds_min"]:
                cell[g] = r
    groups = sorted({g for cell in best.values() for g in cell}, key=_group_order)
    multi: dict[tuple, dict[str, Any]] = {}  # fastact on several threads, per case and mode
    for r in rows:
        if r["lib"] == "fastact" and r["threads"] != "1":
            multi[(r["function"], r.get("form"), r["dtype"], tuple(r["shape"]), r["mode"])] = r
    tcols = sorted({r["threads"] for r in multi.values()}, key=int)
    header = ["function", "dtype", "size", "mode", "Melem/s", "GB/s", "x copy", "spread"]
    header += [f"fastact T={t}" for t in tcols] + groups
    out = []
    for r in rows:
        if r["lib"] != "fastact" or r["threads"] != "1":
            continue
        key = (r["function"], r.get("form"), r["dtype"], tuple(r["shape"]), r["mode"])
        cell = best.get(key, {})
        line = [
            _function(r),
            r["dtype"],
            fmt_size(r["shape"]),
            r["mode"],
            fmt_rate(r["melem_s"]),
            f"{r['gb_s']:.1f}",
            f"{r['x_copy']:.2f}",
            f"{100 * r['spread']:.0f}%",
        ]
        for t in tcols:
            m = multi.get(key)
            if m is None or m["threads"] != t:
                line.append("-")
            else:
                line.append(f"{fmt_rate(m['melem_s'])} ({m['vs_fastact']:.2f}x; {m['x_copy']:.2f} copy)")
        for g in groups:
            p = cell.get(g)
            if p is None:
                line.append("-")
            else:
                star = "*" if p["allocates"] and r["mode"] != "alloc" else ""
                line.append(f"{fmt_rate(p['melem_s'])}{star} ({p['vs_fastact']:.2f}x)")
        out.append(line)
    return header, out


SUMMARY_LEGEND = (
    "Melem/s: million elements per second (best sample); GB/s: bytes read + written per second; "
    "x copy: time / np.copyto time on the same arrays (1 = memory speed); spread: (max - min) / min over samples. "
    "fastact T=N: fastact on N threads, Melem/s (its speed-up over one thread; its time / np.copyto time). "
    "Peer columns: the fastest call of that library at that thread count, Melem/s (fastact's speed-up: "
    "peer time / fastact time at the same thread count, JAX's pool against fastact's most threads; "
    "> 1 means fastact is faster); * = allocates its output (no out= in its API)."
)


def long(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Every measurement, one line each."""
    header = [
        "function",
        "dtype",
        "size",
        "mode",
        "lib",
        "T",
        "Melem/s",
        "GB/s",
        "x copy",
        "spread",
        "fastact x",
        "impl",
    ]
    out = []
    for r in rows:
        vs = "-" if r["vs_fastact"] is None else f"{r['vs_fastact']:.2f}"
        out.append(
            [
                _function(r),
                r["dtype"],
                fmt_size(r["shape"]),
                r["mode"],
                r["lib"],
                r["threads"],
                fmt_rate(r["melem_s"]),
                f"{r['gb_s']:.1f}",
                f"{r['x_copy']:.2f}",
                f"{100 * r['spread']:.0f}%",
                vs,
                r["impl"],
            ]
        )
    return header, out


def render(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    from fastact.cli import table

    return table(rows, header, markdown=markdown)


def describe(doc: dict[str, Any]) -> list[str]:
    """Lines saying which command ran on which machine, with which versions, under what load."""
    m = doc["machine"]
    c = m["cpu"]
    flags = " ".join(f for f, on in c["flags"].items() if on) or "none found"
    vers = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    load = m["load"]
    la = load["loadavg_before"], load["loadavg_after"]
    load_txt = (
        f"load average {la[0][0]:.2f} before, {la[1][0]:.2f} after" if la[0] and la[1] else "load average unknown"
    )
    if load["foreign_cores"] is not None:
        load_txt += f"; other processes used {load['foreign_cores']:.2f} cores during the run"
    cores = f"{c['usable_cores']} of {c['cores']} cores" if c["usable_cores"] != c["cores"] else f"{c['cores']} cores"
    return [
        f"Command: `{doc['command']}` ({doc['started']}, {doc['wall_seconds']:.0f} s"
        + (f", of which {doc['onetime_seconds']:.0f} s one-time costs)" if doc["onetime"] else ")"),
        f"Machine: {c['model']}{_ident(c)}, {cores}, SIMD: {flags}"
        + (f", LLVM cpu {c['llvm_host_cpu']}" if "llvm_host_cpu" in c else "")
        + (f", L2 {c['caches']['L2']}, L3 {c['caches']['L3']}" if {"L2", "L3"} <= set(c.get("caches", {})) else ""),
        f"Versions: {vers}",
        f"Threads: NumPy, SciPy 1; fastact and peers at 1 and {m['threads']['peer_threads']}"
        + (f" (fastact on numba's {m['threads']['fastact_layer']} layer)" if m["threads"].get("fastact_layer") else "")
        + f"; {load_txt}",
    ]


def onetime_lines(ot: dict[str, Any] | None) -> list[str]:
    """The one-time costs, a line each; times not measured are left out and a failure is named."""
    if not ot:
        return []
    lines = []
    fc = ot.get("first_call")
    if fc:
        imports = _secs(
            ("import numba", fc.get("import_numba_s"), 2), ("import fastact", fc.get("import_fastact_s"), 3)
        )
        calls = _secs(
            ("cold cache", fc.get("first_call_cold_cache_s"), 2),
            ("warm cache", fc.get("first_call_warm_cache_s"), 2),
            ("no cache", fc.get("first_call_no_cache_s"), 2),
        )
        first = f"first {fc['function']}() call: {calls or 'not measured'}"
        lines.append("One-time: " + "; ".join([imports, first] if imports else [first]) + _changed(fc) + _failed(fc))
    ba = ot.get("build_all")
    if ba:
        times = _secs(
            ("cold cache", ba.get("build_all_cold_cache_s"), 1), ("warm cache", ba.get("build_all_warm_cache_s"), 1)
        )
        lines.append(
            f"One-time: build all {ba['functions']} functions: {times or 'not measured'}" + _changed(ba) + _failed(ba)
        )
    if ot.get("error"):
        lines.append(f"One-time: stopped early: {ot['error']}")
    return lines


def _secs(*items: tuple[str, float | None, int]) -> str:
    return ", ".join(f"{label} {v:.{digits}f} s" for label, v, digits in items if v is not None)


def _failed(costs: dict[str, Any]) -> str:
    return f" (FAILED: {costs['error']})" if costs.get("error") else ""


def _changed(costs: dict[str, Any]) -> str:
    if costs.get("sources_changed"):
        return " (fastact's sources changed meanwhile, so the warm runs compiled: not valid)"
    return ""


def _ident(cpu: dict[str, Any]) -> str:
    i = cpu.get("id", {})
    if "cpu_family" not in i:
        return ""
    mhz = f", {float(i['cpu_MHz']) / 1000:.1f} GHz" if "cpu_MHz" in i else ""
    return f" (family {i['cpu_family']} model {i.get('model', '?')}{mhz})"
