"""The Chinese assessment-report shape, as plain data: 满分 / 得分 / 得分率, 扣分 reasons, sources, caveats.

Pure functions over an :class:`~indicators.IndexResult` (and, for sources and caveats, the
submission's ``source``/``quote``/``note`` columns and the sources table
``data/submissions/sources.csv``). No HTML here. Text comes in the report's language (``zh``:
bilingual, Chinese first; ``en``: English only).

满分 (full points) of an item is its weight in this district's index, in points of the index's
scale, after the methodology's unsubmitted rule: under ``redistribute`` an unsubmitted item has
no full points (its weight went to its siblings, whose full points grow); under ``zero`` it keeps
its nominal weight and scores 0. 得分 (points) is its contribution; 扣分 (points lost) = 满分 − 得分,
item by item.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators import IndexResult
from indicators.grading import UNSUBMITTED_LABEL

from ..errors import ReportDataError
from .content import bi, check_lang, check_row, format_value, realised_weights
from .store import district_peers
from .store import submission_notes as figure_notes

__all__ = [
    "SOURCES_FILE", "adjustments", "deductions", "figure_notes", "findings", "points_table", "read_sources",
    "source_entries",
]

SOURCES_FILE = Path(__file__).resolve().parents[2] / "data" / "submissions" / "sources.csv"
SOURCE_COLUMNS = ("id", "title_zh", "title_en", "publisher", "year", "url_or_note")
#: Gap to the peer median (score points) below which a difference is not called a strength or weakness.
SIGNIFICANT_GAP = 10.0


# ---------------------------------------------------------------------------------------------
# 满分 / 得分 / 得分率 and how each item was counted
# ---------------------------------------------------------------------------------------------
def _treatment(result: IndexResult, code: str, row: tuple, counted: bool, lang: str) -> str:
    src = str(result.indicator_source.at[row, code]) if code in result.indicator_source.columns else "excluded"
    if src.startswith(UNSUBMITTED_LABEL):
        return bi("未报送，按 0 分计", "not submitted: scored 0", lang)
    if src.startswith("missing figure "):
        return bi("未报送，不计分，权重由已报送指标分担", "not submitted: skipped, weight shared among submitted items",
                  lang)
    if src.startswith("not yet due"):
        return bi("未到考核年份，不计", "not yet due: not counted", lang)
    if src == "excluded":
        return bi("方法未采用", "excluded by the methodology", lang)
    if pd.isna(result.normalised.at[row, code]):
        return bi("缺失，不计分", "missing: not counted", lang)
    if not counted:
        return bi("有数据但未计入：所属维度数据不足", "has data but not counted: its dimension lacks data", lang)
    return bi("计分", "scored", lang)


def points_table(result: IndexResult, district: str, year: int, lang: str = "zh") -> pd.DataFrame:
    """Per dimension and indicator: 满分, 得分, 得分率 and how the item was counted.

    Columns: ``code``, ``kind``, ``name``, ``full_points`` (满分, points of the index's scale),
    ``points`` (得分 = contribution), ``rate`` (得分率 = 得分 / 满分; NaN without full points),
    ``counted`` (the item counts in the index), ``treatment`` (in words: scored, not submitted
    and scored 0, not submitted and skipped, not due, not counted because its dimension lacks
    data). Dimension rows add up their indicators. All points are NaN when the index is missing.
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw, row = result.framework, (district, year)
    index_missing = pd.isna(result.index[row])
    real = realised_weights(result, district, year)
    contrib = result.contributions.loc[row]
    records = []
    for dim in fw.children(fw.root):
        leaves = [c for c in fw.indicators if dim in fw.path(c)]
        dim_rows = []
        for code in leaves:
            active = code in result.normalised.columns
            full = float(real.get(code, 0.0)) * fw.scale if active else 0.0
            counted = active and full > 0 and not pd.isna(result.normalised.at[row, code])
            pts = float(contrib[code]) if counted and not pd.isna(contrib.get(code, np.nan)) else 0.0
            if index_missing:
                full = pts = np.nan
            dim_rows.append({
                "code": code, "kind": "indicator", "name": fw.nodes[code].zh if lang == "zh" else fw.nodes[code].en,
                "full_points": full, "points": pts,
                "counted": bool(counted and not index_missing),
                "treatment": _treatment(result, code, row, counted, lang),
            })
        full_d = sum(r["full_points"] for r in dim_rows)
        pts_d = sum(r["points"] for r in dim_rows)
        scored = dim in result.scores.columns and not pd.isna(result.scores.at[row, dim])
        records.append({
            "code": dim, "kind": "dimension", "name": fw.nodes[dim].zh if lang == "zh" else fw.nodes[dim].en,
            "full_points": full_d, "points": pts_d, "counted": bool(scored and not index_missing),
            "treatment": bi("计分", "scored", lang) if scored else bi("维度数据不足，不计分，权重由其他维度分担",
                                                                   "dimension lacks data: skipped, weight shared "
                                                                   "among the other dimensions", lang),
        })
        records.extend(dim_rows)
    out = pd.DataFrame.from_records(records)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = np.where(out["full_points"] > 0, out["points"] / out["full_points"], np.nan)
    return out[["code", "kind", "name", "full_points", "points", "rate", "counted", "treatment"]]


# ---------------------------------------------------------------------------------------------
# 扣分 reasons
# ---------------------------------------------------------------------------------------------
def _rule_text(spec: Mapping[str, Any] | None, node: Any, lang: str) -> tuple[str, float | None, str]:
    """(rule in words, target in natural units or None, unit of the shortfall) of an indicator."""
    unit = node.unit
    if spec:
        rule = spec.get("rule")
        if rule == "target_linear":
            t, z = float(spec["target"]), float(spec["zero_at"])
            return (bi(f"达到 {format_value(t, unit, 'zh')} 得满分，{format_value(z, unit, 'zh')} 不得分，其间线性",
                       f"full points at {format_value(t, unit, 'en')}, none at {format_value(z, unit, 'en')}, "
                       "linear in between", lang), t, unit)
        if rule == "linear":
            hi = float(spec["upper"]) if node.direction > 0 else float(spec["lower"])
            return (bi(f"在 {spec['lower']}–{spec['upper']} 之间线性赋分", f"linear between {spec['lower']} and "
                       f"{spec['upper']}", lang), hi, unit)
        if rule == "target_stepped":
            best = max(spec["steps"], key=lambda s: s[1])[0]
            return bi("按达成档次赋分", "stepped points by the band reached", lang), float(best), unit
        if rule == "deduction":
            basis = spec.get("basis")
            more = "少" if node.direction > 0 else "多"
            return (bi(f"每{more}一{'' if basis else '个单位'}扣 {spec['per_unit']} 分，"
                       f"累计不超过 {spec['cap']} 分（{basis or node.code}，标准 {spec['threshold']}）",
                       f"{spec['per_unit']} points off per unit {'short of' if node.direction > 0 else 'over'} "
                       f"{spec['threshold']} ({basis or node.code}), at most {spec['cap']}", lang),
                    float(spec["threshold"]), "")
        if rule == "all_or_nothing":
            t = float(spec["threshold"])
            return (bi(f"达到 {format_value(t, unit, 'zh')} 得满分，否则不得分（全扣全得）",
                       f"full points at {format_value(t, unit, 'en')}, otherwise none", lang), t, unit)
    if node.goalposts is not None:
        lo, hi = node.goalposts
        t = hi if node.direction > 0 else lo
        return (bi(f"阈值法：{format_value(t, unit, 'zh')} 得满分", f"goalposts: full points at "
                   f"{format_value(t, unit, 'en')}", lang), float(t), unit)
    return bi("按同年各区相对位置赋分", "scored relative to the year's districts", lang), None, unit


def deductions(result: IndexResult, district: str, year: int, lang: str = "zh",
               points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Item by item: why points were lost (扣分) — rule, target, value, shortfall, points lost.

    One row per indicator with full points (满分 > 0) or submitted late: ``code``, ``name``,
    ``rule`` (in words), ``target`` and ``value`` (natural units, formatted), ``shortfall`` (how far
    from the target, formatted; empty when met or not applicable), ``full_points``, ``points`` and
    ``lost`` = ``full_points − points`` — so for every item the points lost add up to 满分 − 得分,
    and over the index to the scale minus the index. An unsubmitted item under ``zero`` loses its
    whole weight with the reason "未报送". ``points``: :func:`points_table` of the same arguments,
    when the caller has it already (a report shows both).
    """
    check_lang(lang)
    pts = points_table(result, district, year, lang) if points is None else points
    fw, row = result.framework, (district, year)
    scoring = result.methodology.normalise.method == "scoring_rules"
    records = []
    for r in pts[pts["kind"] == "indicator"].itertuples(index=False):
        if not (r.full_points > 0):
            continue
        node = fw.nodes[r.code]
        src = str(result.indicator_source.at[row, r.code])
        value = result.indicators.at[row, r.code]
        if src.startswith(UNSUBMITTED_LABEL):
            rule, target, unit = bi("未报送不得分", "unsubmitted items score nothing", lang), None, node.unit
        else:
            rule, target, unit = _rule_text(node.scoring if scoring else None, node, lang)
        spec = node.scoring or {}
        basis = spec.get("basis") if scoring else None
        shown = result.figures.at[row, basis] if basis and basis in result.figures.columns else value
        short = ""
        if target is not None and not pd.isna(shown):
            gap = (target - float(shown)) if node.direction > 0 else (float(shown) - target)
            if gap > 1e-12:
                short = format_value(gap, unit, lang) if unit else f"{gap:g}"
        records.append({
            "code": r.code, "name": r.name, "rule": rule,
            "target": "" if target is None else (format_value(target, unit, lang) if unit else f"{target:g}"),
            "value": format_value(shown, unit if not basis else "", lang), "shortfall": short,
            "full_points": r.full_points, "points": r.points,
            "lost": 0.0 if abs(r.full_points - r.points) < 1e-9 else r.full_points - r.points,
        })
    return pd.DataFrame.from_records(records, columns=["code", "name", "rule", "target", "value", "shortfall",
                                                       "full_points", "points", "lost"])


# ---------------------------------------------------------------------------------------------
# sources, quotes and caveats
# ---------------------------------------------------------------------------------------------
@functools.cache
def _read_sources_file(path: str) -> pd.DataFrame:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in SOURCE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ReportDataError(f"{Path(path).name}: 缺少列 / missing column(s) {', '.join(missing)}; "
                                  f"expected {', '.join(SOURCE_COLUMNS)}")
        rows = list(reader)
    problems = [f"{Path(path).name} row {i + 2}: 'id' 为空 / empty id" for i, r in enumerate(rows) if not r["id"]]
    if problems:
        raise ReportDataError("; ".join(problems))
    return pd.DataFrame(rows, columns=list(SOURCE_COLUMNS)).set_index("id")


def read_sources(path: str | Path | None = None) -> pd.DataFrame:
    """The sources table (``id, title_zh, title_en, publisher, year, url_or_note``), indexed by id."""
    p = Path(path) if path is not None else SOURCES_FILE
    if not p.exists():
        return pd.DataFrame(columns=list(SOURCE_COLUMNS[1:]), index=pd.Index([], name="id"))
    return _read_sources_file(str(p))


def _figures_of(node: Any) -> list[str]:
    figs = list(node.formula.figures) if node.formula is not None else []
    if node.reported:
        figs.append(node.reported)
    return list(dict.fromkeys(figs))


def source_entries(result: IndexResult, district: str, year: int, notes: pd.DataFrame | None,
                   sources: pd.DataFrame | None = None, lang: str = "zh") -> dict[str, dict[str, Any]]:
    """Per indicator: its documents (title, quote) and caveats (lower bound, approximate, external year).

    Returns ``{code: {"docs": [text, ...], "caveats": [text, ...], "lower_bound": bool}}`` for the
    indicators that have any. A source id found in the sources table shows as the document's
    title; an unknown id is shown as written. External figures (population) name their source
    and year; one reused from an earlier year says so.
    """
    check_lang(lang)
    if notes is None or notes.empty:
        return {}
    sources = read_sources() if sources is None else sources
    fw = result.framework
    out: dict[str, dict[str, Any]] = {}
    for code in fw.indicators:
        docs, caveats, lower = [], [], False
        for fig in _figures_of(fw.nodes[code]):
            key = (district, year, fig)
            if key not in notes.index:
                continue
            n = notes.loc[key]
            sid = "" if pd.isna(n["source"]) else str(n["source"])
            if sid.startswith("synthetic:"):  # the banner says so once; no document to cite per figure
                continue
            if sid in sources.index:
                s = sources.loc[sid]
                title = bi(str(s["title_zh"]), str(s["title_en"]), lang)
            else:
                title = sid
            label = fw.figures[fig].zh if lang == "zh" else fw.figures[fig].en
            quote = "" if pd.isna(n["quote"]) else str(n["quote"])
            doc = f"{label}: {title}" + (f" —「{quote}」" if quote else "")
            if doc not in docs:
                docs.append(doc)
            note = "" if pd.isna(n["note"]) else str(n["note"])
            if note:
                caveats.append(f"{label}: {note}")
                lower |= "lower bound" in note or "下限" in note
        if docs or caveats:
            out[code] = {"docs": docs, "caveats": caveats, "lower_bound": lower}
    return out


# ---------------------------------------------------------------------------------------------
# findings: significant gaps only, caveated; follow-up of last year's weaknesses
# ---------------------------------------------------------------------------------------------
def _gaps(result: IndexResult, district: str, year: int) -> pd.Series:
    """Score minus the year's peer median (the district's peer group, else all), for the indicators that count."""
    fw = result.framework
    view = district_peers(result, district, year)
    if district not in view.scores.index:
        return pd.Series(dtype=float)
    row = view.scores.loc[district]
    # an indicator whose dimension is not scored does not count: it is neither a strength nor a weakness
    codes = [c for c in fw.indicators if c in view.scores.columns
             and all(pd.notna(row.get(a, np.nan)) for a in fw.path(c)[1:-1])]
    return (view.scores.loc[district, codes] - view.medians[codes]).dropna()


def findings(result: IndexResult, district: str, year: int, entries: Mapping[str, Mapping[str, Any]] | None = None,
             lang: str = "zh", gap: float = SIGNIFICANT_GAP) -> dict[str, list[str]]:
    """Strengths, weaknesses and last year's weaknesses followed up, chosen by the data.

    Only indicators at least ``gap`` score points above (strengths) or below (weaknesses) the
    year's peer median are named — as many as there are, none when there are none (no fixed
    "three above, three below"). A weakness whose figure is a lower bound says so: the true
    value may be higher, so it is not called a weakness without that caveat. ``follow_up`` lists
    last year's weaknesses (by the same rule) with the score then and now.
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw = result.framework
    entries = entries or {}
    view = district_peers(result, district, year)
    g = _gaps(result, district, year)
    out: dict[str, list[str]] = {"strengths": [], "weaknesses": [], "follow_up": []}
    for code, d in g.sort_values(ascending=False).items():
        node = fw.nodes[code]
        s = float(view.scores.at[district, code])
        med = float(view.medians[code])
        if d >= gap:
            out["strengths"].append(bi(f"{node.zh}得分 {s:.1f}，高于同级中位数 {med:.1f} 达 {d:.1f} 分。",
                                       f"{node.en} scores {s:.1f}, {d:.1f} points above the peer median {med:.1f}.",
                                       lang))
    for code, d in g.sort_values().items():
        if d > -gap:
            continue
        node = fw.nodes[code]
        s = float(view.scores.at[district, code])
        med = float(view.medians[code])
        zh = f"{node.zh}得分 {s:.1f}，低于同级中位数 {med:.1f} 达 {-d:.1f} 分。"
        en = f"{node.en} scores {s:.1f}, {-d:.1f} points below the peer median {med:.1f}."
        if entries.get(code, {}).get("lower_bound"):
            zh += "但报送数值为下限（如“230余场”），实际值可能更高，不能据此认定为短板。"
            en += " But the submitted figure is a lower bound (e.g. '230-odd'); the true value may be higher, " \
                  "so this is not established as a weakness."
        out["weaknesses"].append(bi(zh, en, lang))
    earlier = [y for y in result.years if y < year and (district, y) in result.index.index]
    if earlier:
        prev = max(earlier)
        pg = _gaps(result, district, prev)
        pview = district_peers(result, district, prev)
        for code, d in pg.sort_values().items():
            if d > -gap:
                continue
            node = fw.nodes[code]
            before = float(pview.scores.at[district, code])
            now = view.scores.at[district, code] if code in view.scores.columns else np.nan
            if pd.isna(now):
                zh, en = (f"{node.zh}：{prev}年 {before:.1f} 分，本年无得分（缺失）。",
                          f"{node.en}: {before:.1f} in {prev}, no score this year (missing).")
            else:
                now = float(now)
                verb_zh = "已改善" if now > before + 0.05 else ("未改善" if now < before - 0.05 else "持平")
                verb_en = "improved" if now > before + 0.05 else ("not improved" if now < before - 0.05
                                                                  else "unchanged")
                zh = f"{node.zh}：{prev}年 {before:.1f} 分（低于中位数 {-d:.1f} 分），本年 {now:.1f} 分，{verb_zh}。"
                en = f"{node.en}: {before:.1f} in {prev} ({-d:.1f} below the median), {now:.1f} now — {verb_en}."
            out["follow_up"].append(bi(zh, en, lang))
    return out



def unsubmitted_note(sensitivity: pd.DataFrame, district: str, year: int, lang: str = "zh") -> str:
    """One sentence on whether the unsubmitted rule decides this district-year's rank ("" when it has none).

    From :func:`indicators.unsubmitted.unsubmitted_sensitivity`: the number of unsubmitted items,
    the rank under the other option (every district), and the rank if only this district's items
    were counted the other way.
    """
    check_lang(lang)
    if (district, year) not in sensitivity.index:
        return ""
    r = sensitivity.loc[(district, year)]
    n = int(r["unsubmitted"])
    if n == 0:
        return ""
    zero = r["other_option"] == "zero"
    how_zh = "若未报送项按 0 分计" if zero else "若未报送项不计分、权重重新分配"
    how_en = "if unsubmitted items scored 0" if zero else "if unsubmitted items were skipped and their weight shared"
    if pd.isna(r["rank"]):
        return bi(f"未报送 {n} 项。", f"{n} item(s) not submitted.", lang)
    if not bool(r["decides"]):
        return bi(f"未报送 {n} 项；{how_zh}，排名不变（{int(r['rank'])}）。",
                  f"{n} item(s) not submitted; {how_en}, the rank would be the same ({int(r['rank'])}).", lang)
    own = "" if pd.isna(r["own_other_rank"]) else int(r["own_other_rank"])
    return bi(f"未报送 {n} 项，排名取决于未报送项的计分方式：现排名 {int(r['rank'])}，{how_zh}为 {int(r['other_rank'])}"
              f"（仅本区按此计分则为 {own}）。",
              f"{n} item(s) not submitted, and the rank depends on how they count: rank {int(r['rank'])} now, "
              f"{int(r['other_rank'])} {how_en} ({own} if only this district's items were counted so).", lang)


def rectification(result: IndexResult, district: str, year: int, lang: str = "zh") -> list[dict[str, str]]:
    """存在问题 and 整改建议 declared in the framework (``advice``), for the indicators whose data call for them.

    An indicator's advice applies when its ``when`` holds for this district-year: ``score_below``
    (it counts in the index and scores below the number) or ``below_peer_median``. Unscored
    items get none (a missing item is reported as missing, not as a problem). Each entry has
    ``code``, ``name``, ``score``, ``problem``, ``suggestion`` and ``unit`` (responsible unit) in
    the report's language.
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw = result.framework
    view = district_peers(result, district, year)
    gaps = _gaps(result, district, year)
    out = []
    for code in fw.indicators:
        advice = fw.nodes[code].advice
        if advice is None or code not in gaps.index:
            continue
        score = float(view.scores.at[district, code])
        if advice.when == "score_below":
            hit = score < float(advice.score_below)
        else:
            hit = gaps[code] < -0.05
        if not hit:
            continue
        node = fw.nodes[code]
        out.append({
            "code": code, "name": node.zh if lang == "zh" else node.en, "score": f"{score:.1f}",
            "problem": bi(*advice.problem, lang), "suggestion": bi(*advice.suggestion, lang),
            "unit": bi(*advice.unit, lang) if advice.unit[0] else "",
        })
    return out


# ---------------------------------------------------------------------------------------------
# 加分 (bonus) and 一票否决 (veto) items applied
# ---------------------------------------------------------------------------------------------
def _band(index: float, result: IndexResult) -> tuple[str, str] | None:
    """(zh, en) of the methodology's grade band an index falls in, before any veto (None: missing)."""
    if pd.isna(index):
        return None
    for band in result.methodology.grades:  # top-down, as the pipeline grades
        if index >= band.min - 1e-9:
            return band.zh, band.en
    return None


def _evidence(result: IndexResult, district: str, year: int, figure: str, notes: pd.DataFrame | None,
              sources: pd.DataFrame, lang: str) -> list[str]:
    """The figure's submitted value, its document (title) and quote, and its note."""
    fw = result.framework
    spec = fw.figures[figure]
    label = spec.zh if lang == "zh" else spec.en
    value = result.figures.at[(district, year), figure] if figure in result.figures.columns else np.nan
    lines = [f"{label}: {format_value(value, spec.unit or '', lang)}"]
    key = (district, year, figure)
    if notes is None or key not in notes.index:
        return lines
    n = notes.loc[key]
    sid = "" if pd.isna(n["source"]) else str(n["source"])
    if sid.startswith("synthetic:"):
        lines.append(bi("来源：合成数据", "source: synthetic data", lang))
    elif sid in sources.index:
        s = sources.loc[sid]
        lines.append(bi(f"来源：{s['title_zh']}", f"source: {s['title_en']}", lang))
    elif sid:
        lines.append(bi(f"来源：{sid}", f"source: {sid}", lang))
    if not pd.isna(n["quote"]) and str(n["quote"]):
        lines.append(f"「{n['quote']}」")
    if not pd.isna(n["note"]) and str(n["note"]):
        lines.append(str(n["note"]))
    return lines


def adjustments(result: IndexResult, district: str, year: int, notes: pd.DataFrame | None = None,
                sources: pd.DataFrame | None = None, lang: str = "zh") -> dict[str, Any]:
    """The framework's 加分 (bonus) and 一票否决 (veto) items applied to this district-year.

    Returns ``declared`` (whether the framework declares any item), ``items`` — one per applied
    item (a bonus giving points, a veto whose figure reached its threshold), each with ``kind``
    (``bonus``/``veto``), ``id``, ``name``, ``effect`` (points added, or the grade cap with the
    grade the index alone would give) and ``evidence`` (the figure's value, document and quote)
    — and ``bonus_total`` (points added to the index; the index never exceeds the scale). Text
    in the report's language. See :mod:`indicators.adjustments` for the rules.
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw, row = result.framework, (district, year)
    sources = read_sources() if sources is None else sources
    items: list[dict[str, Any]] = []
    total = 0.0
    bonus = result.explain.get("bonus")
    for b in fw.bonus:
        pts = float(bonus.at[row, b.id]) if isinstance(bonus, pd.DataFrame) and b.id in bonus.columns else 0.0
        if pts <= 0:
            continue
        total += pts
        rule_zh = (f"每项 {b.per_unit:g} 分" if b.per_unit is not None
                   else f"达到 {b.threshold:g} 即加 {b.points:g} 分")
        rule_en = (f"{b.per_unit:g} points each" if b.per_unit is not None
                   else f"{b.points:g} points at {b.threshold:g} or more")
        if b.max is not None:
            rule_zh += f"，最多 {b.max:g} 分"
            rule_en += f", at most {b.max:g}"
        items.append({"kind": "bonus", "id": b.id, "name": bi(b.zh, b.en, lang),
                      "effect": bi(f"加 {pts:.2f} 分（{rule_zh}）", f"+{pts:.2f} points ({rule_en})", lang),
                      "evidence": _evidence(result, district, year, b.figure, notes, sources, lang)})
    veto = result.explain.get("veto")
    before = _band(float(result.index[row]) if pd.notna(result.index[row]) else np.nan, result)
    bands = {g.zh: g for g in result.methodology.grades} | {g.en: g for g in result.methodology.grades}
    for v in fw.veto:
        hit = bool(veto.at[row, v.id]) if isinstance(veto, pd.DataFrame) and v.id in veto.columns else False
        if not hit:
            continue
        cap = bands.get(v.cap_grade)
        cap_zh, cap_en = (cap.zh, cap.en) if cap is not None else (v.cap_grade, v.cap_grade)
        was_zh, was_en = before if before is not None else ("–", "–")
        items.append({"kind": "veto", "id": v.id, "name": bi(v.zh, v.en, lang),
                      "effect": bi(f"一票否决：等次最高为“{cap_zh}”（按指数为“{was_zh}”）",
                                   f"veto: grade at most {cap_en} (the index alone gives {was_en})", lang),
                      "evidence": _evidence(result, district, year, v.figure, notes, sources, lang)})
    return {"declared": bool(fw.bonus or fw.veto), "items": items, "bonus_total": total}
