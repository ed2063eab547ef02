"""The review form: proposals as a long-format submission a person confirms, and the accepted rows.

The form is an ``.xlsx`` whose sheet ``figures`` is a long submission (``district, year, figure,
value, unit, source, quote, note``) followed by review columns (name, value as written, evidence,
offset, period, flags, confidence, confirm). :func:`indicators.submission.read_figures` reads the
sheet ``figures`` and ignores the review columns with a warning, so a confirmed form validates as it
is (``rolindex validate review.xlsx``). The sheet ``说明 readme`` says how to confirm (Chinese first).
Rates are written as numbers with a percent format showing the decimals of the report (``98.03%``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..io import atomic_write_bytes
from ..outputs import neutralise_workbook
from .documents import Document
from .matcher import Extraction, Proposal

__all__ = ["ReviewRow", "rows_for", "write_review_form", "write_submission_csv", "SUBMISSION_COLUMNS",
           "REVIEW_COLUMNS"]

#: The long-format submission columns (read by ``read_figures``).
SUBMISSION_COLUMNS = ("district", "year", "figure", "value", "district_name", "unit", "source", "quote", "note")
#: Review columns after them (ignored by ``read_figures``, with a warning per column).
REVIEW_COLUMNS = ("name_zh", "as_written", "evidence", "offset", "period", "flags", "confidence", "confirm",
                  "document", "sha256")
_WIDTHS = {"district": 14, "year": 7, "figure": 26, "value": 10, "district_name": 10, "unit": 6, "source": 30,
           "quote": 60, "note": 24, "name_zh": 22, "as_written": 12, "evidence": 36, "offset": 8, "period": 14,
           "flags": 22, "confidence": 10, "confirm": 10, "document": 24, "sha256": 16}
_README = [
    ("提取结果复核表 / Extraction review form", ""),
    ("每行是从报告中提取的一个指标建议值，引文为报告原句。", "Each row is a value proposed for one figure, "
     "beside the report's own sentence."),
    ("核对 value 与 quote 一致后在 confirm 列填“是”；值有误请直接改 value；不应采用的行请整行删除。",
     "Check value against quote, write 是 (yes) in confirm; correct a wrong value in place; delete rows "
     "that must not be used."),
    ("flags 非空的行（下限、约数、上年数、目标、累计、部分期间、其他主体）必须人工判断，不会自动采用。",
     "Rows with flags (lower bound, approximate, previous year, target, cumulative, part of the year, "
     "other entity) are never accepted automatically."),
    ("复核后用 rolindex validate 本文件 检查；figures 表按长格式填报文件读取，其余列仅供复核。",
     "Then run rolindex validate on this file: the sheet 'figures' is read as a long-format submission; "
     "the review columns are ignored (one warning each)."),
]


@dataclass(frozen=True)
class ReviewRow:
    """One proposal with the document and district-year it belongs to."""

    district: str
    year: int | None
    district_name: str
    document: Document
    proposal: Proposal

    def submission_cells(self) -> dict[str, object]:
        """The long-format cells (value as a submission writes it: ``98.03%``, ``2162``)."""
        p = self.proposal
        return {"district": self.district, "year": self.year, "figure": p.figure, "value": p.value_text,
                "district_name": self.district_name, "unit": p.unit, "source": self.document.title,
                "quote": p.quote, "note": p.note}


def rows_for(extraction: Extraction, document: Document, district: str | None = None,
             year: int | None = None) -> list[ReviewRow]:
    """Review rows of one document; district and year default to what the text says."""
    name = extraction.scope.district or ""
    code = district or name or Path(document.path).stem
    yr = year if year is not None else extraction.scope.year
    return [ReviewRow(code, yr, name, document, p) for p in extraction.proposals]


def write_review_form(rows: Sequence[ReviewRow], path: str | Path, notes: Iterable[str] = ()) -> Path:
    """Write the review form (atomically); ``notes`` go to the readme sheet (scope, documents skipped)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    header = SUBMISSION_COLUMNS + REVIEW_COLUMNS
    sheet.append(list(header))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    review_fill = PatternFill("solid", fgColor="F2F2F2")
    for i, name in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font = bold
        cell.fill = fill if name in SUBMISSION_COLUMNS else review_fill
        cell.alignment = Alignment(vertical="center")
    flagged_fill = PatternFill("solid", fgColor="FFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    value_col = header.index("value") + 1
    for r, row in enumerate(rows, start=2):
        p = row.proposal
        cells = row.submission_cells()
        cells.update(name_zh=p.name_zh, as_written=p.as_written, evidence=p.evidence, offset=p.offset,
                     period=p.period, flags=", ".join(p.flags), confidence=p.confidence, confirm="",
                     document=Path(row.document.path).name, sha256=row.document.sha256[:16])
        sheet.append([cells[c] for c in header])
        value = sheet.cell(row=r, column=value_col)
        if p.percent:
            value.value = p.value
            value.number_format = "0." + "0" * p.decimals + "%" if p.decimals else "0%"
        else:
            value.value = int(round(p.value)) if not p.decimals else p.value
            value.number_format = "0" if not p.decimals else "0." + "0" * p.decimals
        for c, name in enumerate(header, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.alignment = wrap if name in ("quote", "evidence", "note", "source", "flags") else top
            if p.flags and name in ("value", "flags"):
                cell.fill = flagged_fill
    for i, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = _WIDTHS.get(name, 12)
    sheet.freeze_panes = "E2"
    sheet.auto_filter.ref = sheet.dimensions
    info = book.create_sheet("说明 readme")
    for zh, en in _README:
        info.append([zh, en])
    for note in notes:
        info.append([note, ""])
    info.column_dimensions["A"].width = 70
    info.column_dimensions["B"].width = 70
    for cells in info.iter_rows():
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    info["A1"].font = Font(bold=True, size=13)
    buf = io.BytesIO()
    neutralise_workbook(book)  # text typed as =… stays text (OWASP CSV/formula injection)
    book.save(buf)
    return atomic_write_bytes(Path(path), buf.getvalue())


def write_submission_csv(rows: Sequence[ReviewRow], path: str | Path, provenance: bool = False) -> Path:
    """Write rows as a long-format submission CSV (UTF-8); ``provenance`` adds document, sha256, offset."""
    columns = SUBMISSION_COLUMNS + (("document", "sha256", "offset", "as_written") if provenance else ())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = row.submission_cells()
        cells.update(document=Path(row.document.path).name, sha256=row.document.sha256,
                     offset=row.proposal.offset, as_written=row.proposal.as_written)
        writer.writerow(["" if cells[c] is None else cells[c] for c in columns])
    return atomic_write_bytes(Path(path), out.getvalue().encode("utf-8"))
