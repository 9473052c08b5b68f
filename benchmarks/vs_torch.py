"""``python -m fastact.benchmarks.vs_torch [names...]``: fastact against PyTorch on one thread, same arrays.

float32, 1e6 elements (softmax family: 1024x1024), ``out=`` on both sides where PyTorch
allows it (``[alloc]`` where it does not).  A shorthand for ``fastact bench`` with those
options; the PyTorch calls are in ``benchmarks.peers``.  Skips cleanly without torch.
"""

from __future__ import annotations

import sys

from fastact.cli import main as fastact_main
from fastact.registry import NAMES


def main(names: list[str]) -> int:
    argv = ["bench", "--functions", ",".join(names), "--dtypes", "float32", "--sizes", "1e6"]
    argv += ["--shapes", "1024x1024", "--modes", "out", "--peers", "torch", "--threads", "1", "--onetime", "none"]
    return fastact_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(NAMES)))
