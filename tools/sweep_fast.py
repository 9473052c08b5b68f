"""Measure fastact's fast float32 kernels (``fastact.activations.fast``): accuracy over every
float32 input and every float16 input, and speed against PyTorch, the exact ufunc and np.copyto.

    PYTHONPATH=. python tools/sweep_fast.py sigmoid silu           # exhaustive float32 + float16
    PYTHONPATH=. python tools/sweep_fast.py --sample 2e7 gelu       # random bit patterns instead
    PYTHONPATH=. python tools/sweep_fast.py --speed sigmoid tanh    # Melem/s at 1e6 (and --sizes)

Each fast kernel is built into a real ufunc through the project's builder (``fast_ufunc``):
the registry entry with its float16 and float32 loops replaced by ``Kernel(fast.<name>_f32,
"native", "native")``.  The reference is fastact's exact float64 loop evaluated at the float32
input (within ~2 float64 ULP); the error is ``analysis.metrics.ulp_error``'s (ULP of the exact
value, subnormal results in units of 2^-149, infinities and NaNs by its rules), computed here
in a numba loop per chunk of 2^24 inputs (checked against ``ulp_error`` on every chunk's worst
input and on a sample in tests/test_fast_kernels.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from typing import Any

import numba
import numpy as np

import fastact
from fastact import build, registry
from fastact.activations import fast
from fastact.registry import Kernel

# registry name -> (fast kernel, parameter values to measure at)
FAST: dict[str, tuple[Any, tuple[float, ...]]] = {
    "sigmoid": (fast.sigmoid_f32, ()),
    "silu": (fast.silu_f32, ()),
    "gelu_sigmoid": (fast.gelu_sigmoid_f32, ()),
    "softplus": (fast.softplus_f32, ()),
    "log_sigmoid": (fast.log_sigmoid_f32, ()),
    "tanh": (fast.tanh_f32, ()),
    "gelu": (fast.gelu_f32, ()),
}
FAST["swish"] = (fast.swish_f32, (1.0, 1.702, 0.5, 0.01))
FAST["gelu_tanh"] = (fast.gelu_tanh_f32, ())
FAST["selu"] = (fast.selu_f32, ())
FAST["celu"] = (fast.celu_f32, (1.0, 0.5))


def fast_ufunc(name: str) -> np.ufunc:
    """The registry's ufunc for ``name`` with its float16/float32 (and bfloat16) loops on the fast kernel."""
    act = registry.get(name)
    k = Kernel(FAST[name][0], "native", "native")
    fake = dataclasses.replace(
        act,
        name=f"{name}_fastcheck",
        kernels={"float16": k, "float32": k, "float64": act.kernels["float64"], "bfloat16": k},
    )
    return build.build(fake, cache=False)


_INV_ULP = 2.0 ** (23 - np.arange(-126, 128, dtype=np.float64))  # 1 / ulp for exponents -126..127


@numba.njit(cache=True)
def _max_ulp(got, ref, inv_ulp):
    """(max error, its index) of float32 ``got`` against float64 ``ref`` by ulp_error's rules:
    ulp(r) = 2^(clip(floor(log2 |r|), -126, 127) - 23), from r's exponent bits."""
    big = 3.4028234663852886e38 + 2.0**103  # float32 max + half its ulp: rounds to inf
    bits = ref.view(np.int64)
    worst = -1.0
    at = 0
    for i in range(got.size):
        g = np.float64(got[i])
        r = ref[i]
        ex = min(max(((bits[i] >> 52) & 0x7FF) - 1023, -126), 127)
        e = abs(g - r) * inv_ulp[ex + 126]
        if not (e < math.inf) or abs(r) >= big:  # NaN, inf or overflow: ulp_error's rules
            if math.isnan(r) or math.isnan(g):
                e = 0.0 if (math.isnan(r) and math.isnan(g)) else math.inf
            else:
                e = 0.0 if (abs(r) >= big and math.isinf(g) and (g > 0) == (r > 0)) else math.inf
        if e > worst:
            worst = e
            at = i
    return worst, at


def _chunks(sample: int, chunk: int):
    if sample:
        rng = np.random.default_rng(0)
        for start in range(0, sample, chunk):
            yield rng.integers(0, 2**32, min(chunk, sample - start), dtype=np.uint32)
    else:
        base = np.arange(chunk, dtype=np.uint32)
        bits = np.empty(chunk, np.uint32)
        for start in range(0, 2**32, chunk):
            yield np.add(base, np.uint32(start), out=bits)


def sweep_f32(name: str, params: tuple[float, ...], sample: int = 0, chunk: int = 2**24) -> tuple[float, float, float]:
    """(max ULP, the float32 input where, the exact value there) over every float32 (or ``sample`` random ones)."""
    fast_uf = fast_ufunc(name)
    exact = getattr(fastact, name)
    ps32 = tuple(np.float32(p) for p in params)
    ps64 = tuple(np.float64(p) for p in ps32)  # the float32 parameter's exact value
    got = np.empty(chunk, np.float32)
    ref = np.empty(chunk, np.float64)
    x64 = np.empty(chunk, np.float64)
    worst, where, wref = -1.0, math.nan, math.nan
    for bits in _chunks(sample, chunk):
        x = bits.view(np.float32)
        n = x.size
        fast_uf(x, *ps32, out=got[:n])
        with np.errstate(invalid="ignore"):  # signalling NaNs
            np.copyto(x64[:n], x)
        exact(x64[:n], *ps64, out=ref[:n])
        e, i = _max_ulp(got[:n], ref[:n], _INV_ULP)
        if e > worst:
            worst, where, wref = e, float(x[i]), float(ref[i])
    return worst, where, wref


def sweep_f16(name: str, params: tuple[float, ...]) -> tuple[float, float]:
    """(max float16 ULP, where) over all 65536 float16 inputs, by analysis.metrics.ulp_error."""
    from fastact.analysis.metrics import ulp_error

    x = np.arange(2**16, dtype=np.uint16).view(np.float16)
    ps16 = tuple(np.float16(p) for p in params)
    got = fast_ufunc(name)(x, *ps16)
    ref = getattr(fastact, name)(x.astype(np.float64), *(np.float64(p) for p in ps16))
    err = ulp_error(got, ref, dtype=np.float16)
    i = int(np.argmax(err))
    return float(err[i]), float(x[i])


def best_time(f, reps: int = 30) -> float:
    for _ in range(3):
        f()
    best = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def speed(name: str, params: tuple[float, ...], size: int) -> dict[str, float]:
    """Melem/s at ``size`` float32 elements (best of 30 after warm-up), ``out=`` everywhere but
    the composites PyTorch users write for swish/gelu_sigmoid."""
    import torch

    from fastact.benchmarks.harness import inputs
    from fastact.benchmarks.peer_table import entries, torch_params
    from fastact.constants import GELU_SIGMOID_K

    torch.set_num_threads(1)
    x = inputs(size, "float32")
    y = np.empty_like(x)
    ps = tuple(np.float32(p) for p in params)
    fast_uf = fast_ufunc(name)
    exact = getattr(fastact, name)
    t, o = torch.from_numpy(x), torch.from_numpy(y)
    (entry,) = entries(name, "torch")
    tps = torch_params(torch, t, ps)
    if name == "swish":
        b = float(ps[0])
        peer = lambda: torch.mul(t, torch.sigmoid(b * t), out=o)  # noqa: E731
    elif name == "gelu_sigmoid":
        peer = lambda: torch.mul(t, torch.sigmoid(GELU_SIGMOID_K * t), out=o)  # noqa: E731
    else:
        peer = lambda: entry.call_out(torch, t, tps, o)  # noqa: E731
    times = {
        "fast": best_time(lambda: fast_uf(x, *ps, out=y)),
        "exact": best_time(lambda: exact(x, *ps, out=y)),
        "torch": best_time(peer),
        "copyto": best_time(lambda: np.copyto(y, x)),
    }
    if name == "tanh":
        times["np.tanh"] = best_time(lambda: np.tanh(x, out=y))
    return {k: size / v / 1e6 for k, v in times.items()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", default=list(FAST), help=f"functions (default all: {', '.join(FAST)})")
    ap.add_argument("--sample", type=float, default=0, help="random float32 bit patterns instead of all 2^32")
    ap.add_argument("--speed", action="store_true", help="measure Melem/s instead of accuracy")
    ap.add_argument("--sizes", default="1e6", help="comma-separated sizes for --speed")
    ap.add_argument("--no-f16", action="store_true", help="skip the float16 sweep")
    args = ap.parse_args(argv)
    for name in args.names:
        plist = FAST[name][1]
        for params in [(p,) for p in plist] if plist else [()]:
            label = f"{name}{params if params else ''}"
            if args.speed:
                for size in (int(float(s)) for s in args.sizes.split(",")):
                    r = speed(name, params, size)
                    print(
                        f"{label:24s} n={size:>9d}  fast {r['fast']:7.0f}  exact {r['exact']:7.0f}  "
                        f"torch {r['torch']:7.0f}  copyto {r['copyto']:7.0f} Melem/s  "
                        f"fast/torch {r['fast'] / r['torch']:.2f}  fast/exact {r['fast'] / r['exact']:.2f}"
                        + (f"  np.tanh {r['np.tanh']:.0f}" if "np.tanh" in r else ""),
                        flush=True,
                    )
                continue
            t0 = time.perf_counter()
            e, at, r = sweep_f32(name, params, int(args.sample))
            what = f"{int(args.sample)} samples" if args.sample else "all 2^32"
            msg = f"{label:24s} float32 {what}: max {e:.3f} ULP at x = {at!r} (exact {r!r})"
            if not args.no_f16:
                e16, at16 = sweep_f16(name, params)
                msg += f"; float16 all: max {e16:.4f} ULP at {at16!r}"
            print(f"{msg}  [{time.perf_counter() - t0:.0f} s]", flush=True)


if __name__ == "__main__":
    sys.exit(main())
