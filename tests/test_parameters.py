"""Parameters' special values: every parameterised function and derivative in the registry, at
each x in {NaN, -inf, -1, -0.0, +0.0, 1, +inf} with each parameter in {NaN, -inf, -1, -0.0, +0.0,
0.5, +inf}, in every dtype, against the rules the registry documents (its ``special`` texts).

``RULES`` writes each documented rule as a function of (x, parameter): the exact value, zero signs
included, or ``None`` where the value is an ordinary one (finite, nonzero parameter and x), which
is checked against the mpmath reference within the registry's accuracy claim instead.  The rules
themselves are checked against mpmath: where an input is infinite (or celu's alpha is a zero,
where x/alpha is undefined) the rule's value must be the limit of the reference, and where a rule
says NaN without a NaN input the limits in x and in the parameter must disagree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import same_bits

import fastact
import fastact.grad
from fastact.registry import ACTIVATIONS, DERIVATIVES, DTYPES

NAN, INF = math.nan, math.inf
XS = (NAN, -INF, -1.0, -0.0, 0.0, 1.0, INF)
PS = (NAN, -INF, -1.0, -0.0, 0.0, 0.5, INF)

PARAMETERISED = [f for f in (*ACTIVATIONS, *DERIVATIVES) if f.params and not f.is_rowwise]
IDS = [f.path for f in PARAMETERISED]


def _zero(negative: bool) -> float:
    return -0.0 if negative else 0.0


def _neg(v: float) -> bool:
    return math.copysign(1.0, v) < 0


# ------------------------------------------------------------------ the documented rules


def leaky_relu(x, a):
    if x > 0:
        return x
    if (math.isinf(x) and a == 0) or (x == 0 and math.isinf(a)):
        return _zero(_neg(x) != _neg(a))  # 0 * inf: the limit, a zero of the product's sign
    return x * a  # IEEE's product (exact here), signed zeros included


def leaky_relu_dx(x, a):
    return 1.0 if x > 0 else a


def leaky_relu_da(x, a):
    return 0.0 if x > 0 else x


def elu(x, a):
    if x >= 0:
        return x  # +-0 keep their sign for every alpha
    if x == -INF:
        return -a
    if a == 0 or math.isinf(a):
        return -a  # a * expm1(x), expm1(x) < 0: a zero or an infinity of -a's sign
    return None


def elu_dx(x, a):
    if x > 0:
        return 1.0
    if x == 0:
        return a
    if math.isinf(a):
        return NAN if x == -INF else a  # no limit at x = -inf (0 for finite a, +-inf for finite x)
    if x == -INF or a == 0:
        return _zero(_neg(a))  # a e^x with e^x -> 0, or a = +-0
    return None


def elu_da(x, a):
    if x > 0:
        return 0.0
    if x == 0:
        return x  # expm1(+-0) = +-0
    return -1.0 if x == -INF else None


def celu(x, a):
    if x >= 0:
        return x
    if math.isinf(a):
        return x  # a expm1(x/a) -> x
    if a == 0:
        return -INF if _neg(a) else -0.0  # the one-sided limits a -> 0- and a -> 0+
    if x == -INF:
        return -a if a > 0 else -INF
    return None


def celu_dx(x, a):
    if x >= 0:
        return 1.0
    if math.isinf(a):
        return NAN if x == -INF else 1.0  # no limit at x = -inf (0 or inf for finite a, 1 for finite x)
    if a == 0:
        return INF if _neg(a) else 0.0
    if x == -INF:
        return 0.0 if a > 0 else INF
    return None


def celu_da(x, a):
    if x > 0:
        return 0.0
    if x == 0:
        return -0.0
    if math.isinf(a):
        return NAN if x == -INF else -0.0  # no limit at x = -inf (-1 or -inf for finite a, 0 for finite x)
    if a == 0:
        return -INF if _neg(a) else -1.0
    if x == -INF:
        return -1.0 if a > 0 else -INF
    return None


def swish(x, b):
    if x == 0:
        return x
    if b == 0:
        return x / 2
    if math.isinf(x) or math.isinf(b):
        return x if (b > 0) == (x > 0) else _zero(_neg(x))  # sigmoid(b x) -> 1 or 0
    return None


def swish_dx(x, b):
    if x == 0 or b == 0:
        return 0.5  # silu'(0)
    if math.isinf(x) or math.isinf(b):
        return 1.0 if (b > 0) == (x > 0) else -0.0  # silu'(+inf), silu'(-inf)
    return None


def swish_db(x, b):
    if x == 0:
        return 0.0
    if b == 0:
        return x * x / 4
    if math.isinf(x) or math.isinf(b):
        return 0.0  # x^2 e^-|b x| -> 0
    return None


RULES = {
    "leaky_relu": leaky_relu,
    "prelu": leaky_relu,
    "elu": elu,
    "celu": celu,
    "swish": swish,
    "grad.leaky_relu": leaky_relu_dx,
    "grad.leaky_relu_negative_slope": leaky_relu_da,
    "grad.prelu": leaky_relu_dx,
    "grad.prelu_weight": leaky_relu_da,
    "grad.elu": elu_dx,
    "grad.elu_alpha": elu_da,
    "grad.celu": celu_dx,
    "grad.celu_alpha": celu_da,
    "grad.swish": swish_dx,
    "grad.swish_beta": swish_db,
}


def rule(f, x: float, p: float) -> float | None:
    """The documented value at (x, p): NaN in either input gives NaN; else the function's rule."""
    if math.isnan(x) or math.isnan(p):
        return NAN
    return RULES[f.path](x, p)


def ufunc(f) -> np.ufunc:
    return fastact.resolve(f.path)


# ------------------------------------------------------------------ the registry


def test_every_parameterised_function_has_a_rule():
    """A new parameterised function or derivative fails here until its rule is written (and documented)."""
    assert sorted(RULES) == sorted(IDS)
    for f in PARAMETERISED:
        assert len(f.params) == 1, f"{f.path}: the grid covers one parameter"
        assert f.special, f"{f.path}: no documented special values"
        assert "NaN in either input -> NaN" in f.special or f.special.startswith("as "), f.path


# ------------------------------------------------------------------ the kernels follow the rules


def _claim_holds(f, x: np.ndarray, p: np.ndarray, got: np.ndarray, dtype: np.dtype) -> list[str]:
    """Ordinary points: within the registry's claim of the mpmath reference."""
    from fastact.analysis.metrics import ulp_error
    from fastact.analysis.references import hi_lo, mp_values

    hi, lo = hi_lo(mp_values(f, x, p))
    err = ulp_error(got, hi, lo, dtype)
    claim = f.max_ulp[dtype.name] + (2.0**-40 if dtype == np.float64 else 0.0)
    return [
        f"x={x[i]!r} p={p[i]!r}: got {got[i]!r}, exact {hi[i]!r} ({err[i]:.3f} ULP)"
        for i in np.flatnonzero(err > claim)
    ]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("f", PARAMETERISED, ids=IDS)
def test_special_values_follow_the_rules(f, dtype):
    dt = np.dtype(dtype)
    uf = ufunc(f)
    xx, pp = (a.ravel() for a in np.meshgrid(np.array(XS, dt), np.array(PS, dt), indexing="ij"))
    want = [rule(f, float(x), float(p)) for x, p in zip(xx, pp, strict=True)]
    special = np.array([w is not None for w in want])
    expect = np.array([np.nan if w is None else w for w in want], dtype=np.float64).astype(dt)
    with np.errstate(all="ignore"):
        runs = {"elementwise parameter": uf(xx, pp), "strided": uf(xx[::-1], pp[::-1])[::-1]}
        # one scalar parameter per call: the loop's common case, where the special parameter
        # values take their own path under a loop-invariant condition
        per_p = np.empty_like(xx)
        for j in range(len(PS)):
            sl = slice(j, None, len(PS))  # every x with the j-th parameter
            per_p[sl] = uf(xx[sl].copy(), pp[j])
        runs["scalar parameter"] = per_p
    for how, got in runs.items():
        assert got.dtype == dt
        bad = [
            f"x={xx[i]!r} p={pp[i]!r}: got {got[i]!r}, rule {expect[i]!r}"
            for i in np.flatnonzero(special & ~same_bits(got, expect))
        ]
        assert not bad, f"{f.path} {dtype} ({how}): " + "; ".join(bad)
        ordinary = ~special
        # the rules leave only finite x != 0 to the formula (with a finite parameter, or one the
        # value does not depend on: grad.elu_alpha)
        assert np.all(np.abs(xx[ordinary]) == 1)
        bad = _claim_holds(f, xx[ordinary], pp[ordinary], got[ordinary], dt) if ordinary.any() else []
        assert not bad, f"{f.path} {dtype} ({how}): " + "; ".join(bad)


# ------------------------------------------------------------------ the rules are the limits

_BIG, _FAR = 100.0, 1e200  # an infinity taken second (outer), and first (inner)


def _classify(v) -> str:
    """An mpmath value as the class of its limit: +inf, -inf, 0 or the number (6 digits)."""
    if v >= _BIG / 2:
        return "+inf"
    if v <= -_BIG / 2:
        return "-inf"
    if abs(v) <= 0.02:
        return "0"
    return f"{float(v):.6g}"


def _stand_in(v: float, far: bool):
    import mpmath as mp

    if math.isinf(v):
        return mp.mpf(math.copysign(_FAR if far else _BIG, v))
    return mp.mpf(math.copysign(1 / _FAR if far else 1 / _BIG, v))  # a zero taken as a limit


def _reference(f, x, p):
    import mpmath as mp

    with mp.workdps(60):
        return f.reference(mp, x, p)


def _defined_at_zero(f, x: float) -> bool:
    import mpmath as mp

    try:
        _reference(f, mp.mpf(x if math.isfinite(x) else math.copysign(1.0, x)), mp.mpf(0))
    except ZeroDivisionError:
        return False
    return True


def _limit_points():
    for f in PARAMETERISED:
        for x in XS:
            for p in PS:
                if math.isnan(x) or math.isnan(p):
                    continue
                limits = [v for v, is_limit in (("x", math.isinf(x)), ("p", math.isinf(p))) if is_limit]
                if p == 0 and not _defined_at_zero(f, x):
                    limits.append("p")  # x/alpha at alpha = +-0: the one-sided limit
                if limits:
                    yield f, x, p, tuple(limits)


LIMIT_POINTS = list(_limit_points())


@pytest.mark.parametrize("f,x,p,limits", LIMIT_POINTS, ids=[f"{f.path}({x},{p})" for f, x, p, _ in LIMIT_POINTS])
def test_rules_are_the_limits_of_the_reference(f, x, p, limits):
    """Where an input is infinite (or celu's alpha a zero), the rule is the mpmath reference's limit:
    one infinite input is evaluated far out (1e200); with two, both orders are evaluated (the first
    limit far out, the second at 100) and must agree with the rule, or, where the rule says NaN,
    disagree with each other."""
    import mpmath as mp

    want = rule(f, x, p)
    if want is None:  # a value the parameter does not change (grad.elu_alpha): the reference's own
        assert math.isfinite(x), (f.path, x, p)
        want = float(_reference(f, mp.mpf(x), mp.mpf(p)))
    exact = {"x": mp.mpf(x) if math.isfinite(x) else None, "p": mp.mpf(p) if "p" not in limits else None}
    orders = [limits] if len(limits) == 1 else [("x", "p"), ("p", "x")]
    got = []
    for first, *_ in orders:
        args = {"x": x, "p": p}
        vals = {k: exact[k] if k not in limits else _stand_in(args[k], far=(k == first)) for k in args}
        got.append(_reference(f, vals["x"], vals["p"]))
    classes = [_classify(v) for v in got]
    if math.isnan(want):
        assert len(classes) == 2 and classes[0] != classes[1], (f.path, x, p, classes)
        return
    expect = "+inf" if want == INF else "-inf" if want == -INF else "0" if want == 0 else f"{want:.6g}"
    assert classes == [expect] * len(classes), (f.path, x, p, want, classes)
    if want == 0 and x != 0 and p != 0:
        # the zero's sign: that of the values approaching it
        for v in got:
            assert v == 0 or (v < 0) == _neg(want), (f.path, x, p, want, v)
