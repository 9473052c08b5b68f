"""``python -m fastact.benchmarks [names...]``: fastact's throughput against np.copyto, every dtype, no peers.

A shorthand for ``fastact bench --sizes 1e6,1.6e7 --modes out --peers none`` (softmax family
on its three default 2-D shapes); ``fastact bench --help`` has the full command.
"""

from __future__ import annotations

import sys

from fastact.cli import main as fastact_main


def main(names: list[str]) -> int:
    argv = ["bench", "--sizes", "1e6,1.6e7", "--modes", "out", "--peers", "none", "--onetime", "none"]
    return fastact_main(argv + (["--functions", ",".join(names)] if names else []))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["relu", "relu6", "leaky_relu", "hard_tanh", "softmax", "log_softmax"]))
