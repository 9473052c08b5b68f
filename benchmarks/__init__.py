"""Benchmarks: timing harness (``harness``) and one-time costs (``startup``).

Speed is measured here, never in unit tests: ratios to ``np.copyto`` on the same
arrays in the same run, because this machine is shared and noisy.
"""
