"""The assessment-report shape (evaluation.report.assessment): points, 扣分, findings, sources, rectification."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.report import assessment as A
from evaluation.report import store
from evaluation.report.assessment_html import deductions_html, findings_html, grading_html, sources_html
from evaluation.report.content import district_summary, scorecard
from evaluation.report.index_page import render_index_page
from indicators import build_index
from indicators.submission import read_figures
from indicators.testing import toy_framework, toy_methodology

ROOT = Path(__file__).resolve().parents[2]
FW = toy_framework()


def _toy(values: dict[str, float]) -> pd.DataFrame:
    cols = ["population", "received", "closed", "closure_rate", "concluded", "lost", "events",
            "satisfaction", "takers", "passed"]
    idx = pd.MultiIndex.from_tuples([("P", 2021), ("Q", 2021)], names=["district", "year"])
    other = [1e6, 100, 90, np.nan, 100, 5, 800, 0.9, 100, 100]
    return pd.DataFrame([[values.get(c, np.nan) for c in cols], other], index=idx, columns=cols, dtype=float)


@settings(max_examples=40, deadline=None)
@given(closed=st.integers(0, 100), lost=st.integers(0, 100), events=st.integers(0, 4000),
       sat=st.one_of(st.none(), st.floats(0.5, 1.0)), passed=st.one_of(st.none(), st.integers(0, 100)),
       rules=st.booleans(), zero=st.booleans())
def test_points_lost_add_up_to_full_minus_points_for_every_item(closed, lost, events, sat, passed, rules, zero):
    """For every item 扣分 = 满分 − 得分, and over the index 满分 adds to 100 and 得分 to the index."""
    figs = _toy({"population": 1e6, "received": 100, "closed": closed, "concluded": 100, "lost": lost,
                 "events": events, "satisfaction": np.nan if sat is None else sat,
                 "takers": np.nan if passed is None else 100, "passed": np.nan if passed is None else passed})
    meth = toy_methodology(normalise="scoring_rules") if rules else toy_methodology()
    if zero:
        meth = meth.replace(unsubmitted="zero")
    r = build_index(figs, FW, meth)
    pts = A.points_table(r, "P", 2021, "en")
    ind = pts[pts["kind"] == "indicator"]
    # full points come from the realised weights, points from the pipeline's contributions: two computations
    assert ind["full_points"].sum() == pytest.approx(100)
    assert ind["points"].sum() == pytest.approx(r.index[("P", 2021)])
    # each counted item: points = full × score / 100 (arithmetic means)
    for row in ind.itertuples():
        if row.counted:
            assert row.points == pytest.approx(row.full_points * r.normalised.at[("P", 2021), row.code] / 100)
    d = A.deductions(r, "P", 2021, "en")
    for row in d.itertuples():
        assert row.lost == pytest.approx(row.full_points - row.points, abs=1e-9)
        assert row.lost >= -1e-9
    assert d["lost"].sum() == pytest.approx(100 - r.index[("P", 2021)], abs=1e-6)
    # dimension rows add up their indicators
    for dim in ("A", "B"):
        kids = ind[ind["code"].str.startswith(dim)]
        assert pts.set_index("code").at[dim, "points"] == pytest.approx(kids["points"].sum())


def test_deduction_rule_worked_by_hand():
    # scoring_rules, A2 deduction on `lost`: threshold 0, 0.5 per unit, cap 1.2 of 2 points -> 4 lost cases cost
    # min(1.2, 2.0) = 1.2 of 2, so A2 scores 100·(2 − 1.2)/2 = 40. Its full points: A2 is 1/3 of A (60) = 20;
    # it scores 40 -> 8 points, loses 12.
    figs = _toy({"population": 1e6, "received": 100, "closed": 90, "concluded": 100, "lost": 4, "events": 2000,
                 "satisfaction": 0.96, "takers": 100, "passed": 100})
    r = build_index(figs, FW, toy_methodology(normalise="scoring_rules"))
    d = A.deductions(r, "P", 2021, "zh").set_index("code")
    assert r.normalised.at[("P", 2021), "A2"] == pytest.approx(40)
    assert (d.at["A2", "full_points"], d.at["A2", "points"], d.at["A2", "lost"]) == pytest.approx((20, 8, 12))
    assert "每多一扣 0.5 分" in d.at["A2", "rule"] and d.at["A2", "shortfall"] == "4"
    # A1 target_linear 0.9 / 0.5: 0.9 meets the target, nothing lost, no shortfall
    assert d.at["A1", "lost"] == 0 and d.at["A1", "shortfall"] == ""
    html = deductions_html(A.deductions(r, "P", 2021, "zh"), "zh")
    assert "A2" in html and "12.00" in html and "A1" not in html


def test_unsubmitted_zero_item_loses_its_full_weight_with_the_reason():
    figs = _toy({"population": 1e6, "received": 100, "closed": 90, "concluded": 100, "lost": 0, "events": 2000,
                 "takers": 100, "passed": 100})
    r = build_index(figs, FW, toy_methodology(unsubmitted="zero"))
    d = A.deductions(r, "P", 2021, "zh").set_index("code")
    # B2 (satisfaction) is 1/4 of B (40): 10 points, all lost as 未报送
    assert d.at["B2", "full_points"] == pytest.approx(10) and d.at["B2", "lost"] == pytest.approx(10)
    assert "未报送" in d.at["B2", "rule"]
    pts = A.points_table(r, "P", 2021, "zh").set_index("code")
    assert pts.at["B2", "treatment"] == "未报送，按 0 分计 / not submitted: scored 0"
    # under redistribute the same item has no full points and says where its weight went
    r2 = build_index(figs, FW, toy_methodology())
    pts2 = A.points_table(r2, "P", 2021, "en").set_index("code")
    assert pts2.at["B2", "full_points"] == 0
    assert pts2.at["B2", "treatment"] == "not submitted: skipped, weight shared among submitted items"


# --- the real districts ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    if not (ROOT / "data/submissions/seed_districts.csv").exists():
        pytest.skip("seed submissions absent")
    sub = read_figures(ROOT / "data/submissions/seed_districts.csv", ROOT / "data/submissions/synthetic_panel.csv")
    r = store.with_sources(build_index(sub, ROOT / "data/frameworks/district_rol.yaml",
                                       ROOT / "data/methodologies/baseline.yaml"), sub)
    return r, A.figure_notes(sub)


def test_jingan_2020_headline_is_consistent_and_not_graded(real):
    r, _ = real
    s = district_summary(r, "shanghai_jingan", 2020)
    assert s["graded"] is False and s["grade_zh"] == "不评定等次" and s["rank"] is None
    assert (s["indicators_present"], s["indicators_used"], s["indicators_total"]) == (15, 11, 28)
    html = grading_html(s, "zh")
    assert "不评定等次" in html and "11/28" in html and "另有 4 项有数据" in html
    # an indicator with data in an unscored dimension shows no contribution (not 0.00) and says why
    sc = scorecard(r, "shanghai_jingan", 2020, "en").set_index("code")
    assert math.isnan(sc.at["D1.1", "contribution"]) and not math.isnan(sc.at["D1.1", "score"])
    assert "not counted: its dimension lacks data" in sc.at["D1.1", "source_text"]


def test_lower_bound_is_never_a_weakness_without_saying_so(real):
    r, notes = real
    entries = A.source_entries(r, "shanghai_jingan", 2020, notes, lang="en")
    assert entries["D4.1"]["lower_bound"]
    assert any("lower bound" in c for c in entries["D4.1"]["caveats"])
    assert any("Jing'an District Justice Bureau: work summary 2020" in d and "230余场" in d
               for d in entries["D4.1"]["docs"])
    # population is external, named with its year; Jing'an 2024 says the 2020 figure is reused
    e24 = A.source_entries(r, "shanghai_jingan", 2024, notes, lang="en")
    pop = [c for c in e24["D4.1"]["caveats"] if c.startswith("Resident population") or "census" in c]
    assert any("2020 census figure reused for 2024" in c for c in pop), e24["D4.1"]["caveats"]
    # against the seed districts alone (Jing'an and Guangming, 2020) D4.1 sits 26.4 below the median
    seed_only = build_index(ROOT / "data/submissions/seed_districts.csv", ROOT / "data/frameworks/district_rol.yaml",
                            ROOT / "data/methodologies/baseline.yaml")
    f = A.findings(seed_only, "shanghai_jingan", 2020, entries, "en")
    weak = [w for w in f["weaknesses"] if "Legal publicity events" in w]
    assert weak and all("lower bound" in w and "not established as a weakness" in w for w in weak)
    # only significant gaps, and no fixed count
    assert all("points above" in t for t in f["strengths"])
    html = sources_html(entries, {"D4.1": "Legal publicity events"}, "en")
    assert "seed:000_509bed" not in html and "work summary 2020" in html


def test_findings_follow_up_last_years_weaknesses(real):
    r, _ = real
    f = A.findings(r, "sample_13", 2024, None, "en")
    assert f["follow_up"] and all(" in 2023 " in t for t in f["follow_up"])
    html = findings_html(f, "en")
    assert "Follow-up of last year" in html


def test_rectification_chosen_by_the_data(real):
    r, _ = real
    items = A.rectification(r, "sample_13", 2024, "zh")
    codes = [i["code"] for i in items]
    # D4.1 scores 22.4 against a median of 43.6 -> its advice applies; D1.1 (96.1 >= 60) does not
    assert "D4.1" in codes and "D1.1" not in codes
    i = items[codes.index("D4.1")]
    assert "普法活动覆盖面不足" in i["problem"] and "区司法局普法与依法治理科" in i["unit"]


def test_sample_13_rank_depends_on_the_unsubmitted_rule(real, tmp_path):
    r, _ = real
    sens = store.unsubmitted_sensitivity(r)
    row = sens.loc[("sample_13", 2024)]
    assert (int(row["rank"]), int(row["other_rank"]), int(row["own_other_rank"])) == (1, 4, 9)
    assert bool(row["decides"]) and int(row["unsubmitted"]) == 5
    note = A.unsubmitted_note(sens, "sample_13", 2024, "en")
    assert "rank 1 now, 4 if unsubmitted items scored 0 (9 if only this district" in note


def test_index_page_lists_ungraded_districts_apart(real, tmp_path):
    r, _ = real
    page = render_index_page(r, 2020, {}, [], tmp_path / "index.html").read_text("utf-8")
    ranked, ungraded = page.split("不评定等次（不参与排名）", 1)
    assert "光明区" not in ranked and "静安区" not in ranked.split("<tbody>", 1)[1]
    assert "光明区 / Guangming District" in ungraded and "7/28" in ungraded
    page24 = render_index_page(r, 2024, {}, [], tmp_path / "i24.html").read_text("utf-8")
    assert "的排名取决于未报送项的计分方式" in page24
    assert "5 项；按 0 分计排名 4（仅本区：9）" in page24


def test_scores_csv_marks_ungraded(real, tmp_path):
    r, _ = real
    t = pd.read_csv(r.to_csv(tmp_path / "scores.csv")).set_index(["district", "year"])
    assert t.loc[("shenzhen_guangming", 2020), "grade_zh"] == "不评定等次"
    assert not t.loc[("shenzhen_guangming", 2020), "graded"]
    assert pd.isna(t.loc[("shenzhen_guangming", 2020), "rank"])
    assert "7 of 28" in t.loc[("shenzhen_guangming", 2020), "grade_reason"]
    assert os.path.getsize(tmp_path / "scores.csv") > 0
