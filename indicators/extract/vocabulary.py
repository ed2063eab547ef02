"""What to look for: each figure's ``extract:`` vocabulary from the framework, compiled to patterns.

A figure's vocabulary (``data/frameworks/district_rol.yaml``, key ``extract``) declares

- ``before``: phrases written just before the number (``受理民间纠纷`` → ``受理民间纠纷18309件``);
- ``after``: phrases written just after the number and its measure word (``52名律师``);
  in both, ``…`` stands for up to 20 characters within the clause (``收到…行政复议案件``);
- ``gap``: how many other characters may sit between the phrase and the number (default 3);
- ``units``: the measure words accepted (default from the figure's unit: 件 → 件/宗/起);
- ``context``: at least one of these must occur in the segment (the sentence part between
  semicolons) — it names the topic when the phrase alone is generic (``办结`` + ``投诉律师``);
- ``exclude`` / ``exclude_segment``: words that rule the number out when they occur in its
  clauses / its segment (``律师调解`` is not people's mediation);
- ``zero``: phrases that state zero in words (``无行政机关败诉``);
- ``hint``: a note shown to the reviewer.

Language rules that hold for every figure (year-on-year growth, shares, targets, the city instead
of the district, quarters) are :data:`RULES` below; a figure's ``exclude`` adds its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..framework import FigureSpec, Framework

__all__ = ["FigureVocabulary", "Vocabulary", "RULES", "DEFAULT_UNITS", "compile_phrase"]

#: Measure words accepted by default for a framework unit.
DEFAULT_UNITS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "件": ("件", "宗", "起"), "宗": ("宗", "件"), "人": ("人", "名"), "人次": ("人次",),
    "个": ("个", "家", "所"), "场": ("场", "场次"), "次": ("次",), "%": ("%",),
})

#: Rules for every figure, each a regular expression on the text before the number in its segment
#: (``lead``) or in its sentence: ``reject`` rules drop the number, ``flag`` rules keep it for review.
RULES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "reject": MappingProxyType({
        "growth / 增长": r"(?:同比|环比|较上年|较去年|比上年|比去年)?"
                       r"(?:增长|上涨|上升|下降|增加|减少|提高|降低|增幅|降幅|新增|净增)(?:了|为|达)?$",
        "share / 占比": r"(?:占比|占全|所占比例|比重|占)(?:为|达|约)?$",
        "rate of change / 拉动": r"(?:拉动|拉动率|增速)(?:为|达)?$",
        "increase / 新增": r"新增|净增",
    }),
    "lead_flag": MappingProxyType({
        "previous_year / 上年": r"去年|上年|上一年|前年|同期",
        "target / 目标": r"力争|目标|(?<!工作)计划|争取|预计|拟(?!定|稿)|将达到",
        "partial_period / 部分期间": r"[一二三四1-4]季度|上半年|下半年|前三季度"
                                 r"|(?<![\d-])(?:1|一)\s*[-—至~到]\s*(?:1[01]|[1-9]|十一|[二三四五六七八九十])月"
                                 r"|(?<![\d年])(?:[1-9]|1[01])月份?(?!底|末|\d)",
    }),
    "clause_flag": MappingProxyType({
        "cumulative / 累计": r"累计|累积|历年|以来共",
    }),
    "sentence_flag": MappingProxyType({
        "other_entity / 其他主体": r"全市|本市|市政府|市司法局|市局|全省|全局|我局|本局|局机关",
    }),
})
_WILD_MAX = 20
_WILD = rf"[^,，。;；:：\n]{{0,{_WILD_MAX}}}?"
_PUNCT = ",，。;；:：、\n"


def compile_phrase(phrase: str) -> str:
    """A vocabulary phrase as a regular expression (``…`` or ``...`` = up to 20 characters)."""
    parts = re.split(r"…|\.\.\.", phrase)
    return _WILD.join(re.escape(p) for p in parts)


@dataclass(frozen=True)
class FigureVocabulary:
    """One figure's compiled vocabulary (see the module docstring for the keys)."""

    id: str
    zh: str
    unit: str
    kind: str
    units: tuple[str, ...]
    before: re.Pattern | None
    after: re.Pattern | None
    context: tuple[str, ...]
    exclude: tuple[str, ...]
    exclude_segment: tuple[str, ...]
    zero: tuple[re.Pattern, ...]
    hint: str
    #: How far before a number a ``before`` phrase can start (longest phrase, wildcards, gap).
    reach: int = 0
    #: Last characters of the ``before`` phrases and the gap: a cheap test before the pattern runs.
    tails: frozenset[str] = frozenset()
    gap: int = 3

    @property
    def is_rate(self) -> bool:
        """A rate takes percentages (and 成, 百分之…), a count takes numbers with a measure word."""
        return self.kind == "rate"

    @classmethod
    def from_spec(cls, spec: FigureSpec) -> FigureVocabulary | None:
        """Compile a figure's ``extract`` mapping; None when the figure declares no phrases."""
        ex = spec.extract
        if not ex or not (ex.get("before") or ex.get("after") or ex.get("zero")):
            return None
        gap = int(ex.get("gap", 3))
        filler = rf"[^{_PUNCT}\d%]{{0,{gap}}}"
        before = after = None
        if ex.get("before"):
            alts = "|".join(compile_phrase(p) for p in sorted(ex["before"], key=len, reverse=True))
            before = re.compile(rf"(?:{alts}){filler}$")
        if ex.get("after"):
            alts = "|".join(compile_phrase(p) for p in sorted(ex["after"], key=len, reverse=True))
            after = re.compile(rf"{filler}(?:{alts})")
        units = tuple(ex.get("units") or DEFAULT_UNITS.get(spec.unit, (spec.unit,)))
        reach = max((len(re.sub(r"…|\.\.\.", "", p)) + _WILD_MAX * len(re.findall(r"…|\.\.\.", p))
                     for p in ex.get("before", ())), default=0) + gap
        return cls(spec.id, spec.zh, spec.unit, spec.kind, units, before, after,
                   tuple(ex.get("context", ())), tuple(ex.get("exclude", ())),
                   tuple(ex.get("exclude_segment", ())),
                   tuple(re.compile(compile_phrase(z)) for z in ex.get("zero", ())), str(ex.get("hint", "")),
                   reach, frozenset(p[-1] for p in ex.get("before", ())), gap)


@dataclass(frozen=True)
class Vocabulary:
    """Every figure's vocabulary of a framework, indexed by the measure word it accepts."""

    figures: tuple[FigureVocabulary, ...]
    by_measure: Mapping[str, tuple[FigureVocabulary, ...]]

    @classmethod
    def from_framework(cls, framework: Framework) -> Vocabulary:
        """Compile the vocabulary of every figure that declares one (others are never proposed)."""
        figs = tuple(v for v in (FigureVocabulary.from_spec(s) for s in framework.figures.values()) if v)
        index: dict[str, list[FigureVocabulary]] = {}
        for v in figs:
            for unit in ("%",) if v.is_rate else v.units:
                index.setdefault(unit, []).append(v)
        return cls(figs, MappingProxyType({k: tuple(v) for k, v in index.items()}))

    def __len__(self) -> int:
        return len(self.figures)
