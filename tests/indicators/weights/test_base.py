"""Weighters: expert points, equal weights, overrides, and rescaling within each parent."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.errors import MethodologyError
from indicators.testing import toy_framework
from indicators.weights import WEIGHTERS, equal, expert, normalise_within_parents

FW = toy_framework()
ALL = set(FW.nodes) - {FW.root}


def test_registry():
    assert {"equal", "expert"} <= set(WEIGHTERS)


def test_expert_points():
    raw = expert(FW, pd.DataFrame())
    assert raw.to_dict() == {"A": 60, "A1": 2, "A2": 1, "B": 40, "B1": 1, "B2": 1, "B3": 2}


def test_expert_within_parents():
    # A1 2/(2+1), A2 1/3, B1 1/(1+1+2) = 0.25, B2 0.25, B3 0.5, A 60/100, B 0.4
    w = normalise_within_parents(FW, expert(FW, pd.DataFrame()), ALL)
    assert w.to_dict() == pytest.approx(
        {"A1": 2 / 3, "A2": 1 / 3, "B1": 0.25, "B2": 0.25, "B3": 0.5, "A": 0.6, "B": 0.4}
    )


def test_expert_overrides():
    raw = expert(FW, pd.DataFrame(), overrides={"A": 50, "B": 50, "B3": 1})
    w = normalise_within_parents(FW, raw, ALL)
    # A, B -> 0.5 each; B's children 1, 1, 1 -> 1/3 each
    assert w["A"] == 0.5 and w["B"] == 0.5
    assert w[["B1", "B2", "B3"]].tolist() == pytest.approx([1 / 3] * 3)
    assert expert(FW, pd.DataFrame())["B3"] == 2  # the framework is untouched


@pytest.mark.parametrize("code", ["C", "T"])  # an unknown node; the root has no weight
def test_expert_override_of_an_unknown_node_raises(code):
    with pytest.raises(MethodologyError, match=f"weights.overrides: '{code}' is not a node of toy"):
        expert(FW, pd.DataFrame(), overrides={code: 10})


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_expert_override_must_be_non_negative_and_finite(value):
    with pytest.raises(MethodologyError, match="overrides: A must be a non-negative number"):
        expert(FW, pd.DataFrame(), overrides={"A": value})


def test_equal():
    w = normalise_within_parents(FW, equal(FW, pd.DataFrame()), ALL)
    # A: 2 children -> 1/2 ; B: 3 children -> 1/3 ; T: 2 dimensions -> 1/2
    assert w.to_dict() == pytest.approx(
        {"A1": 0.5, "A2": 0.5, "B1": 1 / 3, "B2": 1 / 3, "B3": 1 / 3, "A": 0.5, "B": 0.5}
    )


def test_rescaled_over_active_children_only():
    # without A2, A1 carries all of A
    w = normalise_within_parents(FW, expert(FW, pd.DataFrame()), ALL - {"A2"})
    assert "A2" not in w.index
    assert w["A1"] == 1.0


def test_zero_total_weight_raises():
    # Bug fixed: overrides that zero every child of A used to give A a silent NaN score and an
    # index made of B alone; the framework forbids it, so the override must not bring it back.
    raw = expert(FW, pd.DataFrame(), overrides={"A1": 0, "A2": 0})
    with pytest.raises(MethodologyError, match=r"A: children A1, A2 have total weight 0"):
        normalise_within_parents(FW, raw, ALL)
    # excluding the only weighted child leaves the others at 0: same error
    raw = expert(FW, pd.DataFrame(), overrides={"A2": 0})
    with pytest.raises(MethodologyError, match=r"A: children A2 have total weight 0"):
        normalise_within_parents(FW, raw, ALL - {"A1"})


def test_weights_sum_to_one_in_every_parent_of_the_district_framework():
    from indicators.framework import load_framework

    from ..test_framework import DISTRICT

    fw = load_framework(DISTRICT)
    for weigher in (expert, equal):
        w = normalise_within_parents(fw, weigher(fw, pd.DataFrame()), set(fw.nodes) - {fw.root})
        for parent in fw.aggregates:
            assert w[list(fw.children(parent))].sum() == pytest.approx(1.0, abs=1e-15)
