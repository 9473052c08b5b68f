"""The hard inputs every accuracy measurement starts from: tests, sweeps, the oracle validation, the report.

``hard_inputs(act, n, dtype, seed)`` mixes random bit patterns over every exponent with the
places where activation functions go wrong: the domain, +-300 ULP around each knee, the
range's edges and where e^x and e^(-x^2/2) reach the subnormal range.  Deterministic for a seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastact.registry import Activation


def hard_inputs(act: Activation, n: int, dtype: Any = np.float32, seed: int = 0) -> np.ndarray:
    """Random bit patterns over all exponents, the domain, [-100, 100], +-300 ULP around each
    knee (at 0: steps of the smallest subnormal and of the smallest normal), the range's edges,
    and where e^x and e^(-x^2/2) tails reach the subnormal range (x e^x, x Phi(x): a result
    rounded there and scaled by x loses up to |x|/2 subnormal ulps)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    ity = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]
    bits = rng.integers(0, np.iinfo(ity).max, size=n, dtype=ity, endpoint=True).view(dt)
    bits = bits[np.isfinite(bits)]
    lo, hi = act.domain
    parts = [bits, rng.uniform(lo, hi, size=n).astype(dt), rng.uniform(-100, 100, size=n // 4).astype(dt)]
    for k in act.knees:
        steps = np.arange(-300, 301)
        if k == 0:
            parts.append((np.finfo(dt).smallest_subnormal * steps).astype(dt))
            parts.append((np.finfo(dt).tiny * steps).astype(dt))
        else:
            grid = np.array([k], dt).view(ity).astype(np.int64) + steps
            parts.append(grid.astype(ity).view(dt))
    info = np.finfo(dt)
    l_sub, l_tiny = float(np.log(info.smallest_subnormal)), float(np.log(info.tiny))
    parts.append(rng.uniform(1.08 * l_sub, 0.95 * l_tiny, size=n // 8).astype(dt))
    parts.append(-np.sqrt(-2.0 * rng.uniform(1.05 * l_sub, 0.95 * l_tiny, size=n // 8)).astype(dt))
    parts.append(np.array([info.max, -info.max, info.tiny, -info.tiny], dtype=dt))
    return np.concatenate(parts).astype(dt)
