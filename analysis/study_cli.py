"""``fastact study circles [--out DIR] [--seeds N] [--quick] [--no-torch]`` (stdlib-only at import)."""

from __future__ import annotations

import argparse
import sys

from .atomic import OutputError, check_target

QUICK_SEEDS = 3
COMMAND = "fastact study circles"  # names the output in its manifest: only its own earlier output is replaced


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="study", required=True, metavar="STUDY")
    c = sub.add_parser("circles", help="the source document's concentric-circle MLP experiment, over many seeds")
    c.add_argument(
        "--out",
        default="study-circles",
        help="output directory (default: study-circles): new, empty, or an earlier study's; nothing else is touched",
    )
    c.add_argument("--seeds", default="20", help="training runs per setting (default: 20)")
    c.add_argument("--quick", action="store_true", help=f"{QUICK_SEEDS} seeds: a smoke test, not a result")
    c.add_argument("--no-torch", action="store_true", help="skip the PyTorch check even when torch is installed")


def run(args: argparse.Namespace) -> int:
    try:
        seeds = int(args.seeds)
    except ValueError:
        seeds = 0
    if seeds < 2:
        print(
            f"fastact study: --seeds must be an integer >= 2 (an interval needs two runs), got {args.seeds!r}",
            file=sys.stderr,
        )
        return 2
    if args.quick:
        seeds = QUICK_SEEDS
    from .study import generate

    try:
        check_target(args.out, COMMAND)
        res = generate(args.out, seeds=seeds, with_torch=not args.no_torch)
    except OutputError as e:
        print(f"fastact study: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}/study.md, study.html, study.json and plots ({res['seconds']:.0f} s)")
    return 0
