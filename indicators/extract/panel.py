"""A folder of reports (many districts, many years) → one long submission with provenance.

Every supported file under the folder is read and extracted on its own: a file that cannot be read
is reported and skipped, never spoiling the others. District and year come from the text (see
:mod:`~indicators.extract.scope`) unless a district-year could not be inferred, which is reported.
Unflagged proposals form the submission (with document, SHA-256 and offset of every value);
flagged ones go to a review form beside it, for a person to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExtractionError
from ..framework import Framework
from .documents import SUPPORTED, read_document
from .matcher import extract_text
from .review import ReviewRow, rows_for
from .vocabulary import Vocabulary

__all__ = ["PanelResult", "extract_panel", "panel_files"]


@dataclass
class PanelResult:
    """Rows accepted (unflagged) and to review (flagged), and one message per file skipped or empty."""

    accepted: list[ReviewRow] = field(default_factory=list)
    review: list[ReviewRow] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    documents: int = 0


def panel_files(folder: str | Path) -> list[Path]:
    """Supported report files under ``folder`` (recursively), in sorted order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExtractionError(f"{folder}: 不是文件夹 / not a folder")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED
                  and not p.name.startswith("."))


def extract_panel(folder: str | Path, framework: Framework) -> PanelResult:
    """Extract every report under ``folder``; see the module docstring."""
    vocab = Vocabulary.from_framework(framework)
    result = PanelResult()
    seen: dict[tuple, ReviewRow] = {}
    for path in panel_files(folder):
        try:
            doc = read_document(path)
        except ExtractionError as exc:
            result.messages.append(f"跳过 skipped: {exc}")
            continue
        result.documents += 1
        ex = extract_text(doc.text, framework, vocabulary=vocab)
        if ex.reason:
            result.messages.append(f"{path.name}: {ex.reason}")
            continue
        if ex.scope.district is None or ex.scope.year is None:
            result.messages.append(f"{path.name}: 无法推断区或年度 / cannot infer the district or year "
                                   f"({ex.scope.how or 'nothing found'}); its rows go to review")
        unsure = ex.scope.district is None or ex.scope.year is None
        for row in rows_for(ex, doc):
            key = (row.district, row.year, row.proposal.figure)
            if row.proposal.flagged or unsure:
                result.review.append(row)
            elif key in seen:  # two reports of one district-year: the first wins, a different value is reviewed
                if seen[key].proposal.value != row.proposal.value:
                    result.review.append(row)
                    result.messages.append(f"{path.name}: {row.proposal.figure} {row.proposal.value_text} differs "
                                           f"from {seen[key].proposal.value_text} in "
                                           f"{Path(seen[key].document.path).name} (same district-year); to review")
            else:
                seen[key] = row
                result.accepted.append(row)
    return result
