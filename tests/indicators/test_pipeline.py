"""``build_index`` end to end: hand-checked indices, ranks, grades, weights, contributions,
coverage, missing data, methodology variants, and property tests."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import build_index
from indicators.errors import DataError, MethodologyError
from indicators.framework import load_framework
from indicators.methodology import GradeBand, Methodology, load_methodology
from indicators.testing import (
    TOY_BOUNDS,
    toy_figures,
    toy_framework,
    toy_framework_dict,
    toy_methodology,
    toy_result,
)

from .test_framework import DISTRICT

ROOT = Path(__file__).resolve().parents[2]
FW = toy_framework()
PROPS = settings(max_examples=10, deadline=None, derandomize=True)

# Two toy districts, every indicator computed by hand (toy_methodology: goalposts, B1 on [0, 20]).
P = dict(population=100_000, received=200, closed=180, concluded=100, lost=5, events=150,
         satisfaction=0.92, takers=200, passed=190)
# P: A1 = 180/200 = 0.9 on [0.5, 1]  -> (0.9 - 0.5) / 0.5       = 80
#    A2 = 5/100 = 0.05 on [0, 0.5], - -> 1 - 0.05 / 0.5         = 90
#    B1 = 150 / 100,000 * 1e4 = 15 on [0, 20] -> 15 / 20        = 75
#    B2 = 0.92 on [0.6, 1]            -> 0.32 / 0.4             = 80
#    B3 = 190/200 = 0.95 on [0, 1]    -> 95
#    A = (2*80 + 1*90) / 3 = 250/3 = 83.333 ; B = (75 + 80 + 2*95) / 4 = 345/4 = 86.25
#    T = 0.6 * 250/3 + 0.4 * 86.25 = 50 + 34.5 = 84.5
Q = dict(population=200_000, received=100, closed=60, concluded=50, lost=20, events=40,
         satisfaction=0.7, takers=100, passed=100)
# Q: A1 = 0.6 -> 20 ; A2 = 0.4 -> 1 - 0.8 = 20 ; B1 = 40/200,000*1e4 = 2 -> 10 ; B2 = 0.1/0.4 = 25
#    B3 = 1.0 -> 100 ; A = (40 + 20) / 3 = 20 ; B = (10 + 25 + 200) / 4 = 58.75
#    T = 0.6 * 20 + 0.4 * 58.75 = 12 + 23.5 = 35.5
P_SCORES = {"A1": 80, "A2": 90, "B1": 75, "B2": 80, "B3": 95, "A": 250 / 3, "B": 86.25, "T": 84.5}
Q_SCORES = {"A1": 20, "A2": 20, "B1": 10, "B2": 25, "B3": 100, "A": 20, "B": 58.75, "T": 35.5}


def frame(rows: dict[tuple[str, int] | str, dict], framework=FW) -> pd.DataFrame:
    """A wide figures frame from {district or (district, year): {figure: value}}."""
    keys = [k if isinstance(k, tuple) else (k, 2021) for k in rows]
    idx = pd.MultiIndex.from_tuples(keys, names=["district", "year"])
    cols = list(framework.figures)
    return pd.DataFrame([{c: float(r.get(c, np.nan)) for c in cols} for r in rows.values()],
                        index=idx, dtype=float)


def build(rows, methodology=None, framework=FW):
    return build_index(frame(rows, framework), framework, methodology or toy_methodology())


def scores_of(result, district: str, year: int = 2021) -> dict[str, float]:
    return result.node_scores().loc[(district, year)].to_dict()


# -- the index by hand -----------------------------------------------------------------------------
def test_toy_index_by_hand():
    r = build({"P": P, "Q": Q})
    assert scores_of(r, "P") == pytest.approx(P_SCORES, rel=1e-12)
    assert scores_of(r, "Q") == pytest.approx(Q_SCORES, rel=1e-12)
    assert r.index.name == "index"
    assert r.index.tolist() == pytest.approx([84.5, 35.5], rel=1e-12)
    assert r.ranks.tolist() == [1, 2]
    assert r.grades["zh"].tolist() == ["良好", "不合格"]
    assert r.grades["en"].tolist() == ["Good", "Fail"]
    assert r.indicators.loc[("P", 2021)].tolist() == pytest.approx([0.9, 0.05, 15, 0.92, 0.95])
    assert (r.indicator_source == "counts").all().all()


def test_toy_contributions_by_hand():
    r = build({"P": P, "Q": Q})
    # contribution = effective weight * score: P: 0.4*80, 0.2*90, 0.1*75, 0.1*80, 0.2*95
    assert r.contributions.loc[("P", 2021)].tolist() == pytest.approx([32, 18, 7.5, 8, 19])
    assert r.contributions.loc[("Q", 2021)].tolist() == pytest.approx([8, 4, 1, 2.5, 20])
    assert r.contributions.sum(axis=1).tolist() == pytest.approx([84.5, 35.5], rel=1e-14)


def test_toy_effective_weights():
    r = build({"P": P})
    # A1 = 2/3 * 0.6 = 0.4 ; A2 = 1/3 * 0.6 = 0.2 ; B1 = B2 = 1/4 * 0.4 = 0.1 ; B3 = 1/2 * 0.4
    assert r.effective_weights.to_dict() == pytest.approx(
        {"A1": 0.4, "A2": 0.2, "B1": 0.1, "B2": 0.1, "B3": 0.2}, rel=1e-15
    )
    assert r.weights.to_dict() == pytest.approx(
        {"A1": 2 / 3, "A2": 1 / 3, "B1": 0.25, "B2": 0.25, "B3": 0.5, "A": 0.6, "B": 0.4}
    )


def test_toy_scoring_rules_by_hand():
    # 评分细则 on P: A1 target_linear 0.9 / zero 0.5 -> (0.9 - 0.5) / 0.4 = 100
    # A2 deduction on the count lost = 5: 5 * 0.5 = 2.5 capped at 1.2 -> 100 * (2 - 1.2) / 2 = 40
    # B1 linear [0, 20]: 15 -> 75 ; B2 stepped: 0.92 >= 0.9 -> 80
    # B3 all-or-nothing at 100 %: 0.95 -> 0 (due 2021: scored) ; in 2020: not yet due (missing)
    # 2021: A = (2*100 + 40) / 3 = 80 ; B = (75 + 80 + 0) / 4 = 38.75 ; T = 48 + 15.5 = 63.5
    # 2020: B3 missing -> B = (75 + 80) / 2 = 77.5 ; T = 48 + 31 = 79
    r = build({("P", 2020): P, ("P", 2021): P}, toy_methodology(normalise="scoring_rules"))
    assert scores_of(r, "P", 2021) == pytest.approx(
        {"A1": 100, "A2": 40, "B1": 75, "B2": 80, "B3": 0, "A": 80, "B": 38.75, "T": 63.5})
    s2020 = scores_of(r, "P", 2020)
    assert math.isnan(s2020["B3"])
    assert s2020["T"] == pytest.approx(79)
    assert r.indicator_source.loc[("P", 2020), "B3"] == "not yet due (due 2021)"
    assert r.indicator_source.loc[("P", 2021), "B3"] == "counts"
    assert r.explain["normalise"].loc["B3", "rule"] == "all_or_nothing"


# -- the district framework by hand ----------------------------------------------------------------
@pytest.fixture(scope="module")
def district():
    return load_framework(DISTRICT)


def test_district_index_by_hand(district):
    # Jing'an 2020 (seed 000): 200 appearances and "出庭应诉率79.7%" (no first-instance count), so
    # D1.1 comes from the reported rate; reconsideration 35 settled of 223; mediation 17,948 of
    # 18,309 with the reported 98.03 % too (counts preferred). No population: per-capita missing.
    jingan = dict(head_appearances=200, head_appearance_rate=0.797, reconsideration_settled=35,
                  reconsideration_received=223, mediation_resolved=17948,
                  mediation_received=18309, mediation_success_rate=0.9803)
    # Guangming 2020 (seed 002): 15 of 21 reconsiderations closed, 0 of 85 lawsuits lost, mediation
    # 7,440 of 7,628.
    guangming = dict(reconsideration_closed=15, reconsideration_received=21, litigation_lost=0,
                     litigation_concluded=85, mediation_resolved=7440, mediation_received=7628)
    r = build_index(frame({("静安", 2020): jingan, ("光明", 2020): guangming}, district),
                    district, Methodology())
    j, g = scores_of(r, "静安", 2020), scores_of(r, "光明", 2020)
    d11 = (0.797 - 0.4) / (1.0 - 0.4) * 100  # 66.1667, goalposts [0.4, 1]
    d12 = (35 / 223 - 0.0) / 0.4 * 100  # 39.2377, goalposts [0, 0.4]
    d21 = (17948 / 18309 - 0.8) / 0.2 * 100  # 90.1414, goalposts [0.8, 1]
    d1 = (6 * d11 + 4 * d12) / (6 + 4)  # present indicators only, points rescaled
    rol = (30 * d1 + 20 * d21) / (30 + 20)  # present dimensions only
    assert (j["D1.1"], j["D1.2"], j["D2.1"]) == pytest.approx((d11, d12, d21), rel=1e-12)
    assert (j["D1"], j["D2"], j["ROL"]) == pytest.approx((d1, d21, rol), rel=1e-12)
    assert rol == pytest.approx(69.29362, abs=1e-5)
    d13 = (15 / 21 - 0.5) / 0.5 * 100  # 42.857
    d14 = (1 - (0 / 85) / 0.3) * 100  # lower is better: 0 lost -> 100
    g21 = (7440 / 7628 - 0.8) / 0.2 * 100  # 87.677
    g1 = (4 * d13 + 4 * d14) / 8
    g_rol = (30 * g1 + 20 * g21) / 50
    assert (g["D1.3"], g["D1.4"], g["D1"], g["ROL"]) == pytest.approx((d13, d14, g1, g_rol))
    assert g_rol == pytest.approx(77.92793, abs=1e-5)  # (30 * 71.42857 + 20 * 87.67698) / 50
    assert r.ranks.loc[("光明", 2020)] == 1 and r.ranks.loc[("静安", 2020)] == 2
    assert r.grades.loc[("光明", 2020), "zh"] == "合格"
    src = r.indicator_source
    assert src.loc[("静安", 2020), "D1.1"] == "reported"
    assert src.loc[("静安", 2020), "D2.1"] == "counts"  # both given: counts preferred
    assert r.indicators.loc[("静安", 2020), "D2.1"] == pytest.approx(17948 / 18309)
    assert src.loc[("静安", 2020), "D2.4"] == "missing figure population"
    assert src.loc[("光明", 2020), "D1.1"] == "missing figure head_appearances"
    # coverage: 3 of 28 indicators (Jing'an), points 6 + 4 + 6 = 16 of 100
    assert r.coverage.loc[("静安", 2020)].tolist() == pytest.approx([3, 28, 3 / 28, 0.16])
    assert r.coverage.loc[("光明", 2020)].tolist() == pytest.approx([3, 28, 3 / 28, 0.14])


def test_district_effective_weights_are_points_over_100(district):
    r = build_index(frame({"x": {"service_satisfaction": 0.9}}, district), district)
    # D1.1: 6/30 within D1, D1 30/100 in the index -> 6/30 * 30/100 = 0.06
    assert r.effective_weights["D1.1"] == pytest.approx(0.06, rel=1e-15)
    points = {c: district.nodes[c].weight for c in district.indicators}
    assert r.effective_weights.to_dict() == pytest.approx({c: p / 100 for c, p in points.items()})
    assert r.effective_weights.sum() == pytest.approx(1.0)
    # one indicator present: its dimension and the index equal its score
    d34 = (0.9 - 0.8) / 0.2 * 100
    assert r.index.iloc[0] == pytest.approx(d34)


LEGAL_AID = {("a", 2019): dict(population=1e6, legal_aid_cases=100),  # 1 per 10k
             ("b", 2019): dict(population=1e6, legal_aid_cases=500),  # 5 per 10k
             ("a", 2020): dict(population=1e6, legal_aid_cases=300),  # 3 per 10k
             ("b", 2020): dict(population=1e6, legal_aid_cases=900)}  # 9 per 10k


def test_district_frozen_2019_freezes_goalposts_at_the_base_year(district):
    # frozen_2019.yaml: every indicator's goalposts are the 2019 min and max (D3.1: 1 and 5)
    m = load_methodology(ROOT / "data" / "methodologies" / "frozen_2019.yaml")
    r = build_index(frame(LEGAL_AID, district), district, m)
    learned = r.explain["normalise"].loc["D3.1"]
    assert (learned["low"], learned["high"]) == (1.0, 5.0)
    assert learned["source"] == "frozen at base year 2019"
    # 2019: 0, 100 ; 2020: a = (3 - 1) / (5 - 1) = 50, b = 9 -> 200 -> clipped 100
    assert r.normalised["D3.1"].tolist() == pytest.approx([0, 50, 100, 100])
    # it needs half of a dimension's indicators: one of five in D3 is not enough
    assert r.scores["D3"].isna().all() and r.index.isna().all()
    assert r.ranks.isna().all() and r.grades["zh"].isna().all()


def test_district_baseline_uses_declared_goalposts(district):
    # baseline.yaml: D3.1 on its declared goalposts [1, 30]: 1 -> 0, 3 -> 2/29, 5 -> 4/29, 9 -> 8/29
    m = load_methodology(ROOT / "data" / "methodologies" / "baseline.yaml")
    r = build_index(frame(LEGAL_AID, district), district, m)
    assert r.explain["normalise"].loc["D3.1", "source"] == "framework goalposts"
    assert r.normalised["D3.1"].tolist() == pytest.approx(
        [0, 200 / 29, 400 / 29, 800 / 29], rel=1e-12)


def test_freeze_a_list_of_indicators(district):
    m = Methodology(normalise={"method": "goalposts", "params": {"base_year": 2019,
                                                                 "freeze": ["D3.1"]}})
    r = build_index(frame(LEGAL_AID, district), district, m)
    assert r.explain["normalise"].loc["D3.1", "source"] == "frozen at base year 2019"
    bad = Methodology(normalise={"method": "goalposts", "params": {"base_year": 2019,
                                                                   "freeze": ["D3.10"]}})
    with pytest.raises(MethodologyError, match=r"freeze: 'D3.10' is not an indicator of "
                                               r"district_rol \(did you mean 'D3.1'\?\)"):
        build_index(frame(LEGAL_AID, district), district, bad)


# -- ranks and grades ------------------------------------------------------------------------
def test_ranks_per_year_with_an_exact_tie():
    # P and P2 identical -> same score -> both rank 1; Q ranks 3 (ties share the best rank)
    r = build({("P", 2021): P, ("P2", 2021): P, ("Q", 2021): Q,
               ("P", 2020): Q, ("Q", 2020): P})  # 2020 ranked separately
    assert r.index.loc[("P", 2021)] == r.index.loc[("P2", 2021)]
    assert r.ranks.loc[[("P", 2021), ("P2", 2021), ("Q", 2021)]].tolist() == [1, 1, 3]
    assert r.ranks.loc[[("P", 2020), ("Q", 2020)]].tolist() == [2, 1]
    assert str(r.ranks.dtype) == "Int64"
    table = r.table()
    assert table.loc[table["year"] == 2021, "n_ranked"].tolist() == [3, 3, 3]
    assert r.ranking(2021)["district"].tolist() == ["P", "P2", "Q"]
    assert r.ranking(2020)["district"].tolist() == ["Q", "P"]
    assert r.years == [2020, 2021]


def test_ranks_use_unrounded_scores():
    # P2's satisfaction is 0.92001 instead of 0.92: B2 gains 0.00001 / 0.4 * 100 = 0.0025,
    # the index 0.1 * 0.0025 = 0.00025: 84.50025 vs 84.5, equal to 2 dp but not a tie.
    r = build({"P": P, "P2": {**P, "satisfaction": 0.92001}})
    assert round(r.index.iloc[0], 2) == round(r.index.iloc[1], 2) == 84.5
    assert r.index.iloc[1] - r.index.iloc[0] == pytest.approx(0.00025, rel=1e-6)
    assert r.ranks.tolist() == [2, 1]


def _all_at(value_max: bool = True):
    # every indicator at its best goalpost
    return dict(population=100_000, received=7, closed=7, concluded=3, lost=0, events=200,
                satisfaction=1.0, takers=9, passed=9)


def test_grade_boundary_exactly_90_is_excellent():
    # goalposts onto [0, 90]: every indicator at its best goalpost scores 1 * 90 = 90 exactly,
    # and every mean of 90s is 90.0 exactly with the toy weights
    m = toy_methodology(normalise={"method": "goalposts",
                                   "params": {"bounds": TOY_BOUNDS, "upper": 90}})
    r = build({"M": _all_at()}, m)
    assert r.index.iloc[0] == 90.0
    assert r.grades.iloc[0].tolist() == ["优秀", "Excellent"]


def test_grade_boundary_survives_float_noise():
    # Bug fixed: with points A 4, B 13 the weighted mean of two exact 90s is 89.99999999999999
    # (0.23529411764705882 * 90 + 0.7647058823529411 * 90); it was graded 良好.
    m = toy_methodology(normalise={"method": "goalposts",
                                   "params": {"bounds": TOY_BOUNDS, "upper": 90}},
                        weights={"method": "expert", "params": {"overrides": {"A": 4, "B": 13}}})
    r = build({"M": _all_at()}, m)
    assert r.scores.loc[("M", 2021), ["A", "B"]].tolist() == [90.0, 90.0]
    assert r.index.iloc[0] < 90.0 and r.index.iloc[0] == pytest.approx(90.0, abs=1e-12)
    assert r.grades.iloc[0].tolist() == ["优秀", "Excellent"]


def test_grade_bands():
    # custom bands, boundaries exact: 84.5 >= 84.5 -> A ; 35.5 < 35.6 -> C
    m = toy_methodology(grades=(GradeBand(84.5, "甲", "A"), GradeBand(35.6, "乙", "B"),
                                GradeBand(float("-inf"), "丙", "C")))
    r = build({"P": P, "Q": Q}, m)
    assert r.grades["zh"].tolist() == ["甲", "丙"]
    # without a bottom band a low score would get no grade: rejected before anything is computed
    m = toy_methodology(grades=(GradeBand(60, "合格", "Pass"),))
    with pytest.raises(MethodologyError, match="lowest band needs min: null"):
        build({"P": P, "Q": Q}, m)


# -- missing data ----------------------------------------------------------------------------------
def test_zero_denominator_is_missing_and_skipped():
    # P with no cases received: A1 undefined (not 0, not 100 %); A = A2 alone = 90
    # T = 0.6 * 90 + 0.4 * 86.25 = 54 + 34.5 = 88.5
    r = build({"P": {**P, "received": 0, "closed": 0}})
    assert math.isnan(r.indicators.loc[("P", 2021), "A1"])
    assert r.indicator_source.loc[("P", 2021), "A1"] == "zero denominator"
    assert math.isnan(r.normalised.loc[("P", 2021), "A1"])
    assert r.scores.loc[("P", 2021), "A"] == pytest.approx(90)
    assert r.index.iloc[0] == pytest.approx(88.5)
    assert r.contributions.loc[("P", 2021), "A1"] == 0
    assert r.coverage.loc[("P", 2021)].tolist() == pytest.approx([4, 5, 0.8, 0.6])


def test_reported_rate_used_when_counts_are_missing():
    # no counts for A1, reported closure rate 0.75 -> (0.75 - 0.5) / 0.5 = 50
    # A = (2*50 + 90) / 3 = 63.333 ; T = 0.6 * 190/3 + 34.5 = 38 + 34.5 = 72.5
    rows = {"P": {**P, "received": np.nan, "closed": np.nan, "closure_rate": 0.75},
            "R": {**P, "closure_rate": 0.5}}  # both: counts (0.9) preferred over 0.5
    r = build(rows)
    assert r.indicator_source.loc[("P", 2021), "A1"] == "reported"
    assert r.indicators.loc[("P", 2021), "A1"] == 0.75
    assert r.index.loc[("P", 2021)] == pytest.approx(72.5)
    assert r.indicator_source.loc[("R", 2021), "A1"] == "counts"
    assert r.indicators.loc[("R", 2021), "A1"] == pytest.approx(0.9)
    assert r.index.loc[("R", 2021)] == pytest.approx(84.5)


def test_reported_rate_also_covers_a_zero_denominator():
    r = build({"P": {**P, "received": 0, "closed": 0, "closure_rate": 0.75}})
    assert r.indicator_source.iloc[0]["A1"] == "reported"
    assert r.indicators.iloc[0]["A1"] == 0.75


def test_exclude_drops_an_indicator_and_renormalises():
    # without A2: A = A1 = 80 ; T = 0.6 * 80 + 34.5 = 82.5 ; A1's effective weight 0.6
    r = build({"P": P}, toy_methodology(exclude=("A2",)))
    assert "A2" not in r.normalised.columns and "A2" not in r.contributions.columns
    assert "A2" not in r.indicators.columns
    assert r.weights["A1"] == 1.0 and "A2" not in r.weights.index
    assert r.effective_weights.to_dict() == pytest.approx(
        {"A1": 0.6, "B1": 0.1, "B2": 0.1, "B3": 0.2})
    assert r.index.iloc[0] == pytest.approx(82.5)
    assert r.contributions.iloc[0].sum() == pytest.approx(82.5)
    assert r.coverage.iloc[0]["indicators_total"] == 4


def test_exclude_a_whole_dimension():
    # without A1 and A2 the index is B = 86.25
    r = build({"P": P}, toy_methodology(exclude=("A1", "A2")))
    assert r.index.iloc[0] == pytest.approx(86.25)
    assert r.scores["A"].isna().all()
    assert r.weights["B"] == 1.0


def test_min_coverage_makes_an_aggregate_missing():
    # B has 1 of 3 indicators (1/3 < 0.5) -> B missing; T has A, 1 of 2 = 0.5 >= 0.5 -> T = A
    rows = {"P": {**P, "events": np.nan, "satisfaction": np.nan}}
    r = build(rows, toy_methodology(missing={"method": "skip", "params": {"min_coverage": 0.5}}))
    assert math.isnan(r.scores.iloc[0]["B"])
    assert r.index.iloc[0] == pytest.approx(250 / 3)
    # by weight B3 alone is 0.5 of B -> B exists = 95 ; T = 50 + 0.4 * 95 = 88
    r = build(rows, toy_methodology(missing={"method": "skip",
                                             "params": {"min_coverage": 0.5, "by": "weight"}}))
    assert r.scores.iloc[0]["B"] == pytest.approx(95)
    assert r.index.iloc[0] == pytest.approx(88)
    # at 0.6 the index itself needs more than one of its two dimensions
    r = build(rows, toy_methodology(missing={"method": "skip", "params": {"min_coverage": 0.6}}))
    assert r.index.isna().all() and r.contributions.isna().all().all()


def test_strict_policy():
    rows = {"P": P, "S": {**P, "satisfaction": np.nan}}
    r = build(rows, toy_methodology(missing="strict"))
    assert r.index.loc[("P", 2021)] == pytest.approx(84.5)
    assert math.isnan(r.scores.loc[("S", 2021), "B"]) and math.isnan(r.index.loc[("S", 2021)])
    assert r.scores.loc[("S", 2021), "A"] == pytest.approx(250 / 3)
    assert pd.isna(r.ranks.loc[("S", 2021)]) and pd.isna(r.grades.loc[("S", 2021), "zh"])
    assert r.table()["n_ranked"].tolist() == [1, 1]


def test_per_level_missing_override():
    # strict for dimensions only: S's B is missing, the index (skip) is A alone = 83.333
    rows = {"S": {**P, "satisfaction": np.nan}}
    r = build(rows, toy_methodology(missing_levels={2: "strict"}))
    assert math.isnan(r.scores.iloc[0]["B"])
    assert r.index.iloc[0] == pytest.approx(250 / 3)


def test_per_level_aggregation_override():
    # geometric index over arithmetic dimensions: T = A^0.6 * B^0.4
    r = build({"P": P, "Q": Q}, toy_methodology(aggregate_levels={3: "geometric"}))
    assert r.index.tolist() == pytest.approx([(250 / 3) ** 0.6 * 86.25 ** 0.4,
                                              20 ** 0.6 * 58.75 ** 0.4], rel=1e-12)
    assert r.scores["A"].tolist() == pytest.approx([250 / 3, 20])  # level 2 still arithmetic


# -- contributions add up, for every aggregation method --------------------------------------------
AGGREGATIONS = [
    ("arithmetic", {}),
    ("geometric", {}),
    ("harmonic", {}),
    ("generalised", {"p": 2}),
    ("generalised", {"p": -1}),
    ("generalised", {"p": 0.5}),
]


@pytest.mark.parametrize(("method", "params"), AGGREGATIONS,
                         ids=[f"{m}{p.get('p', '')}" for m, p in AGGREGATIONS])
@pytest.mark.parametrize("missing_share", [0.0, 0.2])
def test_contributions_add_up_to_the_index(method, params, missing_share):
    m = toy_methodology(aggregate={"method": method, "params": params},
                        normalise={"method": "minmax", "params": {"lower": 1, "upper": 100}})
    r = toy_result(seed=3, methodology=m, n_districts=8, missing_share=missing_share)
    present = r.index.notna()
    assert present.sum() >= 10
    np.testing.assert_allclose(r.contributions.sum(axis=1)[present], r.index[present],
                               rtol=1e-12)
    assert r.contributions[~present].isna().all().all()
    assert (r.contributions[present] >= 0).all().all()


def test_arithmetic_contributions_are_exactly_weight_times_score():
    r = toy_result(seed=5)
    expected = r.normalised * r.effective_weights
    np.testing.assert_allclose(r.contributions, expected, rtol=1e-13)
    np.testing.assert_allclose(r.contributions.sum(axis=1), r.index, rtol=1e-14)


def test_contributions_add_up_with_negative_scores():
    # Bug fixed: with z-scores a row's weighted total can be negative; shares were then set to 0,
    # so the contributions summed to 0 instead of to the (negative) index.
    r = toy_result(methodology=toy_methodology(normalise="zscore"))
    assert (r.index < 0).any()
    np.testing.assert_allclose(r.contributions.sum(axis=1), r.index, rtol=1e-10, atol=1e-12)


# -- coverage --------------------------------------------------------------------------------------
def test_coverage_counts():
    rows = {"P": P, "S": {**P, "events": np.nan, "takers": np.nan}, "Z": {"population": 1e5}}
    r = build(rows)
    cov = r.coverage
    assert cov["indicators_present"].tolist() == [5, 3, 0]
    assert cov["indicators_total"].tolist() == [5, 5, 5]
    assert cov["coverage"].tolist() == pytest.approx([1, 0.6, 0])
    # S misses B1 (0.1) and B3 (0.2): 1 - 0.3 = 0.7
    assert cov["weighted_coverage"].tolist() == pytest.approx([1, 0.7, 0])
    table = r.table()
    assert table["coverage"].tolist() == pytest.approx([1, 0.6, 0])
    assert math.isnan(r.index.loc[("Z", 2021)])


def test_coverage_counts_values_before_imputation():
    rows = {"P": P, "Q": Q, "S": {**P, "satisfaction": np.nan}}
    r = build(rows, toy_methodology(impute="mean"))
    # S's B2 imputed with the year's mean (0.92 + 0.7) / 2 = 0.81 -> (0.81 - 0.6) / 0.4 = 52.5
    assert r.imputed.loc[("S", 2021), "B2"] == pytest.approx(0.81)
    assert r.normalised.loc[("S", 2021), "B2"] == pytest.approx(52.5)
    assert r.indicator_source.loc[("S", 2021), "B2"] == "imputed:mean"
    assert r.coverage.loc[("S", 2021), "indicators_present"] == 4


# -- errors ----------------------------------------------------------------------------------------
def test_invalid_methodology_raises_before_computing():
    with pytest.raises(MethodologyError, match="Did you mean 'minmax'"):
        build({"P": P}, toy_methodology(normalise="min-max"))


def test_zero_weight_override_raises():
    # Bug fixed: used to score A as NaN silently and rank districts on B alone
    m = toy_methodology(weights={"method": "expert", "params": {"overrides": {"A1": 0, "A2": 0}}})
    with pytest.raises(MethodologyError, match="A: children A1, A2 have total weight 0"):
        build({"P": P}, m)


def test_unknown_weight_override_raises():
    m = toy_methodology(weights={"method": "expert", "params": {"overrides": {"C": 1}}})
    with pytest.raises(MethodologyError, match="weights.overrides: 'C' is not a node of toy"):
        build({"P": P}, m)


def test_negative_scores_in_a_geometric_mean_name_the_node():
    m = toy_methodology(normalise="zscore", aggregate="geometric")
    with pytest.raises(DataError, match=r"aggregating A \(level 2\): geometric aggregation needs "
                                        r"non-negative scores"):
        toy_result(methodology=m)


def test_missing_goalposts_name_the_indicator():
    with pytest.raises(DataError, match="indicator B1 has no goalposts"):
        build({"P": P}, Methodology())


def test_figures_of_an_unknown_shape_raise():
    with pytest.raises(DataError, match="figures must be a Submission, a CSV/XLSX path"):
        build_index(pd.DataFrame({"x": [1]}), FW, toy_methodology())


def test_methodology_and_framework_given_as_dict_and_paths(tmp_path, district):
    figures = frame({"P": P, "Q": Q})
    as_dict = build_index(figures, FW, toy_methodology().to_dict())
    path = toy_methodology().save(tmp_path / "toy.yaml")
    as_path = build_index(figures, FW, str(path))
    pd.testing.assert_series_equal(as_dict.index, as_path.index)
    assert as_dict.index.tolist() == pytest.approx([84.5, 35.5])
    r = build_index(frame({"x": {"service_satisfaction": 0.9}}, district), DISTRICT)
    assert r.framework.id == "district_rol" and r.methodology == Methodology()


def test_provenance_and_stages():
    r = build({"P": P})
    assert r.provenance["framework"] == FW.identity
    assert r.provenance["methodology"] == {"name": "toy",
                                           "content_hash": toy_methodology().content_hash}
    assert r.provenance["package"] == "rolindex"
    assert list(r.stages) == ["raw", "derived", "imputed", "treated", "normalised", "aggregated"]
    assert list(r.scores.columns) == ["A", "B", "T"]
    assert list(r.table().columns) == [
        "district", "year", "district_name", "index", "rank", "n_ranked", "grade_zh", "grade_en",
        "graded", "grade_reason", "A", "B", "coverage", "weighted_coverage", "indicators_used",
    ]


def test_toy_figures_are_seeded():
    pd.testing.assert_frame_equal(toy_figures(7), toy_figures(7))
    assert not toy_figures(7).equals(toy_figures(8))
    f = toy_figures(1, n_districts=3, years=(2019, 2020, 2021), missing_share=0.3)
    assert f.shape == (9, 10) and list(f.index.names) == ["district", "year"]
    assert f["population"].notna().all()
    assert f.isna().any().any()
    with pytest.raises(ValueError, match="missing_share must be in"):
        toy_figures(missing_share=1.0)


# -- properties --------------------------------------------------------------------------------
# the figure that moves each indicator in its own direction, and whether the index should rise
NUMERATORS = {"A1": ("closed", +1), "A2": ("lost", -1), "B1": ("events", +1),
              "B2": ("satisfaction", +1), "B3": ("passed", +1)}


@PROPS
@given(seed=st.integers(0, 10_000), code=st.sampled_from(sorted(NUMERATORS)),
       row=st.integers(0, 5), bump=st.floats(0.001, 50))
def test_index_monotone_in_each_raw_figure(seed, code, row, bump):
    figures = toy_figures(seed)
    base = build_index(figures, FW, toy_methodology())
    figure, sign = NUMERATORS[code]
    more = figures.copy()
    more.iloc[row, more.columns.get_loc(figure)] += bump
    moved = build_index(more, FW, toy_methodology())
    delta = moved.index - base.index
    if sign > 0:
        assert delta.iloc[row] >= 0
    else:
        assert delta.iloc[row] <= 0
    others = delta.drop(delta.index[row])
    assert (others == 0).all()  # fixed goalposts: no other district moves


@PROPS
@given(seed=st.integers(0, 10_000),
       excluded=st.sets(st.sampled_from(FW.indicators), max_size=3),
       points=st.dictionaries(st.sampled_from(["A", "B", "A1", "A2", "B1", "B2", "B3"]),
                              st.floats(0.5, 50), max_size=4),
       equal=st.booleans())
def test_weights_sum_to_one_within_every_parent(seed, excluded, points, equal):
    weights = "equal" if equal else {"method": "expert", "params": {"overrides": points}}
    r = toy_result(seed, methodology=toy_methodology(exclude=tuple(sorted(excluded)),
                                                     weights=weights), n_districts=3)
    for parent in FW.aggregates:
        kids = [k for k in FW.children(parent) if k in r.weights.index]
        if kids:
            assert r.weights[kids].sum() == pytest.approx(1.0, abs=1e-12)
    assert r.effective_weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert set(r.effective_weights.index) == set(FW.indicators) - excluded


@PROPS
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.0, 0.1, 0.3]),
       method=st.sampled_from(AGGREGATIONS), n=st.integers(2, 6))
def test_contributions_sum_to_the_index(seed, share, method, n):
    m = toy_methodology(aggregate={"method": method[0], "params": method[1]})
    r = toy_result(seed, methodology=m, n_districts=n, missing_share=share)
    present = r.index.notna()
    np.testing.assert_allclose(r.contributions.sum(axis=1)[present], r.index[present],
                               rtol=1e-10, atol=1e-10)


RESULT_FRAMES = ["figures", "indicators", "indicator_source", "imputed", "treated", "normalised",
                 "scores", "contributions", "coverage", "grades", "districts"]


@PROPS
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.0, 0.2]),
       variant=st.sampled_from(["toy", "minmax", "scoring_rules", "geometric_index"]))
def test_rebuild_from_the_saved_methodology_reproduces_the_result(seed, share, variant):
    m = {
        "toy": toy_methodology(),
        "minmax": toy_methodology(normalise={"method": "minmax", "params": {"lower": 1}},
                                  impute={"method": "last_year", "params": {"max_gap": 1}}),
        "scoring_rules": toy_methodology(normalise="scoring_rules", exclude=("B2",)),
        "geometric_index": toy_methodology(aggregate_levels={3: "geometric"},
                                           missing={"method": "skip",
                                                    "params": {"min_coverage": 0.5}}),
    }[variant]
    figures = toy_figures(seed, missing_share=share)
    first = build_index(figures, FW, m)
    again = build_index(figures, FW, Methodology.from_dict(first.methodology.to_dict()))
    assert again.methodology == first.methodology
    for name in RESULT_FRAMES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(first, name))
    for name in ("index", "ranks", "weights", "effective_weights"):
        pd.testing.assert_series_equal(getattr(again, name), getattr(first, name))
    pd.testing.assert_frame_equal(again.explain["normalise"], first.explain["normalise"])
    pd.testing.assert_frame_equal(again.table(), first.table())


def flipped(code: str):
    data = toy_framework_dict()
    node = next(n for n in data["nodes"] if n["code"] == code)
    node["direction"] = "-" if node["direction"] == "+" else "+"
    rule = node.get("scoring", {})
    if rule.get("rule") == "target_linear":  # a target must point the indicator's way
        rule["target"], rule["zero_at"] = rule["zero_at"], rule["target"]
    return toy_framework(data)


@PROPS
@given(seed=st.integers(0, 10_000), code=st.sampled_from(FW.indicators))
def test_flipping_a_direction_reverses_its_contribution_ranking(seed, code):
    figures = toy_figures(seed, n_districts=5)
    before = build_index(figures, FW, toy_methodology()).contributions[code]
    after = build_index(figures, flipped(code), toy_methodology()).contributions[code]
    for year in (2020, 2021):
        b = before.xs(year, level="year").to_numpy()
        a = after.xs(year, level="year").to_numpy()
        for i in range(len(b)):
            for j in range(len(b)):
                if b[i] < b[j] and not math.isclose(b[i], b[j], rel_tol=1e-12):
                    assert a[i] > a[j]
                elif math.isclose(b[i], b[j], rel_tol=1e-12):
                    assert math.isclose(a[i], a[j], rel_tol=1e-9, abs_tol=1e-12)


def test_flipping_a_direction_by_hand():
    # A2 as "+": 0.05 on [0, 0.5] -> 10 instead of 90 ; P's A2 contribution 0.2 * 10 = 2
    r = build({"P": P, "Q": Q}, framework=flipped("A2"))
    assert r.normalised["A2"].tolist() == pytest.approx([10, 80])
    assert r.contributions["A2"].tolist() == pytest.approx([2, 16])


@PROPS
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.0, 0.3]))
def test_result_csv_is_byte_identical(tmp_path_factory, seed, share):
    tmp = tmp_path_factory.mktemp("csv")
    figures = toy_figures(seed, missing_share=share)
    first = build_index(figures, FW, toy_methodology())
    second = build_index(copy.deepcopy(figures), FW, toy_methodology())
    a, b, c = first.to_csv(tmp / "a.csv"), first.to_csv(tmp / "b.csv"), second.to_csv(tmp / "c.csv")
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert text.startswith("district,year,district_name,index,rank,n_ranked,grade_zh,")
    assert "\r" not in text
    assert len(text.splitlines()) == 1 + len(figures)


def test_wide_frame_with_an_unknown_figure_column_is_an_error():
    from indicators.errors import DataError
    from indicators.testing import toy_figures, toy_framework

    fw = toy_framework()
    wide = toy_figures(seed=0).rename(columns={"population": "populaton"})
    with pytest.raises(DataError, match="'populaton' \\(did you mean 'population'\\?\\)"):
        build_index(wide, fw)
