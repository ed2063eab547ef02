"""The district's submission form pre-filled with figures proposed from its reports (``rolindex extract --form``).

Every proposal goes into its figure's value cell; the source/note cell holds the report's title, the
quote (``引文 / quote:``) and, for a flagged proposal, the flags in words (``说明 / note:``), which
:func:`~evaluation.forms.returned.read_form` reads back as the submission's ``source``, ``quote`` and
``note``; the evidence cell names the report file. A flagged value cell is shaded orange with a
comment, so a person confirms or corrects it before the form is returned (``rolindex intake``).
When several reports propose a figure, an unflagged proposal wins, then the more confident; a
different value from another report is named in the note and the cell is marked for review.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from indicators.extract.review import ReviewRow
from indicators.framework import Framework

from ..fileio import atomic_write_bytes
from .errors import FormError
from .layout import COL, PREFILLED_COLOUR, compose_source

__all__ = ["prefill_form", "choose"]

_FLAG_FILL = PREFILLED_COLOUR  # orange: look at this value before returning the form


def choose(rows: Iterable[ReviewRow]) -> dict[str, tuple[ReviewRow, list[ReviewRow]]]:
    """Per figure, the proposal to pre-fill and the others with a different value (in order of choice)."""
    by_figure: dict[str, list[ReviewRow]] = {}
    for row in rows:
        by_figure.setdefault(row.proposal.figure, []).append(row)
    out: dict[str, tuple[ReviewRow, list[ReviewRow]]] = {}
    for fid, found in by_figure.items():
        ranked = sorted(found, key=lambda r: (r.proposal.flagged, -r.proposal.confidence))
        best = ranked[0]
        out[fid] = (best, [r for r in ranked[1:] if r.proposal.value != best.proposal.value])
    return out


def prefill_form(rows: Sequence[ReviewRow], framework: Framework, district: Any, year: int,
                 path: str | Path) -> Path:
    """Write ``district``'s form for ``year`` to ``path`` (atomically) pre-filled with ``rows``.

    ``district`` is what :func:`~evaluation.forms.template.write_form` takes (a code or a
    :class:`~evaluation.forms.districts.District`). Proposals for figures the framework does not
    declare are refused (they cannot have come from its vocabulary).
    """
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from .filling import _forms_meta
    from .template import is_office_framework, write_form

    if is_office_framework(framework):
        raise FormError(f"司法所表格无法预填 / {framework.id} has office forms; extract writes district forms only")
    unknown = sorted({r.proposal.figure for r in rows} - set(framework.figures))
    if unknown:
        raise FormError(f"框架 {framework.id} 没有这些指标 / the framework does not declare: {', '.join(unknown)}")
    path = Path(path)
    buf = io.BytesIO()
    write_form(framework, district, year, path)
    book = load_workbook(path)
    [form] = _forms_meta(book)
    sheet = book[form["sheet"]]
    flagged_fill = PatternFill("solid", fgColor=_FLAG_FILL)
    for fid, (best, others) in choose(rows).items():
        p = best.proposal
        r = form["rows"][fid]
        value = sheet.cell(r, COL["value"])
        value.value = p.value if p.percent or p.decimals else int(round(p.value))
        if p.percent:
            value.number_format = "0." + "0" * p.decimals + "%" if p.decimals else "0%"
        notes = [p.note] if p.flagged else []
        notes += [f"另一报告为 / another report gives {o.proposal.as_written}（{o.document.title}）" for o in others]
        note = "; ".join(notes)
        sheet.cell(r, COL["source"]).value = compose_source(best.document.title, p.quote, note)
        sheet.cell(r, COL["evidence"]).value = Path(best.document.path).name
        if note:
            value.fill = flagged_fill
            value.comment = Comment(f"需复核 / check before returning: {note}\n原文 / as written: {p.as_written}",
                                    "rolindex extract")
    book.save(buf)
    return atomic_write_bytes(path, buf.getvalue())
