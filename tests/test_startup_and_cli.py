"""Start-up behaviour (lazy, cached, cache can be turned off) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import codegen
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


x86_64_only = pytest.mark.skipif(not codegen.X86_64, reason=codegen.NOT_X86_64)


@x86_64_only
def test_loops_are_simd_vectorized():
    """The float32 relu loop is packed SIMD (xmm, ymm or zmm: whatever the CPU has) and calls nothing."""
    asm = codegen.float32_loop_asm("relu")
    assert codegen.check_float32_loop(asm, "relu", min_packed=1) is None


def test_cli_list_prints_every_function():
    r = subprocess.run([sys.executable, "-m", "fastact", "list"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    for name in NAMES:
        assert f"{name}(" in r.stdout


def test_cli_list_shows_the_bfloat16_loop_when_ml_dtypes_is_installed():
    import importlib.util

    r = subprocess.run([sys.executable, "-m", "fastact", "list"], capture_output=True, text=True, timeout=120)
    relu = next(line for line in r.stdout.splitlines() if line.startswith("relu(x)"))
    assert "e->e, f->f, d->d" in relu
    assert ("bf16" in relu) == (importlib.util.find_spec("ml_dtypes") is not None)


def test_cli_output_into_a_closed_pipe_is_quiet():
    """``fastact list --grad | head -1``: the reader leaves early; no error message, SIGPIPE's status."""
    p = subprocess.Popen(
        [sys.executable, "-m", "fastact", "list", "--grad", "--peers"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    p.stdout.close()  # before the child writes anything: its first write meets a closed pipe
    err = p.stderr.read()
    assert p.wait(timeout=120) == 141
    assert err == b""


def test_cli_bad_arguments_exit_2():
    r = subprocess.run([sys.executable, "-m", "fastact", "nonsense"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "invalid choice" in r.stderr


def test_readme_tables_match_the_registry():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run(  # this checkout's fastact, also where another one is installed
        [sys.executable, "tools/readme_tables.py", "--check"],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))},
    )
    assert r.returncode == 0, r.stderr


@x86_64_only
@pytest.mark.parametrize("name", ["sigmoid", "gelu", "softplus", "tanh"])
def test_transcendental_float32_loops_are_simd_and_call_no_libm(name):
    """No libm call, and a call-free loop holding the kernel as packed arithmetic (any vector width)."""
    why_not = codegen.check_float32_loop(codegen.float32_loop_asm(name), name)
    if why_not:
        pytest.skip(why_not)


@x86_64_only
@pytest.mark.parametrize(
    ("cpu", "vectors", "absent"),
    [("skylake-avx512", {"zmm"}, None), ("haswell", {"ymm"}, "%zmm"), ("nehalem", {"xmm"}, "%ymm")],
    ids=["avx512", "avx2", "sse4"],
)
def test_float32_loops_compiled_for_other_x86_64_cpus(cpu, vectors, absent):
    """The same checks on code generated for AVX-512, AVX2 and SSE4.2 CPUs, whatever this one is.

    Compiled in a fresh interpreter with ``NUMBA_CPU_NAME`` and that CPU's own features, and
    only read: nothing compiled for the target is ever run.  On skylake-avx512 LLVM prefers
    256-bit vectors, but fastact asks for 512-bit ones (zmm; see test_wide_vectors.py);
    nehalem has no FMA instruction, so the kernels' fused multiply-adds become libm fmaf calls.
    """
    names = ["relu", "sigmoid", "gelu", "tanh"]
    asm = codegen.asm_for_cpu(cpu, names)
    used = set()
    for name in names:
        if absent:
            assert absent not in asm[name], f"{cpu} {name}: {absent} registers: not compiled for {cpu}"
        why_not = codegen.check_float32_loop(asm[name], name, min_packed=1 if name == "relu" else 16)
        if cpu == "nehalem" and name != "relu":
            assert why_not and "no FMA" in why_not, f"{name}: expected libm fmaf calls for nehalem"
            continue
        assert why_not is None, why_not
        widths = codegen.vector_registers(asm[name], min_packed=1 if name == "relu" else 16)
        assert widths & vectors, f"{cpu} {name}: packed on {sorted(widths)}, expected {sorted(vectors)}"
        used |= widths
    assert vectors <= used, f"{cpu}: packed loops on {sorted(used)}, expected all of {sorted(vectors)}"
