"""``fastact report``: the accuracy report (arguments here, the work in ``analysis.report``).

Only the standard library is imported at module level: ``fastact`` builds its parser
from this module for every command, and ``fastact list`` must not pay for NumPy's
friends (SciPy, mpmath, matplotlib).  Bad arguments print one line naming the problem
and return exit status 2, as argparse does.
"""

from __future__ import annotations

import argparse
import os
import sys

from .atomic import OutputError, check_target

COMMAND = "fastact report"  # names the output in its manifest: only its own earlier output is replaced


def add_arguments(p: argparse.ArgumentParser) -> None:
    from fastact.registry import FORMATS as DTYPES  # loaded already: fastact.cli builds this parser

    p.add_argument(
        "--out",
        default="report",
        metavar="DIR",
        help="output directory (default: ./report): new, empty, or an earlier report's; nothing else is touched",
    )
    p.add_argument(
        "--functions",
        default="",
        metavar="a,b",
        help="comma-separated function names, fast.<name> or fast.all for the fast tier's kernels (default: all "
        "functions; their fast kernels are in each function's peer table)",
    )
    p.add_argument(
        "--dtypes",
        default=",".join(DTYPES),
        metavar="a,b",
        help=f"comma-separated, from {', '.join(DTYPES)} (default: all)",
    )
    p.add_argument(
        "--exhaustive",
        action="store_true",
        help="float32: all 2^32 inputs per function (chunked, resumable from DIR/checkpoints; 10+ min each)",
    )
    p.add_argument("--samples", default="1000000", metavar="N", help="float32 inputs per function (default 1000000)")
    p.add_argument(
        "--float64-samples",
        default="3000",
        metavar="N",
        help="float64 inputs per function, against mpmath (default 3000)",
    )
    p.add_argument(
        "--oracle-points",
        default="2000",
        metavar="N",
        help="size parameter of the oracle validation per function (about 2.5 N points; default 2000)",
    )


def _positive(name: str, value: str) -> int:
    try:
        n = int(value.replace("_", ""))
    except ValueError:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from None
    if n <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return n


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def check(args: argparse.Namespace) -> dict:
    """Validated settings; ``ValueError`` with a one-line message for bad arguments."""
    from fastact.registry import FAST, NAMES  # fastact itself is light: no SciPy, mpmath or matplotlib
    from fastact.registry import FORMATS as DTYPES

    fast = [f.path for f in FAST]  # the fast tier's own kernels, measured as functions of their own
    functions = [n for f in _split(args.functions) for n in (fast if f == "fast.all" else [f])] or list(NAMES)
    unknown = [f for f in functions if f not in NAMES and f not in fast]
    if unknown:
        known = ", ".join([*NAMES, "fast.all", *fast])
        raise ValueError(f"unknown function {unknown[0]!r} in --functions (known: {known})")
    dtypes = _split(args.dtypes)
    if not dtypes:
        raise ValueError("--dtypes is empty")
    bad = [d for d in dtypes if d not in DTYPES]
    if bad:
        raise ValueError(f"unknown dtype {bad[0]!r} in --dtypes (known: {', '.join(DTYPES)})")
    if args.exhaustive and "float32" not in dtypes:
        raise ValueError("--exhaustive sweeps float32: include float32 in --dtypes")
    check_target(args.out, COMMAND)  # before any work: a user's files are never replaced
    return {
        "functions": list(dict.fromkeys(functions)),
        "dtypes": [d for d in DTYPES if d in dtypes],
        "samples": _positive("--samples", args.samples),
        "float64_samples": _positive("--float64-samples", args.float64_samples),
        "oracle_points": _positive("--oracle-points", args.oracle_points),
        "run_exhaustive": args.exhaustive,
    }


def run(args: argparse.Namespace) -> int:
    try:
        settings = check(args)
    except ValueError as e:
        print(f"fastact report: error: {e}", file=sys.stderr)
        return 2
    from .report import generate

    cmd = "fastact report " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["report"] else "fastact report"
    try:
        res = generate(args.out, command=cmd.strip(), log=sys.stderr, **settings)
    except OutputError as e:
        print(f"fastact report: error: {e}", file=sys.stderr)
        return 2
    out = os.path.abspath(args.out)
    n, secs = len(res["plots"]), res["seconds"]["total"]
    print(f"wrote {out}/report.md, report.html, results.json and {n} plots in {secs:.0f} s")
    return 0
