"""erfc for z >= 0 in float64 arithmetic, branch-free, relative accuracy everywhere.

erfc(z) = exp(-z^2) Y(t) / (1 + 2z),  t = (z - K) / (z + K),
with Y(t) = (1 + 2z) exp(z^2) erfc(z) smooth on t in [-1, 1] (Shepherd & Laframboise's
form; coefficients from ``tools/fit_coefficients.py``).  The caller passes z^2 as a
double-double, because exp(-z^2) turns an error d in z^2 into a relative error d:
rounding z = x/sqrt(2) before squaring would cost 2 z^2 ulps in the tail.
"""

from __future__ import annotations

from .._numba import jit
from .coefficients import ERFCX_F64, ERFCX_K, ERFCX_W
from .exp import exp_dd, exp_w
from .poly import horner


@jit
def erfc_pos_f64(z, a_hi, a_lo):
    """erfc(z) * exp(a + z^2) for z >= 0, a = a_hi + a_lo: erfc(z) itself when a = -z^2.

    Callers pass a = -z^2 + k ln2 to get erfc(z) * 2^k, which keeps the far tail out of
    the subnormal range until their own last rounding.
    """
    t = (z - ERFCX_K) / (z + ERFCX_K)
    return exp_dd(a_hi, a_lo) * horner(ERFCX_F64, t) / (1.0 + 2.0 * z)


@jit
def erfc_pos_w(z, z2):
    """erfc(z), z >= 0, z^2 exact in float64; ~1e-12 relative (float32/float16 results)."""
    t = (z - ERFCX_K) / (z + ERFCX_K)
    return exp_w(-z2) * horner(ERFCX_W, t) / (1.0 + 2.0 * z)
