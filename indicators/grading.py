"""Grading rules for thin data, and how an unsubmitted item counts.

Two methodology steps (rows of the step table in :mod:`indicators.steps`):

``unsubmitted`` — what an indicator whose figures were not submitted (未报送) is worth:

- ``redistribute`` (default): it is skipped and its weight is shared among the present siblings
  (the OECD/JRC handbook's "case deletion within the aggregate"; what the index did before);
- ``zero``: it scores 0 points, as Chinese assessments usually treat 未报送 ("未报送的不得分"),
  so a missing dimension costs its full weight.

Only cells missing because a figure was not submitted (source ``missing figure <id>``) are
affected; an item not yet due, a zero denominator or a value the methodology could not score stay
missing under both options.

``grading`` — whether a district-year is graded (评定等次) at all:

- ``none`` (default): every district-year with an index gets a grade band;
- ``coverage``: a district-year is graded only if enough of the index rests on data it submitted:
  ``min_coverage`` of the indicators count in the index with a value, ``min_dimensions`` of the
  dimensions are scored from data, and every dimension has at least ``min_dimension_coverage`` of
  its indicators with data. Below the rule it is 不评定等次 / not graded (with the reason) and is
  not ranked; its index is still computed and shown.

References: framework brief, "未报送的不得分" and 不评定等次 practice of Chinese assessments;
OECD/JRC (2008) *Handbook on Constructing Composite Indicators*, Step 3 (missing data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .registry import Registry, number

__all__ = ["GRADING", "NOT_GRADED", "UNSUBMITTED", "UNSUBMITTED_LABEL", "is_unsubmitted", "unsubmitted_cells"]

UNSUBMITTED = Registry("unsubmitted rule", zh="未报送项计分", en="Unsubmitted items")
GRADING = Registry("grading rule", zh="评定等次规则", en="Grading rule")

#: The grade of a district-year below the grading rule.
NOT_GRADED = {"zh": "不评定等次", "en": "Not graded"}

#: Source label of an unsubmitted cell scored 0 (followed by the original reason).
UNSUBMITTED_LABEL = "unsubmitted: "


def is_unsubmitted(source: object) -> bool:
    """Whether a source label says the cell's figures were not submitted (either option)."""
    s = str(source)
    return s.startswith("missing figure ") or s.startswith(UNSUBMITTED_LABEL)


def unsubmitted_cells(source: pd.DataFrame) -> pd.DataFrame:
    """:func:`is_unsubmitted` of every cell of a source table, a column at a time (bool frame)."""
    def column(col: pd.Series) -> pd.Series:
        text = col.astype(str).str
        return text.startswith("missing figure ", na=False) | text.startswith(UNSUBMITTED_LABEL, na=False)

    return source.apply(column).astype(bool)


@UNSUBMITTED.register("redistribute", zh="未报送项不计，其权重在已报送的同级指标间重新分配",
                      en="Unsubmitted items are skipped; their weight is shared among the submitted ones")
def redistribute(normalised: pd.DataFrame, source: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave unsubmitted items missing (the aggregation rescales the weights of the others)."""
    return normalised, source


@UNSUBMITTED.register("zero", zh="未报送项按 0 分计", en="Unsubmitted items score 0 points")
def zero(normalised: pd.DataFrame, source: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every unsubmitted item 0; its source becomes ``unsubmitted: missing figure <id>``."""
    src = source.astype(object)
    hit = normalised.isna() & src.apply(lambda col: col.astype(str).str.startswith("missing figure "))
    return normalised.mask(hit, 0.0), src.mask(hit, UNSUBMITTED_LABEL + src.astype(str))


@GRADING.register("none", zh="所有有指数的区均评定等次", en="Every district-year with an index is graded")
def none(facts: pd.DataFrame) -> pd.DataFrame:
    """Grade every row that has an index."""
    return _verdict(facts, np.ones(len(facts), dtype=bool), [("", "")] * len(facts))


@GRADING.register(
    "coverage", zh="数据覆盖达到要求方评定等次", en="Graded only with enough submitted data",
    checks={"min_coverage": number(0, 1), "min_dimensions": number(0, 1), "min_dimension_coverage": number(0, 1)},
)
def coverage(facts: pd.DataFrame, *, min_coverage: float = 0.0, min_dimensions: float = 0.0,
             min_dimension_coverage: float = 0.0) -> pd.DataFrame:
    """Grade a row only if its counted indicators, scored dimensions and weakest dimension reach the rule.

    ``facts`` has, per row: ``indicators_used`` / ``indicators_total`` (indicators with submitted
    data that count in the index), ``dimensions_scored`` / ``dimensions_total`` (dimensions scored
    from submitted data) and ``weakest_dimension_coverage`` (the lowest share of a dimension's
    indicators with data, 0 for a dimension without any).
    """
    eps = 1e-12
    used = facts["indicators_used"] / facts["indicators_total"]
    dims = facts["dimensions_scored"] / facts["dimensions_total"]
    weakest = facts["weakest_dimension_coverage"]
    ok = np.ones(len(facts), dtype=bool)
    reasons = []
    for i in range(len(facts)):
        zh, en = [], []
        if used.iloc[i] < min_coverage - eps:
            ok[i] = False
            zh.append(f"计入指数的有数据指标 {int(facts['indicators_used'].iloc[i])}/"
                      f"{int(facts['indicators_total'].iloc[i])} 项，低于 {min_coverage:.0%}")
            en.append(f"{int(facts['indicators_used'].iloc[i])} of {int(facts['indicators_total'].iloc[i])} "
                      f"indicators with data count in the index, below {min_coverage:.0%}")
        if dims.iloc[i] < min_dimensions - eps:
            ok[i] = False
            zh.append(f"有数据的维度 {int(facts['dimensions_scored'].iloc[i])}/"
                      f"{int(facts['dimensions_total'].iloc[i])} 个，低于 {min_dimensions:.0%}")
            en.append(f"{int(facts['dimensions_scored'].iloc[i])} of {int(facts['dimensions_total'].iloc[i])} "
                      f"dimensions scored from data, below {min_dimensions:.0%}")
        if weakest.iloc[i] < min_dimension_coverage - eps:
            ok[i] = False
            zh.append(f"数据最少的维度仅 {weakest.iloc[i]:.0%} 的指标有数据，低于 {min_dimension_coverage:.0%}")
            en.append(f"the weakest dimension has data for {weakest.iloc[i]:.0%} of its indicators, "
                      f"below {min_dimension_coverage:.0%}")
        reasons.append(("；".join(zh), "; ".join(en)))
    return _verdict(facts, ok, reasons)


def _verdict(facts: pd.DataFrame, ok: np.ndarray, reasons: list[tuple[str, str]]) -> pd.DataFrame:
    has_index = facts["has_index"].to_numpy(dtype=bool)
    graded = ok & has_index
    zh = [("" if g else (f"不评定等次：{r[0]}。" if r[0] else "")) for g, r in zip(graded, reasons, strict=True)]
    en = [("" if g else (f"Not graded: {r[1]}." if r[1] else "")) for g, r in zip(graded, reasons, strict=True)]
    return pd.DataFrame({"graded": graded, "reason_zh": zh, "reason_en": en}, index=facts.index)


def grading_facts(fw, indicators: pd.DataFrame, source: pd.DataFrame, scores: pd.DataFrame,
                  index: pd.Series) -> pd.DataFrame:
    """What a grading rule looks at, per row: indicators with data counted, dimensions scored.

    An indicator is *used* when it has a submitted (or imputed) value and every aggregate above it
    is scored, so it actually counts in the index; an unsubmitted item scored 0 is counted in the
    index but is not data, so it is not *used*. A dimension is *scored* when it has a score and
    at least one used indicator.
    """
    codes = list(indicators.columns)
    unsub = source[codes].apply(lambda col: col.astype(str).str.startswith(UNSUBMITTED_LABEL))
    has_data = indicators[codes].notna() & ~unsub
    counted = has_data.copy()
    for code in codes:
        for node in fw.path(code)[1:-1]:  # the aggregates between the root and the indicator
            if node in scores.columns:
                counted[code] &= scores[node].notna()
    dims = list(fw.children(fw.root))
    dim_used, dim_share = {}, {}
    for d in dims:
        kids = [c for c in codes if d in fw.path(c)]
        dim_used[d] = counted[kids].any(axis=1) if kids else pd.Series(False, index=indicators.index)
        dim_share[d] = has_data[kids].mean(axis=1) if kids else pd.Series(0.0, index=indicators.index)
    used_dims = pd.DataFrame(dim_used)
    return pd.DataFrame({
        "indicators_used": counted.sum(axis=1).astype(int),
        "indicators_total": len(codes),
        "dimensions_scored": used_dims.sum(axis=1).astype(int),
        "dimensions_total": len(dims),
        "weakest_dimension_coverage": pd.DataFrame(dim_share).min(axis=1),
        "has_index": index.notna(),
    }, index=indicators.index)
