"""Command line: ``fastact list`` (and ``python -m fastact``).

Exit status 2 with a one-line message for bad arguments, as argparse does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .registry import ACTIVATIONS, Activation


def _row(act: Activation) -> list[str]:
    args = ", ".join(("x", *act.params))
    kind = f"gufunc {act.signature}" if act.is_rowwise else "ufunc"
    return [f"{act.name}({args})", act.formula, ", ".join(act.loop_types), kind, act.approximates or "-"]


def table(rows: list[list[str]], header: list[str], markdown: bool = False) -> str:
    """A plain or Markdown table with aligned columns."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    header = ["function", "formula", "loops", "kind", "approximates"]
    print(table([_row(a) for a in ACTIVATIONS], header, markdown=args.markdown))
    if args.peers:
        libs = ["PyTorch", "JAX", "Keras", "TF", "SciPy"]
        rows = [[a.name] + [a.peers.get(lib, "-") for lib in libs] for a in ACTIVATIONS]
        print()
        print(table(rows, ["fastact", *libs], markdown=args.markdown))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fastact", description="Activation functions as NumPy ufuncs.")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="every function with its formula and loops")
    ls.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ls.add_argument("--peers", action="store_true", help="also map each name to PyTorch/JAX/Keras/TF/SciPy")
    ls.set_defaults(func=cmd_list)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
