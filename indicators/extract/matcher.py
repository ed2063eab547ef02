"""Candidates → one proposal per figure, each with its value, the verbatim quote, offset, period and flags.

Every number of the report (:func:`~indicators.extract.numerals.find_numbers`) is offered to the
figures whose measure word it carries (a rate only to rates). A figure takes it when one of its
``before`` phrases ends just before the number or an ``after`` phrase starts just after it, within
the same clause run, its ``context`` is in the segment and no ``exclude`` word is. The language
rules of :data:`~indicators.extract.vocabulary.RULES` then reject growth rates and shares and flag
what must not pass as the district's annual value: the previous year, targets and plans, cumulative
or part-year figures, another entity (the city, the bureau itself), lower bounds (余, 逾, 超过,
以上, 多) and approximations (约, 左右, 近). Among a figure's candidates the unflagged one with the
most specific phrase wins, earlier first; a flagged proposal is never accepted without review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..framework import Framework
from .clauses import Segmenter
from .numerals import Number, find_numbers, normalise_width
from .scope import Scope, infer_scope
from .vocabulary import RULES, FigureVocabulary, Vocabulary

__all__ = ["Proposal", "Extraction", "extract_text", "FLAG_LABELS"]

#: Bilingual labels of the flags (Chinese first).
FLAG_LABELS = {
    "lower_bound": "下限 lower bound",
    "approximate": "约数 approximate",
    "previous_year": "上年数 previous year",
    "target": "目标/计划 target or plan",
    "cumulative": "累计 cumulative",
    "partial_period": "部分期间 quarter or part of the year",
    "other_entity": "其他主体 other entity (city, bureau, one department)",
}
_LEAD_FLAGS = {k.split(" /")[0]: re.compile(v) for k, v in RULES["lead_flag"].items()}
_CLAUSE_FLAGS = {k.split(" /")[0]: re.compile(v) for k, v in RULES["clause_flag"].items()}
_SENTENCE_FLAGS = {k.split(" /")[0]: re.compile(v) for k, v in RULES["sentence_flag"].items()}
_REJECT = {k: re.compile(v) for k, v in RULES["reject"].items()}
#: Characters looked at on each side of a number (a segment is rarely longer; a text without
#: punctuation must not make every look-up scan the whole line).
_WINDOW = 400


@dataclass(frozen=True)
class Proposal:
    """A proposed value for one figure, with everything a reviewer needs to confirm it.

    ``value`` is in the framework's unit (rates as fractions, like the submission reader);
    ``as_written`` the number as the report writes it; ``quote`` the sentence (verbatim),
    ``evidence`` the shortest run of clauses holding the phrase and the number; ``offset`` the
    number's character offset in the document text, ``quote_offset`` the sentence's.
    """

    figure: str
    name_zh: str
    value: float
    unit: str
    as_written: str
    quote: str
    quote_offset: int
    evidence: str
    offset: int
    period: str
    flags: tuple[str, ...]
    confidence: float
    percent: bool
    decimals: int
    alternatives: int = 0

    @property
    def flagged(self) -> bool:
        """True when a person must look at it before it is used."""
        return bool(self.flags)

    @property
    def note(self) -> str:
        """The flags in words (bilingual), for the submission's note column."""
        return "; ".join(FLAG_LABELS[f] for f in self.flags)

    @property
    def value_text(self) -> str:
        """The value as a submission writes it: ``98.03%`` for rates, ``2162`` for counts."""
        if self.percent:
            return f"{self.value * 100:.{self.decimals}f}%"
        return f"{self.value:.{self.decimals}f}" if self.decimals else f"{round(self.value)}"


@dataclass(frozen=True)
class Extraction:
    """The proposals for one document, its scope (district, year, level) and why nothing was found."""

    proposals: tuple[Proposal, ...]
    scope: Scope
    candidates: int
    reason: str = ""
    rejected: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)


@dataclass
class _Candidate:
    fig: FigureVocabulary
    number: Number | None
    value: float
    as_written: str
    start: int
    end: int
    phrase_start: int
    phrase_len: int
    flags: list[str]


def extract_text(text: str, framework: Framework, year: int | None = None,
                 vocabulary: Vocabulary | None = None, scope: Scope | None = None) -> Extraction:
    """Propose one value per figure of ``framework`` found in ``text`` (see the module docstring)."""
    vocab = vocabulary or Vocabulary.from_framework(framework)
    scope = scope or infer_scope(text)
    year = year if year is not None else scope.year
    if not text.strip():
        return Extraction((), scope, 0, "文本为空 / the document has no text")
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text[:200_000]))
    if cjk < 2 or cjk < 0.2 * len(re.sub(r"\s", "", text[:200_000])):
        return Extraction((), scope, 0, "不是中文报告 / not a Chinese report (too few Chinese characters)")
    if not len(vocab):
        return Extraction((), scope, 0, f"框架 {framework.id} 未声明提取词表 / the framework declares no "
                                         f"extract vocabulary")
    t = normalise_width(text)
    seg = Segmenter.of(t)
    candidates: list[_Candidate] = []
    rejected: list[tuple[str, str, str]] = []
    for n in find_numbers(t):
        for fig in vocab.by_measure.get(n.measure, ()):
            cand = _match(t, seg, n, fig, rejected)
            if cand is not None:
                candidates.append(cand)
    for fig in vocab.figures:
        for phrase in fig.zero:
            for m in phrase.finditer(t):
                candidates.append(_Candidate(fig, None, 0.0, m.group(), m.start(), m.end(), m.start(),
                                             m.end() - m.start(), []))
    for c in candidates:
        _flag(t, seg, c, scope, year)
    proposals = _choose(text, seg, candidates, scope, year, framework)
    reason = "" if proposals else "未找到框架中的指标 / none of the framework's figures was found"
    return Extraction(tuple(proposals), scope, len(candidates), reason, tuple(rejected))


def _match(t: str, seg: Segmenter, n: Number, fig: FigureVocabulary,
           rejected: list[tuple[str, str, str]]) -> _Candidate | None:
    s0, s1 = seg.segment(n.start)
    s0, s1 = max(s0, n.start - _WINDOW), min(s1, n.end + _WINDOW)  # a report without punctuation stays linear
    phrase_start = phrase_len = None
    if fig.before is not None and not fig.tails.isdisjoint(t[max(s0, n.start - fig.gap - 1):n.start]):
        m = fig.before.search(t, max(s0, n.start - fig.reach), n.start)
        if m is not None:
            phrase_start, phrase_len = m.start(), m.end() - m.start()
    if phrase_start is None and fig.after is not None:
        m = fig.after.match(t, n.end, s1)
        if m is not None:
            phrase_start, phrase_len = n.start, m.end() - n.end
    if phrase_start is None:
        return None
    segment = t[s0:s1]
    if fig.context and not any(w in segment for w in fig.context) and not any(w in _topic(t, seg, n.start)
                                                                              for w in fig.context):
        return None
    e0, e1 = _clamp(seg.evidence(min(phrase_start, n.start), max(n.end, phrase_start + phrase_len)), n.start, n.end)
    if any(w in t[e0:e1] for w in fig.exclude):
        return None
    if any(w in segment for w in fig.exclude_segment):
        return None
    lead = t[e0:n.start]  # from the clause where the phrase starts (brackets split clauses)
    for name, rule in _REJECT.items():
        if rule.search(lead):
            rejected.append((fig.id, n.text, name))
            return None
    value = n.value
    return _Candidate(fig, n, value, n.text, n.start, n.end, phrase_start, phrase_len, [])


def _clamp(span: tuple[int, int], start: int, end: int) -> tuple[int, int]:
    """A span cut to at most ``_WINDOW`` characters on each side of a number (a line without punctuation)."""
    return max(span[0], start - _WINDOW), min(span[1], end + _WINDOW)


def _topic(t: str, seg: Segmenter, pos: int) -> str:
    """The paragraph's topic sentence (``一是律师服务监管依法依规。``) when it is short, else ''."""
    line_start = seg.line(pos)[0]
    q0, q1 = seg.sentence(line_start)
    return t[q0:q1] if q1 - q0 <= 30 and q1 <= pos else ""


_YEAR_IN_LEAD = re.compile(r"(?<![\d-])(20\d{2})年(?!\s*[-—至~])(?!度?(?:以来|来))")


def _flag(t: str, seg: Segmenter, c: _Candidate, scope: Scope, year: int | None) -> None:
    n = c.number
    if n is not None and n.lower_bound:
        c.flags.append("lower_bound")
    if n is not None and n.approximate:
        c.flags.append("approximate")
    s0 = max(seg.segment(c.start)[0], c.start - _WINDOW)
    lead = t[s0:c.start]
    for name, rule in _LEAD_FLAGS.items():
        if rule.search(lead):
            c.flags.append(name)
    clause_lead = t[max(seg.clause(min(c.start, c.phrase_start))[0], c.start - _WINDOW):c.start]
    for name, rule in _CLAUSE_FLAGS.items():
        if rule.search(clause_lead):
            c.flags.append(name)
    if year is not None:  # a year other than the report's named before the number
        for y in {int(m.group(1)) for m in _YEAR_IN_LEAD.finditer(lead)} - {year}:
            c.flags.append("previous_year" if y < year else "target")
    if scope.is_plan(c.start) and "target" not in c.flags:
        c.flags.append("target")
    q0 = max(seg.sentence(c.start)[0], c.start - _WINDOW)
    if scope.level == "city" or any(rule.search(t, q0, c.start) for rule in _SENTENCE_FLAGS.values()):
        c.flags.append("other_entity")


def _choose(t: str, seg: Segmenter, candidates: list[_Candidate], scope: Scope, year: int | None,
            framework: Framework) -> list[Proposal]:
    by_fig: dict[str, list[_Candidate]] = {}
    for c in candidates:
        by_fig.setdefault(c.fig.id, []).append(c)
    best: dict[str, _Candidate] = {}
    for fid, cands in by_fig.items():
        cands.sort(key=lambda c: (len(c.flags) > 0, len(c.flags), -c.phrase_len, c.start))
        best[fid] = cands[0]
    # one number is one figure: where two figures took the same number, the longer phrase keeps it
    owner: dict[tuple[int, int], str] = {}
    for fid in sorted(best, key=lambda f: -best[f].phrase_len):
        span = (best[fid].start, best[fid].end)
        if span in owner:
            alt = [c for c in by_fig[fid] if (c.start, c.end) not in owner and (c.start, c.end) != span]
            if alt:
                best[fid] = alt[0]
                owner[(alt[0].start, alt[0].end)] = fid
            else:
                del best[fid]
            continue
        owner[span] = fid
    out = []
    for fid in framework.figures:  # framework order
        c = best.get(fid)
        if c is None:
            continue
        others = {round(o.value, 9) for o in by_fig[fid] if not o.flags and o is not c}
        others.discard(round(c.value, 9))
        confidence = 0.95 - 0.1 * min(len(others), 3)
        if c.flags:
            confidence = min(confidence, 0.6) - 0.05 * (len(c.flags) - 1)
        q0, q1 = _clamp(seg.sentence(c.start), c.start, c.end)
        e0, e1 = _clamp(seg.evidence(min(c.phrase_start, c.start), max(c.end, c.phrase_start + c.phrase_len)),
                        c.start, c.end)
        out.append(Proposal(
            figure=fid, name_zh=c.fig.zh, value=c.value, unit=c.fig.unit, as_written=t[c.start:c.end],
            quote=t[q0:q1], quote_offset=q0, evidence=t[e0:e1], offset=c.start,
            period=_period(c, scope, year), flags=tuple(dict.fromkeys(c.flags)),
            confidence=round(max(confidence, 0.1), 2), percent=c.fig.is_rate,
            decimals=c.number.decimals if c.number is not None else 0, alternatives=len(others),
        ))
    return out


def _period(c: _Candidate, scope: Scope, year: int | None) -> str:
    if year is None:
        return "未知年度 unknown year"
    if "target" in c.flags and scope.is_plan(c.start):
        return f"{year + 1} 计划 plan"
    if "previous_year" in c.flags:
        return f"{year - 1}? 上年 previous year"
    if "partial_period" in c.flags:
        return f"{year} 部分期间 part of the year"
    if "cumulative" in c.flags:
        return f"{year} 累计 cumulative"
    return str(year)
