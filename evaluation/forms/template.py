"""Forms out: one protected Excel form per district, with instructions and hidden metadata.

Each form has an instructions sheet (Chinese first, English second) and a figures sheet with one
row per figure the framework declares (code, names, unit, kind, valid range, required, a yellow
value cell, a source/note cell, an evidence cell and last year's accepted value for reference).
The judicial-office framework gets one row per office of the district and one column per figure.
Value cells carry Excel data validation (number within the declared range; rates formatted as
percent so staff type ``95%``; yes/no as a 0/1 list); only the yellow cells are unlocked and the
sheets are protected without a password. A very-hidden sheet (and the workbook's custom
properties) records framework id, version and content hash, district, year, template version and
the hash of the protected layout, so a returned form identifies itself
(:func:`evaluation.forms.returned.read_form`).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.framework import FigureSpec, Framework
from indicators.outputs import neutralise_workbook
from indicators.submission import parse_value

from ..fileio import atomic_write_bytes
from .districts import District
from .errors import FormError
from .layout import (
    COL,
    DEFINED_NAME,
    FIGURE_COLUMNS,
    FIGURES_SHEET,
    FIRST_ROW,
    HEADER_COLOUR,
    HEADER_ROW,
    INPUT_COLOUR,
    INSTRUCTIONS_SHEET,
    META_MARKER,
    META_SHEET,
    NOTE_MARKS,
    OFFICE_COLUMN_ROW,
    OFFICE_FIGURE_WIDTH,
    OFFICE_FIRST_ROW,
    OFFICE_HEADER_KEYS,
    OFFICE_LEAD,
    OFFICE_ROW_LABELS,
    OFFICE_TAIL,
    OFFICES_SHEET,
    PREFILLED_COLOUR,
    QUOTE_MARKS,
    REFERENCE_COLOUR,
    SUBTITLE_ROW,
    TEMPLATE_VERSION,
    TITLE_ROW,
    Office,
    expected_layout,
    figure_row_cells,
    fmt_number,
    layout_hash,
    number_format,
)

__all__ = ["form_filename", "is_office_framework", "write_form", "write_forms"]

INPUT_FILL = PatternFill("solid", fgColor=INPUT_COLOUR)  # yellow: fill me in
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
REFERENCE_FILL = PatternFill("solid", fgColor=REFERENCE_COLOUR)
#: Fill of each colour-key line of the instructions (style ``key:<name>``).
KEY_FILLS = {"input": INPUT_FILL, "prefilled": PatternFill("solid", fgColor=PREFILLED_COLOUR),
             "reference": REFERENCE_FILL}
_THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def is_office_framework(framework: Framework) -> bool:
    """True when the framework's unit of assessment is a judicial office (forms list offices)."""
    unit = framework.raw.get("unit_of_assessment") or {}
    return "office" in str(unit.get("en", "") if isinstance(unit, Mapping) else unit).lower()


def form_filename(framework: Framework, district: District | str, year: int) -> str:
    """``<framework>_<year>_<district>.xlsx``: the file name of a district's form."""
    code = district.code if isinstance(district, District) else str(district)
    return f"{framework.id}_{year}_{_safe(code)}.xlsx"


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_") or "form"


def write_form(framework: Framework, district: District | Mapping[str, Any] | str, year: int,
               path: str | Path, *, previous: Mapping[Any, float] | pd.DataFrame | None = None,
               deadline: str | None = None, contact: str | None = None,
               offices: Sequence[Office | tuple[str, str]] | None = None,
               template_version: str = TEMPLATE_VERSION) -> Path:
    """Write one district's form to ``path`` (atomically) and return the path.

    Parameters
    ----------
    framework, year
        What the form asks for and for which year.
    district
        A :class:`District`, a districts-table row (``district, name_zh, name_en, city, peer_group``)
        or a bare code.
    previous
        Last year's accepted values shown beside each value cell: ``{figure: value}`` (offices:
        ``{(office, figure): value}``) or a long table with ``district, figure, value`` columns.
    deadline, contact
        Printed on the instructions sheet and the form's subtitle when given.
    offices
        The district's judicial offices (code, name) for an office framework (default: the
        district's own ``offices``).
    """
    district = District.of(district)
    if offices is not None:
        district = District(district.code, district.name_zh, district.name_en, district.city,
                            district.peer_group, tuple(o if isinstance(o, Office) else Office(*o) for o in offices))
    wb = _new_workbook(framework, year, deadline, contact, template_version, single=False)
    _add_form(wb, framework, district, year, previous, deadline, template_version, FIGURES_SHEET
              if not is_office_framework(framework) else OFFICES_SHEET)
    return _save(wb, Path(path))


def write_forms(framework: Framework, districts: Iterable[District | Mapping[str, Any] | str], year: int,
                out: str | Path, *, single: bool = False, previous: pd.DataFrame | None = None,
                deadline: str | None = None, contact: str | None = None,
                template_version: str = TEMPLATE_VERSION, workers: int = 1) -> list[Path]:
    """Write one form per district into folder ``out`` (or, ``single``, one workbook of sheets).

    ``previous`` is a long table (``district, year, figure, value``); each form shows the value
    of the latest year before ``year`` (for office forms the ``district`` column holds offices).
    ``workers`` > 1 writes the forms in that many processes (one file per district). Returns the
    written paths, in district order. A district that cannot get a form (an office framework and no
    offices) does not stop the others: they are written, then :class:`FormError` lists the
    failures (its ``written`` attribute holds the paths written).
    """
    out = Path(out)
    districts = [District.of(d) for d in districts]
    if not districts:
        raise FormError("没有要生成表格的区县 / no districts to write forms for")
    dupes = sorted({d.code for d in districts if [x.code for x in districts].count(d.code) > 1})
    if dupes:
        raise FormError(f"区县代码重复 / duplicate district codes: {', '.join(dupes)}")
    prev = _previous_table(previous, year)
    written: list[Path] = []
    failed: list[str] = []
    if not single:
        jobs = [(d, out / form_filename(framework, d, year), _previous_for(prev, d, framework)) for d in districts]
        kw = dict(deadline=deadline, contact=contact, template_version=template_version)
        if workers > 1 and len(jobs) > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(min(workers, len(jobs)), initializer=_init_worker,
                                     initargs=(dict(framework.raw), framework.source)) as pool:
                results = list(pool.map(_write_in_worker, [(d, year, path, p, kw) for d, path, p in jobs],
                                        chunksize=max(1, len(jobs) // (4 * workers))))
        else:
            results = [_write_one(framework, d, year, path, p, kw) for d, path, p in jobs]
        for result in results:  # a district that cannot get a form never stops the others
            (written if isinstance(result, Path) else failed).append(result)
    else:
        wb = _new_workbook(framework, year, deadline, contact, template_version, single=True)
        used: set[str] = set()
        for d in districts:
            try:
                _add_form(wb, framework, d, year, _previous_for(prev, d, framework), deadline, template_version,
                          _sheet_title(d.code, used))
            except FormError as exc:
                failed.append(str(exc))
        if len(failed) < len(districts):
            written.append(_save(wb, out / f"{framework.id}_{year}_all.xlsx"))
    if failed:
        error = FormError(f"{len(failed)} 个区县未生成表格，其余 {len(written)} 个文件已写出 / "
                          f"{len(failed)} district(s) got no form; {len(written)} file(s) were written", failed)
        error.written = written
        raise error
    return written


def _write_one(framework: Framework, district: District, year: int, path: Path, previous: Any,
               kw: dict[str, Any]) -> Path | str:
    """Write one form; the error text instead of raising, so a batch carries on."""
    try:
        return write_form(framework, district, year, path, previous=previous, **kw)
    except FormError as exc:
        return str(exc)


_WORKER_FRAMEWORK: Framework | None = None


def _init_worker(raw: dict[str, Any], source: str) -> None:
    """Rebuild the framework once per worker process (a Framework holds mapping proxies)."""
    from indicators.framework import framework_from_dict

    global _WORKER_FRAMEWORK
    _WORKER_FRAMEWORK = framework_from_dict(raw, source=source)


def _write_in_worker(job: tuple) -> Path | str:
    district, year, path, previous, kw = job
    return _write_one(_WORKER_FRAMEWORK, district, year, path, previous, kw)


def _sheet_title(code: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", code)[:31] or "district"
    title, n = base, 1
    while title.lower() in used or title == META_SHEET:
        n += 1
        title = f"{base[:27]}~{n}"
    used.add(title.lower())
    return title


def _previous_table(previous: pd.DataFrame | None, year: int) -> dict[str, dict[Any, float]] | None:
    """Long ``district, year, figure, value`` table → {district: {figure: latest earlier value}}."""
    if previous is None:
        return None
    missing = [c for c in ("district", "figure", "value") if c not in previous.columns]
    if missing:
        raise FormError(f"上年值表缺少列 {', '.join(missing)} / the previous-values table lacks "
                        f"column(s) {', '.join(missing)}; it is a long table district, year, figure, value")
    table = previous
    if "year" in table.columns:
        years = pd.to_numeric(table["year"], errors="coerce")
        table = table.loc[years < year].assign(_y=years[years < year]).sort_values("_y", kind="stable")
    out: dict[str, dict[Any, float]] = {}
    for d, f, v in zip(table["district"].astype(str), table["figure"].astype(str), table["value"], strict=True):
        x = v if isinstance(v, int | float) else parse_value(v).value
        if not (isinstance(x, float) and math.isnan(x)):
            out.setdefault(d, {})[f] = float(x)  # later years overwrite earlier ones
    return out


def _previous_for(table: dict[str, dict[Any, float]] | None, district: District,
                  framework: Framework) -> dict[Any, float] | None:
    """A district's previous values: {figure: v}, or {(office, figure): v} for an office form."""
    if table is None:
        return None
    if not is_office_framework(framework):
        return table.get(district.code)
    return {(o.code, f): v for o in district.offices for f, v in table.get(o.code, {}).items()}


# ---------------------------------------------------------------------------------------------
# workbook, instructions, metadata
# ---------------------------------------------------------------------------------------------
def _new_workbook(framework: Framework, year: int, deadline: str | None, contact: str | None,
                  template_version: str, single: bool) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    _write_instructions(ws, framework, year, deadline, contact, single)
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    meta["A1"] = META_MARKER
    meta["A2"] = json.dumps({
        "framework_id": framework.id, "framework_version": framework.version,
        "framework_hash": framework.content_hash, "template_version": template_version, "year": year,
        "deadline": deadline, "contact": contact,
    }, ensure_ascii=False, sort_keys=True)
    meta.protection.sheet = True
    for name, value in (("rolindex.framework", framework.id), ("rolindex.framework_version", framework.version),
                        ("rolindex.framework_hash", framework.content_hash), ("rolindex.year", str(year)),
                        ("rolindex.template_version", template_version)):
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    wb.security = WorkbookProtection(lockStructure=True)
    return wb


def _instruction_lines(framework: Framework, year: int, deadline: str | None, contact: str | None,
                       single: bool) -> list[tuple[str, str]]:
    """(style, text) lines of the instructions sheet: Chinese first, then English."""
    office = is_office_framework(framework)
    sheet = OFFICES_SHEET if office else FIGURES_SHEET
    where = "每个区县一张工作表" if single else f"“{sheet}”工作表"
    where_en = "one sheet per district" if single else f"the sheet '{sheet}'"
    quote, note = QUOTE_MARKS[0], NOTE_MARKS[0]
    if office:  # office forms show last year's value as a comment and are never pre-filled
        last_zh = [("", "7. 上年值：上一年度已核定的数值显示在填报单元格的批注中，仅供参考，不会作为本年数据读取。")]
        last_en = [("", "7. Last year: last year's accepted value is shown as the value cell's comment, for "
                        "reference only; it is never read as this year's figure.")]
        prefilled_zh: list[tuple[str, str]] = []
        prefilled_en: list[tuple[str, str]] = []
    else:
        last_zh = [("", "7. “上年值”列（灰色）为上一年度台账中已核定的数值，仅供对照；本年数值请填在“填报值”列。"
                        "上年值不会作为本年数据读取，改动它也不会生效。")]
        last_en = [("", "7. The 'Last year' column (grey) holds last year's value as accepted in the ledger, for "
                        "comparison only; this year's figure goes in the 'Value' column. The 'Last year' value is "
                        "never read as this year's figure, and changing it has no effect.")]
        prefilled_zh = [
            ("", f"8. 预填数值：表格可能已预先填入从本区公开报告（工作总结、统计公报等）中摘取的数值（rolindex "
                 f"extract）。“来源及说明”列写有报告名称，以及以“{quote}”开头的引文行——该数值所出自的原句；"
                 f"“佐证材料”列写有该报告的文件名。"),
            ("", "9. 请逐项对照引文核对每个预填数值：数值正确，保留不动即可；数值有误，直接改正数值，并删去引文行、"
                 "写明实际来源；报告所述与本年度统计口径不符又无法改正的，清空该数值并在“来源及说明”中说明。"
                 "引文行随数值一并记入台账，作为该数值的出处，因此与数值不符的引文必须删去。"),
            ("", f"10. 橙色单元格是需要重点核对的预填数值：原句为约数或下限（如“1161余场”）、含义不明确，或另一份"
                 f"报告给出了不同数值；原因写在以“{note}”开头的说明行和单元格批注中。核对后保留或改正数值即可，"
                 f"橙色不必清除（颜色不会被读取）。"),
        ]
        prefilled_en = [
            ("", f"8. Pre-filled values: a form may come with values already filled in, taken from the district's "
                 f"published reports (work summaries, statistical bulletins) by rolindex extract. Their 'Source and "
                 f"note' cell gives the report's title and a quote line starting '{quote}' — the sentence the "
                 f"value was taken from; the 'Evidence file' cell names the report's file."),
            ("", "9. Check every pre-filled value against its quote: if it is right, leave it as it is; if it is "
                 "wrong, correct the value, delete the quote line and write the real source; if the report's "
                 "figure does not fit this year's definition and cannot be corrected, clear the value and say why "
                 "in 'Source and note'. The quote line is recorded in the ledger with the value as its origin, so "
                 "a quote that no longer matches the value must be deleted."),
            ("", f"10. Orange cells are pre-filled values to check with particular care: the sentence gives an "
                 f"approximate or lower-bound figure (e.g. '1161余场', more than 1,161 events), is ambiguous, or "
                 f"another report gives a different value; the reason is on the note line starting '{note}' and "
                 f"in the cell's comment. Keep or correct the value; the orange colour may stay (colours are "
                 f"not read)."),
        ]
    zh = [
        ("title", f"{framework.zh} {year} 年度数据填报表"),
        ("", f"框架：{framework.zh}（{framework.id}，版本 {framework.version}）"),
        ("", f"填报截止日期：{deadline}" if deadline else ""),
        ("", f"联系人：{contact}" if contact else ""),
        ("head", "填写说明"),
        ("", f"1. 请在{where}中填写 {year} 年度数据，只填黄色单元格：填报值、来源及说明、佐证材料。"),
        ("", "2. 按“单位”列所示单位填写数字，不写单位，不写“约”“余”“多”等字样；限定语请写入“来源及说明”。"
             "千分位逗号（2,162）和全角数字可以识别。"),
        ("", "3. 比率直接输入百分数，例如输入 95%（单元格已设为百分比格式）；不要输入 95 或 0.95 以外的写法。"
             "是否类指标：是填 1，否填 0。"),
        ("", "4. 未统计的指标请留空，不要填 0、“无”或“—”；“必填”为“是”的指标必须填写。"),
        ("", "5. 佐证材料：每个数值的佐证文件（PDF、图片、Word）请按“区县代码_年度_指标代码”命名，"
             "如 sample_01_2025_population.pdf，多个文件加序号 _1、_2；文件放在本表同一文件夹，"
             "或与本表同名的文件夹中，并在“佐证材料”列写上文件名。"),
        ("", "6. 工作表结构已保护（无密码），只有黄色单元格可以编辑。请勿取消保护、增删行列、改动代码和名称、"
             "重命名或删除工作表：表格中的隐藏信息用于识别表格，结构被改动的表格将被退回。"),
        *last_zh,
        *prefilled_zh,
    ]
    en = [
        ("title", f"{framework.en} — data return form {year}"),
        ("", f"Framework: {framework.en} ({framework.id}, version {framework.version})"),
        ("", f"Deadline: {deadline}" if deadline else ""),
        ("", f"Contact: {contact}" if contact else ""),
        ("head", "How to fill in this form"),
        ("", f"1. Fill in the {year} figures in {where_en}; only the yellow cells are editable: value, "
             "source and note, evidence file."),
        ("", "2. Write numbers in the unit shown in the 'Unit' column, without the unit and without "
             "'about' or 'more than'; put qualifiers in 'Source and note'. Thousands separators (2,162) "
             "and full-width digits are understood."),
        ("", "3. Type rates as percentages, e.g. 95% (the cells are formatted as percent). Yes/no "
             "items: 1 for yes, 0 for no."),
        ("", "4. Leave a figure blank if it was not recorded — not 0, 'none' or '—'; figures marked "
             "'Required: yes' must be filled in."),
        ("", "5. Evidence: name each supporting file (PDF, image, Word) '<district>_<year>_<figure code>', "
             "e.g. sample_01_2025_population.pdf (add _1, _2 for several), put the files in the same "
             "folder as this form or in a folder named like the form, and write the file name in the "
             "'Evidence file' column."),
        ("", "6. The sheets are protected without a password; only the yellow cells can be edited. Do "
             "not unprotect them, insert or delete rows or columns, change codes or names, or rename "
             "or delete sheets: hidden information identifies the form, and a form whose structure "
             "was changed is returned to you."),
        *last_en,
        *prefilled_en,
    ]
    key_zh = [("head", "颜色说明")] + [(f"key:{k}", t) for k, t in (
        ("input", "黄色：请填写或核对的单元格（填报值、来源及说明、佐证材料）"),
        ("prefilled", "橙色：需重点核对的预填数值（见第 10 条）"),
        ("reference", "灰色：上年值，仅供参考，不读取"),
    ) if not office or k == "input"]
    key_en = [("head", "Colour key")] + [(f"key:{k}", t) for k, t in (
        ("input", "Yellow: cells to fill in or check (value, source and note, evidence file)"),
        ("prefilled", "Orange: a pre-filled value to check with particular care (see item 10)"),
        ("reference", "Grey: last year's value, for reference only, not read"),
    ) if not office or k == "input"]
    return ([x for x in zh if x[1]] + key_zh + [("", "")] + [x for x in en if x[1]] + key_en)


def _write_instructions(ws, framework: Framework, year: int, deadline: str | None, contact: str | None,
                        single: bool) -> None:
    ws.column_dimensions["A"].width = 110
    fonts = {"title": Font(bold=True, size=14), "head": Font(bold=True, size=12), "": Font(size=11)}
    for r, (style, text) in enumerate(_instruction_lines(framework, year, deadline, contact, single), start=1):
        cell = ws.cell(r, 1, text or None)
        if style.startswith("key:"):  # a colour-key line is shaded with the colour it explains
            cell.font, cell.fill, cell.border = fonts[""], KEY_FILLS[style[4:]], BORDER
        else:
            cell.font = fonts[style]
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    _print_setup(ws, landscape=False)
    ws.protection.sheet = True


def _print_setup(ws, landscape: bool, title_rows: str | None = None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title_rows:
        ws.print_title_rows = title_rows


def _protect(ws) -> None:
    """Protect the sheet without a password; people may still resize rows and columns."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _save(wb: Workbook, path: Path) -> Path:
    buf = io.BytesIO()
    neutralise_workbook(wb)  # text typed as =… stays text (OWASP CSV/formula injection)
    wb.save(buf)
    return atomic_write_bytes(path, buf.getvalue(), durable=False)


# ---------------------------------------------------------------------------------------------
# one district's form
# ---------------------------------------------------------------------------------------------
def _add_form(wb: Workbook, framework: Framework, district: District, year: int,
              previous: Mapping[Any, float] | pd.DataFrame | None, deadline: str | None,
              template_version: str, title: str) -> None:
    office = is_office_framework(framework)
    if office and not district.offices:
        raise FormError(f"区县 {district.code} 没有司法所名单 / district {district.code} has no offices; the "
                        f"{framework.id} form lists a district's offices (give an office table)")
    if isinstance(previous, pd.DataFrame):
        previous = _previous_for(_previous_table(previous, year), district, framework)
    index = len(wb.sheetnames) - 1  # before the metadata sheet
    ws = wb.create_sheet(title, index)
    if office:
        rows = _write_offices_sheet(ws, framework, district, year, previous or {}, deadline)
    else:
        rows = _write_figures_sheet(ws, framework, district, year, previous or {}, deadline)
    n = sum(1 for s in wb.sheetnames if s != META_SHEET) - 1
    name = f"{DEFINED_NAME}{n}"
    last_col = get_column_letter(ws.max_column)
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(title)}!$A$1:${last_col}${ws.max_row}")
    layout = expected_layout(framework, list(district.offices) if office else None)
    meta = wb[META_SHEET]
    meta.cell(meta.max_row + 1, 1, json.dumps({
        "kind": "offices" if office else "figures", "framework_id": framework.id,
        "framework_version": framework.version, "framework_hash": framework.content_hash,
        "template_version": template_version, "district": district.code, "name_zh": district.name_zh,
        "name_en": district.name_en, "city": district.city, "peer_group": district.peer_group, "year": year,
        "sheet": title, "sheet_index": wb.sheetnames.index(title), "defined_name": name,
        "layout_hash": layout_hash(layout), "rows": rows,
        "offices": [[o.code, o.name] for o in district.offices] if office else None,
        "previous": None if office else {f: v for f, v in (previous or {}).items() if f in framework.figures},
    }, ensure_ascii=False, sort_keys=True))


def _title_rows(ws, framework: Framework, district: District, year: int, deadline: str | None,
                width: int) -> None:
    ws.cell(TITLE_ROW, 1, f"{framework.zh} {year} 年度数据填报表 / {framework.en} — {year} return form").font = Font(
        bold=True, size=13)
    parts = [f"区县 / District: {district.label}"]
    if district.city:
        parts.append(f"城市 / City: {district.city}")
    parts.append(f"年度 / Year: {year}")
    if deadline:
        parts.append(f"截止 / Deadline: {deadline}")
    ws.cell(SUBTITLE_ROW, 1, " · ".join(parts)).font = Font(size=11)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    ws.merge_cells(start_row=SUBTITLE_ROW, start_column=1, end_row=SUBTITLE_ROW, end_column=width)


def _validation(spec: FigureSpec) -> DataValidation:
    """Excel data validation of a value cell: number within range, or the 0/1 list."""
    shown = figure_row_cells(spec)["range"]
    common = dict(allow_blank=True, showErrorMessage=True, showInputMessage=True, errorStyle="stop",
                  errorTitle="数值无效 / Invalid value", promptTitle=f"{spec.unit or spec.kind}"[:32])
    if spec.kind == "binary":
        return DataValidation(type="list", formula1='"0,1"', error="请填 1（是）或 0（否）/ Enter 1 (yes) or 0 (no)",
                              prompt="1 = 是 / yes, 0 = 否 / no", **common)
    lo, hi = spec.lower, spec.upper
    what = "百分数 / a percentage" if spec.kind == "rate" else "数字 / a number"
    error = f"请填{what}，范围 {shown} / Enter {what.split(' / ')[1]} within {shown}"
    prompt = ("输入百分数，如 95% / type a percentage, e.g. 95%" if spec.kind == "rate"
              else f"单位 / unit: {spec.unit}; {shown}")
    if lo is not None and hi is not None:
        kw = dict(operator="between", formula1=_num(lo), formula2=_num(hi))
    elif lo is not None:
        kw = dict(operator="greaterThanOrEqual", formula1=_num(lo))
    elif hi is not None:
        kw = dict(operator="lessThanOrEqual", formula1=_num(hi))
    else:
        kw = dict(operator="between", formula1="-1E+300", formula2="1E+300")
    return DataValidation(type="decimal", error=error[:255], prompt=prompt[:255], **kw, **common)


def _num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


def _add_validations(ws, cells: dict[FigureSpec, list[str]]) -> None:
    """One data validation per distinct (kind, range), covering all its cells."""
    groups: dict[tuple, tuple[FigureSpec, list[str]]] = {}
    for spec, refs in cells.items():
        key = (spec.kind, spec.lower, spec.upper, spec.unit)
        groups.setdefault(key, (spec, []))[1].extend(refs)
    for spec, refs in groups.values():
        dv = _validation(spec)
        for ref in refs:
            dv.add(ref)
        ws.add_data_validation(dv)


def _write_figures_sheet(ws, framework: Framework, district: District, year: int,
                         previous: Mapping[Any, float], deadline: str | None) -> dict[str, int]:
    """One row per figure; returns {figure: sheet row}."""
    width = len(FIGURE_COLUMNS)
    _title_rows(ws, framework, district, year, deadline, width)
    bold = Font(bold=True)
    fit = {"zh": max((2 * len(s.zh) + 2 for s in framework.figures.values()), default=0),  # CJK ≈ 2 units
           "en": max((len(s.en) + 2 for s in framework.figures.values()), default=0)}
    for key, header, col_width in FIGURE_COLUMNS:
        c = ws.cell(HEADER_ROW, COL[key], header)
        c.font, c.fill, c.border, c.alignment = bold, HEADER_FILL, BORDER, WRAP
        ws.column_dimensions[get_column_letter(COL[key])].width = min(max(col_width, fit.get(key, 0)), 60)
    rows: dict[str, int] = {}
    validated: dict[FigureSpec, list[str]] = {}
    value_letter = get_column_letter(COL["value"])
    for r, spec in enumerate(framework.figures.values(), start=FIRST_ROW):
        rows[spec.id] = r
        texts = figure_row_cells(spec)
        for key, text in texts.items():
            c = ws.cell(r, COL[key], text)
            c.border, c.alignment = BORDER, WRAP
        for key in ("value", "source", "evidence"):
            c = ws.cell(r, COL[key])
            c.fill, c.protection, c.border = INPUT_FILL, UNLOCKED, BORDER
        ws.cell(r, COL["value"]).number_format = number_format(spec)
        ws.cell(r, COL["source"]).alignment = WRAP
        prev = ws.cell(r, COL["previous"], previous.get(spec.id))
        prev.number_format, prev.fill, prev.border = number_format(spec), REFERENCE_FILL, BORDER
        if spec.required:
            ws.cell(r, COL["required"]).font = bold
        validated.setdefault(spec, []).append(f"{value_letter}{r}")
    _add_validations(ws, validated)
    ws.freeze_panes = ws.cell(FIRST_ROW, COL["zh"])
    ws.row_dimensions[HEADER_ROW].height = 30
    _print_setup(ws, landscape=True, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    ws.print_area = f"A1:{get_column_letter(width)}{FIRST_ROW + len(rows) - 1}"
    _protect(ws)
    return rows


def _write_offices_sheet(ws, framework: Framework, district: District, year: int,
                         previous: Mapping[Any, float], deadline: str | None) -> dict[str, int]:
    """One row per office, one column per figure; returns {office: sheet row}."""
    specs = list(framework.figures.values())
    lead, tail = len(OFFICE_LEAD), len(OFFICE_TAIL)
    width = lead + len(specs) + tail
    _title_rows(ws, framework, district, year, deadline, width)
    bold = Font(bold=True)
    for i, key in enumerate(OFFICE_HEADER_KEYS):
        r = HEADER_ROW + i
        c = ws.cell(r, 1, OFFICE_ROW_LABELS[key])
        c.font, c.fill, c.border = bold, HEADER_FILL, BORDER
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=lead)
        for j, spec in enumerate(specs, start=lead + 1):
            c = ws.cell(r, j, figure_row_cells(spec)[key])
            c.fill, c.border, c.alignment = HEADER_FILL, BORDER, WRAP
    headers = [h for _, h, _ in OFFICE_LEAD] + [s.id for s in specs] + [h for _, h, _ in OFFICE_TAIL]
    for j, text in enumerate(headers, start=1):
        c = ws.cell(OFFICE_COLUMN_ROW, j, text)
        c.font, c.fill, c.border, c.alignment = bold, HEADER_FILL, BORDER, WRAP
    widths = [w for _, _, w in OFFICE_LEAD] + [OFFICE_FIGURE_WIDTH] * len(specs) + [w for _, _, w in OFFICE_TAIL]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.row_dimensions[HEADER_ROW + 1].height = 45
    rows: dict[str, int] = {}
    validated: dict[FigureSpec, list[str]] = {s: [] for s in specs}
    for r, office in enumerate(district.offices, start=OFFICE_FIRST_ROW):
        rows[office.code] = r
        for j, text in enumerate((office.code, office.name), start=1):
            ws.cell(r, j, text).border = BORDER
        for j, spec in enumerate(specs, start=lead + 1):
            c = ws.cell(r, j)
            c.fill, c.protection, c.border, c.number_format = INPUT_FILL, UNLOCKED, BORDER, number_format(spec)
            prev = previous.get((office.code, spec.id))
            if prev is not None:  # last year's value as a comment: offices have no room for a column
                c.comment = Comment(f"上年值 / last year: {fmt_number(prev)}", "rolindex")
        for j in range(lead + len(specs) + 1, width + 1):
            c = ws.cell(r, j)
            c.fill, c.protection, c.border, c.alignment = INPUT_FILL, UNLOCKED, BORDER, WRAP
    for j, spec in enumerate(specs, start=lead + 1):
        letter = get_column_letter(j)
        validated[spec].append(f"{letter}{OFFICE_FIRST_ROW}:{letter}{OFFICE_FIRST_ROW + len(rows) - 1}")
    _add_validations(ws, validated)
    ws.freeze_panes = ws.cell(OFFICE_FIRST_ROW, lead + 1)
    _print_setup(ws, landscape=True, title_rows=f"{HEADER_ROW}:{OFFICE_COLUMN_ROW}")
    ws.print_title_cols = "A:B"
    _protect(ws)
    return rows
