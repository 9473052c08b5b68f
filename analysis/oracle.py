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

from .inputs import hard_inputs
from .metrics import ulp_error
from .references import hi_lo, mp_values


def oracle(act: Activation, x: np.ndarray, *params: Any) -> np.ndarray:
    """The oracle in float64 at ``x`` (any float dtype, taken as exact)."""
    if act.oracle is None:
        raise ValueError(f"{act.name} has no float64 oracle")
    with np.errstate(all="ignore"):  # widening a signalling NaN (every bit pattern is swept) flags invalid
        x64 = np.asarray(x, dtype=np.float64)
        ps = [np.asarray(p, dtype=np.float64) for p in params]
        return np.asarray(act.oracle(np, sp, x64, *ps), dtype=np.float64)


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
