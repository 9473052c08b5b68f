"""Error metrics.

ULP error as JAX's ``docs/accuracy.md`` defines it: for an exact value ``r``,
``ulp(r) = 2^(min(max(floor(log2 |r|), e_min), e_max) - (p - 1))`` and the error is
``|computed - r| / ulp(r)``, fractional (0.5 means correctly rounded).

Policies (stated so results are comparable):
- subnormals: the ulp stops shrinking at the smallest normal exponent, so an
  error in the subnormal range is counted in units of the smallest subnormal;
- overflow: if ``r`` rounds to +-inf in the dtype and the result is that inf, the
  error is 0; an inf where ``r`` is finite and representable is an infinite error;
- NaN: a NaN where the exact value is NaN is error 0, any other NaN mismatch inf.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .formats import get_format


def ulp_of(r: np.ndarray, dtype: Any) -> np.ndarray:
    """JAX's ulp(r) for float64 magnitudes ``r``, in the precision of ``dtype``
    (a NumPy dtype, or a format name from ``analysis.formats``, e.g. ``"bfloat16"``)."""
    f = get_format(dtype)
    p, e_min, e_max = f.p, f.emin, f.emax
    a = np.abs(np.asarray(r, dtype=np.float64))
    if e_min - (p - 1) >= -1022:
        # every ulp is a normal float64: build it from the exponent bits (exact, and 10x faster than frexp)
        field = (a.view(np.uint64) >> np.uint64(52)).astype(np.int64)  # biased exponent; 0 for zero/subnormal
        e = np.clip(field - 1023, e_min, e_max)
        return ((e - (p - 1) + 1023).astype(np.uint64) << np.uint64(52)).view(np.float64)
    _, ex = np.frexp(a)  # a = m * 2^ex with 0.5 <= m < 1, exact (log2 is not, next to powers of two)
    e = np.where(a > 0, ex - 1, e_min)
    e = np.clip(e, e_min, e_max)
    return np.ldexp(1.0, (e - (p - 1)).astype(np.int64))


def ulp_error(computed: np.ndarray, hi: np.ndarray, lo: np.ndarray | None = None, dtype: Any = None) -> np.ndarray:
    """Fractional ULP error of ``computed`` against the exact value ``hi + lo``.

    ``hi``/``lo`` are a double-double (``lo`` may be omitted for float16/bfloat16/float32,
    where float64 is 2^29 times finer than the ulp).
    """
    c = np.asarray(computed)
    dt = get_format(dtype or c.dtype)
    c64 = np.asarray(c, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    big = dt.max + 2.0 ** (dt.emax - dt.p)  # max + half its ulp: rounds to inf
    with np.errstate(invalid="ignore", over="ignore"):
        diff = c64 - hi
        if lo is not None:
            diff -= np.asarray(lo, dtype=np.float64)
        err = np.abs(diff)
        err /= ulp_of(hi, dt)
        # the rules for infinities and NaNs, on the (few) inputs they concern
        special = np.flatnonzero(~np.isfinite(c64) | ~(np.abs(hi) < big))
        if special.size:
            cs = np.broadcast_to(c64, diff.shape).ravel()[special]
            hs = np.broadcast_to(hi, diff.shape).ravel()[special]
            e = err.ravel()[special]
            r_nan, c_nan = np.isnan(hs), np.isnan(cs)
            r_over = np.abs(hs) >= big
            c_inf = np.isinf(cs)
            same_inf = r_over & c_inf & (np.sign(cs) == np.sign(hs))
            e = np.where(same_inf, 0.0, e)
            e = np.where(r_over & ~same_inf, np.inf, e)
            e = np.where(c_inf & ~r_over, np.inf, e)
            e = np.where(r_nan & c_nan, 0.0, e)
            e = np.where(r_nan ^ c_nan, np.inf, e)
            err = np.array(err, dtype=np.float64).ravel()
            err[special] = e
            err = err.reshape(np.shape(diff))
    return err


class ErrorStats:
    """Running summary of one implementation's errors, merged chunk by chunk.

    Measured per input, against the exact value ``hi + lo`` and its correct rounding
    ``cr`` in the format under test:

    - ``max_ulp`` / ``mean_ulp``: fractional ULP error (``ulp_error``); the mean is over
      inputs with a finite error, ``n_inf`` counts the others (wrong inf or NaN);
    - ``worst_x``, ``worst_got``, ``worst_exact``: where ``max_ulp`` occurs (first such input);
    - ``max_ulp_normal``, ``worst_x_normal``: the same over inputs whose exact value is a normal
      number of the format (so an implementation that flushes subnormal results to zero, as
      XLA on CPU does, shows its error elsewhere);
    - ``max_abs`` = max |got - exact| over inputs in ``abs_mask`` (the report passes the
      function's domain, e.g. [-10, 10]: beyond it absolute errors only restate the
      magnitude), and ``max_rel`` = max |got - exact| / |exact| where the exact value is at
      least the format's smallest normal (below, rounding to subnormals or zero is
      relative error by design); both where result and exact value are finite, with their inputs;
    - ``cr_share``: share of inputs whose result equals the correctly rounded value (NaN
      equal to NaN, -0.0 equal to +0.0); ``n_unresolved`` inputs whose exact value lay so
      close to a rounding midpoint that the float64 oracle could not decide, and that were
      not settled with mpmath (0 unless a sweep skipped that step).
    """

    FIELDS = ("n", "n_inf", "sum_ulp", "max_ulp", "worst_x", "worst_got", "worst_exact", "max_abs", "max_abs_x")
    FIELDS += ("max_rel", "max_rel_x", "n_cr", "n_unresolved", "max_ulp_normal", "worst_x_normal")

    def __init__(self) -> None:
        self.n = self.n_inf = self.n_cr = self.n_unresolved = 0
        self.sum_ulp = 0.0
        self.max_ulp = -1.0
        self.worst_x = self.worst_got = self.worst_exact = float("nan")
        self.max_abs = self.max_rel = 0.0
        self.max_abs_x = self.max_rel_x = float("nan")
        self.max_ulp_normal = -1.0
        self.worst_x_normal = float("nan")

    def add(
        self,
        x: np.ndarray,
        got: np.ndarray,
        hi: np.ndarray,
        lo: np.ndarray | None,
        cr: np.ndarray,
        fmt: Any,
        unresolved: int = 0,
        abs_mask: np.ndarray | None = None,
    ) -> np.ndarray:
        """Fold in one chunk (``got`` as values of ``fmt``); returns its per-input ULP errors."""
        x = np.asarray(x).ravel()
        got = np.asarray(got, dtype=np.float64).ravel()
        hi = np.asarray(hi, dtype=np.float64).ravel()
        lo_ = np.zeros_like(hi) if lo is None else np.asarray(lo, dtype=np.float64).ravel()
        err = ulp_error(got, hi, lo_, fmt)
        if err.size == 0:
            return err
        self.n += err.size
        fin = np.isfinite(err)
        self.n_inf += int(err.size - np.count_nonzero(fin))
        self.sum_ulp += float(np.sum(err, where=fin))
        i = int(np.argmax(err))
        if err[i] > self.max_ulp:
            self.max_ulp = float(err[i])
            self.worst_x, self.worst_got, self.worst_exact = float(x[i]), float(got[i]), float(hi[i])
        normal = np.abs(hi) >= 2.0 ** get_format(fmt).emin  # inf included, NaN not
        errn = np.where(normal | np.isnan(hi), err, -1.0)
        i = int(np.argmax(errn))
        if errn[i] > self.max_ulp_normal:
            self.max_ulp_normal, self.worst_x_normal = float(errn[i]), float(x[i])
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            both = np.isfinite(got) & np.isfinite(hi)
            ab = np.where(both, np.abs((got - hi) - lo_), 0.0)
            rel = np.where(both & (np.abs(hi) >= 2.0 ** get_format(fmt).emin), ab / np.abs(hi), 0.0)
            if abs_mask is not None:
                ab = np.where(np.asarray(abs_mask).ravel(), ab, 0.0)
        j = int(np.argmax(ab))
        if ab[j] > self.max_abs:
            self.max_abs, self.max_abs_x = float(ab[j]), float(x[j])
        k = int(np.argmax(rel))
        if rel[k] > self.max_rel:
            self.max_rel, self.max_rel_x = float(rel[k]), float(x[k])
        cr = np.asarray(cr, dtype=np.float64).ravel()
        self.n_cr += int(np.count_nonzero((got == cr) | (np.isnan(got) & np.isnan(cr))))
        self.n_unresolved += int(unresolved)
        return err

    def merge(self, other: ErrorStats) -> None:
        """Fold in another summary (of disjoint inputs)."""
        for f in ("n", "n_inf", "sum_ulp", "n_cr", "n_unresolved"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        if other.max_ulp > self.max_ulp:
            self.max_ulp, self.worst_x = other.max_ulp, other.worst_x
            self.worst_got, self.worst_exact = other.worst_got, other.worst_exact
        if other.max_ulp_normal > self.max_ulp_normal:
            self.max_ulp_normal, self.worst_x_normal = other.max_ulp_normal, other.worst_x_normal
        if other.max_abs > self.max_abs:
            self.max_abs, self.max_abs_x = other.max_abs, other.max_abs_x
        if other.max_rel > self.max_rel:
            self.max_rel, self.max_rel_x = other.max_rel, other.max_rel_x

    def state(self) -> dict[str, Any]:
        """Everything needed to resume (checkpoints)."""
        return {f: getattr(self, f) for f in self.FIELDS}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ErrorStats:
        s = cls()
        for f in cls.FIELDS:
            setattr(s, f, state[f])
        return s

    def summary(self) -> dict[str, Any]:
        """The published numbers (see the class docstring)."""
        finite = self.n - self.n_inf
        return {
            "n": self.n,
            "max_ulp": self.max_ulp if self.n else float("nan"),
            "mean_ulp": self.sum_ulp / finite if finite else float("nan"),
            "n_inf": self.n_inf,
            "worst_x": self.worst_x,
            "worst_got": self.worst_got,
            "worst_exact": self.worst_exact,
            "max_ulp_normal": max(self.max_ulp_normal, 0.0) if self.n else float("nan"),
            "worst_x_normal": self.worst_x_normal,
            "max_abs": self.max_abs,
            "max_abs_x": self.max_abs_x,
            "max_rel": self.max_rel,
            "max_rel_x": self.max_rel_x,
            "cr_share": self.n_cr / self.n if self.n else float("nan"),
            "n_unresolved": self.n_unresolved,
        }
