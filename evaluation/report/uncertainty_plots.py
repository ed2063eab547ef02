"""Charts and numbers of the uncertainty analysis for reports (matplotlib only, Chinese labels).

For the per-district report: :func:`rank_interval` (the district's nominal and median rank and its
5–95 % interval, as numbers for the text) and :func:`plot_district_ranks` (its rank distribution).
For the year's pages: :func:`plot_rank_uncertainty` (every district's nominal rank, median and
interval — the JRC/COINr uncertainty chart), :func:`plot_sensitivity` (first-order and total
Sobol indices with their confidence intervals) and :func:`plot_weights_importance` (nominal weight
against importance). Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot, so it works headless and inside papermill; nothing is shown or saved here.

Chinese text renders on a machine without system CJK fonts: :func:`use_cjk_font` registers the
Noto Sans CJK SC font shipped inside the ``mplfonts`` package with matplotlib's font manager, as the
report charts do (``mplfonts.use_font`` alone only sets rcParams, which finds nothing unless the
font is installed).

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §7 (uncertainty
charts); COINr ``plot_uview()``, ``plot_sensitivity()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from indicators.errors import DataError

__all__ = [
    "CJK_FONT",
    "plot_district_ranks",
    "plot_rank_uncertainty",
    "plot_sensitivity",
    "plot_weights_importance",
    "rank_interval",
    "use_cjk_font",
]

#: Font family used for Chinese labels (bundled with mplfonts).
CJK_FONT = "Noto Sans CJK SC"


def use_cjk_font() -> str:
    """Register the CJK font bundled with mplfonts (via :func:`evaluation.report.charts.setup_fonts`, the
    report charts' own set-up) and return the path of the file matplotlib now uses for it."""
    from .charts import setup_fonts

    family = setup_fonts()
    return font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)


def _labels(res: Any, names: Any) -> pd.Series:
    districts = res.rows.get_level_values("district")
    if names is None:
        return pd.Series(np.asarray(districts, dtype=object), index=res.rows)
    if isinstance(names, pd.DataFrame):
        names = names["district_name"]
    mapping = pd.Series(names)
    return pd.Series([mapping.get(d, d) for d in districts], index=res.rows)


def rank_interval(res: Any, district: str, year: int, k: int = 3) -> dict[str, Any]:
    """One district's rank under uncertainty, for the report's text.

    Returns ``nominal``, ``median``, ``q05``, ``q95`` (ranks), ``within_k`` (share of
    replications within ±k of the median), ``n_ranked`` (of the year), ``replications``.

    Raises
    ------
    DataError
        The district-year is not in the result.
    """
    try:
        row = res.rank_stats(k, year).loc[(district, year)]
    except KeyError:
        raise DataError(f"no uncertainty result for district {district!r} in {year}") from None
    n_ranked = int((res.nominal_ranks.xs(year, level="year") > 0).sum())
    return {"district": district, "year": year, "nominal": row["nominal_rank"], "median": row["median_rank"],
            "q05": row["q05_rank"], "q95": row["q95_rank"], "within_k": row[f"within_{k}"], "k": k,
            "n_ranked": n_ranked, "replications": res.n}


def plot_rank_uncertainty(res: Any, year: int, *, names: Any = None, k: int = 3,
                          highlight: str | None = None) -> Figure:
    """Every district of ``year``: nominal rank, median rank and 5–95 % interval, by nominal rank.

    ``names`` maps district codes to display names (a Series or the result's ``districts``
    table); ``highlight`` draws one district in another colour (the report's own district).
    """
    use_cjk_font()
    st = res.rank_stats(k, year)
    st = st[st["nominal_rank"].notna()].sort_values(["nominal_rank", "median_rank"])
    if st.empty:
        raise DataError(f"no ranked districts in {year}")
    labels = _labels(res, names).loc[st.index]
    x = np.arange(len(st))
    fig = Figure(figsize=(max(6.0, 0.28 * len(st) + 2), 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.vlines(x, st["q05_rank"], st["q95_rank"], color="#9ab", lw=4, label="5%–95% 区间 interval")
    ax.plot(x, st["median_rank"], "o", color="#247", ms=4, label="中位数 median")
    ax.plot(x, st["nominal_rank"].astype(float), "_", color="#c33", ms=10, mew=2, label="基准 nominal")
    if highlight is not None and (highlight, year) in st.index:
        i = list(st.index).index((highlight, year))
        ax.vlines([i], st["q05_rank"].iloc[i], st["q95_rank"].iloc[i], color="#e90", lw=6, zorder=3)
    ax.invert_yaxis()
    ax.set_ylabel("排名 rank (1 = 最好 best)")
    ax.set_title(f"排名不确定性 Rank uncertainty — {year} ({res.n:,} 次模拟 replications)")
    if len(st) <= 60:
        ax.set_xticks(x, labels.to_numpy(), rotation=90, fontsize=7)
    else:
        ax.set_xticks([])
        ax.set_xlabel("区（按基准排名） districts by nominal rank")
    ax.legend(loc="lower left", fontsize=8, frameon=False)  # ranks run from top left to bottom right
    return fig


def plot_district_ranks(res: Any, district: str, year: int, *, name: str | None = None, k: int = 3) -> Figure:
    """One district's distribution of ranks over the replications, with its interval."""
    use_cjk_font()
    info = rank_interval(res, district, year, k)
    col = res.rows.get_loc((district, year))
    r = res.ranks[:, col]
    r = r[r > 0]
    fig = Figure(figsize=(5.5, 3.0), layout="constrained")
    ax = fig.add_subplot()
    bins = np.arange(r.min() - 0.5, r.max() + 1.5) if len(r) else 10
    ax.hist(r, bins=bins, color="#9ab", edgecolor="white")
    ax.axvspan(info["q05"], info["q95"], color="#247", alpha=0.08, label="5%–95% 区间 interval")
    if pd.notna(info["nominal"]):
        ax.axvline(float(info["nominal"]), color="#c33", lw=2, label=f"基准 nominal {int(info['nominal'])}")
    ax.axvline(info["median"], color="#247", lw=1.5, ls="--", label=f"中位数 median {info['median']:g}")
    ax.set_xlabel(f"排名 rank（共 {info['n_ranked']} 区 / of {info['n_ranked']} districts）")
    ax.set_ylabel("模拟次数 replications")
    ax.set_title(f"{name or district} {year}：排名区间 rank interval {info['q05']:g}–{info['q95']:g}")
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_sensitivity(si: pd.DataFrame, *, title: str = "") -> Figure:
    """First-order (S1) and total (ST) Sobol indices per input, with confidence intervals."""
    use_cjk_font()
    if not {"S1", "ST"} <= set(si.columns):
        raise DataError("plot_sensitivity needs a table with columns S1, ST (and S1_conf, ST_conf)")
    y = np.arange(len(si))
    fig = Figure(figsize=(6.0, 0.55 * len(si) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    h = 0.38
    ax.barh(y - h / 2, si["S1"].clip(lower=0), h, xerr=si.get("S1_conf"), color="#247", capsize=3,
            label="一阶 first-order S1")
    ax.barh(y + h / 2, si["ST"].clip(lower=0), h, xerr=si.get("ST_conf"), color="#9ab", capsize=3,
            label="总效应 total ST")
    ax.set_yticks(y, [str(i) for i in si.index])
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, float((si["ST"] + si.get("ST_conf", 0)).max()) * 1.05))
    ax.set_xlabel("对排名变动的贡献 share of the variance of the mean rank shift")
    ax.set_title(title or "敏感性分析 Sensitivity analysis (Sobol)")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return fig


def plot_weights_importance(table: pd.DataFrame, *, title: str = "") -> Figure:
    """Nominal weight (within its parent) against importance share, per node.

    ``table`` is :func:`indicators.importance.importance_table`'s output.
    """
    use_cjk_font()
    y = np.arange(len(table))
    fig = Figure(figsize=(6.0, 0.3 * len(table) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(y - 0.2, table["weight"], 0.4, color="#c96", label="名义权重 nominal weight")
    ax.barh(y + 0.2, table["importance_share"], 0.4, color="#247", label="重要性 importance share")
    ax.set_yticks(y, [str(i) for i in table.index], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("同一上级内的份额 share within the parent")
    ax.set_title(title or "权重与重要性 Weights vs importance")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return fig
