"""``python -m benchmarks [names...]``: float32 throughput against np.copyto, one thread."""

from __future__ import annotations

import sys

import fastact
from fastact.registry import get

from .harness import inputs, measure_ufunc


def main(names: list[str]) -> None:
    print(f"{'function':<14} {'dtype':<8} {'n':>9} {'Melem/s':>9} {'x copy':>7}")
    for name in names:
        act = get(name)
        uf = getattr(fastact, name)
        for dtype in ("float32", "float16", "float64"):
            if act.is_rowwise:
                shapes = [(1024, 1024), (16384, 64), (64, 16384)]
            else:
                shapes = [(10**6,), (16 * 10**6,)]
            for shape in shapes:
                x = inputs(shape, dtype)
                t, c = measure_ufunc(uf, x, act.example_params()[0])
                print(f"{name:<14} {dtype:<8} {'x'.join(map(str, shape)):>9} {x.size / t / 1e6:>9.0f} {t / c:>7.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["relu", "relu6", "leaky_relu", "hard_tanh", "softmax", "log_softmax"])
