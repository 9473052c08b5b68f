"""Regenerate the tables in README.md that come from the registry.

``python tools/readme_tables.py`` rewrites the blocks between
``<!-- registry:NAME -->`` and ``<!-- /registry:NAME -->``; ``--check`` exits 1 if
the README is out of date (a test runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from fastact.cli import table
from fastact.registry import ACTIVATIONS, BF16, DERIVATIVES, DTYPES, FAST, FAST_BY_NAME

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks() -> dict[str, str]:
    funcs = [
        [
            f"`{a.name}({', '.join(('x', *a.params))})`",
            a.formula.replace("|", "\\|"),
            a.approximates or "",
            a.special.replace("|", "\\|"),
        ]
        for a in ACTIVATIONS
    ]
    libs = ["PyTorch", "JAX", "Keras", "TF", "SciPy"]
    peers = [[f"`{a.name}`"] + [a.peers.get(lib, "") for lib in libs] for a in ACTIVATIONS]
    grads = [
        [
            f"`{d.path}({', '.join(d.arg_names)})`",
            d.formula.replace("|", "\\|"),
            (f"VJP of {d.of}" if d.is_rowwise else f"d {d.of} / d{d.wrt}"),
            d.special.replace("|", "\\|"),
        ]
        for d in DERIVATIVES
    ]
    claimed = (*DTYPES, BF16)
    fast = [[f"`{f.path}`", f.notes.replace("|", "\\|"), *[f"{f.max_ulp[d]:g}" for d in claimed]] for f in FAST]
    same = ", ".join(f"`{a.name}`" for a in ACTIVATIONS if a.name not in FAST_BY_NAME)
    fast.append([same, "the exact ufunc itself (`fast.relu is relu`)", *[""] * len(claimed)])
    return {
        "fast": table(fast, ["fastact.fast", "kernel", *[f"{d} max ULP" for d in claimed]], markdown=True),
        "functions": table(funcs, ["function", "definition", "approximates", "special values"], markdown=True),
        "derivatives": table(grads, ["derivative", "formula", "of", "kinks and special values"], markdown=True),
        "peers": table(peers, ["fastact", *libs], markdown=True),
    }


def render(text: str) -> str:
    for name, body in blocks().items():
        pat = re.compile(rf"(<!-- registry:{name} -->\n).*?(<!-- /registry:{name} -->)", re.S)
        text = pat.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    old = README.read_text()
    new = render(old)
    if args.check:
        if new != old:
            print("README.md tables are out of date: run python tools/readme_tables.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
