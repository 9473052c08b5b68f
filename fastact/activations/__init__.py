"""Activation definitions: scalar kernels, one module per family.

Kernels here are plain numba functions of scalars; ``fastact.registry`` declares
which kernel serves which dtype, and ``fastact.build`` wraps them in ufunc loops.
"""
