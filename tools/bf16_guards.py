"""Measure the checked bfloat16 fast paths' float32 kernels (``fastact.activations.checked_f32``)
over all 65536 bfloat16 inputs: the distance D from f(x) in float32 steps that each guard must
cover, and the share of elements a checked loop recomputes.

    PYTHONPATH=. python tools/bf16_guards.py              # every checked function
    PYTHONPATH=. python tools/bf16_guards.py silu elu     # some

D is measured on float32's ordered pattern line (``pattern_distance``): the number of float32
steps between the kernel's value y and f(x), fractional, a step being the spacing where it is
(2^-149 among subnormals), so D <= guard means no bfloat16 midpoint lies strictly between y and
f(x) once y's pattern is more than ``guard`` steps from one.  f(x) is fastact's float64 loop at
the bfloat16 input (within ~2 float64 ULP, far below a float32 step).  For elu, whose guard must
hold for every alpha, the parameter-free part is expm1's relative error R over all bfloat16 x < 0
(``expm1_relative``): the guard covers R + 1.01 (``checked_f32.elu_f32``).  For grad.swish_beta,
every beta: s(t)(1 - s(t))'s relative error R over every float32 t = beta x can take, those with
at most 16 significant bits and |t| <= 87 (``swish_beta_relative``, ``checked_f32.swish_beta_f32``).
Parameters are rounded to bfloat16 first (``bf16_params``): the bfloat16 loops see no others.
tests/test_bf16_checked.py imports this module.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numba
import numpy as np

import fastact
from fastact import registry

# the alphas the report measures elu's D at (its guard argument covers every alpha)
ALPHAS = (1.0, 0.5, 2.0, 0.1, 1.5, -1.0, 3.0e38, 1e-30)


@numba.njit
def _apply1(fn, x, out):
    for i in range(x.size):
        out[i] = fn(x[i])


@numba.njit
def _apply2(fn, x, p, out):
    for i in range(x.size):
        out[i] = fn(x[i], p)


def bf16_inputs(finite: bool = True) -> np.ndarray:
    """All bfloat16 values as float32 (the finite ones by default)."""
    x = (np.arange(1 << 16, dtype=np.uint32) << np.uint32(16)).view(np.float32)
    return x[np.isfinite(x)] if finite else x


def kernel_of(path: str) -> tuple[Any, int]:
    """(float32 kernel, guard) of ``path``'s checked bfloat16 fast path, from the registry."""
    c = registry.by_path(path).kernels[registry.BF16].checked
    if c is None:
        raise ValueError(f"{path}: no checked bfloat16 fast path")
    return c.fn, c.guard


def bf16_params(params: tuple[float, ...]) -> tuple[float, ...]:
    """Parameters rounded to bfloat16 (to nearest, ties to even), as the bfloat16 loops see them."""
    b = np.float32(params).reshape(-1).view(np.uint32)
    b = (b + np.uint32(0x7FFF) + ((b >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return tuple(float(v) for v in b.view(np.float32))


def f32_values(fn: Any, x: np.ndarray, params: tuple[float, ...] = ()) -> np.ndarray:
    """The float32 kernel ``fn`` at float32 ``x`` (and one float32 parameter)."""
    out = np.empty(x.size, np.float32)
    x = np.ascontiguousarray(x, np.float32)
    if params:
        _apply2(fn, x, np.float32(params[0]), out)
    else:
        _apply1(fn, x, out)
    return out


def reference(path: str, x: np.ndarray, params: tuple[float, ...] = ()) -> np.ndarray:
    """f at float32 ``x`` by fastact's float64 loop (parameters as their float32 values)."""
    return fastact.resolve(path)(x.astype(np.float64), *(np.float64(np.float32(p)) for p in params))


def _position(v: np.ndarray) -> np.ndarray:
    """float64 ``v`` -> its place on float32's ordered pattern line: |pattern| of the float32 at
    or below |v|, plus the fraction of the next step, signed.  |v| >= 2^128 sits at infinity's
    pattern (0x7f800000, one step past the largest float32): beyond the last bfloat16 midpoint
    every value rounds to infinity, as a float32 value that overflowed does."""
    a = np.abs(v)
    big = a >= 2.0**128
    a = np.where(big, 1.0, a)
    with np.errstate(over="ignore"):  # a above the largest float32 casts to inf: lo is then the largest
        lo = a.astype(np.float32)
        lo = np.where(lo.astype(np.float64) > a, np.nextafter(lo, np.float32(0)), lo)
        step = np.nextafter(lo, np.float32(np.inf)).astype(np.float64) - lo.astype(np.float64)
    step = np.minimum(step, 2.0**104)  # the largest float32's next is infinity, 2^104 above it
    pos = lo.view(np.int32).astype(np.float64) + (a - lo.astype(np.float64)) / step
    pos = np.where(big, float(0x7F800000), pos)
    return np.where(np.signbit(v), -pos, pos)


def pattern_distance(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Float32 steps between float32 ``y`` (not NaN) and float64 ``v`` (not NaN)."""
    return np.abs(_position(y.astype(np.float64)) - _position(v))


def distance(path: str, params: tuple[float, ...] = ()) -> tuple[float, float]:
    """(max D, the bfloat16 x where) of ``path``'s fast kernel over every finite bfloat16 input
    where it is not NaN (a NaN is always recomputed), at ``params`` rounded to bfloat16."""
    fn, _ = kernel_of(path)
    x = bf16_inputs()
    params = bf16_params(params)
    with np.errstate(all="ignore"):
        y = f32_values(fn, x, params)
        d = pattern_distance(y, reference(path, x, params))
    d = np.where(np.isnan(y), 0.0, d)  # NaN: flagged, the exact kernel decides
    i = int(np.argmax(d))
    return float(d[i]), float(x[i])


def expm1_relative() -> tuple[float, float]:
    """(max relative error of ``expm1_neg_f32`` in units of 2^-24, x where) over the bfloat16 x < 0."""
    from fastact.kernels.fast_f32 import expm1_neg_f32

    x = bf16_inputs()
    x = x[x < 0]
    got = f32_values(expm1_neg_f32, x).astype(np.float64)
    want = np.expm1(x.astype(np.float64))
    r = np.abs(got - want) / np.abs(want) * 2.0**24
    i = int(np.argmax(r))
    return float(r[i]), float(x[i])


def swish_beta_relative() -> tuple[float, float]:
    """(max relative error of ``sigmoid_d_f32`` in units of 2^-24, t where) over every float32
    t in [0, 87] with at most 16 significant bits (the low 8 of its 24 zero): every product of
    two bfloat16 values in that range (q is even in t)."""
    from fastact.activations.checked_f32 import _T_MAX, sigmoid_d_f32

    top = int(np.float32(_T_MAX).view(np.uint32)) >> 8
    t = (np.arange(top + 1, dtype=np.uint32) << np.uint32(8)).view(np.float32)
    got = f32_values(sigmoid_d_f32, t).astype(np.float64)
    e = np.exp(-t.astype(np.float64))
    want = e / (1.0 + e) ** 2
    r = np.abs(got - want) / want * 2.0**24
    i = int(np.argmax(r))
    return float(r[i]), float(t[i])


def hard(path: str, x: np.ndarray, params: tuple[float, ...] = ()) -> np.ndarray:
    """Where a checked loop recomputes: y within the guard of a bfloat16 midpoint, or NaN."""
    fn, guard = kernel_of(path)
    y = f32_values(fn, x, bf16_params(params))
    low = (y.view(np.uint32) & np.uint32(0xFFFF)).astype(np.int64)
    return (np.abs(low - 0x8000) <= guard) | np.isnan(y)


def random_inputs(n: int = 1 << 20, seed: int = 0) -> dict[str, np.ndarray]:
    """Random bfloat16 data as float32: standard normal times 3, and finite random bit patterns."""
    rng = np.random.default_rng(seed)
    normal = (rng.standard_normal(n) * 3).astype(np.float32)
    normal = ((normal.view(np.uint32) + np.uint32(0x8000)) & np.uint32(0xFFFF0000)).view(np.float32)
    bits = (rng.integers(0, 1 << 16, n, dtype=np.uint32) << np.uint32(16)).view(np.float32)
    return {"normal*3": normal, "bits": bits[np.isfinite(bits)]}


def params_of(path: str) -> list[tuple[float, ...]]:
    act = registry.by_path(path)
    return [(a,) for a in ALPHAS] if act.params else [()]


def checked_paths() -> list[str]:
    """Every registry path whose bfloat16 loop has a checked fast path."""
    acts = (*registry.ACTIVATIONS, *registry.DERIVATIVES, *registry.FAST)
    return [a.path for a in acts if not a.is_rowwise and a.kernels[registry.BF16].checked is not None]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="registry paths (default: every checked one)")
    args = ap.parse_args(argv)
    r, at = expm1_relative()
    print(f"expm1_neg_f32 over bfloat16 x < 0: max relative error {r:.3f} * 2^-24 at x = {at!r}")
    r, at = swish_beta_relative()
    print(f"sigmoid_d_f32 over 16-bit t in [0, 87]: max relative error {r:.3f} * 2^-24 at t = {at!r}")
    for path in args.paths or checked_paths():
        _, guard = kernel_of(path)
        for params in params_of(path):
            d, x = distance(path, params)
            shares = {k: hard(path, v, params).mean() for k, v in random_inputs().items()}
            share = ", ".join(f"{k} {100 * s:.3f}%" for k, s in shares.items())
            label = f"{path}{list(bf16_params(params)) if params else ''}"
            print(f"{label}: guard {guard}, max D {d:.3f} at x = {x!r}; fallback {share}")


if __name__ == "__main__":
    sys.exit(main())
