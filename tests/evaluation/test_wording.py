"""The methodology table in words: sentences, not code, for every step of the shipped methodologies."""

from __future__ import annotations

import pytest

from evaluation.report import content as rd
from evaluation.report import html as report_html
from evaluation.report import store
from evaluation.report.wording import step_sentence
from tests.conftest import ROOT

CODE_MARKS = ("=True", "=False", "min_coverage", "by=count", "Σ", "``", "clip")


def test_baseline_steps_read_as_sentences():
    entry = {"step": "missing", "method": "skip", "params": {"min_coverage": 0.5, "by": "count"}}
    assert step_sentence(entry) == (
        "缺失项不计入，其权重由同一上级下有数据的项按比例分担；至少 50% 的下级项有数据才计算（按项数计）。",
        "A missing item is left out and its weight is shared among the items with data under the same parent; "
        "computed only when at least 50% of its items have data (by number of items).")
    assert step_sentence({"step": "normalise", "method": "goalposts", "params": {"clip": True}})[1].endswith(
        "values beyond the goalposts count as 0 or 100.")
    assert step_sentence({"step": "aggregate", "method": "arithmetic", "params": {}}) == (
        "各项得分按权重加权平均（仅计有数据的项）。",
        "Scores are combined as a weighted average of the items with data.")
    # a method without a sentence here: its label, formulas dropped; an unknown parameter named in words
    zh, en = step_sentence({"step": "normalise", "method": "fracmax", "params": {"scale": 100}})
    assert zh == "按占当年最大值的比例赋分；参数 scale = 100。" and "``" not in en and "scale * x" not in en
    assert en == "Fraction of the year's maximum, for + indicators where 0 means none; parameter scale = 100."


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "data" / "methodologies").glob("*.yaml")))
def test_no_code_in_the_methodology_table_of_any_shipped_methodology(name):
    try:
        result = store.load_result("synthetic_panel", "district_rol", name)
    except Exception as exc:  # methodologies for another framework (e.g. WJP) do not apply here
        pytest.skip(f"{name} does not apply to district_rol: {exc}")
    note = rd.methodology_note(result)
    for lang in ("zh", "en"):
        table = report_html.methodology_html(note, lang)
        steps = table.split("<tr>", 3)[3].split("等次划分" if lang == "zh" else "Grade bands")[0]
        assert not [m for m in CODE_MARKS if m in steps], (name, lang, steps)


def test_headings_come_in_the_pages_language():
    from evaluation.errors import ReportDataError
    from evaluation.report.wording import HEADINGS, heading_text

    assert heading_text("scorecard", "zh") == "计分卡 / Scorecard"
    assert heading_text("scorecard", "en") == "Scorecard"
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in heading_text(k, "en")) for k in HEADINGS)
    with pytest.raises(ReportDataError, match="no heading 'scorecards'; did you mean 'scorecard'"):
        heading_text("scorecards", "en")
    with pytest.raises(ReportDataError, match="lang must be one of"):
        heading_text("scorecard", "fr")
