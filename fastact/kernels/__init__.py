"""Math kernels: scalar numba functions, branch-free so that loops vectorize.

``dd``: double-double arithmetic and single-rounding conversions.
"""
