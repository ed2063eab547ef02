"""Forms out: what a written form contains, checked by opening it with openpyxl."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from evaluation.forms.districts import District, read_districts
from evaluation.forms.errors import FormError
from evaluation.forms.template import form_filename, is_office_framework, write_form, write_forms

from .conftest import header_column, open_form, value_rows


def _figures_sheet(wb):
    return next(wb[s] for s in wb.sheetnames if s.startswith("填报"))


def test_figures_sheet_lists_every_figure_with_names_unit_kind_range(blank_form, fw):
    ws = _figures_sheet(open_form(blank_form))
    rows = value_rows(ws)
    ids = [k for k in rows if k in fw.figures]
    assert ids == list(fw.figures)  # one row per figure, in framework order
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "代码 / Code")
    r = rows["population"]
    texts = [ws.cell(r, c).value for c in range(1, 8)]
    assert texts == ["population", "常住人口", "Resident population", "人", "计数 / count", "10,000–50,000,000",
                     "是 / yes"]
    r = rows["head_appearance_rate"]
    assert ws.cell(r, 6).value == "0%–100%" and ws.cell(r, 7).value == "否 / no"
    value_col = header_column(ws, "填报值", header)
    assert ws.cell(r, value_col).number_format == "0.0%"  # staff type 95%
    assert ws.cell(rows["population"], value_col).number_format == "General"
    for text in ("来源及说明", "佐证材料", "上年值", "填写提示"):
        header_column(ws, text, header)


def test_data_validation_on_value_cells(blank_form, fw):
    ws = _figures_sheet(open_form(blank_form))
    rows = value_rows(ws)
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "代码 / Code")
    letter = chr(64 + header_column(ws, "填报值", header))

    def rule(fid):
        ref = f"{letter}{rows[fid]}"
        found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
        assert len(found) == 1, ref
        return found[0]

    pop = rule("population")
    assert (pop.type, pop.operator, pop.formula1, pop.formula2) == ("decimal", "between", "10000", "50000000")
    rate = rule("mediation_success_rate")
    assert (rate.type, rate.operator, rate.formula1, rate.formula2) == ("decimal", "between", "0", "1")
    count = rule("lawyers")
    assert (count.type, count.operator, count.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert all(dv.showErrorMessage and dv.allow_blank for dv in ws.data_validations.dataValidation)
    assert "范围" in pop.error and "within" in pop.error


def test_binary_items_get_a_zero_one_list(tmp_path, office_fw, office_districts):
    path = write_form(office_fw, office_districts[0], 2025, tmp_path / "o.xlsx")
    ws = open_form(path)["填报 Offices"]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"0,1"'
    # director_certified, signage_standard, colocated_pls, self_assessment_on_time: 4 binary columns
    assert len(str(lists[0].sqref).split()) == 4


def test_only_input_cells_are_unlocked_and_sheets_protected_without_password(blank_form):
    wb = open_form(blank_form)
    ws = _figures_sheet(wb)
    assert ws.protection.sheet and ws.protection.password is None
    assert wb.security.lockStructure and wb.security.workbookPassword is None
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "代码 / Code")
    inputs = {header_column(ws, t, header) for t in ("填报值", "来源及说明", "佐证材料")}
    rows = value_rows(ws)
    unlocked = {(r, c) for r in range(1, ws.max_row + 1) for c in range(1, ws.max_column + 1)
                if not ws.cell(r, c).protection.locked}
    expected = {(r, c) for fid, r in rows.items() if r > header for c in inputs}
    assert unlocked == expected
    assert ws.cell(rows["population"], min(inputs)).fill.fgColor.rgb.endswith("FFF2CC")  # yellow
    instructions = wb["说明 Instructions"]
    text = "\n".join(str(c.value) for c in instructions["A"] if c.value)
    assert "无密码" in text and "without a password" in text


def test_freeze_panes_print_setup_and_widths(blank_form):
    ws = _figures_sheet(open_form(blank_form))
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "代码 / Code")
    assert ws.freeze_panes == f"B{header + 1}"
    assert int(ws.page_setup.paperSize) == 9  # A4 in OOXML ST_PaperSize
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${header}:${header}"
    # a CJK character is about two width units: the Chinese names fit without wrapping
    longest = max(len(ws.cell(r, 2).value) for r in range(header + 1, ws.max_row + 1))
    assert ws.column_dimensions["B"].width >= 2 * longest


def test_hidden_metadata_identifies_the_form(blank_form, fw):
    wb = open_form(blank_form)
    meta = wb["_rolindex"]
    assert meta.sheet_state == "veryHidden"
    book = json.loads(meta["A2"].value)
    form = json.loads(meta["A3"].value)
    assert (book["framework_id"], book["framework_version"], book["framework_hash"]) == (
        "district_rol", fw.version, fw.content_hash)
    assert book["year"] == 2025 and book["deadline"] == "2026-01-31"
    assert form["district"] == "sample_01" and form["year"] == 2025 and form["template_version"] == "1"
    assert len(form["layout_hash"]) == 64
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["rolindex.framework_hash"] == fw.content_hash and props["rolindex.year"] == "2025"
    assert f"{form['defined_name']}" in wb.defined_names


def test_instructions_chinese_first_with_deadline_and_contact(blank_form):
    ws = open_form(blank_form)["说明 Instructions"]
    lines = [str(c.value) for c in ws["A"] if c.value]
    zh = next(i for i, t in enumerate(lines) if "填报截止日期：2026-01-31" in t)
    en = next(i for i, t in enumerate(lines) if "Deadline: 2026-01-31" in t)
    assert zh < en
    assert any("王老师" in t for t in lines[:en]) and any("Contact: 评估办" in t for t in lines[en:])
    assert any("95%" in t for t in lines[:en]) and any("e.g. 95%" in t for t in lines[en:])
    assert any("佐证" in t and "sample_01_2025_population.pdf" in t for t in lines)


def test_previous_values_shown_for_reference(tmp_path, fw, districts):
    prev = pd.DataFrame({"district": ["sample_01"] * 3 + ["sample_02"], "year": [2023, 2024, 2024, 2024],
                         "figure": ["population", "population", "mediation_success_rate", "population"],
                         "value": ["600000", "645,900", "96.5%", "1"]})
    [path] = write_forms(fw, districts[:1], 2025, tmp_path, previous=prev)
    ws = _figures_sheet(open_form(path))
    rows = value_rows(ws)
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "代码 / Code")
    col = header_column(ws, "上年值", header)
    assert ws.cell(rows["population"], col).value == 645900  # the latest earlier year
    assert ws.cell(rows["mediation_success_rate"], col).value == pytest.approx(0.965)
    assert ws.cell(rows["mediation_success_rate"], col).number_format == "0.0%"
    assert ws.cell(rows["lawyers"], col).value is None
    assert ws.cell(rows["population"], col).protection.locked


def test_office_form_rows_are_offices_columns_are_items(tmp_path, office_fw, office_districts):
    district = office_districts[0]
    path = write_form(office_fw, district, 2025, tmp_path / "o.xlsx")
    ws = open_form(path)["填报 Offices"]
    header = next(r for r in range(1, 15) if ws.cell(r, 1).value == "司法所代码 / Office code")
    codes = [ws.cell(r, 1).value for r in range(header + 1, ws.max_row + 1)]
    assert codes == [o.code for o in district.offices]
    assert ws.cell(header + 1, 2).value == district.offices[0].name
    items = [ws.cell(header, c).value for c in range(3, 3 + len(office_fw.figures))]
    assert items == list(office_fw.figures)
    assert ws.freeze_panes == f"C{header + 1}"
    assert is_office_framework(office_fw)


def test_write_forms_one_file_per_district_or_single(tmp_path, fw, districts):
    paths = write_forms(fw, districts[:3], 2025, tmp_path / "each")
    assert [p.name for p in paths] == [form_filename(fw, d, 2025) for d in districts[:3]]
    [single] = write_forms(fw, districts[:3], 2025, tmp_path / "one", single=True)
    wb = open_form(single)
    assert wb.sheetnames == ["说明 Instructions", "sample_01", "sample_02", "sample_03", "_rolindex"]
    forms = [json.loads(wb["_rolindex"].cell(r, 1).value) for r in range(3, 6)]
    assert [f["sheet"] for f in forms] == ["sample_01", "sample_02", "sample_03"]


def test_bad_input_to_the_writer(tmp_path, fw, office_fw):
    with pytest.raises(FormError, match="没有司法所名单 / district x has no offices"):
        write_form(office_fw, District("x"), 2025, tmp_path / "x.xlsx")
    with pytest.raises(FormError, match="duplicate district codes: a"):
        write_forms(fw, ["a", "a"], 2025, tmp_path)
    with pytest.raises(FormError, match="no districts"):
        write_forms(fw, [], 2025, tmp_path)
    with pytest.raises(FormError, match="lacks column"):
        write_forms(fw, ["a"], 2025, tmp_path, previous=pd.DataFrame({"district": ["a"]}))


def test_read_districts_table(tmp_path):
    good = tmp_path / "d.csv"
    good.write_text("district,name_zh,name_en,city,peer_group\nd1,甲区,A District,甲市,big\n", encoding="utf-8")
    offices = tmp_path / "o.csv"
    offices.write_text("office,district,office_name\no1,d1,甲所\no2,d1,\n", encoding="utf-8")
    [d] = read_districts(good, offices)
    assert (d.code, d.name_zh, d.name_en, d.city, d.peer_group) == ("d1", "甲区", "A District", "甲市", "big")
    assert [(o.code, o.name) for o in d.offices] == [("o1", "甲所"), ("o2", "o2")]
    bad = tmp_path / "bad.csv"
    bad.write_text("district,name_zh\nd1,甲\n,乙\nd1,丙\n", encoding="utf-8")
    with pytest.raises(FormError, match=r"(?s)row 3: 区县代码为空.*row 4: 区县代码 'd1' 重复"):
        read_districts(bad)
    nocode = tmp_path / "nocode.csv"
    nocode.write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(FormError, match="needs a 'district' column"):
        read_districts(nocode)
    stray = tmp_path / "stray.csv"
    stray.write_text("office,district\no9,d9\n", encoding="utf-8")
    with pytest.raises(FormError, match="not in d.csv: d9"):
        read_districts(good, stray)


def test_office_form_shows_last_year_as_comments(tmp_path, office_fw, office_districts):
    district = office_districts[0]
    office = district.offices[0].code
    prev = pd.DataFrame({"district": [office], "year": [2024], "figure": ["staff_dedicated"], "value": [5]})
    [path] = write_forms(office_fw, [district], 2025, tmp_path, previous=prev)
    ws = open_form(path)["填报 Offices"]
    header = next(r for r in range(1, 15) if ws.cell(r, 1).value == "司法所代码 / Office code")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(header, c).value == "staff_dedicated")
    assert ws.cell(header + 1, col).comment.text == "上年值 / last year: 5"
    assert ws.cell(header + 2, col).comment is None


def test_a_district_without_offices_does_not_stop_the_others(tmp_path, office_fw, office_districts):
    districts = [office_districts[0], District("lonely", "孤区", "Lonely"), office_districts[1]]
    with pytest.raises(FormError, match=r"(?s)1 district\(s\) got no form; 2 file\(s\) were written.*"
                                        r"district lonely has no offices") as info:
        write_forms(office_fw, districts, 2025, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == sorted(p.name for p in info.value.written) == [
        "judicial_office_std_2025_sample_01.xlsx", "judicial_office_std_2025_sample_02.xlsx"]


def test_more_bad_input_to_the_writer_and_filler(tmp_path, fw, blank_form):
    from evaluation.forms.districts import read_offices
    from evaluation.forms.filling import fill_form

    with pytest.raises(FormError, match="cannot read the districts table"):
        read_districts(tmp_path / "missing.csv")
    offices = tmp_path / "o.csv"
    offices.write_text("office\no1\n", encoding="utf-8")
    with pytest.raises(FormError, match="the office table needs columns office, district"):
        read_offices(offices)
    with pytest.raises(FormError, match="cannot read the office table"):
        read_offices(tmp_path / "none.csv")
    with pytest.raises(FormError, match="unknown mistake\\(s\\) typo; known: rate_as_95"):
        fill_form(blank_form, {}, fw, mistakes=["typo"])
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.create_sheet("_rolindex")
    wb.save(plain)
    with pytest.raises(FormError, match="not a rolindex form"):
        fill_form(plain, {}, fw)
    with pytest.raises(FormError, match="a district row has no 'district' code"):
        District.of({"name_zh": "x"})


def test_write_forms_in_worker_processes_gives_the_same_forms(tmp_path, fw, districts):
    from evaluation.forms.returned import read_form

    serial = write_forms(fw, districts[:3], 2025, tmp_path / "serial")
    parallel = write_forms(fw, districts[:3], 2025, tmp_path / "parallel", workers=2)
    assert [p.name for p in parallel] == [p.name for p in serial]
    for a, b in zip(serial, parallel, strict=True):
        ma, mb = (json.loads(open_form(x)["_rolindex"]["A3"].value) for x in (a, b))
        assert ma == mb  # same district, framework hash, layout hash, rows
    assert read_form(parallel[0], fw).problems[0].message.endswith("fill in the yellow value cells")  # a real form


def test_a_hostile_district_name_is_written_as_text_never_a_formula(tmp_path, fw):
    """A name typed as a formula in the districts table reaches the form as text (OWASP)."""
    hostile = District("sample_99", '=HYPERLINK("http://x","y")', "\t=1+1", "示例市", "A")
    path = write_form(fw, hostile, 2025, tmp_path / "f.xlsx")
    book = openpyxl.load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    named = [c.value for c in cells if "HYPERLINK" in c.value]
    assert named and all(not v.startswith("=") for v in named)


def _key_fills(ws) -> dict[str, str]:
    """{first word of a shaded instructions line: its fill colour}, read from the workbook."""
    return {str(c.value).split("：")[0].split(":")[0]: c.fill.fgColor.rgb[-6:] for c in ws["A"]
            if c.value and c.fill.fill_type == "solid"}


def test_instructions_explain_prefilled_values_and_quote_lines(blank_form):
    lines = [str(c.value) for c in open_form(blank_form)["说明 Instructions"]["A"] if c.value]
    en = next(i for i, t in enumerate(lines) if t.startswith("How to fill in"))
    zh, en_lines = "\n".join(lines[:en]), "\n".join(lines[en:])
    # what the pre-filled values are, where the quote line is, and what to do: keep, correct, clear
    assert "预填数值" in zh and "公开报告" in zh and "rolindex extract" in zh
    assert "以“引文 / quote:”开头的引文行" in zh and "原句" in zh
    assert "保留不动" in zh and "改正数值，并删去引文行" in zh and "清空该数值" in zh
    assert "橙色单元格是需要重点核对的预填数值" in zh and "“说明 / note:”" in zh
    assert "Pre-filled values" in en_lines and "published reports" in en_lines
    assert "a quote line starting '引文 / quote:'" in en_lines and "the sentence the value was taken from" in en_lines
    assert "leave it as it is" in en_lines and "delete the quote line" in en_lines and "clear the value" in en_lines
    assert "Orange cells are pre-filled values to check" in en_lines
    assert "“上年值”列（灰色）" in zh and "never read as this year's figure" in en_lines
    # the markers the instructions name are the ones the reader splits on
    from evaluation.forms.layout import split_source

    assert split_source("报告\n引文 / quote: 原句\n说明 / note: 下限") == ("报告", "原句", "下限")


def test_colour_key_matches_the_fills_used_on_the_forms(blank_form, fw, districts, tmp_path):
    """The colour key's shading is read from the instructions sheet and compared with the fills the
    form actually carries: the value cell (yellow), last year's cell (grey, with ``--previous``) and a
    pre-filled value flagged for checking (orange, written by ``prefill_form``)."""
    from evaluation.forms.prefill import prefill_form
    from indicators.extract import document_from_text, extract_text
    from indicators.extract.review import rows_for

    text = "光明区司法局2020年工作总结\n全区各社区法律顾问参与普法宣传教育活动1161余场。\n"
    doc = document_from_text(text, path=str(tmp_path / "r.txt"))
    rows = rows_for(extract_text(doc.text, fw, year=2020), doc, "sample_01", 2020)
    assert any(r.proposal.flagged for r in rows)  # 1161余场: a lower bound, marked orange
    form = prefill_form(rows, fw, districts[0], 2020, tmp_path / "prefilled.xlsx")
    wb = open_form(form)
    keys = _key_fills(wb["说明 Instructions"])
    assert set(keys) == {"黄色", "橙色", "灰色", "Yellow", "Orange", "Grey"}
    ws = _figures_sheet(wb)
    r = value_rows(ws)
    header = next(i for i in range(1, 10) if ws.cell(i, 1).value == "代码 / Code")
    value, prev = header_column(ws, "填报值", header), header_column(ws, "上年值", header)
    used = {"yellow": ws.cell(r["population"], value).fill.fgColor.rgb[-6:],
            "orange": ws.cell(r["publicity_events"], value).fill.fgColor.rgb[-6:],
            "grey": ws.cell(r["population"], prev).fill.fgColor.rgb[-6:]}
    assert len(set(used.values())) == 3
    assert keys["黄色"] == keys["Yellow"] == used["yellow"]
    assert keys["橙色"] == keys["Orange"] == used["orange"]
    assert keys["灰色"] == keys["Grey"] == used["grey"]
    assert _key_fills(open_form(blank_form)["说明 Instructions"]) == keys  # a blank form carries the same key


def test_office_forms_key_only_the_colours_they_use(tmp_path, office_fw, office_districts):
    [path] = write_forms(office_fw, office_districts[:1], 2025, tmp_path)
    wb = open_form(path)
    keys = _key_fills(wb["说明 Instructions"])
    assert set(keys) == {"黄色", "Yellow"}  # no pre-filled values, last year as a comment
    ws = _figures_sheet(wb)
    unlocked = [c for row in ws.iter_rows() for c in row if not c.protection.locked]
    assert unlocked and {c.fill.fgColor.rgb[-6:] for c in unlocked} == {keys["Yellow"]}
    lines = "\n".join(str(c.value) for c in wb["说明 Instructions"]["A"] if c.value)
    assert "批注" in lines and "comment" in lines and "预填" not in lines
