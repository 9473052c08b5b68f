"""fastact's accuracy analysis: references, metrics, sweeps and the report.

Built on top of ``fastact`` (never the other way round).  ``references`` holds
the mpmath definitions' evaluation and correct rounding; ``metrics`` the ULP
error as JAX's ``docs/accuracy.md`` defines it.
"""
