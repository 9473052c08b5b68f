"""The constants activations are defined with, each written once, as the decimal its source gives.

SELU's scale and alpha (Klambauer et al. 2017, to 32 digits), GELU's tanh approximation
0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) and its sigmoid approximation x sigmoid(1.702 x)
(Hendrycks & Gimpel 2016).  The decimal strings serve the mpmath references; the float64
values and the double-doubles (hi, lo: hi + lo to ~2^-106) derived from them here serve the
kernels, the peers and the report.  Nothing else in fastact writes these numbers.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

SELU_SCALE_DEC = "1.0507009873554804934193349852946"
SELU_ALPHA_DEC = "1.6732632423543772848170429916717"
GELU_TANH_A_DEC = "0.044715"
GELU_SIGMOID_K_DEC = "1.702"


def split(v: str | Fraction) -> tuple[float, float]:
    """A decimal string or exact fraction as a double-double (hi, lo)."""
    exact = Fraction(v)
    hi = float(exact)
    return hi, float(exact - Fraction(hi))


def _sqrt(v: Fraction) -> Fraction:
    with localcontext() as ctx:
        ctx.prec = 50
        return Fraction((Decimal(v.numerator) / Decimal(v.denominator)).sqrt())


_PI = Fraction("3.14159265358979323846264338327950288419716939937511")

SELU_SCALE = float(SELU_SCALE_DEC)
SELU_ALPHA = float(SELU_ALPHA_DEC)
SELU_SCALE_DD = split(SELU_SCALE_DEC)
SELU_SCALE_ALPHA_DD = split(Fraction(SELU_SCALE_DEC) * Fraction(SELU_ALPHA_DEC))  # scale * alpha
GELU_TANH_A = float(GELU_TANH_A_DEC)
GELU_TANH_A_DD = split(GELU_TANH_A_DEC)
GELU_TANH_3A_DD = split(3 * Fraction(GELU_TANH_A_DEC))  # d/dx of a x^3
GELU_TANH_C = float(_sqrt(2 / _PI))  # sqrt(2/pi)
GELU_TANH_2C_DD = split(2 * _sqrt(2 / _PI))  # 0.5 x (1 + tanh(u)) = x sigmoid(2u)
GELU_SIGMOID_K = float(GELU_SIGMOID_K_DEC)
GELU_SIGMOID_K_DD = split(GELU_SIGMOID_K_DEC)
INV_SQRT2PI_DD = split(1 / _sqrt(2 * _PI))  # the normal density's factor
