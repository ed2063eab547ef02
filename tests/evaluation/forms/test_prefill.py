"""``rolindex extract --district --year``: the district's submission form pre-filled with the proposals."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from evaluation.cli import main
from evaluation.forms import FormError, read_form
from evaluation.forms.layout import COL, compose_source, split_source
from evaluation.forms.prefill import prefill_form
from indicators.extract import document_from_text, extract_text
from indicators.extract.review import rows_for
from indicators.framework import load_framework
from indicators.submission import read_figures, validate
from tests.conftest import ROOT

FRAMEWORK = ROOT / "data" / "frameworks" / "district_rol.yaml"
TITLE = "光明区司法局2020年工作总结"
S1 = "2020年,光明区政府共受理行政复议案件21宗,已办结15宗;行政诉讼案件共125宗,已结案85宗,无行政机关败诉情况。"
S2 = "全区各社区法律顾问参与普法宣传教育活动1161余场。"
S3 = "全年人民调解组织受理各类纠纷1200件,调解成功1180件,调解成功率为98.33%。"
REPORT = f"{TITLE}\n{S1}\n{S2}\n{S3}\n"
# Worked out by reading the sentences: figure -> (value, quote, note before the evidence name).
EXPECTED = {
    "reconsideration_received": (21, S1, None), "reconsideration_closed": (15, S1, None),
    "litigation_concluded": (85, S1, None), "litigation_lost": (0, S1, None),  # 无行政机关败诉
    "mediation_received": (1200, S3, None), "mediation_resolved": (1180, S3, None),
    "mediation_success_rate": (0.9833, S3, None),
    "publicity_events": (1161, S2, "下限 lower bound"),  # 1161余场: a lower bound, flagged
}


@pytest.fixture(scope="module")
def framework():
    return load_framework(FRAMEWORK)


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "guangming_2020.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_extract_writes_the_prefilled_form(tmp_path, report, framework, capsys):
    out = tmp_path / "form.xlsx"
    assert main(["extract", str(report), "--district", "shenzhen_guangming", "--year", "2020", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "submission form pre-filled (8 values, 1 marked orange to check)" in printed
    assert "population — type them into the form before returning it" in printed
    form = read_form(out, framework, expect_district="shenzhen_guangming", expect_year=2020)
    assert form.status == "ok" and form.problems == []
    got = {r.figure: r for r in form.values.itertuples()}
    assert sorted(got) == sorted(EXPECTED)
    for fid, (value, quote, note) in EXPECTED.items():
        row = got[fid]
        assert row.value == pytest.approx(value, abs=1e-12), fid
        assert (row.district, row.year, row.source, row.quote) == ("shenzhen_guangming", 2020, TITLE, quote), fid
        assert row.note == "; ".join(x for x in (note, "佐证材料 / evidence: guangming_2020.txt") if x), fid
        assert row.evidence == "guangming_2020.txt"
    report_ = validate(form.submission, framework)
    assert [(e.figure, e.district) for e in report_.errors] == [("population", "shenzhen_guangming")]
    assert "required figure population" in str(report_.errors[0])
    assert report_.warnings == []
    # the flagged value is marked on its cell; the others are not; the rate shows the report's decimals
    book = load_workbook(out)
    sheet = book["填报 Figures"]
    rows = {sheet.cell(r, COL["code"]).value: r for r in range(1, sheet.max_row + 1)}
    flagged = sheet.cell(rows["publicity_events"], COL["value"])
    assert flagged.fill.fgColor.rgb.endswith("F8CBAD")
    assert "下限 lower bound" in flagged.comment.text and "1161余场" in flagged.comment.text
    plain = sheet.cell(rows["reconsideration_received"], COL["value"])
    assert plain.comment is None and not plain.fill.fgColor.rgb.endswith("F8CBAD")
    assert sheet.cell(rows["mediation_success_rate"], COL["value"]).number_format == "0.00%"


def test_long_keeps_the_long_review_sheet(tmp_path, report, framework):
    out = tmp_path / "review.xlsx"
    assert main(["extract", str(report), "--district", "shenzhen_guangming", "--year", "2020", "--long",
                 "--out", str(out)]) == 0
    sub = read_figures(out)
    assert set(sub.figures["figure"]) == set(EXPECTED)
    assert read_form(out, framework).meta is None  # a plain submission, not a form


def test_two_reports_disagreeing_are_marked(tmp_path, framework):
    a = document_from_text(REPORT, path=str(tmp_path / "a.txt"))
    other = "光明区2020年法治政府建设年度报告\n2020年,光明区政府共受理行政复议案件22宗。\n"
    b = document_from_text(other, path=str(tmp_path / "b.txt"))
    rows = [*rows_for(extract_text(a.text, framework, year=2020), a, "shenzhen_guangming", 2020),
            *rows_for(extract_text(b.text, framework, year=2020), b, "shenzhen_guangming", 2020)]
    out = prefill_form(rows, framework, "shenzhen_guangming", 2020, tmp_path / "f.xlsx")
    got = {r.figure: r for r in read_form(out, framework).values.itertuples()}
    row = got["reconsideration_received"]
    assert row.value == 21 and row.source == TITLE and row.evidence == "a.txt"  # equal confidence: first report
    assert row.note == ("另一报告为 / another report gives 22宗（光明区2020年法治政府建设年度报告）; "
                        "佐证材料 / evidence: a.txt")


def test_refused_figures_and_office_frameworks(tmp_path, framework):
    office = load_framework(ROOT / "data" / "frameworks" / "judicial_office_std.yaml")
    with pytest.raises(FormError, match="司法所表格无法预填 / .* has office forms"):
        prefill_form([], office, "x", 2020, tmp_path / "o.xlsx")
    doc = document_from_text(REPORT, path="r.txt")
    rows = rows_for(extract_text(doc.text, framework, year=2020), doc, "shenzhen_guangming", 2020)
    stray = replace(rows[0], proposal=replace(rows[0].proposal, figure="no_such_figure"))
    with pytest.raises(FormError, match="the framework does not declare: no_such_figure"):
        prefill_form([*rows, stray], framework, "shenzhen_guangming", 2020, tmp_path / "s.xlsx")
    assert not (tmp_path / "s.xlsx").exists()


def test_split_source_reads_what_staff_write():
    assert split_source("区统计年鉴2020") == ("区统计年鉴2020", None, None)
    assert split_source(None) == (None, None, None)
    assert split_source("年报\n引文：受理21宗。\n说明：约数") == ("年报", "受理21宗。", "约数")
    assert split_source("引文 / quote: 第一行\n第二行") == (None, "第一行\n第二行", None)


_line = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda t: t.strip() == t and not any(t.lower().startswith(m) for m in ("引文", "quote", "说明", "note")))


@given(_line, _line, st.one_of(st.none(), _line))
def test_compose_then_split_round_trips(source, quote, note):
    assert split_source(compose_source(source, quote, note)) == (source, quote, note)
