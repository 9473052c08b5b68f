"""Concentric-circle data, as scikit-learn's ``make_circles``, without scikit-learn.

Two classes of 2-D points: ``n_samples // 2`` on the unit circle (class 0) and the rest
on a circle of radius ``factor`` (class 1), at evenly spaced angles, shuffled, with
Gaussian noise of standard deviation ``noise`` added to each coordinate.  Seeded with a
NumPy ``Generator`` (scikit-learn uses a ``RandomState``, so the draws differ, the
distribution does not).
"""

from __future__ import annotations

import numpy as np


def make_circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, rng: np.random.Generator | int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X of shape (n_samples, 2) float64, y of 0/1 labels (1 = inner circle)."""
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must lie in (0, 1), got {factor}")
    if n_samples < 2:
        raise ValueError(f"make_circles: n_samples must be at least 2, got {n_samples}")
    rng = np.random.default_rng(rng)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    a_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    a_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    x = np.concatenate(
        [np.stack([np.cos(a_out), np.sin(a_out)], 1), factor * np.stack([np.cos(a_in), np.sin(a_in)], 1)]
    )
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    order = rng.permutation(n_samples)
    x, y = x[order], y[order]
    if noise:
        x = x + rng.normal(scale=noise, size=x.shape)
    return x, y


def split(
    x: np.ndarray, y: np.ndarray, sizes: tuple[int, ...], rng: np.random.Generator | int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random disjoint parts of the given sizes (e.g. 128 train / 32 validation / 40 test)."""
    if sum(sizes) > len(x):
        raise ValueError(f"split: sizes {sizes} need {sum(sizes)} samples, have {len(x)}")
    order = np.random.default_rng(rng).permutation(len(x))
    parts, start = [], 0
    for n in sizes:
        idx = order[start : start + n]
        parts.append((x[idx], y[idx]))
        start += n
    return parts
