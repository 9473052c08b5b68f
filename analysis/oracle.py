"""Fast float64 references (the registry's ``oracle``) and their validation against mpmath.

mpmath is far too slow for million-point sweeps; each registry entry therefore also
gives a NumPy/SciPy float64 formula in a cancellation-free form that shares no code
with fastact's kernels.  ``validate`` measures how far it is from the mpmath
definition, in units of the float32 ULP, on random and hard inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special as sp

from fastact.registry import Activation

from .metrics import ulp_error
from .references import hi_lo, mp_values


def oracle(act: Activation, x: np.ndarray, *params: Any) -> np.ndarray:
    """The oracle in float64 at ``x`` (any float dtype, taken as exact)."""
    if act.oracle is None:
        raise ValueError(f"{act.name} has no float64 oracle")
    x64 = np.asarray(x, dtype=np.float64)
    ps = [np.asarray(p, dtype=np.float64) for p in params]
    with np.errstate(all="ignore"):
        return np.asarray(act.oracle(np, sp, x64, *ps), dtype=np.float64)


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


def validate(act: Activation, n: int = 2000, dtype: Any = np.float32, seed: int = 0) -> dict[str, float]:
    """Max error of the oracle against mpmath, in ULP of ``dtype``, per example parameter set."""
    x = hard_inputs(act, n, dtype, seed)
    out = {}
    for params in act.example_params():
        ps = [np.asarray(p, dtype=dtype) for p in params]
        hi, lo = hi_lo(mp_values(act, x, *ps))
        got = oracle(act, x, *ps)
        # the oracle's float64 values measured in ULP of dtype (it must be far below 1)
        err = ulp_error(got, hi, lo, dtype)
        finite = np.isfinite(hi) & (np.abs(hi) <= float(np.finfo(dtype).max))
        out[str(list(params))] = float(np.max(np.where(finite, err, 0.0)))
    return out
