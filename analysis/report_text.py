"""The report's text: the measurement dict (``analysis.measurements``) as Markdown.

Pure formatting: every number comes from the dict, nothing is measured here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import derivatives


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


SOURCE_DOC = (
    'the 2020 tutorial "AI mini-class: Activation Function" (its formulas, float16 worked '
    "example and concentric-circles experiment, which fastact re-measures)"
)


def _machine(res: dict[str, Any]) -> str:
    m = res["machine"]
    cpu = m.get("cpu_model") or "CPU model unknown"
    flags = m.get("cpu_flags") or []
    simd = f", {' '.join(flags)}" if flags else ""
    return f"{m['platform']}, {cpu}{simd}, {m['cpus']} CPUs"


def _skipped_section(res: dict[str, Any]) -> list[str]:
    """Which peer libraries were not installed, and the one command that adds them."""
    skipped = res.get("skipped_peers") or []
    if not skipped:
        return []
    names = " and ".join(s["library"] for s in skipped)
    cmd = skipped[0]["install"]
    return [
        f"**Left out: {names}** (not installed), so every peer table, the decision table and the accuracy-speed "
        f"plot compare fastact with NumPy and SciPy only. `{cmd}` installs them; run the report again.",
        "",
    ]


def _error_cell(r: dict[str, Any]) -> str:
    if "max_abs" in r:
        tail = r["tail_rel"].get("-5.0")
        return f"abs {_num(r['max_abs'])} (x = {_x(r['max_abs_x'])}); rel {_pct(r['max_rel_body'])} on [-3, 3]" + (
            f", {_pct(tail, signed=True)} at x = -5" if tail is not None else ""
        )
    return _ulp_pair({"max_ulp": r["max_ulp"], "max_ulp_normal": r["max_ulp_normal"]}) + " ULP"


def _pct(v: float, signed: bool = False) -> str:
    return f"{100 * v:{'+' if signed else ''}.2g} %"


def _decision_section(res: dict[str, Any]) -> list[str]:
    """The decision table: every choice per use, its float32 error and speed, and the conclusion."""
    uses = res.get("decision") or []
    if not uses:
        return []
    L = [
        "## Which one to use",
        "",
        "float32, from this run. Error: for an implementation of the same function, the max ULP over the "
        "sampled inputs (in parentheses over inputs whose exact value is a normal number, where that differs); "
        "for an approximation, its max absolute distance from the exact function (float64, no rounding, x in "
        "[-8, 8]) and its max relative distance over [-3, 3], with the signed relative error at x = -5: in the "
        "negative tail an approximation and its function decay at different rates, so the relative error grows "
        "without bound there (the approximation section has it in full). Speed: Melem/s on "
        "1e6 elements (softmax: 1000 x 1000), one thread, best of 3 short runs: a guide, `fastact bench` "
        "measures properly.",
        "",
    ]
    for u in uses:
        exact_speed = {r["of"]: r["melem_s"] for r in u["rows"] if r["kind"] == "exact" and r["melem_s"]}
        rows = []
        for r in u["rows"]:
            sp = r.get("melem_s")
            base = exact_speed.get(r["of"])
            rel = f"{sp / base:.2f}x" if sp and base else "-"
            rows.append(
                [
                    f"`{r['choice']}`" if r["kind"] != "peer" else r["choice"],
                    f"{r['kind']}: `{r['label']}`" if r["kind"] == "peer" else r["kind"],
                    _error_cell(r),
                    f"{sp:.0f}" if sp else "-",
                    rel,
                ]
            )
        L += [f"### {u['use']}", ""]
        L += _table(["choice", "what", "float32 error", "Melem/s", "speed / exact"], rows)
        L += [f"**Conclusion.** {u['conclusion']}", ""]
    return L


def markdown(res: dict[str, Any]) -> str:
    s = res["settings"]
    dtypes = s["dtypes"]
    L = ["# fastact accuracy report", ""]
    L += [
        f"Generated {res['generated']} by `{res['command']}` in {res['seconds']['total']:.0f} s "
        f"({_machine(res)}; " + ", ".join(f"{k} {v}" for k, v in res["versions"].items()) + ").",
        "",
    ]
    L += _skipped_section(res)
    L += _decision_section(res)
    L += [
        "## How the numbers were measured",
        "",
        f"'The source document' below is {SOURCE_DOC}.",
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
        "bfloat16 results are fastact's own bfloat16 loops (ml_dtypes' dtype: bfloat16 in, bfloat16 out, "
        "rounded once); without ml_dtypes, fastact's float32 results rounded to bfloat16 (a second rounding, "
        "which can miss the correctly rounded bfloat16 value even from a correctly rounded float32 one).",
        "",
        "## Headline",
        "",
    ]
    L += headline(res, dtypes)
    has_peer_columns = any(
        r["library"].startswith(("PyTorch", "JAX")) for per in res["peers"].values() for r in per.get("float32", [])
    )
    L += (
        []
        if not has_peer_columns
        else [
            "Peer columns: max ULP over all measured inputs, and in parentheses over inputs whose exact value is a "
            "normal number, where the two differ (flushing subnormal results to zero costs millions of ULP in "
            "units of the smallest subnormal).",
            "",
        ]
    )
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
    L += [
        "## results.json",
        "",
        "Every number above is in `results.json` beside this page; its fields are described in "
        "`analysis/results_schema.md` (in fastact's source tree and installed package).",
        "",
    ]
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
    L += [
        "Relative errors are over exact values that are normal numbers of the format. Far in the negative "
        "tail an approximation and its function decay at different rates (gelu_sigmoid like e^(-1.702|x|), gelu "
        "like e^(-x^2/2)), so where both are tiny but normal the ratio reaches 1e9, and in float64 1e280: "
        "the approximation is not small there, the exact value is. The absolute columns are the useful ones.",
        "",
    ]
    return L


def _peer_sections(res: dict[str, Any]) -> list[str]:
    L = [
        "## Peers on the same inputs",
        "",
        "Same inputs, same exact values, same metric as the fastact tables. `NumPy (document formula)` is the source "
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
        "Printed: the document's text, as printed (4 significant digits). Correctly rounded: the exact function "
        "rounded once to float16 (mpmath), which is what fastact returns, in the shortest decimal that reads "
        "back as that float16. Float16 formula: the document's formula in float16 NumPy arithmetic. The rule: a "
        "printed value matches when the float16 nearest to it is the correctly rounded value (printed -0.4 reads "
        "back as float16 -0.39990234375, the correctly rounded leaky_relu(-2, 0.2): a match). Printed values "
        "that miss are in **bold**.",
        "",
    ]
    rows = []
    for r in we:
        texts = r.get("printed_text") or [f"{v:g}" for v in r["printed"]]
        printed = ", ".join(f"**{t}**" if i in r["off"] else t for i, t in enumerate(texts))
        cr = ", ".join(_h(v) for v in r["correctly_rounded"])
        step = ", ".join(_h(v) for v in r["float16_formula"])
        same = "yes" if r["fastact"] == r["correctly_rounded"] else "NO"
        name = r["function"] + (f"({r['params'][0]:g})" if r["params"] else "")
        rows.append([f"`{name}`", printed, cr, same, step, r["reason"]])
    return L + _table(["function", "printed", "correctly rounded", "fastact = CR", "float16 formula", "why"], rows)


def _h(v: float) -> str:
    """A float16 value in its shortest round-tripping decimal form."""
    return np.format_float_positional(np.float16(v), trim="-")


def _lib(library: str) -> str:
    """A peer's library without its version (PyTorch 2.13.0 -> PyTorch); NumPy's two kinds kept apart."""
    return library.split(" ")[0] if library.startswith(("PyTorch", "JAX")) else library


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
            f"{_lib(r['library'])} `{r['label']}` {r['melem_s']:.0f}"
            for r in tp["peers"].get(name, [])
            if "melem_s" in r
        )
        rows.append([f"`{name}`", f"{s['melem_s']:.0f}", f"{s['x_copy']:.2f}", peers or "-"])
    L += _table(["function", "fastact Melem/s", "x copy", "peers Melem/s"], rows)
    return L
