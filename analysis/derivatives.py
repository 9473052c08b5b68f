"""The report's derivatives section: ``fastact.grad`` measured like the functions.

For each element-wise derivative of the selected functions and each format: the sweep
of ``analysis.sweeps`` (same inputs, exact values from the derivative's validated float64
oracle and mpmath), with the error split at the derivative's zeros: next to a zero
(within ``ZERO_WINDOW``) the ULP error is unbounded by nature (the value goes through 0),
so there the claim and the measure are absolute, |error| / (eps * max|f'|); elsewhere
the fractional ULP error.  Plus float32 throughput at 1e6 elements beside the function's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastact.registry import ZERO_WINDOW, Activation, Derivative

from .formats import get_format
from .metrics import ulp_of
from .sweeps import sweep
from .throughput import fastact_speed


def derivatives_of(acts: list[Activation]) -> list[Derivative]:
    """The element-wise derivatives of ``acts`` (row functions have VJPs, tested in tests/test_grad.py)."""
    return [d for a in acts if not a.is_rowwise for d in a.grads]


def measure(d: Derivative, fmt: str, samples: int, n64: int) -> dict[str, Any]:
    """max ULP away from the zeros, max |error| / (eps max|f'|) next to them, and the full stats."""
    sw = sweep(d, fmt, samples, n64)
    with np.errstate(invalid="ignore"):  # the signalling-NaN patterns among all 65536 raise "invalid"
        x = np.asarray(sw.x, dtype=np.float64).ravel()
        err = sw.err
        fin = np.isfinite(x) & np.isfinite(err)
        near = np.zeros(x.size, bool)
        for z in d.zeros:
            near |= np.abs(x - z) <= ZERO_WINDOW
    f = get_format(fmt)
    eps = 2.0 ** (1 - f.p)
    with np.errstate(all="ignore"):
        abs_err = err * ulp_of(sw.ref.hi.ravel(), f.name)
    away = fin & ~near
    return {
        "kind": sw.kind,
        "stats": sw.stats.summary(),
        "max_ulp_away_from_zeros": float(err[away].max()) if away.any() else None,
        "zero_window_abs_over_eps_bound": float((abs_err[fin & near] / (eps * d.bound)).max())
        if (fin & near).any()
        else None,
        "special": sw.special,
    }


def measure_all(acts: list[Activation], dtypes: list[str], samples: int, n64: int, log: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in derivatives_of(acts):
        log(d.path)
        out[d.name] = {"of": d.of, "wrt": d.wrt, "zeros": list(d.zeros), "dtypes": {}}
        for fmt in dtypes:
            out[d.name]["dtypes"][fmt] = measure(d, fmt, samples, n64)
        if "float32" in dtypes:
            out[d.name]["float32_speed"] = fastact_speed(d)
    return out


ROW_VJPS = ("softmax", "log_softmax")


def _u(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}" if v < 1000 else f"{v:.3g}"


def section(res: dict[str, Any], dtypes: list[str], speed: dict[str, Any]) -> list[str]:
    """Markdown: one row per derivative."""
    grads = res.get("derivatives") or {}
    if not grads:
        return []
    lines = [
        "## Derivatives (fastact.grad)",
        "",
        "Each derivative against its own closed form (mpmath; float64 oracle for the sampled formats), same "
        f"inputs as the functions. ULP columns leave out |x - zero| <= {ZERO_WINDOW} around the derivative's "
        "zeros; there the error is judged absolutely: 'zero window' is max |error| / (eps * max|f'|) over all "
        "formats (the claim: <= 1). Speed: float32, 1e6 elements, one thread, Melem/s (the function's beside it).",
        "",
        "| derivative | "
        + " | ".join(f"{d} max ULP" for d in dtypes)
        + " | zero window | Melem/s | function Melem/s |",
        "|---|" + "---|" * (len(dtypes) + 3),
    ]
    for name, g in grads.items():
        cells = [_u(g["dtypes"][d]["max_ulp_away_from_zeros"]) for d in dtypes]
        zw = [v for d in dtypes if (v := g["dtypes"][d]["zero_window_abs_over_eps_bound"]) is not None]
        sp = g.get("float32_speed", {}).get("melem_s")
        fsp = speed.get(g["of"], {}).get("melem_s")
        cells += [_u(max(zw)) if zw else "-", f"{sp:.0f}" if sp else "-", f"{fsp:.0f}" if fsp else "-"]
        lines.append(f"| `grad.{name}` | " + " | ".join(cells) + " |")
    for a in res.get("settings", {}).get("functions", []):
        if a in ROW_VJPS:  # row functions: no sweep here (a VJP takes y and dy rows), tested instead
            lines.append(f"| `grad.{a}` | " + " | ".join("-" for _ in dtypes) + " | - | - | - |")
    lines.append("")
    if any(a in ROW_VJPS for a in res.get("settings", {}).get("functions", [])):
        lines += [
            "`grad.softmax` and `grad.log_softmax` are vector-Jacobian products of rows (y, dy), not functions "
            "of x, so this sweep does not apply; `tests/test_grad.py` checks them against the explicit Jacobian "
            "in float64, their float16/float32 results as one rounding of that, and against PyTorch's autograd.",
            "",
        ]
    return lines
