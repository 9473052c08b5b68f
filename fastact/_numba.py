"""Bit-level helpers and every use of numba internals, in one place.

fastact builds real ``numpy.ufunc`` objects from numba-compiled loops.  Numba's
public ``@vectorize`` cannot do it (it returns a ``DUFunc`` and refuses float16 on
the CPU), and the ufuncs from numba's ``_internal.fromfunc`` reject ``where=``.  So
we compile each inner loop ourselves as a ``cfunc`` and hand the function pointers
to NumPy's ``PyUFunc_FromFuncAndDataAndSignature`` through its C-API capsule.
Everything that reaches below documented APIs (numba's codegen helpers, NumPy's
C-API table) lives in this module; ``check_internals()`` says clearly what broke
if a release changes it.

float16 loops run on ``uint16`` bit patterns and convert with LLVM's ``half``
type (``fpext``/``fptrunc``, F16C instructions on x86-64).

Every function fastact compiles (loops and kernels) goes through its own compiler
pipeline, which asks LLVM for 512-bit vectors where the target has AVX-512 (see
``wide_vectors``); nothing else numba compiles in the process is affected.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import types as pytypes
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from llvmlite.ir.values import FunctionAttributes
from numba import types
from numba.core import cgutils
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import FunctionPass, register_pass
from numba.core.typed_passes import NopythonTypeInference
from numba.extending import intrinsic, overload

SUPPORTED_NUMBA = ">=0.68,<0.69"

_i8p = ir.IntType(8).as_pointer()


def jit(fn=None, **options):
    """``numba.njit`` as fastact's kernels need it: NumPy's error model.

    Python's error model adds a ZeroDivisionError branch to every division, which
    keeps loops from vectorizing; NumPy's gives IEEE results (x/0 = +-inf, 0/0 = NaN).
    ``fastmath`` defaults to off, explicitly (numba otherwise inherits the caller's).
    """
    options.setdefault("error_model", "numpy")
    # explicit, so that numba does not let a caller's fastmath flags leak into
    # kernels whose error-free transformations (two_sum, magic-number rounding)
    # reassociation would silently destroy
    options.setdefault("fastmath", False)
    # fastact's pipeline: 512-bit vectors where the target has AVX-512 (see wide_vectors)
    options.setdefault("pipeline_class", Compiler)
    if fn is None:
        return lambda f: numba.njit(_own_name(f), **options)
    return numba.njit(_own_name(fn), **options)


def _closure_key(value: Any) -> str:
    """A process-independent description of a closure variable."""
    py = getattr(value, "py_func", value)  # a numba dispatcher: its Python function
    if callable(py) and hasattr(py, "__qualname__"):
        return f"{getattr(py, '__module__', '')}.{py.__qualname__}"
    return f"{type(value).__name__}:{value!r}"


def _cell_key(cell: Any) -> str:
    try:
        return _closure_key(cell.cell_contents)
    except ValueError:  # empty
        return "?"


def _own_name(fn: Callable) -> Callable:
    """Give a function made by a factory (``<locals>`` with a closure) a qualified name that
    says which closure it has.

    numba names a compiled function by its qualified name and a per-process counter, and
    marks it link-once: two different functions of one factory (softmax's and
    log_softmax's row kernels, ``_make_row.<locals>.row``) compiled in two processes can
    get the same symbol, and once both are loaded from the cache into one process the
    linker keeps one of them for both (softmax returned log_softmax's values).  The
    closure's description in the name keeps their symbols apart."""
    if "<locals>" in fn.__qualname__ and fn.__closure__:
        # a cell still empty names a sibling the factory defines later: its name says enough
        cells = zip(fn.__code__.co_freevars, fn.__closure__, strict=True)
        key = "|".join(f"{n}={_cell_key(c)}" for n, c in cells)
        fn.__qualname__ += "_" + hashlib.sha1(key.encode()).hexdigest()[:8]
    return fn


def like(value, x):
    """``value`` as a constant of ``x``'s float type (kernels generic over dtype)."""


@overload(like)
def _like(value, x):
    if isinstance(x, types.Float):
        cast = {32: np.float32, 64: np.float64}[x.bitwidth]
        return lambda value, x: cast(value)
    return None


# ---------------------------------------------------------------- memory access
@intrinsic
def load(typingctx, ptr, index, ty):
    """``ptr[index]`` with ``ptr`` reinterpreted as a pointer to ``ty``."""
    dt = ty.instance_type

    def codegen(context, builder, sig, args):
        p, i, _ = args
        tp = builder.bitcast(p, context.get_data_type(dt).as_pointer())
        # gep on the typed pointer (not byte offsets) lets LLVM vectorize the loop
        return builder.load(builder.gep(tp, [i]))

    return dt(ptr, index, ty), codegen


@intrinsic
def store(typingctx, ptr, index, val):
    """``ptr[index] = val`` with ``ptr`` reinterpreted as a pointer to ``val``'s type."""

    def codegen(context, builder, sig, args):
        p, i, v = args
        tp = builder.bitcast(p, v.type.as_pointer())
        builder.store(v, builder.gep(tp, [i]))

    return types.void(ptr, index, val), codegen


@intrinsic
def load_at(typingctx, ptr, offset, ty):
    """Load a ``ty`` at ``ptr + offset`` bytes (for strided loops)."""
    dt = ty.instance_type

    def codegen(context, builder, sig, args):
        p, off, _ = args
        q = builder.gep(builder.bitcast(p, _i8p), [off])
        return builder.load(builder.bitcast(q, context.get_data_type(dt).as_pointer()))

    return dt(ptr, offset, ty), codegen


@intrinsic
def store_at(typingctx, ptr, offset, val):
    """Store ``val`` at ``ptr + offset`` bytes."""

    def codegen(context, builder, sig, args):
        p, off, v = args
        q = builder.gep(builder.bitcast(p, _i8p), [off])
        builder.store(v, builder.bitcast(q, v.type.as_pointer()))

    return types.void(ptr, offset, val), codegen


@intrinsic
def offset_ptr(typingctx, ptr, offset):
    """``ptr + offset`` bytes, as a ``voidptr``."""

    def codegen(context, builder, sig, args):
        p, off = args
        q = builder.gep(builder.bitcast(p, _i8p), [off])
        return builder.bitcast(q, context.get_value_type(types.voidptr))

    return types.voidptr(ptr, offset), codegen


@intrinsic
def data_ptr(typingctx, arr):
    """The data pointer of a numba array, as a ``voidptr`` (scratch buffers of row loops;
    the caller keeps the array referenced for as long as it uses the pointer)."""
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, sig, args):
        ary = context.make_array(arr)(context, builder, args[0])
        return builder.bitcast(ary.data, context.get_value_type(types.voidptr))

    return types.voidptr(arr), codegen


@intrinsic
def same_address(typingctx, a, b):
    """``a == b`` for two pointers (numba has no pointer comparison)."""

    def codegen(context, builder, sig, args):
        intp = context.get_value_type(types.intp)
        return builder.icmp_unsigned("==", builder.ptrtoint(args[0], intp), builder.ptrtoint(args[1], intp))

    return types.boolean(a, b), codegen


@intrinsic
def itemsize(typingctx, ty):
    """Size in bytes of the numeric type ``ty``, a compile-time constant."""
    dt = ty.instance_type

    def codegen(context, builder, sig, args):
        return context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(dt)))

    return types.intp(ty), codegen


# ---------------------------------------------------------------- bit casts
def _bitcast(src, dst):
    @intrinsic
    def cast(typingctx, x):
        if isinstance(src, types.Integer):
            if not isinstance(x, types.Integer):
                return None
        elif x != src:
            return None

        def codegen(context, builder, sig, args):
            v = args[0]
            if isinstance(src, types.Integer) and x.bitwidth != src.bitwidth:
                # integer arithmetic in numba widens to int64; keep the low bits
                v = (
                    builder.trunc(v, ir.IntType(src.bitwidth))
                    if x.bitwidth > src.bitwidth
                    else builder.sext(v, ir.IntType(src.bitwidth))
                )
            return builder.bitcast(v, context.get_value_type(dst))

        return dst(x), codegen

    return cast


f64_bits = _bitcast(types.float64, types.int64)
bits_f64 = _bitcast(types.int64, types.float64)
f32_bits = _bitcast(types.float32, types.int32)
bits_f32 = _bitcast(types.int32, types.float32)


@intrinsic
def pow2_f32(typingctx, k, magic, offset, floor):
    """2^max(n + offset, floor) as float32, n = bits(k) - bits(magic), in 32-bit int lanes.

    ``offset`` and ``floor`` are integer constants; the caller keeps the exponent in
    the normal range (floor >= -126, n + offset <= 127).
    """
    if not (k == magic == types.float32 and isinstance(offset, types.Integer) and isinstance(floor, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)

        def as_i32(v, t):
            return builder.trunc(v, i32) if t.bitwidth > 32 else builder.sext(v, i32) if t.bitwidth < 32 else v

        n = builder.sub(builder.bitcast(args[0], i32), builder.bitcast(args[1], i32))
        n = builder.add(n, as_i32(args[2], sig.args[2]))
        lo = as_i32(args[3], sig.args[3])
        n = builder.select(builder.icmp_signed(">", n, lo), n, lo)
        e = builder.shl(builder.add(n, ir.Constant(i32, 127)), ir.Constant(i32, 23))
        return builder.bitcast(e, ir.FloatType())

    return types.float32(k, magic, offset, floor), codegen


@intrinsic
def pow2_pair_f32(typingctx, k, magic):
    """(2^(n >> 1), 2^(n - (n >> 1))) as float32, n = bits(k) - bits(magic), in 32-bit ints.

    ``k = t * log2(e) + magic`` carries round(t log2 e) in its low mantissa bits.  Numba
    widens int32 arithmetic to int64, which halves the vector width of a float32 loop;
    this does the exponent arithmetic in i32 lanes.
    """
    if not (k == magic == types.float32):
        return None
    rt = types.UniTuple(types.float32, 2)

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        kb = builder.bitcast(args[0], i32)
        mb = builder.bitcast(args[1], i32)
        n = builder.sub(kb, mb)
        n1 = builder.ashr(n, ir.Constant(i32, 1))
        n2 = builder.sub(n, n1)
        bias = ir.Constant(i32, 127)
        sh = ir.Constant(i32, 23)
        s1 = builder.bitcast(builder.shl(builder.add(n1, bias), sh), ir.FloatType())
        s2 = builder.bitcast(builder.shl(builder.add(n2, bias), sh), ir.FloatType())
        return context.make_tuple(builder, rt, [s1, s2])

    return rt(k, magic), codegen


@intrinsic
def half_to_f32(typingctx, bits):
    """float16 bit pattern (uint16) -> float32, exact."""

    def codegen(context, builder, sig, args):
        return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())

    return types.float32(types.uint16), codegen


@intrinsic
def f32_to_half(typingctx, x):
    """float32 -> float16 bit pattern, rounded to nearest even (one rounding)."""

    def codegen(context, builder, sig, args):
        return builder.bitcast(builder.fptrunc(args[0], ir.HalfType()), ir.IntType(16))

    return types.uint16(types.float32), codegen


@intrinsic
def bf16_to_f32(typingctx, bits):
    """bfloat16 bit pattern (int16) -> float32, exact: the pattern is a float32's top half."""
    if bits != types.int16:
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        return builder.bitcast(builder.shl(builder.zext(args[0], i32), ir.Constant(i32, 16)), ir.FloatType())

    return types.float32(types.int16), codegen


@intrinsic
def f32_to_bf16(typingctx, x):
    """float32 -> bfloat16 bit pattern (int16), rounded to nearest even: one rounding.

    On the 32-bit pattern b: (b + 0x7fff + bit 16 of b) >> 16 rounds the low 16 bits away
    to nearest, ties to even; a carry out of the significand moves to the next binade and
    out of the largest one gives the infinity pattern (IEEE's overflow), and float32's
    subnormals round onto bfloat16's (the same exponent range).  A NaN keeps its top half,
    made quiet (the add could carry its payload into an infinity).  In i32 lanes: numba's
    integer arithmetic would widen to int64 and halve the vector width.
    """
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        b = builder.bitcast(args[0], i32)
        lsb = builder.and_(builder.lshr(b, ir.Constant(i32, 16)), ir.Constant(i32, 1))
        r = builder.lshr(builder.add(builder.add(b, ir.Constant(i32, 0x7FFF)), lsb), ir.Constant(i32, 16))
        q = builder.or_(builder.lshr(b, ir.Constant(i32, 16)), ir.Constant(i32, 0x40))
        nan = builder.fcmp_unordered("uno", args[0], args[0])
        return builder.trunc(builder.select(nan, q, r), ir.IntType(16))

    return types.int16(types.float32), codegen


@intrinsic
def near_bf16_midpoint(typingctx, y, guard):
    """True where float32 ``y``'s rounding to bfloat16 is not settled by ``y`` alone: the low 16
    bits of its pattern within ``guard`` of 0x8000 (a bfloat16 rounding midpoint ``guard`` or
    fewer float32 steps away), or ``y`` NaN.

    ``guard``: an integer below 0x8000.  One unsigned compare, (low - (0x8000 - guard)) <=
    2 guard, in i32 lanes (numba's integer arithmetic would widen to int64).
    """
    if y != types.float32 or not isinstance(guard, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        g = args[1]
        if guard.bitwidth != 32:
            g = builder.trunc(g, i32) if guard.bitwidth > 32 else builder.sext(g, i32)
        low = builder.and_(builder.bitcast(args[0], i32), ir.Constant(i32, 0xFFFF))
        off = builder.sub(low, builder.sub(ir.Constant(i32, 0x8000), g))
        near = builder.icmp_unsigned("<=", off, builder.add(g, g))
        nan = builder.fcmp_unordered("uno", args[0], args[0])
        return builder.or_(near, nan)

    return types.boolean(types.float32, guard), codegen


@intrinsic
def f32_to_bf16_off(typingctx, y, z):
    """float32 ``y`` standing for a value a hair off it -> bfloat16 bits, rounded once.

    ``z``: the sign of y - value (0: y is the value).  As ``f32_to_bf16``, except that a
    y exactly on a bfloat16 midpoint (low 16 bits 0x8000) with z != 0 rounds towards the
    value, not to even: the bias added is 0x7fff + (z opposite in sign to y) instead of
    0x7fff + lsb.  In i32 lanes, as ``f32_to_bf16``.
    """
    if not (y == z == types.float32):
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        c = lambda v: ir.Constant(i32, v)  # noqa: E731
        b = builder.bitcast(args[0], i32)
        zb = builder.bitcast(args[1], i32)
        off = builder.fcmp_ordered("!=", args[1], ir.Constant(ir.FloatType(), 0.0))
        mid = builder.and_(builder.icmp_unsigned("==", builder.and_(b, c(0xFFFF)), c(0x8000)), off)
        lsb = builder.and_(builder.lshr(b, c(16)), c(1))
        away = builder.lshr(builder.xor(zb, b), c(31))  # y below the value in magnitude: round up
        r = builder.lshr(builder.add(builder.add(b, c(0x7FFF)), builder.select(mid, away, lsb)), c(16))
        q = builder.or_(builder.lshr(b, c(16)), c(0x40))
        nan = builder.fcmp_unordered("uno", args[0], args[0])
        return builder.trunc(builder.select(nan, q, r), ir.IntType(16))

    return types.int16(types.float32, types.float32), codegen


@intrinsic
def fma(typingctx, a, b, c):
    """Fused multiply-add ``a*b + c`` with one rounding (``llvm.fma``)."""
    if not (a == b == c and isinstance(a, types.Float)):
        return None

    def codegen(context, builder, sig, args):
        llty = context.get_value_type(a)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(llty, [llty] * 3), f"llvm.fma.{'f32' if a.bitwidth == 32 else 'f64'}"
        )
        return builder.call(fn, args)

    return a(a, b, c), codegen


# glibc's FE_ALL_EXCEPT: x86-64 0x3d, aarch64/ppc64le etc. 0x1f (bits differ, "all" is all)
_FE_ALL_EXCEPT = 0x3D if platform.machine().lower() in {"x86_64", "amd64", "i686", "x86"} else 0x1F


@intrinsic
def clear_fp_flags(typingctx):
    """Clear the floating-point exception flags after a loop.

    Kernels are branch-free: they compute every case and select, so discarded lanes
    raise flags (overflow in an unused exp, invalid in a NaN compare) that NumPy would
    report as spurious RuntimeWarnings.  Results follow documented rules instead, as
    NumPy's own maximum/minimum loops clear "invalid" for the same reason.
    """

    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(32), [ir.IntType(32)]), "feclearexcept"
        )
        builder.call(fn, [ir.Constant(ir.IntType(32), _FE_ALL_EXCEPT)])
        return context.get_dummy_value()

    return types.none(), codegen


# ---------------------------------------------------------------- 512-bit vectors
# LLVM prefers 256-bit vectors on Intel's AVX-512 CPUs (its "prefer-256-bit" tuning, for the
# clock penalty of 512-bit instructions on the first of them), so numba's loops there use
# half the vector width the CPU has: fastact's kernels run 12-33 % slower than with zmm.
# The function attribute "prefer-vector-width"="512" overrides that tuning for one function,
# in the loop vectorizer (its register width) and in the back end (zmm registers legal).
# fastact puts it on every function it compiles, through its own compiler pipeline, so a
# user's other numba code in the process keeps numba's defaults, and only where the target
# machine has AVX-512 (the CPU numba compiles for, NUMBA_CPU_NAME/NUMBA_CPU_FEATURES
# honoured, not the host).  The choice is a function of the target CPU name and features,
# which numba's cache index is keyed by (its codegen's magic tuple), so a cached loop is
# only loaded for the code generation it was compiled with.
PREFER_512 = '"prefer-vector-width"="512"'
_WIDE_TARGETS: dict[tuple, bool] = {}


class _Attributes(FunctionAttributes):
    """llvmlite's function attributes plus LLVM string attributes (llvmlite knows keywords only)."""

    def __init__(self, base: FunctionAttributes, extra: tuple[str, ...]) -> None:
        super().__init__(base)
        self.alignstack = base.alignstack
        self.personality = base.personality
        self.extra = extra

    def __bool__(self) -> bool:  # llvmlite writes a function's attributes only when there are some
        return True

    def _to_list(self, ret_type):
        return [*super()._to_list(ret_type), *self.extra]


def _prefer_512(ir_module: ir.Module) -> None:
    for fn in ir_module.functions:
        if fn.blocks and not isinstance(fn.attributes, _Attributes):
            fn.attributes = _Attributes(fn.attributes, (PREFER_512,))


def wide_vectors(codegen: Any = None) -> bool:
    """Whether fastact asks for 512-bit vectors on ``codegen``'s target (numba's CPU codegen by default).

    True where the target machine emits a 512-bit operation on zmm registers for a function
    carrying the attribute, i.e. where it has AVX-512F: decided by the target machine numba
    compiles for, once per CPU name and features.
    """
    if codegen is None:
        from numba.core.registry import cpu_target

        codegen = cpu_target.target_context.codegen()
    key = codegen.magic_tuple()
    if key not in _WIDE_TARGETS:
        import llvmlite.binding as ll

        mod = codegen._create_empty_module("fastact_zmm_probe")
        vec = ir.VectorType(ir.FloatType(), 16)
        fn = ir.Function(mod, ir.FunctionType(ir.VoidType(), [vec.as_pointer()]), "fastact_zmm_probe")
        fn.attributes = _Attributes(fn.attributes, (PREFER_512,))
        b = ir.IRBuilder(fn.append_basic_block())
        v = b.load(fn.args[0])
        b.store(b.fmul(v, v), fn.args[0])
        b.ret_void()
        with compiler_lock():  # the target machine is numba's, used under its lock
            asm = str(codegen._tm.emit_assembly(ll.parse_assembly(str(mod))))
        _WIDE_TARGETS[key] = "%zmm" in asm
    return _WIDE_TARGETS[key]


_WIDE_LIBRARIES: dict[type, type] = {}


def _wide_library_class(base: type) -> type:
    """``base`` (numba's code library class) putting the attribute on every function added to it."""
    if base not in _WIDE_LIBRARIES:

        def add_ir_module(self, ir_module):
            _prefer_512(ir_module)
            return base.add_ir_module(self, ir_module)

        _WIDE_LIBRARIES[base] = type(f"Wide{base.__name__}", (base,), {"add_ir_module": add_ir_module})
    return _WIDE_LIBRARIES[base]


@register_pass(mutates_CFG=False, analysis_only=False)
class WideVectors(FunctionPass):
    """After type inference: where the target has AVX-512, the code library every IR module of the
    function (and numba's cfunc wrapper) goes through is one that adds ``PREFER_512``."""

    _name = "fastact_wide_vectors"

    def __init__(self):
        FunctionPass.__init__(self)

    def run_pass(self, state):
        if state.library is not None:
            return False
        codegen = state.targetctx.codegen()
        if not wide_vectors(codegen):
            return False
        # what numba's NativeLowering would do, with our library class
        state.library = _wide_library_class(codegen._library_class)(codegen, state.func_id.func_qualname)
        state.library.enable_object_caching()
        return False  # the function's IR is unchanged


class Compiler(CompilerBase):
    """numba's nopython pipeline with ``WideVectors`` before lowering: every fastact kernel and loop."""

    def define_pipelines(self):
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.add_pass_after(WideVectors, NopythonTypeInference)
        pm.finalize()
        return [pm]


# ---------------------------------------------------------------- building ufuncs
LOOP_SIGNATURE = types.void(
    types.CPointer(types.voidptr), types.CPointer(types.intp), types.CPointer(types.intp), types.voidptr
)


def clone(template: Callable, qualname: str, **globals_: Any) -> Callable:
    """A copy of ``template`` whose free globals are bound to ``globals_``.

    Numba resolves globals at compile time, so each clone compiles to its own
    specialised loop; the unique ``qualname`` gives each its own cache file.
    """
    g = dict(template.__globals__)
    g.update(globals_)
    f = pytypes.FunctionType(template.__code__, g, qualname, template.__defaults__, template.__closure__)
    f.__qualname__ = qualname
    f.__module__ = template.__module__
    return f


def cache_enabled() -> bool:
    """On-disk caching, unless ``FASTACT_CACHE`` is ``0``/``off``/``no``/``false``."""
    return os.environ.get("FASTACT_CACHE", "1").strip().lower() not in {"0", "off", "no", "false"}


def compiler_lock() -> Any:
    """numba's global compiler lock (``acquire``/``release``; re-entrant)."""
    from numba.core.compiler_lock import global_compiler_lock

    return global_compiler_lock


def reset_compiler_lock() -> None:
    """A fresh numba compiler lock, for a forked child (the parent's copy may be held)."""
    import threading

    compiler_lock()._lock = threading.RLock()


class CacheWarning(UserWarning):
    """fastact's on-disk cache of compiled loops could not be used as it is."""


_WARNED: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, CacheWarning, stacklevel=5)


def _cache_files(pyfunc: Callable) -> list[Path]:
    """The index and data files numba keeps for ``pyfunc``'s compiled loop."""
    from numba.core.caching import FunctionCache

    cf = FunctionCache(pyfunc)._cache_file
    index = Path(cf._index_path)
    return [index, *sorted(index.parent.glob(cf._data_name_pattern.replace("{number:d}", "*")))]


def _compile(pyfunc: Callable, cache: bool, signature: Any) -> Any:
    return numba.cfunc(signature, cache=cache, nopython=True, error_model="numpy", pipeline_class=Compiler)(pyfunc)


def compile_loop(pyfunc: Callable, cache: bool, signature: Any = LOOP_SIGNATURE) -> Any:
    """Compile a loop template clone to a C function, caching when possible (``signature``:
    NumPy's inner-loop signature unless given).

    When no cache location is writable (read-only install and no user cache directory)
    numba refuses ``cache=True``: we compile without a cache and say so once, since every
    process then pays the compilation.  A cache file that can't be loaded (truncated,
    empty, garbage) would fail the function on every run with a pickle error naming no
    file: we delete that loop's cache files (numba's, for our own loop), compile anew,
    which writes them again, and say once which file it was.
    """
    if not cache:
        return _compile(pyfunc, False, signature)
    try:
        return _compile(pyfunc, True, signature)
    except RuntimeError as exc:
        if "no locator available" not in str(exc):
            raise
        _warn_once(
            "no-locator",
            "fastact: no writable directory for the cache of compiled loops (the package directory is read-only "
            "and numba found no user cache directory), so every process compiles each function anew (about a "
            "second each); set NUMBA_CACHE_DIR to a writable directory to keep them",
        )
        return _compile(pyfunc, False, signature)
    except Exception as exc:
        files = [f for f in _cache_files(pyfunc) if f.exists()]
        if not files:
            raise
        for f in files:
            f.unlink(missing_ok=True)
        try:
            cfunc = _compile(pyfunc, True, signature)
        except Exception:
            raise exc from None
        _warn_once(
            str(files[0]),
            f"fastact: a cached compiled loop could not be loaded ({type(exc).__name__}: {str(exc)[:80]}); "
            f"compiled it again and replaced its cache files {', '.join(map(str, files))}",
        )
        return cfunc


_KEEPALIVE: list[Any] = []  # loop tables, names and compiled loops live as long as the process


def _ufunc_api() -> Any:
    """NumPy's ufunc C-API table (``PyUFunc_API``) from its capsule."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath as umath
    capsule = umath._UFUNC_API
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = [ctypes.py_object]
    get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    get_ptr.restype = ctypes.c_void_p
    get_ptr.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return ctypes.cast(get_ptr(capsule, get_name(capsule)), ctypes.POINTER(ctypes.c_void_p))


# PyUFunc_FromFuncAndDataAndSignature(func, data, types, ntypes, nin, nout, identity, name, doc, unused, signature)
_FROM_FUNC_INDEX = 31
_FROM_FUNC = ctypes.PYFUNCTYPE(
    ctypes.py_object,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_int,
    ctypes.c_char_p,
)
_PYUFUNC_NONE = -1


def make_ufunc(
    name: str,
    doc: str,
    loops: list[tuple[list[int], Any]],
    nin: int,
    nout: int = 1,
    signature: str | None = None,
    data: list[int] | None = None,
) -> Any:
    """Assemble a ``numpy.ufunc`` (a gufunc with ``signature``) from compiled loops.

    Calls NumPy's own ``PyUFunc_FromFuncAndDataAndSignature``, as a C extension
    would, so the result behaves like any NumPy ufunc (``where=`` included, which
    numba's ``_internal.fromfunc`` ufuncs reject).  ``loops`` holds (dtype numbers
    of the operands, compiled cfunc); ``data`` the address each loop gets as its ``data``
    argument (NULL when not given); all of it is kept alive for the process.
    """
    n = len(loops)
    funcs = (ctypes.c_void_p * n)(*[cf.address for _, cf in loops])
    # one slot more than NumPy reads (it reads ntypes): the type resolver's config (install_type_resolver)
    data = (ctypes.c_void_p * (n + 1))(*(data or [None] * n), _RESOLVER_CFG.ctypes.data)
    types_ = (ctypes.c_char * (n * (nin + nout)))(*[t for nums, _ in loops for t in nums])
    name_b = name.encode()
    doc_b = doc.encode()
    sig_b = signature.encode() if signature else None
    create = _FROM_FUNC(_ufunc_api()[_FROM_FUNC_INDEX])
    uf = create(
        ctypes.addressof(funcs),
        ctypes.addressof(data),
        ctypes.addressof(types_),
        n,
        nin,
        nout,
        _PYUFUNC_NONE,
        name_b,
        doc_b,
        0,
        sig_b,
    )
    _KEEPALIVE.append((funcs, data, types_, name_b, doc_b, sig_b, [cf for _, cf in loops]))
    _DATA_TABLES[id(uf)] = ctypes.addressof(data)  # the ufunc lives as long as the process (a module attribute)
    return uf


# PyUFunc_RegisterLoopForType(ufunc, usertype, function, arg_types, data)
_REGISTER_INDEX = 2
_REGISTER = ctypes.PYFUNCTYPE(
    ctypes.c_int, ctypes.py_object, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p
)


def register_loop(uf: Any, usertype: int, nums: list[int], cfunc: Any, data: int | None = None) -> None:
    """Add a compiled loop for the user dtype number ``usertype`` (e.g. ml_dtypes' bfloat16)
    to the ufunc ``uf``, operands of dtype numbers ``nums``: NumPy's own
    ``PyUFunc_RegisterLoopForType``, as a C extension defining a dtype would call it; ``data``
    is the loop's ``data`` pointer (``threads.loop_data``).  The loop and its type list are kept
    alive for the process."""
    types_ = (ctypes.c_int * len(nums))(*nums)
    rc = _REGISTER(_ufunc_api()[_REGISTER_INDEX])(uf, usertype, cfunc.address, ctypes.addressof(types_), data)
    if rc != 0:
        raise RuntimeError(f"NumPy refused a loop for dtype number {usertype} on {uf.__name__}")
    _KEEPALIVE.append((types_, cfunc))


def check_internals() -> None:
    """Raise ``ImportError`` naming what changed if an API fastact relies on moved."""
    problems = []
    if not hasattr(numba, "cfunc"):
        problems.append("numba.cfunc is missing")
    if not hasattr(cgutils, "get_or_insert_function"):
        problems.append("numba.core.cgutils.get_or_insert_function is missing")
    if not hasattr(compiler_lock(), "_lock"):
        problems.append("numba's global compiler lock has no _lock (fork handling)")
    try:
        from numba.core.caching import FunctionCache

        cf = FunctionCache(_cache_files)._cache_file
        if not ("{number:d}" in cf._data_name_pattern and cf._index_path):
            problems.append("numba's cache file naming changed (cache repair)")
    except (ImportError, AttributeError) as exc:
        problems.append(f"numba's FunctionCache is not as expected ({exc})")
    try:
        from numba.core.registry import cpu_target

        codegen = cpu_target.target_context.codegen()
        if not (isinstance(codegen._library_class, type) and callable(codegen._library_class.add_ir_module)):
            problems.append("numba's codegen has no code library class (512-bit vectors)")
        wide_vectors(codegen)
    except (ImportError, AttributeError, TypeError) as exc:
        problems.append(f"numba's codegen is not as expected ({exc}; 512-bit vectors)")
    try:
        api = _ufunc_api()
        if not api[_FROM_FUNC_INDEX]:
            problems.append("NumPy's PyUFunc_API has no PyUFunc_FromFuncAndDataAndSignature")
        if not api[_REGISTER_INDEX]:
            problems.append("NumPy's PyUFunc_API has no PyUFunc_RegisterLoopForType")
    except (ImportError, AttributeError, ValueError) as exc:
        problems.append(f"NumPy's ufunc C-API capsule is not reachable ({exc})")
    if problems:
        raise ImportError(
            f"fastact cannot build ufuncs with numba {numba.__version__} / numpy {np.__version__} "
            f"(tested: numba {SUPPORTED_NUMBA}): " + "; ".join(problems)
        )


# ---------------------------------------------------------------- threads (see fastact.threads)
# The threading layer is reached through plain addresses held in a config block at run time
# (numba's parallel_for, its get/set of the thread mask, fastact's trampoline), not through
# link-time symbols: a cached loop then loads in a process that has not started the layer,
# and carries no address of another process.
_VOID_LOOP = ir.FunctionType(ir.VoidType(), [_i8p, _i8p, _i8p, _i8p])


def _as_i8p(builder, value, ty):
    if isinstance(ty, types.Integer):
        return builder.inttoptr(value, _i8p)
    return builder.bitcast(value, _i8p)


@intrinsic
def address(typingctx, ptr):
    """A pointer's address as an int64."""

    def codegen(context, builder, sig, args):
        return builder.ptrtoint(args[0], ir.IntType(64))

    return types.int64(ptr), codegen


@intrinsic
def pointer(typingctx, addr):
    """An int64 address as a ``voidptr``."""

    def codegen(context, builder, sig, args):
        return builder.bitcast(builder.inttoptr(args[0], _i8p), context.get_value_type(types.voidptr))

    return types.voidptr(addr), codegen


@intrinsic
def is_null(typingctx, ptr):
    """``ptr == NULL``."""

    def codegen(context, builder, sig, args):
        return builder.icmp_unsigned("==", builder.ptrtoint(args[0], ir.IntType(64)), ir.Constant(ir.IntType(64), 0))

    return types.boolean(ptr), codegen


@intrinsic
def call_loop(typingctx, fn, args, dims, steps, data):
    """Call the ufunc loop at address ``fn`` with ``(args, dims, steps, data)``."""
    if not isinstance(fn, types.Integer):
        return None

    def codegen(context, builder, sig, a):
        f = builder.inttoptr(a[0], _VOID_LOOP.as_pointer())
        builder.call(f, [_as_i8p(builder, v, t) for v, t in zip(a[1:], sig.args[1:], strict=True)])
        return context.get_dummy_value()

    return types.none(fn, args, dims, steps, data), codegen


@intrinsic
def call_parallel_for(typingctx, pfor, fn, args, dims, steps, data, nthreads):
    """numba's ``parallel_for(fn, args, dims, steps, data, inner_ndim=0, array_count=1, nthreads)``
    at address ``pfor``: ``fn`` (a ufunc loop) is called on parts of ``dims[0]``, from ``nthreads`` threads."""
    if not (isinstance(pfor, types.Integer) and isinstance(fn, types.Integer)):
        return None

    def codegen(context, builder, sig, a):
        i64 = ir.IntType(64)
        i32 = ir.IntType(32)
        fty = ir.FunctionType(ir.VoidType(), [_i8p, _i8p, _i8p, _i8p, _i8p, i64, i64, i32])
        f = builder.inttoptr(a[0], fty.as_pointer())
        ptrs = [_as_i8p(builder, v, t) for v, t in zip(a[1:6], sig.args[1:6], strict=True)]
        n = builder.trunc(a[6], i32) if a[6].type.width > 32 else a[6]
        builder.call(f, [*ptrs, ir.Constant(i64, 0), ir.Constant(i64, 1), n])
        return context.get_dummy_value()

    return types.none(pfor, fn, args, dims, steps, data, nthreads), codegen


@intrinsic
def call_get_int(typingctx, fn):
    """``int fn(void)`` at address ``fn`` (numba's get_num_threads), as an int64."""

    def codegen(context, builder, sig, a):
        f = builder.inttoptr(a[0], ir.FunctionType(ir.IntType(32), []).as_pointer())
        return builder.sext(builder.call(f, []), ir.IntType(64))

    return types.int64(fn), codegen


@intrinsic
def call_set_int(typingctx, fn, n):
    """``void fn(int n)`` at address ``fn`` (numba's set_num_threads)."""

    def codegen(context, builder, sig, a):
        f = builder.inttoptr(a[0], ir.FunctionType(ir.VoidType(), [ir.IntType(32)]).as_pointer())
        builder.call(f, [builder.trunc(a[1], ir.IntType(32))])
        return context.get_dummy_value()

    return types.none(fn, n), codegen


@intrinsic
def try_claim(typingctx, ptr):
    """Atomically set the int64 at ``ptr`` from 0 to 1; True if this call did."""

    def codegen(context, builder, sig, a):
        i64 = ir.IntType(64)
        p = builder.bitcast(a[0], i64.as_pointer())
        res = builder.cmpxchg(p, ir.Constant(i64, 0), ir.Constant(i64, 1), "acq_rel", "monotonic")
        return builder.extract_value(res, 1)

    return types.boolean(ptr), codegen


@intrinsic
def release(typingctx, ptr):
    """Atomically set the int64 at ``ptr`` to 0 (the end of a ``try_claim``)."""

    def codegen(context, builder, sig, a):
        i64 = ir.IntType(64)
        builder.atomic_rmw("xchg", builder.bitcast(a[0], i64.as_pointer()), ir.Constant(i64, 0), "release")
        return context.get_dummy_value()

    return types.none(ptr), codegen


@intrinsic
def null(typingctx):
    """A NULL ``voidptr``."""

    def codegen(context, builder, sig, a):
        return ir.Constant(context.get_value_type(types.voidptr), None)

    return types.voidptr(), codegen


# ---------------------------------------------------------------- a TypeError that names the dtypes
# A call no loop fits fails in NumPy's legacy type resolution (the path of ufuncs built from
# loops, as C extensions build them) with "ufunc 'gelu' not supported for the input types, and
# the inputs could not be safely coerced ...", naming no dtype.  PyUFuncObject's documented
# member ``type_resolver`` is the hook NumPy's own ufuncs use for their rules: each fastact ufunc
# gets ``type_resolver_template``, which calls the resolver the ufunc had (NumPy's default) and,
# when that fails, hands NumPy's exception and the operands to a Python function that may raise
# a clearer TypeError in its place.  Addresses are read at run time from a config block (the
# slot after the loops' data), so the compiled resolver is cached like the loops.
_HEAD = object.__basicsize__  # PyObject_HEAD; PyUFuncObject's members follow (numpy/ufuncobject.h)
UF_DATA = _HEAD + 24  # void *const *data (after int nin, nout, nargs, identity and the functions pointer)
UF_NTYPES = _HEAD + 32  # int ntypes
_UF_TYPE_RESOLVER = _HEAD + 128  # PyUFunc_TypeResolutionFunc *type_resolver
# config slots: the resolver it wraps, CPython's C API entry points, the Python handler
R_DEFAULT, R_FETCH, R_NORMALIZE, R_RESTORE, R_TUPLE_NEW, R_TUPLE_SET, R_LONG, R_CALL, R_DECREF, R_HANDLER = range(10)
_RESOLVER_CFG = np.zeros(10, np.int64)
RESOLVER_SIGNATURE = types.int32(types.voidptr, types.int32, types.voidptr, types.voidptr, types.voidptr)
_MESSAGES: dict[int, Callable[..., str | None]] = {}  # ufunc address -> its message function
_DATA_TABLES: dict[int, int] = {}  # ufunc address -> the data table make_ufunc gave it


def _c_fn(builder, addr, ret, args):
    return builder.inttoptr(addr, ir.FunctionType(ret, args).as_pointer())


@intrinsic
def call_resolver(typingctx, fn, ufunc, casting, ops, type_tup, out_dtypes):
    """``int fn(ufunc, casting, operands, type_tup, out_dtypes)``: a ufunc type resolver at ``fn``."""

    def codegen(context, builder, sig, a):
        i32 = ir.IntType(32)
        f = _c_fn(builder, a[0], i32, [_i8p, i32, _i8p, _i8p, _i8p])
        return builder.call(
            f,
            [
                _as_i8p(builder, a[1], sig.args[1]),
                a[2],
                *(_as_i8p(builder, v, t) for v, t in zip(a[3:], sig.args[3:], strict=True)),
            ],
        )

    return types.int32(fn, ufunc, casting, ops, type_tup, out_dtypes), codegen


@intrinsic
def ccall(typingctx, fn, args):
    """``int64 fn(int64...)`` at address ``fn`` with the tuple ``args`` (pointers passed as
    int64, as every 64-bit C ABI passes them; a void or int result is read as garbage and ignored)."""
    if not (isinstance(args, types.BaseTuple) and all(isinstance(t, types.Integer) for t in args)):
        return None

    def codegen(context, builder, sig, a):
        i64 = ir.IntType(64)
        vals = [builder.extract_value(a[1], i) for i in range(len(sig.args[1]))]
        vals = [v if v.type.width == 64 else builder.sext(v, i64) for v in vals]
        return builder.call(_c_fn(builder, a[0], i64, [i64] * len(vals)), vals)

    return types.int64(fn, args), codegen


def type_resolver_template(ufunc, casting, ops, type_tup, out_dtypes):
    """A ufunc's type resolver: NumPy's (``R_DEFAULT``); on failure the handler may swap the error."""
    cfg = pointer(load(pointer(load_at(ufunc, UF_DATA, np.int64)), load_at(ufunc, UF_NTYPES, np.int32), np.int64))
    rc = call_resolver(load(cfg, R_DEFAULT, np.int64), ufunc, casting, ops, type_tup, out_dtypes)
    if rc < 0:
        err = np.zeros(3, np.int64)  # NumPy's exception: type, value, traceback (new references)
        e = address(data_ptr(err))
        ccall(load(cfg, R_FETCH, np.int64), (e, e + 8, e + 16))
        ccall(load(cfg, R_NORMALIZE, np.int64), (e, e + 8, e + 16))
        args = ccall(load(cfg, R_TUPLE_NEW, np.int64), (np.int64(4),))
        handled = False
        if args != 0:
            to_int = load(cfg, R_LONG, np.int64)
            put = load(cfg, R_TUPLE_SET, np.int64)
            ccall(put, (args, np.int64(0), ccall(to_int, (address(ufunc),))))
            ccall(put, (args, np.int64(1), ccall(to_int, (address(ops),))))
            ccall(put, (args, np.int64(2), ccall(to_int, (address(type_tup),))))
            ccall(put, (args, np.int64(3), ccall(to_int, (err[1],))))
            r = ccall(load(cfg, R_CALL, np.int64), (load(cfg, R_HANDLER, np.int64), args))
            ccall(load(cfg, R_DECREF, np.int64), (args,))
            if r != 0:  # returned: NumPy's exception stands
                ccall(load(cfg, R_DECREF, np.int64), (r,))
            else:  # raised its own: NumPy's is dropped
                handled = True
        if handled:
            for i in range(3):
                ccall(load(cfg, R_DECREF, np.int64), (err[i],))
        else:
            ccall(load(cfg, R_RESTORE, np.int64), (err[0], err[1], err[2]))
    return rc


def _on_failed_resolution(uf_addr: int, ops_addr: int, type_tup_addr: int, exc_addr: int) -> None:
    """Called by the compiled resolver with NumPy's (normalised) exception pending aside: raise
    the TypeError the ufunc's message function writes, or return to keep NumPy's."""
    try:
        uf = ctypes.cast(uf_addr, ctypes.py_object).value
        exc = ctypes.cast(exc_addr, ctypes.py_object).value if exc_addr else None
        ptrs = (ctypes.c_void_p * uf.nargs).from_address(ops_addr)
        operands = [ctypes.cast(p, ctypes.py_object).value if p else None for p in ptrs]
        requested = ctypes.cast(type_tup_addr, ctypes.py_object).value if type_tup_addr else None
        message = _MESSAGES[uf_addr](uf, exc, operands, requested)
    except Exception:  # never let a bug here stand in for NumPy's own error
        return
    if message is not None:
        raise TypeError(message)


def install_type_resolver(uf: Any, resolver: Any, message: Callable[..., str | None]) -> bool:
    """Give the ufunc ``uf`` (made by ``make_ufunc``) the compiled ``type_resolver_template``;
    ``message(uf, numpy_exception, operands, type_tup)`` returns the text of the TypeError to raise
    instead of NumPy's, or None to keep NumPy's.  False, and nothing changed, if the ufunc's
    layout is not the one this code reads (another NumPy): then NumPy's message stands."""
    base = id(uf)
    # read only inside the object and dereference nothing: the members must hold what
    # make_ufunc passed (counts, and the data table it allocated) before the slot is written
    ints = (ctypes.c_int * 3).from_address(base + _HEAD)
    ok = (
        ctypes.sizeof(ctypes.c_void_p) == 8  # ``ccall`` passes pointers as int64
        and type(uf).__basicsize__ >= _UF_TYPE_RESOLVER + 8
        and tuple(ints) == (uf.nin, uf.nout, uf.nargs)
        and ctypes.c_int.from_address(base + UF_NTYPES).value == uf.ntypes
        and ctypes.c_void_p.from_address(base + UF_DATA).value == _DATA_TABLES.get(base)
    )
    slot = ctypes.c_void_p.from_address(base + _UF_TYPE_RESOLVER)
    if not ok or not slot.value:
        return False
    if not _RESOLVER_CFG[R_DEFAULT]:
        api = ctypes.pythonapi
        for i, fn in (
            (R_FETCH, api.PyErr_Fetch),
            (R_NORMALIZE, api.PyErr_NormalizeException),
            (R_RESTORE, api.PyErr_Restore),
            (R_TUPLE_NEW, api.PyTuple_New),
            (R_TUPLE_SET, api.PyTuple_SetItem),
            (R_LONG, api.PyLong_FromVoidPtr),
            (R_CALL, api.PyObject_CallObject),
            (R_DECREF, api.Py_DecRef),
        ):
            _RESOLVER_CFG[i] = ctypes.cast(fn, ctypes.c_void_p).value
        _RESOLVER_CFG[R_HANDLER] = id(_on_failed_resolution)
        _RESOLVER_CFG[R_DEFAULT] = slot.value
    if slot.value != _RESOLVER_CFG[R_DEFAULT]:  # not NumPy's default resolver: leave it alone
        return False
    _MESSAGES[base] = message
    _KEEPALIVE.append(resolver)
    slot.value = resolver.address
    return True
