"""The year's ``index.html``: a sortable ranking table linking every district report, with charts.

One self-contained page (the ``index.html`` template, see :mod:`evaluation.report.templating`):
inline styles, a small inline script for click-to-sort (no external resources), the year's summary
charts as base64 PNG, bilingual headings, the synthetic-data banner when the data is synthetic.
Every string from the data is escaped; hrefs must be relative.
Written atomically (temp file + ``os.replace``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
from markupsafe import Markup

from indicators import IndexResult

from ..errors import ReportDataError
from ..fileio import atomic_write_text
from . import charts, templating
from .content import bi, check_lang, check_year
from .html import HTML_LANG, banner_html, edition_html, figure_html
from .store import group_of, is_synthetic, unsubmitted_sensitivity

__all__ = ["SORT_SCRIPT", "render_index_page", "summary_charts"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Click (or Enter) on a header with ``data-sort`` sorts the rows by the cells' ``data-v``;
#: ``num`` columns numerically, others by Chinese collation; empty values (missing) stay last.
SORT_SCRIPT = """
document.querySelectorAll("table.rol-sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    if (!th.hasAttribute("data-sort")) { return; }
    th.tabIndex = 0;
    var sort = function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var num = th.getAttribute("data-sort") === "num";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        if (x === y) { return 0; }
        if (x === "") { return 1; }
        if (y === "") { return -1; }
        if (num) { return dir * (parseFloat(x) - parseFloat(y)); }
        return dir * x.localeCompare(y, "zh-CN");
      });
      rows.forEach(function (r) { body.appendChild(r); });
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
  });
});
"""


def summary_charts(result: IndexResult, year: int, lang: str = "zh") -> list[bytes]:
    """The year's summary charts for the index page as PNG: index distribution, grade counts."""
    return [charts.figure_png(charts.index_distribution_chart(result, year, lang)),
            charts.figure_png(charts.grade_counts_chart(result, year, lang))]


def _check_href(district: str, href: str) -> str:
    parts = urlsplit(href)
    if not isinstance(href, str) or not href or parts.scheme or parts.netloc or href.startswith(("/", "\\")):
        raise ReportDataError(f"report link for district {district!r} must be a relative path "
                              f"(e.g. 'sample_01.html'), got {href!r}")
    return href


def _num(x: object) -> float | None:
    if x is None or x is pd.NA:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _cell(text: str, sort_value: object = None, cls: str = "", **extra: str) -> dict[str, str]:
    """A table cell for ``index.html``: text, sort value, class; ``link``/``note``/``tooltip`` optional."""
    return {"text": text, "v": "" if sort_value is None else str(sort_value), "cls": cls, "link": "", "note": "",
            "note_cls": "", "tooltip": "", **extra}


def _unsubmitted_cell(sens: pd.DataFrame, district: str, lang: str) -> dict[str, str]:
    """How many items a district did not submit, and the rank under the other unsubmitted option when it differs."""
    if district not in sens.index or int(sens.at[district, "unsubmitted"]) == 0:
        return _cell("–", 0)
    r = sens.loc[district]
    n = int(r["unsubmitted"])
    if not bool(r["decides"]) or pd.isna(r["other_rank"]):
        return _cell(bi(f"{n} 项", f"{n}", lang), n)
    zero = r["other_option"] == "zero"
    own = "" if pd.isna(r["own_other_rank"]) else int(r["own_other_rank"])
    how_zh, how_en = ("按 0 分计", "scored 0") if zero else ("重新分配时", "redistributed")
    text = bi(f"{n} 项；{how_zh}排名 {int(r['other_rank'])}（仅本区：{own}）",
              f"{n}; rank {int(r['other_rank'])} if {how_en} (this district only: {own})", lang)
    return _cell(text, n, "rol-miss")


def _group_ranks(result: IndexResult, year: int) -> dict[str, tuple[str, int | None, int]] | None:
    """district -> (peer group, rank within it among ranked districts, ranked in the group); None without groups."""
    index = result.index.xs(year, level="year").where(result.ranks.xs(year, level="year").notna())
    groups = pd.Series([group_of(result, d) for d in index.index], index=index.index, dtype=object)
    if not (groups != "").any():
        return None
    ranks = index.groupby(groups).rank(method="min", ascending=False)  # as the summary's within-group rank
    counts = index.notna().groupby(groups).transform("sum")
    return {d: (g, None if pd.isna(ranks[d]) or not g else int(ranks[d]), int(counts[d]) if g else 0)
            for d, g in groups.items()}


def render_index_page(
    result: IndexResult,
    year: int,
    reports: Mapping[str, str],
    summary_charts_png: Sequence[bytes],
    out_path: str | Path,
    lang: str = "zh",
    *,
    failed: Mapping[str, str] | None = None,
    nav: Sequence[tuple[str, str]] = (),
    extra_html: str = "",
    font_css: str = "",
    edition: Mapping[str, object] | None = None,
) -> Path:
    """Write the year's index page and return its path.

    Parameters
    ----------
    result : the year's index (as built by :func:`evaluation.report.store.load_result`, so it
        knows whether its data is synthetic).
    year : the assessment year; every district with figures that year gets a row.
    reports : district id -> relative link to its report (e.g. ``"sample_01.html"``). Districts
        without an entry are listed without a link ("no report"); an id not in the year, or a
        link that is not a relative path, is an error.
    summary_charts_png : PNG images to embed (e.g. :func:`summary_charts`).
    out_path : where ``index.html`` goes (written atomically).
    lang : ``zh`` (bilingual, Chinese first) or ``en``.
    failed : district id -> error message, for districts whose report failed: listed as
        "报告生成失败 / report failed" with the message as a tooltip (instead of "no report").
    nav : (label, relative link) pairs shown above the title, e.g. the other years' pages.
    extra_html : trusted HTML appended after the summary charts (fragments built by this
        package with every data string escaped, e.g. uncertainty charts).
    font_css : trusted ``@font-face`` rule of the batch's font (see :mod:`evaluation.report.fonts`).
    edition : the published edition (``{"number", "date"}``) shown under the title, or None.
    """
    check_lang(lang)
    year = check_year(result, year)
    table = result.ranking(year)
    unknown = sorted(set(reports) - set(table["district"]))
    if unknown:
        raise ReportDataError(f"reports given for districts without figures in {year}: {', '.join(unknown)}")
    links = {d: _check_href(d, h) for d, h in reports.items()}
    failed = dict(failed or {})
    unknown = sorted(set(failed) - set(table["district"]))
    if unknown:
        raise ReportDataError(f"failures given for districts without figures in {year}: {', '.join(unknown)}")
    nav_links = [(str(label), _check_href(str(label), href)) for label, href in nav]
    for i, png in enumerate(summary_charts_png):
        if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(PNG_SIGNATURE):
            raise ReportDataError(f"summary chart {i} is not PNG data")
    fw = result.framework
    dims = [c for c in fw.children(fw.root) if c in table.columns]

    # change from each district's latest earlier year with an index
    wide = result.index.unstack("year")
    earlier = [y for y in wide.columns if y < year]
    prev = wide[earlier].ffill(axis=1).iloc[:, -1] if earlier else pd.Series(dtype=float)

    heads = [("排名", "Rank", "num"), ("区", "District", "text"), ("指数", "Index", "num"),
             ("等次", "Grade", "text"), ("较上年", "Change", "num")]
    heads += [(fw.nodes[d].zh, fw.nodes[d].en, "num") for d in dims]
    heads += [("数据覆盖", "Coverage", "num"), ("未报送项", "Unsubmitted items", "text")]
    peer = _group_ranks(result, year)
    if peer is not None:
        heads.append(("同组排名", "Rank in peer group", "text"))
    sens = unsubmitted_sensitivity(result).xs(year, level="year")
    graded_col = table["graded"] if "graded" in table else pd.Series(True, index=table.index)

    missing = bi("缺失", "missing", lang)
    rows, ungraded_rows = [], []
    for r, is_graded in zip(table.itertuples(index=False), graded_col, strict=True):
        district = str(r.district)
        name = str(r.district_name) if isinstance(r.district_name, str) and r.district_name else district
        if district in links:
            name_cell = _cell(name, name, "rol-nowrap", link=links[district])
        elif district in failed:
            name_cell = _cell(name, name, "rol-nowrap", note=bi("报告生成失败", "report failed", lang),
                              note_cls="rol-failed", tooltip=failed[district])
        else:
            name_cell = _cell(name, name, "rol-nowrap", note=bi("无报告", "no report", lang), note_cls="rol-sub")
        if name != district:  # the id in full (file names may be shortened, the page never is)
            if name_cell["note"]:
                name_cell["tooltip"] = f"{district}: {name_cell['tooltip']}" if name_cell["tooltip"] else district
            else:
                name_cell.update(note=district, note_cls="rol-sub rol-id")
        index = _num(r.index)
        rank = _num(r.rank)
        grade = "" if pd.isna(r.grade_zh) else bi(str(r.grade_zh), str(r.grade_en), lang)
        before = _num(prev.get(district)) if district in prev.index else None
        change = None if index is None or before is None else index - before
        cells = [
            _cell("–" if rank is None else str(int(rank)), None if rank is None else int(rank), "num"),
            name_cell,
            _cell(missing if index is None else f"{index:.1f}", None if index is None else f"{index:.6f}",
                  "num rol-miss" if index is None else "num"),
            _cell(grade or "–", grade or None, "rol-nowrap"),
            _cell("–" if change is None else f"{change:+.1f}".replace("-", "−"),
                  None if change is None else f"{change:.6f}", "num"),
        ]
        for d in dims:
            v = _num(getattr(r, d))
            cells.append(_cell("–" if v is None else f"{v:.1f}", None if v is None else f"{v:.6f}", "num"))
        cov = float(r.coverage)
        cells.append(_cell(f"{cov:.0%}", f"{cov:.6f}", "num"))
        cells.append(_unsubmitted_cell(sens, district, lang))
        if peer is not None:
            group, g_rank, g_n = peer.get(district, ("", None, 0))
            text = ("–" if not group else f"{group} {g_rank}/{g_n}" if g_rank is not None else group)
            cells.append(_cell(text, f"{group}\t{g_rank or 0:06d}" if group else None))
        if bool(is_graded) or index is None:
            rows.append(cells)
        else:
            reason = str(r.grade_reason)
            zh, _, en = reason.partition(" / ")
            cells.append(_cell(bi(zh, en or zh, lang), None, "rol-src"))
            ungraded_rows.append(cells)

    n = len(table)
    n_index = int(table["index"].notna().sum())
    n_failed = len(set(failed) - set(links))
    meth = result.methodology
    title = bi(f"{fw.zh} {year}年评估结果", f"{fw.en} — results {year}", lang)
    intro = bi(
        f"{n} 个区参评，{n_index} 个区有指数；点击表头排序，点击区名查看报告。"
        f"指标体系 {fw.id} {fw.version}，评估方法 {meth.name}。",
        f"{n} districts assessed, {n_index} with an index. Click a column header to sort and a "
        f"district to open its report. Framework {fw.id} {fw.version}, methodology {meth.name}.",
        lang,
    )
    n_decided = int(sens["decides"].sum())
    if ungraded_rows:
        intro += " " + bi(f"{len(ungraded_rows)} 个区数据不足，不评定等次、不参与排名，另表列出。",
                          f"{len(ungraded_rows)} district(s) have too little data: not graded nor ranked, "
                          "listed separately.", lang)
    if n_decided:
        other = "按 0 分计" if meth.unsubmitted.method == "redistribute" else "不计分、权重重新分配"
        other_en = "scored 0" if meth.unsubmitted.method == "redistribute" else "skipped with their weight shared"
        intro += " " + bi(f"{n_decided} 个区的排名取决于未报送项的计分方式"
                          f"（若未报送项{other}，排名会变化，见“未报送项”列）。",
                          f"The ranks of {n_decided} district(s) depend on how unsubmitted items count (they would "
                          f"change if unsubmitted items were {other_en}; see the 'Unsubmitted items' column).", lang)
    if n_failed:
        intro += " " + bi(f"{n_failed} 个区的报告生成失败（见表中标注）。",
                          f"{n_failed} district report(s) failed (marked in the table).", lang)
    figures = Markup("".join(
        figure_html(bytes(png), bi(f"{year}年汇总图 {i + 1}", f"Summary chart {i + 1}, {year}", lang))
        for i, png in enumerate(summary_charts_png)
    ))
    ungraded_heads = [{"zh": zh, "en": en, "kind": kind} for zh, en, kind in heads]
    ungraded_heads.append({"zh": "不评定等次原因", "en": "Why not graded", "kind": "text"})
    page = templating.render(
        "index.html", title=title, lang=lang, html_lang=HTML_LANG[lang], script=Markup(SORT_SCRIPT),
        font_css=Markup(font_css), nav=nav_links, nav_label=bi("其他年份", "Other years", lang),
        banner=banner_html(is_synthetic(result), lang), intro=intro, ranking_label=bi("排名", "Ranking", lang),
        heads=[{"zh": zh, "en": en, "kind": kind} for zh, en, kind in heads], rows=rows,
        ungraded_label=bi("不评定等次（不参与排名）", "Not graded (not ranked)", lang),
        ungraded_heads=ungraded_heads, ungraded_rows=ungraded_rows,
        edition=Markup(edition_html(edition, lang)),
        overview_label=bi("概览", "Overview", lang), figures=figures, extra=Markup(extra_html),
    ) + "\n"
    return atomic_write_text(Path(out_path), page)
