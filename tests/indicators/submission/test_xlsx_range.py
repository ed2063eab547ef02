"""XLSX numbers outside a float's range (``1e-400``, ``1e999``) are errors naming file, sheet and cell.

openpyxl cannot write such numbers, so the workbooks are made with a placeholder number whose text is
then replaced in the worksheet's XML, as a hand-edited or foreign-tool workbook would hold it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from indicators.submission import read_figures

PLACEHOLDER = 987654.321


def workbook(path: Path, texts: dict[str, str], sheet: str = "figures") -> Path:
    """A long-format workbook whose D2, D3 … hold ``texts`` (cell → number text) as stored numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["district", "year", "figure", "value"])
    for figure in ("lawyers", "notaries", "mediators"):
        ws.append(["ja", 2024, figure, 5])
    for ref in texts:
        ws[ref] = PLACEHOLDER
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                for ref, text in texts.items():
                    at = data.index(f'r="{ref}"'.encode())
                    data = data[:at] + data[at:].replace(repr(PLACEHOLDER).encode(), text.encode(), 1)
            dst.writestr(item, data)
    tmp.unlink()
    return path


@pytest.mark.parametrize(("text", "shown"), [("1e-400", "1e-400"), ("-2.5E-330", "-2.5E-330"),
                                             ("0.0000001e-310", "1e-317")])  # subnormal: read, digits lost
def test_an_underflowing_xlsx_number_is_an_error_naming_sheet_and_cell(tmp_path, text, shown):
    path = workbook(tmp_path / "tiny.xlsx", {"D3": text})
    sub = read_figures(path)
    assert [(p.severity, p.file, p.row, p.column, p.figure) for p in sub.problems] == [
        ("error", "tiny.xlsx", 3, "value", "notaries")]
    message = sub.problems[0].message
    assert f"工作表“figures”单元格 D3 的数值 {shown}过小，读作 0（下溢）" in message
    assert (f"sheet 'figures' cell D3: the number {shown} is too small to be a figure (it reads as 0: "
            "underflow)") in message
    assert "expected a number such as 2162, or 0 if the figure is zero" in message
    assert list(sub.figures["figure"].astype(str)) == ["lawyers", "notaries", "mediators"]
    assert sub.figures["value"].isna().tolist() == [False, True, False]  # never a silent 0


def test_an_overflowing_xlsx_number_is_an_error_naming_sheet_and_cell(tmp_path):
    path = workbook(tmp_path / "huge.xlsx", {"D2": "1e999", "D4": "-1E400"}, sheet="Sheet 1")
    problems = read_figures(path).problems
    assert [(p.row, p.figure) for p in problems] == [(2, "lawyers"), (4, "mediators")]
    assert "工作表“Sheet 1”单元格 D2 的数值过大，读作无穷大（上溢）" in problems[0].message
    assert "sheet 'Sheet 1' cell D4: the number is too large to be a figure (it reads as infinity: overflow); " \
           "expected a finite number" in problems[1].message


def test_zero_written_any_way_is_read_as_zero(tmp_path):
    """Only a non-zero text that became 0 is refused: 0, 0.0, 0e-400 and -0.0 are honest zeros."""
    path = workbook(tmp_path / "zeros.xlsx", {"D2": "0.0", "D3": "0e-400", "D4": "-0.0"})
    sub = read_figures(path)
    assert sub.problems == () and sub.figures["value"].tolist() == [0.0, 0.0, 0.0]


def test_csv_overflow_and_underflow_are_bilingual_errors(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("district,year,figure,value\nja,2024,lawyers,1e999\nja,2024,notaries,1e-400\n", encoding="utf-8")
    problems = read_figures(path).problems
    assert [(p.row, p.column) for p in problems] == [(2, "value"), (3, "value")]
    assert "'1e999' 过大，会被存为无穷大（上溢） / is too large to be a figure" in problems[0].message
    assert "'1e-400' 过小，会被存为 0（下溢） / is too small to be a figure" in problems[1].message
