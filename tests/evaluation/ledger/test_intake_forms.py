"""Intake of returned forms: accepted forms with their evidence, and every kind of bad form recorded
as rejected with a bilingual reason while no current figure changes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest

from evaluation import paths
from evaluation.forms import fill_form, write_form
from evaluation.forms.districts import District
from evaluation.forms.feedback import FEEDBACK_SHEET
from evaluation.forms.filling import panel_values
from evaluation.forms.layout import FIGURES_SHEET
from evaluation.forms.template import form_filename
from evaluation.ledger.evidence_store import evidence_path
from evaluation.ledger.intake import NO_FEEDBACK_NEEDED, RECORDED_BEFORE, intake, summary
from evaluation.ledger.store import counts, current_figures, submissions_table
from indicators.framework import framework_from_dict, load_framework

YEAR = 2024


@pytest.fixture(scope="module")
def fw():
    return load_framework(paths.DEFAULT_FRAMEWORK)


@pytest.fixture(scope="module")
def values(fw):
    return panel_values(paths.SUBMISSIONS / "synthetic_panel.csv", fw, YEAR)


def _form(fw, folder: Path, code: str, values, year: int = YEAR, name: str | None = None, **kw) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or form_filename(fw, code, year))
    write_form(fw, District(code, f"{code}区", code, "示例市", "g"), year, path)
    fill_form(path, values, fw, **kw)
    return path


def test_forms_are_recorded_with_their_evidence_and_feedback(ledger, fw, values, tmp_path):
    ev = {"population": "普查公报.pdf", "lawyers": "律师名册.xlsx；照片.jpg"}
    path = _form(fw, tmp_path / "in", "sample_01", values["sample_01"], evidence=ev)
    (tmp_path / "in" / "普查公报.pdf").write_bytes(b"%PDF census")
    (tmp_path / "in" / path.stem).mkdir()
    (tmp_path / "in" / path.stem / "律师名册.xlsx").write_bytes(b"PK roster")
    other = _form(fw, tmp_path / "in", "sample_02", values["sample_02"])
    out = intake(ledger, [path, other], str(paths.DEFAULT_FRAMEWORK), year=YEAR, workers=1,
                 feedback_dir=tmp_path / "fb")
    assert [(o.district, o.status) for o in out] == [("sample_01", "accepted"), ("sample_02", "accepted")]
    assert not (tmp_path / "fb").exists()  # accepted without a problem: no feedback workbook
    table = summary(ledger, out, fw, YEAR)
    assert table["feedback"].tolist() == [NO_FEEDBACK_NEEDED] * 2
    subs = submissions_table(ledger)
    assert subs["kind"].tolist() == ["form", "form"]
    assert subs["framework_hash"].tolist() == [fw.content_hash] * 2 and subs["template_version"].ne("").all()
    cur = current_figures(ledger, YEAR)
    mine = cur[cur["district"] == "sample_01"].set_index("figure")["parsed"]
    assert mine.to_dict() == pytest.approx({k: float(v) for k, v in values["sample_01"].items()})
    for data in (b"%PDF census", b"PK roster"):  # the photo was named but not returned: nothing stored for it
        sha = hashlib.sha256(data).hexdigest()
        assert evidence_path(ledger.evidence_dir, sha).read_bytes() == data
    assert counts(ledger)["evidence"] == 2 and counts(ledger)["value_evidence"] == 2


@pytest.fixture
def accepted(ledger, fw, values, tmp_path):
    """The ledger with sample_01's form accepted; returns its current figures and row counts."""
    intake(ledger, [_form(fw, tmp_path / "ok", "sample_01", values["sample_01"])], str(paths.DEFAULT_FRAMEWORK),
           year=YEAR, workers=1)
    return current_figures(ledger, YEAR), counts(ledger)


def _bad_forms(fw, values, folder: Path) -> dict[str, Path]:
    v = values["sample_01"]
    bad = {"other_year": _form(fw, folder, "sample_01", v, year=2025)}
    old = framework_from_dict({**fw.raw, "version": "2019.1"}, source="old.yaml")
    folder.mkdir(exist_ok=True)
    bad["old_version"] = write_form(old, District("sample_01", "甲", "A", "c", "g"), YEAR,
                                    folder / "old_version.xlsx")
    fill_form(bad["old_version"], v, old)
    prot = _form(fw, folder, "sample_01", v, name="protected.xlsx")
    wb = openpyxl.load_workbook(prot)
    ws = wb[FIGURES_SHEET]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "population")
    ws.cell(row, 2).value = "人口数（改）"
    wb.save(prot)
    bad["protected"] = prot
    empty = folder / "empty.xlsx"
    write_form(fw, District("sample_01", "甲", "A", "c", "g"), YEAR, empty)
    bad["empty"] = empty
    wrong = _form(fw, folder / "x", "sample_02", values["sample_02"])
    shutil.copy(wrong, folder / form_filename(fw, "sample_01", YEAR))  # sample_02's form in sample_01's file
    bad["another_district"] = folder / form_filename(fw, "sample_01", YEAR)
    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04 broken")
    bad["corrupt"] = folder / "corrupt.xlsx"
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7")
    bad["not_a_workbook"] = folder / "scan.pdf"
    return bad


def test_bad_forms_are_rejected_bilingually_and_change_nothing_current(ledger, accepted, fw, values, tmp_path):
    before_figs, before = accepted
    bad = _bad_forms(fw, values, tmp_path / "bad")
    out = {o.file: o for o in intake(ledger, list(bad.values()), str(paths.DEFAULT_FRAMEWORK), year=YEAR,
                                     workers=1, feedback_dir=tmp_path / "fb")}
    assert {o.status for o in out.values()} == {"rejected"}, {k: (o.status, o.first_problem) for k, o in out.items()}
    msg = {k: out[p.name].first_problem for k, p in bad.items()}
    assert "不是 2024 年度的表格" in msg["other_year"] and "not for 2024" in msg["other_year"]
    assert "旧版本 2019.1" in msg["old_version"] and "fill in a new form" in msg["old_version"]
    assert "受保护单元格已被改动" in msg["protected"] and "expected '常住人口'" in msg["protected"]
    assert "没有填写任何数值" in msg["empty"] and "the form has no values at all" in msg["empty"]
    assert "这是区县 sample_02 的表格，不是 sample_01 的表格" in msg["another_district"]
    assert "not an Excel workbook" in msg["corrupt"] and "damaged" in msg["corrupt"]
    assert "not an Excel workbook or CSV file (.pdf)" in msg["not_a_workbook"]
    assert current_figures(ledger, YEAR).equals(before_figs)
    after = counts(ledger)
    assert after["submissions"] == before["submissions"] + len(bad)
    assert (after["reviews"], after["evidence"]) == (before["reviews"], before["evidence"])
    assert len(list((tmp_path / "fb").glob("*.feedback.xlsx"))) == len(bad)  # every district is told why


def test_feedback_workbooks_only_for_forms_with_problems(ledger, fw, values, tmp_path):
    """A form with a warning (a renamed sheet) or an error gets a workbook; a clean one gets a line in the
    summary and no workbook, and an out-of-date workbook of an earlier faulty return of that file goes."""
    fb = tmp_path / "fb"
    warned = _form(fw, tmp_path / "in", "sample_01", values["sample_01"], mistakes=["rename_sheet"])
    wrong = _form(fw, tmp_path / "in", "sample_02", values["sample_02"], mistakes=["rate_as_95"])
    clean = _form(fw, tmp_path / "in", "sample_03", values["sample_03"])
    fb.mkdir()
    stale = fb / (clean.stem + ".feedback.xlsx")
    stale.write_bytes(b"an earlier verdict on this file name")
    out = intake(ledger, [warned, wrong, clean], str(paths.DEFAULT_FRAMEWORK), year=YEAR, workers=1,
                 feedback_dir=fb)
    assert [o.status for o in out] == ["accepted_with_warnings", "rejected", "accepted"]
    assert sorted(p.name for p in fb.iterdir()) == sorted(f.stem + ".feedback.xlsx" for f in (warned, wrong))
    table = summary(ledger, out, fw, YEAR).set_index("district")
    assert table.loc["sample_01", "feedback"] == warned.stem + ".feedback.xlsx"
    assert table.loc["sample_02", "feedback"] == wrong.stem + ".feedback.xlsx"
    assert table.loc["sample_03", "feedback"] == NO_FEEDBACK_NEEDED
    wb = openpyxl.load_workbook(fb / (wrong.stem + ".feedback.xlsx"))
    assert wb.sheetnames[0] == FEEDBACK_SHEET
    again = intake(ledger, [wrong], str(paths.DEFAULT_FRAMEWORK), year=YEAR, workers=1, feedback_dir=fb)
    assert summary(ledger, again, fw, YEAR)["feedback"].tolist() == [RECORDED_BEFORE]
