"""加分 (bonus) and 一票否决 (veto) items, and per-indicator 存在问题 / 整改建议 advice, declared in a framework.

Framework YAML::

    bonus:                       # 加分项: points added to the index (never above the scale)
      - {id: national_model, zh: 获评全国民主法治示范社区, en: National model community,
         figure: national_models, per_unit: 0.5, max: 2}        # 0.5 points each, at most 2
      - {id: innovation, zh: 改革创新经验被推广, en: Innovation adopted, figure: innovations,
         points: 1, threshold: 1}                             # 1 point when the figure is >= 1
    veto:                        # 一票否决项: the grade is capped
      - {id: major_incident, zh: 发生重大违法行政案件, en: Major unlawful administrative act,
         figure: major_incidents, threshold: 1, cap_grade: 不合格}

    nodes:
      - {code: D4.1, ..., advice: {when: {score_below: 60},
                                   problem: {zh: ..., en: ...}, suggestion: {zh: ..., en: ...},
                                   unit: {zh: 区司法局普法科, en: Publicity section}}}

A bonus item gives ``min(max, per_unit × figure)`` or, with ``points``, ``points`` when the figure
reaches ``threshold`` (default 1); an unreported figure gives no bonus. A veto item is triggered
when its figure reaches ``threshold`` (default 1) and caps the grade at ``cap_grade`` (a grade
band's Chinese or English name in the methodology). Advice is chosen by the data: ``when`` is
``{score_below: S}`` (the indicator scores below S) or ``below_peer_median``.

References: framework brief, "加分项" and "一票否决" in Chinese rule-of-law assessments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ADVICE_KEYS", "Advice", "BonusItem", "VetoItem", "apply_bonus", "apply_veto", "load_adjustments",
           "load_advice"]

_BONUS_KEYS = {"id", "zh", "en", "figure", "per_unit", "points", "threshold", "max"}
_VETO_KEYS = {"id", "zh", "en", "figure", "threshold", "cap_grade"}
ADVICE_KEYS = {"when", "problem", "suggestion", "unit"}
_META = {"__line__", "__keylines__"}  # line bookkeeping of the framework loader


@dataclass(frozen=True)
class BonusItem:
    """A 加分 item: ``per_unit`` points per unit of ``figure`` (at most ``max``), or ``points`` at ``threshold``."""

    id: str
    zh: str
    en: str
    figure: str
    per_unit: float | None = None
    points: float | None = None
    threshold: float = 1.0
    max: float | None = None


@dataclass(frozen=True)
class VetoItem:
    """A 一票否决 item: when ``figure`` reaches ``threshold``, the grade is at most ``cap_grade``."""

    id: str
    zh: str
    en: str
    figure: str
    cap_grade: str
    threshold: float = 1.0


@dataclass(frozen=True)
class Advice:
    """存在问题 / 整改建议 of an indicator, shown when ``when`` holds (bilingual, with the responsible unit)."""

    when: str
    score_below: float | None
    problem: tuple[str, str]
    suggestion: tuple[str, str]
    unit: tuple[str, str]


def _pair(value: Any, where: str, problems: list[str], required: bool = True) -> tuple[str, str]:
    if value is None and not required:
        return "", ""
    if not isinstance(value, Mapping) or not value.get("zh") or not value.get("en"):
        problems.append(f"{where}must give both zh and en, got {value!r}")
        return "", ""
    return str(value["zh"]), str(value["en"])


def _number(item: Mapping, key: str, where: str, problems: list[str], default: float | None = None) -> float | None:
    value = item.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        problems.append(f"{where}{key} must be a finite number, got {value!r}")
        return None
    return float(value)


def load_adjustments(data: Mapping, figures: Mapping, at, problems: list[str]
                     ) -> tuple[tuple[BonusItem, ...], tuple[VetoItem, ...]]:
    """Parse and check the framework's ``bonus`` and ``veto`` lists; problems name the line."""
    from .errors import did_you_mean

    bonus, veto, seen = [], [], set()
    for key, allowed in (("bonus", _BONUS_KEYS), ("veto", _VETO_KEYS)):
        items = data.get(key) or []
        if not isinstance(items, list):
            problems.append(f"{at(data)}'{key}' must be a list")
            continue
        for item in items:
            if not isinstance(item, Mapping):
                problems.append(f"{at(item)}each {key} item is a mapping, got {item!r}")
                continue
            where = at(item, f"{key} {item.get('id', '?')}")
            for k in sorted(set(item) - allowed - _META):
                problems.append(f"{where}unknown key {k!r}; allowed: {', '.join(sorted(allowed))}")
            for k in ("id", "zh", "en", "figure"):
                if not item.get(k):
                    problems.append(f"{where}missing {k!r}")
            if item.get("id") in seen:
                problems.append(f"{where}duplicate item id {item.get('id')!r}")
            seen.add(item.get("id"))
            fig = item.get("figure")
            if fig and fig not in figures:
                problems.append(f"{where}figure {fig!r} is not a declared figure{did_you_mean(str(fig), figures)}")
            threshold = _number(item, "threshold", where, problems, 1.0)
            common = dict(id=str(item.get("id", "")), zh=str(item.get("zh", "")), en=str(item.get("en", "")),
                          figure=str(fig or ""))
            if key == "bonus":
                per_unit = _number(item, "per_unit", where, problems)
                points = _number(item, "points", where, problems)
                cap = _number(item, "max", where, problems)
                if (per_unit is None) == (points is None):
                    problems.append(f"{where}give exactly one of 'per_unit' (points per unit) "
                                    "or 'points' (at threshold)")
                for name, v in (("per_unit", per_unit), ("points", points), ("max", cap)):
                    if v is not None and v < 0:
                        problems.append(f"{where}{name} must be >= 0, got {v:g}")
                bonus.append(BonusItem(**common, per_unit=per_unit, points=points,
                                       threshold=threshold if threshold is not None else 1.0, max=cap))
            else:
                if not item.get("cap_grade"):
                    problems.append(f"{where}missing 'cap_grade' (the highest grade a vetoed district can get)")
                veto.append(VetoItem(**common, cap_grade=str(item.get("cap_grade", "")),
                                     threshold=threshold if threshold is not None else 1.0))
    return tuple(bonus), tuple(veto)


def load_advice(item: Any, where: str, problems: list[str]) -> Advice | None:
    """Parse a node's ``advice`` mapping (unknown keys are errors with the line)."""
    if item is None:
        return None
    if not isinstance(item, Mapping):
        problems.append(f"{where}advice is a mapping {{when, problem, suggestion, unit}}, got {item!r}")
        return None
    for k in sorted(set(item) - ADVICE_KEYS - _META):
        problems.append(f"{where}advice: unknown key {k!r}; allowed: {', '.join(sorted(ADVICE_KEYS))}")
    when, below = item.get("when", "below_peer_median"), None
    if isinstance(when, Mapping):
        extra = set(when) - {"score_below"} - _META
        below = _number(when, "score_below", f"{where}advice.when: ", problems)
        if extra or below is None:
            problems.append(f"{where}advice.when is 'below_peer_median' or {{score_below: number}}, got {dict(when)!r}")
        when = "score_below"
    elif when != "below_peer_median":
        problems.append(f"{where}advice.when is 'below_peer_median' or {{score_below: number}}, got {when!r}")
    return Advice(str(when), below, _pair(item.get("problem"), f"{where}advice.problem ", problems),
                  _pair(item.get("suggestion"), f"{where}advice.suggestion ", problems),
                  _pair(item.get("unit"), f"{where}advice.unit ", problems, required=False))


def apply_bonus(index: pd.Series, figures: pd.DataFrame, items: tuple[BonusItem, ...], scale: float
                ) -> tuple[pd.Series, pd.DataFrame]:
    """Index plus every bonus item's points (each at most its ``max``), never above ``scale``.

    Returns the new index and the points per row and item (0 where the figure is unreported or
    the index is missing).
    """
    table = {}
    for b in items:
        x = figures[b.figure].reindex(index.index).to_numpy(dtype=float) if b.figure in figures else \
            np.full(len(index), np.nan)
        if b.per_unit is not None:
            pts = np.where(np.isnan(x), 0.0, np.maximum(x, 0.0) * b.per_unit)
        else:
            pts = np.where(~np.isnan(x) & (x >= b.threshold - 1e-12), float(b.points), 0.0)
        if b.max is not None:
            pts = np.minimum(pts, b.max)
        table[b.id] = np.where(index.isna(), 0.0, pts)
    points = pd.DataFrame(table, index=index.index, dtype=float)
    total = points.sum(axis=1) if items else pd.Series(0.0, index=index.index)
    return np.minimum(index + total, scale).where(index.notna()), points


def apply_veto(grades: pd.DataFrame, graded: np.ndarray, figures: pd.DataFrame, items: tuple[VetoItem, ...],
               bands: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cap the grade of every graded row whose veto figure reaches its threshold.

    ``bands`` are the methodology's grade bands, top-down; ``cap_grade`` names one (zh or en).
    Returns the new grades and a boolean table of triggered items per row.
    """
    out = grades.copy()
    order = {b.zh: i for i, b in enumerate(bands)} | {b.en: i for i, b in enumerate(bands)}
    position = out["zh"].map(lambda z: order.get(z, -1)).to_numpy()
    hits = {}
    for v in items:
        x = figures[v.figure].reindex(out.index).to_numpy(dtype=float) if v.figure in figures else \
            np.full(len(out), np.nan)
        hit = ~np.isnan(x) & (x >= v.threshold - 1e-12) & graded
        hits[v.id] = hit
        cap = order[v.cap_grade]
        lower = hit & (position >= 0) & (position < cap)  # a better band than the cap
        out.loc[lower, "zh"], out.loc[lower, "en"] = bands[cap].zh, bands[cap].en
        position = np.where(lower, cap, position)
    return out, pd.DataFrame(hits, index=out.index, dtype=bool)
