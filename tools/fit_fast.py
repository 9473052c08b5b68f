"""Fit the polynomial coefficients of fastact's fast float32 kernels (``fastact.fast``).

Run ``python tools/fit_fast.py`` to regenerate ``fastact/kernels/coefficients_fast.py``
(``--check`` refits and compares with it instead, as ``fit_coefficients.py --check``).
The fitting machinery (Lawson's near-minimax relative-error fit against mpmath, the
coefficients rounded to float32 and the error measured again) is
``tools/fit_coefficients.py``'s; this script only declares the fast kernels' fits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mpmath as mp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_coefficients import LN2, Fit, check, coefficient_block, lawson, module_header, rounded_error

OUT = Path(__file__).resolve().parent.parent / "fastact" / "kernels" / "coefficients_fast.py"

# GELU's tail: Q(a) = Phi(-a) = exp(-a^2/2) * t * R(t), t = 1 / (1 + K a), a = |x| <= A_MAX
# (K = 0.3 after trying 0.3-2: the lowest degree for ~2^-28 after rounding)
GELU_K = 0.3
GELU_A_MAX = 14.5  # float32 x Phi(x) rounds to -0.0 below about -14.1; for x > 5.6 it is x


def _gelu_r(t: mp.mpf) -> mp.mpf:
    a = (1 / t - 1) / GELU_K
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2) / t


FITS = [
    Fit(
        "EXP",
        lambda r: mp.exp(r),
        -LN2 / 2,
        LN2 / 2,
        [2, 3, 4, 5, 6],
        {0: 1.0, 1: 1.0},
        "float32",
        "exp(r) on [-ln2/2, ln2/2] = 1 + r + sum c_k r^k, k = 2..6",
    ),
    Fit(
        "LOG1P",
        lambda z: 2 * mp.atanh(z),
        0.0,
        1.0 / 3.0,
        [3, 5, 7, 9, 11],
        {1: 2.0},
        "float32",
        "log1p(u) = 2 atanh(z), z = u/(2 + u) in [0, 1/3]: 2z + sum c_k z^k, odd k = 3..11",
    ),
    Fit(
        "GELU_R",
        _gelu_r,
        1.0 / (1.0 + GELU_K * GELU_A_MAX),
        1.0,
        list(range(10)),
        {},
        "float32",
        f"Phi(-a) exp(a^2/2) / t = sum c_k t^k, t = 1/(1 + {GELU_K} a), a in [0, {GELU_A_MAX}], k = 0..9",
    ),
]
# fitted one coefficient at a time from the lowest power up, each rounded to float32 and the
# others refitted around it (the constant term's rounding alone would cost 2^-25 otherwise)
SEQUENTIAL = {"GELU_R"}


def fit_rounded(fit: Fit) -> np.ndarray:
    """Coefficients rounded to float32 one at a time, the rest refitted after each rounding."""
    fixed: dict[int, float] = {}
    for p in fit.powers:
        rest = [q for q in fit.powers if q not in fixed]
        coef = lawson(Fit(fit.name, fit.func, fit.lo, fit.hi, rest, dict(fixed), fit.dtype, fit.doc), iters=30)[0]
        fixed[p] = float(np.float32(coef[0]))
    return np.array([fixed[p] for p in fit.powers])


def gelu_g() -> np.ndarray:
    """G(t) = t F'(t) / F(t), F = t R(t): how a relative error of the computed t passes into Q
    (gelu_f32 corrects t's rounding with it); a quadratic least-squares fit, 1% is ample."""
    t = np.linspace(1.0 / (1.0 + GELU_K * GELU_A_MAX), 1.0, 41)

    def f(v: mp.mpf) -> mp.mpf:
        a = (1 / v - 1) / GELU_K
        return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2)

    g = [float(mp.mpf(v) * mp.diff(f, mp.mpf(v)) / f(mp.mpf(v))) for v in t]
    c = np.polynomial.polynomial.polyfit(t, g, 2)
    print(f"GELU_G: max abs error {np.max(np.abs(np.polynomial.polynomial.polyval(t, c) - g)):.3e}")
    return c


def render(results: list[tuple[Fit, np.ndarray, float]]) -> str:
    title = [
        "Polynomial coefficients for fastact's fast float32 kernels (``kernels/fast_f32.py``,",
        "``activations/fast.py``).",
    ]
    lines = [
        *module_header(title, "fit_fast.py"),
        f"GELU_K = {GELU_K!r}",
        f"GELU_A_MAX = {GELU_A_MAX!r}",
        "",
    ]
    g = gelu_g()
    lines.append("# G(t) = t F'(t)/F(t), F = t GELU_R(t): t's rounding error times G passes into Q (quadratic fit)")
    lines.append(f"GELU_G = ({', '.join(f'np.float32({float(np.float32(v))!r})' for v in g)})")
    lines.append("")
    for fit, coef, err in results:
        lines += coefficient_block(fit, coef, err, var="")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--print", action="store_true", help="only print the fits, do not write")
    ap.add_argument("--check", action="store_true", help="refit, compare with the module; exit 1 if it differs")
    ap.add_argument("--strict", action="store_true", help="with --check: require identical coefficients")
    args = ap.parse_args()
    results = []
    for fit in FITS:
        coef = fit_rounded(fit) if fit.name in SEQUENTIAL else lawson(fit)[0]
        err = rounded_error(fit, coef)
        print(f"{fit.name}: degree {max(fit.powers)}, max rel error {err:.3e} ({err / 2**-24:.3f} x 2^-24)")
        results.append((fit, coef, err))
    if args.check:  # the same comparison as fit_coefficients.py --check, against this script's module
        problems = check(results, args.strict, OUT)
        for p in problems:
            print(f"MISMATCH {p}")
        raise SystemExit(1 if problems else 0)
    if not args.print:
        OUT.write_text(render(results))
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
