"""Report content on the tiny hand-checked example (tests/evaluation/tiny_report.py) and sample data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from evaluation.errors import ReportDataError
from evaluation.report import content as rd
from evaluation.report import store
from evaluation.report.html import headline_html, methodology_html, scorecard_html, strengths_html
from indicators import build_index, load_framework, load_methodology
from indicators.submission import read_figures
from tests.conftest import ROOT
from tests.evaluation.tiny_report import HOSTILE, write_tiny

BASELINE = load_methodology(ROOT / "data" / "methodologies" / "baseline.yaml").to_dict()


@pytest.fixture(autouse=True)
def fresh_cache():
    store.clear_cache()
    yield
    store.clear_cache()


@pytest.fixture
def tiny(tmp_path):
    csv, fw = write_tiny(tmp_path)
    return store.load_result(csv, fw, BASELINE)


def rows(table):
    return {r["code"]: r for r in table.to_dict("records")}


# ---------------------------------------------------------------------------------------------
# loading and memoisation
# ---------------------------------------------------------------------------------------------
def test_load_result_is_memoised_and_recomputes_the_same_numbers(tmp_path):
    csv, fw = write_tiny(tmp_path)
    first = store.load_result(csv, fw, BASELINE)
    assert store.load_result(csv, fw, BASELINE) is first
    store.clear_cache()  # what a fresh kernel (standalone papermill run) sees
    fresh = store.load_result(csv, fw, BASELINE)
    assert fresh is not first
    assert fresh.index.equals(first.index)
    assert fresh.contributions.equals(first.contributions)


def test_load_result_recomputes_when_an_input_changes(tmp_path):
    csv, fw = write_tiny(tmp_path)
    base = store.load_result(csv, fw, BASELINE)
    other = dict(BASELINE, weights={"method": "equal"})
    assert store.load_result(csv, fw, other) is not base
    assert store.load_result(csv, fw, dict(BASELINE, name="renamed")) is not base
    csv.write_text(csv.read_text(encoding="utf-8").replace("x,2024,closed,90", "x,2024,closed,95"),
                   encoding="utf-8")
    changed = store.load_result(csv, fw, BASELINE)
    assert changed is not base
    assert changed.indicators.loc[("x", 2024), "A.1"] == pytest.approx(0.95)


def test_load_result_accepts_sample_names_and_none_for_the_baseline():
    a = store.load_result("synthetic_panel", "district_rol", None)
    b = store.load_result(ROOT / "data/submissions/synthetic_panel.csv", ROOT / "data/frameworks/district_rol.yaml",
                       BASELINE)
    assert a is b  # same file, framework and methodology content


def test_load_result_errors_name_the_problem(tmp_path):
    with pytest.raises(ReportDataError, match="figures file .*nope.csv.* does not exist"):
        store.load_result(tmp_path / "nope.csv", "district_rol", None)
    with pytest.raises(ReportDataError, match="framework file"):
        store.load_result("synthetic_panel", tmp_path / "missing.yaml", None)
    with pytest.raises(ReportDataError, match="a methodology is a Methodology, its dict"):
        store.load_result("synthetic_panel", "district_rol", 42)
    assert store.as_methodology("baseline") == store.as_methodology(None)  # a bare name is a shipped file


def test_synthetic_flag_from_sources(tmp_path):
    real_csv, fw = write_tiny(tmp_path, source="seed:report_2024")
    assert store.is_synthetic(read_figures(real_csv)) is False
    assert store.is_synthetic(store.load_result(real_csv, fw, BASELINE)) is False
    assert store.is_synthetic(store.load_result("synthetic_panel", "district_rol", None)) is True
    assert store.is_synthetic(store.load_result("seed_districts", "district_rol", None)) is False
    bare = build_index(read_figures(real_csv), load_framework(fw), BASELINE)
    with pytest.raises(ReportDataError, match="does not record its data sources"):
        store.is_synthetic(bare)
    assert store.is_synthetic(store.with_sources(bare, ["seed:a", "synthetic:gen seed=1"])) is True


# ---------------------------------------------------------------------------------------------
# headline
# ---------------------------------------------------------------------------------------------
def test_district_summary_hand_checked(tiny):
    s = rd.district_summary(tiny, "x", 2024)
    assert s["index"] == pytest.approx(72.0)
    assert (s["rank"], s["n_ranked"], s["n_districts"]) == (2, 3, 3)
    assert (s["grade_zh"], s["grade_en"]) == ("合格", "Pass")
    assert s["prev_year"] == 2023 and s["prev_index"] == pytest.approx(52.0)
    assert s["index_change"] == pytest.approx(20.0)
    assert s["rank_change"] == 0
    assert (s["name_zh"], s["name_en"]) == ("甲区", "District X")
    assert s["coverage"] == 1.0 and s["index_missing_reason"] is None
    json.dumps(s)  # plain types only

    y = rd.district_summary(tiny, "y", 2024)
    assert y["index"] == pytest.approx(75.0) and y["rank"] == 1
    assert y["index_change"] == pytest.approx(1.0) and y["rank_change"] == 0
    assert y["coverage"] == pytest.approx(2 / 3) and y["weighted_coverage"] == pytest.approx(0.6)

    z = rd.district_summary(tiny, "z", 2024)  # no earlier year
    assert z["index"] == pytest.approx(22.0) and z["rank"] == 3
    assert z["prev_year"] is None and z["index_change"] is None and z["rank_change"] is None


def test_missing_index_is_missing_with_a_reason():
    seed = store.load_result("seed_districts", "district_rol", None)
    s = rd.district_summary(seed, "shanghai_jingan", 2024)
    assert s["index"] is None and s["rank"] is None and s["grade_zh"] is None
    assert (s["indicators_present"], s["indicators_total"]) == (3, 28)
    assert s["prev_year"] == 2020 and s["index_change"] is None
    assert "3/28" in s["index_missing_reason"]["zh"] and "3 of 28" in s["index_missing_reason"]["en"]
    html = headline_html(s, ("区级法治建设评估指数", "District Rule-of-Law Index"))
    assert "缺失 / missing" in html and "3/28" in html and "数据覆盖不足" in html


def test_unknown_district_year_or_language_is_an_error(tiny):
    with pytest.raises(ReportDataError, match="year 2019 is not in the result; years: 2023, 2024"):
        rd.district_summary(tiny, "x", 2019)
    with pytest.raises(ReportDataError, match="district 'z' has no figures for 2023; districts that year: x, y"):
        rd.scorecard(tiny, "z", 2023)
    with pytest.raises(ReportDataError, match="lang must be one of zh, en"):
        rd.scorecard(tiny, "x", 2024, lang="fr")
    with pytest.raises(ReportDataError, match="year must be an integer"):
        rd.district_summary(tiny, "x", "2024")


# ---------------------------------------------------------------------------------------------
# scorecard
# ---------------------------------------------------------------------------------------------
def test_scorecard_hand_checked(tiny):
    t = rd.scorecard(tiny, "x", 2024)
    assert list(t["code"]) == ["A", "A.1", "A.2", "B", "B.1"]  # tree order
    assert list(t["kind"]) == ["dimension", "indicator", "indicator", "dimension", "indicator"]
    r = rows(t)
    a1, a2, b1, a = r["A.1"], r["A.2"], r["B.1"], r["A"]
    assert (a1["value"], a1["value_text"], a1["unit"], a1["source"]) == (pytest.approx(0.9), "90.0%", "%", "counts")
    assert a1["score"] == pytest.approx(80) and a1["peer_median"] == pytest.approx(90)
    assert a1["peer_value_median_text"] == "95.0%"
    assert (a1["rank"], a1["n_ranked"]) == (2, 2)  # z has no value: ranked among x and y only
    assert a1["contribution"] == pytest.approx(32) and a1["weight"] == pytest.approx(40)
    assert (a2["value_text"], a2["peer_value_median_text"]) == ("10.0", "5.00")
    assert a2["score"] == pytest.approx(50) and a2["peer_median"] == pytest.approx(25)
    assert (a2["rank"], a2["n_ranked"]) == (1, 3) and a2["contribution"] == pytest.approx(10)
    assert b1["value_text"] == "95.0%" and b1["peer_median"] == pytest.approx(50) and b1["rank"] == 1
    assert a["score"] == pytest.approx(70) and a["peer_median"] == pytest.approx(70)
    assert (a["rank"], a["n_ranked"]) == (2, 3) and a["contribution"] == pytest.approx(42)
    assert a["source_text"] == "2/2 项指标有数据 / 2 of 2 indicators with data"
    assert t.loc[t["kind"] == "indicator", "contribution"].sum() == pytest.approx(72)


def test_scorecard_shows_missing_as_missing_with_the_reason(tiny):
    z = rows(rd.scorecard(tiny, "z", 2024))["A.1"]  # 0 cases: a zero denominator, not 0 %
    assert math.isnan(z["value"]) and math.isnan(z["score"]) and math.isnan(z["contribution"])
    assert z["value_text"] == "缺失 / missing" and z["rank"] is None
    assert z["source"] == "zero denominator"
    assert z["source_text"] == "缺失：分母为零 / missing: zero denominator"
    y = rows(rd.scorecard(tiny, "y", 2024, lang="en"))
    assert y["B.1"]["value_text"] == "missing"
    # the unsubmitted rule that applied is stated per item
    assert y["B.1"]["source_text"] == ("missing: Satisfaction survey not submitted "
                                       "(not submitted: skipped, its weight shared among the submitted items)")
    assert math.isnan(y["B"]["score"]) and math.isnan(y["B"]["contribution"])
    assert y["B"]["source_text"] == "0 of 1 indicators with data"
    # B's weight is shared out: A carries the whole index for y
    assert y["A.1"]["realised_weight"] == pytest.approx(200 / 3) and y["A"]["realised_weight"] == pytest.approx(100)
    assert y["A.1"]["contribution"] == pytest.approx(200 / 3)


def test_scorecard_language(tiny):
    en = rows(rd.scorecard(tiny, "x", 2024, lang="en"))
    assert en["A.2"]["name"] == "Aid & advice per 10k" and en["A.2"]["unit"] == "cases/10,000 residents"
    assert rows(rd.scorecard(tiny, "x", 2024))["A.2"]["name"] == "每万人法律援助数"


def test_realised_weights_sum_to_one_and_give_the_contributions(tiny):
    for district in ("x", "y", "z"):
        w = rd.realised_weights(tiny, district, 2024)
        assert w.sum() == pytest.approx(1.0)
        score = tiny.normalised.loc[(district, 2024)].fillna(0)
        assert (w * score).sum() == pytest.approx(tiny.index[(district, 2024)])


@pytest.mark.parametrize(("source", "text"), [
    ("counts", "按填报数计算 / computed from counts"), ("reported", "采用报告比率 / reported rate"),
    ("imputed:mean", "插补（当年均值） / imputed (mean)"),
    ("constant within year", "缺失：当年各区数值相同，无法标准化 / missing: constant within the year"),
    ("not yet due (due 2023)", "未到考核年份（2023年起） / not yet due (from 2023)"),
    ("missing figure nowhere", "缺失：未填报“nowhere” / missing: nowhere not submitted"),
    ("something new", "缺失：something new / missing: something new"),
])
def test_source_text(tiny, source, text):
    assert rd.source_text(source, tiny.framework) == text


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.98034, "%", "98.0%"), (0.99991, "%", "99.99%"), (1.0, "%", "100.0%"), (0.00004, "%", "0.00%"),
    (0.0, "%", "0.0%"), (187.6499, "件/万人", "187.6"), (2.3573, "场/万人", "2.36"), (18309, "件", "18,309"),
    (1234.5, "件", "1,234.50"), (float("nan"), "%", "缺失 / missing"), (None, "件", "缺失 / missing"),
])
def test_format_value(value, unit, text):
    assert rd.format_value(value, unit) == text


# ---------------------------------------------------------------------------------------------
# strengths and weaknesses
# ---------------------------------------------------------------------------------------------
def test_strengths_and_weaknesses_sentences(tiny):
    sw = rd.strengths_weaknesses(tiny, "x", 2024)
    assert sw["strengths"] == [
        "满意率得分 75.0，高于同级中位数 25.0 分（排名 1/2）。 / Satisfaction scores 75.0, 25.0 points above "
        "the peer median (rank 1 of 2).",
        "每万人法律援助数得分 50.0，高于同级中位数 25.0 分（排名 1/3）。 / Aid & advice per 10k scores 50.0, "
        "25.0 points above the peer median (rank 1 of 3).",
    ]
    assert sw["weaknesses"] == [
        "结案率得分 80.0，低于同级中位数 10.0 分（排名 2/2）。 / Closure rate scores 80.0, 10.0 points below "
        "the peer median (rank 2 of 2).",
    ]
    en = rd.strengths_weaknesses(tiny, "x", 2024, n=1, lang="en")
    assert en == {"strengths": ["Satisfaction scores 75.0, 25.0 points above the peer median (rank 1 of 2)."],
                  "weaknesses": ["Closure rate scores 80.0, 10.0 points below the peer median (rank 2 of 2)."]}


def test_strengths_only_use_indicators_with_data(tiny):
    sw = rd.strengths_weaknesses(tiny, "z", 2024, n=5, lang="en")
    text = " ".join(sw["strengths"] + sw["weaknesses"])
    assert "Closure rate" not in text  # z has no closure rate
    assert sw == {"strengths": [], "weaknesses": [
        "Satisfaction scores 25.0, 25.0 points below the peer median (rank 2 of 2).",
        "Aid & advice per 10k scores 20.0, 5.0 points below the peer median (rank 3 of 3).",
    ]}
    with pytest.raises(ReportDataError, match="n must be a non-negative integer"):
        rd.strengths_weaknesses(tiny, "z", 2024, n=-1)
    assert "没有明显高于" in strengths_html({"strengths": [], "weaknesses": []})


def test_strengths_on_the_synthetic_panel_read_like_the_example():
    r = store.load_result("synthetic_panel", "district_rol", None)
    sw = rd.strengths_weaknesses(r, "sample_01", 2024)
    assert len(sw["strengths"]) == 3 and len(sw["weaknesses"]) == 3
    for sentence in sw["strengths"]:
        assert "高于同级中位数" in sentence and " / " in sentence and "points above the peer median (rank" in sentence


# ---------------------------------------------------------------------------------------------
# methodology note and sidecar
# ---------------------------------------------------------------------------------------------
def test_methodology_note(tiny, tmp_path):
    note = rd.methodology_note(tiny)
    assert note["framework"]["id"] == "tiny" and len(note["framework"]["content_hash"]) == 64
    assert note["methodology"]["name"] == "baseline"
    assert note["methodology"]["content_hash"] == tiny.methodology.content_hash
    steps = {s["step"]: s for s in note["steps"]}
    assert steps["normalise"]["method"] == "goalposts" and "固定阈值" in steps["normalise"]["text_zh"]
    assert steps["missing"]["params"] == {"min_coverage": 0.5, "by": "count"}
    assert "``" not in steps["normalise"]["text_en"]
    assert [g["zh"] for g in note["grades"]] == ["优秀", "良好", "合格", "不合格"]
    assert note["inputs"] == {"tiny.csv": tiny.provenance["inputs"]["tiny.csv"]}
    assert note["synthetic"] is True and note["data_sources"] == ["synthetic:tests"]
    html = methodology_html(note)
    assert note["framework"]["content_hash"] in html and "优秀 / Excellent ≥ 90" in html
    assert "不合格 / Fail &lt; 60" in html


def test_sidecar_is_written_atomically(tiny, tmp_path):
    out = tmp_path / "out"
    path = rd.write_sidecar(out, rd.district_summary(tiny, "x", 2024))
    assert path == out / "x.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["district"] == "x" and data["year"] == 2024 and data["rank"] == 2
    assert data["index"] == pytest.approx(72) and data["grade"] == {"zh": "合格", "en": "Pass"}
    assert data["coverage"] == 1.0
    assert sorted(p.name for p in out.iterdir()) == ["x.json"]  # no temp file left behind
    with pytest.raises(ReportDataError, match="cannot be used as a file name"):
        rd.write_sidecar(out, dict(rd.district_summary(tiny, "x", 2024), district="../evil"))


# ---------------------------------------------------------------------------------------------
# HTML escaping
# ---------------------------------------------------------------------------------------------
def test_scorecard_and_headline_html_escape_names(tmp_path):
    csv, fw = write_tiny(tmp_path, names={"x": HOSTILE})
    r = store.load_result(csv, fw, BASELINE)
    summary = rd.district_summary(r, "x", 2024)
    assert summary["name_zh"] == HOSTILE
    for html in (scorecard_html(rd.scorecard(r, "x", 2024), summary),
                 headline_html(summary, ("小指数", "Tiny index"))):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in html
    card = scorecard_html(rd.scorecard(r, "x", 2024, lang="en"), summary, lang="en")
    assert "Aid &amp; advice per 10k" in card and "Aid & advice" not in card


def test_peer_view_is_cached_per_result_object(tiny):
    v1 = store.peer_view(tiny, 2024)
    assert store.peer_view(tiny, 2024) is v1
    assert np.isclose(v1.medians["A.1"], 90)


def test_screened_out_district_is_explained(tmp_path):
    csv, fw = write_tiny(tmp_path)
    screened = dict(BASELINE, screen={"method": "coverage", "params": {"min_coverage": 0.9}})
    r = store.load_result(csv, fw, screened)
    with pytest.raises(ReportDataError, match=r"'z' 2024 was screened out by methodology 'baseline' "
                                              r"\(screen 'coverage', data availability 67%\)"):
        rd.scorecard(r, "z", 2024)
    steps = [s["step"] for s in rd.methodology_note(r)["steps"]]
    assert steps[0] == "screen" and "denominate" not in steps
