"""A small multilayer perceptron in NumPy, trained with fastact's functions and derivatives.

Binary classifier: hidden Dense layers with an activation f from fastact, an output
Dense(1) with a sigmoid, binary cross-entropy, Adam, mini-batches shuffled each epoch.
Keras defaults where the source document used Keras: Glorot-uniform kernels
(U(-l, l), l = sqrt(6 / (fan_in + fan_out))), zero biases, Adam(lr=1e-3, beta1=0.9,
beta2=0.999, eps=1e-7), batch size 32.

Forward: z_k = a_{k-1} W_k + b_k, a_k = f(z_k); p = sigmoid(z_out).
Loss: mean(softplus(z_out) - y z_out) = BCE(p, y) without log(0).
Backward: dL/dz_out = (p - y)/N; dL/dz_k = (dL/da_k) f'(z_k) with f' = fastact.grad.f.
``act_dtype`` evaluates f and f' in that dtype (float16 forward passes), the rest stays
in the weights' dtype.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import fastact
import fastact.grad


@dataclass
class MLP:
    sizes: Sequence[int]  # input, hidden..., output (1)
    activation: str = "relu"
    params: tuple[float, ...] = ()  # the activation's parameters, e.g. (0.2,) for leaky_relu
    dtype: Any = np.float32
    act_dtype: Any = None  # dtype f and f' are evaluated in (default: dtype)
    seed: int = 0
    weights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.activation not in fastact.__all__:
            raise ValueError(f"MLP: unknown activation {self.activation!r}")
        if self.sizes[-1] != 1:
            raise ValueError("MLP: the output layer must have one unit (binary classifier)")
        self.act_dtype = np.dtype(self.act_dtype or self.dtype)
        rng = np.random.default_rng(self.seed)
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(self.dtype)
            self.weights.append((w, np.zeros(fan_out, self.dtype)))
        self._f = getattr(fastact, self.activation)
        self._df = getattr(fastact.grad, self.activation)

    def _act(self, fn: np.ufunc, z: np.ndarray) -> np.ndarray:
        zc = z.astype(self.act_dtype, copy=False)
        ps = [np.asarray(p, self.act_dtype) for p in self.params]
        return fn(zc, *ps).astype(self.dtype, copy=False)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """(z_out, cache of (input, pre-activation) per hidden layer)."""
        a = np.asarray(x, self.dtype)
        cache = []
        for w, b in self.weights[:-1]:
            z = a @ w + b
            cache.append((a, z))
            a = self._act(self._f, z)
        w, b = self.weights[-1]
        cache.append((a, None))
        return (a @ w + b)[:, 0], cache

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return fastact.sigmoid(self.forward(x)[0])

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((self.predict_proba(x) > 0.5) == (y == 1)))

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        """Binary cross-entropy and its gradient in every weight and bias."""
        z, cache = self.forward(x)
        yy = np.asarray(y, self.dtype)
        loss = float(np.mean(fastact.softplus(z) - yy * z))
        dz = ((fastact.sigmoid(z) - yy) / len(yy))[:, None]
        grads: list[tuple[np.ndarray, np.ndarray]] = []
        for k in range(len(self.weights) - 1, -1, -1):
            a, _ = cache[k]
            w, _ = self.weights[k]
            grads.append((a.T @ dz, dz.sum(axis=0)))
            if k:
                dz = (dz @ w.T) * self._act(self._df, cache[k - 1][1])
        return loss, grads[::-1]


@dataclass
class Adam:
    """Adam as Keras implements it (bias correction folded into the step size)."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-7
    t: int = 0
    state: list[Any] = field(default_factory=list)

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if not self.state:
            self.state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self.t += 1
        alpha = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for p, g, (m, v) in zip(params, grads, self.state, strict=True):
            m += (g - m) * (1 - self.beta1)
            v += (g * g - v) * (1 - self.beta2)
            p -= (alpha * m / (np.sqrt(v) + self.eps)).astype(p.dtype)


def train(
    model: MLP, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int = 32, seed: int = 0, lr: float = 1e-3
) -> list[float]:
    """Mini-batch Adam; returns the mean training loss of each epoch."""
    rng = np.random.default_rng(seed)
    opt = Adam(lr=lr)
    params = [p for wb in model.weights for p in wb]
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        losses = []
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            loss, grads = model.loss_and_grads(x[idx], y[idx])
            opt.step(params, [g for wb in grads for g in wb])
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history
