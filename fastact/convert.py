"""Converters between storage and compute types, bound into the loop templates.

``IN``: storage -> the type a kernel takes (``"f64"``: exact float64; ``"native"``:
float16 and float32 as float32, float64 as float64).
``OUT``: a kernel's result -> storage, rounding exactly once (``"dd"``: a
normalised double-double; ``"f64"``: a float64; ``"native"``: the compute type).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from ._numba import bf16_to_f32, f32_to_bf16, f32_to_half, f64_bits, half_to_f32, jit
from .kernels.dd import dd_to_f32, dd_to_half, f64_to_half, round_odd_f64


@jit
def same(x):
    return x


@jit
def to_f64(x):
    return np.float64(x)


@jit
def half_as_f64(b):
    return np.float64(half_to_f32(b))


@jit
def half_as_f32(b):
    return half_to_f32(b)


@jit
def dd_half(t):
    return dd_to_half(t[0], t[1])


@jit
def dd_f32(t):
    return dd_to_f32(t[0], t[1])


@jit
def dd_f64(t):
    return t[0]


@jit
def f64_half(x):
    return f64_to_half(x)


@jit
def f64_f32(x):
    return np.float32(x)


@jit
def f32_half(x):
    return f32_to_half(x)


# (dtype char, kernel argument kind) -> IN converter
IN = {
    ("e", "f64"): half_as_f64,
    ("f", "f64"): to_f64,
    ("d", "f64"): same,
    ("e", "native"): half_as_f32,
    ("f", "native"): same,
    ("d", "native"): same,
}

# (dtype char, kernel result kind) -> OUT converter
OUT = {
    ("e", "dd"): dd_half,
    ("f", "dd"): dd_f32,
    ("d", "dd"): dd_f64,
    ("e", "f64"): f64_half,
    ("f", "f64"): f64_f32,
    ("d", "f64"): same,
    ("e", "native"): f32_half,
    ("f", "native"): same,
    ("d", "native"): same,
    ("e", "bits"): same,  # the kernel already returns float16 bits
}


# bfloat16 (ml_dtypes) is stored as int16 bit patterns, so that the generic row kernels
# below tell it from float16 (uint16) by the storage type alone.  Its loops round once:
# a float64 straight to bfloat16 (``f64_bf16``), a double-double to odd at 53 bits first.
@jit
def bf16_as_f64(b):
    return np.float64(bf16_to_f32(b))


@jit
def bf16_as_f32(b):
    return bf16_to_f32(b)


_ABS64 = 0x7FFF_FFFF_FFFF_FFFF
_INF64 = 0x7FF0_0000_0000_0000
_MIN_NORMAL_BF16 = (1023 - 126) << 52  # 2^-126's float64 pattern: bfloat16's (float32's) smallest normal
_HALF45 = (1 << 44) - 1  # half a bfloat16 ulp in the 45 bits dropped, less one: ties go by the kept lsb
_REBIAS = (1023 - 127) << 7  # float64's exponent bias minus bfloat16's, in the 16-bit pattern's units
_TWO133 = 2.0**133  # bfloat16's subnormal grid 2^-133 -> integers
_TWO52 = 2.0**52  # adding it rounds a value below 2^52 to an integer, ties to even


@jit
def f64_bf16(x):
    """float64 -> bfloat16 bits (int16), rounded to nearest even once, on the 64-bit pattern.

    Normal results (|x| >= 2^-126): the pattern's low 45 bits rounded away, (a + 2^44 - 1 +
    lsb) >> 45, is x with a 7-bit fraction in float64's layout, a carry moving to the next
    binade; rebiasing the exponent gives the bfloat16 pattern, and patterns past the largest
    finite one are the infinity (IEEE's overflow).  Below 2^-126 the subnormal count
    m = |x| 2^133 (exact) is rounded to an integer by adding 2^52 (ties to even), and m is
    the pattern (m = 128 is 2^-126's).  NaN -> the quiet NaN 0x7fc0 with x's sign.  Equal to
    rounding to odd at float32 and then to nearest bfloat16, in int64 lanes without the
    float32 round trip (2-3x faster in the loops).
    """
    b = f64_bits(x)
    a = b & _ABS64
    sign = (b >> 48) & 0x8000
    r = min(((a + _HALF45 + ((a >> 45) & 1)) >> 45) - _REBIAS, 0x7F80)
    m = f64_bits(abs(x) * _TWO133 + _TWO52) & 0xFF
    r = m if a < _MIN_NORMAL_BF16 else r
    r = 0x7FC0 if a > _INF64 else r
    return np.int16(r | sign)


@jit
def dd_bf16(t):
    return f64_bf16(round_odd_f64(t[0], t[1]))


@jit
def f32_bf16(x):
    return f32_to_bf16(x)


# Generic forms for row kernels, which serve several dtypes with one body:
# resolved at compile time from the storage type, so nothing is passed at run time.
def widen(v):
    """Storage value -> compute value (float16 and bfloat16 bits -> float32; others unchanged)."""


@overload(widen)
def _widen(v):
    if v == types.uint16:
        return lambda v: half_to_f32(v)
    if v == types.int16:
        return lambda v: bf16_to_f32(v)
    return lambda v: v


def narrow(d, ty):
    """float64 ``d`` -> storage type ``ty``, rounded once."""


@overload(narrow)
def _narrow(d, ty):
    t = ty.instance_type
    if t == types.uint16:
        return lambda d, ty: f64_to_half(d)
    if t == types.int16:
        return lambda d, ty: f64_bf16(d)
    if t == types.float32:
        return lambda d, ty: np.float32(d)
    return lambda d, ty: np.float64(d)
