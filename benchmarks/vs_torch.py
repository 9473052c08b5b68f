"""``python -m benchmarks.vs_torch [names...]``: fastact against PyTorch, one thread, same arrays.

float32, 1e6 elements (softmax family: 1024x1024), ``out=`` on both sides where PyTorch
allows it (marked [alloc] where it does not).  Ratios come from one run, because this
machine is shared and noisy.  Skips cleanly when torch is not installed.
"""

from __future__ import annotations

import sys

import numpy as np

import fastact
from fastact.registry import NAMES, get

from .harness import best_time, inputs


def torch_peers():
    import torch
    import torch.nn.functional as F

    nn = torch._C._nn
    return {
        "relu": (lambda t, o: torch.clamp_min(t, 0, out=o), ""),
        "relu6": (lambda t, o: torch.clamp(t, 0, 6, out=o), ""),
        "leaky_relu": (lambda t, o: nn.leaky_relu(t, 0.01, out=o), ""),
        "hard_sigmoid6": (lambda t, o: nn.hardsigmoid(t, out=o), ""),
        "hard_swish": (lambda t, o: nn.hardswish(t, out=o), ""),
        "hard_tanh": (lambda t, o: nn.hardtanh(t, -1.0, 1.0, out=o), ""),
        "softsign": (lambda t, o: F.softsign(t), " [alloc]"),
        "sigmoid": (lambda t, o: torch.sigmoid(t, out=o), ""),
        "log_sigmoid": (lambda t, o: F.logsigmoid(t), " [alloc]"),
        "tanh": (lambda t, o: torch.tanh(t, out=o), ""),
        "elu": (lambda t, o: nn.elu(t, out=o), ""),
        "selu": (lambda t, o: F.selu(t), " [alloc]"),
        "celu": (lambda t, o: F.celu(t), " [alloc]"),
        "softplus": (lambda t, o: nn.softplus(t, out=o), ""),
        "silu": (lambda t, o: nn.silu(t, out=o), ""),
        "mish": (lambda t, o: F.mish(t), " [alloc]"),
        "gelu": (lambda t, o: nn.gelu(t, out=o), ""),
        "gelu_tanh": (lambda t, o: nn.gelu(t, approximate="tanh", out=o), ""),
        "softmax": (lambda t, o: torch.softmax(t, -1, out=o), ""),
        "log_softmax": (lambda t, o: torch.log_softmax(t, -1, out=o), ""),
    }


def measure(name: str, peer) -> tuple[float, float]:
    """(fastact, peer) Melem/s on the same float32 input."""
    import torch

    act = get(name)
    shape = (1024, 1024) if act.is_rowwise else (1_000_000,)
    x = inputs(shape, "float32")
    y = np.empty_like(x)
    ps = [np.float32(p) for p in act.example_params()[0]]
    uf = getattr(fastact, name)
    tf = best_time(lambda: uf(x, *ps, out=y))
    tx, ty = torch.from_numpy(x), torch.from_numpy(np.empty_like(x))
    tt = best_time(lambda: peer(tx, ty))
    return x.size / tf / 1e6, x.size / tt / 1e6


def main(names: list[str]) -> int:
    try:
        import torch
    except ImportError:
        print("torch is not installed: nothing to compare (pip install torch==2.13.0)")
        return 0
    torch.set_num_threads(1)
    peers = torch_peers()
    print(f"torch {torch.__version__}, 1 thread; float32; Melem/s (higher is better)")
    print(f"{'function':<14} {'fastact':>8} {'torch':>8} {'fastact/torch':>14}")
    for name in names:
        if name in peers:
            fa, to = measure(name, *peers[name][:1])
            print(f"{name:<14} {fa:>8.0f} {to:>8.0f}{peers[name][1]:<8} {fa / to:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(NAMES)))
