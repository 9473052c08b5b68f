"""The source document's float16 worked example, x = [-2, -1, 0, 2, 3, 5], re-checked.

For each printed row: the printed values, the correctly rounded float16 values of
the exact function (mpmath), fastact's values, and the document's own formula
evaluated in float16 NumPy arithmetic (every operation rounded to float16), which
is how the document computed.  A printed entry is "off" when it is not the
correctly rounded value; the reason column says whether the float16 step-by-step
formula reproduces it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastact.registry import get

from .peers import document_formula
from .references import correctly_rounded, mp_rows, round_exact

X = np.array([-2, -1, 0, 2, 3, 5], dtype=np.float16)

# as printed in the source document (SPEC.md, section 3)
PRINTED: dict[str, list[float]] = {
    "relu": [0, 0, 0, 2, 3, 5],
    "leaky_relu": [-0.4, -0.2, 0, 2, 3, 5],
    "gelu_tanh": [-0.0454, -0.1589, 0, 1.955, 2.996, 5.0],
    "tanh": [-0.964, -0.7617, 0, 0.964, 0.995, 1.0],
    "sigmoid": [0.1192, 0.2688, 0.5, 0.8804, 0.9526, 0.993],
    "softmax": [7.625e-04, 2.073e-03, 5.634e-03, 4.163e-02, 1.132e-01, 8.364e-01],
}
PARAMS = {"leaky_relu": (0.2,)}  # the document's TF slope


def table(names: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per function (of ``names``, default all printed): printed, correctly rounded, fastact,
    float16 formula, off indices, reason."""
    import fastact

    rows = []
    for name, printed in PRINTED.items():
        if names is not None and name not in names:
            continue
        act = get(name)
        ps = tuple(np.float16(p) for p in PARAMS.get(name, ()))
        if act.is_rowwise:
            cr = round_exact(mp_rows(act, X[None, :].astype(np.float64))[0], np.float16)
        else:
            cr = correctly_rounded(act, X, *ps)
        ours = getattr(fastact, name)(X, *ps)
        step = np.asarray(document_formula(name)(X, ps), dtype=np.float16)
        pr = np.array(printed, dtype=np.float16)
        off = [int(i) for i in np.flatnonzero(pr != cr)]
        if not off:
            reason = "all printed values are the correctly rounded float16 values"
        elif all(step[i] == pr[i] for i in off):
            reason = (
                "the document's formula in float16 arithmetic (a rounding after every operation) gives "
                "exactly the printed values; one rounding of the exact value gives the correct ones"
            )
        else:
            reason = (
                "not reproduced by the document's formula in float16 arithmetic either "
                f"(that gives {', '.join(_fmt(step[i]) for i in off)}): another evaluation order or float32 "
                "intermediates"
            )
        rows.append(
            {
                "function": name,
                "params": [float(p) for p in ps],
                "printed": [float(v) for v in pr],
                "printed_text": [f"{v:g}" for v in printed],  # as the document printed them
                "correctly_rounded": [float(v) for v in cr],
                "fastact": [float(v) for v in ours],
                "float16_formula": [float(v) for v in step],
                "off": off,
                "reason": reason,
            }
        )
    return rows


def _fmt(v: Any) -> str:
    return repr(float(np.float16(v))) if np.float16(v) == 0 else str(np.float16(v))
