"""The peer table (benchmarks.peer_table) is what the bench times and the report measures."""

from __future__ import annotations

import numpy as np
import pytest

from fastact.benchmarks.peer_table import DOC, LIBS, TABLE, entries
from fastact.registry import NAMES, get


def test_every_entry_names_a_function_and_a_library():
    for name, found in TABLE.items():
        assert name in NAMES, name
        for e in found:
            assert e.lib in LIBS, (name, e)
            assert (e.out_label is None) == (e.call_out is None), (name, e.label)
            assert e.out_label is None or "out=" in e.out_label, (name, e.out_label)
            assert e.bench or e.report, (name, e.label)


def test_the_bench_times_the_tables_entries():
    from fastact.benchmarks.peers import Libraries

    libs = Libraries(["numpy", "scipy"], 1)
    for name in TABLE:
        peers, _ = libs.peers(name, "float32")
        want = [e.out_label or e.label for lib in ("numpy", "scipy") for e in entries(name, lib, use="bench")]
        assert [p.impl for p in peers] == want, name


def test_the_report_measures_the_tables_entries():
    from fastact.analysis.peers import numpy_peers

    for name in TABLE:
        peers = numpy_peers(get(name))
        doc = [e.label for e in entries(name, "numpy", use="report") if e.tag == DOC]
        assert [p.label for p in peers if p.library == "NumPy (document formula)"] == doc, name
        assert [p.label for p in peers if p.library == "SciPy"] == [
            e.label for e in entries(name, "scipy", use="report")
        ]


def test_document_formulas_show_the_documents_literals():
    (gelu_tanh,) = entries("gelu_tanh", "numpy")
    assert gelu_tanh.tag == DOC and "0.7978845608 * (x + 0.044715 * x**3)" in gelu_tanh.label
    assert [e.bench for e in entries("softmax", "numpy")] == [False, True]  # naive: measured, not timed


@pytest.mark.parametrize("lib", ["numpy", "scipy"])
def test_allocating_and_out_calls_agree(lib):
    mod = pytest.importorskip("scipy.special") if lib == "scipy" else np
    for name, found in TABLE.items():
        act = get(name)
        ps = tuple(np.float32(v[0]) for v in act.examples.values())
        x = np.linspace(-6, 6, 24, dtype=np.float32).reshape((2, 12) if act.is_rowwise else (24,))
        for e in found:
            if e.lib != lib or e.call_out is None:
                continue
            y = np.empty_like(x)
            e.call_out(mod, x, ps, y)
            np.testing.assert_array_equal(y, e.call(mod, x, ps), err_msg=f"{name}: {e.label}")
