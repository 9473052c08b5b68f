"""The decision table: for each use (GELU, sigmoid, ...), every choice with its error, its speed
and the conclusion that follows, derived from one report run's measurements (nothing is measured here).

Choices of a use, in this order: the exact functions, their ``fastact.fast`` kernels, the
approximations that stand for them (the registry's ``approximates``: gelu_tanh for gelu, ...)
and the peers (PyTorch, JAX, SciPy, NumPy).  Error, float32:

- an implementation of the same function: max ULP over the sweep's inputs (and over inputs
  whose exact value is a normal number, where the two differ);
- an approximation: max |v - f| against the exact function f (float64, no rounding, on [-8, 8]),
  max |v - f| / |f| over |x| <= 3 and (v - f) / f at x = -5, from ``approximation.math_error``
  (further out the tails decay at different rates and the relative error grows without bound).

Speed: Melem/s, float32, 1e6 elements, one thread, from the same run's throughput section.
"""

from __future__ import annotations

from typing import Any

from fastact.registry import ACTIVATIONS

# (use, the exact functions standing for it); approximations come from the registry
USES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GELU", ("gelu",)),
    ("sigmoid", ("sigmoid",)),
    ("SiLU / swish", ("silu", "swish")),
    ("tanh", ("tanh",)),
    ("softplus", ("softplus",)),
    ("ELU family", ("elu", "selu", "celu")),
    ("softmax", ("softmax", "log_softmax")),
)
ACCURATE_ULP = 4.0  # "accurate": within the fast tier's float32 bound (README: fast.* within 4 ULP)
SAME_SPEED = 1.15  # speed ratios below this are within the short run's noise: "no faster"


def _approximations(name: str) -> list[str]:
    return [a.name for a in ACTIVATIONS if a.approximates == name]


def _peer_speed(res: dict[str, Any], name: str, label: str) -> float | None:
    for r in res["throughput"]["peers"].get(name, []):
        if r["label"] == label and "melem_s" in r:
            return float(r["melem_s"])
    return None


def _library(lib: str) -> str:
    return lib.split(" ")[0] if lib.startswith(("PyTorch", "JAX")) else lib


def _measured(res: dict[str, Any], name: str, r: dict[str, Any], choice: str, kind: str) -> dict[str, Any]:
    """A row for an implementation of ``name`` measured in the peer tables (``r``: its entry)."""
    return {
        "choice": choice,
        "label": r["label"],
        "kind": kind,
        "of": name,
        "max_ulp": float(r["stats"]["max_ulp"]),
        "max_ulp_normal": float(r["stats"]["max_ulp_normal"]),
        "melem_s": _peer_speed(res, name, r["label"]),
    }


def choices(res: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of one use (only what this run measured)."""
    acc, tp = res["accuracy"], res["throughput"]["fastact"]
    approx = {e["variant"]: e for e in res.get("approximation", [])}
    rows: list[dict[str, Any]] = []
    for name in names:
        st = acc.get(name, {}).get("float32", {}).get("stats")
        if st is None:
            continue
        rows.append(
            {
                "choice": f"{name}",
                "label": f"fastact.{name}",
                "kind": "exact",
                "of": name,
                "max_ulp": float(st["max_ulp"]),
                "max_ulp_normal": float(st["max_ulp_normal"]),
                "melem_s": tp.get(name, {}).get("melem_s"),
            }
        )
    for name in names:
        for r in res["peers"].get(name, {}).get("float32", []):
            if r["library"] == "fastact.fast" and "stats" in r:
                rows.append(_measured(res, name, r, f"fast.{name}", "fast kernel"))
    for name in names:
        for v in _approximations(name):
            e = approx.get(v)
            if e is None:
                continue
            m = e["math"]
            for choice, speed in ((v, tp.get(v, {}).get("melem_s")), (f"fast.{v}", None)):
                if choice.startswith("fast."):
                    speed = _peer_speed(res, v, f"fastact.fast.{v}")
                    if speed is None:
                        continue
                rows.append(
                    {
                        "choice": choice,
                        "label": f"fastact.{choice}",
                        "kind": f"approximation of {name}" + (f" ({v}'s fast kernel)" if choice != v else ""),
                        "of": name,
                        "max_abs": m["max_abs"],
                        "max_abs_x": m["max_abs_x"],
                        "max_rel": m["max_rel"],
                        "max_rel_x": m["max_rel_x"],
                        "max_rel_body": m["max_rel_body"],
                        "max_rel_body_x": m["max_rel_body_x"],
                        "tail_rel": m["tail_rel"],
                        "melem_s": speed,
                    }
                )
    for name in names:
        for r in res["peers"].get(name, {}).get("float32", []):
            if r["library"] == "fastact.fast" or "stats" not in r:
                continue
            rows.append(_measured(res, name, r, _library(r["library"]), "peer"))
    return rows


def _f(v: float) -> str:
    return f"{v:.0f}"


def _u(v: float) -> str:
    return f"{v:.2f}" if v < 100 else f"{v:.3g}"


def conclusion(rows: list[dict[str, Any]]) -> str:
    """One sentence from the numbers: per exact function of the use, what to call, what its approximations
    buy, and where the peers stand."""
    timed = [r for r in rows if r.get("melem_s")]
    exact = [r for r in timed if r["kind"] == "exact"]
    if not exact:
        return "Not enough measured here for a conclusion (run with float32 and the exact function)."
    parts = [p for main in exact for p in _clauses(main, [r for r in timed if r["of"] == main["of"]])]
    s = "; ".join(parts)
    return s[0].upper() + s[1:] + "."


def _clauses(main: dict[str, Any], timed: list[dict[str, Any]]) -> list[str]:
    """The clauses for one exact function ``main`` and the timed rows of the same function."""
    ours = [r for r in timed if r["kind"] in ("exact", "fast kernel")]
    best = max(ours, key=lambda r: r["melem_s"])
    ratio = best["melem_s"] / main["melem_s"]
    parts = []
    if best is main or ratio < SAME_SPEED:
        parts.append(
            f"call `{main['choice']}` ({_u(main['max_ulp'])} ULP, {_f(main['melem_s'])} Melem/s)"
            + (f": `{best['choice']}` is no faster here ({_f(best['melem_s'])} Melem/s)" if best is not main else "")
        )
        best = main
    else:
        parts.append(
            f"`{best['choice']}` is {ratio:.1f}x the exact `{main['choice']}` ({_f(best['melem_s'])} vs "
            f"{_f(main['melem_s'])} Melem/s) at {_u(best['max_ulp'])} ULP against {_u(main['max_ulp'])}"
        )
    approx: dict[str, dict[str, Any]] = {}  # per approximation its faster implementation (exact or fast kernel)
    for r in timed:
        if r["kind"].startswith("approximation"):
            key = r["choice"].removeprefix("fast.")
            if key not in approx or r["melem_s"] > approx[key]["melem_s"]:
                approx[key] = r
    for a in approx.values():
        ratio = a["melem_s"] / best["melem_s"]
        if ratio < SAME_SPEED:
            parts.append(
                f"`{a['choice']}` ({_f(a['melem_s'])} Melem/s) is no faster than `{best['choice']}` "
                f"({_f(best['melem_s'])}) and up to {a['max_abs']:.2g} off: the exact function costs almost nothing "
                "more here"
            )
        else:
            parts.append(
                f"`{a['choice']}` is {ratio:.1f}x `{best['choice']}` at up to {a['max_abs']:.2g} absolute error "
                f"(x = {a['max_abs_x']:.3g})"
            )
    peers = [r for r in timed if r["kind"] == "peer"]
    good = [r for r in peers if r["max_ulp_normal"] <= ACCURATE_ULP]
    if good:
        fastest = max(good, key=lambda r: r["melem_s"])
        cmp = "faster than" if fastest["melem_s"] > best["melem_s"] else "slower than"
        normal = " on normal results" if fastest["max_ulp"] > fastest["max_ulp_normal"] else ""
        parts.append(
            f"the fastest peer within {ACCURATE_ULP:g} ULP{normal}, {fastest['choice']} `{fastest['label']}` "
            f"({_f(fastest['melem_s'])} Melem/s, {_u(fastest['max_ulp_normal'])} ULP), is {cmp} `{best['choice']}`"
        )
    elif peers:
        parts.append(f"no peer of `{main['choice']}` measured here is within {ACCURATE_ULP:g} ULP")
    faster_bad = [r for r in peers if r not in good and r["melem_s"] > best["melem_s"]]
    if faster_bad:
        r = max(faster_bad, key=lambda r: r["melem_s"])
        parts.append(
            f"{r['choice']} `{r['label']}` is faster ({_f(r['melem_s'])} Melem/s) but {_u(r['max_ulp_normal'])} ULP off"
        )
    return parts


def table(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Every use with at least one measured choice: {use, exact, rows, conclusion}."""
    out = []
    for use, names in USES:
        rows = choices(res, names)
        if rows:
            out.append({"use": use, "exact": list(names), "rows": rows, "conclusion": conclusion(rows)})
    return out
