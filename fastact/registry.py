"""The registry: every activation declared once.

Each ``Activation`` says what the function is (name, formula, parameters, the
exact function an approximation stands for, its high-precision reference) and how
each dtype is computed (``Kernel`` per float16/float32/float64, the NumPy loops ``DTYPES``
that ``build`` compiles, and per ``"bfloat16"``, the ml_dtypes loop ``fastact.bfloat16``
registers).  The helpers below (``native``, ``by_result``, ``with_f32``, ``rowwise``)
fill in every dtype, bfloat16 included, so a new entry gets all four loops.  The ufunc
builder, ``fastact list``, the tests, the accuracy report and the benchmark all
read this table; adding a function means a kernel plus one entry here.
Derivatives (``DERIVATIVES``, served as ``fastact.grad``) are declared the same way, each
naming its function (``of``) and variable (``wrt``); ``Activation.grads`` lists a function's.
The fast tier (``FAST``, served as ``fastact.fast``) is a function's entry again with faster
kernels and its own claims; ``by_path`` finds any entry by where it is served.

References are written against an ``mp`` module argument (mpmath), so importing
fastact does not import mpmath; ``analysis`` supplies it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .activations import bf16_ties, piecewise, rational, smooth, smooth_f32, softmax
from .activations import checked_f32 as chk
from .activations import derivatives_f32 as dfl
from .activations import derivatives_piecewise as dpw
from .activations import derivatives_rows as drows
from .activations import derivatives_smooth as dsm
from .activations import fast as fast_f32
from .constants import (
    GELU_SIGMOID_K,
    GELU_SIGMOID_K_DEC,
    GELU_TANH_A,
    GELU_TANH_A_DEC,
    SELU_ALPHA,
    SELU_ALPHA_DEC,
    SELU_SCALE,
    SELU_SCALE_DEC,
)

DTYPES = ("float16", "float32", "float64")  # NumPy's own loops, compiled by build.build
BF16 = "bfloat16"  # ml_dtypes' dtype: a kernel in every entry, loops added by fastact.bfloat16
EXTRA_DTYPES = (BF16,)  # loops only when ml_dtypes is installed (the bfloat16 extra)
# every format the report measures, narrowest first (bfloat16 is 16 bits: after float16, before float32)
FORMATS = (DTYPES[0], *EXTRA_DTYPES, *DTYPES[1:])
_CHARS = {"float16": "e", "float32": "f", "float64": "d"}


KERNEL_ARGS = ("f64", "native", "row")
KERNEL_RETS = ("dd", "f64", "native", "bits", "row")


@dataclass(frozen=True)
class Kernel:
    """How one dtype's loop calls a scalar (or row) kernel.

    ``arg``: ``"f64"`` (kernel takes exact float64 values), ``"native"`` (float16 and
    float32 pass float32, float64 passes float64) or ``"row"`` (a row kernel, given
    pointers: see ``_loops``).
    ``ret``: ``"dd"`` (normalised double-double), ``"f64"``, ``"native"``, ``"bits"``
    (float16 and bfloat16 loops only: the kernel returns the storage's bits, already
    rounded) or ``"row"`` (with ``arg="row"``: the kernel writes its row itself).

    bfloat16 (``kernels["bfloat16"]``): ``"native"`` means float32 arithmetic, and a
    ``"native"`` result is rounded once more from float32, so it is correctly rounded only
    where the float32 result is exact (selects, constants) or for the fast tier's bound.
    """

    fn: Any
    arg: str = "f64"
    ret: str = "dd"
    checked: Checked | None = None  # bfloat16 only: a float32 fast path this kernel backs (``checked``)

    def __post_init__(self) -> None:
        if self.arg not in KERNEL_ARGS or self.ret not in KERNEL_RETS or (self.arg == "row") != (self.ret == "row"):
            raise ValueError(f"Kernel({self.fn!r}): arg {self.arg!r}, ret {self.ret!r}; see Kernel's docstring")
        if self.checked is not None and self.arg == "row":
            raise ValueError(f"Kernel({self.fn!r}): a row kernel has no checked fast path")


@dataclass(frozen=True)
class Checked:
    """A bfloat16 loop's fast path: ``fn``, a float32 kernel (float32 arguments, float32 value),
    within ``guard`` float32 steps (patterns apart) of f(x) for every bfloat16 input (and every
    parameter value).  Its value rounded to bfloat16 is the correctly rounded result except where
    a bfloat16 midpoint is ``guard`` steps away or fewer; there the loop runs the exact kernel
    (``_loops.checked_unary``), so the results are the exact kernel's bits, faster."""

    fn: Any
    guard: int

    def __post_init__(self) -> None:
        if not 0 < self.guard < 0x4000:
            raise ValueError(f"Checked({self.fn!r}): guard {self.guard} (1 .. 0x3fff float32 steps)")


@dataclass(frozen=True)
class Activation:
    name: str
    formula: str
    kernels: dict[str, Kernel]  # dtype name (DTYPES and "bfloat16") -> Kernel
    reference: Callable[..., Any]  # (mp, x, *params) -> mpf; rows: (mp, list) -> list
    # fast float64 reference for million-point sweeps: (np, special, x, *params) -> array,
    # NumPy/SciPy in cancellation-free forms, sharing no code with fastact's kernels
    oracle: Callable[..., Any] | None = None
    params: tuple[str, ...] = ()
    approximates: str | None = None
    signature: str | None = None  # gufunc core signature, e.g. "(n)->(n)"
    # row functions: the kernels of the masked gufunc (a bool mask after the inputs, see fastact.rows)
    masked: dict[str, Kernel] = field(default_factory=dict)
    # library -> the name (and defaults) that library documents, Keras and TF included: what `fastact list
    # --peers` and the README show a user coming from there; the calls fastact runs are benchmarks/peer_table.py
    peers: dict[str, str] = field(default_factory=dict)
    special: str = ""  # documented rules for NaN, +-inf, -0.0
    notes: str = ""
    domain: tuple[float, float] = (-10.0, 10.0)  # where the function is interesting (plots, samples)
    knees: tuple[float, ...] = ()  # points where accuracy is hard (breakpoints, cancellation)
    examples: dict[str, tuple[float, ...]] = field(default_factory=dict)  # typical parameter values (tests, report)
    # the accuracy we claim and test, in ULP per dtype; 0.5 means correctly rounded
    max_ulp: dict[str, float] = field(
        default_factory=lambda: {"float16": 0.5, "float32": 0.5, "float64": 0.5, "bfloat16": 0.5}
    )

    def __post_init__(self) -> None:
        missing = [d for d in (*DTYPES, BF16) if d not in self.kernels]
        if missing:
            raise ValueError(f"{self.name}: no kernel for {', '.join(missing)} (every entry declares all four)")

    def example_params(self) -> list[tuple[float, ...]]:
        """Parameter tuples to test and measure with (``[()]`` without parameters)."""
        if not self.params:
            return [()]
        values = [self.examples[p] for p in self.params]
        return list(zip(*values, strict=True))

    @property
    def nin(self) -> int:
        return 1 + len(self.params)

    @property
    def loop_types(self) -> list[str]:
        """NumPy's loop type strings, e.g. ``['e->e', 'f->f', 'd->d']``."""
        return [_CHARS[d] * self.nin + "->" + _CHARS[d] for d in DTYPES]

    @property
    def is_rowwise(self) -> bool:
        return self.signature is not None

    @property
    def symbol(self) -> str:
        """Its loops' cache key (unique across the registry)."""
        return self.name

    @property
    def path(self) -> str:
        """Where the built ufunc lives, under ``fastact``; also its ``__name__`` (pickle looks it up there)."""
        return self.name

    @property
    def arg_names(self) -> tuple[str, ...]:
        return ("x", *self.params)

    @property
    def grads(self) -> tuple[Derivative, ...]:
        """This function's derivatives (``fastact.grad``): d/dx first, then one per parameter."""
        return GRADS_OF.get(self.name, ())


def native(fn: Any) -> dict[str, Kernel]:
    """A kernel generic over the storage type (float16 and bfloat16 compute in float32).

    For bfloat16 the float32 result is exact, so rounding it is the one rounding: selects,
    constants, and leaky_relu's slope * x: a product of two 8-bit significands has 16 bits,
    exact in float32 down to 2^-134; a smaller one rounds to 0 in bfloat16, and float32's
    rounding of it reaches at most 2^-134, which still rounds to (even) 0."""
    return {d: Kernel(fn, "native", "native") for d in (*DTYPES, BF16)}


SMOOTH_ULP = {"float16": 0.5, "float32": 1.0, "float64": 2.0, "bfloat16": 0.5}


def by_result(
    to32: Any, f64: Any, ret32: str = "f64", ret64: str = "f64", tie: Callable[[Any], Any] | None = None
) -> dict[str, Kernel]:
    """float16/float32/bfloat16 from ``to32`` (float64 arithmetic good for float32 results on
    every float32 input: ``<name>_to32``), float64 from ``f64`` (``<name>_f64``), each rounded
    once; ``ret*="dd"`` for a kernel returning a double-double.  ``tie``: a ``bf16_ties``
    wrapper for bfloat16, where f is a hair off a bfloat16 midpoint that ``to32`` returns
    exactly (x/2 at subnormal x)."""
    return {
        "float16": Kernel(to32, "f64", ret32),
        "float32": Kernel(to32, "f64", ret32),
        "float64": Kernel(f64, "f64", ret64),
        BF16: Kernel(tie(to32) if tie else to32, "f64", ret32),
    }


def with_f32(
    kernels: dict[str, Kernel], fn: Any, fn16: Any = None, bf16: Any = None, bf16_native: Any = None
) -> dict[str, Kernel]:
    """Replace the float32 loop's kernel by a float32-arithmetic one (and float16's, bfloat16's
    by ones returning the storage's bits rounded once from the same unrounded value; without
    them those loops keep ``kernels``' float64-arithmetic ones).  ``bf16_native``: a float32
    kernel for bfloat16 arguments whose float32 value, rounded once more, is the correctly
    rounded bfloat16 (hard_sigmoid's (x + c) * (1/d): see ``piecewise.hard_sigmoid_bf16``)."""
    out = {**kernels, "float32": Kernel(fn, "native", "native")}
    if fn16 is not None:
        out["float16"] = Kernel(fn16, "native", "bits")
    if bf16 is not None:
        out[BF16] = Kernel(bf16, "native", "bits")
    if bf16_native is not None:
        out[BF16] = Kernel(bf16_native, "native", "native")
    return out


def checked(kernels: dict[str, Kernel], fn: Any, guard: int) -> dict[str, Kernel]:
    """``kernels`` with a checked fast path on the bfloat16 loop: float32 kernel ``fn``, within
    ``guard`` float32 steps of f for every bfloat16 input (see ``Checked``; the guards and their
    arguments: ``activations.checked_f32.GUARDS``); the bfloat16 kernel stays the fallback."""
    return {**kernels, BF16: replace(kernels[BF16], checked=Checked(fn, guard))}


def rowwise(f32: Any, f64: Any, bf16: Any = None) -> dict[str, Kernel]:
    """Row kernels ``row(xp, yp, kp, wp, n, storage_type)`` on contiguous rows (``kp``: the mask,
    for masked kernels; ``wp``: a float32 work block); float16 rows use the float32 one (it reads
    and writes any 2-byte storage through ``convert.widen``/``narrow``), and so do bfloat16 rows
    unless ``bf16`` gives them a kernel of their own."""
    kernels = {d: Kernel(f64 if d == "float64" else f32, "row", "row") for d in DTYPES}
    kernels[BF16] = Kernel(bf16 if bf16 is not None else f32, "row", "row")
    return kernels


def _softmax_ref(mp: Any, row: list) -> list:
    m = max(row)
    e = [mp.exp(v - m) for v in row]
    s = mp.fsum(e)
    return [v / s for v in e]


def _log_softmax_ref(mp: Any, row: list) -> list:
    m = max(row)
    lse = mp.log(mp.fsum(mp.exp(v - m) for v in row))
    return [(v - m) - lse for v in row]


def _clip(v: Any, lo: Any, hi: Any) -> Any:
    return lo if v <= lo else hi if v >= hi else v


_NAN_IN = "NaN in either input -> NaN"
# where a derivative has no limit at x = -inf with an infinite parameter (the limits in x and in
# the parameter disagree) it is NaN, as IEEE's inf - inf
_NO_LIMIT = "NaN at x = -inf (no limit: {} for every finite {}, {} for every finite x)"

ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        name="relu",
        formula="max(x, 0)",
        kernels=native(piecewise.relu),
        reference=lambda mp, x: x if x > 0 else mp.mpf(0),
        oracle=lambda np, sp, x: np.maximum(x, 0.0),
        knees=(0.0,),
        peers={"PyTorch": "F.relu", "JAX": "jax.nn.relu", "Keras": "relu", "TF": "tf.nn.relu"},
        special="relu(-0.0) = +0.0; NaN -> NaN; +inf -> +inf, -inf -> 0",
    ),
    Activation(
        name="relu6",
        formula="min(max(x, 0), 6)",
        kernels=native(piecewise.relu6),
        reference=lambda mp, x: _clip(x, mp.mpf(0), mp.mpf(6)),
        oracle=lambda np, sp, x: np.clip(x, 0.0, 6.0),
        knees=(0.0, 6.0),
        peers={"PyTorch": "F.relu6", "JAX": "jax.nn.relu6", "Keras": "relu6", "TF": "tf.nn.relu6"},
        special="relu6(-0.0) = +0.0; NaN -> NaN",
    ),
    Activation(
        name="leaky_relu",
        formula="x if x > 0 else negative_slope * x",
        kernels=native(piecewise.leaky_relu),
        params=("negative_slope",),
        reference=lambda mp, x, a: x if x > 0 else a * x,
        oracle=lambda np, sp, x, a: np.where(x > 0, x, a * x),
        peers={
            "PyTorch": "F.leaky_relu (slope 0.01)",
            "JAX": "jax.nn.leaky_relu (0.01)",
            "Keras": "leaky_relu (0.2; layer 0.3)",
            "TF": "tf.nn.leaky_relu (alpha 0.2)",
        },
        special=(
            "x <= 0: slope * x with IEEE's signs, also at +-0 (leaky_relu(+0.0, -1) = -0.0, as PyTorch), "
            "but 0 * inf gives the limit: -inf with slope +-0 -> -+0.0, +-0 with slope +-inf -> a zero of the "
            "product's sign (PyTorch: NaN); " + _NAN_IN
        ),
        examples={"negative_slope": (0.01, 0.2, 0.3)},
        notes="No default slope: peers disagree (0.01, 0.2, 0.3).",
    ),
    Activation(
        name="prelu",
        formula="x if x > 0 else weight * x  (weight broadcasts, e.g. per channel)",
        kernels=native(piecewise.leaky_relu),
        params=("weight",),
        reference=lambda mp, x, a: x if x > 0 else a * x,
        oracle=lambda np, sp, x, a: np.where(x > 0, x, a * x),
        peers={"PyTorch": "F.prelu", "Keras": "layers.PReLU"},
        special="as leaky_relu (the weight for the slope)",
        examples={"weight": (0.25, -0.5)},
        notes="Same math as leaky_relu; the slope is a learned array that broadcasts against x.",
    ),
    Activation(
        name="hard_sigmoid",
        formula="clip(0.2 x + 0.5, 0, 1)  (0 below -2.5, 1 above 2.5)",
        kernels=with_f32(
            {"float64": Kernel(piecewise.hard_sigmoid, "f64", "dd")},
            piecewise.hard_sigmoid_f32,
            piecewise.hard_sigmoid_f16,
            bf16_native=piecewise.hard_sigmoid_bf16,
        ),
        reference=lambda mp, x: _clip(x / 5 + mp.mpf(1) / 2, mp.mpf(0), mp.mpf(1)),
        oracle=lambda np, sp, x: np.clip((x + 2.5) / 5.0, 0.0, 1.0),
        knees=(-2.5, 0.0, 2.5),
        approximates="sigmoid",
        peers={"Keras": "hard_sigmoid (Keras 2 / tf.keras <= 2.15)"},
        special="NaN -> NaN; -inf -> 0, +inf -> 1",
        notes="The source document's definition; 0.2 is exactly 1/5.",
    ),
    Activation(
        name="hard_sigmoid6",
        formula="relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1)",
        kernels=with_f32(
            {"float64": Kernel(piecewise.hard_sigmoid6, "f64", "dd")},
            piecewise.hard_sigmoid6_f32,
            piecewise.hard_sigmoid6_f16,
            bf16_native=piecewise.hard_sigmoid6_bf16,
        ),
        reference=lambda mp, x: _clip((x + 3) / 6, mp.mpf(0), mp.mpf(1)),
        oracle=lambda np, sp, x: np.clip((x + 3.0) / 6.0, 0.0, 1.0),
        knees=(-3.0, 0.0, 3.0),
        approximates="sigmoid",
        peers={
            "PyTorch": "F.hardsigmoid",
            "JAX": "jax.nn.hard_sigmoid",
            "Keras": "hard_sigmoid (Keras 3)",
        },
        special="NaN -> NaN; -inf -> 0, +inf -> 1",
    ),
    Activation(
        name="hard_swish",
        formula="x * relu6(x + 3) / 6",
        kernels=checked(
            by_result(piecewise.hard_swish_to32, piecewise.hard_swish, "dd", "dd"),
            chk.hard_swish_f32,
            chk.GUARDS["hard_swish"],
        ),
        reference=lambda mp, x: x * _clip(x + 3, mp.mpf(0), mp.mpf(6)) / 6,
        oracle=lambda np, sp, x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
        knees=(-3.0, 0.0, 3.0),
        approximates="silu",
        peers={
            "PyTorch": "F.hardswish",
            "JAX": "jax.nn.hard_swish / hard_silu",
            "Keras": "hard_swish / hard_silu",
        },
        special="+0.0 for x <= -3 (PyTorch gives -0.0); -0.0 -> -0.0; NaN -> NaN",
    ),
    Activation(
        name="hard_tanh",
        formula="clip(x, -1, 1)",
        kernels=native(piecewise.hard_tanh),
        reference=lambda mp, x: _clip(x, mp.mpf(-1), mp.mpf(1)),
        oracle=lambda np, sp, x: np.clip(x, -1.0, 1.0),
        knees=(-1.0, 1.0),
        approximates="tanh",
        peers={"PyTorch": "F.hardtanh", "JAX": "jax.nn.hard_tanh", "Keras": "hard_tanh"},
        special="-0.0 -> -0.0; NaN -> NaN",
    ),
    Activation(
        name="softsign",
        formula="x / (1 + |x|)",
        kernels=checked(
            by_result(rational.softsign_to32, rational.softsign, "dd", "dd"), chk.softsign_f32, chk.GUARDS["softsign"]
        ),
        reference=lambda mp, x: x / (1 + abs(x)),
        oracle=lambda np, sp, x: x / (1.0 + np.abs(x)),
        knees=(0.0,),
        peers={"PyTorch": "F.softsign", "JAX": "jax.nn.soft_sign", "Keras": "softsign", "TF": "tf.nn.softsign"},
        special="+-inf -> +-1; -0.0 -> -0.0; NaN -> NaN",
        domain=(-20.0, 20.0),
    ),
)

_SELU_L, _SELU_A = SELU_SCALE_DEC, SELU_ALPHA_DEC
_K, _A = GELU_SIGMOID_K_DEC, GELU_TANH_A_DEC


def _gelu_ref(mp: Any, x: Any) -> Any:
    # mpmath's erfc overflows internally for huge arguments; below -1e4 the value is far
    # below every dtype's range (about -exp(-5e7)), so any tiny negative number stands in
    if x < -10000:
        return x * mp.mpf(2) ** -100000
    return x / 2 * mp.erfc(-x / mp.sqrt(2))


def _sig(mp: Any, t: Any) -> Any:
    return 1 / (1 + mp.exp(-t))


ACTIVATIONS += (
    Activation(
        name="sigmoid",
        formula="1 / (1 + exp(-x))",
        kernels=checked(
            with_f32(
                by_result(smooth.sigmoid_to32, smooth.sigmoid_f64),
                smooth_f32.sigmoid_f32,
                smooth_f32.sigmoid_f16,
                smooth_f32.sigmoid_bf16,
            ),
            fast_f32.sigmoid_f32,
            chk.GUARDS["sigmoid"],
        ),
        reference=_sig,
        oracle=lambda np, sp, x: sp.expit(x),
        peers={
            "PyTorch": "torch.sigmoid",
            "JAX": "jax.nn.sigmoid",
            "Keras": "sigmoid",
            "TF": "tf.math.sigmoid",
            "SciPy": "scipy.special.expit",
        },
        special="-inf -> 0, +inf -> 1; -0.0 -> 0.5",
        max_ulp=SMOOTH_ULP,
        domain=(-20.0, 20.0),
    ),
    Activation(
        name="log_sigmoid",
        formula="-softplus(-x) = -log(1 + exp(-x))",
        kernels=checked(
            with_f32(
                by_result(smooth.log_sigmoid_to32, smooth.log_sigmoid_f64),
                smooth_f32.log_sigmoid_f32,
                smooth_f32.log_sigmoid_f16,
                smooth_f32.log_sigmoid_bf16,
            ),
            fast_f32.log_sigmoid_f32,
            chk.GUARDS["log_sigmoid"],
        ),
        reference=lambda mp, x: -mp.log1p(mp.exp(-x)),
        oracle=lambda np, sp, x: sp.log_expit(x),
        peers={
            "PyTorch": "F.logsigmoid",
            "JAX": "jax.nn.log_sigmoid",
            "Keras": "log_sigmoid",
            "TF": "tf.math.log_sigmoid",
            "SciPy": "scipy.special.log_expit",
        },
        special="-inf -> -inf, +inf -> +0.0",
        max_ulp=SMOOTH_ULP,
        domain=(-20.0, 20.0),
    ),
    Activation(
        name="tanh",
        formula="(e^x - e^-x) / (e^x + e^-x)",
        kernels=checked(by_result(smooth.tanh_to32, smooth.tanh_f64), fast_f32.tanh_f32, chk.GUARDS["tanh"]),
        reference=lambda mp, x: mp.tanh(x),
        oracle=lambda np, sp, x: np.tanh(x),
        peers={"PyTorch": "torch.tanh", "JAX": "jnp.tanh", "Keras": "tanh", "TF": "tf.math.tanh", "SciPy": "np.tanh"},
        special="+-inf -> +-1; -0.0 -> -0.0",
        max_ulp=SMOOTH_ULP,
        domain=(-5.0, 5.0),
    ),
    Activation(
        name="elu",
        formula="x if x > 0 else alpha * (exp(x) - 1)",
        kernels=checked(by_result(smooth.elu_to32, smooth.elu_f64, tie=bf16_ties.elu), chk.elu_f32, chk.GUARDS["elu"]),
        params=("alpha",),
        reference=lambda mp, x, a: x if x > 0 else a * mp.expm1(x),
        oracle=lambda np, sp, x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0.0))),
        peers={"PyTorch": "F.elu (alpha 1)", "JAX": "jax.nn.elu", "Keras": "elu", "TF": "tf.nn.elu (alpha 1 only)"},
        special=(
            "x >= 0 gives x: +-0 keep their sign for every alpha (as PyTorch); -inf -> -alpha, so "
            "alpha = +-inf gives -+inf for every x < 0; " + _NAN_IN
        ),
        examples={"alpha": (1.0, 0.5)},
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="selu",
        formula=f"scale * (x if x > 0 else alpha * (exp(x) - 1)); scale {SELU_SCALE!r}, alpha {SELU_ALPHA!r}",
        kernels=checked(by_result(smooth.selu_to32, smooth.selu_f64), fast_f32.selu_f32, chk.GUARDS["selu"]),
        reference=lambda mp, x: mp.mpf(_SELU_L) * (x if x > 0 else mp.mpf(_SELU_A) * mp.expm1(x)),
        oracle=lambda np, sp, x: float(_SELU_L) * np.where(x > 0, x, float(_SELU_A) * np.expm1(np.minimum(x, 0.0))),
        peers={"PyTorch": "F.selu", "JAX": "jax.nn.selu", "Keras": "selu", "TF": "tf.nn.selu"},
        special="-inf -> -scale*alpha; float16 overflows to inf above 62344",
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="celu",
        formula="max(0, x) + min(0, alpha * (exp(x / alpha) - 1))",
        kernels=by_result(smooth.celu_to32, smooth.celu_f64),
        params=("alpha",),
        reference=lambda mp, x, a: x if x > 0 else a * mp.expm1(x / a),
        oracle=lambda np, sp, x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0.0) / a)),
        peers={"PyTorch": "F.celu (alpha 1)", "JAX": "jax.nn.celu", "Keras": "celu"},
        special=(
            "x >= 0 gives x: +-0 keep their sign for every alpha; -inf -> -alpha for alpha > 0, -inf for "
            "alpha < 0 (as PyTorch); alpha = +-0, where x/alpha is undefined: the one-sided limits IEEE's "
            "x/+-0 point to, alpha -> 0+ (relu: -0.0 for x < 0) and alpha -> 0- (-inf for x < 0) "
            "(PyTorch raises); alpha = +-inf: x (the limit); " + _NAN_IN
        ),
        examples={"alpha": (1.0, 0.5)},
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="softplus",
        formula="log(1 + exp(x))",
        kernels=checked(
            with_f32(
                by_result(smooth.softplus_to32, smooth.softplus_f64),
                smooth_f32.softplus_f32,
                smooth_f32.softplus_f16,
                smooth_f32.softplus_bf16,
            ),
            fast_f32.softplus_f32,
            chk.GUARDS["softplus"],
        ),
        reference=lambda mp, x: mp.log1p(mp.exp(x)),
        oracle=lambda np, sp, x: np.logaddexp(x, 0.0),
        peers={
            "PyTorch": "F.softplus (beta 1; threshold 20 makes it linear above 20)",
            "JAX": "jax.nn.softplus",
            "Keras": "softplus",
            "TF": "tf.math.softplus",
        },
        special="-inf -> 0, +inf -> +inf; float16 results above 65504 overflow to inf",
        max_ulp=SMOOTH_ULP,
        domain=(-20.0, 20.0),
    ),
    Activation(
        name="silu",
        formula="x * sigmoid(x)  (swish with beta = 1)",
        kernels=checked(
            with_f32(
                by_result(smooth.silu_to32, smooth.silu_f64),
                smooth_f32.silu_f32,
                smooth_f32.silu_f16,
                smooth_f32.silu_bf16,
            ),
            fast_f32.silu_f32,
            chk.GUARDS["silu"],
        ),
        reference=lambda mp, x: x * _sig(mp, x),
        oracle=lambda np, sp, x: x * sp.expit(x),
        peers={"PyTorch": "F.silu", "JAX": "jax.nn.silu / swish", "Keras": "silu / swish", "TF": "tf.nn.silu"},
        special="-inf -> -0.0 (the limit; PyTorch gives NaN), +inf -> +inf",
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="swish",
        formula="x * sigmoid(beta * x)",
        kernels=by_result(smooth.swish_to32, smooth.swish_f64, tie=bf16_ties.swish),
        params=("beta",),
        reference=lambda mp, x, b: x * _sig(mp, b * x),
        oracle=lambda np, sp, x, b: x * sp.expit(b * x),
        peers={"TF": "tf.nn.silu(x, beta)"},
        special=(
            "+-0 -> +-0; beta = +-0: x/2 (+-inf -> +-inf); x = +-inf: x where beta x -> +inf, the zero of "
            "x's sign where beta x -> -inf (as silu for beta > 0: -inf -> -0.0; beta < 0: -inf -> -inf, "
            "+inf -> +0.0); beta = +-inf: x or that zero, by the sign of beta x; " + _NAN_IN
        ),
        examples={"beta": (1.0, GELU_SIGMOID_K)},
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="mish",
        formula="x * tanh(softplus(x))",
        kernels=by_result(smooth.mish_to32, smooth.mish_f64),
        reference=lambda mp, x: x * mp.tanh(mp.log1p(mp.exp(x))),
        oracle=lambda np, sp, x: x * np.tanh(np.logaddexp(x, 0.0)),
        peers={"PyTorch": "F.mish", "JAX": "jax.nn.mish", "Keras": "mish"},
        special="-inf -> -0.0, +inf -> +inf",
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="gelu",
        formula="x * Phi(x) = x/2 * erfc(-x / sqrt(2))  (exact GELU)",
        # float16/float32 from short polynomials (~2^-30 relative), float64 from double-doubles
        kernels=checked(
            by_result(smooth.gelu_to32, smooth.gelu_f64, tie=bf16_ties.half),
            fast_f32.gelu_f32,
            chk.GUARDS["gelu"],
        ),
        reference=_gelu_ref,
        oracle=lambda np, sp, x: 0.5 * x * sp.erfc(-x / np.sqrt(2.0)),
        peers={
            "PyTorch": "F.gelu (approximate='none')",
            "JAX": "jax.nn.gelu(approximate=False)",
            "Keras": "gelu",
            "TF": "tf.nn.gelu",
        },
        special="-inf -> -0.0, +inf -> +inf",
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="gelu_tanh",
        formula=f"x/2 * (1 + tanh(sqrt(2/pi) * (x + {_A} x^3)))",
        kernels=checked(
            by_result(smooth.gelu_tanh_to32, smooth.gelu_tanh_f64, tie=bf16_ties.half),
            fast_f32.gelu_tanh_f32,
            chk.GUARDS["gelu_tanh"],
        ),
        reference=lambda mp, x: x * _sig(mp, 2 * mp.sqrt(2 / mp.pi) * (x + mp.mpf(_A) * x**3)),
        oracle=lambda np, sp, x: x * sp.expit(2 * np.sqrt(2 / np.pi) * (x + GELU_TANH_A * x**3)),
        approximates="gelu",
        peers={
            "PyTorch": "F.gelu(approximate='tanh')",
            "JAX": "jax.nn.gelu (default)",
            "Keras": "ops.gelu(approximate=True)",
        },
        special="-inf -> -0.0, +inf -> +inf",
        notes="Evaluated as x * sigmoid(2u), the same function without the 1 + tanh cancellation.",
        max_ulp=SMOOTH_ULP,
    ),
    Activation(
        name="gelu_sigmoid",
        formula=f"x * sigmoid({_K} x)",
        kernels=checked(
            with_f32(
                by_result(smooth.gelu_sigmoid_to32, smooth.gelu_sigmoid_f64),
                smooth_f32.gelu_sigmoid_f32,
                smooth_f32.gelu_sigmoid_f16,
                smooth_f32.gelu_sigmoid_bf16,
            ),
            fast_f32.gelu_sigmoid_f32,
            chk.GUARDS["gelu_sigmoid"],
        ),
        reference=lambda mp, x: x * _sig(mp, mp.mpf(_K) * x),
        oracle=lambda np, sp, x: x * sp.expit(GELU_SIGMOID_K * x),
        approximates="gelu",
        peers={},
        special="-inf -> -0.0, +inf -> +inf",
        max_ulp=SMOOTH_ULP,
    ),
)

ACTIVATIONS += (
    Activation(
        name="softmax",
        formula="exp(x_i - max x) / sum_j exp(x_j - max x), along axis (default -1)",
        kernels=rowwise(softmax.softmax_f32, softmax.softmax_f64, softmax.softmax_bf16),
        masked=rowwise(softmax.masked_softmax_f32, softmax.masked_softmax_f64, softmax.masked_softmax_bf16),
        reference=_softmax_ref,
        signature="(n)->(n)",
        peers={
            "PyTorch": "F.softmax(dim=-1)",
            "JAX": "jax.nn.softmax",
            "Keras": "softmax",
            "TF": "tf.nn.softmax",
            "SciPy": "scipy.special.softmax (axis=None by default!)",
        },
        special="a row with NaN, +inf, or only -inf entries is all NaN (as PyTorch/JAX/SciPy); -inf entries give 0; "
        "masked entries (where=) give 0, a fully masked row 0",
        notes="axis: an int, a tuple or None (all axes); where=: a mask (fastact.rows). float16 rows are computed "
        "in float32/float64. Sums in blocks carried as double-doubles: the claims hold for any row length.",
        # measured (tools/softmax_ulp.py, rows of 1 to 1e7, normal * 3/12/30): 0.50, 2.9, 3.2; bfloat16 (its own
        # kernel, float32 rounded once: budget 0.5 + ~5 2^-16): 0.500025 (tests/test_bfloat16_rows.py's inputs)
        max_ulp={"float16": 0.51, "float32": 3.0, "float64": 4.0, "bfloat16": 0.51},
    ),
    Activation(
        name="log_softmax",
        formula="(x_i - max x) - log(sum_j exp(x_j - max x)), along axis (default -1)",
        kernels=rowwise(softmax.log_softmax_f32, softmax.log_softmax_f64, softmax.log_softmax_bf16),
        masked=rowwise(softmax.masked_log_softmax_f32, softmax.masked_log_softmax_f64, softmax.masked_log_softmax_bf16),
        reference=_log_softmax_ref,
        signature="(n)->(n)",
        peers={
            "PyTorch": "F.log_softmax(dim=-1)",
            "JAX": "jax.nn.log_softmax",
            "Keras": "log_softmax",
            "TF": "tf.nn.log_softmax",
            "SciPy": "scipy.special.log_softmax (axis=None by default!)",
        },
        special="a row with NaN, +inf, or only -inf entries is all NaN; -inf entries give -inf; "
        "masked entries (where=) give -inf, a fully masked row -inf",
        notes="log1p of the non-maximal part of the sum keeps results near 0 accurate; the count of maxima is an "
        "integer. The claims hold for any row length.",
        # measured (tools/softmax_ulp.py, rows of 1 to 1e7, normal * 3/12/30; tests' 12 x 40 rows * 30):
        # 0.50, 1.04 (float32 terms' exp error when log_softmax is near 0), 2.75; bfloat16 (its own kernel, float32
        # rounded once: budget 0.5 + ~4 2^-16): 0.500008; near 0 from 1e5 tiny terms: 0.38 / 0.8 float32 / float64
        max_ulp={"float16": 0.51, "float32": 2.0, "float64": 4.0, "bfloat16": 0.51},
    ),
)

BY_NAME: dict[str, Activation] = {a.name: a for a in ACTIVATIONS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def get(name: str) -> Activation:
    """The registry entry for ``name``; ``KeyError`` lists the known names."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"fastact has no function {name!r}; known: {', '.join(NAMES)}") from None


# ------------------------------------------------------------------ derivatives (fastact.grad)


@dataclass(frozen=True)
class Derivative(Activation):
    """A derivative of a registry function: ``fastact.grad.<name>``, built by ``build.build`` like the functions.

    ``name`` is the function's own for d/dx and ``<function>_<param>`` for d/d(param); the
    inputs are the function's.  Row functions get a vector-Jacobian product instead, a gufunc
    of (forward output y, upstream gradient dy).  ``reference`` is the closed form in mpmath
    (tests check it against ``mpmath.diff`` of the function's reference).
    ``zeros``: where the derivative crosses 0; within ``ZERO_WINDOW`` of one the float32/float64
    claim is absolute: ``max_ulp`` ULP or at most eps(dtype) * ``bound`` (``bound`` = max |f'|).
    """

    of: str = ""
    wrt: str = "x"
    zeros: tuple[float, ...] = ()
    bound: float = 1.0
    inputs: tuple[str, ...] = ()  # argument names, when not the function's (x, *params)

    @property
    def symbol(self) -> str:
        return f"grad_{self.name}"

    @property
    def path(self) -> str:
        return f"grad.{self.name}"

    @property
    def arg_names(self) -> tuple[str, ...]:
        return self.inputs or ("x", *self.params)

    @property
    def nin(self) -> int:
        return len(self.arg_names)

    @property
    def grads(self) -> tuple[Derivative, ...]:
        return ()


ZERO_WINDOW = 0.25  # |x - zero| within which a derivative's accuracy is judged absolutely
GRAD_ULP = {"float16": 0.5, "float32": 1.0, "float64": 3.0, "bfloat16": 0.5}
EXACT_ULP = {"float16": 0.5, "float32": 0.5, "float64": 0.5, "bfloat16": 0.5}


def _grad(of: str, formula: str, kernels: dict[str, Kernel], reference: Callable[..., Any], **kw: Any) -> Derivative:
    """d/dx (or d/d``wrt``) of registry function ``of``, with its parameters, examples and domain."""
    f = BY_NAME[of]
    wrt = kw.pop("wrt", "x")
    zeros = kw.get("zeros", ())
    kw.setdefault("max_ulp", GRAD_ULP)
    return Derivative(
        name=of if wrt == "x" else f"{of}_{wrt}",
        of=of,
        wrt=wrt,
        formula=formula,
        kernels=kernels,
        reference=reference,
        params=f.params,
        examples=f.examples,
        domain=f.domain,
        knees=tuple(sorted(set(f.knees) | set(zeros) | set(kw.pop("knees", ())))),
        **kw,
    )


def _step(mp: Any, x: Any, lo: float, hi: float, v: Any) -> Any:
    # v on the open interval (lo, hi), 0 elsewhere (the derivative of a clip, kinks included)
    return v if lo < x < hi else mp.mpf(0)


def _dsig(mp: Any, t: Any) -> Any:
    e = mp.exp(-abs(t))
    return e / (1 + e) ** 2


def _sig_lin(mp: Any, t: Any, w: Any) -> Any:
    # s(t) + w s(t) s(-t): d/dx x s(t(x)) with w = x t'(x)
    return _sig(mp, t) + w * _dsig(mp, t)


def _gelu_tanh_parts(mp: Any, x: Any) -> tuple[Any, Any]:
    c2 = 2 * mp.sqrt(2 / mp.pi)
    a = mp.mpf(_A)
    return c2 * (x + a * x**3), c2 * x * (1 + 3 * a * x**2)


def _gelu_d_ref(mp: Any, x: Any) -> Any:
    if x < -10000:  # far below every dtype's range (see _gelu_ref): a tiny negative number
        return x * mp.mpf(2) ** -100000
    return mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-(x**2) / 2) / mp.sqrt(2 * mp.pi)


def _mish_d_ref(mp: Any, x: Any) -> Any:
    sp = mp.log1p(mp.exp(x))
    return mp.tanh(sp) + x * mp.sech(sp) ** 2 * _sig(mp, x)


def _celu_alpha_ref(mp: Any, x: Any, a: Any) -> Any:
    # expm1(q) - q e^q, q = x/a; next to 0 it cancels: -sum_{n>=2} (n-1) q^n / n!
    if x > 0:
        return mp.mpf(0)
    q = x / a
    if abs(q) < mp.mpf(2) ** -20:
        return -mp.fsum((n - 1) * q**n / mp.factorial(n) for n in range(2, 16))
    with mp.extraprec(30):
        return mp.expm1(q) - q * mp.exp(q)


def _softmax_vjp_ref(mp: Any, y: list, dy: list) -> list:
    s = mp.fsum(a * b for a, b in zip(y, dy, strict=True))
    return [a * (b - s) for a, b in zip(y, dy, strict=True)]


def _log_softmax_vjp_ref(mp: Any, y: list, dy: list) -> list:
    s = mp.fsum(dy)
    return [b - mp.exp(a) * s for a, b in zip(y, dy, strict=True)]


# float64 oracles (NumPy/SciPy, for sweeps and float16/float32 checks; they share no code with the kernels)
def _o_step(np: Any, x: Any, lo: float, hi: float, v: float) -> Any:
    return np.where(np.isnan(x), np.nan, np.where((x > lo) & (x < hi), v, 0.0))


def _o_sig_lin(np: Any, sp: Any, t: Any, w: Any) -> Any:
    return sp.expit(t) * (1.0 + w * sp.expit(-t))


def _o_gelu_tanh(np: Any, sp: Any, x: Any) -> Any:
    c2 = 2.0 * np.sqrt(2.0 / np.pi)
    return _o_sig_lin(np, sp, c2 * (x + GELU_TANH_A * x**3), c2 * x * (1.0 + 3 * GELU_TANH_A * x**2))


def _o_mish(np: Any, sp: Any, x: Any) -> Any:
    s = np.logaddexp(x, 0.0)
    return np.tanh(s) + x * sp.expit(x) / np.cosh(s) ** 2


def _o_celu_alpha(np: Any, sp: Any, x: Any, a: Any) -> Any:
    q = np.minimum(x, 0.0) / a
    series = -sum((n - 1) * q**n / math.factorial(n) for n in range(2, 14))
    direct = np.expm1(q) - q * np.exp(q)
    return np.where(x > 0, 0.0, np.where(np.abs(q) < 0.1, series, direct))


_SQRT_2PI = math.sqrt(2 * math.pi)


def _slope_grads(of: str, slope: str, note: str, special: str) -> tuple[Derivative, Derivative]:
    """d/dx and d/d``slope`` of ``of`` = x if x > 0 else slope * x (leaky_relu, prelu: one kernel each)."""
    return (
        _grad(
            of,
            f"1 if x > 0 else {slope}  (the {slope.split('_')[-1]} at 0)",
            native(dpw.leaky_relu),
            lambda mp, x, a: mp.mpf(1) if x > 0 else a,
            oracle=lambda np, sp, x, a: np.where(x > 0, 1.0, a) + 0 * x,
            special=(
                f"the {slope.split('_')[-1]} at 0 (PyTorch's convention, autograd of F.{of}), any {slope} "
                f"(also infinite); {_NAN_IN} (PyTorch gives a branch's value)"
            ),
            max_ulp=EXACT_ULP,
        ),
        _grad(
            of,
            "0 if x > 0 else x" + note,
            native(dpw.leaky_relu_slope),
            lambda mp, x, a: mp.mpf(0) if x > 0 else x,
            oracle=lambda np, sp, x, a: np.where(x > 0, 0.0, x),
            wrt=slope,
            special=special,
            max_ulp=EXACT_ULP,
        ),
    )


_PW = "PyTorch's convention at the kinks (autograd of F.{}); NaN -> NaN (PyTorch gives a branch's value)"
_LIMITS = "limits at +-inf (PyTorch gives NaN there); NaN -> NaN"

DERIVATIVES: tuple[Derivative, ...] = (
    _grad(
        "relu",
        "1 if x > 0 else 0  (0 at 0)",
        native(dpw.relu),
        lambda mp, x: _step(mp, x, 0, mp.inf, mp.mpf(1)),
        oracle=lambda np, sp, x: np.where(np.isnan(x), np.nan, np.where(x > 0, 1.0, 0.0)),
        special=_PW.format("relu"),
        max_ulp=EXACT_ULP,
    ),
    _grad(
        "relu6",
        "1 if 0 < x < 6 else 0  (0 at 0 and 6)",
        native(dpw.relu6),
        lambda mp, x: _step(mp, x, 0, 6, mp.mpf(1)),
        oracle=lambda np, sp, x: _o_step(np, x, 0.0, 6.0, 1.0),
        special=_PW.format("relu6"),
        max_ulp=EXACT_ULP,
    ),
    *_slope_grads("leaky_relu", "negative_slope", "", "-0.0 -> -0.0, -inf -> -inf, for every slope; " + _NAN_IN),
    *_slope_grads(
        "prelu",
        "weight",
        "  (sum it over the broadcast axes for a per-channel weight's gradient)",
        "-0.0 -> -0.0 (as PyTorch), -inf -> -inf, for every weight; " + _NAN_IN,
    ),
    _grad(
        "hard_sigmoid",
        "1/5 if -2.5 < x < 2.5 else 0",
        native(dpw.hard_sigmoid),
        lambda mp, x: _step(mp, x, -2.5, 2.5, mp.mpf(1) / 5),
        oracle=lambda np, sp, x: _o_step(np, x, -2.5, 2.5, 0.2),
        special="0 at the knees +-2.5 (PyTorch's convention for its clips); NaN -> NaN",
        max_ulp=EXACT_ULP,
    ),
    _grad(
        "hard_sigmoid6",
        "1/6 if -3 < x < 3 else 0",
        native(dpw.hard_sigmoid6),
        lambda mp, x: _step(mp, x, -3, 3, mp.mpf(1) / 6),
        oracle=lambda np, sp, x: _o_step(np, x, -3.0, 3.0, 1 / 6),
        special=_PW.format("hardsigmoid") + "; float64 1/6 correctly rounded (PyTorch's is float32's)",
        max_ulp=EXACT_ULP,
    ),
    _grad(
        "hard_swish",
        "(2x + 3)/6 if -3 < x < 3, 0 if x <= -3, 1 if x >= 3",
        {
            **by_result(dpw.hard_swish_to32, dpw.hard_swish, ret64="dd"),
            BF16: Kernel(dpw.hard_swish_bf16, "native", "native"),
        },
        lambda mp, x: mp.mpf(0) if x <= -3 else mp.mpf(1) if x >= 3 else (2 * x + 3) / 6,
        oracle=lambda np, sp, x: np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (2 * x + 3) / 6)),
        special=_PW.format("hardswish") + " (0 at -3, 1 at 3)",
        zeros=(-1.5,),
        max_ulp=EXACT_ULP,
    ),
    _grad(
        "hard_tanh",
        "1 if -1 < x < 1 else 0",
        native(dpw.hard_tanh),
        lambda mp, x: _step(mp, x, -1, 1, mp.mpf(1)),
        oracle=lambda np, sp, x: _o_step(np, x, -1.0, 1.0, 1.0),
        special=_PW.format("hardtanh"),
        max_ulp=EXACT_ULP,
    ),
    _grad(
        "softsign",
        "1 / (1 + |x|)^2",
        checked(by_result(dsm.softsign_to32, dsm.softsign_f64), chk.softsign_grad_f32, chk.GUARDS["grad.softsign"]),
        lambda mp, x: 1 / (1 + abs(x)) ** 2,
        oracle=lambda np, sp, x: 1.0 / (1.0 + np.abs(x)) ** 2,
        special="+-inf -> 0 (PyTorch: NaN); NaN -> NaN",
    ),
    _grad(
        "sigmoid",
        "s (1 - s) = e / (1 + e)^2, e = exp(-|x|)",
        checked(
            with_f32(by_result(dsm.sigmoid_to32, dsm.sigmoid_f64), dfl.sigmoid_f32, bf16=dfl.sigmoid_bf16),
            chk.sigmoid_grad_f32,
            chk.GUARDS["grad.sigmoid"],
        ),
        _dsig,
        oracle=lambda np, sp, x: sp.expit(x) * sp.expit(-x),
        special="+-inf -> 0; NaN -> NaN",
        bound=0.25,
    ),
    _grad(
        "log_sigmoid",
        "sigmoid(-x) = 1 / (1 + exp(x))",
        checked(
            {d: Kernel(dsm.negated(k.fn), k.arg, k.ret) for d, k in BY_NAME["sigmoid"].kernels.items()},
            chk.sigmoid_neg_f32,
            chk.GUARDS["grad.log_sigmoid"],
        ),
        lambda mp, x: 1 / (1 + mp.exp(x)),
        oracle=lambda np, sp, x: sp.expit(-x),
        special="-inf -> 1, +inf -> 0; NaN -> NaN",
        notes="sigmoid's kernels at -x.",
        max_ulp=BY_NAME["sigmoid"].max_ulp,
    ),
    _grad(
        "tanh",
        "1 - tanh^2 = 4e / (1 + e)^2, e = exp(-2|x|)",
        checked(
            with_f32(by_result(dsm.tanh_to32, dsm.tanh_f64), dfl.tanh_f32, bf16=dfl.tanh_bf16),
            chk.tanh_grad_f32,
            chk.GUARDS["grad.tanh"],
        ),
        lambda mp, x: mp.sech(x) ** 2,
        oracle=lambda np, sp, x: 1.0 / np.cosh(x) ** 2,
        special="+-inf -> 0; NaN -> NaN",
    ),
    _grad(
        "elu",
        "1 if x > 0 else alpha exp(x)  (alpha at 0)",
        by_result(dsm.elu_to32, dsm.elu_f64),
        lambda mp, x, a: mp.mpf(1) if x > 0 else a * mp.exp(x),
        oracle=lambda np, sp, x, a: np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0.0))),
        special=(
            "alpha at 0 (PyTorch's convention); -inf -> alpha * 0 (a zero of alpha's sign); alpha = +-inf: "
            "+-inf for finite x <= 0, "
            + _NO_LIMIT.format("0", "alpha", "+-inf")
            + "; "
            + _NAN_IN
            + " (PyTorch: 1 for x = NaN)"
        ),
        knees=(0.0,),
    ),
    _grad(
        "elu",
        "0 if x > 0 else expm1(x)",
        checked(by_result(dsm.elu_alpha_to32, dsm.elu_alpha_f64), chk.elu_alpha_f32, chk.GUARDS["grad.elu_alpha"]),
        lambda mp, x, a: mp.mpf(0) if x > 0 else mp.expm1(x),
        oracle=lambda np, sp, x, a: np.where(x > 0, 0.0, np.expm1(np.minimum(x, 0.0))),
        wrt="alpha",
        special="-inf -> -1, -0.0 -> -0.0, for every alpha; " + _NAN_IN,
        knees=(0.0,),
    ),
    _grad(
        "selu",
        "scale if x > 0 else scale alpha exp(x)  (scale alpha at 0)",
        checked(by_result(dsm.selu_to32, dsm.selu_f64), chk.selu_grad_f32, chk.GUARDS["grad.selu"]),
        lambda mp, x: mp.mpf(_SELU_L) if x > 0 else mp.mpf(_SELU_L) * mp.mpf(_SELU_A) * mp.exp(x),
        oracle=lambda np, sp, x: float(_SELU_L) * np.where(x > 0, 1.0, float(_SELU_A) * np.exp(np.minimum(x, 0.0))),
        special="scale * alpha at 0 (PyTorch's convention); -inf -> 0; NaN -> NaN",
        knees=(0.0,),
        bound=1.7580993408473766,
    ),
    _grad(
        "celu",
        "1 if x > 0 else exp(x / alpha)",
        by_result(dsm.celu_to32, dsm.celu_f64),
        lambda mp, x, a: mp.mpf(1) if x > 0 else mp.exp(x / a),
        oracle=lambda np, sp, x, a: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0) / a)),
        special=(
            "1 at 0 for every alpha (both sides agree); -inf -> 0 for alpha > 0, +inf for alpha < 0; "
            "alpha = +0 / -0 (the limits alpha -> 0+-): 0 / +inf for x < 0; alpha = +-inf: 1 for finite x, "
            + _NO_LIMIT.format("0 or +inf", "alpha", "1")
            + "; "
            + _NAN_IN
        ),
        knees=(0.0,),
    ),
    _grad(
        "celu",
        "0 if x > 0 else expm1(q) - q exp(q), q = x / alpha",
        by_result(dsm.celu_alpha_to32, dsm.celu_alpha_f64),
        _celu_alpha_ref,
        oracle=_o_celu_alpha,
        wrt="alpha",
        special=(
            "-0.0 at x = +-0 for every alpha; -inf -> -1 for alpha > 0, -inf for alpha < 0; alpha = +0 / -0 "
            "(the limits alpha -> 0+-): -1 / -inf for x < 0; alpha = +-inf: -0.0 for finite x < 0, "
            + _NO_LIMIT.format("-1 or -inf", "alpha", "0")
            + "; "
            + _NAN_IN
        ),
        knees=(0.0,),
        notes="Summed as -e^q (expm1(-q) + q) by a series of positive terms for |q| < 2: no cancellation near 0.",
        bound=1.0,
    ),
    _grad(
        "softplus",
        "sigmoid(x)",
        BY_NAME["sigmoid"].kernels,
        lambda mp, x: _sig(mp, x),
        oracle=lambda np, sp, x: sp.expit(x),
        special="-inf -> 0, +inf -> 1; NaN -> NaN",
        notes="The sigmoid ufunc's own loops.",
        max_ulp=BY_NAME["sigmoid"].max_ulp,
    ),
    _grad(
        "silu",
        "s (1 + x (1 - s)), s = sigmoid(x)",
        with_f32(by_result(dsm.silu_to32, dsm.silu_f64), dfl.silu_f32, bf16=dfl.silu_bf16),
        lambda mp, x: _sig_lin(mp, x, x),
        oracle=lambda np, sp, x: _o_sig_lin(np, sp, x, x),
        special="-inf -> -0.0, +inf -> 1 (" + _LIMITS + ")",
        zeros=(-1.2784645427610738,),
        bound=1.0998393201288669,
    ),
    _grad(
        "swish",
        "s (1 + t (1 - s)), s = sigmoid(t), t = beta x  (silu' at beta x)",
        by_result(dsm.swish_to32, dsm.swish_f64),
        lambda mp, x, b: _sig_lin(mp, b * x, b * x),
        oracle=lambda np, sp, x, b: _o_sig_lin(np, sp, b * x, b * x),
        special=(
            "silu' at beta x: beta x -> -inf gives -0.0, +inf gives 1 (beta > 0: as silu'; beta < 0: "
            "-inf -> 1, +inf -> -0.0); 1/2 at beta = +-0 or x = +-0, also with the other infinite; " + _NAN_IN
        ),
        zeros=(-1.2784645427610738,),
        bound=1.0998393201288669,
        notes="The zero moves to -1.278/beta (claim checked at the examples' betas).",
    ),
    _grad(
        "swish",
        "x^2 s (1 - s), s = sigmoid(beta x)",
        checked(
            by_result(dsm.swish_beta_to32, dsm.swish_beta_f64, tie=bf16_ties.swish_beta),
            chk.swish_beta_f32,
            chk.GUARDS["grad.swish_beta"],
        ),
        lambda mp, x, b: x**2 * _dsig(mp, b * x),
        oracle=lambda np, sp, x, b: x**2 * sp.expit(b * x) * sp.expit(-b * x),
        wrt="beta",
        special=(
            "+-inf -> 0 for beta != 0, and beta = +-inf -> 0 (the limits); beta = +-0: x^2/4, +inf at "
            "x = +-inf; x = +-0 -> 0 for every beta; " + _NAN_IN
        ),
    ),
    _grad(
        "mish",
        "tanh(sp) + x sech(sp)^2 sigmoid(x), sp = softplus(x)",
        by_result(dsm.mish_to32, dsm.mish_f64),
        _mish_d_ref,
        oracle=_o_mish,
        special="-inf -> -0.0, +inf -> 1 (" + _LIMITS + ")",
        zeros=(-1.1924312145154952,),
        bound=1.0884981612517279,
    ),
    _grad(
        "gelu",
        "Phi(x) + x phi(x) = erfc(-x/sqrt2)/2 + x exp(-x^2/2)/sqrt(2 pi)",
        by_result(dsm.gelu_to32, dsm.gelu_f64),
        _gelu_d_ref,
        # float64: erfc's polynomial error, amplified by the cancellation next to the zero (4.5 at x = -1.12)
        max_ulp={**GRAD_ULP, "float64": 5.0},
        oracle=lambda np, sp, x: sp.ndtr(x) + x * np.exp(-0.5 * x * x) / _SQRT_2PI,
        special="-inf -> -0.0, +inf -> 1 (" + _LIMITS + ")",
        zeros=(-0.7517915246935645,),
        bound=1.1289041451851548,
    ),
    _grad(
        "gelu_tanh",
        f"s (1 + w (1 - s)), s = sigmoid(T), T = 2 sqrt(2/pi)(x + {_A} x^3), w = x dT/dx",
        by_result(dsm.gelu_tanh_to32, dsm.gelu_tanh_f64),
        lambda mp, x: _sig_lin(mp, *_gelu_tanh_parts(mp, x)),
        oracle=_o_gelu_tanh,
        special="-inf -> -0.0, +inf -> 1 (" + _LIMITS + ")",
        zeros=(-0.7524614220710163,),
        bound=1.1289930686587718,
    ),
    _grad(
        "gelu_sigmoid",
        f"s (1 + t (1 - s)), s = sigmoid(t), t = {_K} x",
        by_result(dsm.gelu_sigmoid_to32, dsm.gelu_sigmoid_f64),
        lambda mp, x: _sig_lin(mp, mp.mpf(_K) * x, mp.mpf(_K) * x),
        oracle=lambda np, sp, x: _o_sig_lin(np, sp, GELU_SIGMOID_K * x, GELU_SIGMOID_K * x),
        special="-inf -> -0.0, +inf -> 1 (" + _LIMITS + ")",
        zeros=(-0.751154255441289,),
        bound=1.0998393201288669,
    ),
    _grad(
        "softmax",
        "y * (dy - sum(dy * y)), y = softmax(x): the vector-Jacobian product, along axis (default -1)",
        rowwise(drows.softmax_vjp, drows.softmax_vjp),
        _softmax_vjp_ref,
        masked=rowwise(drows.masked_softmax_vjp, drows.masked_softmax_vjp),
        signature="(n),(n)->(n)",
        inputs=("y", "dy"),
        special="NaN in a row's y or dy makes that row's sum, and so the row, NaN",
        notes="Takes the forward output y, not x. float16/float32 rows are computed in float64.",
    ),
    _grad(
        "log_softmax",
        "dy - exp(y) * sum(dy), y = log_softmax(x): the vector-Jacobian product, along axis (default -1)",
        rowwise(drows.log_softmax_vjp, drows.log_softmax_vjp),
        _log_softmax_vjp_ref,
        masked=rowwise(drows.masked_log_softmax_vjp, drows.masked_log_softmax_vjp),
        signature="(n),(n)->(n)",
        inputs=("y", "dy"),
        special="NaN in dy makes the row NaN; y = -inf entries give dy",
        notes="Takes the forward output y, not x. float16/float32 rows are computed in float64.",
    ),
)

GRAD_BY_NAME: dict[str, Derivative] = {d.name: d for d in DERIVATIVES}
GRAD_NAMES: tuple[str, ...] = tuple(GRAD_BY_NAME)
GRADS_OF: dict[str, tuple[Derivative, ...]] = {
    a.name: tuple(d for d in DERIVATIVES if d.of == a.name) for a in ACTIVATIONS
}


def get_grad(name: str) -> Derivative:
    """The derivative ``fastact.grad.<name>``; ``KeyError`` lists the known names."""
    try:
        return GRAD_BY_NAME[name]
    except KeyError:
        raise KeyError(f"fastact.grad has no derivative {name!r}; known: {', '.join(GRAD_NAMES)}") from None


# ------------------------------------------------------------------ the fast tier (fastact.fast)


@dataclass(frozen=True)
class Fast(Activation):
    """``fastact.fast.<name>``: a registry function with faster kernels and a looser claim.

    The same function (formula, parameters, reference, special values) as ``fastact.<name>``;
    only ``kernels`` and ``max_ulp`` (and ``notes``) differ.  Built by ``build.build`` like the
    others.  A function without an entry here is served in ``fastact.fast`` by its exact
    ufunc itself (the same object): its exact kernel is already as fast as the peers'."""

    @property
    def symbol(self) -> str:
        return f"fast_{self.name}"

    @property
    def path(self) -> str:
        return f"fast.{self.name}"

    @property
    def grads(self) -> tuple[Derivative, ...]:
        return ()  # the derivatives are fastact.grad's, of the exact function


FAST_ULP = {"float16": 0.501, "float32": 4.0, "float64": 4.0, "bfloat16": 0.501}  # the tier's ceiling (issue 15)


def _fast(of: str, kernels: dict[str, Kernel], max_ulp: dict[str, float], notes: str) -> Fast:
    """The fast entry of registry function ``of``: its fields, with ``kernels``, ``max_ulp``, ``notes``."""
    from dataclasses import fields

    f = BY_NAME[of]
    return Fast(
        **{
            **{k.name: getattr(f, k.name) for k in fields(Activation)},
            "kernels": kernels,
            "max_ulp": max_ulp,
            "notes": notes,
        }
    )


def _fast_f32(of: str, fn: Any, notes: str) -> Fast:
    """float32, float16 and bfloat16 loops from one float32 kernel (float16 rounds its value once
    more: 0.5 + 4 * 2^-13 ULP at most; bfloat16: 0.5 + 4 * 2^-16), float64 the exact kernel;
    claims from ``activations.fast.BOUNDS``."""
    f = BY_NAME[of]
    kernels = {d: Kernel(fn, "native", "native") for d in ("float16", "float32", BF16)}
    claims = {
        "float16": FAST_ULP["float16"],
        "float32": fast_f32.BOUNDS[fn.__name__],
        "float64": f.max_ulp["float64"],
        BF16: FAST_ULP[BF16],
    }
    return _fast(of, {**kernels, "float64": f.kernels["float64"]}, claims, notes)


# The rest (elu, mish, the piecewise and rational functions, softmax, log_softmax) are served by
# their exact ufuncs: measured at or above PyTorch's one-thread rate already (README, Performance).
FAST: tuple[Fast, ...] = (
    _fast_f32("sigmoid", fast_f32.sigmoid_f32, "N / (1 + e), e = exp(-|x|): one float32 exp, one division."),
    _fast_f32("log_sigmoid", fast_f32.log_sigmoid_f32, "-(max(-x, 0) + log1p(exp(-|x|))) in float32."),
    _fast_f32("tanh", fast_f32.tanh_f32, "-em / (2 + em), em = expm1(-2|x|), with x's sign; x itself below 2^-12."),
    _fast_f32("selu", fast_f32.selu_f32, "scale x or scale alpha expm1(x) in float32 (scale as a float32 pair)."),
    _fast_f32("celu", fast_f32.celu_f32, "alpha expm1(x / alpha) in float32."),
    _fast_f32(
        "softplus", fast_f32.softplus_f32, "max(x, 0) + log1p(exp(-|x|)) in float32, log1p = 2 atanh(e/(2 + e))."
    ),
    _fast_f32("silu", fast_f32.silu_f32, "x N / (1 + e), 2^n applied last so subnormal results round once."),
    _fast_f32("swish", fast_f32.swish_f32, "silu's quotient at t = beta x carried as a float32 pair."),
    _fast_f32(
        "gelu",
        fast_f32.gelu_f32,
        "x Q or x - x Q, Q(a) = exp(-a^2/2) t R(t), t = 1/(1 + 0.3 a), R fitted in tools/fit_fast.py; "
        "a^2/2 and t's rounding carried into exp's argument.",
    ),
    _fast_f32(
        "gelu_tanh", fast_f32.gelu_tanh_f32, f"x sigmoid(T), T = 2 sqrt(2/pi) x (1 + {_A} x^2) as a float32 pair."
    ),
    _fast_f32("gelu_sigmoid", fast_f32.gelu_sigmoid_f32, f"silu's quotient at t = {_K} x carried as a float32 pair."),
)
FAST_BY_NAME: dict[str, Fast] = {f.name: f for f in FAST}


def get_fast(name: str) -> Activation:
    """What ``fastact.fast.<name>`` serves: its ``Fast`` entry, or the exact function's entry
    (``path`` without ``fast.``: the namespace hands out the exact ufunc itself)."""
    return FAST_BY_NAME.get(name) or get(name)


def by_path(path: str) -> Activation:
    """The entry of ``fastact.<path>``: ``gelu``, ``grad.gelu`` or ``fast.gelu``."""
    tier, _, name = path.rpartition(".")
    return {"": get, "grad": get_grad, "fast": get_fast}[tier](name)
