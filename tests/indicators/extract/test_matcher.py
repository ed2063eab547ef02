"""The matcher on hand-worked sentences: one rule per test, then the held-out paraphrases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.extract import extract_text
from indicators.extract.gold import read_sentences, score_document, total
from indicators.framework import load_framework
from tests.conftest import ROOT

HERE = ROOT / "tests" / "indicators" / "extract"


@pytest.fixture(scope="module")
def fw():
    return load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")


def props(text, fw, year=2023):
    return {p.figure: p for p in extract_text(text, fw, year=year).proposals}


def test_count_and_its_rate_in_one_sentence(fw):
    p = props("2020年,我区各人民调解组织共受理民间纠纷18309件,调解解决17948件,调解成功率为98.03%。", fw, 2020)
    assert {k: v.value for k, v in p.items()} == {"mediation_received": 18309, "mediation_resolved": 17948,
                                                  "mediation_success_rate": pytest.approx(0.9803)}
    rate = p["mediation_success_rate"]
    assert (rate.value_text, rate.as_written, rate.unit) == ("98.03%", "98.03%", "%")
    assert (rate.flags, rate.period) == ((), "2020")
    assert rate.quote.startswith("2020年") and rate.evidence == "调解成功率为98.03%。"


def test_offsets_and_quotes_are_verbatim(fw):
    text = "一、概况\n全区共办理法律援助案件1,236件，同比增长8.2%。"
    p = props(text, fw)["legal_aid_cases"]
    assert text[p.offset:p.offset + len(p.as_written)] == "1,236件" == p.as_written
    quote = "全区共办理法律援助案件1,236件，同比增长8.2%。"
    assert text[p.quote_offset:p.quote_offset + len(p.quote)] == p.quote == quote
    assert p.value == 1236 and p.value_text == "1236"


@pytest.mark.parametrize("text, figure, value", [
    ("全区人民调解组织受理各类矛盾纠纷二百三十件。", "mediation_received", 230),
    ("截至年末,全区共有执业律师1.2万人。", "lawyers", 12000),
    ("全区刑满释放人员安置率达百分之九十八。", "released_placement_rate", 0.98),
    ("全年接听12348热线来电３，４５６人次。", "hotline_12348_calls", 3456),
])
def test_numerals_in_context(fw, text, figure, value):
    assert props(text, fw)[figure].value == pytest.approx(value)


@pytest.mark.parametrize("text, figure, flag", [
    ("全年共开展民法典学习宣传活动230余场。", "publicity_events", "lower_bound"),
    ("全区执业律师逾2000人。", "lawyers", "lower_bound"),
    ("区公共法律服务满意率超过98%。", "service_satisfaction", "lower_bound"),
    ("人民调解组织调解成功率约为98%。", "mediation_success_rate", "approximate"),
    ("全年累计安置刑满释放人员3219人。", "released_placed", "cumulative"),
    ("一季度,全区受理行政复议申请86件。", "reconsideration_received", "partial_period"),
    ("1-11月,全区受理法律援助案件900件。", "legal_aid_cases", "partial_period"),
    ("全市共受理行政复议案件1.5万件。", "reconsideration_received", "other_entity"),
    ("2024年,全局主动公开政府信息280条;收到政府信息公开申请12件。", "disclosure_requests", "other_entity"),
    ("去年全区人民调解组织受理纠纷4567件。", "mediation_received", "previous_year"),
    ("2022年,全区人民调解组织受理纠纷4567件。", "mediation_received", "previous_year"),
    ("力争人民调解成功率达到98%。", "mediation_success_rate", "target"),
])
def test_flags(fw, text, figure, flag):
    p = props(text, fw)[figure]
    assert flag in p.flags and p.flagged and p.confidence <= 0.6


@pytest.mark.parametrize("text, figure", [
    ("与去年同期相比,法律援助案件增长12%。", "legal_aid_cases"),
    ("我区执业律师人数较上年增加112人。", "lawyers"),
    ("新增省级民主法治示范村（社区）3个。", "model_communities"),
    ("办理律师调解案件56件。", "mediation_received"),
    ("共计1443人次参加了行政执法培训。", "enforcement_exam_takers"),
    ("开展行政执法案卷评查,合格率97%。", "enforcement_exam_pass_rate"),
    ("全区现有公职律师96名。", "lawyers"),
    ("三家司法所作为全市首批试点项目获奖。", "judicial_offices"),
    ("全区各社区法律顾问共参与受理矛盾纠纷3230宗,化解成功2952宗。", "mediation_resolved"),
])
def test_hard_negatives_are_not_taken(fw, text, figure):
    assert figure not in props(text, fw)


def test_unflagged_candidate_wins_over_previous_year(fw):
    text = "2020年,区政府部门行政诉讼一审案件行政负责人出庭应诉案200件,出庭应诉率79.7%,远高于去年全年的41.7%。"
    p = props(text, fw, 2020)
    assert p["head_appearance_rate"].value == pytest.approx(0.797) and not p["head_appearance_rate"].flags
    assert p["head_appearances"].value == 200


def test_zero_in_words(fw):
    p = props("行政诉讼案件共125宗,已结案85宗,无行政机关败诉情况。", fw)
    assert p["litigation_lost"].value == 0 and p["litigation_lost"].as_written == "无行政机关败诉"
    assert p["litigation_concluded"].value == 85


def test_plan_part_is_flagged_as_target(fw):
    text = ("2023年区司法局工作总结\n" + "全区共办理法律援助案件1236件。\n" * 3
            + "三、2024年工作计划\n全区法律援助案件受理力度加大,法律援助案件受理1500件。\n")
    ex = extract_text(text, fw)
    p = {x.figure: x for x in ex.proposals}["legal_aid_cases"]
    assert p.value == 1236 and not p.flags
    assert ex.scope.plan_start == text.index("三、2024年工作计划")


def test_city_report_flags_everything(fw):
    text = "市司法局\n来源:市司法局\n2021年,市司法局党委坚持...行政机关负责人出庭应诉率达80.46%。"
    ex = extract_text(text, fw)
    assert ex.scope.level == "city" and ex.scope.district is None
    assert [p.flags for p in ex.proposals] == [("other_entity",)]


@pytest.mark.parametrize("text, reason", [
    ("", "文本为空 / the document has no text"),
    ("   \n ", "文本为空"),
    ("The district legal aid centre handled 1,236 cases in 2023.", "不是中文报告 / not a Chinese report"),
    ("今天天气很好,我们去公园散步。", "未找到框架中的指标"),
])
def test_empty_results_say_why(fw, text, reason):
    ex = extract_text(text, fw)
    assert ex.proposals == () and reason in ex.reason


def _score(path, fw):
    texts, gold = read_sentences(path)
    return total(score_document(c, t, extract_text(t, fw, year=2023).proposals, gold) for c, t in texts.items())


def test_heldout_paraphrases(fw):
    """Sentences written in other words than the seeds (the vocabulary was extended after a first run)."""
    s = _score(HERE / "heldout.csv", fw)
    assert s.verbatim_share == 1.0
    assert s.precision >= 0.95, s.wrong
    assert s.recall >= 0.90, s.missed


def test_heldout_untuned(fw):
    """A second set written after the vocabulary was frozen and never tuned on: floors at what it measured."""
    s = _score(HERE / "heldout_untuned.csv", fw)
    assert s.verbatim_share == 1.0
    assert s.precision >= 0.95, s.wrong
    assert s.recall >= 0.75, s.missed


_FW = load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")
_ALPHABET = "受理纠纷调解成功率人民组织律师执业名件宗人次%余约近全市去年一季度,，。;；：\n 0123456789.万两百"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=300))
def test_never_crashes_and_quotes_stay_verbatim(text):
    ex = extract_text(text, _FW, year=2023)
    for p in ex.proposals:
        assert text[p.quote_offset:p.quote_offset + len(p.quote)] == p.quote
        assert p.evidence in p.quote and p.as_written in text
        assert p.value >= 0 and 0 < p.confidence <= 1
