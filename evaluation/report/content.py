"""What a district report says, as plain data: headline, scorecard, strengths, methodology note.

Pure functions over an :class:`~indicators.IndexResult`; no HTML (:mod:`evaluation.report.html`)
and no plots (:mod:`evaluation.report.charts`). Every text comes in the report's language: ``lang="zh"``
(the default) gives bilingual text, Chinese first ("缺失 / missing"); ``lang="en"`` English only.
Missing data is shown as missing with its reason, never as 0.

The results themselves are loaded and cached by :mod:`evaluation.report.store`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators import (
    Framework,
    IndexResult,
)

from ..errors import ReportDataError
from ..fileio import atomic_write_text, file_stem
from .store import district_peers, group_of, peer_view

LANGS = ("zh", "en")
MISSING = {"zh": "缺失", "en": "missing"}

__all__ = [
    "LANGS", "bi", "check_lang", "check_row", "check_year", "district_names", "district_summary", "format_score",
    "format_value", "methodology_note", "peer_text", "peer_words", "realised_weights", "safe_name", "scorecard",
    "sidecar_record",
    "source_text", "strengths_weaknesses", "unit_text", "write_sidecar",
]


# ---------------------------------------------------------------------------------------------
# language helpers
# ---------------------------------------------------------------------------------------------
def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a report language, else raise :class:`ReportDataError`."""
    if lang not in LANGS:
        raise ReportDataError(f"lang must be one of {', '.join(LANGS)} (zh = bilingual, Chinese first); "
                              f"got {lang!r}")
    return lang


def bi(zh: str, en: str, lang: str) -> str:
    """Text in the report's language: ``"zh / en"`` for ``zh``, ``en`` alone for ``en``."""
    return f"{zh} / {en}" if lang == "zh" else en


def district_names(result: IndexResult, district: str) -> tuple[str, str]:
    """(Chinese, English) names of a district from its ``district_name`` ("静安区 / Jing'an District").

    A name without " / " is used for both languages; a district without a name uses its id.
    """
    name = result.districts["district_name"].get(district) if district in result.districts.index else None
    if name is None or (isinstance(name, float) and math.isnan(name)) or not str(name).strip():
        return district, district
    text = str(name)
    if " / " in text:
        zh, en = text.split(" / ", 1)
        return zh.strip(), en.strip()
    return text, text


def check_year(result: IndexResult, year: int) -> int:
    """``year`` as an int if the result has it, else raise :class:`ReportDataError` listing the years."""
    if not isinstance(year, int | np.integer) or isinstance(year, bool):
        raise ReportDataError(f"year must be an integer, got {year!r}")
    years = result.years
    if int(year) not in years:
        raise ReportDataError(f"year {year} is not in the result; years: {', '.join(map(str, years))}")
    return int(year)


def check_row(result: IndexResult, district: str, year: int) -> tuple[str, int]:
    """(district, year) if the district has figures that year, else raise :class:`ReportDataError`."""
    year = check_year(result, year)
    if (district, year) not in result.index.index:
        screen = result.explain.get("screen")
        if isinstance(screen, pd.DataFrame) and (district, year) in screen.index and "included" in screen:
            row = screen.loc[(district, year)]
            if not bool(row["included"]):
                share = row.get("data_availability", float("nan"))
                raise ReportDataError(
                    f"district {district!r} {year} was screened out by methodology {result.methodology.name!r} "
                    f"(screen {result.methodology.screen.method!r}, data availability {share:.0%}); "
                    "it has no scores to report")
        have = sorted(result.index.xs(year, level="year").index)
        shown = ", ".join(have[:20]) + (" …" if len(have) > 20 else "")
        raise ReportDataError(f"district {district!r} has no figures for {year}; districts that year: {shown}")
    return district, year


def _num(x: Any) -> float | None:
    """A plain float, or None for NaN/NA."""
    if x is None or x is pd.NA:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _int(x: Any) -> int | None:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return None
    return int(x)


# ---------------------------------------------------------------------------------------------
# headline
# ---------------------------------------------------------------------------------------------
def district_summary(result: IndexResult, district: str, year: int) -> dict[str, Any]:
    """The headline of a district-year: index, grade, rank of N, change, coverage.

    ``index_change`` and ``rank_change`` compare with the district's latest earlier year that has
    an index (``prev_year``); all three are None when there is none. ``rank_change`` counts places
    gained (previous rank − rank: positive = moved up). ``index_missing_reason`` explains a missing
    index (bilingual pair), else None. Values are plain Python types (JSON-ready).
    """
    district, year = check_row(result, district, year)
    row = (district, year)
    index = _num(result.index[row])
    rank = _int(result.ranks[row])
    year_ranks = result.ranks.xs(year, level="year")
    cov = result.coverage.loc[row]
    grade_zh = result.grades.loc[row, "zh"]
    grade_en = result.grades.loc[row, "en"]

    hist = result.index.xs(district, level="district")
    earlier = hist[(hist.index < year) & hist.notna()]
    prev_year = int(earlier.index.max()) if len(earlier) else None
    prev_index = _num(earlier[prev_year]) if prev_year is not None else None
    prev_rank = _int(result.ranks[(district, prev_year)]) if prev_year is not None else None

    zh, en = district_names(result, district)
    fw = result.framework
    dims = [c for c in fw.children(fw.root) if c in result.scores.columns]
    dim_scores = result.scores.loc[row, dims]
    return {
        "district": district, "year": year, "name_zh": zh, "name_en": en,
        "index": index, "rank": rank, "n_ranked": int(year_ranks.notna().sum()),
        "n_districts": int(len(year_ranks)),
        "grade_zh": None if pd.isna(grade_zh) else str(grade_zh),
        "grade_en": None if pd.isna(grade_en) else str(grade_en),
        "prev_year": prev_year, "prev_index": prev_index, "prev_rank": prev_rank,
        "index_change": None if prev_index is None or index is None else index - prev_index,
        "rank_change": None if prev_rank is None or rank is None else prev_rank - rank,
        "coverage": float(cov["coverage"]), "weighted_coverage": float(cov["weighted_coverage"]),
        "indicators_present": int(cov["indicators_present"]), "indicators_total": int(cov["indicators_total"]),
        "dimensions_present": int(dim_scores.notna().sum()), "dimensions_total": len(dims),
        "index_missing_reason": None if index is not None else _index_missing_reason(result, row, dims),
        **_grading_summary(result, row, year),
    }


def _grading_summary(result: IndexResult, row: tuple, year: int) -> dict[str, Any]:
    """Whether the row is graded (and why not), indicators counted, the unsubmitted option, the peer group."""
    g = result.grading
    graded = True if g is None else bool(g.at[row, "graded"])
    used = int(result.coverage.at[row, "indicators_present"]) if g is None else int(g.at[row, "indicators_used"])
    district = row[0]
    group = group_of(result, district)
    group_rank = n_group = None
    if group and pd.notna(result.ranks[row]):
        year_index = result.index.xs(year, level="year").where(result.ranks.xs(year, level="year").notna())
        members = peer_view(result, year, group).scores.index
        peers = year_index[year_index.index.isin(members)].dropna()
        group_rank = 1 + int((peers > result.index[row] + 1e-9).sum())
        n_group = int(len(peers))
    return {
        "graded": graded,
        "grade_reason_zh": "" if g is None else str(g.at[row, "reason_zh"]),
        "grade_reason_en": "" if g is None else str(g.at[row, "reason_en"]),
        "indicators_used": used,
        "unsubmitted_option": result.methodology.unsubmitted.method,
        "group": group, "group_rank": group_rank, "n_group": n_group,
        "n_peers": int(len(peer_view(result, year, group).scores)),
    }


def peer_words(summary: Mapping[str, Any]) -> tuple[str, str]:
    """(zh, en): who the district is compared with — its peer group, named, or without one every district.

    From :func:`district_summary` (``group``, ``n_peers``): "同级为同组（city_a）的 6 个区" / "Peers:
    the 6 districts of peer group city_a", or that the district has no group and is compared with all.
    """
    n, group = summary.get("n_peers"), summary.get("group") or ""
    zh_n, en_n = ("", "") if n is None else (f" {n} 个", f" {n}")
    if group:
        return f"同级为同组（{group}）的{zh_n}区", f"Peers: the{en_n} districts of peer group {group}"
    return (f"本区未分组，与当年全部{zh_n}区比较",
            f"This district has no peer group: it is compared with all{en_n} districts of the year")


def peer_text(summary: Mapping[str, Any], lang: str = "zh") -> str:
    """:func:`peer_words` in the report's language."""
    return bi(*peer_words(summary), lang)


def _policy_text(result: IndexResult, level: int) -> tuple[str, str]:
    step = result.methodology.missing_levels.get(level, result.methodology.missing)
    if step.method == "skip":
        share = float(step.params.get("min_coverage", 0.0))
        by = step.params.get("by", "count")
        by_zh, by_en = ("按个数", "by count") if by == "count" else ("按权重", "by weight")
        return (f"下级指标有数据的比例不低于 {share:.0%}（{by_zh}）",
                f"at least {share:.0%} of its components with data ({by_en})")
    if step.method == "strict":
        return "全部下级指标均有数据", "every component with data"
    return step.method, step.method


def _index_missing_reason(result: IndexResult, row: tuple, dims: list[str]) -> dict[str, str]:
    cov = result.coverage.loc[row]
    n_dims = int(result.scores.loc[row, dims].notna().sum())
    p_zh, p_en = _policy_text(result, result.framework.max_level)
    return {
        "zh": (f"数据覆盖不足，无法计算指数：{int(cov['indicators_present'])}/{int(cov['indicators_total'])} "
               f"项指标有数据，{n_dims}/{len(dims)} 个维度可计算；指数要求{p_zh}。"),
        "en": (f"Not enough data to compute the index: {int(cov['indicators_present'])} of "
               f"{int(cov['indicators_total'])} indicators have data and {n_dims} of {len(dims)} "
               f"dimensions can be scored; the index needs {p_en}."),
    }


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------
_UNIT_EN = {"件": "cases", "人": "persons", "人次": "visits", "场": "events", "个": "units",
            "宗": "files", "万人": "10,000 residents", "%": "%"}


def unit_text(unit: str, lang: str) -> str:
    """A unit for display: as written for ``zh``; translated part by part for ``en`` (件/万人 →
    cases/10,000 residents), parts without a translation kept as written."""
    if lang == "zh" or not unit:
        return unit
    return "/".join(_UNIT_EN.get(part, part) for part in unit.split("/"))


def _is_rate(unit: str) -> bool:
    return unit.strip() == "%"


def _is_per10k(unit: str) -> bool:
    return "万人" in unit


def format_value(value: Any, unit: str, lang: str = "zh") -> str:
    """A natural-units value for display, by unit.

    Rates (unit ``%``, stored as fractions) as percentages with one decimal (two when one would
    round a non-100 % rate to 100.0 % or a non-zero rate to 0.0 %); per-10,000 values with two
    decimals below 10 and one above; counts with thousands separators. Missing → "缺失 / missing".
    """
    v = _num(value)
    if v is None:
        return bi(MISSING["zh"], MISSING["en"], lang)
    if _is_rate(unit):
        pct = v * 100
        text = f"{pct:,.1f}"
        if (text == "100.0" and pct != 100) or (text in ("0.0", "-0.0") and pct != 0):
            text = f"{pct:,.2f}"
        return f"{text}%"
    if _is_per10k(unit):
        return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}"
    if float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def format_score(value: Any, lang: str = "zh", digits: int = 1) -> str:
    """A 0–100 score (or points) with ``digits`` decimals; missing → "缺失 / missing"."""
    v = _num(value)
    if v is None:
        return bi(MISSING["zh"], MISSING["en"], lang)
    return f"{v:.{digits}f}"


def source_text(source: Any, framework: Framework, lang: str = "zh") -> str:
    """Where an indicator's value came from, or why it is missing, in words.

    Knows the library's labels: ``counts``, ``reported``, ``imputed:<method>``, ``excluded``,
    ``missing figure <id>``, ``zero denominator``, ``constant within year``, ``only one district
    with data in the year``, ``not yet due (due Y)``;
    any other label is shown as written after "缺失 / missing".
    """
    s = "" if source is None or (isinstance(source, float) and math.isnan(source)) else str(source)
    if s == "counts":
        return bi("按填报数计算", "computed from counts", lang)
    if s == "reported":
        return bi("采用报告比率", "reported rate", lang)
    if s.startswith("imputed:"):
        method = s.split(":", 1)[1]
        return bi(f"插补（{_IMPUTE_ZH.get(method, method)}）", f"imputed ({method})", lang)
    if s == "not scored":
        return bi("缺失：未能评分", "missing: not scored", lang)
    if s == "excluded":
        return bi("方法未采用", "excluded by the methodology", lang)
    if s.startswith("unsubmitted: missing figure "):
        fid = s[len("unsubmitted: missing figure "):]
        spec = framework.figures.get(fid)
        fzh, fen = (spec.zh, spec.en) if spec else (fid, fid)
        return bi(f"未报送“{fzh}”，按 0 分计", f"not submitted ({fen}): scored 0", lang)
    if s.startswith("missing figure "):
        fid = s[len("missing figure "):]
        spec = framework.figures.get(fid)
        fzh, fen = (spec.zh, spec.en) if spec else (fid, fid)
        return bi(f"缺失：未填报“{fzh}”", f"missing: {fen} not submitted", lang)
    if s == "zero denominator":
        return bi("缺失：分母为零", "missing: zero denominator", lang)
    if s == "constant within year":
        return bi("缺失：当年各区数值相同，无法标准化", "missing: constant within the year", lang)
    if s == "only one district with data in the year":
        return bi("缺失：当年仅一个区有数据，无法按年内分布评分",
                  "missing: only one district with data that year", lang)
    if s.startswith("not yet due"):
        due = "".join(ch for ch in s if ch.isdigit())
        return bi(f"未到考核年份（{due}年起）", f"not yet due (from {due})", lang)
    return bi(f"缺失：{s}", f"missing: {s}", lang) if s else bi(MISSING["zh"], MISSING["en"], lang)


# ---------------------------------------------------------------------------------------------
# scorecard
# ---------------------------------------------------------------------------------------------
SCORECARD_COLUMNS = (
    "code", "kind", "depth", "dimension", "name", "unit", "value", "value_text", "source",
    "source_text", "score", "peer_median", "peer_value_median", "peer_value_median_text",
    "rank", "n_ranked", "rank_all", "n_all", "contribution", "weight", "realised_weight",
)


def _tree(fw: Framework) -> list[tuple[str, int]]:
    """(code, depth) of every node below the root, pre-order (a dimension, then its indicators)."""
    out: list[tuple[str, int]] = []
    stack = [(c, 1) for c in reversed(fw.children(fw.root))]
    while stack:
        code, depth = stack.pop()
        out.append((code, depth))
        stack.extend((c, depth + 1) for c in reversed(fw.children(code)))
    return out


def realised_weights(result: IndexResult, district: str, year: int) -> pd.Series:
    """Each indicator's weight in this district-year's index, after missing data is shared out.

    Aggregation skips a missing component and rescales its siblings' weights over those present
    (an aggregate the missing-data rule leaves unscored counts as missing too), so an
    indicator's weight in one district's index is the product, along its path, of its
    within-parent weight over the present siblings. Missing indicators get 0; all are 0 when
    the index is missing. For arithmetic means, contribution = realised weight × score.
    """
    district, year = check_row(result, district, year)
    fw, row = result.framework, (district, year)
    present = result.normalised.loc[row].notna().to_dict()
    present.update(result.scores.loc[row].notna().to_dict())
    w = result.weights
    out = dict.fromkeys(fw.indicators, 0.0)

    def walk(node: str, share: float) -> None:
        kids = [k for k in fw.children(node) if k in w.index and present.get(k, False)]
        total = float(sum(w[k] for k in kids))
        for k in kids:
            part = share * float(w[k]) / total if total > 0 else 0.0
            if fw.nodes[k].is_indicator:
                out[k] = part
            else:
                walk(k, part)

    if present.get(fw.root, False):
        walk(fw.root, 1.0)
    return pd.Series(out, dtype=float, name="realised_weight")


def _leaves(fw: Framework, code: str) -> list[str]:
    """Indicators below ``code`` in file order."""
    return [c for c in fw.indicators if code in fw.path(c)]


def scorecard(result: IndexResult, district: str, year: int, lang: str = "zh") -> pd.DataFrame:
    """One row per dimension and indicator, in tree order, with peers' statistics.

    Columns: ``code``, ``kind`` (dimension / aggregate / indicator), ``depth`` (1 = dimension),
    ``dimension``, ``name`` and ``unit`` in ``lang``, ``value`` (natural units, before imputation;
    NaN when missing) and ``value_text`` (formatted, "缺失 / missing" when missing), ``source``
    (the library's label) and ``source_text`` (in words, with the reason when missing; for an
    aggregate, how many of its indicators have data), ``score`` (0–100), ``peer_median`` (median
    score that year over the district's peers with a score: its peer group
    (:func:`evaluation.report.store.district_peers`), or every district when it has none),
    ``peer_value_median`` (+ ``_text``, natural units), ``rank`` among the ``n_ranked`` peers
    with a score (1 = best, ties share the best rank), ``rank_all`` among the ``n_all``
    districts of the year with a score, ``contribution`` (points of the index; NaN when the index
    or the score is missing),
    ``weight`` (the framework's nominal weight in the index, in points) and ``realised_weight``
    (its weight in this district's index after missing components' weight is shared out, in
    points — the contribution at a score of 100; NaN when the index is missing).
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw = result.framework
    view = district_peers(result, district, year)
    every = peer_view(result, year)
    row = (district, year)
    index_missing = pd.isna(result.index[row])
    # plain dicts of this row: label lookups in a loop over a MultiIndex frame are slow
    values = result.indicators.loc[row].to_dict()
    sources = result.indicator_source.loc[row].to_dict()
    contrib = result.contributions.loc[row].to_dict()
    scores = view.scores.loc[district].to_dict()
    ranks = view.ranks.loc[district].to_dict()
    ranks_all, counts_all = every.ranks.loc[district].to_dict(), every.counts.to_dict()
    medians, value_medians, counts = view.medians.to_dict(), view.value_medians.to_dict(), view.counts.to_dict()
    eff = result.effective_weights.to_dict()
    real = realised_weights(result, district, year).to_dict()
    records = []
    for code, depth in _tree(fw):
        node = fw.nodes[code]
        score = scores.get(code, np.nan)
        if node.is_indicator:
            kind = "indicator"
            if code in values:
                value, source = values[code], sources[code]
                if pd.notna(value) and pd.isna(score) and source in ("counts", "reported"):
                    source = "not scored"
            else:
                value, source = np.nan, "excluded"
            src_text = source_text(source, fw, lang)
            peer_value = value_medians.get(code, np.nan)
            nominal, realised = eff.get(code, np.nan), real.get(code, np.nan)
            # an item whose dimension (or any aggregate above it) is not scored does not count
            counted = all(pd.notna(scores.get(a, np.nan)) for a in fw.path(code)[1:-1])
            points = np.nan if index_missing or pd.isna(score) or not counted else contrib.get(code, np.nan)
            if pd.notna(score) and not counted:
                src_text += " " + bi("（未计入指数：所属维度数据不足）",
                                     "(not counted: its dimension lacks data)", lang)
            elif (str(source).startswith("missing figure ")
                  and result.methodology.unsubmitted.method == "redistribute"):
                src_text += " " + bi("（未报送，不计分，权重由已报送指标分担）",
                                     "(not submitted: skipped, its weight shared among the submitted items)", lang)
            unit = node.unit
            value_text, peer_vtext = format_value(value, unit, lang), format_value(peer_value, unit, lang)
        else:
            kind = "dimension" if depth == 1 else "aggregate"
            active = [c for c in _leaves(fw, code) if c in values]
            n_present = sum(1 for c in active if pd.notna(values[c]))
            value, source, peer_value, unit, value_text, peer_vtext = np.nan, "", np.nan, "", "", ""
            src_text = bi(f"{n_present}/{len(active)} 项指标有数据",
                          f"{n_present} of {len(active)} indicators with data", lang)
            nominal, realised = sum(eff[c] for c in active), sum(real[c] for c in active)
            points = np.nan if index_missing or pd.isna(score) else sum(
                contrib[c] for c in active if pd.notna(contrib[c]))
        rank, rank_all = ranks.get(code, np.nan), ranks_all.get(code, np.nan)
        records.append({
            "code": code, "kind": kind, "depth": depth, "dimension": fw.dimension_of(code),
            "name": node.zh if lang == "zh" else node.en, "unit": unit_text(unit, lang),
            "value": float(value), "value_text": value_text, "source": source, "source_text": src_text,
            "score": float(score), "peer_median": float(medians.get(code, np.nan)),
            "peer_value_median": float(peer_value), "peer_value_median_text": peer_vtext,
            "rank": None if pd.isna(rank) else int(rank), "n_ranked": int(counts.get(code, 0)),
            "rank_all": None if pd.isna(rank_all) else int(rank_all), "n_all": int(counts_all.get(code, 0)),
            "contribution": float(points), "weight": float(nominal) * fw.scale,
            "realised_weight": np.nan if index_missing else float(realised) * fw.scale,
        })
    out = pd.DataFrame.from_records(records, columns=list(SCORECARD_COLUMNS))
    out["rank"] = out["rank"].astype("Int64")
    out["rank_all"] = out["rank_all"].astype("Int64")
    return out


# ---------------------------------------------------------------------------------------------
# strengths and weaknesses
# ---------------------------------------------------------------------------------------------
def _sentence(name_zh: str, name_en: str, score: float, gap: float, rank: int, n: int, lang: str) -> str:
    if round(gap, 1) == 0:
        zh = f"{name_zh}得分 {score:.1f}，与同级中位数持平（排名 {rank}/{n}）。"
        en = f"{name_en} scores {score:.1f}, level with the peer median (rank {rank} of {n})."
    else:
        zh_dir, en_dir = ("高于", "above") if gap > 0 else ("低于", "below")
        zh = f"{name_zh}得分 {score:.1f}，{zh_dir}同级中位数 {abs(gap):.1f} 分（排名 {rank}/{n}）。"
        en = f"{name_en} scores {score:.1f}, {abs(gap):.1f} points {en_dir} the peer median (rank {rank} of {n})."
    return bi(zh, en, lang)


def strengths_weaknesses(
    result: IndexResult, district: str, year: int, n: int = 3, lang: str = "zh"
) -> dict[str, list[str]]:
    """Top and bottom indicators relative to peers, as generated sentences.

    Only indicators the district has a score for are considered. The gap is the score minus that
    year's peer median; ``strengths`` are the up to ``n`` largest positive gaps (at least 0.05
    points), ``weaknesses`` the up to ``n`` largest negative ones; ties go to the indicator with
    the larger weight, then file order. Each sentence reads like "行政复议结案率得分 92.0，高于同级
    中位数 15.3 分（排名 2/16）。 / Reconsideration closure rate scores 92.0, 15.3 points above the
    peer median (rank 2 of 16)."
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    if not isinstance(n, int) or n < 0:
        raise ReportDataError(f"n must be a non-negative integer, got {n!r}")
    fw = result.framework
    view = district_peers(result, district, year)
    codes = [c for c in fw.indicators if c in view.scores.columns]
    score = view.scores.loc[district, codes]
    gap = (score - view.medians[codes]).dropna()
    table = pd.DataFrame({
        "gap": gap, "key": gap.round(9),  # float noise must not break ties (25 vs 24.999999999999996)
        "weight": result.effective_weights.reindex(gap.index), "order": [codes.index(c) for c in gap.index],
    })

    def pick(mask: pd.Series, ascending: bool) -> list[str]:
        rows = table[mask].sort_values(["key", "weight", "order"], ascending=[ascending, False, True]).head(n)
        return [
            _sentence(fw.nodes[c].zh, fw.nodes[c].en, float(score[c]), float(rows.at[c, "gap"]),
                      int(view.ranks.at[district, c]), int(view.counts[c]), lang)
            for c in rows.index
        ]

    return {"strengths": pick(table["gap"] >= 0.05, False), "weaknesses": pick(table["gap"] <= -0.05, True)}


# ---------------------------------------------------------------------------------------------
# methodology note
# ---------------------------------------------------------------------------------------------
_IMPUTE_ZH = {"none": "不插补", "mean": "当年均值", "group_mean": "同组当年均值", "last_year": "沿用上年值"}


def _step_entry(kind: Any, step: Any, scope: str = "") -> dict[str, Any]:
    method = kind.registry.get(step.method)
    summary = method.summary.replace("``", "")
    zh = method.label_zh
    params = {str(k): v for k, v in step.params.items()}
    if params:
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        zh += f"（{shown}）"
        summary += f" ({shown})"
    return {"step": kind.key, "scope": scope, "label_zh": kind.zh, "label_en": kind.en,
            "method": step.method, "params": params, "text_zh": zh, "text_en": summary}


def methodology_note(result: IndexResult) -> dict[str, Any]:
    """What a reader needs to reproduce the numbers: framework, methodology, inputs, package.

    Returns framework id, version, names and content hash; methodology name, description and
    content hash; one entry per step (denomination and screening when used, imputation, outlier
    treatment, normalisation, weights, aggregation, missing-data rule — with per-indicator and
    per-level overrides) in Chinese and
    English with its parameters; the grade bands; input file hashes; the package version; and
    the data sources with the synthetic flag when recorded.
    """
    fw, meth, prov = result.framework, result.methodology, result.provenance
    from indicators.steps import methodology_steps

    steps = [_step_entry(kind, s, scope) for _, kind, s, scope in methodology_steps(meth, used_only=True)]
    grades = []
    for g in meth.grades:
        lo = None if g.min == float("-inf") else g.min
        grades.append({"min": lo, "zh": g.zh, "en": g.en})
    return {
        "framework": {"id": fw.id, "version": fw.version, "name_zh": fw.zh, "name_en": fw.en,
                      "content_hash": fw.content_hash},
        "methodology": {"name": meth.name, "description": meth.description,
                        "content_hash": meth.content_hash},
        "steps": steps,
        "grades": grades,
        "excluded": list(meth.exclude),
        "inputs": dict(prov.get("inputs", {})),
        "package": {"name": prov.get("package", "rolindex"), "version": prov.get("version", "")},
        "data_sources": list(prov.get("data_sources", [])),
        "synthetic": prov.get("synthetic"),
    }


# ---------------------------------------------------------------------------------------------
# sidecar JSON
# ---------------------------------------------------------------------------------------------
def sidecar_record(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The machine-readable summary written beside a report (from :func:`district_summary`)."""
    grade = None if summary["grade_zh"] is None else {"zh": summary["grade_zh"], "en": summary["grade_en"]}
    return {
        "district": summary["district"], "year": summary["year"], "index": summary["index"],
        "rank": summary["rank"], "n_ranked": summary["n_ranked"], "grade": grade,
        "coverage": summary["coverage"], "weighted_coverage": summary["weighted_coverage"],
    }


def safe_name(district: str) -> str:
    """``district`` if it can be a file name on its own, else raise :class:`ReportDataError`."""
    bad = (not district or district in (".", "..") or district.startswith(".")
           or any(ch in district for ch in '/\\:*?"<>|\0'))
    if bad:
        raise ReportDataError(f"district id {district!r} cannot be used as a file name "
                              "(no path separators, reserved characters or leading dot)")
    return district


def write_sidecar(output_dir: str | Path, summary: Mapping[str, Any]) -> Path:
    """Write ``<output_dir>/<stem>.json`` atomically (temp file + rename); return its path.

    ``stem`` is the district id, or for an id longer than 100 UTF-8 bytes its bounded,
    collision-free form (:func:`evaluation.fileio.file_stem`); the record holds the full id.
    """
    name = file_stem(safe_name(str(summary["district"])))
    record = sidecar_record(summary)
    text = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return atomic_write_text(Path(output_dir) / f"{name}.json", text)

