"""加分 (bonus) and 一票否决 (veto) items on the report, worked by hand on the tiny framework with adjustments.

tests/evaluation/tiny_report.py: 2024 index before adjustments x 72, y 75, z 22 (合格, 合格, 不合格
under the baseline bands 90/80/60). Declared: award 0.5 points each (at most 2), innovation 1 point
at 1 or more, incident (veto, threshold 1) caps the grade at Fail.

- x: 1 award → +0.5 → 72.5; 1 incident → grade 合格 capped to 不合格.
- y: 4 awards → min(2, 4 × 0.5) = 2, 1 innovation → +1 → 78.0; 0 incidents → 合格 stays.
- z: no figure → nothing applies; 22 → 不合格.
"""

from __future__ import annotations

import pytest

from evaluation.report import assessment as ra
from evaluation.report import content as rd
from evaluation.report import store
from evaluation.report.assessment_html import adjustments_html
from tests.evaluation.tiny_report import write_tiny, write_tiny_adjusted


@pytest.fixture
def adjusted(tmp_path):
    store.clear_cache()
    csv, fw = write_tiny_adjusted(tmp_path)
    yield store.load_result(csv, fw, None), store.figure_notes(csv)
    store.clear_cache()


def test_index_and_grades_are_adjusted_as_declared(adjusted):
    result, _ = adjusted
    assert result.index[("x", 2024)] == pytest.approx(72.5) and result.index[("y", 2024)] == pytest.approx(78)
    assert tuple(result.grades.loc[("x", 2024)]) == ("不合格", "Fail")  # 合格 by its index, capped by the veto
    assert tuple(result.grades.loc[("y", 2024)]) == ("合格", "Pass")
    assert rd.district_summary(result, "x", 2024)["grade_zh"] == "不合格"


def test_adjustments_list_each_applied_item_with_points_cap_and_evidence(adjusted):
    result, notes = adjusted
    x = ra.adjustments(result, "x", 2024, notes, lang="zh")
    assert x["declared"] and [i["id"] for i in x["items"]] == ["award", "incident"]
    award, veto = x["items"]
    assert award["effect"] == "加 0.50 分（每项 0.5 分，最多 2 分） / +0.50 points (0.5 points each, at most 2)"
    assert award["evidence"] == ["获评示范次数: 1", "来源：doc_x / source: doc_x", "「获评市级示范1次」"]
    assert veto["kind"] == "veto" and veto["name"] == "发生重大违法事件 / Major unlawful incident"
    assert veto["effect"] == ("一票否决：等次最高为“不合格”（按指数为“合格”） / veto: grade at most Fail "
                              "(the index alone gives Pass)")
    assert x["bonus_total"] == pytest.approx(0.5)
    y = ra.adjustments(result, "y", 2024, notes, lang="en")
    assert [(i["id"], i["effect"]) for i in y["items"]] == [
        ("award", "+2.00 points (0.5 points each, at most 2)"), ("innovation", "+1.00 points (1 points at 1 or more)")]
    assert y["bonus_total"] == pytest.approx(3)  # 78 − 75
    z = ra.adjustments(result, "z", 2024, notes, lang="en")
    assert z == {"declared": True, "items": [], "bonus_total": 0.0}


def test_adjustments_html_is_bilingual_escaped_and_absent_when_none_declared(adjusted, tmp_path):
    result, notes = adjusted
    page = adjustments_html(ra.adjustments(result, "y", 2024, notes, lang="zh"), "zh")
    assert "<h2>加分与一票否决 / Bonus and veto items</h2>" in page
    assert "&lt;b&gt;经验&lt;/b&gt;" in page and "<b>经验" not in page  # the quote is escaped
    assert "加分合计 3.00 分" in page
    en = adjustments_html(ra.adjustments(result, "x", 2024, notes, lang="en"), "en")
    assert "<h2>Bonus and veto items</h2>" in en and "veto: grade at most Fail" in en and "加分" not in en
    none = adjustments_html(ra.adjustments(result, "z", 2024, notes, lang="en"), "en")
    assert "No bonus or veto item applies to this district." in none
    csv, fw = write_tiny(tmp_path / "plain" if (tmp_path / "plain").mkdir() is None else tmp_path)
    plain = store.load_result(csv, fw, None)
    found = ra.adjustments(plain, "x", 2024, lang="zh")
    assert found == {"declared": False, "items": [], "bonus_total": 0.0} and adjustments_html(found, "zh") == ""
