"""Time softmax/log_softmax of this checkout against another one, alternately, in one process.

``PYTHONPATH=. python tools/softmax_ab.py OLD [--functions softmax,log_softmax]
[--dtypes float32] [--shapes 1024x1024] [--rounds 10]``

OLD is a directory holding another checkout's ``fastact`` package, e.g. made with
``git worktree add /tmp/old 28772ef`` or ``git archive 28772ef | tar -x -C /tmp/old``.  Its
package is copied to a temporary directory as ``fastact_old`` and imported next to this
checkout's ``fastact``; both gufuncs run on the same array (``standard_normal * 3``, seed 0)
into the same ``out=``, alternating: in each round each takes its best of 20 calls.  On a
shared machine one process and alternation keep the load the same for both, which separate
runs of ``fastact bench`` do not.  Prints per case the best and the median round in Melem/s
and the ratio new/old (above 1: this checkout is faster).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _gufunc(mod, name):
    f = getattr(mod, name)
    return getattr(f, "ufunc", f)  # a RowFunction since issue 14, the bare gufunc before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", help="directory holding the other checkout's fastact package")
    ap.add_argument("--functions", default="softmax,log_softmax")
    ap.add_argument("--dtypes", default="float32")
    ap.add_argument("--shapes", default="1024x1024")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    src = Path(args.old) / "fastact"
    if not (src / "__init__.py").exists():
        ap.error(f"{src} is not a fastact package")
    tmp = Path(tempfile.mkdtemp(prefix="softmax_ab."))
    try:
        shutil.copytree(src, tmp / "fastact_old", ignore=shutil.ignore_patterns("__pycache__"))
        sys.path.insert(0, str(tmp))
        import fastact_old

        import fastact

        print(f"new: {Path(fastact.__file__).parent}, old: {src}")
        print("function     dtype    shape      old Melem/s (median)  new Melem/s (median)  new/old (median)")
        for shape_text in args.shapes.split(","):
            shape = tuple(int(v) for v in shape_text.lower().split("x"))
            for dt in args.dtypes.split(","):
                x = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dt)
                y = np.empty_like(x)
                for name in args.functions.split(","):
                    fns = {"old": _gufunc(fastact_old, name), "new": _gufunc(fastact, name)}
                    times: dict[str, list[float]] = {"old": [], "new": []}
                    for f in fns.values():
                        f(x, out=y)  # compile (or load) outside the timing
                    for _ in range(args.rounds):
                        for key, f in fns.items():
                            best = float("inf")
                            for _ in range(20):
                                t = time.perf_counter()
                                f(x, out=y)
                                best = min(best, time.perf_counter() - t)
                            times[key].append(best)
                    lo = {k: min(v) for k, v in times.items()}
                    med = {k: float(np.median(v)) for k, v in times.items()}
                    rate = {k: f"{x.size / lo[k] / 1e6:6.0f} ({x.size / med[k] / 1e6:6.0f})" for k in lo}
                    print(
                        f"{name:<12} {dt:<8} {shape_text:<10} {rate['old']:<21} {rate['new']:<21} "
                        f"{lo['old'] / lo['new']:.3f} ({med['old'] / med['new']:.3f})"
                    )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
