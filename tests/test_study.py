"""The concentric-circle study: data generator, MLP gradients, the quick study end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from fastact.analysis.circles import make_circles, split
from fastact.analysis.mlp import MLP, train


def test_circles_statistics():
    x, y = make_circles(20000, noise=0.05, factor=0.5, rng=1)
    r = np.hypot(x[:, 0], x[:, 1])
    assert x.shape == (20000, 2) and set(np.unique(y)) == {0, 1}
    assert np.sum(y == 0) == np.sum(y == 1) == 10000
    # radial noise of a point on a circle of radius R with isotropic N(0, s^2) noise: mean ~ R, sd ~ s
    assert abs(r[y == 0].mean() - 1.0) < 0.005 and abs(r[y == 1].mean() - 0.5) < 0.005
    assert abs(r[y == 0].std() - 0.05) < 0.003 and abs(r[y == 1].std() - 0.05) < 0.003
    # evenly spread angles
    ang = np.arctan2(x[y == 1, 1], x[y == 1, 0])
    assert np.histogram(ang, bins=8)[0].min() > 1150


def test_circles_noise_free_and_seeded():
    x, y = make_circles(10, noise=0.0, factor=0.3, rng=0)
    np.testing.assert_allclose(np.hypot(x[:, 0], x[:, 1]), np.where(y == 1, 0.3, 1.0))
    a, b = make_circles(50, rng=7), make_circles(50, rng=7)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], make_circles(50, rng=8)[0])
    parts = split(*make_circles(200, rng=0), (128, 32, 40), rng=0)
    assert [len(p[0]) for p in parts] == [128, 32, 40]
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.5)


@pytest.mark.parametrize(
    ("activation", "params"), [("relu", ()), ("gelu", ()), ("leaky_relu", (0.2,)), ("tanh", ()), ("mish", ())]
)
def test_mlp_gradient_matches_finite_differences(activation, params):
    x, y = make_circles(16, noise=0.1, rng=3)
    m = MLP([2, 5, 4, 1], activation, params, dtype=np.float64, seed=4)
    rng = np.random.default_rng(0)
    for _, b in m.weights:  # zero biases put some units exactly on relu's kink
        b[:] = rng.normal(0, 0.3, b.shape)
    _, grads = m.loss_and_grads(x, y)
    for (w, b), (gw, gb) in zip(m.weights, grads, strict=True):
        for arr, g in ((w, gw), (b, gb)):
            for _ in range(3):
                i = tuple(rng.integers(0, s) for s in arr.shape)
                old = arr[i]
                h = 1e-6
                arr[i] = old + h
                up = m.loss_and_grads(x, y)[0]
                arr[i] = old - h
                down = m.loss_and_grads(x, y)[0]
                arr[i] = old
                assert abs((up - down) / (2 * h) - g[i]) < 1e-6 * max(1.0, abs(g[i])), (activation, i)


def test_training_learns_the_circles():
    x, y = make_circles(200, rng=0)
    (xt, yt), _, (xs, ys) = split(x, y, (128, 32, 40), rng=0)
    m = MLP([2, 32, 1], "relu", seed=0)
    hist = train(m, xt, yt, epochs=200, seed=0, lr=1e-2)
    assert hist[-1] < hist[0] / 4
    assert m.accuracy(xs, ys) >= 0.9


def test_study_quick_end_to_end(tmp_path):
    out = tmp_path / "study"
    r = subprocess.run(
        [sys.executable, "-m", "fastact", "study", "circles", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    res = json.loads((out / "study.json").read_text())
    assert set(res["experiments"]) == {"base", "width", "depth", "epochs", "activations", "gelu_dtype"}
    for rows in res["experiments"].values():
        for row in rows:
            assert len(row["accuracies"]) == 3
            assert row["ci95"][0] <= row["mean"] <= row["ci95"][1]
    assert res["experiments"]["width"][0]["document"] == 0.35
    for name in ("study.md", "study.html", "boundaries.png", "accuracy_width.png", "accuracy_activations.png"):
        assert (out / name).stat().st_size > 0
    assert "data:image/png;base64" in (out / "study.html").read_text()


def test_study_bad_arguments_exit_2(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "fastact", "study", "circles", "--seeds", "1", "--out", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "--seeds" in r.stderr
    assert not (tmp_path / "s").exists()
