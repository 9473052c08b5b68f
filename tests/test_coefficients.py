"""The committed polynomial coefficients are what ``tools/fit_coefficients.py`` fits (a quick
subset here: one float32, one float64 exp and one log1p fit; ``--check`` alone refits all)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_fit_check_subset():
    script = str(ROOT / "tools" / "fit_coefficients.py")
    cmd = [sys.executable, script, "--check", "--only", "EXP_F32,EXP_R34,LOG1P_R39"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count(": degree") == 3  # the three fits ran


def test_fit_check_finds_a_change(tmp_path, monkeypatch):
    """--check fails when the committed module differs from the fit (here: one coefficient)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import fit_coefficients as fc
    finally:
        sys.path.pop(0)
    text = fc.OUT.read_text()
    start = text.index("EXP_F32 = (")
    line_end = text.index("\n", text.index("np.float32(", start))
    line = text[text.index("np.float32(", start) : line_end]
    value = float(line.split("(")[1].split(")")[0])
    changed = text.replace(line, line.replace(repr(value), repr(value * 1.001)), 1)
    fake = tmp_path / "coefficients.py"
    fake.write_text(changed)
    monkeypatch.setattr(fc, "OUT", fake)
    fit = next(f for f in fc.FITS if f.name == "EXP_F32")
    coef = fc.lawson(fit)[0]
    problems = fc.check([(fit, coef, fc.rounded_error(fit, coef))], strict=False)
    assert problems and "EXP_F32" in problems[0]
