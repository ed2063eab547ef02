"""Returns in: forms filled with openpyxl read back exactly; staff edits read right or refused by cell."""

from __future__ import annotations

import math
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.forms.errors import FormError
from evaluation.forms.filling import fill_form
from evaluation.forms.returned import collect_evidence, read_form
from evaluation.forms.template import write_form
from indicators.framework import framework_from_dict
from indicators.submission import validate

from .conftest import header_column, value_rows

SHEET = "填报 Figures"


def _layout(path: Path):
    """(workbook, sheet, {figure: row}, value column, evidence column, source column) of a form."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[1]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "代码 / Code")
    rows = {k: r for k, r in value_rows(ws).items() if r > header}
    return (wb, ws, rows, header_column(ws, "填报值", header), header_column(ws, "佐证材料", header),
            header_column(ws, "来源及说明", header))


def _filled(tmp_path: Path, blank: Path, cells: dict[str, object], name: str = "filled.xlsx",
            evidence: dict[str, str] | None = None) -> Path:
    """The blank form with ``cells`` typed into the value column (openpyxl only, no rolindex code)."""
    wb, ws, rows, vcol, ecol, _ = _layout(blank)
    for fid, value in cells.items():
        ws.cell(rows[fid], vcol).value = value
    for fid, name_ in (evidence or {}).items():
        ws.cell(rows[fid], ecol).value = name_
    out = tmp_path / name
    wb.save(out)
    return out


def _values(form) -> dict[str, float]:
    f = form.submission.figures
    return dict(zip(f["figure"].astype(str), f["value"], strict=True))


def _value_strategy(spec):
    """Values a person can type: at most 15 significant digits, as Excel keeps (openpyxl writes 16)."""
    if spec.kind == "binary":
        return st.sampled_from([0, 1])
    if spec.kind == "rate":
        lo, hi = int((spec.lower or 0) * 10**6), int((spec.upper if spec.upper is not None else 1) * 10**6)
        return st.integers(lo, hi).map(lambda n: float(Decimal(n) / 10**6))  # up to 0.0001 %
    lo = int(spec.lower or 0)
    hi = int(spec.upper) if spec.upper is not None else 10**9
    if spec.kind == "count":
        return st.integers(min_value=lo, max_value=hi)
    return st.integers(lo * 100, hi * 100).map(lambda n: float(Decimal(n) / 100))  # amounts to the cent


@st.composite
def _filled_values(draw, framework):
    chosen = draw(st.lists(st.sampled_from(list(framework.figures)), min_size=1, unique=True))
    return {fid: draw(_value_strategy(framework.figures[fid])) for fid in chosen}


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_reads_back_exactly_the_values_written(tmp_path, blank_form, fw, data):
    values = data.draw(_filled_values(fw))
    path = _filled(tmp_path, blank_form, values)
    form = read_form(path, fw, expect_district="sample_01", expect_year=2025)
    assert form.status == "ok", [str(p) for p in form.problems]
    got = _values(form)
    assert got == {k: float(v) for k, v in values.items()}  # exactly, not approximately
    f = form.submission.figures
    assert set(f["district"]) == {"sample_01"} and set(f["year"]) == {2025}
    report = validate(form.submission, fw)  # the only errors in-range values can have: required, part > whole
    assert all("required figure" in p.message or "larger than its whole" in p.message for p in report.errors)


def test_round_trip_of_the_synthetic_panel_passes_validation(tmp_path, blank_form, fw):
    panel = pd.read_csv("data/submissions/synthetic_panel.csv", dtype=str)
    rows = panel[(panel["district"] == "sample_01") & (panel["year"] == "2024")]
    expected = {f: (float(v[:-1]) / 100 if v.endswith("%") else float(v)) for f, v in zip(
        rows["figure"], rows["value"], strict=True)}
    path = _filled(tmp_path, blank_form, expected)
    form = read_form(path, fw)
    assert _values(form) == pytest.approx(expected, rel=0, abs=0)
    report = validate(form.submission, fw)
    assert report.ok, report.summary()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_office_form_round_trip_long_format_one_unit_per_office(tmp_path, office_fw, office_districts, data):
    district = office_districts[1]
    path = write_form(office_fw, district, 2025, tmp_path / "o.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["填报 Offices"]
    header = next(r for r in range(1, 15) if ws.cell(r, 1).value == "司法所代码 / Office code")
    cols = {ws.cell(header, c).value: c for c in range(3, ws.max_column + 1)}
    office_rows = {ws.cell(r, 1).value: r for r in range(header + 1, ws.max_row + 1)}
    values = {}
    for office in data.draw(st.lists(st.sampled_from(list(office_rows)), min_size=1, unique=True)):
        for fid, v in data.draw(_filled_values(office_fw)).items():
            ws.cell(office_rows[office], cols[fid]).value = v
            values[(office, fid)] = float(v)
    wb.save(path)
    form = read_form(path, office_fw, expect_district=district.code)
    assert form.status == "ok", [str(p) for p in form.problems]
    f = form.submission.figures
    got = {(d, fid): v for d, fid, v in zip(f["district"], f["figure"], f["value"], strict=True)}
    assert got == values
    names = dict(zip(f["district"], f["district_name"], strict=True))
    assert all(names[o] == dict((x.code, x.name) for x in district.offices)[o] for o in names)
    assert set(f["group"]) == {district.name}


# ---------------------------------------------------------------------------------------------
# how staff edit forms
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "expected"), [
    ("95%", 0.95), (0.95, 0.95), ("0.95", 0.95), (" ９５％ ", 0.95), ("98.6%", 0.986), (1, 1.0), ("100%", 1.0),
])
def test_rates_typed_as_staff_do(tmp_path, blank_form, fw, typed, expected):
    form = read_form(_filled(tmp_path, blank_form, {"mediation_success_rate": typed}), fw)
    assert form.status == "ok", [str(p) for p in form.problems]
    assert _values(form) == {"mediation_success_rate": expected}


@pytest.mark.parametrize("typed", [95, "95", 95.0])
def test_rate_of_95_is_never_read_silently(tmp_path, blank_form, fw, typed):
    path = _filled(tmp_path, blank_form, {"mediation_success_rate": typed, "lawyers": 12})
    form = read_form(path, fw)
    _, _, rows, vcol, _, _ = _layout(path)
    cell = f"{chr(64 + vcol)}{rows['mediation_success_rate']}"
    assert form.status == "errors"
    [problem] = form.problems
    assert f"单元格 {cell}" in problem.message and f"cell {cell}" in problem.message
    assert "是否想填 95%" in problem.message and "did you mean 95 %?" in problem.message
    assert problem.file == "filled.xlsx" and problem.row == rows["mediation_success_rate"]
    assert math.isnan(_values(form)["mediation_success_rate"]) and _values(form)["lawyers"] == 12
    errors = [p.message for p in validate(form.submission, fw).errors]
    assert errors.count(problem.message) == 1 and not any("9500" in m and m != problem.message for m in errors)


@pytest.mark.parametrize(("typed", "expected"), [
    ("2,162", 2162.0), ("２１６２", 2162.0), ("2162", 2162.0), ("１，２３４", 1234.0), (2162, 2162.0),
])
def test_counts_typed_as_text_separators_full_width(tmp_path, blank_form, fw, typed, expected):
    form = read_form(_filled(tmp_path, blank_form, {"reconsideration_received": typed}), fw)
    assert form.status == "ok" and _values(form) == {"reconsideration_received": expected}


def test_a_value_that_is_not_a_number_names_its_cell(tmp_path, blank_form, fw):
    path = _filled(tmp_path, blank_form, {"lawyers": "200人", "population": 645900})
    form = read_form(path, fw)
    _, _, rows, vcol, _, _ = _layout(path)
    assert form.status == "errors"
    [p] = form.problems
    assert (p.row, p.column, p.figure) == (rows["lawyers"], chr(64 + vcol), "lawyers")
    assert "write 200 without '人'" in p.message


def test_extra_blank_row_and_renamed_sheet_read_right(tmp_path, blank_form, fw):
    values = {"population": 645900, "mediation_success_rate": 0.9803, "lawyers": 1234}
    path = _filled(tmp_path, blank_form, values)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws.insert_rows(6)  # an extra blank row in the middle
    ws.title = "我的数据"  # renamed with openpyxl: the defined name is not updated (found by position)
    wb.save(path)
    form = read_form(path, fw)
    assert form.status == "warnings"
    assert _values(form) == {k: float(v) for k, v in values.items()}
    [p] = form.problems
    assert "已被重命名为“我的数据”" in p.message and "was renamed '我的数据'" in p.message


def test_renamed_sheet_found_by_defined_name_when_moved(tmp_path, blank_form, fw):
    path = fill_form(shutil.copy(blank_form, tmp_path / "f.xlsx"), {"lawyers": 5}, fw, mistakes=["rename_sheet"])
    wb = openpyxl.load_workbook(path)
    wb._sheets.insert(1, wb._sheets.pop(1))  # order unchanged; the defined name points to the new title
    form = read_form(path, fw)
    assert _values(form) == {"lawyers": 5.0} and form.status == "warnings"


def test_every_fill_mistake_is_read_right_or_reported(tmp_path, blank_form, fw):
    values = {"population": 645900, "reconsideration_received": 2162, "reconsideration_settled": 35,
              "mediation_success_rate": 0.9803, "head_appearance_rate": 0.986, "lawyers": 6012}
    fine = ["rate_text", "rate_fraction_text", "thousands_text", "fullwidth", "text_numbers", "blank_row",
            "rename_sheet"]
    for mistake in fine:
        path = fill_form(shutil.copy(blank_form, tmp_path / f"{mistake}.xlsx"), values, fw, mistakes=[mistake])
        form = read_form(path, fw)
        assert form.status in ("ok", "warnings"), (mistake, [str(p) for p in form.problems])
        assert _values(form) == pytest.approx({k: float(v) for k, v in values.items()}, rel=1e-15), mistake


# ---------------------------------------------------------------------------------------------
# refused files
# ---------------------------------------------------------------------------------------------
def test_form_of_another_district_or_year_is_refused(tmp_path, blank_form, fw):
    path = _filled(tmp_path, blank_form, {"lawyers": 5})
    form = read_form(path, fw, expect_district="sample_02", expect_year=2024)
    assert form.rejected
    messages = " | ".join(p.message for p in form.problems)
    assert "这是区县 sample_01 的表格，不是 sample_02 的表格 / sheet '填报 Figures': this is the form of district " \
           "sample_01, not of sample_02" in messages
    assert "不是 2024 年度的表格" in messages and "not for 2024" in messages
    assert all(p.file == "filled.xlsx" for p in form.problems)
    with pytest.raises(FormError, match=r"(?s)表格被退回 / filled.xlsx is refused.*not of sample_02"):
        form.raise_if_rejected()


def test_form_of_an_older_framework_version_or_content_is_refused(tmp_path, fw, districts):
    old = framework_from_dict({**fw.raw, "version": "2025.1"}, source="old.yaml")
    path = write_form(old, districts[0], 2025, tmp_path / "old.xlsx")
    fill_form(path, {"lawyers": 5}, old)
    form = read_form(path, fw)
    assert form.rejected
    [p] = form.problems
    assert "旧版本 2025.1" in p.message and f"framework is now version {fw.version}" in p.message
    raw = dict(fw.raw)
    raw["figures"] = [dict(f) for f in fw.raw["figures"]]
    raw["figures"][1]["range"] = [1, 300]  # same version, changed content
    changed = framework_from_dict(raw, source="changed.yaml")
    form = read_form(path.with_name("old.xlsx"), changed)
    assert form.rejected and "content hash" in form.problems[0].message


def test_altered_protected_cells_are_refused_naming_each_cell(tmp_path, blank_form, fw):
    path = _filled(tmp_path, blank_form, {"lawyers": 5})
    wb, ws, rows, *_ = _layout(path)
    ws.cell(rows["lawyers"], 2).value = "律师人数"  # Chinese name changed
    ws.cell(rows["population"], 4).value = "万人"  # unit changed
    wb.save(path)
    form = read_form(path, fw)
    assert form.rejected
    cells = sorted((p.row, p.column) for p in form.problems)
    assert cells == sorted([(rows["lawyers"], "B"), (rows["population"], "D")])
    assert any("单元格 D" in p.message and "expected '人', found '万人'" in p.message for p in form.problems)


def test_reordered_deleted_or_unknown_rows_are_refused(tmp_path, blank_form, fw):
    path = _filled(tmp_path, blank_form, {"lawyers": 5})
    wb, ws, rows, *_ = _layout(path)
    a, b = rows["population"], rows["streets_towns"]
    for c in range(1, ws.max_column + 1):  # swap two whole rows
        ws.cell(a, c).value, ws.cell(b, c).value = ws.cell(b, c).value, ws.cell(a, c).value
    wb.save(path)
    form = read_form(path, fw)
    assert form.rejected and "order of the figure rows was changed" in form.problems[0].message

    path = _filled(tmp_path, blank_form, {"lawyers": 5}, name="deleted.xlsx")
    wb, ws, rows, *_ = _layout(path)
    ws.delete_rows(rows["communities"])
    wb.save(path)
    form = read_form(path, fw)
    assert form.rejected and any("communities" in p.message and "was deleted" in p.message for p in form.problems)

    path = _filled(tmp_path, blank_form, {"lawyers": 5}, name="unknown.xlsx")
    wb, ws, rows, *_ = _layout(path)
    ws.cell(rows["lawyers"], 1).value = "lawyer"
    ws.cell(rows["lawyers"], 2).value = "x"
    ws.cell(rows["lawyers"], 3).value = "y"
    wb.save(path)
    form = read_form(path, fw)
    assert form.rejected
    assert any("names figure 'lawyer'" in p.message and "did you mean 'lawyers'?" in p.message
               for p in form.problems)


def test_corrupt_and_non_workbook_files_are_refused(tmp_path, blank_form, fw):
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 this is not a workbook")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(blank_form.read_bytes()[:3000])
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    for path in (garbage, truncated):
        form = read_form(path, fw)
        assert form.rejected and form.sha256
        assert form.problems[0].message.startswith("文件已损坏或不是 Excel 工作簿，无法打开")
        assert form.problems[0].file == path.name
    form = read_form(pdf, fw)
    assert form.rejected and "not an Excel workbook or CSV file (.pdf)" in form.problems[0].message
    form = read_form(xls, fw)
    assert form.rejected and "请另存为 .xlsx" in form.problems[0].message
    form = read_form(tmp_path / "missing.xlsx", fw)
    assert form.rejected and "cannot read the file" in form.problems[0].message
    broken = tmp_path / "broken_meta.xlsx"
    with zipfile.ZipFile(blank_form) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data.replace(b"layout_hash", b"layout_hash\\x") if b"layout_hash" in data else data)
    form = read_form(broken, fw)
    assert form.rejected and "hidden identification is damaged" in form.problems[0].message


def test_empty_form_is_refused(tmp_path, blank_form, fw):
    form = read_form(blank_form, fw)
    assert form.rejected
    assert form.problems[0].message == ("工作表“填报 Figures”：表格中没有填写任何数值 / sheet '填报 Figures': the "
                                        "form has no values at all; fill in the yellow value cells")


# ---------------------------------------------------------------------------------------------
# plain submissions and labels
# ---------------------------------------------------------------------------------------------
def test_plain_csv_and_xlsx_accepted_with_chinese_and_english_labels(tmp_path, fw):
    csv = tmp_path / "long.csv"
    csv.write_text("district,year,figure,value\nd1,2025,常住人口,\"645,900\"\nd1,2025,Practising lawyers,12\n"
                   "d1,2025,mediation_success_rate,95%\n", encoding="utf-8")
    form = read_form(csv, fw, expect_district="d1", expect_year=2025)
    assert form.meta is None and form.status == "ok", [str(p) for p in form.problems]
    assert _values(form) == {"population": 645900.0, "lawyers": 12.0, "mediation_success_rate": 0.95}
    xlsx = tmp_path / "wide.xlsx"
    pd.DataFrame({"district": ["d1"], "year": [2025], "常住人口": [645900], "人民调解成功率（报告值）": [0.5]}
                 ).to_excel(xlsx, index=False, sheet_name="figures")
    form = read_form(xlsx, fw)
    assert form.meta is None and _values(form) == {"population": 645900.0, "mediation_success_rate": 0.5}
    assert validate(form.submission, fw).ok


def test_plain_file_label_matching_nothing_gets_a_did_you_mean(tmp_path, fw):
    csv = tmp_path / "typo.csv"
    csv.write_text("district,year,figure,value\nd1,2025,常住人口数,645900\n", encoding="utf-8")
    form = read_form(csv, fw)
    assert any("“常住人口数”不是框架中的指标代码或名称 (did you mean '常住人口'?)" in p.message for p in form.problems)
    assert not validate(form.submission, fw).ok


def test_plain_file_of_other_district_or_year_is_refused(tmp_path, fw):
    csv = tmp_path / "two.csv"
    csv.write_text("district,year,figure,value\nd1,2025,lawyers,1\nd2,2024,lawyers,2\n", encoding="utf-8")
    form = read_form(csv, fw, expect_district="d1", expect_year=2025)
    assert form.rejected
    text = " | ".join(p.message for p in form.problems)
    assert "other districts (d2), expected only d1" in text and "other years (2024, 2025)" in text


# ---------------------------------------------------------------------------------------------
# evidence
# ---------------------------------------------------------------------------------------------
def test_evidence_names_per_value_and_files_beside_the_form(tmp_path, blank_form, fw):
    path = _filled(tmp_path, blank_form, {"population": 645900, "lawyers": 12},
                   evidence={"population": "sample_01_2025_population.pdf",
                             "lawyers": "lawyers_1.jpg；lawyers_2.docx"})
    form = read_form(path, fw)
    ev = form.evidence
    assert list(zip(ev["figure"], ev["evidence"], strict=True)) == [
        ("population", "sample_01_2025_population.pdf"), ("lawyers", "lawyers_1.jpg"), ("lawyers", "lawyers_2.docx")]
    note = dict(zip(form.submission.figures["figure"], form.submission.figures["note"], strict=True))
    assert note["population"] == "佐证材料 / evidence: sample_01_2025_population.pdf"
    (tmp_path / "sample_01_2025_population.pdf").write_bytes(b"%PDF")
    folder = tmp_path / path.stem
    folder.mkdir()
    (folder / "lawyers_1.jpg").write_bytes(b"\xff\xd8")
    (folder / "unrelated.txt").write_text("x")
    (tmp_path / "other_form.xlsx").write_bytes(b"")
    found = collect_evidence(path, names=ev["evidence"])
    assert found == {"sample_01_2025_population.pdf": tmp_path / "sample_01_2025_population.pdf",
                     "lawyers_1.jpg": folder / "lawyers_1.jpg"}
    everything = collect_evidence(path)
    assert set(everything) == {"sample_01_2025_population.pdf", "lawyers_1.jpg", "unrelated.txt"}


def test_status_values_and_problem_locations_are_consistent(tmp_path, blank_form, fw):
    form = read_form(_filled(tmp_path, blank_form, {"lawyers": np.int64(3)}), fw)
    assert form.status == "ok" and form.districts == ["sample_01"] and form.year == 2025
    assert form.meta["framework_id"] == "district_rol" and form.sha256 == __import__("hashlib").sha256(
        (tmp_path / "filled.xlsx").read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# workbooks of several districts, layout changes, deleted sheets
# ---------------------------------------------------------------------------------------------
def test_single_workbook_reads_every_district(tmp_path, fw, districts):
    from evaluation.forms.template import write_forms

    [path] = write_forms(fw, districts[:3], 2025, tmp_path, single=True)
    values = {"sample_01": {"lawyers": 1}, "sample_02": {"lawyers": 2, "population": 20000},
              "sample_03": {"mediation_success_rate": 0.5}}
    fill_form(path, values, fw)
    form = read_form(path, fw, expect_year=2025)
    assert form.status == "ok" and form.districts == ["sample_01", "sample_02", "sample_03"]
    f = form.submission.figures
    got = {(d, fid): v for d, fid, v in zip(f["district"], f["figure"], f["value"], strict=True)}
    assert got == {("sample_01", "lawyers"): 1.0, ("sample_02", "lawyers"): 2.0, ("sample_02", "population"): 20000.0,
                   ("sample_03", "mediation_success_rate"): 0.5}
    assert read_form(path, fw, expect_district="sample_02").rejected  # a workbook of three is not sample_02's form


def test_changed_layout_hash_or_deleted_sheet_is_refused(tmp_path, blank_form, fw):
    import json

    path = _filled(tmp_path, blank_form, {"lawyers": 5})
    wb = openpyxl.load_workbook(path)
    meta = json.loads(wb["_rolindex"]["A3"].value)
    wb["_rolindex"]["A3"] = json.dumps({**meta, "layout_hash": "0" * 64})
    wb.save(tmp_path / "layout.xlsx")
    form = read_form(tmp_path / "layout.xlsx", fw)
    assert form.rejected and "protected layout differs" in form.problems[0].message
    wb = openpyxl.load_workbook(path)
    del wb[SHEET]
    wb.save(tmp_path / "deleted.xlsx")
    form = read_form(tmp_path / "deleted.xlsx", fw)
    assert form.rejected and "the sheet of district sample_01 (first named '填报 Figures') is missing" in (
        form.problems[0].message)


def test_lazy_package_exports():
    import evaluation.forms as forms

    assert forms.read_form is read_form and forms.write_form is write_form
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        forms.nothing  # noqa: B018


def test_yes_no_typed_as_words_is_reported_once_with_the_digit(tmp_path, office_fw, office_districts):
    district = office_districts[0]
    path = write_form(office_fw, district, 2025, tmp_path / "o.xlsx")
    office = district.offices[0].code
    fill_form(path, {office: {"director_certified": "是", "signage_standard": 0}}, office_fw)
    form = read_form(path, office_fw)
    assert form.status == "errors"
    [p] = form.problems
    assert "是否类指标填了“是”；请填 1（是）或 0（否），这里应为 1" in p.message and p.district == office
    values = {fid: v for fid, v in zip(form.submission.figures["figure"], form.submission.figures["value"],
                                      strict=True)}
    assert math.isnan(values["director_certified"]) and values["signage_standard"] == 0.0


def test_entries_outside_the_input_cells_are_warned_not_read(tmp_path, fw, districts):
    path = write_form(fw, districts[0], 2025, tmp_path / "p.xlsx", previous={"lawyers": 10})
    wb, ws, rows, vcol, _, _ = _layout(path)
    ws.cell(rows["lawyers"], vcol).value = 12
    ws.cell(rows["lawyers"], vcol + 1).value = 13  # typed over last year's value
    ws.cell(rows["population"], 13).value = "备注"  # right of the last column
    wb.save(path)
    form = read_form(path, fw)
    assert form.status == "warnings" and _values(form) == {"lawyers": 12.0}
    cells = sorted((p.row, p.column) for p in form.problems)
    assert cells == sorted([(rows["lawyers"], chr(64 + vcol + 1)), (rows["population"], "M")])
    assert any("the 'Last year' cell was changed (13, was 10)" in p.message for p in form.problems)
    assert any("cell M4 is outside the form's columns; its content '备注' was not read" in p.message
               for p in form.problems)


def test_demo_returns_read_back_with_the_planted_mistakes_reported(tmp_path, fw):
    from evaluation.forms.filling import make_returns

    returns = make_returns(tmp_path, fw, 2024)
    assert len(returns) == 16
    statuses = {}
    panel = pd.read_csv("data/submissions/synthetic_panel.csv", dtype=str)
    for district, path in returns.items():
        form = read_form(path, fw, expect_district=district, expect_year=2024)
        report = validate(form.submission, fw)
        statuses[district] = (form.status, report.ok)
        if district == "sample_05":  # a clean one: exactly the panel's 2024 values
            rows = panel[(panel["district"] == district) & (panel["year"] == "2024")]
            expected = {f: (float(v[:-1]) / 100 if v.endswith("%") else float(v)) for f, v in zip(
                rows["figure"], rows["value"], strict=True)}
            assert _values(form) == pytest.approx(expected, rel=1e-15)
            assert set(form.evidence["evidence"]) == {"sample_05_2024_population.pdf"}
            assert collect_evidence(path, form.evidence["evidence"]) == {
                "sample_05_2024_population.pdf": tmp_path / "sample_05_2024_population.pdf"}
    assert statuses["sample_03"] == ("errors", False)
    assert all(s == ("ok", True) for d, s in statuses.items() if d != "sample_03"), statuses


def test_values_table_for_the_ledger(tmp_path, blank_form, fw):
    path = _filled(tmp_path, blank_form, {"population": "645,900", "mediation_success_rate": 0.9803},
                   evidence={"population": "a.pdf; b.pdf"})
    table = read_form(path, fw).values
    assert list(table.columns) == ["district", "year", "figure", "value", "text", "unit", "source", "quote", "note",
                                   "evidence", "row", "column"]
    rows = {r.figure: r for r in table.itertuples()}
    assert (rows["population"].value, rows["population"].text, rows["population"].unit,
            rows["population"].evidence) == (645900.0, "645,900", "人", "a.pdf;b.pdf")
    assert (rows["mediation_success_rate"].value, rows["mediation_success_rate"].text,
            rows["mediation_success_rate"].evidence) == (0.9803, "98.03%", None)  # the digits, not the display


def test_removed_protection_is_a_warning_and_structure_still_checked(tmp_path, blank_form, fw):
    path = _filled(tmp_path, blank_form, {"lawyers": 7})
    wb, ws, *_ = _layout(path)
    ws.protection.sheet = False
    wb.save(path)
    form = read_form(path, fw)
    assert form.status == "warnings" and _values(form) == {"lawyers": 7.0}
    [p] = form.problems
    assert p.message == ("工作表“填报 Figures”：工作表保护已被取消（结构仍已逐格核对） / sheet '填报 Figures': "
                         "the sheet's protection was removed (its structure was still checked cell by cell)")


def test_a_workbook_part_too_large_uncompressed_is_refused_before_inflating(tmp_path, monkeypatch):
    """A zip bomb (a tiny file declaring a huge part) is refused with a clear error, never inflated."""
    import io
    import zipfile

    from evaluation.forms import xlsxcells

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_rels/.rels", b"<Relationships/>" + b" " * 2048)
    monkeypatch.setattr(xlsxcells, "MAX_PART_BYTES", 1024)
    with pytest.raises(xlsxcells.XlsxError, match="larger than"):
        xlsxcells.Workbook(buf.getvalue())


def _patched(src: Path, dst: Path, old: bytes, new: bytes) -> Path:
    """A copy of workbook ``src`` with ``old`` replaced by ``new`` once in its largest sheet (the figures)."""
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = max((n for n in parts if n.startswith("xl/worksheets/")), key=lambda n: len(parts[n]))
    assert old in parts[sheet]
    parts[sheet] = parts[sheet].replace(old, new, 1)
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dst


@pytest.mark.parametrize(("old", "new", "why"), [
    (b'<row r="4"', b'<row r="four"', "malformed row or cell"),
    (b'<c r="A4"', b'<c r="ZZZZZZ4"', "beyond Excel's last column"),
    (b'<c r="A4" s="', b'<c r="A4" s="x', "malformed row or cell"),
])
def test_a_malformed_sheet_is_refused_as_damaged(tmp_path, blank_form, fw, old, new, why):
    """Bad row numbers, cell references beyond XFD (which would allocate a row of millions of cells) and
    bad style indices are refused as a damaged file, naming the sheet — never read as something else."""
    path = _patched(_filled(tmp_path, blank_form, {"lawyers": 7}), tmp_path / "bad.xlsx", old, new)
    form = read_form(path, fw)
    assert form.status == "rejected"
    [p] = form.problems
    assert "文件已损坏" in p.message and "the file is damaged and cannot be read" in p.message
    assert why in p.message and "填报 Figures" in p.message


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(1, 40), st.dictionaries(st.integers(1, 30), st.integers(-5, 10**6), max_size=6),
                       max_size=8))
def test_grid_places_every_cell_where_rows_lists_it(cells):
    """``Workbook.grid`` (cells by position, built in one pass) agrees with ``rows`` + ``dense`` on a
    sheet written by hand, with cell references as Excel writes them (``AD17``)."""
    import io

    from openpyxl.utils import get_column_letter

    from evaluation.forms.xlsxcells import Workbook, dense

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{get_column_letter(c)}{r}"><v>{v}</v></c>'
                                               for c, v in sorted(cols.items())) + "</row>"
                   for r, cols in sorted(cells.items()) if cols)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/s.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/s.xml", f'<worksheet xmlns="{ns}"><sheetData>{rows}</sheetData></worksheet>')
    book = Workbook(buf.getvalue())
    grid = book.grid("S")
    assert [(r, dense(cs)) for r, cs in book.rows("S")] == grid
    expected = {(r, c): v for r, cols in cells.items() for c, v in cols.items()}
    assert {(cell.row, cell.column): cell.value for _, cs in grid for cell in cs if cell is not None} == expected
    assert all(cell is None or cell.column == j + 1 for _, cs in grid for j, cell in enumerate(cs))
