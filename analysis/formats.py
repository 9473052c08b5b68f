"""The four floating-point formats the report measures, and single rounding into them.

``p`` is the precision (significand bits with the implicit one), ``emin``/``emax``
the exponents of the smallest and largest normal binade.  float16, float32 and
float64 are NumPy dtypes; bfloat16 is carried in float32 arrays (``analysis.bfloat16``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import bfloat16


@dataclass(frozen=True)
class Format:
    name: str
    p: int
    emin: int
    emax: int
    max: float  # largest finite value
    storage: type  # NumPy dtype holding the values (and computing them, for bfloat16: float32)

    @property
    def smallest_subnormal(self) -> float:
        return 2.0 ** (self.emin - self.p + 1)


def _numpy(name: str) -> Format:
    info = np.finfo(name)
    return Format(name, info.nmant + 1, info.minexp, info.maxexp - 1, float(info.max), np.dtype(name).type)


FORMATS: dict[str, Format] = {
    "float16": _numpy("float16"),
    "bfloat16": Format("bfloat16", bfloat16.P, bfloat16.EMIN, bfloat16.EMAX, bfloat16.MAX, np.float32),
    "float32": _numpy("float32"),
    "float64": _numpy("float64"),
}


def get_format(dtype: object) -> Format:
    """The Format of a name, NumPy dtype or Format."""
    if isinstance(dtype, Format):
        return dtype
    name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(FORMATS)}") from None


def round_to(d: np.ndarray, fmt: Format | str) -> np.ndarray:
    """float64 values rounded once (nearest, ties to even) to ``fmt``, returned as float64.

    NumPy's float64 -> float16/float32 casts are correctly rounded, subnormals
    included.  bfloat16 goes through no intermediate format: ``d`` is scaled by a
    power of two so that one unit in the last place of its binade (floored at the
    subnormal spacing) is 1, rounded with ``np.rint`` (ties to even) and scaled
    back; both scalings are exact.
    """
    f = get_format(fmt)
    d = np.asarray(d, dtype=np.float64)
    if f.name != "bfloat16":
        with np.errstate(over="ignore"):
            return d.astype(f.storage).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        _, e = np.frexp(d)  # |d| = m 2^e, 0.5 <= m < 1: binade exponent e - 1
        q = np.ldexp(1.0, np.maximum(e - 1, f.emin) - (f.p - 1))
        r = np.where(np.isfinite(d) & (d != 0), np.rint(d / q) * q, d)
        return np.where(np.abs(r) > f.max, np.copysign(np.inf, r), r)


def quantize(x: np.ndarray, fmt: Format | str) -> np.ndarray:
    """Values already representable in ``fmt`` as its storage array (bfloat16: float32)."""
    return np.asarray(x).astype(get_format(fmt).storage)
