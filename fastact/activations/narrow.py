"""float64-arithmetic kernels that serve only float32 and float16 results ("narrow").

They aim at ~2^-30 relative before the one final rounding (float32 results within
0.5 + 2^-6 ULP, float16 correctly rounded), not at float64 accuracy, so their
polynomials are short (``EXP_N``, ``ERFCX_N`` in ``kernels/coefficients.py``).

GELU: x Phi(x), Phi = erfc(z)/2 (x < 0) or 1 - erfc(z)/2 (x >= 0), z = |x|/sqrt(2),
erfc(z) = exp(-z^2) Y(t) / (1 + 2z), t = (z - K)/(z + K) (as ``kernels/erf.py``).
x is a float32, so z^2 = x^2/2 is exact in float64 and no argument error reaches
exp.  One division gives both t and 1/(1 + 2z).
"""

from __future__ import annotations

from .._numba import jit
from ..kernels.coefficients import ERFCX_K, ERFCX_N
from ..kernels.exp import exp_n
from ..kernels.poly import horner

_kernel = jit(inline="always")  # inlined into the loop by numba (see smooth.py)
_INV_SQRT2 = 0.7071067811865476
_Z_MAX = 10.4  # ERFCX_N's range; erfc(10.4) < 2^-160, far below float32's reach


@_kernel
def gelu_n(x):
    """x Phi(x) for float32/float16 results (x exact in float64); gelu(-inf) = -0.0."""
    z = min(abs(x) * _INV_SQRT2, _Z_MAX)  # NaN passes (min keeps its first argument)
    w = 1.0 + 2.0 * z
    inv = 1.0 / ((z + ERFCX_K) * w)
    t = (z - ERFCX_K) * w * inv
    c = exp_n(-0.5 * (x * x) if z < _Z_MAX else -108.0) * horner(ERFCX_N, t) * ((z + ERFCX_K) * inv)
    phi = 0.5 * c if x < 0.0 else 1.0 - 0.5 * c
    y = x * phi
    return -0.0 if x < -20.0 else y  # x Phi(x) rounds to -0.0 in float32 from about -14.3
