"""Tests for reading and validating submitted figures (``indicators.submission``).

Every error path asserts where the problem is (file, row, column). Files are written to
``tmp_path`` the way districts produce them: UTF-8 with BOM, GBK (Excel in China), XLSX, wide.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from indicators.errors import DataError, ValidationWarning
from indicators.framework import framework_from_dict, load_framework
from indicators.submission import (
    Problem,
    Submission,
    parse_value,
    parse_year,
    read_figures,
    to_wide,
    validate,
)

ROOT = Path(__file__).resolve().parents[3]
HEADER = "district,year,figure,value,district_name,group\n"


def _fig(fid: str, kind: str = "count", **extra) -> dict:
    return {"id": fid, "zh": fid, "en": fid, "unit": "%" if kind == "rate" else "件", "kind": kind,
            **extra}


TINY = {
    "id": "tiny", "version": "1", "name": {"zh": "测试框架", "en": "Tiny framework"},
    "figures": [
        {"id": "population", "zh": "常住人口", "en": "Resident population", "unit": "人",
         "kind": "count", "range": [10000, 50000000], "required": True},
        _fig("mediation_received"),
        _fig("mediation_resolved"),
        _fig("mediation_success_rate", "rate"),
        _fig("head_appearance_rate", "rate"),
        _fig("offices_signage", "binary"),
        _fig("budget", "amount"),
    ],
    "checks": [{"part": "mediation_resolved", "whole": "mediation_received"}],
    "nodes": [
        {"code": "ROL", "zh": "指数", "en": "Index"},
        {"code": "D1", "parent": "ROL", "weight": 1, "zh": "纠纷", "en": "Disputes"},
        {"code": "D1.1", "parent": "D1", "weight": 1, "zh": "调解成功率", "en": "Mediation success",
         "direction": "+", "formula": "mediation_resolved / mediation_received",
         "reported": "mediation_success_rate"},
        {"code": "D1.2", "parent": "D1", "weight": 1, "zh": "出庭率", "en": "Appearance",
         "direction": "+", "formula": "head_appearance_rate"},
    ],
}


@pytest.fixture(scope="module")
def fw():
    return framework_from_dict(TINY, source="tiny")


def write_csv(tmp_path: Path, body: str, name: str = "seed.csv", encoding: str = "utf-8-sig",
              header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_bytes((header + body).encode(encoding))
    return path


def base_rows(district: str = "jingan", year: int = 2020) -> str:
    """A valid district-year (population present)."""
    return f"{district},{year},population,\"975,700\",静安区,上海\n"


def only(problems, fragment: str) -> Problem:
    hits = [p for p in problems if fragment in p.message]
    assert len(hits) == 1, [str(p) for p in problems]
    return hits[0]


# ---------------------------------------------------------------------------------------------
# parsing values and years
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value", "decimals", "percent"), [
    ("98.6%", 0.986, 1, True),
    ("98.03%", 0.9803, 2, True),
    ("2,162", 2162.0, 0, False),
    ("1,234,567.5", 1234567.5, 1, False),
    ("１２３", 123.0, 0, False),
    ("９８．６％", 0.986, 1, True),
    ("２，１６２", 2162.0, 0, False),
    ("  0.986 ", 0.986, 3, False),
    ("98.6 %", 0.986, 1, True),
    ("−5", -5.0, 0, False),
    ("1e3", 1000.0, 0, False),
    (2162, 2162.0, 0, False),
    (0.9803, 0.9803, 4, False),
])
def test_parse_value_understands_what_districts_write(text, value, decimals, percent):
    parsed = parse_value(text)
    assert parsed.error is None
    assert parsed.value == pytest.approx(value, abs=0, rel=1e-15)
    assert parsed.decimals == decimals
    assert parsed.percent is percent
    assert parsed.approx is False


@pytest.mark.parametrize(("text", "value", "decimals"), [
    ("约98%", 0.98, 0), ("大约 98.5%", 0.985, 1), ("~230", 230.0, 0), ("≈ 12", 12.0, 0),
    ("98%左右", 0.98, 0),
])
def test_parse_value_accepts_approximate_markers_with_a_flag(text, value, decimals):
    parsed = parse_value(text)
    assert (parsed.value, parsed.decimals, parsed.approx) == (pytest.approx(value), decimals, True)


@pytest.mark.parametrize(("text", "fragment"), [
    ("abc", "'abc' is not a number; write digits"),
    (">98%", "submit the number (98%) and put the qualifier '>' in the note column"),
    ("230余", "submit the number (230) and put the qualifier '余' in the note column"),
    ("40多", "qualifier '多'"),
    ("超过200", "qualifier '超过'"),
    ("200件", "write 200 without '件'"),
    ("2.5万", "uses 万; write the full number (25000)"),
    ("98,6", "the decimal separator is a point"),
    ("—", "leave it out"),
    ("无", "if it is zero, write 0"),
    ("二百", "is not a number"),
    ("1,23,456", "is not a number"),
])
def test_parse_value_rejects_everything_else_with_a_hint(text, fragment):
    parsed = parse_value(text)
    assert math.isnan(parsed.value)
    assert fragment in parsed.error


def test_parse_value_blank_is_empty_not_an_error_message():
    for blank in ("", "   ", None, float("nan")):
        assert parse_value(blank).empty


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_thousands_formatted_numbers_parse_back(x):
    text = f"{x:,.2f}"
    parsed = parse_value(text)
    assert parsed.error is None and parsed.decimals == 2
    assert abs(parsed.value - x) <= 0.005 + 1e-9 * abs(x)


@given(st.floats(min_value=-10, max_value=10, allow_nan=False), st.integers(0, 6))
def test_percentage_strings_parse_back(x, decimals):
    text = f"{x * 100:.{decimals}f}%"
    parsed = parse_value(text)
    assert parsed.percent and parsed.decimals == decimals
    assert abs(parsed.value - x) <= 0.5 * 10.0 ** -decimals / 100 + 1e-12


@given(st.integers(min_value=0, max_value=10**9))
def test_full_width_integers_parse_back(n):
    full = str(n).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert parse_value(full).value == n


@pytest.mark.parametrize(("raw", "year"), [
    (2020, 2020), ("2020", 2020), (2020.0, 2020), ("2020年", 2020), ("２０２０", 2020),
    (" 2020 ", 2020), (np.int64(2021), 2021),
])
def test_parse_year_accepts_integers_and_nian(raw, year):
    assert parse_year(raw) == (year, None)


@pytest.mark.parametrize("raw", ["20", "2020-2021", "二〇二〇", "", 2020.5, "FY2020", 1800, True])
def test_parse_year_rejects_the_rest(raw):
    year, error = parse_year(raw)
    assert year is None
    assert "year" in error and "2020" in error


# ---------------------------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------------------------
def test_problem_str_names_file_row_column_and_context():
    p = Problem("error", "rate 79.7 is outside [0, 1]; it looks like a percentage — write 79.7% "
                "or 0.797", "seed.csv", 12, "value", "shanghai_jingan", 2020,
                "head_appearance_rate")
    assert str(p) == ("seed.csv row 12, column value (shanghai_jingan 2020, head_appearance_rate)"
                      ": rate 79.7 is outside [0, 1]; it looks like a percentage — write 79.7% "
                      "or 0.797")
    missing = Problem("error", "required", "seed.csv", None, None, "jingan", 2020, "population")
    assert str(missing) == "seed.csv, no row (jingan 2020, population): required"
    assert str(Problem("error", "cannot decode", "a.csv")) == "a.csv: cannot decode"


# ---------------------------------------------------------------------------------------------
# reading files
# ---------------------------------------------------------------------------------------------
def test_read_utf8_bom_csv(tmp_path, fw):
    path = write_csv(tmp_path, base_rows()
                     + "jingan,2020,mediation_success_rate,98.6%,静安区,上海\n"
                     + "jingan,2020,mediation_received,\"2,162\",静安区,上海\n"
                     + "jingan,2020,mediation_resolved,１２３,静安区,上海\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    sub = read_figures(path)
    assert sub.problems == ()
    f = sub.figures.set_index("figure")
    assert f.loc["mediation_success_rate", "value"] == pytest.approx(0.986)
    assert f.loc["mediation_success_rate", ["percent", "decimals"]].tolist() == [True, 1]
    assert f.loc["mediation_received", "value"] == 2162
    assert f.loc["mediation_received", "text"] == "2,162"
    assert f.loc["mediation_resolved", "value"] == 123
    assert f.loc["mediation_resolved", "row"] == 5
    assert set(f["file"]) == {"seed.csv"}
    assert sub.files == {"seed.csv": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert sub.districts.loc["jingan"].tolist() == ["静安区", "上海"]
    assert validate(sub, fw).ok


def test_read_gbk_csv_as_excel_in_china_writes_it(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,mediation_received,100,静安区,上海\n",
                     encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    sub = read_figures(path)
    assert sub.problems == ()
    assert sub.districts.loc["jingan", "district_name"] == "静安区"
    assert sub.districts.loc["jingan", "group"] == "上海"
    assert validate(sub, fw).ok


def test_undecodable_csv_is_an_error_naming_the_file(tmp_path, fw):
    path = tmp_path / "broken.csv"
    path.write_bytes(HEADER.encode() + b"jingan,2020,population,\xff\xff\xff\n")
    report = validate(read_figures(path), fw)
    assert not report.ok
    problem = only(report.errors, "line 2 is neither UTF-8 nor GBK/GB18030")
    assert (problem.file, problem.row) == ("broken.csv", 2)
    with pytest.raises(DataError, match=r"broken\.csv row 2: 第 2 行既不是 UTF-8 也不是 GBK 编码 / line 2 is neither"):
        report.raise_if_errors()


def test_read_xlsx_with_percent_format_and_blank_rows(tmp_path, fw):
    book = Workbook()
    book.active.title = "notes"
    book.active["A1"] = "read me"
    ws = book.create_sheet("figures")
    ws.append(["district", "year", "figure", "value", "district_name"])
    ws.append(["jingan", 2020, "population", 975700, "静安区"])
    ws.append([])  # a blank row in the middle keeps the sheet's numbering
    ws.append(["jingan", 2020, "mediation_success_rate", 0.9803, "静安区"])
    ws.cell(row=4, column=4).number_format = "0.00%"
    ws.append(["jingan", 2020, "mediation_received", "2,162", "静安区"])
    ws.append(["jingan", "2020年", "mediation_resolved", "abc", "静安区"])
    path = tmp_path / "seed.xlsx"
    book.save(path)
    sub = read_figures(path)
    f = sub.figures.set_index("figure")
    assert f.loc["population", "row"] == 2
    rate = f.loc["mediation_success_rate"]
    assert (rate["row"], rate["value"], rate["percent"], rate["decimals"], rate["text"]) == (
        4, 0.9803, True, 2, "98.03%")
    assert f.loc["mediation_received", ["row", "value"]].tolist() == [5, 2162]
    problem = only(sub.problems, "'abc' is not a number")
    assert (problem.file, problem.row, problem.column, problem.year) == ("seed.xlsx", 6, "value",
                                                                         2020)


def test_read_xlsx_first_sheet_by_default(tmp_path):
    book = Workbook()
    book.active.append(["district", "year", "figure", "value"])
    book.active.append(["jingan", 2020, "population", 975700])
    book.create_sheet("other")
    path = tmp_path / "two.xlsx"
    book.save(path)
    sub = read_figures(path)
    assert sub.figures["value"].tolist() == [975700]
    assert "first sheet" in only(sub.problems, "first sheet").message


def test_read_wide_format(tmp_path, fw):
    path = write_csv(tmp_path, (
        "jingan,2020,静安区,\"975,700\",18309,17948,98.03%\n"
        "guangming,2020,光明区,\"1,095,300\",,,\n"
        "guangming,2021,光明区,1100000,abc,,\n"),
        name="wide.csv",
        header="district,year,district_name,population,mediation_received,mediation_resolved,"
               "mediation_success_rate\n")
    sub = read_figures(path)
    assert len(sub.figures) == 4 + 1 + 2  # empty cells are simply not submitted
    problem = only(sub.problems, "'abc' is not a number")
    assert (problem.row, problem.column, problem.district, problem.figure) == (
        4, "mediation_received", "guangming", "mediation_received")
    report = validate(sub, fw)
    assert [str(p) for p in report.errors] == [str(problem)]
    assert report.warnings == []
    wide = to_wide(sub, fw)
    assert wide.loc[("jingan", 2020), "mediation_success_rate"] == pytest.approx(0.9803)
    assert math.isnan(wide.loc[("guangming", 2020), "mediation_received"])


def test_wide_format_unknown_column_is_an_unknown_figure_at_that_column(tmp_path, fw):
    path = write_csv(tmp_path, "jingan,2020,975700,5\n", name="wide.csv",
                     header="district,year,population,mediaton_received\n")
    problem = only(validate(read_figures(path), fw).errors, "unknown figure id")
    assert (problem.row, problem.column) == (2, "mediaton_received")
    assert "did you mean 'mediation_received'?" in problem.message


def test_missing_required_columns_are_reported_at_the_header(tmp_path, fw):
    path = write_csv(tmp_path, "jingan,2020,population\n", header="district,year,figure\n")
    problem = only(validate(read_figures(path), fw).errors, "missing required column")
    assert (problem.file, problem.row) == ("seed.csv", 1)
    assert "value" in problem.message


def test_unknown_long_column_is_a_warning_with_the_nearest_name(tmp_path, fw):
    path = write_csv(tmp_path, "jingan,2020,population,975700,x\n",
                     header="district,year,figure,value,sorce\n")
    report = validate(read_figures(path), fw)
    assert report.ok
    problem = only(report.warnings, "is not used")
    assert (problem.row, problem.column) == (1, "sorce")
    assert "did you mean 'source'?" in problem.message


def test_ragged_row_is_reported(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,budget,5,静安区,上海,extra\n")
    problem = only(validate(read_figures(path), fw).errors, "cells but the header has")
    assert (problem.file, problem.row) == ("seed.csv", 3)


def test_header_without_rows_is_an_error(tmp_path, fw):
    path = write_csv(tmp_path, "")
    problem = only(validate(read_figures(path), fw).errors, "no data rows")
    assert (problem.file, problem.row) == ("seed.csv", 1)


def test_missing_file_and_xls_raise_at_once(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"")
    with pytest.raises(DataError, match=r"(?s)nope\.csv: no such file.*old\.xls: unsupported "
                                        r"file type '\.xls'.*save it as \.xlsx or CSV"):
        read_figures(tmp_path / "nope.csv", xls)
    with pytest.raises(DataError, match="at least one"):
        read_figures()


def test_several_files_are_concatenated_and_problems_come_from_all(tmp_path, fw):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = write_csv(tmp_path / "a", base_rows() + "jingan,2020,budget,abc,静安区,上海\n")
    two = write_csv(tmp_path / "b",
                    base_rows("guangming") + "guangming,2020,budget,-1,光明区,深圳\n",
                    encoding="gbk")
    sub = read_figures(one, two)
    assert set(sub.files) == {str(one), str(two)}  # same name: full paths keep them apart
    report = validate(sub, fw)
    assert [(p.file, p.row) for p in report.errors] == [(str(one), 3), (str(two), 3)]
    assert sorted(to_wide(sub).index.get_level_values("district")) == ["guangming", "jingan"]


# ---------------------------------------------------------------------------------------------
# validation: every error path names its location
# ---------------------------------------------------------------------------------------------
def test_unreadable_value(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,budget,abc,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "not a number")
    assert (problem.file, problem.row, problem.column, problem.figure) == (
        "seed.csv", 3, "value", "budget")
    assert str(problem).startswith("seed.csv row 3, column value (jingan 2020, budget): ")


def test_empty_value_in_long_format(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,budget,,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "value is empty")
    assert (problem.row, problem.column) == (3, "value")
    assert "delete the row" in problem.message


def test_bad_year_and_empty_district(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,20,budget,5,静安区,上海\n"
                     + ",2020,budget,5,,\n")
    report = validate(read_figures(path), fw)
    year = only(report.errors, "not a year")
    assert (year.row, year.column, year.district) == (3, "year", "jingan")
    district = only(report.errors, "district is empty")
    assert (district.row, district.column) == (4, "district")


def test_rate_without_percent_sign_looks_like_a_percentage(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,head_appearance_rate,98.6,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "outside [0, 1]")
    assert (problem.file, problem.row, problem.column) == ("seed.csv", 3, "value")
    assert "looks like a percentage — write 98.6% or 0.986" in problem.message


def test_rate_above_100_percent(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,head_appearance_rate,120%,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "outside [0, 1]")
    assert problem.row == 3 and "percentage" not in problem.message


def test_negative_count(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,mediation_received,-5,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "negative")
    assert (problem.row, problem.column, problem.figure) == (3, "value", "mediation_received")


def test_out_of_declared_range_suggests_wan(tmp_path, fw):
    path = write_csv(tmp_path, "jingan,2020,population,97.57,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "declared range")
    assert problem.row == 2
    assert "[10,000, 50,000,000]" in problem.message and "万人" in problem.message


def test_binary_must_be_zero_or_one(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,offices_signage,2,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "must be 0 or 1")
    assert problem.row == 3


def test_count_written_as_percentage(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,mediation_received,50%,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "written as a percentage")
    assert problem.row == 3


def test_fractional_count_is_a_warning(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,mediation_received,12.5,静安区,上海\n"
                     + "jingan,2020,budget,12.5,静安区,上海\n")
    report = validate(read_figures(path), fw)
    assert report.ok
    problem = only(report.warnings, "not a whole number")
    assert (problem.row, problem.figure) == (3, "mediation_received")  # amounts may be fractional


def test_part_larger_than_whole(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,mediation_received,100,静安区,上海\n"
                     + "jingan,2020,mediation_resolved,120,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "larger than its whole")
    assert (problem.row, problem.column, problem.figure) == (4, "value", "mediation_resolved")
    assert "mediation_received 100 (row 3)" in problem.message


def test_conflicting_duplicate_names_both_rows(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,budget,5,静安区,上海\n"
                     + "jingan,2020,budget,6,静安区,上海\n")
    sub = read_figures(path)
    problem = only(validate(sub, fw).errors, "conflicting duplicate")
    assert (problem.row, problem.column) == (4, "value")
    assert "6 here but 5 at row 3" in problem.message
    assert to_wide(sub).loc[("jingan", 2020), "budget"] == 5  # the first row wins


def test_identical_duplicate_is_a_warning(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,head_appearance_rate,98.6%,静安区,上海\n"
                     + "jingan,2020,head_appearance_rate,0.986,静安区,上海\n")
    report = validate(read_figures(path), fw)
    assert report.ok
    problem = only(report.warnings, "duplicate of row 3")
    assert (problem.row, problem.column) == (4, "value")


def test_missing_required_population(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "guangming,2021,budget,5,光明区,深圳\n")
    report = validate(read_figures(path), fw)
    problem = only(report.errors, "required figure population")
    assert (problem.file, problem.row, problem.column) == ("seed.csv", None, None)
    assert (problem.district, problem.year, problem.figure) == ("guangming", 2021, "population")
    assert str(problem).startswith("seed.csv, no row (guangming 2021, population): ")


def test_unknown_figure_suggests_the_nearest_id(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,populaton,5,静安区,上海\n")
    problem = only(validate(read_figures(path), fw).errors, "unknown figure id 'populaton'")
    assert (problem.row, problem.column) == (3, "figure")
    assert "did you mean 'population'?" in problem.message


def test_district_with_two_names_or_groups_is_a_warning(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + "jingan,2020,budget,5,静安,上海\n"
                     + "jingan,2021,population,975700,静安区,上海市\n")
    report = validate(read_figures(path), fw)
    assert report.ok
    name = only(report.warnings, "is named")
    assert (name.row, name.column) == (3, "district_name")
    assert "'静安' here but '静安区' at row 2" in name.message
    group = only(report.warnings, "is in group")
    assert (group.row, group.column) == (4, "group")


def test_district_ids_differing_in_case(tmp_path, fw):
    path = write_csv(tmp_path, base_rows() + base_rows("Jingan"))
    problem = only(validate(read_figures(path), fw).warnings, "differs only in case")
    assert (problem.row, problem.column) == (2, "district")


def test_unit_mismatch_and_approximation_are_warnings(tmp_path, fw):
    path = write_csv(tmp_path, "jingan,2020,population,97.57,万人\n"
                     "jingan,2021,population,\"约975,700\",人\n"
                     "jingan,2021,head_appearance_rate,98%,%\n",
                     header="district,year,figure,value,unit\n")
    report = validate(read_figures(path), fw)
    unit = only(report.warnings, "unit '万人' differs")
    assert (unit.row, unit.column) == (2, "unit")
    approx = only(report.warnings, "marked approximate")
    assert (approx.row, approx.column) == (3, "value")


# ---------------------------------------------------------------------------------------------
# reported rates next to counts
# ---------------------------------------------------------------------------------------------
def counts_and_rate(tmp_path, rate: str) -> Path:
    return write_csv(tmp_path, base_rows()
                     + "jingan,2020,mediation_received,\"18,309\",静安区,上海\n"
                     + "jingan,2020,mediation_resolved,\"17,948\",静安区,上海\n"
                     + f"jingan,2020,mediation_success_rate,{rate},静安区,上海\n")


@pytest.mark.parametrize("rate", ["98.03%", "98.0%", "98%", "约98%", "0.9803", "0.98", "98.028%"])
def test_reported_rate_agrees_within_the_rounding_shown(tmp_path, fw, rate):
    # 17,948 / 18,309 = 0.980283...
    report = validate(read_figures(counts_and_rate(tmp_path, rate)), fw)
    assert report.errors == []
    assert [p for p in report.warnings if "disagrees" in p.message] == []


@pytest.mark.parametrize(("rate", "band"), [
    ("97%", "96.5%–97.5%"), ("98.1%", "98.05%–98.15%"), ("98.02%", "98.015%–98.025%"),
    ("0.97", "0.965–0.975"),
])
def test_reported_rate_disagreeing_with_counts_is_a_warning(tmp_path, fw, rate, band):
    report = validate(read_figures(counts_and_rate(tmp_path, rate)), fw)
    hits = [p for p in report.warnings if "disagrees" in p.message]
    assert report.ok  # a warning does not fail
    (problem,) = hits
    assert (problem.file, problem.row, problem.column) == ("seed.csv", 5, "value")
    assert "mediation_received 18,309 (row 3)" in problem.message
    assert "mediation_resolved 17,948 (row 4)" in problem.message
    assert f"{rate} allows {band}" in problem.message


def test_reported_rate_from_frame_uses_the_shortest_decimals(fw):
    def frame(rate: float) -> pd.DataFrame:
        return pd.DataFrame({"district": "d1", "year": 2020,
                             "figure": ["population", "mediation_received", "mediation_resolved",
                                        "mediation_success_rate"],
                             "value": [975700.0, 18309.0, 17948.0, rate]})

    assert validate(Submission.from_frame(frame(0.9803)), fw).warnings == []
    (problem,) = validate(Submission.from_frame(frame(0.9801), name="synthetic"), fw).warnings
    assert (problem.file, problem.row, problem.column) == ("synthetic", 5, "value")
    assert "0.9801 allows 0.98005–0.98015" in problem.message


# ---------------------------------------------------------------------------------------------
# every problem at once
# ---------------------------------------------------------------------------------------------
def test_many_problems_in_one_file_are_reported_together(tmp_path, fw):
    path = write_csv(tmp_path, (
        base_rows()                                                     # row 2: fine
        + "jingan,2020,head_appearance_rate,79.7,静安区,上海\n"        # 3: percentage   (error)
        + "jingan,2020,budget,abc,静安区,上海\n"                        # 4: not a number (error)
        + "jingan,2020,mediation_received,-1,静安区,上海\n"             # 5: negative     (error)
        + "jingan,2020,populaton,5,静安区,上海\n"                       # 6: unknown id   (error)
        + "jingan,2020,offices_signage,1,静安区,上海\n"                 # 7: fine
        + "jingan,2020,offices_signage,0,静安区,上海\n"                 # 8: conflict     (error)
        + "jingan,2020年,budget,230余,静安区,上海\n"                    # 9: qualifier    (error)
        + "guangming,2020,mediation_received,10,光明区,深圳\n"          # 10: fine
        + "guangming,2020,mediation_resolved,11,光明区,深圳\n"          # 11: part>whole  (error)
        + "guangming,2020,mediation_success_rate,97%,光明区,深圳\n"     # 12: disagrees   (warning)
        + "guangming,two,budget,1,光明区,深圳\n"                        # 13: bad year    (error)
    ))                                                                  # + guangming population
    report = validate(read_figures(path), fw)
    assert len(report.errors) == 9
    assert len(report.warnings) == 1
    assert [p.row for p in report.errors] == [3, 4, 5, 6, 8, 9, 11, 13, None]
    with pytest.raises(DataError) as info:
        report.raise_if_errors()
    assert len(info.value.problems) == 9
    assert "seed.csv failed validation with 9 errors" in str(info.value)
    summary = report.summary()
    assert summary.splitlines()[0] == ("seed.csv: 11 values, 2 district-years; 9 errors, "
                                       "1 warning")
    assert summary.index("Errors:") < summary.index("Warnings:")
    assert summary.count("\n  - ") == 10


def test_warn_issues_one_validation_warning(tmp_path, fw):
    report = validate(read_figures(counts_and_rate(tmp_path, "97%")), fw)
    with pytest.warns(ValidationWarning, match=r"1 warning\n  - seed\.csv row 5"):
        report.warn()
    report.raise_if_errors()  # warnings do not fail


# ---------------------------------------------------------------------------------------------
# from_frame and to_wide
# ---------------------------------------------------------------------------------------------
def test_from_frame_numeric_values(fw):
    df = pd.DataFrame({"district": ["b", "a", "a"], "year": [2021, 2020, 2020],
                       "figure": ["population", "population", "mediation_success_rate"],
                       "value": [20000.0, 10000.0, 0.5], "group": ["g1", "g2", "g2"]})
    sub = Submission.from_frame(df)
    assert sub.figures["row"].tolist() == [2, 3, 4]
    assert sub.figures["file"].tolist() == ["<frame>"] * 3
    assert sub.figures["decimals"].isna().all() and sub.figures["text"].isna().all()
    assert sub.districts["group"].to_dict() == {"a": "g2", "b": "g1"}
    assert validate(sub, fw).ok
    wide = to_wide(sub, fw)
    assert wide.index.tolist() == [("a", 2020), ("b", 2021)]
    assert wide.index.names == ["district", "year"]
    assert list(wide.columns) == list(fw.figures)
    assert wide.dtypes.eq(float).all()


def test_from_frame_text_values_and_nan(fw):
    df = pd.DataFrame({"district": ["a", "a", "a"], "year": ["2020", "2020年", 2020],
                       "figure": ["population", "budget", "mediation_success_rate"],
                       "value": ["1,000,000", np.nan, "98.6%"]})
    sub = Submission.from_frame(df, name="gen")
    problem = only(sub.problems, "value is empty")
    assert (problem.file, problem.row, problem.column) == ("gen", 3, "value")
    assert sub.figures["value"].iloc[2] == pytest.approx(0.986)


def test_from_frame_requires_the_long_columns():
    with pytest.raises(DataError, match="lacks column.*value"):
        Submission.from_frame(pd.DataFrame({"district": [], "year": [], "figure": []}))


def test_to_wide_without_framework_keeps_first_appearance_and_unknown_ids(fw):
    df = pd.DataFrame({"district": ["a", "a", "a"], "year": 2020,
                       "figure": ["zeta", "population", "zeta"], "value": [1.0, 10000.0, 2.0]})
    sub = Submission.from_frame(df)
    wide = to_wide(sub)
    assert list(wide.columns) == ["zeta", "population"]
    assert wide.loc[("a", 2020), "zeta"] == 1.0
    assert "zeta" not in to_wide(sub, fw).columns


def test_empty_submission(tmp_path, fw):
    path = write_csv(tmp_path, "", header="")
    sub = read_figures(path)
    assert to_wide(sub, fw).shape == (0, len(fw.figures))
    assert only(validate(sub, fw).errors, "the file is empty").file == "seed.csv"


# ---------------------------------------------------------------------------------------------
# the real framework
# ---------------------------------------------------------------------------------------------
def test_real_framework_seed_like_submission():
    real = load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")
    df = pd.DataFrame({
        "district": "shanghai_jingan", "year": 2020,
        "figure": ["population", "head_appearances", "head_appearance_rate", "mediation_received",
                   "mediation_resolved", "mediation_success_rate"],
        "value": ["975,700", "200", "79.7", "18,309", "17,948", "98.03%"],
    })
    report = validate(Submission.from_frame(df, name="seed.csv"), real)
    assert [str(p) for p in report.errors] == [
        "seed.csv row 4, column value (shanghai_jingan 2020, head_appearance_rate): rate 79.7 is "
        "outside [0, 1]; it looks like a percentage — write 79.7% or 0.797"]
    assert report.warnings == []


def test_xlsx_numbers_in_text_columns_and_bad_numeric_year(tmp_path, fw):
    book = Workbook()
    ws = book.active
    ws.append(["district", "year", "figure", "value", "source", "district_name"])
    ws.append([310106, 2020, "population", 975700, 4, "静安区"])
    ws.append([310106, 20, "budget", 5, None, "静安区"])
    path = tmp_path / "codes.xlsx"
    book.save(path)
    sub = read_figures(path)
    assert sub.figures["district"].tolist() == ["310106"]
    assert sub.figures["source"].tolist() == ["4"]
    problem = only(sub.problems, "year 20 is outside 1949–2100")
    assert (problem.row, problem.column) == (3, "year")


def test_wide_row_with_bad_year_is_one_problem(tmp_path, fw):
    path = write_csv(tmp_path, "jingan,2020年度,975700,5\n", name="wide.csv",
                     header="district,year,population,mediation_received\n")
    report = validate(read_figures(path), fw)
    assert [(p.row, p.column) for p in report.errors] == [(2, "year")]


def test_problem_kind_groups_messages_that_differ_only_in_specifics():
    from indicators.submission.validation import problem_kind

    assert problem_kind("value 'abc' is not a number; write digits such as 2162 or 98.6%") == \
        "value … is not a number; write digits such as 2162 or 98.6%"
    assert problem_kind("value -1 is below 0 (x2)") == problem_kind("value -25.5 is below 0 (x2)") == \
        "value … is below … (x2)"
    assert problem_kind("mediation 'a' and \"b\"") == "mediation … and …"


@given(n_bad=st.integers(1, 60), n_neg=st.integers(1, 8), limit=st.integers(1, 5))
def test_bounded_summary_lists_the_first_of_each_kind_and_counts_the_rest(n_bad, n_neg, limit):
    from indicators.submission.types import Problem
    from indicators.submission.validation import ValidationReport

    errors = [Problem("error", f"value 'v{i}' is not a number", "f.csv", i + 2, "value") for i in range(n_bad)]
    errors += [Problem("error", f"value -{i + 1} is negative", "f.csv", 100 + i, "value") for i in range(n_neg)]
    report = ValidationReport(errors, [], ("f.csv",), n_bad + n_neg, 1)
    text = report.summary(limit=limit)
    listed = [line for line in text.splitlines() if line.startswith("  - ")]
    if n_bad + n_neg <= limit:
        assert len(listed) == n_bad + n_neg and "more not listed" not in text
        return
    assert len(listed) == min(n_bad, limit) + min(n_neg, limit)
    assert listed[0] == "  - f.csv row 2, column value: value 'v0' is not a number"
    hidden_bad, hidden_neg = max(0, n_bad - limit), max(0, n_neg - limit)
    if hidden_bad:
        assert f"{hidden_bad:>9,} × column value: value … is not a number" in text
    if hidden_neg:
        assert f"{hidden_neg:>9,} × column value: value … is negative" in text
    if hidden_bad + hidden_neg:
        assert f"{hidden_bad + hidden_neg} more not listed" in text and "--problems-out" in text
    assert report.summary().count("\n  - ") == n_bad + n_neg  # unbounded by default; nothing dropped


def test_write_problems_writes_every_problem_readably(tmp_path):
    import csv

    from indicators.submission.types import Problem
    from indicators.submission.validation import PROBLEM_COLUMNS, ValidationReport

    report = ValidationReport([Problem("error", "value '静安,\"x' is not a number", "f.csv", 2, "value", "d1", 2020,
                                       "lawyers")],
                              [Problem("warning", "missing figure", "f.csv", None, None, "d1", 2020, "aid")])
    path = report.write_problems(tmp_path / "p.csv")
    assert path.read_bytes().startswith("\ufeff".encode())
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(PROBLEM_COLUMNS)
    assert rows[1] == ["error", "f.csv", "2", "value", "d1", "2020", "lawyers", "value … is not a number",
                       "value '静安,\"x' is not a number"]
    assert rows[2] == ["warning", "f.csv", "", "", "d1", "2020", "aid", "missing figure", "missing figure"]
    assert [p.name for p in tmp_path.iterdir()] == ["p.csv"]  # atomic: no temporary left
