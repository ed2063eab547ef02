"""The one-page district profile at the top of a report (in the style of the WJP country profiles).

One table — each dimension's score this year, the peer median, the district's rank among the
districts with a score, and the change from the previous year with a score — and one chart of
small multiples: each dimension's score over the years against the peer median. Peers are the
district's peer group (:func:`evaluation.report.store.district_peers`; every district of the year
when it has none), the same as the scorecard's peer medians; the rank is given within the group
and among all districts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from indicators import IndexResult

from . import charts, templating
from .content import bi, check_lang, check_row, peer_words
from .html import Fragment, figure_html
from .store import district_peers, peer_view

__all__ = ["profile_chart", "profile_html", "profile_rows"]


def _years(result: IndexResult, district: str, year: int) -> list[int]:
    years = result.index.xs(district, level="district").index
    return sorted(int(y) for y in years if y <= year)


def profile_rows(result: IndexResult, district: str, year: int, lang: str = "zh") -> list[dict[str, Any]]:
    """One row per dimension: name, score, peer median, rank of N (in the peer group and among all),
    change since the last year with a score.

    Missing values are ``None`` (shown as missing, never as 0).
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw = result.framework
    view = district_peers(result, district, year)
    every = peer_view(result, year)
    dims = [d for d in fw.children(fw.root) if d in view.scores.columns]
    earlier = [y for y in _years(result, district, year) if y < year]
    rows = []
    for d in dims:
        own = view.scores.loc[district, d]
        prev = None
        for y in reversed(earlier):
            v = peer_view(result, y).scores.loc[district, d] if district in peer_view(result, y).scores.index else None
            if v is not None and pd.notna(v):
                prev = (y, float(v))
                break
        rank, rank_all = view.ranks.loc[district, d], every.ranks.loc[district, d]
        rows.append({
            "code": d, "name": fw.nodes[d].zh if lang == "zh" else fw.nodes[d].en,
            "name_en": fw.nodes[d].en,
            "score": None if pd.isna(own) else float(own),
            "median": None if pd.isna(view.medians[d]) else float(view.medians[d]),
            "rank": None if pd.isna(rank) else int(rank), "n": int(view.counts[d]),
            "rank_all": None if pd.isna(rank_all) else int(rank_all), "n_all": int(every.counts[d]),
            "change": None if prev is None or pd.isna(own) else float(own) - prev[1],
            "since": None if prev is None else prev[0],
        })
    return rows


def profile_chart(result: IndexResult, district: str, year: int, lang: str = "zh", reuse: bool = False) -> Figure:
    """Small multiples: each dimension's score over the years (district solid, peer median dashed).

    Drawn by :func:`evaluation.report.charts.dimension_panels` (``reuse``: see :mod:`~evaluation.report.charts`).
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw = result.framework
    years = _years(result, district, year)
    dims = [d for d in fw.children(fw.root) if d in peer_view(result, year).scores.columns]
    own = np.array([[_score(result, district, y, d) for y in years] for d in dims], dtype=float)
    med = np.array([[float(district_peers(result, district, y).medians.get(d, np.nan)) for y in years] for d in dims],
                   dtype=float)
    names = tuple(charts._wrap(fw.nodes[d].zh if lang == "zh" else fw.nodes[d].en, lang, 16, 30) for d in dims)
    title = bi("各维度得分的变化（本区与同级中位数）", "Dimension scores over the years (district and peer median)",
               lang)
    legend = ((bi("本区", "district", lang), charts.ACCENT), (bi("同级中位数", "peer median", lang), charts.PEER))
    return charts.dimension_panels(own.reshape(len(dims), len(years)), med.reshape(len(dims), len(years)), years,
                                   names, title, legend, lang, reuse=reuse)


def _score(result: IndexResult, district: str, year: int, dim: str) -> float:
    scores = peer_view(result, year).scores
    if district not in scores.index:
        return np.nan
    v = scores.loc[district, dim]
    return np.nan if pd.isna(v) else float(v)


def _fmt(v: float | None, signed: bool = False) -> str:
    if v is None:
        return ""
    return f"{v:+.1f}".replace("-", "−") if signed else f"{v:.1f}"


def profile_html(result: IndexResult, district: str, year: int, summary: dict[str, Any], lang: str = "zh"
                 ) -> Fragment:
    """The profile section: heading, the dimension table and the small-multiples chart."""
    rows = profile_rows(result, district, year, lang)
    missing = bi("缺失", "missing", lang)
    grouped = bool(summary.get("group"))
    table = []
    for r in rows:
        change = "–"
        if r["change"] is not None:
            since = f"（较{r['since']}年）" if lang == "zh" else f" (vs {r['since']})"  # the header is bilingual
            change = _fmt(r["change"], signed=True) + since
        table.append({
            "code": r["code"], "name": r["name"], "score": _fmt(r["score"]) or missing,
            "score_missing": r["score"] is None, "median": _fmt(r["median"]) or "–",
            "rank": (f"{r['rank']}/{r['n']}" if r["rank"] is not None else "–")
            + (f"; {r['rank_all']}/{r['n_all']}" if grouped and r["rank_all"] is not None else ""),
            "change": change,
        })
    fig = profile_chart(result, district, year, lang, reuse=True)
    chart = figure_html(charts.figure_png(fig), bi("各维度得分的变化", "Dimension scores over the years", lang),
                        charts.figure_size(fig))
    heading = bi("区情概览", "Profile", lang)
    headers = [("维度", "Dimension"), ("得分", "Score"), ("同级中位数", "Peer median"),
               ("排名（同组；全部）", "Rank (group; all)") if grouped else ("排名", "Rank"), ("较上年", "Change")]
    p_zh, p_en = peer_words(summary)
    note = bi(p_zh + "；排名 1 为最好" + ("，分号后为在全部参评区中的排名。" if grouped else "。"),
              p_en + "; rank 1 is best" + (", after the semicolon the rank among all districts." if grouped else "."),
              lang)
    return Fragment(templating.render("profile.html", heading=heading, headers=headers, rows=table, chart=chart,
                                      note=note, lang=lang).strip("\n"))
