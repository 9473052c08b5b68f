"""The report's figures (matplotlib, Agg backend, PNG).

- ``functions.png``: every elementwise function over [-5, 5] (float32 values from
  fastact), one panel each, approximations drawn dashed over the function they
  approximate; a restyling of the source document's figure of the functions.
- ``approximation.png``: |v(x) - f(x)| of each approximation against its exact function
  over [-8, 8] (float64 oracles), log scale.
- ``ulp_<dtype>.png``: fastact's ULP error against x per dtype, the max over 200 bins
  of each function's domain.
- ``accuracy_speed.png``: float32 max ULP (normal-range results) against Melem/s, fastact and peers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(n: int, cols: int = 6) -> tuple[int, int]:
    return max(1, -(-n // cols)), min(cols, max(n, 1))


def functions(acts: list[Any], path: Path) -> None:
    import fastact

    from .formats import FORMATS
    from .sweeps import format_params

    plt = _plt()
    acts = [a for a in acts if not a.is_rowwise]
    x = np.linspace(-5, 5, 1001).astype(np.float32)
    rows, cols = _grid(len(acts))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.2 * rows + 0.6), squeeze=False)
    for ax in axes.ravel()[len(acts) :]:
        ax.axis("off")
    for ax, act in zip(axes.ravel(), acts, strict=False):
        y = getattr(fastact, act.name)(x, *format_params(act, FORMATS["float32"]))
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        if act.approximates:
            ref = getattr(fastact, act.approximates)(x)
            ax.plot(x, ref, color="0.55", lw=1.2, label=act.approximates)
            ax.plot(x, y, color="C3", lw=1.5, ls="--", label=act.name)
            ax.legend(fontsize=6, loc="upper left", frameon=False)
        else:
            ax.plot(x, y, color="C0", lw=1.6)
        ax.set_title(act.name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlim(-5, 5)
    fig.suptitle("Activation functions over [-5, 5] (fastact, float32)", fontsize=11)
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.04, top=1 - 0.6 / (2.2 * rows + 0.6), hspace=0.45, wspace=0.25)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def approximation(curves: list[tuple[str, str, np.ndarray, np.ndarray]], path: Path) -> None:
    """``curves``: (variant, exact, x, v - f)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for variant, exact_name, x, d in curves:
        step = max(1, x.size // 4000)  # enough points for the eye, fast to draw
        ax.semilogy(x[::step], np.maximum(np.abs(d[::step]), 1e-12), lw=1.2, label=f"{variant} - {exact_name}")
    ax.set_ylim(1e-8, 1)
    ax.set_xlabel("x")
    ax.set_ylabel("|approximation - exact|")
    ax.set_title("Approximations against their exact functions (float64, no rounding)")
    ax.grid(True, which="major", color="0.9")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
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
    rows, cols = _grid(len(panels))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.0 * rows + 0.6), squeeze=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, (name, c, m) in zip(axes.ravel(), panels, strict=False):
        ax.plot(c, m, color="C0", lw=1.0, drawstyle="steps-mid")
        ax.axhline(0.5, color="C3", lw=0.8, ls=":")
        ax.set_title(name, fontsize=9)
        top = np.nanmax(m) if np.isfinite(m).any() else 0.0
        ax.set_ylim(0, max(1.0, float(top) * 1.1))
        ax.tick_params(labelsize=7)
    fig.suptitle(f"fastact {fmt_name}: max ULP error per bin of x (dotted: 0.5 = correctly rounded)", fontsize=11)
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.05, top=1 - 0.6 / (2.0 * rows + 0.6), hspace=0.5, wspace=0.25)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def accuracy_speed(points: list[dict[str, Any]], path: Path) -> None:
    """``points``: {"label", "library", "melem_s", "max_ulp"} (float32; the report passes the max over
    inputs whose exact value is normal, so flushing subnormal results to zero does not dominate)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 6))
    floor = 1e-2
    libs = sorted({p["library"] for p in points}, key=lambda s: (s != "fastact", s))
    markers = dict(zip(libs, "osD^vP*X", strict=False))
    for lib in libs:
        ps = [p for p in points if p["library"] == lib and np.isfinite(p["melem_s"])]
        ys = [min(max(p["max_ulp"], floor), 1e9) for p in ps]
        ax.scatter([p["melem_s"] for p in ps], ys, marker=markers[lib], s=30 if lib == "fastact" else 22, label=lib)
        for p, y in zip(ps, ys, strict=True):
            ax.annotate(p["label"], (p["melem_s"], y), fontsize=6, xytext=(3, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("throughput, float32, 1e6 elements, one thread (Melem/s)")
    ax.set_ylabel(f"float32 max ULP error, normal-range results (0 drawn at {floor})")
    ax.set_title("Accuracy against speed")
    ax.legend(fontsize=8)
    ax.grid(True, color="0.92")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
