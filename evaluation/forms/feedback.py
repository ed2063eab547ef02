"""Feedback to a district: its own returned form with every problem marked on its cell.

Each problem becomes a comment on the cell it is about (value cell, altered label, ...) and the
cell is filled red (error) or amber (warning); a problem without a cell (a missing required
figure) is marked on that figure's value cell; a summary sheet in front lists every problem with
a link to its cell, Chinese first. A file that cannot be opened (damaged, not a workbook)
gets a feedback workbook with the summary sheet only; a plain submission (the existing long or wide
CSV/XLSX formats) is marked on its own cells (a CSV is copied into a sheet). Written atomically.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname

from indicators.outputs import neutralise_workbook
from indicators.submission import Problem

from ..fileio import atomic_write_bytes
from .layout import COL, META_SHEET
from .messages import SEVERITY, bilingual
from .returned import ReturnedForm

__all__ = ["FEEDBACK_SHEET", "STATUS_LABELS", "feedback_status", "write_feedback"]

FEEDBACK_SHEET = "反馈 Feedback"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")  # red
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")  # amber
STATUS_LABELS = {
    "ok": "已接受 / accepted",
    "warnings": "已接受，有警告 / accepted with warnings",
    "errors": "有错误，请修改后重新提交 / errors: correct and resubmit",
    "rejected": "退回 / rejected",
}
_LETTERS = re.compile(r"[A-Z]{1,3}")
_SHEET_IN_MESSAGE = re.compile(r"工作表“(.+?)”")


def feedback_status(form: ReturnedForm, report: Any | None) -> str:
    """``ok``, ``warnings``, ``errors`` or ``rejected`` from the read status and the validation."""
    if form.rejected:
        return "rejected"
    if form.status == "errors" or (report is not None and report.errors):
        return "errors"
    if form.status == "warnings" or (report is not None and report.warnings):
        return "warnings"
    return "ok"


def _problems(form: ReturnedForm, report: Any | None) -> list[Problem]:
    """Every problem once: the reader's, then validation's (which repeats the read problems)."""
    out = list(form.problems)
    if report is not None:
        out.extend(list(report.errors) + list(report.warnings))
    return list(dict.fromkeys(out))


class _Locator:
    """Where on the returned workbook a problem belongs: (sheet title, cell) or None."""

    def __init__(self, form: ReturnedForm, sheetnames: list[str]) -> None:
        self.forms = (form.meta or {}).get("forms", [])
        self.sheetnames = sheetnames
        self.by_unit: dict[str, dict] = {}
        for f in self.forms:
            self.by_unit[f["district"]] = f
            for code, _ in f.get("offices") or []:
                self.by_unit[code] = f

    def sheet_of(self, p: Problem) -> tuple[str | None, dict | None]:
        f = self.by_unit.get(p.district or "")
        if f is None and len(self.forms) == 1:
            f = self.forms[0]
        m = _SHEET_IN_MESSAGE.search(p.message)
        if m and m.group(1) in self.sheetnames:
            return m.group(1), f
        if f is not None:
            title = f.get("found_sheet") or f.get("sheet")
            return (title if title in self.sheetnames else None), f
        return None, None

    def locate(self, p: Problem) -> tuple[str | None, str | None]:
        title, f = self.sheet_of(p)
        if title is None or f is None:
            return title, None
        offices = f.get("kind") == "offices"
        row = p.row
        if row is None and p.figure is not None:  # e.g. a missing required figure: its value cell
            row = (f.get("found_rows") or f["rows"]).get(p.district if offices else p.figure)
            if row is None:
                return title, None
            if not offices:
                return title, f"{get_column_letter(COL['value'])}{row}"
        if row is None:
            return title, None
        column = p.column if p.column and _LETTERS.fullmatch(p.column) else None
        if column is None and not offices:
            column = get_column_letter(COL["value"])
        if column is None and offices and p.figure is not None:
            column = f.get("columns", {}).get(p.figure)
        return title, f"{column}{row}" if column else None


def write_feedback(form: ReturnedForm, report: Any | None, out_path: str | Path) -> Path:
    """Write the feedback workbook for a returned form and its validation report; return the path.

    Parameters
    ----------
    form
        What :func:`~evaluation.forms.returned.read_form` returned.
    report
        The :class:`~indicators.validation.ValidationReport` of ``form.submission`` (None for a
        rejected form that was not validated).
    out_path
        The feedback file (``.xlsx``), written atomically.
    """
    problems = _problems(form, report)
    wb, locator = None, None
    if form.meta and form.file.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            wb = load_workbook(form.file)
        except Exception:  # a damaged file still gets a summary-only feedback
            wb = None
        else:
            locator = _Locator(form, wb.sheetnames)
    elif form.meta is None and not form.rejected:
        wb, locator = _plain_workbook(form)
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
    located: list[tuple[Problem, str | None, str | None]] = []
    marks: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        title, cell = locator.locate(p) if locator is not None else (None, None)
        located.append((p, title, cell))
        if title is not None and cell is not None:
            marks.setdefault((title, cell), []).append(p)
    for (title, ref), items in marks.items():
        _mark(wb[title], ref, items, for_form=bool(form.meta))
    _summary(wb, form, report, located)
    buf = io.BytesIO()
    neutralise_workbook(wb)  # text typed as =… stays text (OWASP CSV/formula injection)
    wb.save(buf)
    return atomic_write_bytes(Path(out_path), buf.getvalue())


class _PlainLocator:
    """Cells of a plain submission (long or wide table): row as given, column by its header."""

    def __init__(self, title: str, header: dict[str, str]) -> None:
        self.title, self.header = title, header

    def locate(self, p: Problem) -> tuple[str | None, str | None]:
        if p.row is None:
            return self.title, None
        letter = self.header.get(str(p.column or "value").strip().lower())
        if letter is None and p.figure is not None:  # wide format: the figure's own column
            letter = self.header.get(p.figure.lower())
        return self.title, f"{letter}{p.row}" if letter else None


def _plain_workbook(form: ReturnedForm) -> tuple[Any, _PlainLocator | None]:
    """The district's own plain submission as a workbook (a CSV is copied into a sheet) to mark."""
    import csv

    try:
        if form.file.suffix.lower() in (".xlsx", ".xlsm"):
            wb = load_workbook(form.file)
            ws = wb["figures"] if "figures" in wb.sheetnames else wb.worksheets[0]
        else:
            data = form.file.read_bytes()
            text = next((data.decode(e) for e in ("utf-8-sig", "gb18030") if _decodes(data, e)), None)
            if text is None:
                return None, None
            first = text.split("\n", 1)[0]
            delimiter = "," if "," in first else ("\t" if "\t" in first else (";" if ";" in first else ","))
            wb = Workbook()
            ws = wb.active
            ws.title = "数据 Data"
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
                ws.append(record)
    except Exception:  # unreadable: summary only
        return None, None
    header_row = next((r for r in range(1, ws.max_row + 1)
                       if any(c.value not in (None, "") for c in ws[r])), None)
    if header_row is None:
        return wb, None
    header = {str(c.value).strip().lower(): c.column_letter for c in ws[header_row] if c.value not in (None, "")}
    return wb, _PlainLocator(ws.title, header)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _mark(ws, ref: str, items: Iterable[Problem], for_form: bool = True) -> None:
    items = list(items)
    cell = ws[ref]
    error = any(p.severity == "error" for p in items)
    cell.fill = ERROR_FILL if error else WARNING_FILL
    text = "\n\n".join(f"[{SEVERITY.get(p.severity, p.severity)}] {bilingual(p, for_form=for_form)}"
                         for p in items)
    comment = Comment(text[:30000], "rolindex")
    comment.width, comment.height = 420, min(60 + 18 * (len(text) // 40 + 1), 600)
    cell.comment = comment


def _summary(wb, form: ReturnedForm, report: Any | None, located: list[tuple[Problem, str | None, str | None]]):
    ws = wb.create_sheet(FEEDBACK_SHEET, 0)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    status = feedback_status(form, report)
    errors = sum(p.severity == "error" for p, _, _ in located)
    warnings = len(located) - errors
    districts = ", ".join(form.districts) or "—"
    lines = [
        (f"数据填报反馈 / Feedback on the returned form: {form.file.name}", Font(bold=True, size=14)),
        (f"区县 / District: {districts}    年度 / Year: {form.year if form.year is not None else '—'}", None),
        (f"结果 / Result: {STATUS_LABELS[status]}",
         Font(bold=True, size=12, color="9C0006" if status in ("errors", "rejected") else "006100")),
        (f"错误 {errors} 个，警告 {warnings} 个 / {errors} error{'s' if errors != 1 else ''}, "
         f"{warnings} warning{'s' if warnings != 1 else ''}", None),
        ("红色单元格为错误，黄色为警告；把鼠标移到单元格上查看批注。修改后请重新提交整张表格。 / "
         "Red cells are errors, amber cells warnings; hover over a cell to read its comment. "
         "Correct them and return the whole form again.", None),
        (f"文件 SHA-256 / file SHA-256: {form.sha256}", Font(size=9, color="808080")),
    ]
    for r, (text, font) in enumerate(lines, start=1):
        c = ws.cell(r, 1, text)
        if font is not None:
            c.font = font
    head = len(lines) + 2
    headers = ["序号 / No.", "严重程度 / Severity", "工作表 / Sheet", "单元格 / Cell", "指标 / Figure",
               "说明 / Message"]
    for j, h in enumerate(headers, start=1):
        c = ws.cell(head, j, h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="D9E1F2")
    order = sorted(located, key=lambda x: (x[0].severity != "error", x[1] or "", _row_of(x[2]), x[2] or ""))
    for i, (p, title, ref) in enumerate(order, start=1):
        r = head + i
        ws.cell(r, 1, i)
        sev = ws.cell(r, 2, SEVERITY.get(p.severity, p.severity))
        sev.fill = ERROR_FILL if p.severity == "error" else WARNING_FILL
        ws.cell(r, 3, title or "")
        c = ws.cell(r, 4, ref or "")
        if title and ref:
            c.hyperlink = f"#{quote_sheetname(title)}!{ref}"
            c.font = Font(color="0563C1", underline="single")
        ws.cell(r, 5, p.district if p.figure is None else (
            p.figure if p.district is None or p.district in form.districts else f"{p.district}: {p.figure}"))
        ws.cell(r, 6, bilingual(p, for_form=bool(form.meta))).alignment = Alignment(wrap_text=True, vertical="top")
    if not located:
        ws.cell(head + 1, 6, "未发现问题 / no problems found")
    for j, width in enumerate((8, 16, 18, 10, 30, 110), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = ws.cell(head + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if META_SHEET in wb.sheetnames:
        wb[META_SHEET].sheet_state = "veryHidden"


def _row_of(ref: str | None) -> int:
    m = re.search(r"\d+", ref or "")
    return int(m.group()) if m else 0
