"""Unit screening (COINr ``Screen``), hand-worked, and its place in the pipeline (before/after imputing).

The COINr golden check of the data summary is in ``test_coinr.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import Methodology, build_index, load_methodology
from indicators.coinr import read_coinr
from indicators.errors import DataError, MethodologyError
from indicators.framework import framework_from_dict
from indicators.screen import SCREENS, data_availability
from tests.conftest import ROOT, shared_path

NAN = float("nan")
IDX = pd.MultiIndex.from_product([["p", "q", "r"], [2020]], names=["district", "year"])
#     x    y    z    w
# p   1    0    0    0   -> 4 present, 3 zeros: availability 1, non-zero 1/4
# q   2    NaN  NaN  5   -> 2 present: availability 0.5, non-zero 1
# r   NaN  NaN  NaN  NaN -> availability 0, non-zero undefined
DF = pd.DataFrame({"x": [1, 2, NAN], "y": [0, NAN, NAN], "z": [0, NAN, NAN], "w": [0, 5, NAN]}, index=IDX)


def test_data_availability_by_hand():
    s = data_availability(DF)
    assert s["n_missing"].tolist() == [0, 2, 4]
    assert s["n_zero"].tolist() == [3, 0, 0]
    assert s["n_missing_or_zero"].tolist() == [3, 2, 4]
    np.testing.assert_allclose(s["data_availability"], [1.0, 0.5, 0.0])
    np.testing.assert_allclose(s["non_zero"], [0.25, 1.0, NAN])


@pytest.mark.parametrize("params, included", [
    ({}, [True, False, False]),                                     # 2/3 availability
    ({"min_coverage": 0.5}, [True, True, False]),
    ({"by": "zeros", "min_non_zero": 0.3}, [False, True, True]),   # NaN non-zero is not "low"
    ({"by": "both", "min_coverage": 0.5, "min_non_zero": 0.3}, [False, True, False]),
    ({"include": ["r"]}, [True, False, True]),
    ({"exclude": ["p"], "min_coverage": 0.0}, [False, True, True]),
])
def test_coverage_rules(params, included):
    m = SCREENS.get("coverage")
    assert m.func(DF, **m.bind(params))["included"].tolist() == included


@pytest.mark.parametrize("params, match", [
    ({"min_coverage": 1.5}, "min_coverage must be a share in"),
    ({"by": "na"}, "by must be one of missing, zeros, both"),
    ({"include": ["p"], "exclude": ["p"]}, "both included and excluded: p"),
    ({"include": ["s"]}, "include: unknown district"),
    ({"stage": "later"}, "stage must be one of before_impute, after_impute"),
])
def test_coverage_errors(params, match):
    m = SCREENS.get("coverage")
    with pytest.raises(MethodologyError, match=match):
        m.func(DF, **m.bind(params))


def tiny_framework():
    return framework_from_dict({
        "id": "s", "version": "1", "name": {"zh": "筛", "en": "Screen"},
        "figures": [{"id": c, "zh": c, "en": c, "kind": "amount"} for c in "xyzw"],
        "nodes": [{"code": "I", "zh": "指数", "en": "Index"}]
        + [{"code": c.upper(), "parent": "I", "weight": 1, "zh": c, "en": c, "direction": "+", "formula": c}
           for c in "xyzw"],
    })


def test_pipeline_drops_screened_rows_and_records_why():
    m = Methodology(name="s").replace(
        normalise="identity", screen={"method": "coverage", "params": {"min_coverage": 0.5}})
    r = build_index(DF, tiny_framework(), m)
    assert list(r.index.index) == [("p", 2020), ("q", 2020)]
    assert r.explain["screen"]["included"].tolist() == [True, True, False]
    assert "r" not in r.districts.index
    assert m.to_dict()["screen"] == {"method": "coverage", "params": {"min_coverage": 0.5}}
    with pytest.raises(DataError, match="excluded every district-year"):
        build_index(DF, tiny_framework(), m.replace(
            screen={"method": "coverage", "params": {"exclude": ["p", "q", "r"]}}))


def test_screen_before_imputation_differs_from_after():
    # before: q (half its data) is dropped and never imputed; after: q's gaps are filled by the
    # year mean first, so it has full coverage and is kept.
    base = Methodology(name="s").replace(normalise="identity", impute="mean")
    before = build_index(DF.iloc[:2], tiny_framework(), base.replace(
        screen={"method": "coverage", "params": {"min_coverage": 0.75}}))
    after = build_index(DF.iloc[:2], tiny_framework(), base.replace(
        screen={"method": "coverage", "params": {"min_coverage": 0.75, "stage": "after_impute"}}))
    assert list(before.index.index) == [("p", 2020)]
    assert list(after.index.index) == [("p", 2020), ("q", 2020)]
    assert after.explain["screen"]["data_availability"].tolist() == [1.0, 1.0]  # measured after imputing


def test_asem_screened_before_imputing_keeps_46_units():
    # COINr's overview vignette screens the raw ASEM data at dat_thresh 0.9 before imputing: 46 units.
    coin = read_coinr(shared_path("data", "coinr-asem", "asem_iData.csv"),
                      shared_path("data", "coinr-asem", "asem_iMeta.csv"))
    m = load_methodology(ROOT / "data" / "methodologies" / "coinr_example.yaml")
    r = coin.build(m.replace(screen={"method": "coverage", "params": {"min_coverage": 0.9}}))
    summary = r.explain["screen"]
    assert int(summary["included"].sum()) == len(r.index) == 46
    # by hand: a unit is dropped when fewer than 90 % of its 49 denominated indicators are present
    avail = 1 - r.explain["screen"]["n_missing"] / 49
    assert ((avail >= 0.9) == summary["included"]).all()


def test_unknown_stage_is_caught_by_validation():
    m = Methodology(name="s").replace(screen={"method": "coverage", "params": {"stage": "midway"}})
    with pytest.raises(MethodologyError, match="screen: stage must be one of before_impute, after_impute"):
        m.validate()
