"""Figures from published reports: read a work report, propose each framework figure with its evidence.

``read_document`` (text, HTML, .docx, PDF) → ``extract_document`` → proposals (value in the
framework's unit, the value as written, the verbatim sentence, offset, period, flags, confidence)
→ a review form (:mod:`indicators.extract.review`) that a person confirms and that validates as a
submission. Modules: ``documents`` (reading), ``numerals`` (Chinese numbers), ``clauses`` (spans),
``vocabulary`` (the framework's ``extract:`` words), ``scope`` (district, year, level, plans),
``matcher`` (candidates → proposals), ``review`` (the form and accepted rows), ``panel`` (many
reports → one long submission with provenance).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .documents import Document, document_from_text, read_document
from .matcher import FLAG_LABELS, Extraction, Proposal, extract_text

__all__ = ["Document", "Extraction", "FLAG_LABELS", "Proposal", "document_from_text", "extract_document",
           "extract_text", "read_document"]


if TYPE_CHECKING:
    from ..framework import Framework


def extract_document(document: Document, framework: Framework, year: int | None = None) -> Extraction:
    """Proposals for one :class:`Document` (see :func:`~indicators.extract.matcher.extract_text`)."""
    return extract_text(document.text, framework, year=year)
