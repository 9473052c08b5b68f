"""bfloat16 without a bfloat16 dtype: values are carried as float32 arrays.

bfloat16 is the top half of a float32: sign, the same 8 exponent bits, 7 stored
significand bits (precision p = 8).  Every bfloat16 value is exactly a float32, so
fastact's float32 loops compute on it and the result is rounded to bfloat16, as
frameworks do when they "upcast, compute, downcast".
"""

from __future__ import annotations

import numpy as np

P = 8  # significand bits, the implicit one included
EMIN = -126  # same exponent range as float32
EMAX = 127
MAX = float.fromhex("0x1.fep127")  # (2 - 2^-7) * 2^127


def from_bits(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns (uint16) as float32 values: ``bits << 16`` viewed as float32."""
    return (np.asarray(bits, dtype=np.uint32) << np.uint32(16)).view(np.float32)


def all_values() -> np.ndarray:
    """All 65536 bfloat16 patterns as float32 (NaNs and infinities included)."""
    return from_bits(np.arange(1 << 16, dtype=np.uint32))


def to_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits, rounding to nearest, ties to even, on the bit pattern.

    Adding ``0x7fff + lsb`` to the 32-bit pattern and dropping the low 16 bits is
    round-to-nearest-even on the significand; a carry out of the significand moves
    to the next binade, and out of the largest binade it gives the infinity pattern,
    which is the correct overflow.  NaNs are kept quiet NaNs (the add could turn a
    NaN's payload into infinity).
    """
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    lsb = (b >> np.uint32(16)) & np.uint32(1)
    r = ((b + np.uint32(0x7FFF) + lsb) >> np.uint32(16)).astype(np.uint16)
    nan = np.isnan(np.asarray(x, dtype=np.float32))
    return np.where(nan, ((b >> np.uint32(16)).astype(np.uint16) | np.uint16(0x0040)), r).astype(np.uint16)


def round_float32(x: np.ndarray) -> np.ndarray:
    """float32 values rounded to bfloat16 (nearest, ties to even), returned as float32."""
    return from_bits(to_bits(x))
