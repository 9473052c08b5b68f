"""Fit the polynomial coefficients used by fastact's math kernels.

Run ``python tools/fit_coefficients.py`` to regenerate
``fastact/kernels/coefficients.py``; ``--check`` refits and compares with the committed
module instead (``--only EXP_R34,...`` for a subset; ``tests/test_coefficients.py`` runs
a quick one).  Each polynomial is a near-minimax fit of
the *relative* error (Lawson's iteratively reweighted least squares on a dense
Chebyshev grid, reference values from mpmath at 60 digits), with the leading
coefficients pinned where the kernel needs them exact (e.g. exp(r) = 1 + r + ...).
Coefficients are rounded to the kernel's working precision and the achieved
maximum relative error is measured again after rounding and printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mpmath as mp
import numpy as np

mp.mp.dps = 60
OUT = Path(__file__).resolve().parent.parent / "fastact" / "kernels" / "coefficients.py"


@dataclass
class Fit:
    name: str
    func: Callable[[mp.mpf], mp.mpf]  # function the polynomial approximates
    lo: float
    hi: float
    powers: list[int]  # free powers of the polynomial in the reduced variable
    fixed: dict[int, float]  # power -> exact coefficient
    dtype: str  # "float32" or "float64"
    doc: str
    taylor: bool = False  # use the Taylor coefficients 2/k (atanh) instead of fitting


def _grid(lo: float, hi: float, n: int = 6000) -> np.ndarray:
    k = np.arange(n)
    x = np.cos(np.pi * (k + 0.5) / n)[::-1]
    return lo + (hi - lo) * (x + 1) / 2


def lawson(fit: Fit, iters: int = 40) -> tuple[np.ndarray, float]:
    """Near-minimax relative-error fit.

    Lawson's reweighting finds the equioscillating weights; the residual is then
    recomputed in mpmath and the fit corrected against it, so the coefficients are
    not limited by float64 rounding of the residual (it matters for float64 kernels).
    """
    x = _grid(fit.lo, fit.hi)
    xm = [mp.mpf(float(t)) for t in x]
    fm = [fit.func(t) for t in xm]
    f = np.array([float(v) for v in fm])
    a = np.stack([x**p for p in fit.powers], axis=1) / f[:, None]

    def residual(coef: np.ndarray) -> np.ndarray:
        cs = dict(fit.fixed)
        for p, c in zip(fit.powers, coef, strict=True):
            cs[p] = cs.get(p, 0.0) + float(c)
        return np.array(
            [float((fv - sum(mp.mpf(c) * t**p for p, c in cs.items())) / fv) for t, fv in zip(xm, fm, strict=True)]
        )

    coef = np.zeros(len(fit.powers))
    w = np.full(len(x), 1.0 / len(x))
    for _ in range(3):  # each round fits the remaining (mpmath-exact) residual
        b = residual(coef)
        for _ in range(iters):
            sw = np.sqrt(w)
            delta = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)[0]
            err = np.abs(a @ delta - b)
            w = w * err
            w /= w.sum()
        coef = coef + delta
    return coef, float(np.max(np.abs(residual(coef))))


def rounded_error(fit: Fit, coef: np.ndarray) -> float:
    """Max relative error with coefficients rounded to the working type, vs mpmath."""
    t = np.float32 if fit.dtype == "float32" else np.float64
    cs = {p: float(t(c)) for p, c in zip(fit.powers, coef, strict=True)}
    cs.update(fit.fixed)
    worst = mp.mpf(0)
    for xv in _grid(fit.lo, fit.hi, 2000):
        xm = mp.mpf(float(xv))
        pv = sum(mp.mpf(c) * xm**p for p, c in cs.items())
        ref = fit.func(xm)
        worst = max(worst, abs(pv / ref - 1))
    return float(worst)


LN2 = float(mp.log(2))

ERFCX_K = 3.75  # t = (z - K) / (z + K) maps z in [0, inf) onto [-1, 1)


def _erfcx_y(t: mp.mpf) -> mp.mpf:
    """(1 + 2z) exp(z^2) erfc(z) as a function of t: smooth on [-1, 1] (Shepherd & Laframboise)."""
    z = ERFCX_K * (1 + t) / (1 - t)
    return (1 + 2 * z) * mp.exp(z * z) * mp.erfc(z)


GELU_K = 5.3  # t = (a - K) / (a + K), a = |x|, maps a in [0, GELU_A_MAX] onto [-1, 0.766]
GELU_A_MAX = 40.0  # beyond, float64 GELU is x or -0.0


def _gelu_y(t: mp.mpf) -> mp.mpf:
    """(1 + a) exp(a^2/2) erfc(a/sqrt2), a = K (1 + t)/(1 - t): the normal tail in x's own units.

    No sqrt(2) scaling of the argument to round, one shared divisor, and 1 + a keeps the
    function within [0.8, 1] (the leading coefficient dominates, so Horner rounds well).
    """
    a = GELU_K * (1 + t) / (1 - t)
    return (1 + a) * mp.exp(a * a / 2) * mp.erfc(a / mp.sqrt(2))


def _exp_fit(name: str, deg: int, dtype: str) -> Fit:
    return Fit(
        name,
        lambda r: mp.exp(r),
        -LN2 / 2,
        LN2 / 2,
        list(range(2, deg + 1)),
        {0: 1.0, 1: 1.0},
        dtype,
        f"exp(r) on [-ln2/2, ln2/2] = 1 + r + sum c_k r^k, k = 2..{deg}",
    )


def _expm1_fit(name: str, deg: int) -> Fit:
    return Fit(
        name,
        lambda r: mp.expm1(r),
        -LN2 / 2,
        LN2 / 2,
        list(range(3, deg + 1)),
        {1: 1.0, 2: 0.5},
        "float64",
        f"expm1(r) on [-ln2/2, ln2/2] = r + r^2/2 + sum c_k r^k, k = 3..{deg}",
    )


_ZMAX = float((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1))


def _log_fit(name: str, deg: int) -> Fit:
    """Taylor coefficients 2/k of 2 atanh(z) (``taylor=True``): exact, and at |z| <= 0.1716
    the truncation error is below the minimax fit's float64 noise."""
    return Fit(
        name,
        lambda z: 2 * mp.atanh(z),
        -_ZMAX,
        _ZMAX,
        list(range(3, deg + 1, 2)),
        {1: 2.0},
        "float64",
        f"log(f) = 2 atanh(z), z = (f-1)/(f+1) in [-{_ZMAX:.4f}, {_ZMAX:.4f}]: 2z + sum 2/k z^k, odd k = 3..{deg}",
        taylor=True,
    )


def _erfcx_fit(name: str, deg: int, hi: float = 0.9999) -> Fit:
    return Fit(
        name,
        _erfcx_y,
        -1.0,
        hi,
        list(range(0, deg + 1)),
        {},
        "float64",
        f"(1 + 2z) exp(z^2) erfc(z) = sum c_k t^k, t = (z - {ERFCX_K})/(z + {ERFCX_K}), k = 0..{deg}",
    )


# A fit's suffix names its kernel's promise: "_F64" kernels serve float64 results (~1 ulp),
# "_F32"/"_DF32" compute in float32; "_R<k>" kernels compute in float64 for float32/float16
# results and hold their relative error below 2^-k (the kernels' BOUNDS tables), far below
# a float32 ulp (2^-24).
FITS = [
    _exp_fit("EXP_F32", 6, "float32"),
    _exp_fit("EXP_DF32", 7, "float32"),  # exp_parts_f32: a float32 pair good to ~2^-30
    _exp_fit("EXP_F64", 12, "float64"),
    _exp_fit("EXP_R39", 8, "float64"),
    _expm1_fit("EXPM1_F64", 12),
    _expm1_fit("EXPM1_R36", 8),
    _log_fit("LOG_F64", 21),
    _log_fit("LOG1P_R39", 13),
    _erfcx_fit("ERFCX_F64", 24),
    Fit(
        "GELU_Y_F64",
        _gelu_y,
        -1.0,
        (GELU_A_MAX - GELU_K) / (GELU_A_MAX + GELU_K),
        list(range(25)),
        {},
        "float64",
        f"(1 + a) exp(a^2/2) erfc(a/sqrt2) = sum c_k t^k, t = (a - {GELU_K})/(a + {GELU_K}), "
        f"a <= {GELU_A_MAX}, k = 0..24",
    ),
    # the float32/float16 GELU's short polynomials (2^-30 relative in all); ERFCX_R30
    # covers z <= 10.4 (t <= 0.47): beyond, float32 GELU is x or -0
    _exp_fit("EXP_R34", 7, "float64"),
    _erfcx_fit("ERFCX_R30", 11, hi=0.47),
]


def coefficient_block(fit: Fit, coef: np.ndarray, err: float, var: str = "r") -> list[str]:
    """The generated lines of one fit: its doc, error, and the coefficients in ``fit.dtype``."""
    t = "np.float32" if fit.dtype == "float32" else "np.float64"
    lines = [f"# {fit.doc}", f"# max relative error after rounding: {err:.3e}"]
    lines.append(f"{fit.name} = (")
    for p, c in zip(fit.powers, coef, strict=True):
        v = float(np.float32(c)) if fit.dtype == "float32" else float(c)
        lines.append(f"    {t}({v!r}),  # {var}^{p}")
    return [*lines, ")", ""]


def module_header(title: list[str], script: str) -> list[str]:
    """The generated module's docstring (``title`` lines, then the do-not-edit line) and import."""
    return [
        '"""' + title[0],
        *title[1:],
        "",
        f"GENERATED by tools/{script} -- do not edit by hand; rerun the script.",
        '"""',
        "",
        "import numpy as np",
        "",
    ]


def render(results: list[tuple[Fit, np.ndarray, float]]) -> str:
    lines = module_header(["Polynomial coefficients for fastact's math kernels."], "fit_coefficients.py")
    lines.append(f"ERFCX_K = {ERFCX_K!r}")
    lines.append(f"GELU_K = {GELU_K!r}")
    lines.append(f"GELU_A_MAX = {GELU_A_MAX!r}")
    lines.append("")
    for fit, coef, err in results:
        lines += coefficient_block(fit, coef, err)
    return "\n".join(lines)


def check(results: list[tuple[Fit, np.ndarray, float]], strict: bool, out: Path | None = None) -> list[str]:
    """Compare fresh fits with the committed module ``out`` (``coefficients.py`` by default);
    returns the problems found.

    Identical coefficients pass.  A last-bits difference (the least-squares solves round
    differently with another BLAS) passes unless ``strict``, when the refit's error after
    rounding is no worse than the committed polynomial's; anything larger is a problem.
    """
    from importlib import util

    spec = util.spec_from_file_location("committed_coefficients", out or OUT)
    committed = util.module_from_spec(spec)
    spec.loader.exec_module(committed)
    problems = []
    for fit, coef, err in results:
        cast = np.float32 if fit.dtype == "float32" else np.float64
        fresh = np.array([cast(c) for c in coef], dtype=np.float64)
        old = np.array(getattr(committed, fit.name, ()), dtype=np.float64)
        if old.shape != fresh.shape:
            problems.append(f"{fit.name}: {old.size} committed coefficients, the fit has {fresh.size}")
            continue
        if np.array_equal(old, fresh):
            print(f"{fit.name}: identical")
            continue
        rel = float(np.max(np.abs(old - fresh) / np.maximum(np.abs(old), 1e-300)))
        old_err = rounded_error(fit, old)
        print(f"{fit.name}: differs by up to {rel:.1e} relative; error {old_err:.3e} committed, {err:.3e} refit")
        if strict or rel > 1e-6 or old_err > 1.01 * err:
            problems.append(f"{fit.name}: committed coefficients are not what the script fits (max rel diff {rel:.1e})")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--print", action="store_true", help="only print the fits, do not write")
    ap.add_argument("--check", action="store_true", help="refit, compare with coefficients.py; exit 1 if it differs")
    ap.add_argument("--strict", action="store_true", help="with --check: require identical coefficients")
    ap.add_argument("--only", default="", help="comma-separated fit names (with --check or --print)")
    args = ap.parse_args()
    only = {n for n in args.only.split(",") if n}
    unknown = only - {f.name for f in FITS}
    if unknown:
        ap.error(f"unknown fit(s) {', '.join(sorted(unknown))}; known: {', '.join(f.name for f in FITS)}")
    if only and not (args.check or args.print):
        ap.error("--only needs --check or --print (writing needs every fit)")
    results = []
    for fit in FITS:
        if only and fit.name not in only:
            continue
        coef = np.array([2.0 / p for p in fit.powers]) if fit.taylor else lawson(fit)[0]
        err = rounded_error(fit, coef)
        print(f"{fit.name}: degree {max(fit.powers)}, max rel error {err:.3e}")
        results.append((fit, coef, err))
    if args.check:
        problems = check(results, args.strict)
        for p in problems:
            print(f"MISMATCH {p}")
        raise SystemExit(1 if problems else 0)
    if not args.print:
        OUT.write_text(render(results))
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
