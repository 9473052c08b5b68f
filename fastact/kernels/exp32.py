"""exp in float32 arithmetic with a double-float result, for float32 kernels.

exp(t) = 2^n (e_hi + e_lo) to about 2^-40 relative (before scaling into the
subnormal range): the reduction keeps r's rounding error, and 1 + q is split exactly.
8 float32 lanes per AVX register instead of 4 doubles: this is what lets sigmoid and
silu in float32 stay within 1 ULP and still run at float32 speed.
"""

from __future__ import annotations

import numpy as np

from .._numba import fma, jit, pow2_pair_f32
from .exp import _C2F, _C3F, _C4F, _C5F, _C6F, _LN2_HI_F, _LN2_LO_F, _LOG2E_F, _MAGIC_F

_F = np.float32
_ONE = _F(1.0)
_LO = _F(-110.0)  # e^-110 rounds to 0 in float32 (and 2^-159 still scales in two steps)
_HI = _F(89.0)


@jit
def exp_parts_f32(t):
    """(e_hi, e_lo, s1, s2) with e^t = (e_hi + e_lo) s1 s2, e_hi + e_lo in [0.7, 1.5) to
    ~2^-40 relative: callers that end in the subnormal range scale last, rounding once."""
    tc = min(max(t, _LO), _HI)
    k = fma(tc, _LOG2E_F, _MAGIC_F)
    n = k - _MAGIC_F
    r1 = fma(-n, _LN2_HI_F, tc)  # exact: n * LN2_HI has 24 bits and cancels against tc
    r = fma(-n, _LN2_LO_F, r1)
    rl = fma(-n, _LN2_LO_F, r1 - r)  # what rounding r lost
    p = fma(fma(fma(fma(_C6F, r, _C5F), r, _C4F), r, _C3F), r, _C2F)
    q = fma(p * r, r, r)  # exp(r) - 1
    e_hi = _ONE + q
    e_lo = ((_ONE - e_hi) + q) + rl * e_hi  # exp(r + rl) = exp(r) (1 + rl)
    s1, s2 = pow2_pair_f32(k, _MAGIC_F)
    return e_hi, e_lo, s1, s2
