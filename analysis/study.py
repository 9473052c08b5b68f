"""``fastact study circles``: the source document's experiment, over many seeds.

The document trained a Keras MLP on concentric circles (200 samples, noise 0.05, factor
0.5; 128 train / 32 validation / 40 test) and printed one test accuracy per setting.
Here every setting is trained once per seed (the seed fixes the data, the split, the
initial weights and the batch order, so settings are paired by seed) with fastact's
functions and derivatives (``analysis.mlp``), and reported as mean, standard
deviation and a 95% t-interval beside the document's figure.  New: every hidden
activation, and GELU against its approximations with float32 and float16 forward
passes, compared with paired t-tests (Holm-adjusted).  When PyTorch is installed the
base network is also trained with torch.nn/torch.optim.Adam on the same data, as a
check on the NumPy implementation.

Results JSON (``study.json``): {"settings": {...}, "experiments": {name: [row, ...]},
"comparisons": {name: [row, ...]}, "torch": {...} | null, "seconds": float}; a row has
"label", "config", "accuracies" (one per seed), "mean", "sd", "ci95" [lo, hi] and,
where the document printed one, "document".
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .atomic import atomic_dir
from .circles import make_circles, split
from .mlp import MLP, train
from .study_cli import COMMAND as STUDY_COMMAND

SIZES = (128, 32, 40)  # train, validation, test


@dataclass(frozen=True)
class Config:
    hidden: tuple[int, ...] = (32,)
    activation: str = "relu"
    params: tuple[float, ...] = ()
    epochs: int = 50
    act_dtype: str = "float32"


@dataclass
class Row:
    label: str
    config: Config
    accuracies: list[float] = field(default_factory=list)
    document: float | None = None

    def summary(self) -> dict[str, Any]:
        a = np.asarray(self.accuracies)
        lo, hi = interval(a)
        return {
            "label": self.label,
            "config": asdict(self.config),
            "accuracies": [float(v) for v in a],
            "mean": float(a.mean()),
            "sd": float(a.std(ddof=1)) if len(a) > 1 else 0.0,
            "ci95": [lo, hi],
            "document": self.document,
        }


def interval(a: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval for the mean, clipped to [0, 1] (the mean itself for one value)."""
    from scipy import stats

    a = np.asarray(a, float)
    if len(a) < 2:
        return float(a.mean()), float(a.mean())
    half = stats.t.ppf(0.5 + level / 2, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a))
    return max(0.0, float(a.mean() - half)), min(1.0, float(a.mean() + half))  # accuracies lie in [0, 1]


# (experiment, label, config, the document's printed accuracy)
RELU = Config()
ACTIVATIONS = [
    ("relu", ()),
    ("leaky_relu", (0.2,)),
    ("elu", (1.0,)),
    ("selu", ()),
    ("gelu", ()),
    ("gelu_tanh", ()),
    ("gelu_sigmoid", ()),
    ("tanh", ()),
    ("sigmoid", ()),
    ("hard_sigmoid", ()),
    ("hard_sigmoid6", ()),
    ("silu", ()),
    ("mish", ()),
    ("softplus", ()),
    ("softsign", ()),
]


def experiments() -> dict[str, list[tuple[str, Config, float | None]]]:
    return {
        "base": [("Dense(32, relu), 50 epochs", RELU, 0.98)],
        "width": [
            (f"{w} units", Config(hidden=(w,)), d) for w, d in zip((4, 8, 32, 64), (0.35, 0.58, 0.88, 1.0), strict=True)
        ],
        "depth": [
            (f"{k} x 8", Config(hidden=(8,) * k), d)
            for k, d in zip((1, 2, 3, 4), (0.70, 0.73, 0.85, 0.70), strict=True)
        ],
        "epochs": [
            (f"{e} epochs", Config(hidden=(8, 16, 32, 8), epochs=e), d)
            for e, d in zip((10, 20, 30, 40), (0.65, 0.88, 1.0, 1.0), strict=True)
        ],
        "activations": [(name, Config(activation=name, params=ps), None) for name, ps in ACTIVATIONS],
        "gelu_dtype": [
            (f"{name} {dt}", Config(activation=name, act_dtype=dt), None)
            for dt in ("float32", "float16")
            for name in ("gelu", "gelu_tanh", "gelu_sigmoid")
        ],
    }


def run_one(cfg: Config, seed: int) -> float:
    """Test accuracy of one training run: data, split, initial weights and batches from ``seed``."""
    x, y = make_circles(200, 0.05, 0.5, rng=seed)
    (xt, yt), _, (xs, ys) = split(x, y, SIZES, rng=seed + 10_000)
    model = MLP([2, *cfg.hidden, 1], cfg.activation, cfg.params, act_dtype=cfg.act_dtype, seed=seed + 20_000)
    train(model, xt, yt, cfg.epochs, seed=seed + 30_000)
    return model.accuracy(xs, ys)


def paired(rows: list[Row], base: Row) -> list[dict[str, Any]]:
    """Paired t-test of each row against ``base`` (same seeds), Holm-adjusted over the rows."""
    from scipy import stats

    out = []
    for r in rows:
        if r is base:
            continue
        d = np.asarray(r.accuracies) - np.asarray(base.accuracies)
        p = 1.0 if np.all(d == d[0]) else float(stats.ttest_rel(r.accuracies, base.accuracies).pvalue)
        out.append({"label": r.label, "vs": base.label, "mean_difference": float(d.mean()), "p": p})
    order = np.argsort([o["p"] for o in out])
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, out[i]["p"] * (len(out) - rank)))
        out[i]["p_holm"] = running
        out[i]["significant"] = running < 0.05
    return out


def torch_check(seeds: list[int], cfg: Config = RELU) -> dict[str, Any] | None:
    """The base network trained with PyTorch on the same data and splits (None without torch)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    accs = []
    for seed in seeds:
        x, y = make_circles(200, 0.05, 0.5, rng=seed)
        (xt, yt), _, (xs, ys) = split(x, y, SIZES, rng=seed + 10_000)
        g = torch.Generator().manual_seed(seed)
        sizes = [2, *cfg.hidden, 1]
        layers = []
        for a, b in itertools.pairwise(sizes):
            lin = torch.nn.Linear(a, b)
            with torch.no_grad():
                lin.weight.uniform_(-math.sqrt(6 / (a + b)), math.sqrt(6 / (a + b)), generator=g)
                lin.bias.zero_()
            layers.append(lin)
        opt = torch.optim.Adam([p for la in layers for p in la.parameters()], lr=1e-3, eps=1e-7)
        xt_t, yt_t = torch.tensor(xt, dtype=torch.float32), torch.tensor(yt, dtype=torch.float32)
        rng = np.random.default_rng(seed + 30_000)

        def forward(a: Any, layers: list = layers) -> Any:
            for la in layers[:-1]:
                a = torch.relu(la(a))
            return layers[-1](a)[:, 0]

        for _ in range(cfg.epochs):
            order = rng.permutation(len(xt))
            for s in range(0, len(xt), 32):
                idx = torch.tensor(order[s : s + 32])
                loss = torch.nn.functional.binary_cross_entropy_with_logits(forward(xt_t[idx]), yt_t[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            p = forward(torch.tensor(xs, dtype=torch.float32)).numpy()
        accs.append(float(np.mean((p > 0) == (ys == 1))))
    return Row("PyTorch Dense(32, relu)", cfg, accs).summary() | {"torch": torch.__version__}


def measure(seeds: int, log: Callable[[str], None], with_torch: bool = True) -> dict[str, Any]:
    """Train every setting on every seed; summaries, comparisons and the PyTorch check."""
    t0 = time.perf_counter()
    seed_list = list(range(seeds))
    cache: dict[Config, list[float]] = {}
    exps: dict[str, list[Row]] = {}
    for name, entries in experiments().items():
        rows = []
        for label, cfg, doc in entries:
            if cfg not in cache:
                log(f"  {name}: {label}")
                cache[cfg] = [run_one(cfg, s) for s in seed_list]
            rows.append(Row(label, cfg, cache[cfg], doc))
        exps[name] = rows
    comparisons = {
        "activations_vs_relu": paired(exps["activations"], exps["activations"][0]),
        "gelu_variants_vs_gelu_float32": paired(exps["gelu_dtype"], exps["gelu_dtype"][0]),
    }
    torch_res = None
    if with_torch:
        log("  PyTorch check")
        torch_res = torch_check(seed_list)
        if torch_res is not None:
            from scipy import stats

            ours = exps["base"][0].accuracies
            torch_res["welch_p"] = float(stats.ttest_ind(ours, torch_res["accuracies"], equal_var=False).pvalue)
            torch_res["mean_difference"] = float(np.mean(ours) - torch_res["mean"])
    return {
        "settings": {"seeds": seeds, "samples": 200, "noise": 0.05, "factor": 0.5, "split": list(SIZES)},
        "experiments": {k: [r.summary() for r in v] for k, v in exps.items()},
        "comparisons": comparisons,
        "torch": torch_res,
        "seconds": time.perf_counter() - t0,
    }


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def markdown(res: dict[str, Any]) -> str:
    s = res["settings"]
    lines = [
        "# fastact study: concentric circles",
        "",
        f"The source document's experiment (make_circles: {s['samples']} samples, noise {s['noise']}, factor "
        f"{s['factor']}; split {s['split'][0]}/{s['split'][1]}/{s['split'][2]}; Adam(lr=1e-3), binary cross-entropy, "
        f"batch 32), trained with fastact's functions and `fastact.grad` derivatives on {s['seeds']} seeds per "
        "setting. Each seed fixes data, split, initial weights and batch order, so settings are paired by seed. "
        "Accuracy on the 40 test points: mean, standard deviation, 95% t-interval (clipped to [0, 1]); "
        "'document' is the single number the source printed.",
        "",
        'The source document is the 2020 tutorial "AI mini-class: Activation Function". It trained the same '
        "network, Dense(32, relu) for 50 epochs, twice without a fixed seed: as its base network (98%) and "
        "inside its width sweep (32 units: 88%). Both numbers are kept in their tables; the 10-point gap "
        "between two runs of one setting is what a single draw of 40 test points can do, and why the "
        "seeds below are many.",
        "",
    ]
    titles = {
        "base": "Base network",
        "width": "Width sweep (one hidden ReLU layer)",
        "depth": "Depth sweep (hidden layers of 8 ReLU units)",
        "epochs": "Epoch sweep (hidden layers 8-16-32-8, ReLU)",
        "activations": "Hidden activation (Dense(32, f), 50 epochs)",
        "gelu_dtype": "GELU and its approximations, float32 and float16 forward passes",
    }
    for name, rows in res["experiments"].items():
        lines += [
            f"## {titles[name]}",
            "",
            "| setting | mean | sd | 95% interval | document |",
            "|---|---|---|---|---|",
        ]
        for r in rows:
            lo, hi = r["ci95"]
            lines.append(
                f"| {r['label']} | {_pct(r['mean'])} | {100 * r['sd']:.1f} | {_pct(lo)} - {_pct(hi)} | "
                f"{_pct(r['document'])} |"
            )
        lines.append("")
        if name in ("width", "depth", "epochs"):
            lines += [f"![{name}](accuracy_{name}.png)", ""]
    for name, comp in res["comparisons"].items():
        lines += [
            f"## Paired comparisons: {name.replace('_', ' ')}",
            "",
            "| setting | vs | mean difference | p (paired t) | p (Holm) | significant |",
            "|---|---|---|---|---|---|",
        ]
        for c in comp:
            lines.append(
                f"| {c['label']} | {c['vs']} | {100 * c['mean_difference']:+.1f} pts | {c['p']:.3g} | "
                f"{c['p_holm']:.3g} | {'yes' if c['significant'] else 'no'} |"
            )
        lines.append("")
    lines += ["![activations](accuracy_activations.png)", "", "![decision boundaries](boundaries.png)", ""]
    t = res["torch"]
    lines += ["## Check against PyTorch", ""]
    if t is None:
        lines.append("PyTorch is not installed: check skipped.")
    else:
        ours = res["experiments"]["base"][0]
        lines.append(
            f"The base network trained with PyTorch {t['torch']} (torch.nn.Linear, torch.optim.Adam(eps=1e-7), "
            f"same data, splits, batch order and initialisation law): {_pct(t['mean'])} (sd {100 * t['sd']:.1f}, "
            f"95% {_pct(t['ci95'][0])} - {_pct(t['ci95'][1])}) against fastact's {_pct(ours['mean'])}; "
            f"difference {100 * t['mean_difference']:+.1f} points, Welch p = {t['welch_p']:.2g}."
        )
    lines += ["", f"Wall time: {res['seconds']:.0f} s.", ""]
    return "\n".join(lines)


def plots(res: dict[str, Any], out: Path, seed: int = 0) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name, xlabel in (("width", "hidden units"), ("depth", "hidden layers of 8"), ("epochs", "epochs")):
        rows = res["experiments"][name]
        xs = np.arange(len(rows))
        means = np.array([r["mean"] for r in rows])
        err = np.array([[r["mean"] - r["ci95"][0], r["ci95"][1] - r["mean"]] for r in rows]).T
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.errorbar(
            xs,
            means,
            yerr=err,
            fmt="o-",
            capsize=4,
            label=f"fastact, mean and 95% CI ({len(rows[0]['accuracies'])} seeds)",
        )
        ax.plot(xs, [r["document"] for r in rows], "s", color="C3", label="document (one run)")
        ax.set_xticks(xs, [r["label"] for r in rows])
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test accuracy")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=9)
        fig.tight_layout()
        fig.savefig(out / f"accuracy_{name}.png", dpi=110)
        plt.close(fig)
    rows = res["experiments"]["activations"]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    means = np.array([r["mean"] for r in rows])
    err = np.array([[r["mean"] - r["ci95"][0], r["ci95"][1] - r["mean"]] for r in rows]).T
    ax.bar(range(len(rows)), means, yerr=err, capsize=3, color="C0")
    ax.set_xticks(range(len(rows)), [r["label"] for r in rows], rotation=45, ha="right")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.05)
    ax.set_title("Dense(32, f) -> Dense(1, sigmoid), 50 epochs")
    fig.tight_layout()
    fig.savefig(out / "accuracy_activations.png", dpi=110)
    plt.close(fig)
    _boundaries(out / "boundaries.png", seed)


def _boundaries(path: Path, seed: int) -> None:
    """Decision regions of the width sweep's networks on one seed, in the document's style."""
    import matplotlib.pyplot as plt

    x, y = make_circles(200, 0.05, 0.5, rng=seed)
    (xt, yt), _, (xs, ys) = split(x, y, SIZES, rng=seed + 10_000)
    g = np.linspace(-1.5, 1.5, 200)
    gx, gy = np.meshgrid(g, g)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt.rcParams.update({"font.size": 10, "legend.fontsize": 9})  # >= 9 pt at the HTML's unscaled 1100 px
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.6), layout="constrained")
    for ax, w in zip(axes, (4, 8, 32, 64), strict=True):
        model = MLP([2, w, 1], "relu", seed=seed + 20_000)
        train(model, xt, yt, 50, seed=seed + 30_000)
        p = model.predict_proba(grid).reshape(gx.shape)
        ax.contourf(gx, gy, p, levels=[0, 0.5, 1], colors=["#f4c2c2", "#c2d4f4"])
        ax.scatter(xs[:, 0], xs[:, 1], c=np.where(ys == 1, "C0", "C3"), s=12, edgecolors="k", linewidths=0.3)
        ax.set_title(f"{w} units: test {model.accuracy(xs, ys):.0%}")
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [
        Patch(color="#c2d4f4", label="predicted inner circle (class 1)"),
        Patch(color="#f4c2c2", label="predicted outer circle (class 0)"),
        Line2D([], [], marker="o", ls="", color="C0", markeredgecolor="k", label="test point, class 1"),
        Line2D([], [], marker="o", ls="", color="C3", markeredgecolor="k", label="test point, class 0"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    fig.suptitle(f"Decision regions, one hidden ReLU layer, 50 epochs, seed {seed} (40 test points)")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def generate(out: Path | str, seeds: int = 20, with_torch: bool = True, log: TextIO | None = sys.stderr) -> dict:
    """Run the study and write study.md, study.html, the PNGs and study.json into ``out``, atomically."""
    from .html_page import to_html

    def say(msg: str) -> None:
        if log is not None:
            print(msg, file=log, flush=True)

    with atomic_dir(out, STUDY_COMMAND) as tmp:
        res = measure(seeds, say, with_torch)
        plots(res, tmp)
        md = markdown(res)
        (tmp / "study.md").write_text(md)
        (tmp / "study.html").write_text(to_html(md, tmp))
        (tmp / "study.json").write_text(json.dumps(res, indent=1, default=str))
    return res
