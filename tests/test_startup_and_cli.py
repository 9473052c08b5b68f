"""Start-up behaviour (lazy, cached, cache can be turned off) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import fastact
from fastact import _numba
from fastact.registry import NAMES


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}, timeout=600
    )


def test_import_compiles_nothing_and_dir_lists_everything():
    r = run(
        "import fastact, sys\n"
        "assert not any(n in vars(fastact) for n in fastact.__all__)\n"
        "assert 'fastact.build' not in sys.modules\n"
        "assert set(fastact.__all__) <= set(dir(fastact))\n"
        "print('ok')"
    )
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'gelu_fast'"):
        fastact.gelu_fast  # noqa: B018


def test_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("FASTACT_CACHE", "0")
    assert not _numba.cache_enabled()
    monkeypatch.setenv("FASTACT_CACHE", "1")
    assert _numba.cache_enabled()
    r = run("import fastact, numpy as np; print(fastact.relu6(np.array([7.0, -1.0])))", FASTACT_CACHE="0")
    assert r.returncode == 0 and "[6. 0.]" in r.stdout, r.stderr


def test_internals_check_passes():
    _numba.check_internals()


def float32_loop_asm(name: str) -> str:
    """Assembly of the compiled float32 loop of ``name`` (uncached, built here)."""
    import numba

    from fastact import _loops, convert, registry

    k = registry.get(name).kernels["float32"]
    f = _numba.clone(
        _loops.unary,
        f"asm_check_{name}",
        KERNEL=k.fn,
        TIN=numba.float32,
        ISZ=4,
        IN=convert.IN["f", k.arg],
        OUT=convert.OUT["f", k.ret],
    )
    return numba.cfunc(_numba.LOOP_SIGNATURE, error_model="numpy")(f)._library.get_asm_str()


def test_loops_are_simd_vectorized():
    """The float32 relu loop must use packed AVX/SSE instructions (ymm or xmm packed ops)."""
    import re

    packed = re.findall(r"\bv?max(?:ps)\b|\bvblendvps\b|\bv?cmp\w*ps\b", float32_loop_asm("relu"))
    assert packed, "no packed single-precision instructions in the float32 relu loop"


def test_cli_list_prints_every_function():
    r = subprocess.run([sys.executable, "-m", "fastact", "list"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    for name in NAMES:
        assert f"{name}(" in r.stdout


def test_cli_bad_arguments_exit_2():
    r = subprocess.run([sys.executable, "-m", "fastact", "nonsense"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "invalid choice" in r.stderr


def test_readme_tables_match_the_registry():
    r = subprocess.run(
        [sys.executable, "tools/readme_tables.py", "--check"],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("name", ["sigmoid", "gelu", "softplus", "tanh"])
def test_transcendental_float32_loops_are_simd_and_call_no_libm(name):
    """No scalar libm call in the hot loop, and packed double or single ops (AVX ymm) in it."""
    import re

    asm = float32_loop_asm(name)
    called = set(re.findall(r"movabsq\s+\$([A-Za-z_][\w.]*)", asm))
    libm = {"exp", "expf", "log", "log1p", "erf", "erfc", "tanh", "expm1", "pow"} & called
    assert not libm, f"{name}: libm calls in the float32 loop: {libm}"
    assert len(re.findall(r"\bv\w+p[sd]\s+[^\n]*%ymm", asm)) > 20, f"{name}: no packed AVX arithmetic"
