"""Measuring extraction against a gold set: precision, recall and verbatim quotes per document.

A gold table (CSV: ``document, kind, figure, value, flags, offset, quote, note``) lists for each
document the figures a careful reader finds (``kind = gold``) and hard negatives (``kind =
negative``): numbers that must not be taken as the figure (growth rates, shares, targets, the
previous year, the city's figures, one channel's count). Scoring rules:

- a proposal equal to a gold row (same figure, same value) is a true positive;
- a proposal equal to a negative whose ``flags`` name a flag the proposal carries (e.g. a
  city-level value flagged ``other_entity``) is a *flagged negative*: shown to the reviewer with
  its warning, never accepted, so neither right nor wrong — counted apart;
- every other proposal is a false positive (a wrong figure; flagged or not);
- recall is true positives over gold rows; a quote is verbatim when it is the document's text at
  its offset, character for character.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..submission import parse_value
from .matcher import Proposal

__all__ = ["GoldRow", "DocumentScore", "read_gold", "score_document", "total"]


@dataclass(frozen=True)
class GoldRow:
    """One row of the gold table."""

    document: str
    kind: str
    figure: str
    value: float
    flags: tuple[str, ...]
    quote: str


@dataclass
class DocumentScore:
    """Counts for one document (or the total): TP, FP, flagged negatives, gold rows, verbatim quotes."""

    document: str
    tp: int = 0
    fp: int = 0
    flagged_negatives: int = 0
    gold: int = 0
    proposals: int = 0
    verbatim: int = 0
    seconds: float = 0.0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 1 when nothing was proposed (nothing wrong was said)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """TP / gold rows; 1 when the document has no gold row."""
        return self.tp / self.gold if self.gold else 1.0

    @property
    def verbatim_share(self) -> float:
        """Share of proposals whose quote is the document's text at its offset."""
        return self.verbatim / self.proposals if self.proposals else 1.0


def read_gold(path: str | Path) -> list[GoldRow]:
    """Read a gold table; values are parsed like submissions (``98.03%`` → 0.9803)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            parsed = parse_value(r["value"])
            if parsed.error:
                raise ValueError(f"{path}: gold value {r['value']!r} of {r['figure']}: {parsed.error}")
            flags = tuple(f for f in (r.get("flags") or "").split(";") if f)
            rows.append(GoldRow(r["document"], r["kind"], r["figure"], parsed.value, flags, r["quote"]))
    return rows


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def score_document(document: str, text: str, proposals: Iterable[Proposal], gold: Iterable[GoldRow]) -> DocumentScore:
    """Score one document's proposals against its gold and negative rows (see the module docstring)."""
    rows = [g for g in gold if g.document == document]
    positives = [g for g in rows if g.kind == "gold"]
    negatives = [g for g in rows if g.kind == "negative"]
    score = DocumentScore(document, gold=len(positives))
    found: set[int] = set()
    for p in proposals:
        score.proposals += 1
        if text[p.quote_offset:p.quote_offset + len(p.quote)] == p.quote and p.evidence in p.quote \
                and p.as_written in p.quote:
            score.verbatim += 1
        hit = next((i for i, g in enumerate(positives) if g.figure == p.figure and _same(g.value, p.value)), None)
        if hit is not None:
            score.tp += 1
            found.add(hit)
            continue
        neg = next((g for g in negatives if g.figure == p.figure and _same(g.value, p.value)), None)
        if neg is not None and set(neg.flags) & set(p.flags):
            score.flagged_negatives += 1
            continue
        score.fp += 1
        score.wrong.append(f"{p.figure}={p.value_text} [{','.join(p.flags)}] «{p.evidence}»")
    score.missed = [f"{g.figure}={g.value:g} «{g.quote[:40]}»" for i, g in enumerate(positives) if i not in found]
    return score


def total(scores: Iterable[DocumentScore], name: str = "overall") -> DocumentScore:
    """Sum of document scores (precision and recall pooled over documents)."""
    out = DocumentScore(name)
    for s in scores:
        for attr in ("tp", "fp", "flagged_negatives", "gold", "proposals", "verbatim", "seconds"):
            setattr(out, attr, getattr(out, attr) + getattr(s, attr))
        out.wrong += s.wrong
        out.missed += s.missed
    return out


def read_sentences(path: str | Path) -> tuple[dict[str, str], list[GoldRow]]:
    """A held-out sentence table (``case, text, figure, value, kind, flags``): texts by case and gold rows."""
    texts: dict[str, str] = {}
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            texts[r["case"]] = r["text"]
            flags = tuple(f for f in (r.get("flags") or "").split(";") if f)
            rows.append(GoldRow(r["case"], r["kind"], r["figure"], parse_value(r["value"]).value, flags, r["text"]))
    return texts, rows


def by_document(gold: Iterable[GoldRow]) -> Mapping[str, list[GoldRow]]:
    """Gold rows grouped by document id."""
    out: dict[str, list[GoldRow]] = {}
    for g in gold:
        out.setdefault(g.document, []).append(g)
    return out
