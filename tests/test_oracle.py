"""The float64 oracles used for million-point sweeps agree with mpmath."""

from __future__ import annotations

import pytest
from conftest import ELEMENTWISE

from fastact.analysis.oracle import validate


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
def test_oracle_matches_mpmath(act):
    """Max oracle error, in float32 ULP, over random, domain and knee inputs: far below 1."""
    for params, err in validate(act, n=1500).items():
        assert err < 1e-3, f"{act.name}{params}: oracle off by {err:.2e} float32 ULP"
