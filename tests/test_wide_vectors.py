"""512-bit vectors for fastact's loops where the target has AVX-512 (``fastact._numba.wide_vectors``).

LLVM prefers 256-bit vectors on Intel's AVX-512 CPUs; fastact asks for 512-bit ones on every
function it compiles, and on nothing else.  Checked on code compiled for other CPUs in fresh
interpreters (``NUMBA_CPU_NAME`` with that CPU's own features) and only read, never run;
the bit-identity check runs code compiled for this machine with AVX-512 turned off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import codegen
import numpy as np
import pytest

from fastact import _numba

pytestmark = pytest.mark.skipif(not codegen.X86_64, reason=codegen.NOT_X86_64)

WIDE = ["sigmoid", "silu", "softplus"]  # float32 arithmetic throughout: ymm on these CPUs without the attribute
NAMES = [*WIDE, "gelu"]  # gelu: float64 inside, zmm either way


@pytest.mark.parametrize("cpu", ["skylake-avx512", "icelake-server", "rocketlake"])
def test_avx512_targets_get_512_bit_vectors_and_only_fastact(cpu):
    """Intel AVX-512 CPUs that LLVM tunes for 256-bit vectors: fastact's float32 loops are packed
    on zmm (no ymm arithmetic left in them); a user's numba loop compiled after them in the same
    process keeps LLVM's choice (ymm, no zmm)."""
    asm = codegen.asm_for_cpu(cpu, [*NAMES, codegen.USER_LOOP])
    assert asm[codegen.WIDE_VECTORS] == "True", f"{cpu} has AVX-512F: fastact should ask for 512-bit vectors"
    for name in NAMES:
        assert codegen.check_float32_loop(asm[name], name) is None
        counts = codegen.packed_counts(asm[name])
        assert counts.get("zmm", 0) >= 16, f"{cpu} {name}: packed {counts}\n{codegen.describe(asm[name])}"
        if name in WIDE:
            assert "ymm" not in counts, f"{cpu} {name}: ymm arithmetic left: {counts}"
    user = asm[codegen.USER_LOOP]
    assert any(lp.simd for lines in codegen.functions(user).values() for lp in codegen.loops(lines)), "not vectorized"
    assert "%zmm" not in user, f"{cpu}: fastact's 512-bit setting leaked into the user's own numba code"


@pytest.mark.parametrize("cpu", ["haswell", "znver3"])
def test_avx2_targets_are_unchanged(cpu):
    """No AVX-512: no attribute, and no zmm register anywhere (ymm as before)."""
    asm = codegen.asm_for_cpu(cpu, NAMES)
    assert asm[codegen.WIDE_VECTORS] == "False"
    for name in NAMES:
        assert codegen.check_float32_loop(asm[name], name) is None
        assert "%zmm" not in asm[name], f"{cpu} {name}: zmm registers: not compiled for {cpu}"
        assert "ymm" in codegen.packed_counts(asm[name]), codegen.describe(asm[name])


def test_cached_loops_are_per_target(tmp_path):
    """A loop cached for an AVX-512 target (zmm) is not loaded for an AVX2 one and vice versa; each
    is loaded again for its own target (numba's cache index is keyed by the CPU name and features,
    which decide the vector width).  Compiled and loaded, never run."""
    code = (
        "from fastact import _numba, build, registry\n"
        "cf = build._loop(registry.get('sigmoid'), 'float32', True)\n"
        "print(_numba.wide_vectors(), cf.cache_hits)"
    )
    seen = []
    for cpu in ["skylake-avx512", "haswell", "skylake-avx512", "haswell"]:
        env = {**codegen.target_env(cpu), "FASTACT_CACHE": "1", "NUMBA_CACHE_DIR": str(tmp_path)}
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        seen.append(r.stdout.split())
    assert seen == [["True", "0"], ["False", "0"], ["True", "1"], ["False", "1"]]


# element-wise functions and a derivative of each kind (piecewise, float32 and float64 inside;
# every function and derivative was checked by hand): not the row functions, whose sums are
# reassociated, so their last bits depend on the vector width
BIT_NAMES = ["relu", "hard_sigmoid6", "sigmoid", "silu", "softplus", "gelu"]
BIT_GRADS = ["silu"]

# the same loops as LLVM compiles them without fastact's attribute: 256-bit vectors (its
# prefer-256-bit tuning, Intel's AVX-512 CPUs' default), the same instruction set (AVX-512VL)
_EVAL = """
import json, sys, numpy as np
from numba.core.registry import cpu_target
from fastact import _numba
_numba._WIDE_TARGETS[cpu_target.target_context.codegen().magic_tuple()] = False  # no attribute; uncached
import fastact
from fastact import grad
sys.path.insert(0, sys.argv[5])
import codegen
print(json.dumps(codegen.packed_counts(codegen.float32_loop_asm("sigmoid"))))
x = np.load(sys.argv[1])
out = {}
for dt in ("float16", "float32", "float64"):
    v = x.astype(dt)
    for n in sys.argv[3].split(","):
        out[f"{n}_{dt}"] = getattr(fastact, n)(v)
    for n in sys.argv[4].split(","):
        out[f"grad.{n}_{dt}"] = getattr(grad, n)(v)
np.savez(sys.argv[2], **out)
"""


def _inputs() -> np.ndarray:
    rng = np.random.default_rng(15)
    x = np.concatenate(
        [
            rng.standard_normal(60_000) * 4,
            rng.uniform(-120, 120, 20_000),
            np.ldexp(rng.uniform(-1, 1, 20_000), rng.integers(-160, 12, 20_000)),
            [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 88.7, -104.0, 65504.0],
        ]
    )
    return x[rng.permutation(x.size)][:99_991]  # an odd length: remainder loops too


def test_results_are_bit_identical_at_512_and_256_bits(tmp_path):
    """The kernels are exact whatever the vector width: this machine's loops (512-bit) give the
    same bits (a NaN's sign aside) as the same loops compiled without fastact's attribute and with
    LLVM's prefer-256-bit tuning (256-bit vectors, as on Intel's AVX-512 CPUs before), in a fresh
    interpreter that caches nothing."""
    if not _numba.wide_vectors():
        pytest.skip("this machine has no AVX-512: its loops are the same either way")
    import llvmlite.binding as ll

    x = _inputs()
    np.save(tmp_path / "x.npy", x)
    env = {
        **codegen.target_env(ll.get_host_cpu_name()),
        "NUMBA_CPU_FEATURES": ll.get_host_cpu_features().flatten() + ",+prefer-256-bit",
    }
    names, grads = ",".join(BIT_NAMES), ",".join(BIT_GRADS)
    here = os.path.dirname(os.path.abspath(__file__))
    args = [sys.executable, "-c", _EVAL, str(tmp_path / "x.npy"), str(tmp_path / "y.npz"), names, grads, here]
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    narrow_counts = json.loads(r.stdout.splitlines()[-1])
    wide_counts = codegen.packed_counts(codegen.float32_loop_asm("sigmoid"))
    assert "zmm" in wide_counts and "ymm" not in wide_counts, wide_counts
    assert "ymm" in narrow_counts and "zmm" not in narrow_counts, f"not compiled for 256-bit vectors: {narrow_counts}"
    narrow = np.load(tmp_path / "y.npz")
    import fastact
    from fastact import grad

    ufuncs = [(n, getattr(fastact, n)) for n in BIT_NAMES] + [(f"grad.{n}", getattr(grad, n)) for n in BIT_GRADS]
    differ = []
    for dt in ("float16", "float32", "float64"):
        bits = np.dtype(f"u{np.dtype(dt).itemsize}")
        for path, uf in ufuncs:
            wide, other = uf(x.astype(dt)), narrow[f"{path}_{dt}"]
            # a NaN's sign is not specified (IEEE 754): which operand's NaN x86 passes on depends
            # on the instruction order LLVM picks, so -NaN in can give +NaN out and vice versa
            same = (wide.view(bits) == other.view(bits)) | (np.isnan(wide) & np.isnan(other))
            if not same.all():
                differ.append(f"{path} {dt}: {np.count_nonzero(~same)} of {x.size} differ")
    assert not differ, differ
