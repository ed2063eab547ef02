"""Grading rules for thin data and the unsubmitted option (indicators.grading), worked by hand on the toy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators import build_index
from indicators.errors import MethodologyError
from indicators.grading import NOT_GRADED
from indicators.methodology import Methodology, load_methodology
from indicators.testing import toy_framework, toy_framework_dict, toy_methodology


def _fw():
    data = toy_framework_dict()
    next(n for n in data["nodes"] if n["code"] == "B3")["due"] = 2021  # due under every normaliser
    return toy_framework(data)


FW = _fw()
NAN = float("nan")


def _figures() -> pd.DataFrame:
    """P submits A1, A2, B1 but not satisfaction (B2) nor the exam (B3); Q submits dimension A only.

    P: A1 = 80/100 = 0.8 -> goalposts [0.5, 1] -> 60; A2 = 10/100 = 0.1, direction − on [0, 0.5]
    -> (0.5 − 0.1) / 0.5 = 80; B1 = 1000 events / 100 (10k residents) = 10 -> [0, 20] -> 50.
    Q: A1 = 90/100 -> 80; A2 = 0/50 -> 100; nothing of B.
    """
    cols = ["population", "received", "closed", "closure_rate", "concluded", "lost", "events",
            "satisfaction", "takers", "passed"]
    rows = {
        ("P", 2020): [1e6, 100, 80, NAN, 100, 10, 1000, NAN, NAN, NAN],
        ("P", 2021): [1e6, 100, 80, NAN, 100, 10, 1000, NAN, NAN, NAN],
        ("Q", 2021): [1e6, 100, 90, NAN, 50, 0, NAN, NAN, NAN, NAN],
    }
    idx = pd.MultiIndex.from_tuples(list(rows), names=["district", "year"])
    return pd.DataFrame(list(rows.values()), index=idx, columns=cols, dtype=float)


def test_redistribute_shares_the_weight_of_unsubmitted_items():
    r = build_index(_figures(), FW, toy_methodology())
    # A = (2·60 + 1·80) / 3 = 66.667; B = B1 alone = 50; index = 0.6·66.667 + 0.4·50 = 60
    assert r.scores.loc[("P", 2021), "B"] == pytest.approx(50)
    assert r.index[("P", 2021)] == pytest.approx(60)
    assert r.grades.loc[("P", 2021), "zh"] == "合格"


def test_zero_scores_unsubmitted_items_0_by_hand():
    r = build_index(_figures(), FW, toy_methodology(unsubmitted="zero"))
    # 2021: B = (1·50 + 1·0 + 2·0) / 4 = 12.5; index = 0.6·66.667 + 0.4·12.5 = 40 + 5 = 45 -> 不合格
    assert r.normalised.loc[("P", 2021), "B2"] == 0
    assert r.scores.loc[("P", 2021), "B"] == pytest.approx(12.5)
    assert r.index[("P", 2021)] == pytest.approx(45)
    assert r.grades.loc[("P", 2021), "zh"] == "不合格"
    assert r.indicator_source.loc[("P", 2021), "B2"] == "unsubmitted: missing figure satisfaction"
    # 2020: B3 is not yet due (due 2021), so it stays out: B = (50 + 0) / 2 = 25; index = 40 + 10 = 50
    assert math.isnan(r.normalised.loc[("P", 2020), "B3"])
    assert r.indicator_source.loc[("P", 2020), "B3"].startswith("not yet due")
    assert r.index[("P", 2020)] == pytest.approx(50)
    # Q submitted nothing of B: B = 0 under zero, so its index is 0.6 · A = 0.6 · (2·80 + 100) / 3 = 52
    assert r.index[("Q", 2021)] == pytest.approx(52)
    # the raw value stays missing: 0 points is a score, not a figure
    assert math.isnan(r.indicators.loc[("P", 2021), "B2"])


def test_zero_and_redistribute_agree_when_everything_is_submitted():
    figs = _figures().loc[[("P", 2021)]].copy()
    figs[["satisfaction", "takers", "passed"]] = [0.9, 100, 100]
    a = build_index(figs, FW, toy_methodology())
    b = build_index(figs, FW, toy_methodology(unsubmitted="zero"))
    assert a.index.to_numpy() == pytest.approx(b.index.to_numpy())


def test_coverage_rule_not_graded_not_ranked_with_the_reason():
    meth = toy_methodology(grading={"method": "coverage", "params": {"min_coverage": 0.6, "min_dimensions": 1.0}})
    r = build_index(_figures(), FW, meth)
    # P 2021: 3 of 5 indicators counted (A1, A2, B1), 2 of 2 dimensions -> graded, rank 1 of 1
    assert bool(r.grading.loc[("P", 2021), "graded"])
    assert r.grading.loc[("P", 2021), "indicators_used"] == 3
    assert r.ranks[("P", 2021)] == 1
    # Q 2021: 2 of 5 (40 % < 60 %) and 1 of 2 dimensions -> 不评定等次, unranked, index still shown
    assert not bool(r.grading.loc[("Q", 2021), "graded"])
    assert r.grades.loc[("Q", 2021), "zh"] == NOT_GRADED["zh"] == "不评定等次"
    assert r.grades.loc[("Q", 2021), "en"] == "Not graded"
    assert pd.isna(r.ranks[("Q", 2021)])
    assert r.index[("Q", 2021)] == pytest.approx((2 * 80 + 100) / 3)
    reason = r.grading.loc[("Q", 2021), "reason_zh"]
    assert "2/5" in reason and "1/2" in reason
    assert "2 of 5" in r.grading.loc[("Q", 2021), "reason_en"]
    table = r.table().set_index(["district", "year"])
    assert table.loc[("Q", 2021), "grade_zh"] == "不评定等次"
    assert not table.loc[("Q", 2021), "graded"]
    assert "不评定等次" in table.loc[("Q", 2021), "grade_reason"]
    assert table.loc[("P", 2021), "grade_reason"] == ""
    assert table.loc[("P", 2021), "n_ranked"] == 1


def test_unsubmitted_zero_items_are_not_data_for_the_grading_rule():
    meth = toy_methodology(unsubmitted="zero", grading={"method": "coverage", "params": {"min_dimensions": 1.0}})
    r = build_index(_figures(), FW, meth)
    # under zero, Q's dimension B is scored (0) but from no data, so it still counts 1 of 2 dimensions
    assert r.grading.loc[("Q", 2021), "dimensions_scored"] == 1
    assert not bool(r.grading.loc[("Q", 2021), "graded"])


def test_weakest_dimension_rule():
    meth = toy_methodology(grading={"method": "coverage", "params": {"min_dimension_coverage": 0.5}})
    r = build_index(_figures(), FW, meth)
    # P 2021: A 2/2, B 1/3 = 33 % < 50 % -> not graded
    assert not bool(r.grading.loc[("P", 2021), "graded"])
    assert "33%" in r.grading.loc[("P", 2021), "reason_zh"]


def test_indicators_of_an_unscored_dimension_are_not_counted():
    # B needs half of its indicators: P has 1 of 3, so B is not scored and B1 (with data) is not counted
    meth = toy_methodology(missing={"method": "skip", "params": {"min_coverage": 0.5}})
    r = build_index(_figures(), FW, meth)
    assert math.isnan(r.scores.loc[("P", 2021), "B"])
    assert r.coverage.loc[("P", 2021), "indicators_present"] == 3
    assert r.grading.loc[("P", 2021), "indicators_used"] == 2
    assert r.grading.loc[("P", 2021), "dimensions_scored"] == 1


@pytest.mark.parametrize(("step", "match"), [
    ({"method": "coverage", "params": {"min_coverage": 1.5}}, r"grading\.params\.min_coverage"),
    ({"method": "coverage", "params": {"min_cover": 0.5}}, r"did you mean 'min_coverage'"),
    ({"method": "coverag"}, r"unknown grading rule 'coverag'"),
])
def test_bad_grading_rule_is_an_error(step, match):
    with pytest.raises(MethodologyError, match=match) as info:
        toy_methodology(grading=step).validate(FW)
    assert match.replace("\\", "") in str(info.value) or info.value.problems


def test_bad_unsubmitted_option_is_an_error():
    with pytest.raises(MethodologyError, match="unknown unsubmitted rule 'zeros'"):
        toy_methodology(unsubmitted="zeros").validate(FW)


def test_defaults_leave_the_dict_and_hash_unchanged():
    m = Methodology()
    assert "unsubmitted" not in m.to_dict() and "grading" not in m.to_dict()
    z = m.replace(unsubmitted="zero", grading={"method": "coverage", "params": {"min_coverage": 0.5}})
    d = z.to_dict()
    assert d["unsubmitted"] == {"method": "zero"}
    assert Methodology.from_dict(d) == z
    assert z.content_hash != m.content_hash


@pytest.mark.parametrize("name", ["coinr_example", "coinr_minmax_amean", "wjp"])
def test_reproduction_methodologies_grade_everything(name):
    m = load_methodology(f"data/methodologies/{name}.yaml")
    assert m.grading.method == "none" and m.unsubmitted.method == "redistribute"


@pytest.mark.parametrize("name", ["baseline", "scoring_rules"])
def test_shipped_methodologies_carry_a_grading_rule(name):
    m = load_methodology(f"data/methodologies/{name}.yaml")
    assert m.grading.method == "coverage"
    assert m.grading.params["min_coverage"] == 0.6 and m.grading.params["min_dimensions"] == 0.5


def test_real_districts_2020_are_not_graded(repo_root=None):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    r = build_index([root / "data/submissions/seed_districts.csv", root / "data/submissions/synthetic_panel.csv"],
                    root / "data/frameworks/district_rol.yaml", root / "data/methodologies/baseline.yaml")
    for d, used, dims in (("shanghai_jingan", 11, 4), ("shenzhen_guangming", 7, 3)):
        g = r.grading.loc[(d, 2020)]
        assert (g["indicators_used"], g["dimensions_scored"], bool(g["graded"])) == (used, dims, False)
        assert r.grades.loc[(d, 2020), "zh"] == "不评定等次" and pd.isna(r.ranks[(d, 2020)])
    # Jing'an 2020 has data for 15 indicators, but 4 of them sit in dimensions without enough data
    assert r.coverage.loc[("shanghai_jingan", 2020), "indicators_present"] == 15
    year = r.ranks.xs(2020, level="year")
    assert int(year.notna().sum()) == 16 and np.array_equal(np.sort(year.dropna().to_numpy()), np.arange(1, 17))
