"""Feedback: every problem marked on its cell of the district's own form, with a bilingual summary."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from evaluation.forms.feedback import FEEDBACK_SHEET, feedback_status, write_feedback
from evaluation.forms.filling import fill_form
from evaluation.forms.messages import bilingual
from evaluation.forms.returned import read_form
from evaluation.forms.template import write_form
from indicators.submission import Problem, Submission, validate

from .conftest import value_rows

RED, AMBER = "FFC7CE", "FFEB9C"


def _summary_rows(ws):
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "序号 / No.")
    return [tuple(ws.cell(r, c).value for c in range(1, 7)) for r in range(head + 1, ws.max_row + 1)]


def test_problems_marked_on_their_cells_with_summary(tmp_path, blank_form, fw):
    path = fill_form(shutil.copy(blank_form, tmp_path / "f.xlsx"),
                     {"population": 645900, "mediation_success_rate": 0.95, "head_appearance_rate": 0.9,
                      "reconsideration_received": 10, "reconsideration_settled": 12}, fw,
                     mistakes=["rate_as_95", "approx"])
    form = read_form(path, fw)
    report = validate(form.submission, fw)
    out = write_feedback(form, report, tmp_path / "feedback" / "f.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == FEEDBACK_SHEET and wb["_rolindex"].sheet_state == "veryHidden"
    ws = wb["填报 Figures"]
    rows = value_rows(ws)
    rate95 = ws[f"H{rows['head_appearance_rate']}"]  # the first rate, typed as 90 → 9000 %
    assert rate95.fill.fgColor.rgb.endswith(RED)
    assert "是否想填 90%" in rate95.comment.text and "did you mean 90 %?" in rate95.comment.text
    approx = ws[f"H{rows['mediation_success_rate']}"]  # 约95%: a warning
    assert approx.fill.fgColor.rgb.endswith(AMBER)
    assert approx.comment.text.startswith("[警告 / warning] 约95% 标为约数，按 0.95 计算")
    part = ws[f"H{rows['reconsideration_settled']}"]
    assert part.fill.fgColor.rgb.endswith(RED) and "分项不能超过总数" in part.comment.text
    assert ws[f"H{rows['population']}"].comment is None and ws[f"H{rows['population']}"].fill.fgColor.rgb.endswith(
        "FFF2CC")  # untouched input cell stays yellow
    summary = wb[FEEDBACK_SHEET]
    texts = [c.value for c in summary["A"] if c.value]
    assert "结果 / Result: 有错误，请修改后重新提交 / errors: correct and resubmit" in texts
    assert "错误 2 个，警告 1 个 / 2 errors, 1 warning" in texts
    listed = _summary_rows(summary)
    assert [(r[1], r[3]) for r in listed] == [
        ("错误 / error", f"H{rows['head_appearance_rate']}"), ("错误 / error", f"H{rows['reconsideration_settled']}"),
        ("警告 / warning", f"H{rows['mediation_success_rate']}")]
    link = summary.cell(next(r for r in range(1, summary.max_row + 1) if summary.cell(r, 1).value == 1), 4).hyperlink
    assert link.location == f"'填报 Figures'!H{rows['head_appearance_rate']}" or link.target.endswith(
        f"H{rows['head_appearance_rate']}")
    assert not list((tmp_path / "feedback").glob(".*.tmp"))  # atomic: no temporary left behind


def test_missing_required_figure_marked_on_its_value_cell(tmp_path, blank_form, fw):
    # a blank row inserted above population: the mark follows the row
    path = fill_form(shutil.copy(blank_form, tmp_path / "f.xlsx"), {"lawyers": 5}, fw, mistakes=["blank_row"])
    wb = openpyxl.load_workbook(path)
    ws = wb["填报 Figures"]
    ws.insert_rows(value_rows(ws)["population"])
    wb.save(path)
    form = read_form(path, fw)
    out = write_feedback(form, validate(form.submission, fw), tmp_path / "fb.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["填报 Figures"]
    cell = ws[f"H{value_rows(ws)['population']}"]
    assert cell.fill.fgColor.rgb.endswith(RED)
    assert "必填指标 population（常住人口，人）未填写" in cell.comment.text
    assert "fill in its value cell" in cell.comment.text and "add a row" not in cell.comment.text


def test_rejected_form_marks_altered_cell_and_says_rejected(tmp_path, blank_form, fw):
    path = fill_form(shutil.copy(blank_form, tmp_path / "f.xlsx"), {"lawyers": 5}, fw, mistakes=["altered_name"])
    form = read_form(path, fw)
    assert form.rejected and feedback_status(form, None) == "rejected"
    wb = openpyxl.load_workbook(write_feedback(form, None, tmp_path / "fb.xlsx"))
    ws = wb["填报 Figures"]
    cell = ws[f"B{value_rows(ws)['population']}"]
    assert cell.fill.fgColor.rgb.endswith(RED) and "受保护单元格已被改动" in cell.comment.text
    assert "结果 / Result: 退回 / rejected" in [c.value for c in wb[FEEDBACK_SHEET]["A"]]


def test_renamed_sheet_is_marked_where_it_now_is(tmp_path, blank_form, fw):
    path = fill_form(shutil.copy(blank_form, tmp_path / "f.xlsx"), {"lawyers": -5, "population": 645900}, fw,
                     mistakes=["rename_sheet"])
    form = read_form(path, fw)
    wb = openpyxl.load_workbook(write_feedback(form, validate(form.submission, fw), tmp_path / "fb.xlsx"))
    [title] = [s for s in wb.sheetnames if s.endswith("已填")]
    ws = wb[title]
    cell = ws[f"H{value_rows(ws)['lawyers']}"]
    assert cell.fill.fgColor.rgb.endswith(RED) and "计数 -5 为负数，不能小于 0" in cell.comment.text


def test_office_form_problem_marked_on_office_and_item_cell(tmp_path, office_fw, office_districts):
    district = office_districts[0]
    path = write_form(office_fw, district, 2025, tmp_path / "o.xlsx")
    office = district.offices[1].code
    fill_form(path, {office: {"director_certified": 2, "staff_dedicated": 4}}, office_fw)
    form = read_form(path, office_fw)
    report = validate(form.submission, office_fw)
    wb = openpyxl.load_workbook(write_feedback(form, report, tmp_path / "fb.xlsx"))
    ws = wb["填报 Offices"]
    header = next(r for r in range(1, 15) if ws.cell(r, 1).value == "司法所代码 / Office code")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(header, c).value == "director_certified")
    row = next(r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 1).value == office)
    cell = ws.cell(row, col)
    assert cell.fill.fgColor.rgb.endswith(RED)
    assert "是否类指标 director_certified 只能填 1（是）或 0（否），现为 2" in cell.comment.text


def test_unreadable_file_gets_a_summary_only_feedback(tmp_path, fw):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    form = read_form(bad, fw)
    wb = openpyxl.load_workbook(write_feedback(form, None, tmp_path / "fb.xlsx"))
    assert wb.sheetnames == [FEEDBACK_SHEET]
    [row] = _summary_rows(wb[FEEDBACK_SHEET])
    assert row[1] == "错误 / error" and row[5].startswith("文件已损坏或不是 Excel 工作簿")


def test_plain_csv_and_wide_xlsx_are_marked_on_their_own_cells(tmp_path, fw):
    csv = tmp_path / "plain.csv"
    csv.write_text("district,year,figure,value\nd1,2025,lawyers,-3\n", encoding="utf-8")
    form = read_form(csv, fw)
    wb = openpyxl.load_workbook(write_feedback(form, validate(form.submission, fw), tmp_path / "fb.xlsx"))
    assert wb.sheetnames == [FEEDBACK_SHEET, "数据 Data"]
    data = wb["数据 Data"]
    assert [c.value for c in data[2]] == ["d1", "2025", "lawyers", "-3"]
    assert data["D2"].fill.fgColor.rgb.endswith(RED) and "计数 -3 为负数" in data["D2"].comment.text
    rows = _summary_rows(wb[FEEDBACK_SHEET])
    assert any("必填指标 population（常住人口，人）未填报；请补充该指标" in str(r[5]) for r in rows)  # no cell: listed

    wide = tmp_path / "wide.xlsx"
    pd.DataFrame({"district": ["d1", "d2"], "year": [2025, 2025], "population": [645900, 700000],
                  "lawyers": [12, "12人"]}).to_excel(wide, index=False, sheet_name="figures")
    form = read_form(wide, fw)
    wb = openpyxl.load_workbook(write_feedback(form, validate(form.submission, fw), tmp_path / "fb2.xlsx"))
    cell = wb["figures"]["D3"]
    assert cell.fill.fgColor.rgb.endswith(RED) and "'12人' 不是数字：请只写 12，不要写 '人'" in cell.comment.text
    assert "unit column" in cell.comment.text  # advice for a table, not for a form


def test_clean_form_feedback_says_accepted(tmp_path, blank_form, fw):
    path = fill_form(shutil.copy(blank_form, tmp_path / "f.xlsx"), {"population": 645900}, fw)
    form = read_form(path, fw)
    report = validate(form.submission, fw)
    assert feedback_status(form, report) == "ok"
    wb = openpyxl.load_workbook(write_feedback(form, report, tmp_path / "fb.xlsx"))
    texts = [c.value for c in wb[FEEDBACK_SHEET]["A"] if c.value]
    assert "结果 / Result: 已接受 / accepted" in texts


# ---------------------------------------------------------------------------------------------
# Chinese-first rendering of the library's (English) messages, taken from real validation runs
# ---------------------------------------------------------------------------------------------
def _messages(fw, rows) -> list[Problem]:
    frame = pd.DataFrame(rows, columns=["district", "year", "figure", "value"])
    report = validate(Submission.from_frame(frame, "t.csv"), fw)
    return report.errors + report.warnings


@pytest.mark.parametrize(("rows", "zh"), [
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyrs", 3)], "未知的指标代码 'lawyrs'（是否想填 'lawyers'？）"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "mediation_success_rate", 95)],
     "比率 95 超出 0–1 范围，看起来是百分数；是否想填 95%？请写 95% 或 0.95"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "mediation_success_rate", -0.5)], "比率 -0.5 超出 0%–100%"),
    ([("d", 2025, "population", 5)], "5 超出 population（常住人口，人）的有效范围 [10,000, 50,000,000]；如按万人填写，"
                                     "请写完整数字（50,000）"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", 2.5)],
     "计数 2.5 不是整数（人）；请确认填的不是比率或平均数"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", 2), ("d", 2025, "lawyers", 3)],
     "重复且数值不一致：此处为 3，row 3 为 2；请保留正确的一个"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", 2), ("d", 2025, "lawyers", 2)],
     "与 row 3 重复（同为 2）；请只保留一处"),
    ([("d", 2025, "lawyers", 2)], "必填指标 population（常住人口，人）未填写；请在其“填报值”单元格填写"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "mediation_received", 100), ("d", 2025, "mediation_resolved", 90),
      ("d", 2025, "mediation_success_rate", "95%")],
     "报告值 mediation_success_rate 95% 与分项计数不符：mediation_resolved / mediation_received = 90.00%"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", "200人")], "'200人' 不是数字：请只写 200，不要写 '人'"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", "230余")],
     "'230余' 不是数字：请填写数字 230，把限定语 '余' 写在“来源及说明”"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", "2.5万")], "'2.5万' 使用了“万”；请写完整数字（25000）"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", "无")], "'无' 不是数字；未统计的指标请留空，为零请填 0"),
    ([("d", 2025, "population", 1e6), ("d", 2025, "lawyers", "约200")], "约200 标为约数，按 200 计算"),
])
def test_bilingual_renders_library_messages_chinese_first(fw, rows, zh):
    problems = _messages(fw, rows)
    rendered = [bilingual(p) for p in problems]
    match = [r for r in rendered if r.startswith(zh)]
    assert match, rendered
    english = match[0][len(zh) :].partition(" / ")[2]
    # the English half is the library's message, or its form-fitting rewrite
    assert english in [p.message for p in problems] or "fill in its value cell" in english or (
        "'Source and note'" in english or "leave the cell empty" in english), english


def test_bilingual_keeps_bilingual_messages_and_leads_unknown_ones():
    assert bilingual("工作表“x”：表格中没有填写任何数值 / sheet 'x': no values") == (
        "工作表“x”：表格中没有填写任何数值 / sheet 'x': no values")
    assert bilingual("something new happened") == "数据问题（详见英文说明） / something new happened"
    p = Problem("error", "required figure population (常住人口, 人) was not submitted for this district-year; "
                         "add a row with figure population")
    assert bilingual(p, for_form=False) == ("必填指标 population（常住人口，人）未填报；请补充该指标 / required figure "
                                            "population (常住人口, 人) was not submitted for this district-year; add a "
                                            "row with figure population")
