"""Report wording tables: section headings, and the methodology table in words (one sentence per step).

:data:`HEADINGS` holds every section heading of a district report in Chinese and English;
:func:`heading_text` gives it in the page's language (both, Chinese first, on bilingual pages), so
an English page never carries the bilingual headings a notebook's markdown would.

The step table (:func:`indicators.steps.methodology_steps`) names each step's method and its
parameters (``goalposts``, ``clip=True``, ``min_coverage=0.5, by=count``); a report's reader
needs what they mean. :func:`step_sentence` turns a step entry of
:func:`evaluation.report.content.methodology_note` into a sentence from the method's own label
and a phrase per parameter; methods and parameters without a phrase here fall back to the
method's label and "parameter k = v" — never to code or formulas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from difflib import get_close_matches
from typing import Any

from ..errors import ReportDataError
from .content import bi, check_lang

__all__ = ["HEADINGS", "heading_text", "step_sentence"]

#: Section headings of a district report: key -> (zh, en).
HEADINGS: dict[str, tuple[str, str]] = {
    "scorecard": ("计分卡", "Scorecard"),
    "points": ("得分情况", "Points by item"),
    "deductions": ("扣分说明", "Points lost"),
    "adjustments": ("加分与一票否决", "Bonus and veto items"),
    "charts": ("图表", "Charts"),
    "findings": ("主要成效与存在问题", "Strengths and weaknesses"),
    "rectification": ("整改建议", "Rectification"),
    "sources": ("数据来源与说明", "Sources and caveats"),
    "basis": ("评估依据与方法", "Assessment basis and method"),
    "methodology": ("方法说明", "Methodology"),
}


def heading_text(key: str, lang: str) -> str:
    """The heading ``key`` of :data:`HEADINGS` in ``lang``: "计分卡 / Scorecard" (zh) or "Scorecard" (en)."""
    check_lang(lang)
    if key not in HEADINGS:
        near = get_close_matches(key, HEADINGS, n=1)
        raise ReportDataError(f"没有此标题 / no heading {key!r}{f'; did you mean {near[0]!r}?' if near else ''} "
                              f"(headings: {', '.join(HEADINGS)})")
    return bi(*HEADINGS[key], lang)

#: Plain sentences for the methods a district assessment commonly uses: (zh, en).
METHODS: dict[tuple[str, str], tuple[str, str]] = {
    ("normalise", "goalposts"): ("按框架规定的上下限（目标值与底线值）将各指标线性换算为 0–100 分",
                                 "each indicator is scaled linearly to 0–100 between the lower and upper "
                                 "goalposts set in the framework"),
    ("normalise", "minmax"): ("按当年各区的最小值和最大值线性换算", "each indicator is scaled linearly between the "
                              "lowest and highest district of the year"),
    ("normalise", "zscore"): ("按当年各区的均值和标准差标准化", "each indicator is standardised with the year's mean "
                              "and standard deviation across districts"),
    ("normalise", "rank"): ("按当年排名赋分", "each indicator scores the district's rank in the year"),
    ("normalise", "percentile_rank"): ("按当年百分位赋分", "each indicator scores the district's percentile in the "
                                       "year"),
    ("normalise", "distance_to_target"): ("按与目标值的距离赋分，达到目标即满分",
                                          "each indicator scores its distance to the target; reaching it scores "
                                          "full marks"),
    ("normalise", "scoring_rules"): ("按框架中各指标的评分细则打分", "each indicator is scored by its own scoring "
                                     "rules in the framework"),
    ("aggregate", "arithmetic"): ("各项得分按权重加权平均（仅计有数据的项）",
                                  "scores are combined as a weighted average of the items with data"),
    ("aggregate", "geometric"): ("各项得分按权重加权几何平均（仅计有数据的项）",
                                 "scores are combined as a weighted geometric mean of the items with data"),
    ("aggregate", "harmonic"): ("各项得分按权重加权调和平均（仅计有数据的项）",
                                "scores are combined as a weighted harmonic mean of the items with data"),
    ("missing", "skip"): ("缺失项不计入，其权重由同一上级下有数据的项按比例分担",
                          "a missing item is left out and its weight is shared among the items with data under "
                          "the same parent"),
    ("missing", "strict"): ("任一下级项缺失，上级得分即为缺失", "an aggregate is missing if any of its items is "
                            "missing"),
    ("weights", "expert"): ("采用框架规定的专家权重（分值）", "the expert weights (points) set in the framework"),
    ("weights", "equal"): ("同一上级下各项等权", "equal weights among the items under each parent"),
    ("impute", "none"): ("不插补，缺失值保持缺失", "missing values are not filled in"),
    ("impute", "mean"): ("以当年各区均值插补缺失值", "a missing value is replaced by the year's mean across "
                         "districts"),
    ("impute", "last_year"): ("缺失值沿用本区最近一年的数值", "a missing value is carried forward from the "
                              "district's latest earlier year"),
    ("treat", "none"): ("不做异常值处理", "no outlier treatment"),
    ("screen", "none"): ("不筛查，所有区年均参评", "no screening: every district-year is scored"),
    ("denominate", "none"): ("不做分母换算", "indicators are used as their formulas give them"),
}


def _pct(v: Any) -> str:
    return f"{float(v):.0%}"


def _bool(zh_true: str, en_true: str, zh_false: str, en_false: str) -> Callable[[Any], tuple[str, str]]:
    return lambda v: (zh_true, en_true) if v else (zh_false, en_false)


#: A phrase per parameter value: name -> value -> (zh, en).
PARAMS: dict[str, Callable[[Any], tuple[str, str]]] = {
    "clip": _bool("超出上下限的值按 0 或 100 分计", "values beyond the goalposts count as 0 or 100",
                  "超出上下限的值不截断", "values beyond the goalposts are not capped"),
    "min_coverage": lambda v: (f"至少 {_pct(v)} 的下级项有数据才计算", f"computed only when at least {_pct(v)} of "
                               "its items have data"),
    "by": lambda v: {"count": ("（按项数计）", "(by number of items)"),
                     "weight": ("（按权重计）", "(by weight)")}.get(str(v), (f"（按 {v}）", f"(by {v})")),
    "lower": lambda v: (f"下限 {v}", f"lower end {v}"),
    "upper": lambda v: (f"上限 {v}", f"upper end {v}"),
    "p": lambda v: (f"幂次 p = {v}", f"power p = {v}"),
    "max_gap": lambda v: (f"最多沿用 {v} 年", f"at most {v} years back"),
    "base_year": lambda v: (f"上下限取自 {v} 年", f"goalposts taken from {v}"),
    "freeze": lambda v: ({"all": ("所有指标的上下限均固定于基准年", "the goalposts of every indicator are fixed at the "
                                  "base year")}.get(str(v), (f"固定于基准年的指标：{v}", f"goalposts fixed at the base "
                                                               f"year for: {v}"))),
}

_FORMULA = re.compile(r":?\s*``[^`]*``")


def _fallback(kind: Any, method: Any) -> tuple[str, str]:
    en = _FORMULA.sub("", method.summary).strip().rstrip(".:;")
    return method.label_zh, en[:1].lower() + en[1:]


def step_sentence(entry: Mapping[str, Any]) -> tuple[str, str]:
    """(zh, en) sentence for a step entry of :func:`~evaluation.report.content.methodology_note`."""
    from indicators.steps import STEPS

    key, method_name, params = entry["step"], entry["method"], dict(entry.get("params") or {})
    words = METHODS.get((key, method_name))
    if words is None:
        kind = next((k for k in STEPS if k.key == key), None)
        words = _fallback(kind, kind.registry.get(method_name)) if kind is not None else (method_name, method_name)
    zh, en = words
    extra_zh, extra_en = [], []
    if "min_coverage" in params and "by" in params:  # one phrase: "at least 50% of its items (by number)"
        c_zh, c_en = PARAMS["min_coverage"](params.pop("min_coverage"))
        b_zh, b_en = PARAMS["by"](params.pop("by"))
        extra_zh.append(c_zh + b_zh)
        extra_en.append(f"{c_en} {b_en}")
    for name, value in params.items():
        phrase = PARAMS.get(name)
        p_zh, p_en = phrase(value) if phrase else (f"参数 {name} = {value}", f"parameter {name} = {value}")
        extra_zh.append(p_zh)
        extra_en.append(p_en)
    zh = "；".join([zh, *extra_zh]) + "。"
    en = "; ".join([en, *extra_en])
    return zh, en[:1].upper() + en[1:] + "."
