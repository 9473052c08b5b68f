"""The softmax call shapes of issue 14 against SciPy, PyTorch and JAX: now rows of ``fastact bench``.

``PYTHONPATH=. python -m fastact.benchmarks.softmax_forms [more fastact bench options]`` runs::

    fastact bench --functions softmax,log_softmax --dtypes float32 --shapes 1024x1024
                  --forms all --modes out --peers scipy,torch,jax --threads 1 --onetime none

(axis=-1 with out=, then axis=None, axis=(0,1) and a half-masked where=, each against
SciPy, PyTorch with ``masked_fill`` + softmax for the mask, and JAX with ``where=``).
Options given after it are added to, or override, these (``--json F``, ``--markdown``, ...).
"""

from __future__ import annotations

import sys

DEFAULTS = [
    "--functions",
    "softmax,log_softmax",
    "--dtypes",
    "float32",
    "--shapes",
    "1024x1024",
    "--forms",
    "all",
    "--modes",
    "out",
    "--peers",
    "scipy,torch,jax",
    "--threads",
    "1",
    "--onetime",
    "none",
]


def main(argv: list[str] | None = None) -> int:
    from fastact.cli import main as fastact_main

    extra = list(sys.argv[1:] if argv is None else argv)
    given = {a.split("=", 1)[0] for a in extra if a.startswith("--")}
    # a list option given again would extend the default list: drop the default instead
    keep: list[str] = []
    for opt, val in zip(DEFAULTS[::2], DEFAULTS[1::2], strict=True):
        if opt not in given:
            keep += [opt, val]
    return fastact_main(["bench", *keep, *extra])


if __name__ == "__main__":
    sys.exit(main())
