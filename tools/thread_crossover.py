"""Where threads start to pay: fastact at 1 and N threads, threshold off, by size.

Usage: ``python tools/thread_crossover.py [--threads N] [--functions relu,gelu] [--dtype float32]``

For each size 2^12 .. 2^22 it alternates one-thread and N-thread samples of ``f(x, out=y)``
in one process (so a burst of load from elsewhere hits both) and prints the best time of
each and their ratio (> 1: threads are faster).  ``fastact.threads.DEFAULT_THRESHOLD`` is
set from this measurement (README, Threads).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import fastact
from fastact import threads


def best_time(f, x, y, reps: int) -> float:
    t = time.perf_counter()
    for _ in range(reps):
        f(x, out=y)
    return (time.perf_counter() - t) / reps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=threads.max_threads())
    p.add_argument("--functions", default="relu,gelu")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--rounds", type=int, default=15)
    a = p.parse_args()
    threads.set_threshold(0)
    print(f"load average {os.getloadavg()[0]:.2f}; layer {threads.layer() or '-'}; threads 1 vs {a.threads}")
    print(f"{'function':10} {'size':>8} {'T=1 us':>9} {f'T={a.threads} us':>9} {'speed-up':>8}")
    for name in a.functions.split(","):
        f = fastact.resolve(name)
        for e in range(12, 23):
            x = np.random.default_rng(0).standard_normal(1 << e).astype(a.dtype)
            y = np.empty_like(x)
            reps = max(1, (1 << 22) >> e)
            best = {1: np.inf, a.threads: np.inf}
            for _ in range(a.rounds):
                for n in best:
                    threads.set_num_threads(n)
                    best[n] = min(best[n], best_time(f, x, y, reps))
                    time.sleep(0.005)  # the layer's workers stop spinning before the next one-thread sample
            t1, tn = best[1], best[a.threads]
            print(f"{name:10} {'2^' + str(e):>8} {t1 * 1e6:9.1f} {tn * 1e6:9.1f} {t1 / tn:8.2f}")
        threads.set_num_threads(threads.max_threads())


if __name__ == "__main__":
    main()
