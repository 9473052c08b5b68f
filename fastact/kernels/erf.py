"""erfc for nonnegative arguments in float64 arithmetic, branch-free, relative accuracy everywhere.

fastact's erfc form is erfc(z) = exp(-z^2) Y(t) / (1 + 2z),  t = (z - K) / (z + K), with
Y(t) = (1 + 2z) exp(z^2) erfc(z) smooth on t in [-1, 1] (Shepherd & Laframboise's form;
coefficients ``ERFCX_*`` from ``tools/fit_coefficients.py``).  Callers form exp(-z^2) from
an exact or double-double z^2, because exp turns an error d in z^2 into a relative error d:
rounding z = x/sqrt(2) before squaring would cost 2 z^2 ulps in the tail.  The GELU kernels
inline it (``smooth.gelu_to32``, the derivatives); ``erfc_half_pair`` is the float64 GELU's
form, in x's own units.  ``BOUNDS`` as in ``kernels/exp.py``.
"""

from __future__ import annotations

from .._numba import fma, jit
from .coefficients import GELU_A_MAX, GELU_K, GELU_Y_F64
from .dd import two_prod
from .poly import estrin8

BOUNDS = {  # kernel -> claimed max relative error, as log2 (measured)
    "erfc_half_pair": -53.0,  # -53.37: hi + lo of the pair (E = 1)
}

_Y0 = GELU_Y_F64[0]
_Y_REST = GELU_Y_F64[1:]
if len(_Y_REST) % 8:
    raise ImportError(f"GELU_Y_F64 needs 8k + 1 coefficients for estrin8, has {len(GELU_Y_F64)}")


@jit
def erfc_half_pair(a, e_hi, e_lo):
    """erfc(a/sqrt2) as a double-double, a >= 0, given E = exp(-a^2/2) (times any power of
    two) as the double-double (e_hi, e_lo); about 2^-55 relative.

    erfc(a/sqrt2) = E Y(t) / (1 + a), t = (a - K)/(a + K) (``GELU_Y_F64``): no rounded
    a/sqrt2, one division for both t and 1/(1 + a), Y within [0.8, 1] so that its leading
    coefficient dominates; its last Horner step, the product with E and the quotient
    (corrected by its remainder) are carried as double-doubles.  t is formed as
    2a/(a + K) - 1 below a = K/2 (where Y is steepest in t) and as (a - K)/(a + K) above
    (a - K exact up to 2K): either way its error moves Y by < 0.1 ulp.  a is clamped at
    ``GELU_A_MAX``, beyond which GELU is x or -0.0 anyway.
    """
    ac = min(a, GELU_A_MAX)
    d_hi = ac + 1.0
    d_lo = min(ac, 1.0) - (d_hi - max(ac, 1.0))  # 1 + a exactly (fast two-sum, larger first)
    w = 1.0 / ((ac + GELU_K) * d_hi)
    inv = (ac + GELU_K) * w  # ~1/(1 + a)
    wk = d_hi * w  # ~1/(a + K)
    t = fma(2.0 * ac, wk, -1.0) if ac < 0.5 * GELU_K else (ac - GELU_K) * wk
    m_hi, m_lo = two_prod(t, estrin8(_Y_REST, t))  # 24 terms; Estrin: ~10% faster than Horner
    y_hi = _Y0 + m_hi  # |t P(t)| <= 0.2 < Y0: fast two-sum
    y_lo = ((_Y0 - y_hi) + m_hi) + m_lo
    n_hi, n_lo = two_prod(e_hi, y_hi)
    n_lo = fma(e_hi, y_lo, fma(e_lo, y_hi, n_lo))
    q = n_hi * inv
    return q, (fma(-q, d_hi, n_hi) + n_lo - q * d_lo) * inv
