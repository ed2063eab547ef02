"""The uncertainty analysis in the reports: a district's rank interval, the year's uncertainty charts.

The analysis itself is :mod:`indicators.uncertainty` (Monte Carlo over the methodology's choices,
Sobol sensitivity indices) and its charts :mod:`evaluation.report.uncertainty_plots`. Here:

- :func:`prepare` gives the batch a saved analysis folder: one given (written by
  ``UncertaintyResult.save``), or one run now from a spec (a YAML path or a name in
  ``data/uncertainty``) with a Sobol design and saved under ``<out>/<framework>/uncertainty/`` —
  reused while figures, framework, methodology, spec, size, seed and code are unchanged;
- :func:`check_matches` refuses an analysis made for other data or another methodology (its
  nominal ranks must be the result's ranks) before any report runs;
- :func:`district_html` is the report's "rank robustness" section (the 5–95 % interval of the
  district's rank over the replications, in words, and its rank distribution);
- :func:`year_html` is the index page's section (every district's interval, the stability
  summary, and the Sobol indices for a Sobol design).

A loaded analysis and its per-year rank statistics are memoised in the process, so a warm
kernel loads the analysis once per batch. The sections are the Jinja2 templates
``uncertainty_district.html`` and ``uncertainty_year.html`` (autoescaped, replaceable by a
deployment like every template): every string from data is escaped.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators import IndexResult, Methodology
from indicators.io import sha256_file

from .. import paths
from ..errors import ReportDataError
from . import charts, store
from . import content as report_data
from .html import Fragment, _fragment, figure_html

__all__ = ["K", "check_matches", "district_html", "input_files", "load", "prepare", "year_html"]

#: Places either side of the median rank counted as "stable".
K = 3
#: Widest chart of every district's interval, in inches (a national year has thousands of districts).
MAX_CHART_WIDTH = 12.0
_ANALYSIS_FILES = ("uncertainty.yaml", "assumptions.csv", "ranks.npz")
_LOCK = threading.Lock()
_LOADED: dict[tuple, Any] = {}
_STATS: dict[tuple, pd.DataFrame] = {}


def _is_saved_analysis(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in _ANALYSIS_FILES)


def input_files(folder: str | Path) -> tuple[Path, ...]:
    """The files of a saved analysis that decide what the reports show (task inputs of the batch)."""
    folder = Path(folder)
    return tuple(sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".csv", ".npz")))


def prepare(
    uncertainty: str | Path,
    figures: Path,
    framework: Path,
    methodology: Methodology,
    out_fw: Path,
    *,
    replications: int = 256,
    seed: int = 0,
) -> Path:
    """The folder of the analysis to show: a saved one as given, or one run now from a spec.

    Parameters
    ----------
    uncertainty : a folder written by ``UncertaintyResult.save``, or a spec: YAML path or a name
        in ``data/uncertainty`` (``district_rol``).
    figures, framework, methodology : what the reports are built from (a spec is run on them).
    out_fw : ``<out>/<framework id>``; a run from a spec is saved in its ``uncertainty/<key>/``.
    replications : base sample size ``N`` of the Sobol design (``N (d + 2)`` replications for
        ``d`` inputs).
    seed : seed of the design, so a rerun draws the same replications.
    """
    given = Path(uncertainty)
    if _is_saved_analysis(given):
        return given.absolute()
    spec = paths.resolve(uncertainty, paths.DATA / "uncertainty")
    if not spec.is_file():
        raise ReportDataError(f"--uncertainty {str(uncertainty)!r} is neither a saved analysis folder "
                              "(uncertainty.yaml, assumptions.csv, ranks.npz) nor a spec (a YAML file or a name "
                              "in data/uncertainty)")
    if not isinstance(replications, int) or replications < 2:
        raise ReportDataError(f"replications must be an integer >= 2, got {replications!r}")
    key = hashlib.sha256(json.dumps([
        hashlib.sha256(spec.read_bytes()).hexdigest(), sha256_file(figures),
        hashlib.sha256(framework.read_bytes()).hexdigest(), methodology.content_hash, methodology.name,
        replications, seed, store.code_fingerprint(),
    ]).encode()).hexdigest()[:16]
    folder = out_fw / "uncertainty" / key
    if _is_saved_analysis(folder):
        return folder.absolute()
    from indicators import load_framework
    from indicators.submission import read_figures
    from indicators.uncertainty import run_uncertainty

    result = run_uncertainty(read_figures(figures), load_framework(framework), methodology, spec, replications,
                             design="sobol", seed=seed)
    return result.save(folder).absolute()


def load(folder: str | Path) -> Any:
    """The saved analysis in ``folder`` (``indicators.uncertainty.UncertaintyResult``), memoised."""
    from indicators.uncertainty import load_uncertainty

    folder = Path(folder)
    if not _is_saved_analysis(folder):
        raise ReportDataError(f"uncertainty folder {str(folder)!r} holds no saved analysis "
                              "(uncertainty.yaml, assumptions.csv, ranks.npz)")
    st = (folder / "ranks.npz").stat()
    key = (str(folder.resolve()), st.st_size, st.st_mtime_ns)
    with _LOCK:
        hit = _LOADED.get(key)
    if hit is None:
        hit = load_uncertainty(folder)
        with _LOCK:
            if len(_LOADED) > 4:
                _LOADED.clear()
                _STATS.clear()
            _LOADED[key] = hit
    return hit


def _stats(res: Any, year: int) -> pd.DataFrame:
    """``res.rank_stats(K, year)``, memoised (percentiles over every district of the year)."""
    key = (id(res), year)
    with _LOCK:
        hit = _STATS.get(key)
    if hit is None:
        hit = res.rank_stats(K, year)
        with _LOCK:
            _STATS[key] = hit
    return hit


def check_matches(folder: str | Path, result: IndexResult, year: int, districts: list[str]) -> None:
    """Raise :class:`ReportDataError` unless the analysis was made for this result and year.

    Every requested district must be in the analysis, and its nominal index and rank must be the
    result's (an analysis of other figures or another methodology would describe other numbers).
    """
    res = load(folder)
    rows = res.rows
    missing = [d for d in districts if (d, year) not in rows]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise ReportDataError(f"the uncertainty analysis in {str(folder)!r} has no {year} rows for: {shown}")
    nominal = res.nominal_ranks.xs(year, level="year").reindex(districts).to_numpy()
    ranks = result.ranks.xs(year, level="year").reindex(districts).fillna(0).to_numpy(dtype=np.int64)
    scores = res.nominal_scores.xs(year, level="year").reindex(districts).to_numpy(dtype=float)
    index = result.index.xs(year, level="year").reindex(districts).to_numpy(dtype=float)
    same = (nominal == ranks) & np.isclose(scores, index, rtol=1e-9, atol=1e-9, equal_nan=True)
    differ = [d for d, ok in zip(districts, same, strict=True) if not ok]
    if differ:
        raise ReportDataError(
            f"the uncertainty analysis in {str(folder)!r} was made for other data or another methodology: "
            f"its nominal {year} index or ranks differ from the result's for {len(differ)} district(s), "
            f"e.g. {differ[0]!r}")


def _names(res: Any, lang: str) -> str:
    names = [str(n) for n in res.assumptions.spec.names]
    return "、".join(names) if lang == "zh" else ", ".join(names)


def _png(fig: Any, alt: str) -> Fragment:
    return figure_html(charts.figure_png(fig), alt, charts.figure_size(fig))


def district_html(folder: str | Path | None, result: IndexResult, district: str, year: int,
                  lang: str = "zh") -> Fragment:
    """The report's rank-robustness section, or nothing when no analysis is given."""
    if folder is None or str(folder) == "":
        return Fragment("")
    from .uncertainty_plots import plot_district_ranks

    report_data.check_lang(lang)
    res = load(folder)
    bi = report_data.bi
    title = bi("排名的稳健性", "Rank robustness", lang)
    st = _stats(res, year)
    if (district, year) not in st.index:
        raise ReportDataError(f"the uncertainty analysis in {str(folder)!r} has no row for {district!r} {year}")
    row = st.loc[(district, year)]
    n = res.n
    inputs = _names(res, lang)
    if pd.isna(row["nominal_rank"]) or pd.isna(row["median_rank"]):
        text = bi(f"本区当年没有指数，因此没有排名区间（{n:,} 次模拟）。",
                  f"No index this year, so no rank interval ({n:,} replications).", lang)
        return _fragment("uncertainty_district.html", title=title, text=text, chart="")
    n_ranked = int((res.nominal_ranks.xs(year, level="year") > 0).sum())
    q05, q95, med, nom = float(row["q05_rank"]), float(row["q95_rank"]), float(row["median_rank"]), int(
        row["nominal_rank"])
    within = float(row[f"within_{K}"])
    text = bi(
        f"在 {n:,} 次模拟中（随机改变以下方法选择：{inputs}），本区排名的 90% 区间为第 {q05:g}–{q95:g} 名，"
        f"中位数第 {med:g} 名（基准排名 {nom}/{n_ranked}）；{within:.0%} 的模拟排名在中位数 ±{K} 名以内。",
        f"Over {n:,} replications varying the methodology's choices ({inputs}), the district's rank lies "
        f"between {q05:g} and {q95:g} in 90% of them, median {med:g} (nominal rank {nom} of {n_ranked}); "
        f"{within:.0%} are within ±{K} places of the median.", lang)
    name = report_data.district_names(result, district)[0 if lang == "zh" else 1]
    fig = plot_district_ranks(res, district, year, name=name, k=K)
    chart = _png(fig, bi("排名分布", "Distribution of ranks", lang))
    return _fragment("uncertainty_district.html", title=title, text=text, chart=chart)


def year_html(folder: str | Path | None, result: IndexResult, year: int, lang: str = "zh") -> str:
    """The index page's uncertainty and sensitivity section, or ``""`` when no analysis is given."""
    if folder is None:
        return ""
    from .uncertainty_plots import plot_rank_uncertainty, plot_sensitivity

    report_data.check_lang(lang)
    res = load(folder)
    bi = report_data.bi
    title = bi("不确定性与敏感性分析", "Uncertainty and sensitivity", lang)
    summary, text = res.summary(K), ""
    if year in summary.index:
        s = summary.loc[year]
        text = bi(
            f"{res.n:,} 次模拟（随机改变：{_names(res, lang)}）。{s[f'share_nominal_within_{K}']:.0%} 的区基准排名"
            f"与模拟中位数相差不超过 {K} 名；90% 排名区间平均宽 {s['mean_interval_width']:.1f} 名，"
            f"最宽 {s['max_interval_width']:.0f} 名。",
            f"{res.n:,} replications varying {_names(res, lang)}. {s[f'share_nominal_within_{K}']:.0%} of "
            f"districts have a nominal rank within {K} places of their median rank; the 90% rank intervals "
            f"are {s['mean_interval_width']:.1f} places wide on average, {s['max_interval_width']:.0f} at most.",
            lang)
    names = pd.Series({d: report_data.district_names(result, d)[0 if lang == "zh" else 1]
                       for d in result.districts.index})
    fig = plot_rank_uncertainty(res, year, names=names, k=K)
    width, height = fig.get_size_inches()
    if width > MAX_CHART_WIDTH:
        fig.set_size_inches(MAX_CHART_WIDTH, height)
    rank_chart = _png(fig, bi(f"{year}年排名不确定性", f"Rank uncertainty {year}", lang))
    note, sensitivity = "", ""
    if res.assumptions.design == "sobol":
        from indicators.errors import IndicatorsError

        try:
            si = res.sensitivity(year=year)
        except IndicatorsError as exc:  # e.g. nothing varies: say so instead of a chart
            note = str(exc)
        else:
            label = bi(f"{year}年敏感性分析", f"Sensitivity {year} (Sobol)", lang)
            sensitivity = _png(plot_sensitivity(si, title=label), label)
    return str(_fragment("uncertainty_year.html", title=title, summary=text, rank_chart=rank_chart,
                         sensitivity_note=note, sensitivity_chart=sensitivity))
