"""The bench's vocabulary, standard library only: ``benchmarks.cli`` reads it at import (its
parser is built for every ``fastact`` command), ``benchmarks.peer_table`` and the rest reuse it."""

LIBS = ("numpy", "scipy", "numexpr", "torch", "jax")  # the peer libraries the bench can time, in its column order
# how the bench calls fastact and the peers: into a separate buffer (out=y), allocating, into the input (out=x)
MODES = ("out", "alloc", "inplace")
