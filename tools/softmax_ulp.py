"""Measure softmax/log_softmax max ULP per dtype, row length and layout (issue 14).

``PYTHONPATH=. python tools/softmax_ulp.py [--lengths 1,1024,1048576] [--scale 3] [--dtypes ...,bfloat16]``

Rows of ``standard_normal(n) * scale`` (seeded), contiguous and strided (every other
element of a 2n buffer, written into a strided ``out=``), against the extended-precision
reference of ``analysis.rows`` (rows of up to 2^10 are also checked against mpmath by
the tests).  Prints one line per (function, dtype, n, layout) with the max ULP, and
whether the strided result has the same bits as the contiguous one.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fastact
from fastact.analysis.metrics import ulp_error
from fastact.analysis.rows import row_reference


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lengths", default="1,1024,1048576")
    ap.add_argument("--dtypes", default="float16,float32,float64")
    ap.add_argument("--functions", default="softmax,log_softmax")
    ap.add_argument("--scale", type=float, default=3.0)
    args = ap.parse_args()
    if "bfloat16" in args.dtypes.split(","):
        import ml_dtypes  # noqa: F401  (registers the name "bfloat16" with NumPy)
    print("function     dtype    n          scale  contiguous  strided  same bits  seconds")
    for n in [int(float(v)) for v in args.lengths.split(",")]:
        base = np.random.default_rng(n).standard_normal(n) * args.scale
        for dt in args.dtypes.split(","):
            x = base.astype(dt)
            for name in args.functions.split(","):
                t = time.perf_counter()
                f = getattr(fastact, name)
                got = f(x)
                buf = np.zeros(2 * n, dt)
                buf[::2] = x
                out = np.empty(2 * n, dt)[::2]
                f(buf[::2], out=out)
                hi, lo = row_reference(x, log=name == "log_softmax")
                e1 = ulp_error(got, hi, lo, dt).max()
                e2 = ulp_error(out, hi, lo, dt).max()
                same = np.array_equal(got.view(np.uint8), np.ascontiguousarray(out).view(np.uint8))
                print(
                    f"{name:<12} {dt:<8} {n:<10} {args.scale:<6g} {e1:<11.3f} {e2:<8.3f} {same!s:<10} "
                    f"{time.perf_counter() - t:.1f}"
                )


if __name__ == "__main__":
    main()
