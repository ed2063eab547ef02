"""The review form is a long submission: read_figures reads it, validation passes once population is given."""

from __future__ import annotations

import pytest

from indicators.extract import document_from_text, extract_text
from indicators.extract.panel import extract_panel
from indicators.extract.review import REVIEW_COLUMNS, rows_for, write_review_form, write_submission_csv
from indicators.framework import load_framework
from indicators.submission import read_figures, validate
from tests.conftest import ROOT

REPORT = ("东城区司法局2023年工作总结\n"
          "2023年,我区各人民调解组织共受理民间纠纷1,830件,调解解决1,794件,调解成功率为98.03%。\n"
          "全年共开展民法典学习宣传活动230余场。\n"
          "截至年底,全区共有执业律师612名。\n")


@pytest.fixture(scope="module")
def fw():
    return load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")


@pytest.fixture
def population(tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("district,year,figure,value\n东城区,2023,population,500000\n", encoding="utf-8")
    return path


def _rows(fw, district=None):
    doc = document_from_text(REPORT, path="report.txt")
    ex = extract_text(doc.text, fw)
    assert ex.scope.district == "东城区" and ex.scope.year == 2023
    return rows_for(ex, doc, district=district)


def test_form_reads_and_validates_with_zero_errors(tmp_path, fw, population):
    rows = _rows(fw)
    path = write_review_form(rows, tmp_path / "review.xlsx", ["note"])
    sub = read_figures(path, population)
    got = {r.figure: r.value for r in sub.figures.itertuples()}
    assert got == {"mediation_received": 1830, "mediation_resolved": 1794,
                   "mediation_success_rate": pytest.approx(0.9803), "publicity_events": 230,
                   "lawyers": 612, "population": 500000}
    fig = sub.figures.set_index("figure")
    assert fig.loc["mediation_success_rate", "text"] == "98.03%"
    assert fig.loc["lawyers", "source"] == "东城区司法局2023年工作总结"
    assert fig.loc["lawyers", "quote"] == "截至年底,全区共有执业律师612名。"
    assert fig.loc["publicity_events", "note"] == "下限 lower bound"
    report = validate(sub, fw)
    assert report.errors == []
    unused = {w.column for w in report.warnings if "is not used" in w.message}
    assert unused == set(REVIEW_COLUMNS)  # the review columns only warn


def test_form_is_styled_for_people(tmp_path, fw):
    from openpyxl import load_workbook

    path = write_review_form(_rows(fw), tmp_path / "review.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["figures", "说明 readme"]
    sheet = book["figures"]
    assert sheet.freeze_panes == "E2"
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["district", "year", "figure", "value", "district_name", "unit", "source", "quote"]
    quote_col = sheet.cell(row=1, column=header.index("quote") + 1).column_letter
    assert sheet.column_dimensions[quote_col].width == 60 and sheet[f"{quote_col}2"].alignment.wrap_text
    rate = sheet.cell(row=4, column=4)
    assert rate.value == pytest.approx(0.9803) and rate.number_format == "0.00%"


def test_accepted_csv_holds_only_unflagged_rows(tmp_path, fw, population):
    rows = [r for r in _rows(fw, district="d01") if not r.proposal.flagged]
    path = write_submission_csv(rows, tmp_path / "accepted.csv")
    text = path.read_text(encoding="utf-8")
    assert "publicity_events" not in text and text.startswith("district,year,figure,value,")
    population.write_text("district,year,figure,value\nd01,2023,population,500000\n", encoding="utf-8")
    report = validate(read_figures(path, population), fw)
    assert report.errors == [] and report.warnings == []


def test_panel_of_districts_and_years(tmp_path, fw):
    folder = tmp_path / "reports"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "2022.txt").write_text(REPORT.replace("2023", "2022"), encoding="utf-8")
    (folder / "b.txt").write_text(REPORT.replace("东城区", "西城区"), encoding="gbk")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "english.txt").write_text("Annual report, 1,236 cases.", encoding="utf-8")
    result = extract_panel(folder, fw)
    assert result.documents == 3
    keys = {(r.district, r.year) for r in result.accepted}
    assert keys == {("东城区", 2022), ("西城区", 2023)}
    assert {r.proposal.figure for r in result.review} == {"publicity_events"}
    assert any("broken.pdf: 不是可读取的 PDF" in m for m in result.messages)
    assert any("english.txt: 不是中文报告" in m for m in result.messages)
    out = write_submission_csv(result.accepted, tmp_path / "panel.csv", provenance=True)
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith("document,sha256,offset,as_written")
    sub = read_figures(out)
    assert len(sub.figures) == 8 and not [p for p in sub.problems if p.severity == "error"]
