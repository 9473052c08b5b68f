"""``fastact bench``: runs on tiny inputs, writes the documented JSON/CSV/PNG, refuses bad arguments.

No timing assertions: speed is the benchmark's output, not something a test can pin down on
a shared machine.  Sampling is cut to the minimum (``FAST``) so the whole file runs in seconds.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys

import pytest

import fastact
from fastact.benchmarks import harness, onetime, output, startup
from fastact.benchmarks.tables import fmt_size
from fastact.cli import main

FAST = ["--samples", "2", "--warmup", "1", "--min-sample", "1e-5", "--max-time", "0.05", "--onetime", "none"]
ROW_FIELDS = set(output.CSV_FIELDS)
TOP_FIELDS = {
    "schema",
    "command",
    "argv",
    "started",
    "finished",
    "wall_seconds",
    "onetime_seconds",
    "settings",
    "machine",
    "peers_missing",
    "notes",
    "onetime",
    "results",
}


def test_tiny_run_writes_documented_json_and_csv(tmp_path, capsys):
    js, cs = tmp_path / "bench.json", tmp_path / "bench.csv"
    args = ["--functions", "relu,gelu,softmax", "--dtypes", "float32", "--sizes", "1000", "--shapes", "8x16"]
    args += ["--peers", "numpy,scipy,torch", "--json", str(js), "--csv", str(cs), *FAST]
    r = subprocess.run([sys.executable, "-m", "fastact", "bench", *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "gelu" in r.stdout and "x copy" in r.stdout and "Machine:" in r.stdout

    doc = json.loads(js.read_text())
    assert TOP_FIELDS <= set(doc), TOP_FIELDS - set(doc)
    assert doc["schema"] == output.SCHEMA
    assert doc["settings"]["functions"] == ["relu", "gelu", "softmax"]
    assert doc["settings"]["modes"] == ["out", "alloc", "inplace"]
    assert doc["command"].startswith("fastact bench --functions relu,gelu,softmax")
    m = doc["machine"]
    assert m["cpu"]["cores"] >= 1 and "avx2" in m["cpu"]["flags"]
    assert {"python", "numpy", "numba", "llvmlite"} <= set(m["versions"]) and m["versions"]["numpy"]
    assert set(m["load"]) == {"loadavg_before", "loadavg_after", "foreign_cores"}

    rows = doc["results"]
    assert all(ROW_FIELDS <= set(row) for row in rows)
    fa = [row for row in rows if row["lib"] == "fastact"]
    assert {(row["function"], row["mode"]) for row in fa} == {
        (f, mode) for f in ("relu", "gelu", "softmax") for mode in ("out", "alloc", "inplace")
    }
    assert {tuple(row["shape"]) for row in fa} == {(1000,), (8, 16)}
    assert all(row["melem_s"] > 0 and row["x_copy"] > 0 for row in fa)
    # fastact at 1 thread and at --threads (default: the usable cores, capped at numba's); on
    # several threads its row carries its speed-up over one thread
    from fastact.threads import max_threads

    assert {row["threads"] for row in fa} == {"1", str(min(doc["settings"]["threads"], max_threads()))}
    assert all((row["vs_fastact"] is None) == (row["threads"] == "1") for row in fa)
    peers = [row for row in rows if row["lib"] not in ("fastact", "copyto")]
    assert {"numpy", "scipy"} <= {row["lib"] for row in peers}
    assert all(row["vs_fastact"] > 0 for row in peers)
    assert len([row for row in rows if row["lib"] == "copyto"]) == 3
    if importlib.util.find_spec("torch"):
        torch_rows = [row for row in peers if row["lib"] == "torch"]
        assert {row["threads"] for row in torch_rows} >= {"1"}
        assert any(row["impl"] == "torch.clamp_min(t, 0, out=o)" and not row["allocates"] for row in torch_rows)
    else:
        assert "torch" in doc["peers_missing"]

    with cs.open() as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == output.CSV_FIELDS
    assert len(table) == len(rows)
    assert {row["shape"] for row in table} >= {"1000", "8x16"}


def test_quick_plot_and_atomic_files(tmp_path, capsys):
    png = tmp_path / "bench.png"
    png.write_bytes(b"old")  # replaced whole, never truncated in place
    argv = [
        "bench",
        "--quick",
        "--functions",
        "relu,sigmoid",
        "--sizes",
        "500,2000",
        "--peers",
        "none",
        "--passes",
        "2",
    ]
    argv += FAST
    assert main([*argv, "--plot", str(png), "--markdown", "--no-progress"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["bench.png"]  # no temporary file left behind
    lines = [line.split(" | ") for line in capsys.readouterr().out.splitlines() if line.startswith("| relu ")]
    # --quick: float32 and out= only; the sizes given replace its default sizes; one row per measurement over 2 passes
    assert [(cells[1], cells[2], cells[3]) for cells in lines] == [
        ("float32", "500", "out"),
        ("float32", "2e3", "out"),
    ]


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")

    def fail(f):
        f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        output.atomic_write(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_softmax_forms_are_rows_of_the_bench(tmp_path, capsys):
    """--forms: axis=None, axis=(0,1) and a half-masked where= as cases of their own, against
    SciPy (the axis forms), PyTorch (masked_fill + softmax for the mask) and JAX (where=)."""
    from fastact.benchmarks import cli, runner

    assert cli.FORMS == tuple(runner.FORMS)
    js, cs = tmp_path / "forms.json", tmp_path / "forms.csv"
    argv = ["bench", "--functions", "softmax,log_softmax", "--dtypes", "float32", "--shapes", "8x16"]
    argv += ["--forms", "all", "--modes", "out", "--peers", "scipy,torch,jax", "--threads", "1"]
    assert main([*argv, "--json", str(js), "--csv", str(cs), *FAST, "--no-progress"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(js.read_text())
    assert doc["settings"]["forms"] == ["axis-none", "axis-tuple", "where"]
    assert "--forms axis-none,axis-tuple,where" in doc["command"]
    labels = ["axis=None", "axis=(0,1)", "where= (half masked)"]
    rows = doc["results"]
    fa = {(r["function"], r["form"]): r for r in rows if r["lib"] == "fastact"}
    assert set(fa) == {(f, form) for f in ("softmax", "log_softmax") for form in [None, *labels]}
    assert fa[("softmax", "where= (half masked)")]["impl"] == "fastact.softmax(x, where=m, out=y)"
    assert fa[("log_softmax", "axis=(0,1)")]["impl"] == "fastact.log_softmax(x, axis=(0,1), out=y)"
    assert all(r["melem_s"] > 0 for r in fa.values())
    lines = out.splitlines()
    for f in ("softmax", "log_softmax"):
        for label in labels:  # the summary table: a line per form, the form after the name
            assert any(line.startswith(f"{f} {label} ") and "8x16" in line for line in lines), (f, label)
    libs = {(r["function"], r["form"], r["lib"]) for r in rows if r["lib"] not in ("fastact", "copyto")}
    have = {lib for lib in ("scipy", "torch", "jax") if lib not in doc["peers_missing"]}
    for f in ("softmax", "log_softmax"):
        for label in labels:
            want = {lib for lib in have if not (lib == "scipy" and label.startswith("where"))}
            assert {lib for g, form, lib in libs if (g, form) == (f, label)} == want, (f, label)
    assert all(r["vs_fastact"] > 0 for r in rows if r["lib"] not in ("fastact", "copyto"))
    if "torch" in have:
        assert any(r["impl"] == "torch.softmax(t.masked_fill(~m, -inf), -1, out=o) [temporaries]" for r in rows)
    if "jax" in have:
        assert any(r["impl"].startswith("jit(jax.nn.log_softmax(x, axis=-1, where=m))") for r in rows)
    with cs.open() as fh:
        table = list(csv.DictReader(fh))
    assert {row["form"] for row in table} == {"", *labels}


@pytest.mark.parametrize(
    ("argv", "culprit"),
    [
        (["--functions", "relu,nope"], "'nope'"),
        (["--dtypes", "float8"], "'float8'"),
        (["--sizes", "0"], "'0'"),
        (["--sizes", "1e3,abc"], "'abc'"),
        (["--sizes", "2.5"], "'2.5'"),
        (["--shapes", "1024"], "'1024'"),
        (["--modes", "inplace,sideways"], "'sideways'"),
        (["--peers", "torch,tensorflow"], "'tensorflow'"),
        (["--forms", "where,axis=None"], "'axis=None'"),
        (["--threads", "0"], "--threads"),
        (["--threads", "two"], "'two'"),
        (["--json", "/nonexistent-dir/b.json"], "does not exist"),
    ],
)
def test_bad_arguments_exit_2_with_one_line_naming_the_problem(argv, culprit, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and culprit in err[0] and err[0].startswith("fastact bench: error:"), err


def test_derivatives_are_benchmarked_by_their_grad_names(tmp_path):
    js = tmp_path / "grad.json"
    args = ["--functions", "grad.gelu,grad.elu_alpha", "--dtypes", "float32", "--sizes", "1000", "--json", str(js)]
    r = subprocess.run(
        [sys.executable, "-m", "fastact", "bench", *args, *FAST], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    rows = [x for x in json.loads(js.read_text())["results"] if x["lib"] == "fastact"]
    assert {x["function"] for x in rows} == {"grad.gelu", "grad.elu_alpha"}
    assert all(x["melem_s"] > 0 for x in rows)


def test_cli_module_imports_no_peer_library():
    """Parsing the bench's options (``--help`` included) imports no peer and builds nothing."""
    code = (
        "import sys, fastact.benchmarks.cli; "
        "print(sorted({'torch', 'jax', 'fastact.build', 'fastact.benchmarks.peers'} & set(sys.modules)))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr


def test_in_place_calls_see_restored_input_each_time():
    state = {"v": 0, "seen": []}

    def restore():
        state["v"] = 0

    def call():
        state["v"] += 1
        state["seen"].append(state["v"])

    t = harness.sample_each(call, restore, harness.Settings(warmup=1, samples=5, min_sample=0.0))
    assert t.samples == 5 and t.calls == 1
    assert set(state["seen"][1:]) == {1}  # after the warm-up, every timed call started from the restored input
    assert t.best <= t.median <= t.worst


def test_best_time_keeps_its_contract_for_the_report():
    calls = []
    t = harness.best_time(lambda: calls.append(1), min_sample=1e-5, samples=3, warmup=1)
    assert t > 0 and len(calls) >= 4


def test_sizes_print_in_the_notation_they_are_typed_in():
    assert [fmt_size([n]) for n in (999, 1000, 16 * 10**6, 123456)] == ["999", "1e3", "1.6e7", "123456"]
    assert fmt_size([1024, 64]) == "1024x64"


def test_first_call_costs_are_measured_in_fresh_interpreters():
    r = onetime.first_call("relu", repeats=1, no_cache=False)  # the no-cache run would compile a second time
    assert r["function"] == "relu" and isinstance(r["sources_changed"], bool)
    for key in ("import_numba_s", "import_fastact_s", "first_call_cold_cache_s", "first_call_warm_cache_s"):
        assert r[key] > 0, key
    assert r["first_call_no_cache_s"] is None and r["error"] is None


ONE_CASE = ["--functions", "relu", "--dtypes", "float32", "--sizes", "1000", "--modes", "out", "--peers", "none"]
ONE_CASE += ["--threads", "1"]  # one fastact row


def _measured(doc):
    rows = [row for row in doc["results"] if row["lib"] == "fastact"]
    assert [(row["function"], row["size"]) for row in rows] == [("relu", 1000)] and rows[0]["melem_s"] > 0
    return rows


def test_a_failing_one_time_child_is_reported_and_the_measurements_are_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(startup, "_SNIPPET", "import sys\nsys.exit('ImportError: no fastact here ({name})')")
    js = tmp_path / "bench.json"
    assert main(["bench", *ONE_CASE, *FAST, "--onetime", "first", "--json", str(js)]) == 0
    doc = json.loads(js.read_text())
    _measured(doc)
    fc = doc["onetime"]["first_call"]
    assert fc["error"] == "cold cache run failed: ImportError: no fastact here (relu)"
    assert fc["first_call_cold_cache_s"] is None and fc["import_fastact_s"] is None
    out = capsys.readouterr().out
    assert "first relu() call: not measured (FAILED: cold cache run failed: ImportError: no fastact here (relu))" in out
    assert "relu      float32  1e3" in out  # the table is printed too


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_ctrl_c_or_an_error_in_the_one_time_step_keeps_the_measurements(exc, tmp_path, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise exc("while building")

    monkeypatch.setattr(onetime, "build_all", fail)
    monkeypatch.setattr(onetime, "first_call", lambda name: {"function": name, "error": None})
    js, cs = tmp_path / "bench.json", tmp_path / "bench.csv"
    code = main(["bench", *ONE_CASE, *FAST, "--onetime", "all", "--json", str(js), "--csv", str(cs)])
    doc = json.loads(js.read_text())
    _measured(doc)
    assert len(list(csv.DictReader(cs.read_text().splitlines()))) == len(doc["results"])
    assert doc["onetime"]["first_call"]["function"] == "relu"  # what was done before is kept
    captured = capsys.readouterr()
    if exc is KeyboardInterrupt:
        assert code == 130 and "Ctrl-C" in doc["onetime"]["error"]
        assert "interrupted during the one-time costs" in captured.err and str(js) in captured.err
    else:
        assert code == 0 and doc["onetime"]["error"] == "RuntimeError: while building"
        assert "One-time: stopped early: RuntimeError: while building" in captured.out


def test_one_time_children_import_the_parents_fastact_from_any_working_directory(tmp_path):
    """``python -c`` puts the working directory first on sys.path: run from a folder holding one named
    ``fastact`` (the clone, seen from the folder above it), the children must still import this fastact."""
    decoy = tmp_path / "here" / "fastact"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise ImportError('the decoy fastact was imported')\n")
    launcher = tmp_path / "bin" / "fastact_cli.py"  # as the console script: its folder first on sys.path
    launcher.parent.mkdir()
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(fastact.__file__)))
    launcher.write_text(
        f"import sys\nsys.path.insert(0, {package_parent!r})\nfrom fastact.cli import main\nsys.exit(main())\n"
    )
    js = tmp_path / "bench.json"
    r = subprocess.run(
        [sys.executable, str(launcher), "bench", *ONE_CASE, *FAST, "--onetime", "first", "--json", str(js)],
        capture_output=True,
        text=True,
        cwd=decoy.parent,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(js.read_text())
    _measured(doc)
    fc = doc["onetime"]["first_call"]
    assert fc["error"] is None, fc["error"]
    assert fc["first_call_cold_cache_s"] > 0 and fc["first_call_no_cache_s"] > 0
