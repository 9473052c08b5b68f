"""How each peer library computes each fastact function: the one table the bench, the report and the tests read.

Filled in below; ``LIBS`` and ``MODES`` are the bench's vocabulary for it.
"""

from __future__ import annotations

LIBS = ("numpy", "scipy", "numexpr", "torch", "jax")  # the peer libraries the bench can time, in its column order
# how the bench calls fastact and the peers: into a separate buffer (out=y), allocating, into the input (out=x)
MODES = ("out", "alloc", "inplace")
