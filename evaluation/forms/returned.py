"""Returns in: read a returned form (or a plain CSV/XLSX submission) back into a Submission.

:func:`read_form` never raises for what is in the file: it returns a :class:`ReturnedForm` whose
``problems`` list every problem at once, each a bilingual message (Chinese first) naming the file,
sheet and cell, and whose ``status`` says whether the file is ``rejected`` (not this district or
year, an older framework version, protected cells altered, not a workbook, nothing filled in) or
was read with ``errors``, ``warnings`` or none (``ok``). Values are parsed as
:func:`indicators.submission.read_figures` parses XLSX cells (``95%``, ``2,162``, full-width
digits, numbers typed as text); a rate of 95 (9500 % in a percent cell) is never read silently:
it is an error asking "did you mean 95 %?" and the value is left unread (NaN).
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators.errors import did_you_mean
from indicators.framework import FigureSpec, Framework
from indicators.submission import SUFFIXES, Problem, Submission, XlsxNumber, parse_value, read_figures
from indicators.submission.values import float_decimals

from .errors import FormError
from .layout import (
    COL,
    FIGURE_COLUMNS,
    HEADER_ROW,
    META_MARKER,
    META_SHEET,
    OFFICE_COLUMN_ROW,
    OFFICE_HEADER_KEYS,
    OFFICE_LEAD,
    OFFICE_ROW_LABELS,
    OFFICE_TAIL,
    PROTECTED_KEYS,
    TEMPLATE_VERSION,
    Office,
    expected_layout,
    figure_row_cells,
    layout_hash,
    split_source,
)
from .messages import bilingual
from .xlsxcells import Cell, Workbook, XlsxError

__all__ = ["ReturnedForm", "collect_evidence", "read_form", "relabel_figures"]

STATUSES = ("ok", "warnings", "errors", "rejected")
_YES_NO = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False, "有": True, "无": False,
           "√": True, "×": False, "true": True, "false": False}
EVIDENCE_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".heic", ".webp",
                     ".doc", ".docx", ".xls", ".xlsx", ".ofd", ".txt", ".zip")


@dataclass(frozen=True, eq=False)
class ReturnedForm:
    """A returned file read back: its hash, metadata, the values as a Submission and every problem.

    ``meta`` is the form's hidden metadata (workbook keys plus ``forms``, one entry per district
    sheet) or None for a plain CSV/XLSX submission. ``evidence`` has one row per evidence file
    name written on the form (``district, year, figure, evidence, row, column``). ``status`` is
    one of ``ok``, ``warnings``, ``errors`` (values unreadable; validation will also fail) or
    ``rejected`` (the file as a whole is refused).
    """

    file: Path
    sha256: str
    meta: dict[str, Any] | None
    submission: Submission
    problems: list[Problem] = field(default_factory=list)
    status: str = "ok"
    evidence: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["district", "year", "figure", "evidence", "row", "column"]))

    @property
    def rejected(self) -> bool:
        """True when the file as a whole is refused."""
        return self.status == "rejected"

    @property
    def districts(self) -> list[str]:
        """The district codes the form is for (from the metadata; else those submitted)."""
        if self.meta is not None:
            return [f["district"] for f in self.meta.get("forms", [])]
        return [str(d) for d in self.submission.districts.index]

    @property
    def year(self) -> int | None:
        """The year the form is for (from the metadata; else the one year submitted, if one)."""
        if self.meta is not None:
            return self.meta.get("year")
        years = pd.unique(self.submission.figures["year"])
        return int(years[0]) if len(years) == 1 else None

    @property
    def values(self) -> pd.DataFrame:
        """One row per value read, as the ledger stores it: ``district, year, figure, value, text,
        unit, source, quote, note, evidence`` (file names joined by ``;``), ``row, column``."""
        f = self.submission.figures
        cols = ["district", "year", "figure", "value", "text", "unit", "source", "quote", "note", "row", "column"]
        out = pd.DataFrame({c: f[c].astype(object).where(f[c].notna(), None) if c not in ("year", "row", "value")
                            else f[c] for c in cols})
        ev = self.evidence
        by_value: dict[tuple, list[str]] = {}
        for d, fid, name in zip(ev["district"], ev["figure"], ev["evidence"], strict=True):
            by_value.setdefault((d, fid), []).append(name)
        out.insert(9, "evidence", pd.Series([";".join(by_value.get((d, fid)) or by_value.get((d, None)) or []) or None
                                             for d, fid in zip(out["district"], out["figure"], strict=True)],
                                            dtype=object, index=out.index))
        return out

    def raise_if_rejected(self) -> None:
        """Raise :class:`~evaluation.forms.errors.FormError` listing the problems if rejected."""
        if self.rejected:
            raise FormError(f"表格被退回 / {self.file.name} is refused",
                            [str(p) for p in self.problems if p.severity == "error"])


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
class _Refused(Exception):
    """Internal: stop reading a form; the problems say why."""


class _Reader:
    """Collects problems while one file is read; ``refuse`` marks the file rejected."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name
        self.problems: list[Problem] = []
        self.refused = False

    def add(self, zh: str, en: str, *, sheet: str | None = None, cell: str | None = None,
            row: int | None = None, column: str | None = None, severity: str = "error",
            district: str | None = None, year: int | None = None, figure: str | None = None,
            refuse: bool = False) -> None:
        where_zh = where_en = ""
        if sheet is not None:
            where_zh, where_en = f"工作表“{sheet}”", f"sheet '{sheet}'"
            if cell is not None:
                where_zh, where_en = f"{where_zh}单元格 {cell}", f"{where_en} cell {cell}"
            where_zh, where_en = where_zh + "：", where_en + ": "
        message = f"{where_zh}{zh} / {where_en}{en}"
        self.problems.append(Problem(severity, message, self.label, row, column, district, year, figure))
        self.refused |= refuse


def read_form(path: str | Path, framework: Framework, *, expect_district: str | None = None,
              expect_year: int | None = None) -> ReturnedForm:
    """Read a returned form, or a plain CSV/XLSX submission, against ``framework``.

    Parameters
    ----------
    path
        The returned file (``.xlsx`` form, or a CSV/XLSX in the long or wide submission format).
    framework
        The framework the figures are checked against; a form made for another version or content
        hash of it is rejected (fill in a new form).
    expect_district, expect_year
        When given, a file for another district or year is rejected.

    Returns
    -------
    ReturnedForm
        Values, evidence names, metadata and every problem; never raises for bad content.
    """
    path = Path(path)
    reader = _Reader(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reader.add(f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}", refuse=True)
        return _result(path, "", None, None, reader, None)
    digest = hashlib.sha256(data).hexdigest()
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        hint_zh = "，请另存为 .xlsx" if path.suffix.lower() == ".xls" else ""
        hint_en = "; save it as .xlsx" if path.suffix.lower() == ".xls" else ""
        reader.add(f"不是 Excel 工作簿或 CSV 文件（{path.suffix or '无扩展名'}）{hint_zh}",
                   f"not an Excel workbook or CSV file ({path.suffix or 'no extension'}){hint_en}", refuse=True)
        return _result(path, digest, None, None, reader, None)
    if kind == "csv":
        return _read_plain(path, digest, framework, reader, expect_district, expect_year)
    try:
        book = Workbook(data)
    except XlsxError as exc:
        reader.add("文件已损坏或不是 Excel 工作簿，无法打开；请重新保存为 .xlsx 后再提交",
                   f"the file is damaged or not an Excel workbook and cannot be opened ({exc}); "
                   f"save it again as .xlsx", refuse=True)
        return _result(path, digest, None, None, reader, None)
    meta = None
    try:
        meta = _read_meta(book, reader)
        if meta is None and not reader.refused:
            book.close()
            return _read_plain(path, digest, framework, reader, expect_district, expect_year)
        if reader.refused:
            return _result(path, digest, meta, None, reader, None)
        frame, evidence = _read_forms(book, meta, framework, reader, expect_district, expect_year)
    except XlsxError as exc:
        reader.add("文件已损坏，无法读取；请重新保存为 .xlsx 后再提交",
                   f"the file is damaged and cannot be read ({exc}); save it again as .xlsx", refuse=True)
        return _result(path, digest, meta, None, reader, None)
    except _Refused:
        return _result(path, digest, meta, None, reader, None)
    finally:
        book.close()
    return _result(path, digest, meta, frame, reader, evidence)


def _result(path: Path, digest: str, meta: dict | None, frame: pd.DataFrame | None, reader: _Reader,
            evidence: pd.DataFrame | None, submission: Submission | None = None) -> ReturnedForm:
    """The ReturnedForm; read-time problems of the values are rendered Chinese first and kept in
    ``submission.problems`` too, so :func:`~indicators.submission.validate` reports them once."""
    problems = list(reader.problems)
    if submission is None:
        submission = _submission(frame, reader.label, digest)
        problems.extend(replace(p, message=bilingual(p, for_form=True)) for p in submission.problems
                        if not _is_duplicate(p, problems))
        submission = Submission(submission.figures, submission.districts, submission.files, tuple(problems))
    if reader.refused:
        status = "rejected"
    elif any(p.severity == "error" for p in problems):
        status = "errors"
    elif problems:
        status = "warnings"
    else:
        status = "ok"
    if evidence is None:
        evidence = _empty_evidence()
    return ReturnedForm(path, digest, meta, submission, problems, status, evidence)


def _is_duplicate(p: Problem, known: list[Problem]) -> bool:
    return any(q.row == p.row and q.column == p.column and q.file == p.file and q.severity == p.severity
               for q in known if q.row is not None)


_FRAME_COLUMNS = ("district", "year", "figure", "value", "district_name", "group", "unit", "source",
                  "quote", "note", "file", "row", "column")


def _submission(frame: pd.DataFrame | None, label: str, digest: str) -> Submission:
    """The Submission of the values read (an empty one when nothing could be read)."""
    if frame is None or frame.empty:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in _FRAME_COLUMNS})
        frame["year"] = pd.Series([], dtype=np.int64)
        frame["row"] = pd.Series([], dtype=np.int64)
    bad = frame.pop("_unread").to_numpy(dtype=bool) if "_unread" in frame else np.zeros(len(frame), bool)
    sub = Submission.from_frame(frame, name=label)
    if bad.any():  # rates read as 95 (9500 %): explained by the reader, left unread
        sub.figures.loc[bad, "value"] = np.nan
    return Submission(sub.figures, sub.districts, {label: digest} if digest else {}, sub.problems)


# ---------------------------------------------------------------------------------------------
# metadata and identity
# ---------------------------------------------------------------------------------------------
def _read_meta(book: Workbook, reader: _Reader) -> dict[str, Any] | None:
    """The hidden metadata (workbook keys + ``forms``), None for a plain workbook."""
    if META_SHEET not in book.sheetnames:
        return None
    values = [cells[0].value for _, cells in book.rows(META_SHEET) if cells[0].column == 1]
    if not values or values[0] != META_MARKER:
        return None
    try:
        meta = json.loads(values[1])
        forms = [json.loads(v) for v in values[2:] if v]
        if not isinstance(meta, dict) or not all(isinstance(f, dict) for f in forms):
            raise ValueError
    except (ValueError, TypeError, IndexError):
        reader.add("表格的隐藏识别信息已损坏，无法确认框架、区县和年度；请使用新下发的表格重新填报",
                   "the form's hidden identification is damaged, so its framework, district and year "
                   "cannot be confirmed; fill in a newly issued form", sheet=META_SHEET, refuse=True)
        return {}
    meta["forms"] = forms
    if not forms:
        reader.add("表格的隐藏识别信息中没有区县表单", "the form's hidden identification lists no district sheet",
                   sheet=META_SHEET, refuse=True)
    return meta


def _check_identity(meta: dict[str, Any], form: dict[str, Any], framework: Framework, reader: _Reader,
                    expect_district: str | None, expect_year: int | None) -> None:
    sheet = form.get("sheet")
    district, year = form.get("district"), form.get("year")
    if form.get("framework_id") != framework.id:
        reader.add(f"这是框架 {form.get('framework_id')!r} 的表格，不是 {framework.id!r} 的表格",
                   f"this is a form of framework {form.get('framework_id')!r}, not {framework.id!r}",
                   sheet=sheet, district=district, year=year, refuse=True)
        return
    if form.get("framework_version") != framework.version or form.get("framework_hash") != framework.content_hash:
        reader.add(f"表格按框架 {framework.id} 旧版本 {form.get('framework_version')}（内容哈希 "
                   f"{str(form.get('framework_hash'))[:12]}）生成，现行版本为 {framework.version}（"
                   f"{framework.content_hash[:12]}）；请用新表格重新填报",
                   f"the form was made for framework {framework.id} version {form.get('framework_version')} "
                   f"(content hash {str(form.get('framework_hash'))[:12]}), but the framework is now version "
                   f"{framework.version} ({framework.content_hash[:12]}); fill in a new form",
                   sheet=sheet, district=district, year=year, refuse=True)
    if str(form.get("template_version")) != TEMPLATE_VERSION:
        reader.add(f"表格模板版本 {form.get('template_version')} 无法识别（本程序读取版本 {TEMPLATE_VERSION}）",
                   f"template version {form.get('template_version')} is not known (this rolindex reads "
                   f"version {TEMPLATE_VERSION})", sheet=sheet, district=district, year=year, refuse=True)
    if expect_district is not None and district != expect_district:
        reader.add(f"这是区县 {district} 的表格，不是 {expect_district} 的表格",
                   f"this is the form of district {district}, not of {expect_district}",
                   sheet=sheet, district=district, year=year, refuse=True)
    if expect_year is not None and year != expect_year:
        reader.add(f"这是 {year} 年度的表格，不是 {expect_year} 年度的表格",
                   f"this is the form for {year}, not for {expect_year}",
                   sheet=sheet, district=district, year=year, refuse=True)


def _find_sheet(book: Workbook, form: dict[str, Any], claimed: set[str]) -> str | None:
    """The sheet of a form: by its defined name (follows a rename in Excel), title, or position."""
    names = [book.destination(str(form.get("defined_name", ""))), form.get("sheet")]
    for title in names:
        if title in book.sheetnames and title not in claimed and title != META_SHEET:
            return title
    index = form.get("sheet_index")
    if isinstance(index, int) and 0 <= index < len(book.sheetnames):
        title = book.sheetnames[index]
        if title != META_SHEET and title not in claimed:
            return title
    return None


# ---------------------------------------------------------------------------------------------
# the sheets
# ---------------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """A label cell's text: NFKC, stripped, '' for blanks; 12.0 → '12'."""
    if value is None:
        return ""
    if type(value) in (str, int, float):  # the labels of a form repeat in every file: normalised once
        return _normalised(value)
    return _normalised.__wrapped__(value)


@functools.lru_cache(maxsize=8192, typed=True)
def _normalised(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _rows(book: Workbook, title: str) -> list[tuple[int, list[Cell | None]]]:
    """(sheet row, cells by position) of every row that has a cell."""
    return book.grid(title)


def _value(cells: list[Cell | None], col: int) -> Any:
    cell = cells[col - 1] if len(cells) >= col else None
    return None if cell is None else cell.value


def _all_blank(cells: list[Cell | None]) -> bool:
    return all(c is None or _blank(c.value) for c in cells)


def _cell_value(cell: Cell) -> Any:
    """A value cell as :func:`indicators.submission.read_figures` reads XLSX cells (an
    :class:`~indicators.submission.XlsxNumber` for numbers, text as it is), except that a number in
    a percent cell keeps the digits of its value (0.9803 → ``98.03%``, 2 decimals), not the form's
    display format (``98.0%``): the format is the form's, the digits are the district's."""
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if "%" in cell.number_format:
        shown = (Decimal(repr(float(value))) * 100).normalize()
        exponent = shown.as_tuple().exponent
        return XlsxNumber(value, f"{shown:f}%", max(0, -exponent) if isinstance(exponent, int) else 0, True)
    decimals = float_decimals(float(value))
    return XlsxNumber(value, f"{value:.{decimals}f}" if decimals < 16 else repr(value), decimals, False)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _read_forms(book: Workbook, meta: dict[str, Any], framework: Framework, reader: _Reader,
                expect_district: str | None, expect_year: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    forms = meta["forms"]
    for form in forms:
        _check_identity(meta, form, framework, reader, expect_district, expect_year)
    if reader.refused:
        raise _Refused
    for form in forms:  # same framework, same template version: the protected layout must be the same
        offices = [Office(*o) for o in form.get("offices") or []] if form.get("kind") == "offices" else None
        if form.get("layout_hash") != layout_hash(expected_layout(framework, offices)):
            reader.add("表格的受保护结构与本程序为该框架生成的表格不一致（模板已更改）；请用新表格重新填报",
                       "the form's protected layout differs from the form this rolindex writes for the framework "
                       "(the template changed); fill in a new form", sheet=form.get("sheet"),
                       district=form.get("district"), year=form.get("year"), refuse=True)
    if reader.refused:
        raise _Refused
    frames, evidence = [], []
    claimed: set[str] = set()
    for form in forms:
        sheet = _find_sheet(book, form, claimed)
        if sheet is None:
            reader.add(f"找不到区县 {form.get('district')} 的填报工作表（原名“{form.get('sheet')}”），"
                       f"可能已被删除", f"the sheet of district {form.get('district')} (first named "
                       f"'{form.get('sheet')}') is missing; it may have been deleted", refuse=True,
                       district=form.get("district"), year=form.get("year"))
            continue
        claimed.add(sheet)
        form["found_sheet"] = sheet  # where the sheet is now (feedback marks this one)
        if sheet != form.get("sheet"):
            reader.add(f"工作表“{form.get('sheet')}”已被重命名为“{sheet}”，已按隐藏识别信息找到",
                       f"sheet '{form.get('sheet')}' was renamed '{sheet}'; found by the form's hidden "
                       f"identification", sheet=sheet, severity="warning", district=form.get("district"),
                       year=form.get("year"))
        if not book.is_protected(sheet):
            reader.add("工作表保护已被取消（结构仍已逐格核对）",
                       "the sheet's protection was removed (its structure was still checked cell by cell)",
                       sheet=sheet, severity="warning")
        if form.get("kind") == "offices":
            frame, ev = _read_offices_sheet(book, sheet, form, framework, reader)
        else:
            frame, ev = _read_figures_sheet(book, sheet, form, framework, reader)
        frames.append(frame)
        evidence.append(ev)
    if reader.refused:
        raise _Refused
    frame = pd.concat(frames, ignore_index=True) if frames else None
    if frame is None or frame.empty:
        reader.add("表格中没有填写任何数值", "the form has no values at all; fill in the yellow value cells",
                   sheet=forms[0].get("sheet") if forms else None, refuse=True)
        raise _Refused
    return frame, pd.concat(evidence, ignore_index=True)


def _label_index(framework: Framework) -> dict[str, dict[str, str]]:
    """Figure ids by id, Chinese name and (case-folded) English name."""
    specs = framework.figures.values()
    return {"code": {s.id: s.id for s in specs}, "zh": {_text(s.zh): s.id for s in specs},
            "en": {_text(s.en).casefold(): s.id for s in specs}}


def _resolve(labels: dict[str, str], index: dict[str, dict[str, str]]) -> str | None:
    for key in ("code", "zh", "en"):
        text = labels.get(key, "")
        fid = index[key].get(text.casefold() if key == "en" else text)
        if fid is not None:
            return fid
    return None


def _all_labels(framework: Framework) -> list[str]:
    return [x for s in framework.figures.values() for x in (s.id, s.zh, s.en)]


def _value_rows(fid: str, spec: FigureSpec, raw: Any, cell: str, reader: _Reader, sheet: str,
                district: str, year: int, row: int) -> bool:
    """Check a value cell beyond what parsing does; return True when it must be left unread."""
    parsed = parse_value(raw)
    column = cell.rstrip("0123456789")
    if spec.kind == "binary" and isinstance(raw, str) and raw.strip().lower() in _YES_NO:
        one = "1" if _YES_NO[raw.strip().lower()] else "0"
        reader.add(f"是否类指标填了“{raw.strip()}”；请填 1（是）或 0（否），这里应为 {one}",
                   f"a yes/no item reads {raw.strip()!r}; write 1 (yes) or 0 (no), here {one}",
                   sheet=sheet, cell=cell, row=row, column=column, district=district, year=year, figure=fid)
        return False  # not a number: left unread by the parser, reported once (here)
    if parsed.error or parsed.empty or spec.kind != "rate" or spec.upper != 1:
        return False
    x = parsed.value
    if 1 < x <= 100:
        shown = f"{x * 100:g}%" if parsed.percent else f"{x:g}"
        reader.add(f"比率填为 {shown}，超出 0–100%；是否想填 {x:g}%？请在单元格中输入 {x:g}%",
                   f"the rate reads as {shown}, outside 0–100%; did you mean {x:g} %? Type {x:g}% in the cell",
                   sheet=sheet, cell=cell, row=row, column=column, district=district, year=year, figure=fid)
        return True
    return False


def _read_figures_sheet(book: Workbook, title: str, form: dict[str, Any], framework: Framework,
                        reader: _Reader) -> tuple[pd.DataFrame, pd.DataFrame]:
    district, year = form["district"], form["year"]
    rows = _rows(book, title)
    headers = [h for _, h, _ in FIGURE_COLUMNS]
    header_at = next((i for i, (_, cells) in enumerate(rows) if _text(_value(cells, 1)) == headers[0]), None)
    if header_at is None:
        reader.add(f"找不到表头行（A 列“{headers[0]}”）；表格结构已被改动", f"the header row (column A "
                   f"'{headers[0]}') is missing; the form's structure was altered", sheet=title, refuse=True,
                   row=HEADER_ROW)
        return _empty_frame(), _empty_evidence()
    header_row, header_cells = rows[header_at]
    for j, text in enumerate(headers, start=1):
        found = _text(_value(header_cells, j))
        if found != text:
            ref = f"{_letter(j)}{header_row}"
            reader.add(f"表头已被改动：应为“{text}”，现为“{found}”", f"the header was altered: expected "
                       f"'{text}', found '{found}'", sheet=title, cell=ref, row=header_row, column=_letter(j),
                       refuse=True)
    index = _label_index(framework)
    specs = framework.figures
    order: list[str] = []
    out: dict[str, list[Any]] = {c: [] for c in _FRAME_COLUMNS}
    out["_unread"] = []
    ev: list[tuple] = []
    unit_name = " / ".join(x for x in (form.get("name_zh"), form.get("name_en")) if x) or district
    found_rows: dict[str, int] = {}
    for r, cells in rows[header_at + 1:]:
        if _all_blank(cells):
            continue  # an extra blank row
        labels = {k: _text(_value(cells, COL[k])) for k in ("code", "zh", "en")}
        fid = _resolve(labels, index)
        if fid is None:
            shown = labels["code"] or labels["zh"] or labels["en"]
            filled = [f"{_letter(COL[k])}{r}" for k in ("value", "source", "evidence")
                      if not _blank(_value(cells, COL[k]))]
            if shown:
                reader.add(f"第 {r} 行的指标“{shown}”不在框架中{did_you_mean(shown, _all_labels(framework))}",
                           f"row {r} names figure {shown!r}, which the framework does not declare"
                           f"{did_you_mean(shown, _all_labels(framework))}", sheet=title, cell=f"A{r}", row=r,
                           column="A", refuse=True)
            elif filled:
                reader.add(f"第 {r} 行有填报内容（{', '.join(filled)}）但没有指标代码；请勿插入行",
                           f"row {r} has entries ({', '.join(filled)}) but no figure code; do not insert rows",
                           sheet=title, cell=f"A{r}", row=r, column="A", refuse=True)
            continue
        spec = specs[fid]
        order.append(fid)
        found_rows.setdefault(fid, r)
        _check_ignored(cells, r, title, reader, len(FIGURE_COLUMNS), district, year, fid)
        prev_found = _value(cells, COL["previous"])
        prev_meta = (form.get("previous") or {}).get(fid)
        if _differs(prev_found, prev_meta):
            ref = f"{_letter(COL['previous'])}{r}"
            reader.add(f"“上年值”单元格被改动（{_text(prev_found) or '空'}，原为 {_text(prev_meta) or '空'}），"
                       f"该列仅供参考，已忽略；本年数值请填在“填报值”列",
                       f"the 'Last year' cell was changed ({_text(prev_found) or 'empty'}, was "
                       f"{_text(prev_meta) or 'empty'}); that column is for reference and is ignored — this "
                       f"year's value goes in the 'Value' column", sheet=title, cell=ref, row=r,
                       column=_letter(COL["previous"]), severity="warning", district=district, year=year, figure=fid)
        expected = figure_row_cells(spec)
        for key in PROTECTED_KEYS:
            found = _text(_value(cells, COL[key]))
            if found != _text(expected[key]):
                ref = f"{_letter(COL[key])}{r}"
                reader.add(f"受保护单元格已被改动：应为“{expected[key]}”，现为“{found}”",
                           f"a protected cell was altered: expected '{expected[key]}', found '{found}'",
                           sheet=title, cell=ref, row=r, column=_letter(COL[key]), figure=fid, refuse=True)
        value_cell = cells[COL["value"] - 1] if len(cells) >= COL["value"] else None
        raw = _cell_value(value_cell) if value_cell is not None and not _blank(value_cell.value) else None
        source = _text(_value(cells, COL["source"])) or None
        evidence = _text(_value(cells, COL["evidence"]))
        letter = _letter(COL["value"])
        if evidence:
            for name in _split_names(evidence):
                ev.append((district, year, fid, name, r, _letter(COL["evidence"])))
        if raw is None:
            if source or evidence:
                reader.add("填写了来源或佐证材料但没有填报值", "a source or evidence file is given but no value",
                           sheet=title, cell=f"{letter}{r}", row=r, column=letter, severity="warning",
                           district=district, year=year, figure=fid)
            continue
        unread = _value_rows(fid, spec, raw, f"{letter}{r}", reader, title, district, year, r)
        said = _said(_value(cells, COL["source"]))
        for key, v in (("district", district), ("year", year), ("figure", fid), ("value", raw),
                       ("district_name", unit_name), ("group", form.get("city") or None), ("unit", spec.unit),
                       ("source", said[0]), ("quote", said[1]), ("note", _note(said[2], evidence)),
                       ("file", reader.label), ("row", r), ("column", letter), ("_unread", unread)):
            out[key].append(v)
    _check_order(order, list(specs), title, reader, framework)
    form["found_rows"] = found_rows  # where each figure is now (rows may have been inserted)
    return _frame(out), _evidence_frame(ev)


def _said(value: Any) -> tuple[str | None, str | None, str | None]:
    """(source, quote, note) of a source/note cell; the quote and note verbatim (no NFKC: a quote's
    full-width punctuation is the document's), the source normalised like every label."""
    if _blank(value):
        return None, None, None
    source, quote, note = split_source(str(value).strip())
    return (_text(source) or None) if source else None, quote, note


def _note(note: str | None, evidence: str) -> str | None:
    """The note of a value: what the source/note cell says after its note marker, then the evidence names."""
    parts = [note, f"佐证材料 / evidence: {evidence}" if evidence else None]
    return "; ".join(p for p in parts if p) or None


def _differs(found: Any, expected: Any) -> bool:
    if _blank(found) and expected is None:
        return False
    try:
        return float(found) != float(expected)
    except (TypeError, ValueError):
        return True


def _check_ignored(cells: list[Cell | None], r: int, title: str, reader: _Reader, width: int, district: str,
                   year: int, fid: str | None = None) -> None:
    """Warn about entries right of the form's last column: they are not read."""
    for cell in cells[width:]:
        if cell is not None and not _blank(cell.value):
            ref = f"{_letter(cell.column)}{r}"
            reader.add(f"单元格 {ref} 不在填报区内，内容“{_text(cell.value)}”未读取",
                       f"cell {ref} is outside the form's columns; its content {_text(cell.value)!r} was not read",
                       sheet=title, cell=ref, row=r, column=_letter(cell.column), severity="warning",
                       district=district, year=year, figure=fid)


def _check_order(order: list[str], expected: list[str], title: str, reader: _Reader, framework: Framework,
                 what: tuple[str, str] = ("行", "rows")) -> None:
    seen: set[str] = set()
    for fid in order:
        if fid in seen:
            reader.add(f"指标 {fid} 出现两次", f"figure {fid} appears twice", sheet=title, figure=fid, refuse=True)
        seen.add(fid)
    missing = [f for f in expected if f not in seen]
    for fid in missing:
        spec = framework.figures[fid]
        reader.add(f"指标 {fid}（{spec.zh}）的{what[0]}已被删除", f"the {what[1][:-1]} of figure {fid} ({spec.en}) "
                   f"was deleted", sheet=title, figure=fid, refuse=True)
    if not missing and len(order) == len(expected) and order != expected:
        first = next(i for i, (a, b) in enumerate(zip(order, expected, strict=True)) if a != b)
        reader.add(f"指标{what[0]}的顺序已被改动（第 {first + 1} 个应为 {expected[first]}，现为 {order[first]}）",
                   f"the order of the figure {what[1]} was changed (number {first + 1} should be "
                   f"{expected[first]}, found {order[first]})", sheet=title, refuse=True)


def _split_names(text: str) -> list[str]:
    """Evidence file names written in one cell, separated by ; , 、 or new lines."""
    for sep in ("；", "，", "、", "\n", ";", ","):
        text = text.replace(sep, "\u0000")
    return [t.strip() for t in text.split("\u0000") if t.strip()]


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in (*_FRAME_COLUMNS, "_unread")})


def _frame(out: dict[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in out.items()})
    frame["year"] = frame["year"].astype(np.int64)
    frame["row"] = frame["row"].astype(np.int64)
    frame["_unread"] = frame["_unread"].astype(bool)
    return frame


def _empty_evidence() -> pd.DataFrame:
    return pd.DataFrame(columns=["district", "year", "figure", "evidence", "row", "column"])


def _evidence_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["district", "year", "figure", "evidence", "row", "column"])


def _read_offices_sheet(book: Workbook, title: str, form: dict[str, Any], framework: Framework,
                        reader: _Reader) -> tuple[pd.DataFrame, pd.DataFrame]:
    district, year = form["district"], form["year"]
    rows = _rows(book, title)
    lead_header = OFFICE_LEAD[0][1]
    at = next((i for i, (_, cells) in enumerate(rows) if _text(_value(cells, 1)) == lead_header), None)
    if at is None:
        reader.add(f"找不到列标题行（A 列“{lead_header}”）；表格结构已被改动", f"the column header row "
                   f"(column A '{lead_header}') is missing; the form's structure was altered", sheet=title,
                   row=OFFICE_COLUMN_ROW, refuse=True)
        return _empty_frame(), _empty_evidence()
    col_row, col_cells = rows[at]
    by_row = {r: cells for r, cells in rows}
    index = _label_index(framework)
    specs = list(framework.figures.values())
    lead, tail = len(OFFICE_LEAD), len(OFFICE_TAIL)
    width = lead + len(specs) + tail
    # figure columns, by code (column header row), Chinese or English name (header block)
    columns: dict[int, str] = {}
    order: list[str] = []
    for j in range(lead + 1, lead + len(specs) + 1):
        labels = {"code": _text(_value(col_cells, j))}
        for k, key in enumerate(OFFICE_HEADER_KEYS):
            if key in ("zh", "en"):
                labels[key] = _text(_value(by_row.get(col_row - len(OFFICE_HEADER_KEYS) + k, []), j))
        fid = _resolve(labels, index)
        if fid is None:
            shown = labels["code"] or labels.get("zh") or labels.get("en")
            reader.add(f"第 {_letter(j)} 列的指标“{shown}”不在框架中{did_you_mean(shown, _all_labels(framework))}",
                       f"column {_letter(j)} names figure {shown!r}, which the framework does not declare"
                       f"{did_you_mean(shown, _all_labels(framework))}", sheet=title, cell=f"{_letter(j)}{col_row}",
                       row=col_row, column=_letter(j), refuse=True)
            continue
        columns[j] = fid
        order.append(fid)
        expected = figure_row_cells(framework.figures[fid])
        for k, key in enumerate(OFFICE_HEADER_KEYS):
            r = col_row - len(OFFICE_HEADER_KEYS) + k
            found = _text(_value(by_row.get(r, []), j))
            if found != _text(expected[key]):
                reader.add(f"受保护单元格已被改动：应为“{expected[key]}”，现为“{found}”",
                           f"a protected cell was altered: expected '{expected[key]}', found '{found}'",
                           sheet=title, cell=f"{_letter(j)}{r}", row=r, column=_letter(j), figure=fid, refuse=True)
    heads = [h for _, h, _ in OFFICE_LEAD] + [h for _, h, _ in OFFICE_TAIL]
    for j, text in zip([1, 2, width - 1, width], heads, strict=True):
        found = _text(_value(col_cells, j))
        if found != text:
            reader.add(f"列标题已被改动：应为“{text}”，现为“{found}”", f"a column header was altered: expected "
                       f"'{text}', found '{found}'", sheet=title, cell=f"{_letter(j)}{col_row}", row=col_row,
                       column=_letter(j), refuse=True)
    for k, key in enumerate(OFFICE_HEADER_KEYS):
        r = col_row - len(OFFICE_HEADER_KEYS) + k
        found = _text(_value(by_row.get(r, []), 1))
        if found != OFFICE_ROW_LABELS[key]:
            reader.add(f"表头已被改动：应为“{OFFICE_ROW_LABELS[key]}”，现为“{found}”", f"the header was altered: "
                       f"expected '{OFFICE_ROW_LABELS[key]}', found '{found}'", sheet=title, cell=f"A{r}", row=r,
                       column="A", refuse=True)
    _check_order(order, list(framework.figures), title, reader, framework, ("列", "columns"))
    form["columns"] = {fid: _letter(j) for j, fid in columns.items()}
    offices = [tuple(o) for o in form.get("offices") or []]
    names = dict(offices)
    seen: list[str] = []
    out: dict[str, list[Any]] = {c: [] for c in _FRAME_COLUMNS}
    out["_unread"] = []
    ev: list[tuple] = []
    group = " / ".join(x for x in (form.get("name_zh"), form.get("name_en")) if x) or district
    src_col, ev_col = width - 1, width
    found_rows: dict[str, int] = {}
    form["found_rows"] = found_rows
    for r, cells in rows[at + 1:]:
        if _all_blank(cells):
            continue
        code, name = _text(_value(cells, 1)), _text(_value(cells, 2))
        if code not in names:
            reader.add(f"第 {r} 行的司法所“{code or name}”不在本区名单中"
                       f"{did_you_mean(code or name, list(names) + list(names.values()))}",
                       f"row {r} names office {code or name!r}, which is not on this district's list"
                       f"{did_you_mean(code or name, list(names) + list(names.values()))}", sheet=title,
                       cell=f"A{r}", row=r, column="A", refuse=True)
            continue
        seen.append(code)
        found_rows.setdefault(code, r)
        _check_ignored(cells, r, title, reader, width, code, year)
        if name != _text(names[code]):
            reader.add(f"受保护单元格已被改动：应为“{names[code]}”，现为“{name}”", f"a protected cell was "
                       f"altered: expected '{names[code]}', found '{name}'", sheet=title, cell=f"B{r}", row=r,
                       column="B", refuse=True)
        source = _text(_value(cells, src_col)) or None
        evidence = _text(_value(cells, ev_col))
        said = _said(_value(cells, src_col))
        any_value = False
        for j, fid in columns.items():
            cell = cells[j - 1] if len(cells) >= j else None
            if cell is None or _blank(cell.value):
                continue
            any_value = True
            raw = _cell_value(cell)
            letter = _letter(j)
            unread = _value_rows(fid, framework.figures[fid], raw, f"{letter}{r}", reader, title, code, year, r)
            for key, v in (("district", code), ("year", year), ("figure", fid), ("value", raw),
                           ("district_name", names[code]), ("group", group),
                           ("unit", framework.figures[fid].unit), ("source", said[0]), ("quote", said[1]),
                           ("note", _note(said[2], evidence)),
                           ("file", reader.label), ("row", r), ("column", letter), ("_unread", unread)):
                out[key].append(v)
        if evidence:
            for fname in _split_names(evidence):
                ev.append((code, year, None, fname, r, _letter(ev_col)))
        if not any_value and (source or evidence):
            reader.add("填写了来源或佐证材料但没有填报值", "a source or evidence file is given but no value",
                       sheet=title, cell=f"{_letter(src_col)}{r}", row=r, column=_letter(src_col),
                       severity="warning", district=code, year=year)
    for code in [c for c, _ in offices if c not in seen]:
        reader.add(f"司法所 {code}（{names[code]}）的行已被删除", f"the row of office {code} ({names[code]}) "
                   "was deleted", sheet=title, district=code, year=year, refuse=True)
    if seen != [c for c, _ in offices if c in seen]:
        reader.add("司法所行的顺序已被改动", "the order of the office rows was changed", sheet=title, refuse=True)
    if len(set(seen)) != len(seen):
        reader.add("有司法所行重复", "an office row appears twice", sheet=title, refuse=True)
    return _frame(out), _evidence_frame(ev)


# ---------------------------------------------------------------------------------------------
# plain submissions (existing CSV/XLSX formats)
# ---------------------------------------------------------------------------------------------
def relabel_figures(submission: Submission, framework: Framework) -> tuple[Submission, list[Problem]]:
    """Accept Chinese and English figure names as labels: map them to figure ids.

    Labels that match neither an id nor a name are kept (validation reports them as unknown); when
    such a label is not an id-like word, a warning names the nearest id or name.
    """
    fig = submission.figures["figure"]
    index = _label_index(framework)
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    for label in fig.cat.categories:
        text = _text(label)
        fid = _resolve({"code": text, "zh": text, "en": text}, index)
        if fid is not None and fid != label:
            mapping[label] = fid
        elif fid is None and not text.isascii():
            hint = did_you_mean(text, _all_labels(framework))
            problems.append(Problem("warning", f"“{text}”不是框架中的指标代码或名称{hint} / {text!r} is neither "
                                    f"a figure id nor a figure name{hint}", next(iter(submission.files), None),
                                    figure=text))
    if not mapping:
        return submission, problems
    figures = submission.figures.copy()
    values = figures["figure"].astype(object).map(lambda x: mapping.get(x, x))
    figures["figure"] = pd.Categorical(values, categories=sorted(set(values.dropna())))
    return Submission(figures, submission.districts, dict(submission.files), submission.problems), problems


def _read_plain(path: Path, digest: str, framework: Framework, reader: _Reader, expect_district: str | None,
                expect_year: int | None) -> ReturnedForm:
    try:
        sub = read_figures(path)
    except ValueError as exc:  # DataError: the file cannot be read at all
        reader.add("无法读取文件", f"cannot read the file: {exc}", refuse=True)
        return _result(path, digest, None, None, reader, None)
    sub, problems = relabel_figures(sub, framework)
    reader.problems.extend(sub.problems)
    reader.problems.extend(problems)
    if any("empty" in p.message and p.row is None for p in sub.problems if p.severity == "error") or sub.figures.empty:
        reader.refused = True
    districts = [str(d) for d in sub.districts.index]
    if expect_district is not None and any(d != expect_district for d in districts):
        others = ", ".join(d for d in districts if d != expect_district)
        reader.add(f"文件中有其他区县的数据（{others}），应只有 {expect_district}",
                   f"the file has figures of other districts ({others}), expected only {expect_district}",
                   refuse=True)
    years = sorted({int(y) for y in sub.figures["year"]})
    if expect_year is not None and any(y != expect_year for y in years):
        reader.add(f"文件中有其他年度的数据（{', '.join(map(str, years))}），应只有 {expect_year}",
                   f"the file has figures of other years ({', '.join(map(str, years))}), expected only {expect_year}",
                   refuse=True)
    sub = Submission(sub.figures, sub.districts, {path.name: digest}, tuple(reader.problems))
    return _result(path, digest, None, None, reader, None, submission=sub)


# ---------------------------------------------------------------------------------------------
# evidence files
# ---------------------------------------------------------------------------------------------
def collect_evidence(form_path: str | Path, names: Iterable[str] | None = None) -> dict[str, Path]:
    """Evidence files returned beside a form: ``{file name: path}``.

    Looks in the form's folder and in a folder named like the form (its stem), not recursively
    beyond that. With ``names`` (the file names written on the form), only those are returned;
    names with no file are simply absent (compare with the names to report missing evidence).
    Other forms and hidden or temporary files are never evidence.
    """
    form_path = Path(form_path)
    folders = [form_path.parent, form_path.parent / form_path.stem]
    wanted = None if names is None else {unicodedata.normalize("NFC", n) for n in names}
    found: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            if not p.is_file() or p.name.startswith((".", "~$")) or p == form_path:
                continue
            name = unicodedata.normalize("NFC", p.name)
            if wanted is not None:
                if name in wanted:
                    found.setdefault(name, p)
            elif folder != form_path.parent or p.suffix.lower() in EVIDENCE_SUFFIXES and p.suffix.lower() not in (
                    ".xlsx", ".xls", ".csv"):
                found.setdefault(name, p)
    return found

