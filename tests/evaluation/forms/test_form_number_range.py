"""A returned form whose value cell stores ``1e-400`` or ``1e999`` (hand-edited XML): an error naming the cell,
never a silent 0 or infinity."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from evaluation.forms.returned import read_form
from evaluation.forms.xlsxcells import Workbook

from .conftest import header_column, value_rows

PLACEHOLDER = 987654.321


def _form_with_stored_text(tmp_path: Path, blank: Path, figure: str, text: str) -> tuple[Path, str]:
    """The blank form with ``figure``'s value cell storing the number text ``text``; returns (path, cell)."""
    wb = openpyxl.load_workbook(blank)
    ws = next(w for w in wb.worksheets if any(w.cell(r, 1).value == "代码 / Code" for r in range(1, 10)))
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "代码 / Code")
    row = {k: r for k, r in value_rows(ws).items() if r > header}[figure]
    col = header_column(ws, "填报值", header)
    ws.cell(row, col).value = PLACEHOLDER
    ref = f"{openpyxl.utils.get_column_letter(col)}{row}"
    tmp = tmp_path / "placeholder.xlsx"
    wb.save(tmp)
    out = tmp_path / "returned.xlsx"
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/") and repr(PLACEHOLDER).encode() in data:
                data = data.replace(repr(PLACEHOLDER).encode(), text.encode())
            dst.writestr(item, data)
    return out, ref


@pytest.mark.parametrize(("text", "said"), [
    ("1e-400", "'1e-400' 过小，会被存为 0（下溢） / is too small to be a figure: it would be stored as 0 (underflow)"),
    ("-1E999", "'-1E999' 过大，会被存为无穷大（上溢） / is too large to be a figure: it would be stored as infinity"),
])
def test_an_out_of_range_value_names_its_cell(tmp_path, blank_form, fw, text, said):
    path, ref = _form_with_stored_text(tmp_path, blank_form, "lawyers", text)
    form = read_form(path, fw)
    errors = [p for p in form.problems if p.severity == "error"]
    assert form.status == "errors" and len(errors) == 1
    [p] = errors
    assert (p.file, p.figure, f"{p.column}{p.row}") == ("returned.xlsx", "lawyers", ref)
    assert said in p.message
    assert "lawyers" not in set(form.submission.figures.loc[form.submission.figures["value"].notna(), "figure"])


def test_the_cell_reader_keeps_the_text_of_an_out_of_range_number(tmp_path, blank_form):
    """Honest numbers stay numbers (0.0, 0e-400, 1e-300); only a value that would change is given as text."""
    for text, expected in (("1e-400", "1e-400"), ("1e999", "1e999"), ("0e-400", 0.0), ("0.0", 0.0),
                           ("1e-300", 1e-300)):
        path, ref = _form_with_stored_text(tmp_path, blank_form, "lawyers", text)
        book = Workbook(path.read_bytes())
        sheet = next(n for n in book.sheetnames if any(c.value == "代码 / Code" for _, cells in book.rows(n)
                                                       for c in cells))
        value = next(c.value for _, cells in book.rows(sheet) for c in cells
                     if f"{openpyxl.utils.get_column_letter(c.column)}{c.row}" == ref)
        assert value == expected and type(value) is type(expected)
        book.close()
