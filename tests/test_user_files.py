"""A user's files are never deleted, renamed or replaced; outputs follow the umask; the
command line answers bad paths, interrupts and unexpected errors with one line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fastact.analysis import atomic, report
from fastact.analysis.atomic import MANIFEST, OutputError, atomic_dir, check_target
from fastact.cli import main

TINY_REPORT = ["--functions", "relu", "--dtypes", "float16", "--samples", "1000"]
TINY_REPORT += ["--float64-samples", "10", "--oracle-points", "10"]
COMMANDS = {  # each command that writes a directory, with arguments that make it quick
    "report": ["report", *TINY_REPORT],
    "study": ["study", "circles", "--quick", "--no-torch"],
}


def _errors(stderr: str) -> list[str]:
    """stderr without the report's progress lines ("report: ...", e.g. the peers left out)."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("report: ")]


def user_files(d: Path) -> dict[str, bytes]:
    """A user's directory: a file and a folder with a file; returns path -> bytes to compare."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "thesis.tex").write_bytes(b"\\documentclass{article}\n")
    (d / "data").mkdir()
    (d / "data" / "x.csv").write_bytes(b"1,2\n")
    return snapshot(d)


def snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(d.rglob("*"))}


@pytest.mark.parametrize("command", COMMANDS)
def test_directory_holding_a_users_files_is_refused(command, tmp_path, capsys):
    before = user_files(tmp_path / "d")
    assert main([*COMMANDS[command], "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path / "d") in err and "did not write" in err
    assert snapshot(tmp_path / "d") == before


@pytest.mark.parametrize("command", COMMANDS)
def test_out_dot_in_a_users_directory_is_refused(command, tmp_path):
    before = user_files(tmp_path)
    r = subprocess.run(
        [sys.executable, "-m", "fastact", *COMMANDS[command], "--out", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "'.'" in r.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_existing_regular_file_is_never_turned_into_a_directory(command, tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_bytes(b"my notes\n")
    assert main([*COMMANDS[command], "--out", str(f)]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"] and f.read_bytes() == b"my notes\n"


def test_bench_refuses_a_directory_and_overwrites_only_the_named_file(tmp_path):
    (tmp_path / "d").mkdir()
    base = [sys.executable, "-m", "fastact", "bench", "--functions", "relu", "--dtypes", "float32", "--sizes", "1e3"]
    base += ["--modes", "out", "--peers", "none", "--onetime", "none", "--samples", "1", "--warmup", "0"]
    r = subprocess.run([*base, "--json", str(tmp_path / "d")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "is a directory" in r.stderr
    named = tmp_path / "bench.json"
    named.write_text("old")
    (tmp_path / "other.txt").write_text("keep")
    r = subprocess.run([*base, "--json", str(named)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(named.read_text())["results"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.json", "d", "other.txt"]
    assert (tmp_path / "other.txt").read_text() == "keep" and list((tmp_path / "d").iterdir()) == []


def test_empty_directory_is_used_in_place(tmp_path, capsys):
    out = tmp_path / "empty"
    out.mkdir()
    ino = out.stat().st_ino
    assert main([*COMMANDS["report"], "--out", str(out)]) == 0
    assert out.stat().st_ino == ino  # written into, never replaced
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "fastact report"
    assert sorted(manifest["files"]) == sorted(p.name for p in out.iterdir() if p.name != MANIFEST)


def test_earlier_output_is_replaced_but_not_a_users_file_added_to_it(tmp_path, capsys):
    out = tmp_path / "r"
    assert main([*COMMANDS["report"], "--dtypes", "float16,float32", "--out", str(out)]) == 0
    assert (out / "ulp_float32.png").exists()
    first = (out / "results.json").read_bytes()
    assert main([*COMMANDS["report"], "--out", str(out)]) == 0  # float16 only this time
    assert (out / "results.json").read_bytes() != first
    assert not (out / "ulp_float32.png").exists()  # the earlier output's own file, no longer written
    assert not [p for p in out.iterdir() if p.name.startswith(".fastact-staging")]
    (out / "my-notes.md").write_text("mine")
    before = snapshot(out)
    assert main([*COMMANDS["report"], "--out", str(out)]) == 2
    assert "my-notes.md" in capsys.readouterr().err
    assert snapshot(out) == before
    # another command's output is not this command's to replace
    (out / "my-notes.md").unlink()
    with pytest.raises(OutputError, match="earlier output of 'fastact report'"):
        check_target(out, "fastact study circles")


def test_failed_or_interrupted_run_keeps_the_earlier_output(tmp_path, monkeypatch, capsys):
    def boom(acts, dtypes, samples, n64, points, exh, out_dir, plot_dir, log=None):
        (plot_dir / "functions.png").write_bytes(b"half")
        raise RuntimeError("step failed")

    real = report.measure_all
    monkeypatch.setattr(report, "measure_all", boom)
    with pytest.raises(RuntimeError):
        report.generate(tmp_path / "new", ["relu"], ["float16"], log=None)
    assert list(tmp_path.iterdir()) == []  # no directory, no staging left
    monkeypatch.setattr(report, "measure_all", real)
    out = tmp_path / "old"
    assert main([*COMMANDS["report"], "--out", str(out)]) == 0
    before = snapshot(out)
    monkeypatch.setattr(report, "measure_all", boom)
    with pytest.raises(RuntimeError):
        report.generate(out, ["relu"], ["float16"], log=None)
    assert snapshot(out) == before

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "measure_all", interrupt)
    capsys.readouterr()
    assert main([*COMMANDS["report"], "--out", str(out)]) == 130
    assert _errors(capsys.readouterr().err) == [
        "fastact report: interrupted; nothing written, the earlier output is intact"
    ]
    assert snapshot(out) == before


def test_killed_run_leaves_only_a_staging_directory_that_the_next_run_clears(tmp_path):
    out = tmp_path / "r"
    with atomic_dir(out, "fastact report") as staging:
        (staging / "report.md").write_text("one")
    leftover = out / (atomic._STAGING + "killed")
    leftover.mkdir()
    (leftover / MANIFEST).write_text("")  # as atomic_dir marks its staging directory
    (leftover / "report.md").write_text("half")
    assert check_target(out, "fastact report") == ["report.md"]
    with atomic_dir(out, "fastact report") as staging:
        (staging / "report.md").write_text("two")
    assert (out / "report.md").read_text() == "two"


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_output_follows_the_umask(umask, tmp_path):
    old = os.umask(umask)
    try:
        with atomic_dir(tmp_path / "new" / "r", "fastact report") as staging:
            (staging / "report.md").write_text("x")
            (staging / "plots").mkdir()
    finally:
        os.umask(old)
    for p, want in [
        (tmp_path / "new", 0o777),
        (tmp_path / "new" / "r", 0o777),
        (tmp_path / "new" / "r" / "plots", 0o777),
    ]:
        assert stat.S_IMODE(p.stat().st_mode) == want & ~umask, p
    for p in [tmp_path / "new" / "r" / "report.md", tmp_path / "new" / "r" / MANIFEST]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p


@pytest.mark.parametrize(
    "out,reason",
    [("/proc/fastact-nowhere", "cannot create"), ("notes.txt/sub", "notes.txt is not a directory")],
)
def test_bad_paths_give_one_line_naming_the_path(out, reason, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    r = subprocess.run(
        [sys.executable, "-m", "fastact", *COMMANDS["report"], "--out", out],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and repr(out) in r.stderr and reason in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_unexpected_error_is_one_line_unless_debugging(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("deep inside")

    monkeypatch.setattr(report, "measure_all", broken)
    assert main([*COMMANDS["report"], "--out", str(tmp_path / "r")]) == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "ZeroDivisionError: deep inside" in errors[0] and "--debug" in errors[0]
    with pytest.raises(ZeroDivisionError):
        main(["--debug", *COMMANDS["report"], "--out", str(tmp_path / "r")])
    monkeypatch.setenv("FASTACT_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main([*COMMANDS["report"], "--out", str(tmp_path / "r")])


def test_version():
    r = subprocess.run([sys.executable, "-m", "fastact", "--version"], capture_output=True, text=True, timeout=120)
    import fastact

    assert r.returncode == 0 and r.stdout.strip() == f"fastact {fastact.__version__}"


def test_failed_run_into_a_new_directory_leaves_none(tmp_path):
    for reserve in [(), ("checkpoints",)]:
        with pytest.raises(RuntimeError), atomic_dir(tmp_path / "a" / "b", "fastact report", reserve) as staging:
            (staging / "half.png").write_bytes(b"half")
            raise RuntimeError
        assert list(tmp_path.iterdir()) == [tmp_path / "a"] and list((tmp_path / "a").iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_bench_files_follow_the_umask(umask, tmp_path):
    from fastact.benchmarks import output

    old = os.umask(umask)
    try:
        output.atomic_write(tmp_path / "b.json", lambda f: f.write(b"{}"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o666 & ~umask


def test_ctrl_c_during_a_report_is_one_line_and_keeps_the_earlier_output(tmp_path):
    """A real SIGINT, wherever it lands (mpmath, numba, matplotlib): exit 130, one line."""
    import signal
    import time

    out = tmp_path / "r"
    assert main([*COMMANDS["report"], "--out", str(out)]) == 0
    before = snapshot(out)
    # Python ignores SIGINT when started from a background job (as pytest may be): set its handler
    code = "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    code += "from fastact.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = ["report", "--functions", "sigmoid,gelu", "--out", str(out)]
    p = subprocess.Popen([sys.executable, "-c", code, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.strip().splitlines()[-1] == "fastact report: interrupted; nothing written, the earlier output is intact"
    assert "Traceback" not in err
    assert snapshot(out) == before
