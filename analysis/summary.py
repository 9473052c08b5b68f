"""``python -m fastact.analysis.summary [names...]``: measured max ULP per function and dtype.

float16: all 65536 inputs against mpmath; float32: a million inputs (random bit
patterns, the domain, knees) against the validated float64 oracle; float64: samples
against mpmath.  Prints a Markdown table (the seed of ``fastact report``).
"""

from __future__ import annotations

import sys

import numpy as np

import fastact
from fastact.registry import ACTIVATIONS, get

from .inputs import hard_inputs
from .metrics import ulp_error
from .oracle import oracle
from .references import hi_lo, mp_values


def measure(name: str, n64: int = 3000) -> dict[str, float]:
    act = get(name)
    uf = getattr(fastact, name)
    params = act.example_params()[0]
    out = {}
    x16 = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    p16 = [np.float16(p) for p in params]
    hi, lo = hi_lo(mp_values(act, x16, *p16))
    out["float16"] = float(np.max(ulp_error(uf(x16, *p16), hi, lo, np.float16)))
    x32 = hard_inputs(act, 400_000, np.float32, seed=7)
    x32 = np.concatenate([x32, np.random.default_rng(8).uniform(*act.domain, 600_000).astype(np.float32)])
    p32 = [np.float32(p) for p in params]
    out["float32"] = float(np.max(ulp_error(uf(x32, *p32), oracle(act, x32, *p32), None, np.float32)))
    x64 = hard_inputs(act, n64, np.float64, seed=9)
    p64 = [np.float64(p) for p in params]
    hi, lo = hi_lo(mp_values(act, x64, *p64))
    out["float64"] = float(np.max(ulp_error(uf(x64, *p64), hi, lo, np.float64)))
    return out


def main(names: list[str]) -> None:
    print("| function | float16 max ULP (65536) | float32 max ULP (1e6) | float64 max ULP (samples) | claim |")
    print("|---|---|---|---|---|")
    for name in names:
        m = measure(name)
        c = get(name).max_ulp
        print(
            f"| {name} | {m['float16']:.3f} | {m['float32']:.3f} | {m['float64']:.3f} | "
            f"{c['float16']}/{c['float32']}/{c['float64']} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or [a.name for a in ACTIVATIONS if not a.is_rowwise])
