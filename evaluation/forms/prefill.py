"""Forms pre-filled: figures proposed from a district's reports (``rolindex extract --form``), and last year's values.

Last year's accepted values go in the forms' reference column (``rolindex template --previous`` or
``--ledger``): :func:`previous_values` turns read figures into the table the form writer takes, and
:func:`previous_from_ledger` reads them from the ledger (the year before, reviews applied).

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
from typing import TYPE_CHECKING, Any

from indicators.extract.review import ReviewRow
from indicators.framework import Framework

from ..fileio import atomic_write_bytes
from .errors import FormError
from .layout import COL, PREFILLED_COLOUR, compose_source

if TYPE_CHECKING:
    import os

    import pandas as pd

    from indicators.submission import Submission

    from ..ledger.db import Ledger

__all__ = ["choose", "prefill_form", "previous_from_ledger", "previous_values"]

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


def previous_values(sub: Submission, source: str) -> pd.DataFrame:
    """The parsed values of ``sub`` as the long table (``district, year, figure, value``) the form writer shows.

    Refused, naming ``source``, when the figures have errors: a reference value must be one that was accepted.
    """
    from indicators.errors import DataError

    errors = [str(p) for p in sub.problems if p.severity == "error"]
    if errors:
        raise DataError(f"cannot use {source} as last year's figures", errors)
    f = sub.figures
    return f.loc[f["value"].notna(), ["district", "year", "figure", "value"]].astype(
        {"district": str, "figure": str})


def previous_from_ledger(ledger: Ledger | str | os.PathLike[str], year: int,
                         framework_id: str | None = None) -> pd.DataFrame:
    """Last year's accepted values for the forms of ``year``: the ledger's current figures of ``year - 1``.

    The latest accepted submission of each district with its 复核 review decisions applied (an
    adjusted value, not the one it replaced; a rejected figure left out), read as ``rolindex export``
    and ``score --ledger`` read them (:func:`~evaluation.ledger.store.figures_from_ledger`).
    """
    from ..ledger.store import figures_from_ledger

    sub = figures_from_ledger(ledger, year - 1, framework_id=framework_id)
    return previous_values(sub, f"the ledger's {year - 1} figures")
