"""Where things sit in a rolindex form: sheets, header rows, columns, metadata and the layout hash.

The writer (:mod:`evaluation.forms.template`) and the reader (:mod:`evaluation.forms.returned`)
share this module, so a form is read back exactly as it was laid out. The *protected layout* is
the text of every locked cell a person could alter (headers, figure codes and names, units, kinds,
ranges, office codes and names); its hash goes into the hidden metadata, and on return each cell
is compared with what the framework expects, so an altered cell is named, not guessed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from indicators.framework import FigureSpec, Framework

#: Version of the form layout; a returned form records the version it was made with.
TEMPLATE_VERSION = "1"
#: First cell of the very-hidden metadata sheet (how a returned workbook is recognised).
META_MARKER = "rolindex form metadata"
META_SHEET = "_rolindex"
INSTRUCTIONS_SHEET = "说明 Instructions"
FIGURES_SHEET = "填报 Figures"
OFFICES_SHEET = "填报 Offices"
#: Prefix of the workbook-scoped defined name that follows a form's sheet when it is renamed.
DEFINED_NAME = "rolindex_form_"

#: Cell colours of a form (RGB hex), shared by the writer, the pre-filler and the instructions'
#: colour key, so the key shows the colour actually used.
INPUT_COLOUR = "FFF2CC"  # yellow: fill me in
PREFILLED_COLOUR = "F8CBAD"  # orange: a pre-filled value to check before returning the form
REFERENCE_COLOUR = "EDEDED"  # grey: last year's accepted value, for reference
HEADER_COLOUR = "D9E1F2"

KIND_LABELS = {"count": "计数 / count", "amount": "金额 / amount", "rate": "比率 / rate",
               "binary": "是否 / yes-no (1/0)"}
YES_NO = {True: "是 / yes", False: "否 / no"}

# -- the figures sheet (one row per figure) ---------------------------------------------------
TITLE_ROW = 1
SUBTITLE_ROW = 2
HEADER_ROW = 3
FIRST_ROW = 4
#: (key, header, width) of each column, in order; input columns are the yellow, unlocked ones.
FIGURE_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("code", "代码 / Code", 30),
    ("zh", "指标名称 / Name (中文)", 34),
    ("en", "Name (English)", 40),
    ("unit", "单位 / Unit", 9),
    ("kind", "类型 / Kind", 14),
    ("range", "有效范围 / Valid range", 20),
    ("required", "必填 / Required", 10),
    ("value", "填报值 / Value", 16),
    ("previous", "上年值 / Last year", 14),
    ("source", "来源及说明 / Source and note", 30),
    ("evidence", "佐证材料 / Evidence file", 26),
    ("hint", "填写提示 / Hint", 46),
)
COL = {key: i + 1 for i, (key, _, _) in enumerate(FIGURE_COLUMNS)}
INPUT_KEYS = ("value", "source", "evidence")
#: Columns whose text is part of the protected layout (the reference value is not: it changes).
PROTECTED_KEYS = ("code", "zh", "en", "unit", "kind", "range", "required", "hint")

# -- the offices sheet (one row per office, one column per figure) ----------------------------
#: Header rows of the offices sheet, from HEADER_ROW down: what each says about a figure column
#: (label in column A); then the column header row (office code, office name, figure codes, ...).
OFFICE_HEADER_KEYS = ("zh", "en", "unit", "kind", "range", "required")
OFFICE_ROW_LABELS = {"zh": "名称 / Name (中文)", "en": "Name (English)", "unit": "单位 / Unit",
                     "kind": "类型 / Kind", "range": "有效范围 / Valid range", "required": "必填 / Required"}
OFFICE_COLUMN_ROW = HEADER_ROW + len(OFFICE_HEADER_KEYS)
OFFICE_FIRST_ROW = OFFICE_COLUMN_ROW + 1
OFFICE_LEAD = (("office", "司法所代码 / Office code", 18), ("office_name", "司法所名称 / Office name", 34))
OFFICE_TAIL = (("source", "来源及说明 / Source and note", 30), ("evidence", "佐证材料 / Evidence file", 26))
OFFICE_FIGURE_WIDTH = 16


#: Markers in a source/note cell: a line starting with one opens the quote or the note (``rolindex
#: extract`` writes ``<document title>\n引文 / quote: <sentence>\n说明 / note: <flags>``).
QUOTE_MARKS = ("引文 / quote:", "引文 / quote：", "引文：", "引文:", "quote:")
NOTE_MARKS = ("说明 / note:", "说明 / note：", "说明：", "说明:", "note:")


def compose_source(source: str | None, quote: str | None = None, note: str | None = None) -> str:
    """The text of a source/note cell holding a source, a quote and a note (read back by :func:`split_source`)."""
    parts = [source or ""]
    if quote:
        parts.append(f"{QUOTE_MARKS[0]} {quote}")
    if note:
        parts.append(f"{NOTE_MARKS[0]} {note}")
    return "\n".join(parts).strip("\n")


def split_source(text: str | None) -> tuple[str | None, str | None, str | None]:
    """(source, quote, note) of a source/note cell: lines after a quote or note marker go to that part.

    A cell without markers is all source, as staff usually write it.
    """
    if not text:
        return None, None, None
    parts: dict[str, list[str]] = {"source": [], "quote": [], "note": []}
    current = "source"
    for line in text.split("\n"):
        stripped = line.lstrip()
        for key, marks in (("quote", QUOTE_MARKS), ("note", NOTE_MARKS)):
            mark = next((m for m in marks if stripped.lower().startswith(m.lower())), None)
            if mark is not None:
                current, line = key, stripped[len(mark):].lstrip()
                break
        parts[current].append(line)
    out = ["\n".join(v).strip() or None for v in parts.values()]
    return out[0], out[1], out[2]


def fmt_number(x: float) -> str:
    """A bound as people write it: 10,000 or 0.5 (no trailing .0)."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.10g}"


def range_text(spec: FigureSpec) -> str:
    """The valid range in words: ``0%–100%``, ``≥ 0``, ``1–200``, ``0 或 1 / 0 or 1``."""
    lo, hi = spec.lower, spec.upper
    if spec.kind == "binary":
        return "0 或 1 / 0 or 1"
    if spec.kind == "rate":
        def pct(x: float) -> str:
            return f"{fmt_number(x * 100)}%"
        if lo is not None and hi is not None:
            return f"{pct(lo)}–{pct(hi)}"
        return f"≥ {pct(lo)}" if lo is not None else (f"≤ {pct(hi)}" if hi is not None else "")
    if lo is not None and hi is not None:
        return f"{fmt_number(lo)}–{fmt_number(hi)}"
    if lo is not None:
        return f"≥ {fmt_number(lo)}"
    return f"≤ {fmt_number(hi)}" if hi is not None else ""


def hint_text(spec: FigureSpec) -> str:
    """A short bilingual hint on how to write the figure."""
    if spec.kind == "rate":
        return "填百分数，如 95% 或 98.6% / type a percentage, e.g. 95% or 98.6%"
    if spec.kind == "binary":
        return "是填 1，否填 0 / 1 for yes, 0 for no"
    if spec.kind == "amount":
        return f"填金额数字（{spec.unit}），不写单位 / the amount in {spec.unit}, digits only"
    return f"填整数（{spec.unit}），不写单位，不写“约”“余” / a whole number in {spec.unit}, no unit, no 'about'"


def figure_row_cells(spec: FigureSpec) -> dict[str, str]:
    """Text of the protected cells of a figure's row (figures sheet) or column (offices sheet)."""
    return {"code": spec.id, "zh": spec.zh, "en": spec.en, "unit": spec.unit,
            "kind": KIND_LABELS[spec.kind], "range": range_text(spec), "required": YES_NO[spec.required],
            "hint": hint_text(spec)}


def number_format(spec: FigureSpec) -> str:
    """Excel number format of a value cell: percent for rates (so staff type ``95%``)."""
    return {"rate": "0.0%", "binary": "0"}.get(spec.kind, "General")


@dataclass(frozen=True)
class Office:
    """A judicial office listed on its district's form."""

    code: str
    name: str


def expected_layout(framework: Framework, offices: Sequence[Office] | None = None) -> list[list[str]]:
    """The protected cells of a form as rows of text (what the layout hash is computed from).

    Figures form: the header, then per figure its protected columns. Offices form: one row per
    header line (figure columns), the column header row, then one row per office.
    """
    if offices is None:
        rows = [[h for key, h, _ in FIGURE_COLUMNS if key in PROTECTED_KEYS]]
        for spec in framework.figures.values():
            cells = figure_row_cells(spec)
            rows.append([cells[k] for k in PROTECTED_KEYS])
        return rows
    specs = list(framework.figures.values())
    rows = [[OFFICE_ROW_LABELS[key], "", *(figure_row_cells(s)[key] for s in specs), "", ""]
            for key in OFFICE_HEADER_KEYS]
    rows.append([OFFICE_LEAD[0][1], OFFICE_LEAD[1][1], *(s.id for s in specs), OFFICE_TAIL[0][1],
                 OFFICE_TAIL[1][1]])
    rows.extend([o.code, o.name] for o in offices)
    return rows


def layout_hash(rows: list[list[str]]) -> str:
    """SHA-256 of the protected layout (JSON, so cell boundaries count)."""
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()
