"""The softmax call shapes of issue 14, timed against SciPy, PyTorch and JAX.

``PYTHONPATH=. python -m benchmarks.softmax_forms`` : float32 1024x1024, one thread,
best of ``--repeat`` calls, Melem/s: axis=-1 (out=), axis=None, axis=(0, 1) and a
half-masked array (``where=``; PyTorch: ``masked_fill`` + softmax; JAX: ``where=``).
Peers that are not installed are left out.  A separate script rather than a
``fastact bench`` mode: the bench's harness times one call shape per function.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import numpy as np

import fastact


def best(fn: Callable[[], object], repeat: int) -> float:
    fn()
    t_best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    x = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    mask = np.random.default_rng(1).random((1024, 1024)) < 0.5
    y = np.empty_like(x)
    cases: dict[str, dict[str, Callable[[], object]]] = {
        "axis=-1 (out=)": {"fastact": lambda: fastact.softmax(x, out=y)},
        "axis=None": {"fastact": lambda: fastact.softmax(x, axis=None)},
        "axis=(0, 1)": {"fastact": lambda: fastact.softmax(x, axis=(0, 1))},
        "where= (half masked)": {"fastact": lambda: fastact.softmax(x, where=mask)},
        "log_softmax where=": {"fastact": lambda: fastact.log_softmax(x, where=mask)},
    }
    try:
        import scipy.special as sp

        cases["axis=-1 (out=)"]["scipy"] = lambda: sp.softmax(x, axis=-1)
        cases["axis=None"]["scipy"] = lambda: sp.softmax(x, axis=None)
        cases["axis=(0, 1)"]["scipy"] = lambda: sp.softmax(x, axis=(0, 1))
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(1)
        t, to, tm = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(~mask)
        cases["axis=-1 (out=)"]["torch"] = lambda: torch.softmax(t, -1, out=to)
        cases["axis=None"]["torch"] = lambda: torch.softmax(t.reshape(-1), 0)
        cases["axis=(0, 1)"]["torch"] = lambda: torch.softmax(t.reshape(-1), 0)
        cases["where= (half masked)"]["torch"] = lambda: torch.softmax(t.masked_fill(tm, -float("inf")), -1)
        cases["log_softmax where="]["torch"] = lambda: torch.log_softmax(t.masked_fill(tm, -float("inf")), -1)
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        jx, jm = jnp.asarray(x), jnp.asarray(mask)
        sm = jax.jit(jax.nn.softmax, static_argnames="axis")
        smw = jax.jit(lambda a, m: jax.nn.softmax(a, axis=-1, where=m))
        lsmw = jax.jit(lambda a, m: jax.nn.log_softmax(a, axis=-1, where=m))
        cases["axis=-1 (out=)"]["jax"] = lambda: sm(jx, axis=-1).block_until_ready()
        cases["axis=None"]["jax"] = lambda: sm(jx, axis=None).block_until_ready()
        cases["axis=(0, 1)"]["jax"] = lambda: sm(jx, axis=(0, 1)).block_until_ready()
        cases["where= (half masked)"]["jax"] = lambda: smw(jx, jm).block_until_ready()
        cases["log_softmax where="]["jax"] = lambda: lsmw(jx, jm).block_until_ready()
    except ImportError:
        pass
    peers = ["fastact", "scipy", "torch", "jax"]
    print("| float32 1024x1024 (Melem/s) | " + " | ".join(peers) + " |")
    print("|---|" + "---|" * len(peers))
    for case, fns in cases.items():
        cells = [f"{x.size / best(fns[p], args.repeat) / 1e6:.0f}" if p in fns else "" for p in peers]
        print(f"| {case} | " + " | ".join(cells) + " |")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
