"""Fill forms programmatically, the way district staff do, with optional planted mistakes.

Used by the tests (round trips, edited forms), the benchmark and the demo (forms filled from the
synthetic panel, one of them with mistakes). A value is written as a person typing it in Excel
would leave it: a number (rates as fractions in their percent-formatted cell, as typing ``95%``
does), so a clean fill reads back exactly.

Ways of writing (``mistakes``), applied on top of a clean fill:

=====================  ==========================================================================
``rate_as_95``         the first rate typed as 95 into its percent cell (reads 9500 %): an error
``rate_text``          every rate typed as text ``95.0%``: read right
``rate_fraction_text`` every rate typed as text ``0.95``: read right
``thousands_text``     counts ≥ 1,000 typed as text with separators ``2,162``: read right
``fullwidth``          counts typed as full-width text ``１２３``: read right
``text_numbers``       every count typed as text ``123``: read right
``blank_row``          a blank row inserted after the header: read right
``rename_sheet``       the figures sheet renamed (as Excel does, the defined name follows): read right
``unit_text``          the first count written with its unit, ``200件``: an error
``approx``             the first rate written ``约95%``: a warning
``part_exceeds_whole`` the first check's part set above its whole: a validation error
``missing_required``   required figures left blank: validation errors
``negative``           the first count negative: a validation error
``altered_name``       a protected Chinese name changed: the form is rejected
``deleted_row``        the last figure row deleted: the form is rejected
=====================  ==========================================================================
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.workbook.defined_name import DefinedName

from indicators.framework import Framework
from indicators.submission import read_figures, to_wide

from ..fileio import atomic_write_bytes
from .errors import FormError
from .layout import COL, META_MARKER, META_SHEET, OFFICE_LEAD

__all__ = ["DEMO_MISTAKES", "MISTAKES", "fill_form", "fill_from_panel", "make_returns"]

MISTAKES = ("rate_as_95", "rate_text", "rate_fraction_text", "thousands_text", "fullwidth", "text_numbers",
            "blank_row", "rename_sheet", "unit_text", "approx", "part_exceeds_whole", "missing_required",
            "negative", "altered_name", "deleted_row")
_FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def _forms_meta(wb) -> list[dict[str, Any]]:
    ws = wb[META_SHEET]
    if ws["A1"].value != META_MARKER:
        raise FormError(f"不是 rolindex 表格 / not a rolindex form (sheet {META_SHEET} has no marker)")
    return [json.loads(ws.cell(r, 1).value) for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value]


def fill_form(path: str | Path, values: Mapping[str, Any], framework: Framework, *,
              mistakes: Iterable[str] = (), out: str | Path | None = None,
              sources: Mapping[str, str] | None = None, evidence: Mapping[str, str] | None = None) -> Path:
    """Fill the form at ``path`` with ``values`` and save it to ``out`` (default: in place).

    ``values`` is ``{figure: value}`` for a district form, ``{office: {figure: value}}`` for an
    office form, or, for a workbook of several districts, ``{district: {...}}``. ``sources`` and
    ``evidence`` give the source/note and evidence file name per figure (office forms: per office).
    ``mistakes`` names ways of writing from :data:`MISTAKES`.
    """
    mistakes = set(mistakes)
    unknown = mistakes - set(MISTAKES)
    if unknown:
        raise FormError(f"未知的填写方式 / unknown mistake(s) {', '.join(sorted(unknown))}; "
                        f"known: {', '.join(MISTAKES)}")
    wb = load_workbook(path)
    forms = _forms_meta(wb)
    for form in forms:
        ws = wb[form["sheet"]]
        these = values.get(form["district"], values) if len(forms) > 1 else values
        if form["kind"] == "offices":
            _fill_offices(ws, form, these, framework, mistakes, sources or {}, evidence or {})
        else:
            _fill_figures(ws, form, these, framework, mistakes, sources or {}, evidence or {})
        if "rename_sheet" in mistakes:
            new = f"{ws.title[:24]} 已填"
            old = ws.title
            ws.title = new
            dn = wb.defined_names.get(form["defined_name"])
            if dn is not None:  # Excel moves a defined name with its sheet
                wb.defined_names[form["defined_name"]] = DefinedName(
                    form["defined_name"], attr_text=dn.attr_text.replace(f"'{old}'", f"'{new}'"))
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write_bytes(Path(out or path), buf.getvalue(), durable=False)


def _typed(spec, value: Any, mistakes: set[str], first: dict[str, bool]) -> Any:
    """The cell content a person would leave for ``value`` under the given ways of writing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    x = float(value)
    if spec.kind == "rate":
        if "rate_as_95" in mistakes and first.setdefault("rate_as_95", True):
            first["rate_as_95"] = False
            return float(Decimal(repr(x)) * 100)
        if "approx" in mistakes and first.setdefault("approx", True):
            first["approx"] = False
            return f"约{(Decimal(repr(x)) * 100).normalize():f}%"
        if "rate_text" in mistakes:
            return f"{(Decimal(repr(x)) * 100).normalize():f}%"
        if "rate_fraction_text" in mistakes:
            return repr(x)
        return x
    if spec.kind in ("count", "amount"):
        n = int(x) if x.is_integer() else x
        if "negative" in mistakes and first.setdefault("negative", True) and x > 0:
            first["negative"] = False
            return -n
        if "unit_text" in mistakes and first.setdefault("unit_text", True):
            first["unit_text"] = False
            return f"{n}{spec.unit}"
        if "thousands_text" in mistakes and abs(x) >= 1000:
            return f"{n:,}"
        if "fullwidth" in mistakes:
            return str(n).translate(_FULLWIDTH)
        if "text_numbers" in mistakes:
            return str(n)
        return n
    return int(x) if x.is_integer() else x


def _prepared(values: Mapping[str, Any], framework: Framework, mistakes: set[str]) -> dict[str, Any]:
    values = dict(values)
    if "part_exceeds_whole" in mistakes:
        for part, whole in framework.checks:
            if values.get(whole) is not None and not pd.isna(values[whole]):
                values[part] = float(values[whole]) + 1
                break
    if "missing_required" in mistakes:
        for spec in framework.figures.values():
            if spec.required:
                values.pop(spec.id, None)
    return values


def _fill_figures(ws, form: dict, values: Mapping[str, Any], framework: Framework, mistakes: set[str],
                  sources: Mapping[str, str], evidence: Mapping[str, str]) -> None:
    values = _prepared(values, framework, mistakes)
    first: dict[str, bool] = {}
    rows = form["rows"]
    for fid, spec in framework.figures.items():
        row = rows.get(fid)
        if row is None:
            continue
        cell = _typed(spec, values.get(fid), mistakes, first)
        if cell is not None:
            ws.cell(row, COL["value"]).value = cell
        if fid in sources:
            ws.cell(row, COL["source"]).value = sources[fid]
        if fid in evidence:
            ws.cell(row, COL["evidence"]).value = evidence[fid]
    last = max(rows.values())
    if "altered_name" in mistakes:
        row = min(rows.values())
        ws.cell(row, COL["zh"]).value = f"{ws.cell(row, COL['zh']).value}（修改）"
    if "deleted_row" in mistakes:
        ws.delete_rows(last)
    if "blank_row" in mistakes:
        ws.insert_rows(min(rows.values()) + 1)


def _fill_offices(ws, form: dict, values: Mapping[str, Mapping[str, Any]], framework: Framework,
                  mistakes: set[str], sources: Mapping[str, str], evidence: Mapping[str, str]) -> None:
    first: dict[str, bool] = {}
    lead = len(OFFICE_LEAD)
    specs = list(framework.figures.values())
    rows = form["rows"]
    for office, _ in form["offices"]:
        row = rows[office]
        these = _prepared(values.get(office, {}), framework, mistakes)
        for j, spec in enumerate(specs, start=lead + 1):
            cell = _typed(spec, these.get(spec.id), mistakes, first)
            if cell is not None:
                ws.cell(row, j).value = cell
        if office in sources:
            ws.cell(row, lead + len(specs) + 1).value = sources[office]
        if office in evidence:
            ws.cell(row, lead + len(specs) + 2).value = evidence[office]
    if "altered_name" in mistakes:
        row = min(rows.values())
        ws.cell(row, 2).value = f"{ws.cell(row, 2).value}（修改）"
    if "deleted_row" in mistakes:
        ws.delete_rows(max(rows.values()))
    if "blank_row" in mistakes:
        ws.insert_rows(min(rows.values()) + 1)


def panel_values(panel: str | Path, framework: Framework, year: int) -> dict[str, dict[str, float]]:
    """{district: {figure: value}} of one year of a submission file (long or wide), parsed."""
    wide = to_wide(read_figures(panel), framework)
    wide = wide.xs(year, level="year")
    return {str(d): {f: float(v) for f, v in row.items() if not pd.isna(v)} for d, row in wide.iterrows()}


def fill_from_panel(forms: Iterable[str | Path], framework: Framework, panel: str | Path, values_year: int, *,
                    mistakes: Mapping[str, Iterable[str]] | None = None, out: str | Path | None = None,
                    offices: Mapping[str, Iterable[str]] | None = None) -> dict[str, Path]:
    """Fill district forms with one year of a sample panel; returns {district: filled path}.

    ``mistakes`` plants ways of writing per district (``{"sample_03": ["rate_as_95"]}``). For an
    office framework the panel's ``district`` column holds offices and each form is filled with
    its own offices' rows. Filled forms go to folder ``out`` (default: in place).
    """
    values = panel_values(panel, framework, values_year)
    done: dict[str, Path] = {}
    for path in forms:
        path = Path(path)
        wb = load_workbook(path, read_only=False)
        metas = _forms_meta(wb)
        wb.close()
        per: dict[str, Any] = {}
        planted: set[str] = set()
        for form in metas:
            district = form["district"]
            if form["kind"] == "offices":
                per[district] = {o: values.get(o, {}) for o, _ in form["offices"]}
            else:
                per[district] = values.get(district, {})
            planted |= set((mistakes or {}).get(district, ()))
        target = Path(out) / path.name if out is not None else path
        filled = fill_form(path, per if len(metas) > 1 else next(iter(per.values())), framework,
                           mistakes=planted, out=target)
        done.update(dict.fromkeys(per, filled))
    return done


#: Mistakes the demo plants in one district's return (each read right or reported, never silently).
DEMO_MISTAKES = {"sample_03": ("rate_as_95", "unit_text", "part_exceeds_whole", "approx")}
_PLACEHOLDER_PDF = (b"%PDF-1.4\n% rolindex synthetic evidence placeholder (fictional data)\n1 0 obj<<>>endobj\n"
                    b"trailer<<>>\n%%EOF\n")


def make_returns(folder: str | Path, framework: Framework, year: int, *, panel: str | Path | None = None,
                 values_year: int | None = None, districts: Iterable[Any] | None = None,
                 mistakes: Mapping[str, Iterable[str]] | None = None, evidence: bool = True) -> dict[str, Path]:
    """Blank forms for ``year`` written and filled from the synthetic panel, as districts return them.

    The values are the panel's ``values_year`` (default: ``year`` when the panel has it, else its
    latest year); ``mistakes`` defaults to :data:`DEMO_MISTAKES`. With ``evidence``, each district
    returns a placeholder PDF for its population figure beside the form, named on the form.
    Returns {district: filled form}. Fictional data only.
    """
    from .. import paths
    from .districts import districts_from_panel, offices_from_sample, read_districts, with_offices
    from .template import is_office_framework, write_forms

    folder = Path(folder)
    office = is_office_framework(framework)
    panel = Path(panel) if panel is not None else (paths.OFFICE_SAMPLE if office else paths.SUBMISSIONS /
                                                  "synthetic_panel.csv")
    if districts is None:
        sample = paths.DATA / "districts" / "synthetic_districts.csv"
        districts = read_districts(sample) if sample.is_file() else districts_from_panel(
            paths.SUBMISSIONS / "synthetic_panel.csv")
        if office:
            districts = with_offices(districts, offices_from_sample(paths.OFFICE_MAPPING, paths.OFFICE_SAMPLE))
    if values_year is None:
        years = read_figures(panel).figures["year"].unique()
        values_year = year if year in years else int(max(years))
    forms = write_forms(framework, districts, year, folder)
    values = panel_values(panel, framework, values_year)
    planted = DEMO_MISTAKES if mistakes is None else mistakes
    done: dict[str, Path] = {}
    for path in forms:
        wb = load_workbook(path)
        [form] = _forms_meta(wb)
        wb.close()
        district = form["district"]
        if office:
            these: Any = {o: values.get(o, {}) for o, _ in form["offices"]}
            names = {}
        else:
            these = values.get(district, {})
            names = {}
            if evidence and "population" in these:
                name = f"{district}_{year}_population.pdf"
                atomic_write_bytes(folder / name, _PLACEHOLDER_PDF, durable=False)
                names = {"population": name}
        done[district] = fill_form(path, these, framework, mistakes=planted.get(district, ()), evidence=names,
                                   sources={f: "synthetic:rolindex.synthetic (fictional)" for f in these}
                                   if not office else {})
    return done
