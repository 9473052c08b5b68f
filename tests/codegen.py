"""Reading the x86-64 assembly of compiled loops: is the hot loop packed SIMD, does anything call libm?

Helpers for the code-generation tests (``tests/test_startup_and_cli.py``); no tests here.
What they check has to hold on any x86-64 CPU, whichever vector width LLVM picks:

* SSE2/SSE4: packed arithmetic on ``xmm`` (4 float32 or 2 float64 lanes), legacy encoding
  (``mulps``) or VEX (``vmulps``);
* AVX/AVX2: mostly ``ymm``;
* AVX-512: ``zmm`` (LLVM prefers 256-bit vectors on Intel's AVX-512 CPUs, ``skylake-avx512``;
  fastact asks for 512-bit ones on every function it compiles, see ``fastact._numba.wide_vectors``).

So a loop counts as vectorized when its body (from a label to the last jump back to it)
holds packed floating-point arithmetic (``...ps``/``...pd`` add, mul, fma, min/max,
compare, blend, ...; not moves, logic or shuffles, which scalar code uses too) on any
vector register and calls nothing.  Reading assembly needs no execution, so a fresh
process can compile for a CPU this machine lacks: numba takes the target from
``NUMBA_CPU_NAME`` at import, and with ``NUMBA_CPU_FEATURES=""`` it uses that CPU's own
features instead of the host's (``target_env``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass, field

X86_64 = platform.machine().lower() in {"x86_64", "amd64"}
NOT_X86_64 = f"reads x86-64 assembly; this machine is {platform.machine() or 'unknown'}"

# floating-point arithmetic mnemonics that come in packed (ps/pd) and scalar (ss/sd) forms;
# AVX-512 adds rndscale, scalef, getexp, getmant, fixupimm, range, reduce
_ARITH = (
    r"add|sub|mul|div|sqrt|min|max|round|rndscale|scalef|getexp|getmant|fixupimm|range|reduce"
    r"|f(?:n)?m(?:add|sub|addsub|subadd)\d{3}|cmp\w*|blendv?"
)
_PACKED = re.compile(rf"^\s*v?(?:{_ARITH})p[sd]\b[^#\n]*%(xmm|ymm|zmm)\d+")
_SCALAR = re.compile(rf"^\s*v?(?:{_ARITH})s[sd]\b")
_LABEL = re.compile(r"^(\.?[\w.$]+):")
_JUMP = re.compile(r"^\s*j\w+\s+(\.?[\w.$]+)\s*$")
_CALL = re.compile(r"^\s*call")
_SYMBOL = re.compile(r"\b(?:movabsq\s+\$|call[lq]?\s+)([A-Za-z_][\w.]*)")

# C math library entry points (and Intel SVML's vector ones): fastact's loops call none of them
# (fma only where the CPU has no FMA instruction, see check_float32_loop)
_LIBM = re.compile(
    r"^(?:__svml_\w+|(?:__)?(?:exp|exp2|exp10|expm1|log|log2|log10|log1p|pow|sqrt|cbrt|hypot|erf|erfc"
    r"|tanh|sinh|cosh|asinh|acosh|atanh|sin|cos|tan|asin|acos|atan|atan2|lgamma|tgamma|fmod|remainder"
    r"|ldexp|frexp|scalbn|fma)[fl]?(?:_finite)?)$"
)


@dataclass
class Loop:
    """A loop of the assembly: the lines from its label to the last jump back to it."""

    label: str
    packed: dict[str, int] = field(default_factory=dict)  # vector register class -> packed FP arithmetic
    scalar: int = 0  # scalar FP arithmetic (ss/sd)
    calls: int = 0

    @property
    def simd(self) -> bool:
        """Packed arithmetic, more of it than scalar, and no call."""
        n = sum(self.packed.values())
        return n > 0 and n >= self.scalar and not self.calls

    def __str__(self) -> str:
        regs = ", ".join(f"{k} {v}" for k, v in sorted(self.packed.items())) or "none"
        return f"{self.label}: packed {regs}; scalar {self.scalar}; calls {self.calls}"


def functions(asm: str) -> dict[str, list[str]]:
    """The assembly's functions (global symbols with a body), name -> lines."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in asm.splitlines():
        m = _LABEL.match(line)
        if m and not m.group(1).startswith("."):
            current = out.setdefault(m.group(1), [])
        elif current is not None:
            current.append(line)
    return out


def loops(lines: list[str]) -> list[Loop]:
    """Every loop (a label some later jump goes back to), innermost or not, in order."""
    where = {}
    for i, line in enumerate(lines):
        m = _LABEL.match(line)
        if m:
            where[m.group(1)] = i
    last_back: dict[str, int] = {}
    for j, line in enumerate(lines):
        m = _JUMP.match(line)
        if m and m.group(1) in where and where[m.group(1)] < j:
            last_back[m.group(1)] = j
    out = []
    for label, j in last_back.items():
        loop = Loop(label)
        for line in lines[where[label] : j + 1]:
            m = _PACKED.match(line)
            if m:
                loop.packed[m.group(1)] = loop.packed.get(m.group(1), 0) + 1
            elif _SCALAR.match(line):
                loop.scalar += 1
            elif _CALL.match(line):
                loop.calls += 1
        out.append(loop)
    return out


def libm_calls(asm: str) -> set[str]:
    """Math-library functions the assembly calls or takes the address of."""
    return {s for s in _SYMBOL.findall(asm) if _LIBM.match(s)}


def _helper(name: str) -> bool:
    """numba's ``cfunc.`` wrapper (it calls into Python on errors), its runtime (``NRT_*``) and the
    threads check every loop calls first (``_loops.threaded``, mangled ``..._loops8threaded...``)."""
    return name.startswith(("cfunc.", "NRT_")) or "_loops8threaded" in name


def loop_function(asm: str) -> list[str]:
    """The lines of the loop itself (not the helpers it calls, see ``_helper``)."""
    bodies = {name: lines for name, lines in functions(asm).items() if not _helper(name)}
    assert len(bodies) == 1, f"expected one loop function, found {sorted(bodies)}"
    return next(iter(bodies.values()))


def simd_loops(asm: str) -> list[Loop]:
    """The loops of the loop function that are packed SIMD and call nothing."""
    return [lp for lp in loops(loop_function(asm)) if lp.simd]


def describe(asm: str) -> str:
    return "\n".join(map(str, loops(loop_function(asm)))) or "no loops"


def vector_registers(asm: str, min_packed: int = 1) -> set[str]:
    """The vector registers (xmm, ymm, zmm) of the SIMD loops with at least ``min_packed`` packed operations."""
    return {r for lp in simd_loops(asm) if sum(lp.packed.values()) >= min_packed for r in lp.packed}


def packed_counts(asm: str, min_packed: int = 16) -> dict[str, int]:
    """Packed arithmetic instructions per vector register class, summed over the SIMD loops with at
    least ``min_packed`` of them (the unit-stride, in-place and strided copies of the kernel's loop,
    and their vectorized remainder loops)."""
    out: dict[str, int] = {}
    for lp in simd_loops(asm):
        if sum(lp.packed.values()) >= min_packed:
            for r, n in lp.packed.items():
                out[r] = out.get(r, 0) + n
    return out


def check_float32_loop(asm: str, name: str, min_packed: int = 16) -> str | None:
    """Assert that the loop calls no libm function and that its hot loop is packed SIMD: a
    call-free loop with ``min_packed`` or more packed arithmetic instructions (a transcendental
    kernel inlined whole has dozens; relu one or two), on whatever vector registers.

    Returns None, or why the SIMD part does not apply: on a CPU without an FMA instruction
    (before Haswell/Piledriver) LLVM turns the kernels' fused multiply-adds into calls of
    libm's ``fma``/``fmaf``, exact but one call per element; every other libm call fails.
    """
    libm = libm_calls(asm)
    fma = libm & {"fma", "fmaf"}
    assert not libm - fma, f"{name}: libm calls in the float32 loop: {sorted(libm - fma)}"
    if fma:
        return (
            f"{name}: this CPU has no FMA instruction, so the kernels' fused multiply-adds are calls of "
            f"libm's {'/'.join(sorted(fma))} (exact, one per element: the loop is not SIMD)"
        )
    hot = [lp for lp in simd_loops(asm) if sum(lp.packed.values()) >= min_packed]
    assert hot, f"{name}: no call-free loop with {min_packed}+ packed arithmetic instructions:\n{describe(asm)}"
    return None


def float32_loop_asm(name: str) -> str:
    """Assembly of the compiled float32 loop of ``name`` (compiled as fastact compiles its loops,
    uncached, never called)."""
    import numba

    from fastact import _loops, _numba, convert, registry

    act = registry.get(name)
    assert not act.params and not act.is_rowwise, f"{name}: only one-input element-wise functions"
    k = act.kernels["float32"]
    f = _numba.clone(
        _loops.unary,
        f"asm_check_{name}",
        KERNEL=k.fn,
        TIN=numba.float32,
        ISZ=4,
        IN=convert.IN["f", k.arg],
        OUT=convert.OUT["f", k.ret],
    )
    return _numba.compile_loop(f, cache=False)._library.get_asm_str()


# asm_for_cpu's extra entries: a loop of the user's own numba code, compiled in the same process
# after fastact's, and whether fastact asked for 512-bit vectors there ("True"/"False")
USER_LOOP = "<numba user loop>"
WIDE_VECTORS = "<fastact wide_vectors>"


def user_loop_asm() -> str:
    """Assembly of a float32 loop of plain numba code, not fastact's (compiled, never called)."""
    import numba
    import numpy as np

    def user_loop(x, y):  # float32 throughout (a float64 constant would widen it)
        for i in range(x.size):
            y[i] = x[i] * x[i] + np.float32(0.5) * x[i]

    f = numba.njit((numba.float32[::1], numba.float32[::1]))(user_loop)
    return f.inspect_asm(f.signatures[0])


def target_env(cpu: str) -> dict[str, str]:
    """Environment for a fresh process whose numba compiles for ``cpu`` with that CPU's own features
    (numba would otherwise pair the name with this machine's features) and this process's fastact."""
    import fastact

    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(fastact.__file__)))
    path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "NUMBA_CPU_NAME": cpu, "NUMBA_CPU_FEATURES": "", "FASTACT_CACHE": "0"}


def asm_for_cpu(cpu: str, names: list[str]) -> dict[str, str]:
    """The float32 loops of ``names`` compiled for ``cpu`` in a fresh interpreter (compiled, never run),
    plus ``USER_LOOP`` (when named, compiled after the others) and ``WIDE_VECTORS``."""
    r = subprocess.run(
        [sys.executable, os.path.abspath(__file__), cpu, *names],
        capture_output=True,
        text=True,
        env=target_env(cpu),
        timeout=600,
    )
    assert r.returncode == 0, f"compiling for {cpu} failed:\n{r.stderr[-3000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def _print_asm(cpu: str, names: list[str]) -> None:
    """``asm_for_cpu``'s child: compile, check that nothing of fastact's was compiled (so run) before, print."""
    import importlib

    import numba
    from numba.core.dispatcher import Dispatcher

    importlib.import_module("fastact.registry")  # every kernel module
    assert numba.config.CPU_NAME == cpu, f"numba targets {numba.config.CPU_NAME}, not {cpu}"
    ran = [
        f"{m}.{k}"
        for m, mod in list(sys.modules.items())
        if m.startswith("fastact")
        for k, v in vars(mod).items()
        if isinstance(v, Dispatcher) and v.overloads
    ]
    assert not ran, f"compiled at import, so maybe run on a CPU it was not compiled for: {ran}"
    from fastact import _numba

    out = {n: float32_loop_asm(n) for n in names if n != USER_LOOP}
    if USER_LOOP in names:
        out[USER_LOOP] = user_loop_asm()
    out[WIDE_VECTORS] = str(_numba.wide_vectors())
    print(json.dumps(out))


if __name__ == "__main__":
    _print_asm(sys.argv[1], sys.argv[2:])
