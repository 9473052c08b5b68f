"""The accuracy report: its ULP metric, bfloat16 rounding, exact values, the exhaustive
sweep on a small range, ``fastact report`` on a subset and bad arguments (output directories:
``test_user_files``)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from fastact.analysis import bfloat16, exhaustive
from fastact.analysis.formats import round_to
from fastact.analysis.inputs import hard_inputs
from fastact.analysis.metrics import ErrorStats, ulp_error
from fastact.analysis.reference_values import reference_values
from fastact.analysis.references import correctly_rounded
from fastact.cli import main
from fastact.registry import get, get_grad

F32_TINY_SUB = 2.0**-149
F32_MAX = float(np.finfo(np.float32).max)


def err(got: float, exact_value: float, dtype: str) -> float:
    return float(ulp_error(np.array([got]), np.array([exact_value]), None, dtype)[0])


# ---------------------------------------------------------------- the ULP metric, by hand


@pytest.mark.parametrize(
    "got,exact_value,dtype,want",
    [
        (1.0 + 2.0**-23, 1.0, "float32", 1.0),  # one step up from a power of two
        (1.0 - 2.0**-24, 1.0, "float32", 0.5),  # below 1 the spacing halves, but ulp(r) is taken at r = 1
        (2.0, 2.0 - 2.0**-24, "float32", 0.5),  # r just below 2: ulp(r) = 2^-23, rounding up to 2 is half of it
        (2.0 - 2.0**-23, 2.0 - 2.0**-24, "float32", 0.5),  # the other neighbour of the same midpoint
        (1.0, 1.0 + 2.0**-11, "float16", 0.5),  # float16 midpoint
        (1.0 + 2.0**-7, 1.0, "bfloat16", 1.0),  # bfloat16: p = 8
        (3.0, 3.0 + 2.0**-7, "bfloat16", 0.5),  # ulp(3) = 2^-6 in bfloat16: a midpoint
        (0.0, F32_TINY_SUB / 2, "float32", 0.5),  # subnormals: units of the smallest subnormal
        (F32_TINY_SUB, 3 * F32_TINY_SUB, "float32", 2.0),
        (2.0**-126, 2.0**-126 + F32_TINY_SUB, "float32", 1.0),  # smallest normal: same unit as subnormals
        (0.0, 0.0, "float32", 0.0),  # zero
        (F32_TINY_SUB, 0.0, "float32", 1.0),
        (5e-324, 3 * 5e-324, "float64", 2.0),  # float64 subnormals
        (np.inf, 1e39, "float32", 0.0),  # exact value rounds to inf, result inf: no error
        (F32_MAX, 1e39, "float32", np.inf),  # ... result finite: infinite error
        (np.inf, F32_MAX, "float32", np.inf),  # overflow where the exact value is representable
        (-np.inf, 1e39, "float32", np.inf),  # wrong sign of infinity
        (F32_MAX, F32_MAX + 3 * 2.0**101, "float32", 0.375),  # below max + half ulp: still finite
        (np.nan, np.nan, "float32", 0.0),
        (1.0, np.nan, "float32", np.inf),
        (np.nan, 1.0, "float32", np.inf),
    ],
)
def test_ulp_error_hand_checked(got, exact_value, dtype, want):
    assert err(got, exact_value, dtype) == pytest.approx(want, rel=1e-12)


def test_ulp_error_uses_lo_of_double_double():
    # exact value 1 + 2^-60 as hi + lo: the float64 error of 1.0 is 2^-60 / 2^-52 = 2^-8 ULP
    got = ulp_error(np.array([1.0]), np.array([1.0]), np.array([2.0**-60]), "float64")
    assert got[0] == 2.0**-8


# ---------------------------------------------------------------- bfloat16


def test_bfloat16_round_to_nearest_even_on_bits():
    x = np.array([1 + 2.0**-8, 1 + 3 * 2.0**-8, 1 + 2.0**-8 + 2.0**-20, F32_MAX, -F32_MAX, np.inf], np.float32)
    want = [1.0, 1 + 2.0**-6, 1 + 2.0**-7, np.inf, -np.inf, np.inf]  # ties to even; max rounds up to inf
    assert bfloat16.round_float32(x).tolist() == want
    assert np.isnan(bfloat16.round_float32(np.array([np.nan], np.float32)))[0]
    assert bfloat16.to_bits(np.array([1.0], np.float32))[0] == 0x3F80


def test_bfloat16_single_rounding_from_float64():
    # 1 + 2^-8 + 2^-30 lies above the midpoint 1 + 2^-8: rounds up to 1 + 2^-7; through float32
    # it first becomes the midpoint itself and then goes to even (1.0), the double-rounding error
    d = np.array([1 + 2.0**-8 + 2.0**-30, 2.0**-133 * 1.5, 2.0**-134, 3.4e38, 1e300])
    assert round_to(d, "bfloat16").tolist() == [1 + 2.0**-7, 2.0**-132, 0.0, np.inf, np.inf]
    assert bfloat16.round_float32(d[:1].astype(np.float32))[0] == 1.0


def test_bfloat16_all_values_are_the_65536_patterns():
    v = bfloat16.all_values()
    assert v.size == 65536 and np.isnan(v).sum() == 254
    assert np.array_equal(bfloat16.to_bits(v[~np.isnan(v)]), np.flatnonzero(~np.isnan(v)).astype(np.uint16))


def test_bfloat16_matches_ml_dtypes_from_float32():
    ml = pytest.importorskip("ml_dtypes")
    x = (np.random.default_rng(1).integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32)).view(np.float32)
    x = x[np.isfinite(x)]
    with np.errstate(over="ignore"):
        assert np.array_equal(bfloat16.round_float32(x), x.astype(ml.bfloat16).astype(np.float32))


# ---------------------------------------------------------------- exact values and statistics


@pytest.mark.parametrize("name", ["gelu", "hard_sigmoid", "leaky_relu"])
def test_exact_correct_rounding_matches_mpmath(name):
    act = get(name)
    x = hard_inputs(act, 300, np.float32, seed=3)
    params = tuple(np.float32(p) for p in act.example_params()[0])
    got = reference_values(act, x, params, "float32").cr
    want = correctly_rounded(act, x, *params).astype(np.float64)
    assert np.array_equal(got, want, equal_nan=True)


def test_error_stats_merge_equals_one_pass():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).astype(np.float32)
    exact_v = x.astype(np.float64) * (1 + 1e-7 * rng.standard_normal(1000))
    got = x.astype(np.float64)
    cr = round_to(exact_v, "float32")
    one = ErrorStats()
    one.add(x, got, exact_v, None, cr, "float32")
    a, b = ErrorStats(), ErrorStats()
    a.add(x[:400], got[:400], exact_v[:400], None, cr[:400], "float32")
    b.add(x[400:], got[400:], exact_v[400:], None, cr[400:], "float32")
    a.merge(b)
    assert a.summary() == pytest.approx(one.summary(), nan_ok=True)
    assert 0 < one.summary()["cr_share"] < 1


# ---------------------------------------------------------------- exhaustive path on a tiny range


def test_sweep_bits_small_range():
    act = get("sigmoid")
    start = 0x3F800000  # 1.0
    stats, bmax = exhaustive.sweep_bits(act, start, start + (1 << 16))
    s = stats.summary()
    assert s["n"] == 1 << 16
    assert s["max_ulp"] <= act.max_ulp["float32"]
    assert 1.0 <= s["worst_x"] < 1.0 + 2.0**-7
    assert bmax[start >> 23] == s["max_ulp"] and np.count_nonzero(bmax) == 1


def test_exhaustive_resumes_from_checkpoint(tmp_path, monkeypatch):
    act = get("relu")
    stop, chunk = 1 << 16, 1 << 13
    full = exhaustive.run(act, tmp_path / "a", stop=stop, chunk=chunk, progress=None)
    assert full["stats"]["n"] == stop and full["stats"]["max_ulp"] == 0.0

    real = exhaustive.sweep_bits
    calls = []

    def flaky(*args, **kw):
        calls.append(args[1])
        if len(calls) == 3:
            raise KeyboardInterrupt  # an interrupted run
        return real(*args, **kw)

    monkeypatch.setattr(exhaustive, "sweep_bits", flaky)
    with pytest.raises(KeyboardInterrupt):
        exhaustive.run(act, tmp_path / "b", stop=stop, chunk=chunk, progress=None)
    state = json.loads(exhaustive.checkpoint_path(tmp_path / "b", act).read_text())
    assert state["next"] == 2 * chunk
    monkeypatch.setattr(exhaustive, "sweep_bits", real)
    bar = io.StringIO()
    resumed = exhaustive.run(act, tmp_path / "b", stop=stop, chunk=chunk, progress=bar)
    assert json.dumps(resumed["stats"]) == json.dumps(full["stats"])  # NaN fields compare equal as text
    assert "100.0%" in bar.getvalue()


# ---------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "report"
    argv = ["report", "--functions", "relu,sigmoid", "--dtypes", "float16,float32", "--samples", "20000"]
    argv += ["--float64-samples", "200", "--oracle-points", "300", "--out", str(out)]
    assert main(argv) == 0
    return out


def test_report_files(small_report):
    for f in ["report.md", "report.html", "results.json", "functions.png", "ulp_float16.png", "accuracy_speed.png"]:
        assert (small_report / f).stat().st_size > 0, f
    assert "data:image/png;base64," in (small_report / "report.html").read_text()
    assert [p.name for p in small_report.parent.iterdir()] == ["report"]  # no temporary directory left
    md = (small_report / "report.md").read_text()
    assert "## Headline" in md and "| `sigmoid` |" in md


def test_report_json_fields(small_report):
    res = json.loads((small_report / "results.json").read_text())
    for key in ["schema", "settings", "versions", "oracle_validation", "accuracy", "peers", "approximation"]:
        assert key in res, key
    assert res["settings"]["dtypes"] == ["float16", "float32"]
    for key in ["worked_example", "throughput", "plots", "seconds", "exhaustive"]:
        assert key in res, key
    st = res["accuracy"]["relu"]["float16"]["stats"]
    for key in ["n", "max_ulp", "mean_ulp", "worst_x", "max_abs", "max_rel", "cr_share", "max_ulp_normal"]:
        assert key in st, key
    assert st["n"] == 65536 - 2046 - 2  # finite float16 patterns (NaNs and +-inf kept apart)
    assert st["max_ulp"] == 0 and st["cr_share"] == 1
    sig = res["accuracy"]["sigmoid"]
    assert sig["float16"]["stats"]["cr_share"] == 1  # fastact's claim: float16 correctly rounded
    assert sig["float32"]["stats"]["n"] >= 20000
    assert sig["float32"]["stats"]["max_ulp"] <= get("sigmoid").max_ulp["float32"]
    assert res["oracle_validation"]["sigmoid"]["max_ulp32"]["[]"] < 1e-3
    assert res["throughput"]["fastact"]["relu"]["melem_s"] > 0
    assert [r["function"] for r in res["worked_example"]] == ["relu", "sigmoid"]
    assert res["worked_example"][1]["off"] == [1, 3]  # the document's sigmoid(-1) and sigmoid(2)
    assert res["approximation"] == []  # no approximation among relu, sigmoid
    # the derivatives section: fastact.grad measured like the functions, against their claims
    grads = res["derivatives"]
    assert set(grads) == {"relu", "sigmoid"}
    g = grads["sigmoid"]["dtypes"]
    assert g["float16"]["stats"]["cr_share"] == 1
    assert 0 < g["float32"]["max_ulp_away_from_zeros"] <= get_grad("sigmoid").max_ulp["float32"]
    assert grads["relu"]["dtypes"]["float32"]["max_ulp_away_from_zeros"] == 0
    assert grads["sigmoid"]["float32_speed"]["melem_s"] > 0
    assert "## Derivatives (fastact.grad)" in (small_report / "report.md").read_text()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--functions", "relu,nope"], "unknown function 'nope'"),
        (["--dtypes", "float8"], "unknown dtype 'float8'"),
        (["--samples", "0"], "--samples must be a positive integer"),
        (["--samples", "many"], "--samples must be a positive integer"),
        (["--float64-samples", "-3"], "--float64-samples must be a positive integer"),
        (["--exhaustive", "--dtypes", "float16"], "--exhaustive sweeps float32"),
    ],
)
def test_bad_arguments_exit_2(args, message, capsys, tmp_path):
    assert main(["report", *args, "--out", str(tmp_path / "r")]) == 2
    err_text = capsys.readouterr().err
    assert message in err_text and len(err_text.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_bad_arguments_exit_2_from_the_command_line(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "fastact", "report", "--functions", "nope", "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2
    assert "unknown function 'nope'" in p.stderr


def test_source_doc_hard_sigmoid_loses_millions_of_ulp():
    from fastact.analysis.formats import FORMATS
    from fastact.analysis.peers import numpy_peers
    from fastact.analysis.sweeps import Sweep, measure

    act = get("hard_sigmoid")
    x = np.array([np.nextafter(np.float32(-2.5), np.float32(0))], np.float32)
    f = FORMATS["float32"]
    sw = Sweep(act, f, x, (), reference_values(act, x, (), f), ErrorStats(), np.empty(0))
    doc = next(p for p in numpy_peers(act) if p.library == "NumPy (document formula)")
    stats, _, _ = measure(doc.impl(f), sw)
    assert stats.summary()["max_ulp"] > 1e6  # 0.2 x + 0.5 cancels next to -2.5


# ---------------------------------------------------------------- the report as a decision tool (issue 17)


def test_report_opens_with_the_decision_table(small_report):
    md = (small_report / "report.md").read_text()
    assert md.index("## Which one to use") < md.index("## How the numbers were measured") < md.index("## Headline")
    sig = md[md.index("### sigmoid") :]
    assert "| `sigmoid` | exact |" in sig and "| `fast.sigmoid` | fast kernel |" in sig
    assert "**Conclusion.**" in sig
    res = json.loads((small_report / "results.json").read_text())
    use = next(u for u in res["decision"] if u["use"] == "sigmoid")
    assert [r["choice"] for r in use["rows"]][:2] == ["sigmoid", "fast.sigmoid"]
    assert all(r["melem_s"] > 0 for r in use["rows"] if r["kind"] != "peer")
    html = (small_report / "report.html").read_text()
    assert "<h2>Which one to use</h2>" in html and "<table>" in html
    assert "``" not in md and "``" not in html  # no raw RST from docstrings
    assert res["versions"]["fastact"] and res["machine"]["cpu_model"]
    assert isinstance(res["machine"]["cpu_flags"], list)
    n = res["accuracy"]["sigmoid"]["float32"]["stats"]["n"]
    assert res["accuracy"]["sigmoid"]["float32"]["kind"].startswith(f"{n} sampled")
    assert "AI mini-class: Activation Function" in md


def test_report_says_which_peers_were_left_out(tmp_path, monkeypatch, capfd):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if not installed: import torch raises ImportError
    monkeypatch.setitem(sys.modules, "jax", None)
    argv = ["report", "--functions", "relu", "--dtypes", "float16", "--out", str(tmp_path / "r")]
    assert main(argv) == 0
    err_text = capfd.readouterr().err
    assert "PyTorch not installed" in err_text and "JAX not installed" in err_text
    assert 'pip install -e ".[peers]"' in err_text
    md = (tmp_path / "r" / "report.md").read_text()
    assert "Left out: PyTorch and JAX" in md and '.[peers]"' in md
    assert "PyTorch" not in md.split("Left out", 1)[1].split("## Headline", 1)[1]
    res = json.loads((tmp_path / "r" / "results.json").read_text())
    assert [s["library"] for s in res["skipped_peers"]] == ["PyTorch", "JAX"]


def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_report_figures_are_shown_unscaled(small_report):
    """The HTML column is 1200 px (minus padding): a wider PNG would be scaled down and its 9-pt text shrink."""
    for png in small_report.glob("*.png"):
        assert _png_size(png)[0] <= 1168, png.name


CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium) to render report.html"
)
def test_report_html_renders_in_chromium(small_report, tmp_path):
    shot = tmp_path / "report.png"
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
    argv += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
    argv += [f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000"]
    subprocess.run([*argv, (small_report / "report.html").as_uri()], capture_output=True, timeout=120, check=False)
    assert _png_size(shot) == (1280, 2000)
    from matplotlib.image import imread

    img = imread(shot)
    assert img[..., :3].std() > 0.05  # text and tables drawn, not a blank page


def test_progress_bar_on_a_terminal_lines_elsewhere():
    from fastact.analysis.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, log = Terminal(), io.StringIO()
    for stream in (tty, log):
        bar = Progress("sweeps", 3, stream)
        for name in ("relu", "gelu", "tanh"):
            bar.step(name)
        bar.close()
    assert "\r" in tty.getvalue() and "[########" in tty.getvalue() and "s left" in tty.getvalue()
    assert tty.getvalue().endswith("\n") and "3 done in" in tty.getvalue()
    assert log.getvalue().splitlines() == [
        "report: sweeps 1/3 relu",
        "report: sweeps 2/3 gelu",
        "report: sweeps 3/3 tanh",
    ]
