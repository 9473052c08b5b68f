"""Command line: ``fastact list | report | bench | study`` (and ``python -m fastact``).

``report``, ``bench`` and ``study`` live in the ``analysis`` and ``benchmarks`` packages,
which sit on top of fastact: their modules are imported only when the command runs, so
``fastact list`` never pays for SciPy, mpmath or matplotlib.  Each of those modules
provides ``add_arguments(parser)`` (stdlib-only at import) and ``run(args) -> int``.
Exit status 2 with a one-line message for bad arguments and unusable paths, as argparse
does; 130 after Ctrl-C; 1 with a one-line message for any other error (``--debug`` or
``FASTACT_DEBUG=1`` shows the traceback instead).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from functools import lru_cache

from .registry import ACTIVATIONS, BF16, DERIVATIVES, DTYPES, FAST_BY_NAME, Activation, Derivative


@lru_cache(maxsize=1)
def _bf16_installed() -> bool:
    """ml_dtypes is installed (``fastact.bfloat16`` then adds a bfloat16 loop to every ufunc):
    found without importing it, which takes a second."""
    return importlib.util.find_spec("ml_dtypes") is not None


def _loops(act: Activation) -> str:
    """NumPy's loop types, and ``bf16`` where ml_dtypes is installed."""
    return ", ".join([*act.loop_types, *(["bf16"] if _bf16_installed() else [])])


def _row(act: Activation) -> list[str]:
    """One table row; derivatives (``fastact.grad``) say which function and variable instead of
    what they approximate."""
    args = ", ".join(act.arg_names)
    kind = f"gufunc {act.signature}" if act.is_rowwise else "ufunc"
    last = act.approximates or "-"
    if isinstance(act, Derivative):
        last = f"VJP of {act.of}" if act.is_rowwise else f"d {act.of} / d{act.wrt}"
    return [f"{act.path}({args})", act.formula, _loops(act), kind, last]


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


def _tier(act: Activation) -> str:
    """What ``fastact.fast.<name>`` is: its own kernels with their claims, or the exact ufunc."""
    fast = FAST_BY_NAME.get(act.name)
    if fast is None:
        return "= exact"
    claims = "/".join(f"{fast.max_ulp[d]:g}" for d in (*DTYPES, BF16))
    return f"own kernels, max ULP {claims} (f16/f32/f64/bf16)"


def cmd_list(args: argparse.Namespace) -> int:
    header = ["function", "formula", "loops", "kind", "approximates", "fastact.fast"]
    print(table([[*_row(a), _tier(a)] for a in ACTIVATIONS], header, markdown=args.markdown))
    if args.peers:
        libs = ["PyTorch", "JAX", "Keras", "TF", "SciPy"]
        rows = [[a.name] + [a.peers.get(lib, "-") for lib in libs] for a in ACTIVATIONS]
        print()
        print(table(rows, ["fastact", *libs], markdown=args.markdown))
    print()
    if args.grad:
        header = ["derivative", "formula", "loops", "kind", "of"]
        print(table([_row(d) for d in DERIVATIVES], header, markdown=args.markdown))
    else:
        print(
            f"{len(DERIVATIVES)} derivatives in fastact.grad (fastact list --grad): "
            + ", ".join(d.name for d in DERIVATIVES)
        )
    return 0


def parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="fastact", description="Activation functions as NumPy ufuncs.")
    p.add_argument("--version", action="version", version=f"fastact {__version__}")
    p.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="every function with its formula and loops")
    ls.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ls.add_argument("--peers", action="store_true", help="also map each name to PyTorch/JAX/Keras/TF/SciPy")
    ls.add_argument("--grad", action="store_true", help="also list the derivatives (fastact.grad) in full")
    ls.set_defaults(func=cmd_list)
    for name, module, help_ in _TOP_COMMANDS:
        cli = importlib.import_module(module)
        sp = sub.add_parser(name, help=help_, description=help_)
        cli.add_arguments(sp)
        sp.set_defaults(func=cli.run)
    return p


# commands whose code lives above fastact (module: add_arguments(parser), run(args) -> int)
_TOP_COMMANDS = [
    ("report", "fastact.analysis.cli", "accuracy report: error against mpmath references, peers, plots"),
    ("bench", "fastact.benchmarks.cli", "throughput against np.copyto and peers (NumPy, SciPy, PyTorch, JAX)"),
    ("study", "fastact.analysis.study_cli", "experiments that train networks with fastact (study circles)"),
]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    name = f"fastact {args.command}"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{name}: interrupted; nothing written, the earlier output is intact", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (fastact list | head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush says nothing
        return 141  # what a shell reports for SIGPIPE
    except OSError as e:  # a path the command did not check itself
        if _debug(args):
            raise
        where = f"{e.filename!r}: " if e.filename else ""
        print(f"{name}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except Exception as e:
        if _debug(args):
            raise
        first = (str(e).strip().splitlines() or [""])[0]
        hint = "run with fastact --debug or FASTACT_DEBUG=1 for the traceback"
        print(f"{name}: error: {type(e).__name__}: {first} ({hint})", file=sys.stderr)
        return 1


def _debug(args: argparse.Namespace) -> bool:
    return args.debug or os.environ.get("FASTACT_DEBUG", "").strip().lower() not in {"", "0", "off", "no", "false"}


if __name__ == "__main__":
    sys.exit(main())
