"""The report's figures (matplotlib, Agg backend, PNG).

- ``functions.png``: every elementwise function over [-7, 7] (float32 values from
  fastact; wide enough to show relu6's clip at 6), one panel each, parameters in the
  panel titles, approximations drawn dashed over the function they approximate; a
  restyling of the source document's figure of the functions.
- ``approximation.png``: |v(x) - f(x)| of each approximation against its exact function
  over [-8, 8] (float64 oracles), log scale.
- ``ulp_<dtype>.png``: fastact's ULP error against x per dtype, the max over 200 bins
  of each function's domain.
- ``accuracy_speed.png``: float32 max ULP (normal-range results) against Melem/s, one panel per
  use of the decision table (``analysis.decision``), one marker per library, no point labels.

Legibility: every figure is at most ``WIDTH`` inches wide at ``DPI``, so the report's HTML
(1200 px column) shows it unscaled, and every text is at least 9 pt (``_rc``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

WIDTH = 11.0  # inches: 1100 px at DPI, inside the HTML's 1200 px column, never scaled down
DPI = 100
MIN_PT = 9
RC = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": MIN_PT,
    "ytick.labelsize": MIN_PT,
    "legend.fontsize": MIN_PT,
    "figure.titlesize": 12,
}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(RC)
    return plt


def _grid(n: int, cols: int = 4) -> tuple[int, int]:
    return max(1, -(-n // cols)), min(cols, max(n, 1))


def _param_title(act: Any, fmt: Any) -> str:
    from .sweeps import format_params

    ps = format_params(act, fmt)
    if not ps:
        return act.name
    return f"{act.name}, {', '.join(f'{n} {float(p):g}' for n, p in zip(act.params, ps, strict=True))}"


def functions(acts: list[Any], path: Path) -> None:
    import fastact

    from .formats import FORMATS
    from .sweeps import format_params

    plt = _plt()
    f32 = FORMATS["float32"]
    acts = [a for a in acts if not a.is_rowwise]
    x = np.linspace(-7, 7, 1401).astype(np.float32)
    rows, cols = _grid(len(acts), 4)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 2.3 * rows + 0.9), squeeze=False, layout="constrained")
    for ax in axes.ravel()[len(acts) :]:
        ax.axis("off")
    for ax, act in zip(axes.ravel(), acts, strict=False):
        y = getattr(fastact, act.name)(x, *format_params(act, f32))
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        if act.approximates:
            ref = getattr(fastact, act.approximates)(x)
            ax.plot(x, ref, color="0.55", lw=1.2, label=act.approximates)
            ax.plot(x, y, color="C3", lw=1.5, ls="--", label=act.name)
            ax.legend(loc="upper left", frameon=False, handlelength=1.5)
        else:
            ax.plot(x, y, color="C0", lw=1.6)
        ax.set_title(_param_title(act, f32))
        ax.set_xlim(-7, 7)
        ax.set_xticks([-6, -3, 0, 3, 6])
    fig.supxlabel("x")
    fig.supylabel("f(x)")
    fig.suptitle("Activation functions over [-7, 7] (fastact, float32); dashed: an approximation over its function")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def approximation(curves: list[tuple[str, str, np.ndarray, np.ndarray]], path: Path) -> None:
    """``curves``: (variant, exact, x, v - f)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 4.5), layout="constrained")
    for variant, exact_name, x, d in curves:
        step = max(1, x.size // 4000)  # enough points for the eye, fast to draw
        ax.semilogy(x[::step], np.maximum(np.abs(d[::step]), 1e-12), lw=1.2, label=f"{variant} - {exact_name}")
    ax.set_ylim(1e-8, 1)
    ax.set_xlabel("x")
    ax.set_ylabel("|approximation(x) - exact(x)|  (absolute)")
    ax.set_title("Approximations against their exact functions (float64, no rounding)")
    ax.grid(True, which="major", color="0.9")
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def binned_max(x: np.ndarray, err: np.ndarray, lo: float, hi: float, bins: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """(bin centres, max error per bin) over the inputs in [lo, hi]; empty bins are NaN."""
    with np.errstate(invalid="ignore"):  # float16 signalling-NaN patterns warn when widened
        x = np.asarray(x, dtype=np.float64).ravel()
    err = np.asarray(err).ravel()
    keep = np.isfinite(x) & (x >= lo) & (x <= hi)
    x, err = x[keep], np.where(np.isfinite(err[keep]), err[keep], np.nan)
    idx = np.minimum(((x - lo) / (hi - lo) * bins).astype(np.int64), bins - 1)
    out = np.full(bins, -np.inf)
    np.maximum.at(out, idx, np.nan_to_num(err, nan=-np.inf))
    out[np.isinf(out)] = np.nan
    edges = np.linspace(lo, hi, bins + 1)
    return (edges[:-1] + edges[1:]) / 2, out


def ulp_vs_x(fmt_name: str, panels: list[tuple[str, np.ndarray, np.ndarray]], path: Path) -> None:
    """``panels``: (function, bin centres, max ULP error per bin) from ``binned_max``."""
    plt = _plt()
    rows, cols = _grid(len(panels), 4)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 2.1 * rows + 1.0), squeeze=False, layout="constrained")
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, (name, c, m) in zip(axes.ravel(), panels, strict=False):
        ax.plot(c, m, color="C0", lw=1.0, drawstyle="steps-mid")
        ax.axhline(0.5, color="C3", lw=0.8, ls=":")
        ax.set_title(name)
        top = np.nanmax(m) if np.isfinite(m).any() else 0.0
        ax.set_ylim(0, max(1.0, float(top) * 1.1))
    fig.supxlabel("x (each function's domain, 200 bins)")
    fig.supylabel("max error in the bin (ULP)")
    fig.suptitle(f"fastact {fmt_name}: max ULP error against x (dotted: 0.5 = correctly rounded)")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def accuracy_speed(uses: list[dict[str, Any]], path: Path, left_out: list[str] = ()) -> None:
    """``uses``: the decision table (``analysis.decision.table``); one panel per use, float32 max ULP over
    normal-range results (flushing subnormal results to zero does not dominate) against Melem/s, one
    marker per library.  Approximations have no ULP error (another function) and are left out here.
    ``left_out``: libraries not installed, named in the title."""
    plt = _plt()
    floor = 1e-2
    uses = [u for u in uses if any(r.get("melem_s") and "max_ulp" in r for r in u["rows"])]
    if not uses:
        uses = []
    libs: list[str] = []
    for u in uses:
        for r in u["rows"]:
            lib = _lib_key(r)
            if "max_ulp" in r and lib not in libs:
                libs.append(lib)
    style = {lib: (m, f"C{i}") for i, (lib, m) in enumerate(zip(libs, "osD^vP*Xh<>", strict=False))}
    cols = min(4, max(1, len(uses)))
    rows = max(1, -(-len(uses) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 2.8 * rows + 1.4), squeeze=False, layout="constrained")
    for ax in axes.ravel()[len(uses) :]:
        ax.axis("off")
    for ax, u in zip(axes.ravel(), uses, strict=False):
        for r in u["rows"]:
            if "max_ulp" not in r or not r.get("melem_s"):
                continue
            m, c = style[_lib_key(r)]
            y = min(max(float(r["max_ulp_normal"]), floor), 1e9)
            ax.scatter([r["melem_s"]], [y], marker=m, color=c, s=40, edgecolors="k", linewidths=0.4, zorder=3)
        ax.set_xscale("log")
        _speed_ticks(ax, [r["melem_s"] for r in u["rows"] if "max_ulp" in r and r.get("melem_s")])
        ax.set_yscale("log")
        ax.set_ylim(floor / 2, 2e9)
        ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
        ax.set_title(u["use"])
        ax.grid(True, color="0.92")
    handles = [
        plt.Line2D([], [], marker=m, color=c, ls="", markeredgecolor="k", markersize=7, label=lib)
        for lib, (m, c) in style.items()
    ]
    spare = axes.ravel()[len(uses) :]
    if len(spare):  # the legend in the grid's empty cell: no overlap with the axis labels
        spare[-1].legend(handles=handles, loc="center", frameon=False, title="implementation")
    else:
        fig.legend(handles=handles, loc="outside right upper", frameon=False, title="implementation")
    fig.supxlabel("throughput, float32, 1e6 elements, one thread (Melem/s)")
    fig.supylabel(f"max ULP error, normal results\n(0 drawn at {floor})")
    title = "Accuracy against speed, float32 (dotted: 0.5 ULP = correctly rounded)"
    if left_out:
        title += f"\nnot installed, not shown: {', '.join(left_out)}"
    fig.suptitle(title)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def _speed_ticks(ax: Any, speeds: list[float]) -> None:
    """A log x axis with a few plain-number ticks (1-2-5 steps) and no minor labels, so they never collide."""
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    if not speeds:
        return
    lo, hi = min(speeds) / 1.5, max(speeds) * 1.5
    ax.set_xlim(lo, hi)
    steps = [m * 10.0**e for e in range(0, 6) for m in (1, 2, 5)]
    ticks = [t for t in steps if lo <= t <= hi]
    while len(ticks) > 4:  # keep every other one until at most 4 remain
        ticks = ticks[::2]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:g}")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _lib_key(r: dict[str, Any]) -> str:
    """Legend entry of a decision-table row: fastact exact, fastact.fast, or the peer's library."""
    if r["kind"] == "exact":
        return "fastact (exact)"
    if r["kind"] == "fast kernel":
        return "fastact.fast"
    return r["choice"]
