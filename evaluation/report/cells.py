"""What the cells of ``notebooks/district_report.ipynb`` call: one function per report section.

The notebook is a thin template (parameters, then one call per cell, no logic). Each function
here takes the :class:`ReportContext` made by :func:`open_report` and returns something Jupyter
displays as HTML (:class:`~evaluation.report.html.Fragment`), so the executed notebook, and the
HTML rendered from it by :func:`~evaluation.report.html.render_html`, hold the whole report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indicators import IndexResult, Methodology

from ..errors import ReportDataError
from . import charts, store
from . import content as report_data
from . import html as report_html
from .html import Fragment

#: The notebook's parameters, in the order of its ``parameters`` cell (a test keeps them in step).
PARAMETERS = ("district", "year", "framework", "methodology", "figures", "output_dir", "lang", "uncertainty",
              "issuer", "issued", "edition", "districts_table")


@dataclass(frozen=True)
class ReportContext:
    """One district-year report: the (memoised) result, who and when, the language, the headline."""

    result: IndexResult
    district: str
    year: int
    lang: str
    summary: Mapping[str, Any]
    synthetic: bool
    uncertainty: str | None = None
    figures: str | None = None
    issuer: str = ""
    issued: str = ""
    edition: Mapping[str, Any] | None = None
    #: What two sections share (the points table, the sources' entries), computed once per report.
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


def _once(ctx: ReportContext, key: str, compute: Any) -> Any:
    """``compute()`` the first time a report asks for ``key``; the same object afterwards."""
    if key not in ctx.memo:
        ctx.memo[key] = compute()
    return ctx.memo[key]


def open_report(
    district: str,
    year: int,
    figures: str | Path,
    framework: str | Path = "district_rol",
    methodology: Mapping[str, Any] | Methodology | None = None,
    lang: str = "zh",
    output_dir: str | Path | None = None,
    uncertainty: str | Path | None = None,
    issuer: str | None = None,
    issued: str | None = None,
    edition: Mapping[str, Any] | None = None,
    districts_table: str | Path | None = None,
) -> ReportContext:
    """Check the parameters, load the year's result (memoised) and set up Chinese fonts.

    Raises :class:`~evaluation.errors.ReportDataError` for a missing district or year, an
    unknown language or a missing file, before anything is displayed. With ``output_dir`` the
    result is taken from the cache the batch runner left in ``<output_dir>/.rolindex/results/``
    when it matches the inputs (see :func:`evaluation.report.store.load_result`): the same
    numbers, without each kernel re-reading and re-building a national panel. ``uncertainty``
    is a saved uncertainty analysis folder for :func:`rank_uncertainty` (None: no such section).
    ``issuer`` and ``issued`` are the issuing unit and date printed under :func:`basis` (e.g.
    "某市司法局 / City Justice Bureau", "2025-03-31").
    ``edition`` (``{"number": 1, "date": "2025-03-01"}``) is the published edition the headline shows.
    ``districts_table`` (CSV ``district,name_zh,name_en,city,peer_group``) gives each district its
    peer group and names (:func:`evaluation.report.store.with_district_table`); without it the
    submission's ``group`` column (filled from the ledger's districts register on a ``--ledger``
    export) is the peer group. Peer medians and the within-group rank are over the group.
    """
    report_data.check_lang(lang)
    if not isinstance(district, str) or not district:
        raise ReportDataError(f"district must be a district id (a non-empty string), got {district!r}")
    cache_dir = None if output_dir is None or str(output_dir) == "" else Path(output_dir) / store.RESULT_CACHE_DIR
    result = store.load_result(figures, framework, methodology, cache_dir=cache_dir)
    result = store.with_district_table(result, None if districts_table in (None, "") else districts_table)
    district, year = report_data.check_row(result, district, year)
    charts.setup_fonts()
    return ReportContext(
        result=result, district=district, year=year, lang=lang,
        summary=report_data.district_summary(result, district, year),
        synthetic=store.is_synthetic(result),
        uncertainty=None if uncertainty is None or str(uncertainty) == "" else str(uncertainty),
        figures=str(store.resolve_figures(figures)), issuer=str(issuer or ""), issued=str(issued or ""),
        edition=dict(edition) if edition else None,
    )


def banner(ctx: ReportContext) -> Fragment:
    """The "合成数据 / synthetic data" banner when the data is synthetic, else nothing."""
    return report_html.banner_html(ctx.synthetic, ctx.lang)


def headline(ctx: ReportContext) -> Fragment:
    """Title and headline: index, grade, rank of N, change from last year, coverage."""
    fw = ctx.result.framework
    return report_html.headline_html(ctx.summary, (fw.zh, fw.en), ctx.lang, edition=ctx.edition)


def profile(ctx: ReportContext) -> Fragment:
    """The one-page profile: each dimension against the peer group this year and over the years."""
    from .profile import profile_html

    return profile_html(ctx.result, ctx.district, ctx.year, dict(ctx.summary), ctx.lang)


def heading(ctx: ReportContext, key: str) -> Fragment:
    """A section heading from the wording table, in the report's language (bilingual: Chinese first).

    Headings are calls, not markdown cells, so an English page has English headings only
    (:data:`evaluation.report.wording.HEADINGS`).
    """
    from .wording import heading_text

    return report_html._fragment("heading.html", text=heading_text(key, ctx.lang))


def scorecard(ctx: ReportContext) -> Fragment:
    """Every dimension and indicator: value, source, score, peer median, rank, contribution."""
    table = report_data.scorecard(ctx.result, ctx.district, ctx.year, ctx.lang)
    return report_html.scorecard_html(table, ctx.summary, ctx.lang)


def _figure(fig, alt: str) -> Fragment:
    return report_html.figure_html(charts.figure_png(fig), alt, charts.figure_size(fig))


def dimension_chart(ctx: ReportContext) -> Fragment:
    """Bar chart: the district's dimension scores against the peer median."""
    fig = charts.dimension_chart(ctx.result, ctx.district, ctx.year, ctx.lang, reuse=True)
    return _figure(fig, report_data.bi("维度得分与同级中位数", "Dimension scores vs peer median", ctx.lang))


def trend_chart(ctx: ReportContext) -> Fragment:
    """Line charts: index (with the peer median) and rank over the available years."""
    fig = charts.trend_chart(ctx.result, ctx.district, ctx.year, ctx.lang, reuse=True)
    return _figure(fig, report_data.bi("指数与排名变化", "Index and rank over time", ctx.lang))


def contribution_chart(ctx: ReportContext) -> Fragment:
    """Horizontal bars: each indicator's contribution to the index, out of the most possible."""
    fig = charts.contribution_chart(ctx.result, ctx.district, ctx.year, ctx.lang, reuse=True)
    return _figure(fig, report_data.bi("各指标对指数的贡献", "Contribution of each indicator", ctx.lang))


def rank_uncertainty(ctx: ReportContext) -> Fragment:
    """The district's rank interval over the uncertainty analysis' replications, and its chart.

    Nothing when the report has no ``uncertainty`` folder (see :mod:`evaluation.report.uncertainty`).
    """
    from . import uncertainty as report_uncertainty

    return report_uncertainty.district_html(ctx.uncertainty, ctx.result, ctx.district, ctx.year, ctx.lang)


def strengths_weaknesses(ctx: ReportContext, n: int = 3) -> Fragment:
    """Generated sentences on the indicators furthest above and below the peer median."""
    sw = report_data.strengths_weaknesses(ctx.result, ctx.district, ctx.year, n=n, lang=ctx.lang)
    return report_html.strengths_html(sw, ctx.lang)


def grading_status(ctx: ReportContext) -> Fragment:
    """不评定等次 with the reason when below the grading rule; indicators counted; unsubmitted rule; peer group."""
    from .assessment import unsubmitted_note
    from .assessment_html import grading_html

    note = unsubmitted_note(store.unsubmitted_sensitivity(ctx.result), ctx.district, ctx.year, ctx.lang)
    return grading_html(ctx.summary, ctx.lang, note)


def points(ctx: ReportContext) -> Fragment:
    """满分 / 得分 / 得分率 per dimension and indicator, and how each item counted."""
    from .assessment_html import points_html

    return points_html(_points(ctx), ctx.lang)


def _points(ctx: ReportContext) -> Any:
    from .assessment import points_table

    return _once(ctx, "points", lambda: points_table(ctx.result, ctx.district, ctx.year, ctx.lang))


def deductions(ctx: ReportContext) -> Fragment:
    """扣分 item by item: rule, target, value, shortfall, points lost."""
    from .assessment import deductions as table
    from .assessment_html import deductions_html

    return deductions_html(table(ctx.result, ctx.district, ctx.year, ctx.lang, points=_points(ctx)), ctx.lang)


def adjustments(ctx: ReportContext) -> Fragment:
    """加分 and 一票否决 items applied (points, grade cap, evidence), with their heading; nothing when the
    framework declares none."""
    from .assessment import adjustments as applied
    from .assessment_html import adjustments_html

    found = applied(ctx.result, ctx.district, ctx.year, store.figure_notes(ctx.figures), lang=ctx.lang)
    return adjustments_html(found, ctx.lang)


def _entries(ctx: ReportContext) -> dict:
    from .assessment import source_entries

    return _once(ctx, "entries", lambda: source_entries(ctx.result, ctx.district, ctx.year,
                                                        store.figure_notes(ctx.figures), lang=ctx.lang))


def findings(ctx: ReportContext) -> Fragment:
    """Strengths and weaknesses with significant gaps only (lower bounds caveated); last year's followed up."""
    from .assessment import findings as found
    from .assessment_html import findings_html

    return findings_html(found(ctx.result, ctx.district, ctx.year, _entries(ctx), ctx.lang), ctx.lang)


def rectification(ctx: ReportContext) -> Fragment:
    """存在问题 / 整改建议 declared in the framework, for the indicators whose data call for them."""
    from .assessment import rectification as items
    from .assessment_html import rectification_html

    return rectification_html(items(ctx.result, ctx.district, ctx.year, ctx.lang), ctx.lang)


def sources(ctx: ReportContext) -> Fragment:
    """Each indicator's document title and quote, and its caveats (lower bound, approximate, external year)."""
    from .assessment_html import sources_html

    fw = ctx.result.framework
    names = {c: (fw.nodes[c].zh if ctx.lang == "zh" else fw.nodes[c].en) for c in fw.indicators}
    return sources_html(_entries(ctx), names, ctx.lang)


def basis(ctx: ReportContext) -> Fragment:
    """Assessment basis and method, the documents the figures came from, issuing unit and date."""
    from .assessment import read_sources
    from .assessment_html import basis_html

    notes = store.figure_notes(ctx.figures)
    table = read_sources()
    docs: list[str] = []
    try:
        labels = notes.loc[(ctx.district, ctx.year), "source"].dropna() if notes is not None else []
    except KeyError:
        labels = []
    for sid in dict.fromkeys(str(v) for v in labels):
        if sid in table.index:
            t = table.loc[sid]
            docs.append(report_data.bi(f"{t['title_zh']}（{t['publisher']}，{t['year']}）",
                                       f"{t['title_en']} ({t['publisher']}, {t['year']})", ctx.lang))
        elif sid.startswith("synthetic:"):
            docs.append(report_data.bi("合成数据生成器", "synthetic data generator", ctx.lang) + f" ({sid})")
        else:
            docs.append(sid)
    return basis_html(ctx.issuer, ctx.issued, docs, ctx.lang)


def methodology_note(ctx: ReportContext) -> Fragment:
    """Framework, methodology, hashes, steps, grade bands, inputs and software version."""
    return report_html.methodology_html(report_data.methodology_note(ctx.result), ctx.lang)


def write_sidecar(ctx: ReportContext, output_dir: str | Path) -> Path:
    """Write ``<output_dir>/<district>.json`` (district, year, index, rank, grade, coverage) atomically."""
    if output_dir is None or str(output_dir) == "":
        raise ReportDataError("output_dir is required: the folder where <district>.json is written")
    return report_data.write_sidecar(output_dir, ctx.summary)
