"""Benchmarks: ``fastact bench`` and what it is built from.

``harness`` (timing: best/median/spread, ratio to ``np.copyto``), ``runner`` (cases and
modes), ``peer_table`` (how each library computes each function: the bench's and the report's
one table), ``peers`` (its entries as timed calls), ``choices`` (libraries, modes), ``machine`` (CPU,
versions, load), ``onetime`` and ``startup`` (import and first-call costs), ``tables`` and
``output`` (terminal/Markdown tables, atomic JSON/CSV/PNG), ``cli`` (the command).

Speed is measured here, never in unit tests: ratios to ``np.copyto`` on the same
arrays in the same run, because this machine is shared and noisy.
"""
