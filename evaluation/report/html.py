"""HTML for district reports: fragments the notebook displays, and the rendered document.

The markup lives in Jinja2 templates (:mod:`evaluation.report.templating`, one per section and
page, autoescaping on): the functions here compute each section's plain-text values and render
its template, so every string that comes from data (district names, indicator names, sources,
hashes, numbers) is escaped by the template engine. Fragments are :class:`Fragment` strings
(trusted HTML) that Jupyter displays as HTML. :func:`render_html` turns an executed
report notebook into one self-contained page (no external scripts, styles or fonts; charts are
inline PNG) with ``<meta charset="utf-8">`` and ``lang="zh-CN"`` (or ``en``).
"""

from __future__ import annotations

import base64
import html
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from . import fonts, templating, wording
from .content import bi, check_lang, format_score, peer_words

if TYPE_CHECKING:  # nbformat costs ~1.3 s to import (jsonschema); kernels never need it
    from nbformat import NotebookNode

__all__ = [
    "Fragment", "banner_html", "document", "edition_html", "esc", "figure_html", "headline_html",
    "methodology_html", "render_html", "scorecard_html", "strengths_html",
]

META_KEY = "rolindex"
HTML_LANG = {"zh": "zh-CN", "en": "en"}


class Fragment(str):
    """A piece of HTML that Jupyter displays as HTML (``_repr_html_``), optionally with metadata.

    ``meta`` goes into the output's metadata under ``rolindex`` (the headline uses it to hand the
    page title and language to :func:`render_html`).
    """

    meta: Mapping[str, Any] | None = None

    def __new__(cls, text: str, meta: Mapping[str, Any] | None = None) -> Fragment:
        obj = super().__new__(cls, text)
        obj.meta = dict(meta) if meta else None
        return obj

    def __repr__(self) -> str:
        # the notebook's text/plain copy of every output: keep it short, not a second copy of the HTML
        return f"<HTML fragment, {len(self)} characters>"

    def __html__(self) -> str:
        # markupsafe/Jinja2: a fragment is HTML this package rendered from templates, not text to escape
        return str(self)

    def _repr_html_(self) -> str | tuple[str, dict[str, Any]]:
        if self.meta:
            return str(self), {META_KEY: dict(self.meta)}
        return str(self)


def esc(value: Any) -> str:
    """``html.escape`` of ``str(value)``, quotes included (safe in text and attribute values)."""
    return html.escape(str(value), quote=True)


def document(title: str, body: str, lang: str = "zh", script: str = "", *, template: str = "page.html",
             font_css: str = "") -> str:
    """A complete, self-contained HTML page around ``body`` (trusted HTML); ``title`` is escaped.

    ``script`` (trusted, a constant of this package) is inlined at the end of the body;
    ``template`` is the page template (``page.html``, ``report.html``, ``index.html``), which
    extends ``base.html``; ``font_css`` is a trusted ``@font-face`` rule (see :mod:`.fonts`).
    """
    check_lang(lang)
    return templating.render(template, title=title, body=Markup(body), lang=lang, html_lang=HTML_LANG[lang],
                             script=Markup(script), font_css=Markup(font_css)) + "\n"


# ---------------------------------------------------------------------------------------------
# fragments
# ---------------------------------------------------------------------------------------------
def _fragment(template: str, meta: Mapping[str, Any] | None = None, **context: Any) -> Fragment:
    return Fragment(templating.render(template, **context).strip("\n"), meta=meta)


def banner_html(synthetic: bool, lang: str = "zh") -> Fragment:
    """The synthetic-data banner (always bilingual: it must not be missed), or nothing."""
    check_lang(lang)
    if not synthetic:
        return Fragment("")
    return _fragment("banner.html", lang=lang)


def report_title(summary: Mapping[str, Any], lang: str = "zh") -> str:
    """The page title: district name, year and report kind (plain text, not yet escaped)."""
    zh = f"{summary['name_zh']} {summary['year']}年法治建设评估报告"
    en = f"{summary['name_en']} — rule-of-law assessment {summary['year']}"
    return bi(zh, en, lang)


def _card(key: str, value: str, sub: str = "", cls: str = "") -> dict[str, str]:
    return {"key": key, "value": value, "sub": sub, "cls": cls}


def _signed(x: float, digits: int = 1) -> str:
    return f"{x:+.{digits}f}".replace("-", "−")


def headline_html(summary: Mapping[str, Any], framework_name: tuple[str, str], lang: str = "zh",
                  edition: Mapping[str, Any] | None = None) -> Fragment:
    """Title and headline cards: index, grade, rank of N, change from the previous year, coverage.

    A missing index is shown as missing with its reason; the coverage card always states how many
    indicators have data. ``framework_name`` is the (zh, en) name of the index; ``edition`` the
    published edition (``{"number", "date"}``) shown under the title, if any.
    """
    check_lang(lang)
    s = summary
    missing = bi("缺失", "missing", lang)
    title = report_title(s, lang)
    cards = [_card(bi(framework_name[0], framework_name[1], lang),
                   missing if s["index"] is None else format_score(s["index"], lang),
                   bi(f"{s['year']}年", str(s["year"]), lang))]
    grade = missing if s["grade_zh"] is None else bi(s["grade_zh"], s["grade_en"], lang)
    cards.append(_card(bi("等次", "Grade", lang), grade))
    rank = missing if s["rank"] is None else f"{s['rank']}/{s['n_ranked']}"
    ranked = (bi(f"共 {s['n_ranked']} 个区参与排名", f"of {s['n_ranked']} ranked districts", lang)
              if s["n_ranked"] else bi("本年没有区可排名", "no district ranked this year", lang))
    cards.append(_card(bi("排名", "Rank", lang), rank, ranked))
    if s["index_change"] is None:
        prev = s["prev_year"]
        why = (bi("无上年指数", "no earlier index", lang) if prev is None
               else bi(f"本年指数缺失（{prev}年为 {s['prev_index']:.1f}）",
                       f"index missing this year ({prev}: {s['prev_index']:.1f})", lang))
        cards.append(_card(bi("较上年", "Change", lang), "–", why))
    else:
        rc = s["rank_change"]
        if rc is None or rc == 0:
            rank_text = bi("排名不变", "rank unchanged", lang)
        elif rc > 0:
            rank_text = bi(f"排名上升 {rc} 位", f"up {rc} place{'s' if rc != 1 else ''}", lang)
        else:
            rank_text = bi(f"排名下降 {-rc} 位", f"down {-rc} place{'s' if rc != -1 else ''}", lang)
        cards.append(_card(bi(f"较{s['prev_year']}年", f"Change vs {s['prev_year']}", lang),
                           _signed(s["index_change"]), rank_text))
    cards.append(_card(
        bi("数据覆盖", "Data coverage", lang), f"{s['indicators_present']}/{s['indicators_total']}",
        bi(f"项指标有数据（{s['coverage']:.0%}；按权重 {s['weighted_coverage']:.0%}）",
           f"indicators with data ({s['coverage']:.0%}; {s['weighted_coverage']:.0%} by weight)", lang),
    ))
    r = s["index_missing_reason"]
    reason = bi(r["zh"], r["en"], lang) if r else ""
    return _fragment("headline.html", meta={"title": title, "lang": lang, "district": s["district"],
                                            "year": s["year"]},
                     title=title, cards=cards, reason=reason, lang=lang,
                     edition=Markup(edition_html(edition, lang)))


_SC_HEADERS = (
    ("代码", "Code", "rol-code"), ("指标", "Indicator", "rol-name"), ("数值", "Value", "num"),
    ("同级中位数", "Peer median", "num"), ("数据来源", "Source", "rol-src"), ("得分", "Score", "num"),
    ("中位数得分", "Peer median score", "num"), ("排名", "Rank", "num"), ("贡献（分）", "Contribution (points)", "num"),
)


def edition_html(edition: Mapping[str, Any] | None, lang: str = "zh") -> str:
    """One line naming the published edition, its date and any as-of cut-off ("第 2 版，2025-03-01 发布 / …"), or "".

    ``edition["as_of"]``, when present (``rolindex publish --as-of``), adds "数据截至 … / figures as of …".
    """
    if not edition:
        return ""
    n, date, as_of = edition["number"], edition["date"], edition.get("as_of")
    zh, en = f"第 {n} 版，{date} 发布", f"Edition {n}, published {date}"
    if as_of:
        zh, en = f"{zh}，数据截至 {as_of}", f"{en}, figures as of {as_of}"
    return f'<p class="rol-edition">{esc(bi(zh, en, lang))}</p>'


def bi_html(zh: str, en: str, lang: str) -> str:
    """Escaped two-line bilingual text (Chinese, then English in a smaller line) or English alone."""
    if lang == "zh":
        return f'{esc(zh)}<br><span class="rol-en">{esc(en)}</span>'
    return esc(en)


def scorecard_html(table: pd.DataFrame, summary: Mapping[str, Any], lang: str = "zh") -> Fragment:
    """The scorecard as an HTML table (from :func:`evaluation.report.content.scorecard`).

    Dimensions in bold above their indicators; missing values in the missing style with their
    reason in the source column; contributions in points of the index, with the item's weight
    in this district's index after the slash; a caption stating coverage.
    """
    check_lang(lang)
    missing = bi("缺失", "missing", lang)
    headers = [{"zh": zh, "en": en, "cls": c} for zh, en, c in _SC_HEADERS]
    rows = []
    for r in table.itertuples(index=False):
        is_ind = r.kind == "indicator"
        value_missing = is_ind and pd.isna(r.value)
        score_missing = pd.isna(r.score)
        rows.append({
            "kind": "rol-ind" if is_ind else "rol-dim", "code": r.code, "name": r.name,
            "value": r.value_text, "value_cls": "num rol-miss" if value_missing else "num",
            "unit": r.unit if r.unit and r.unit != "%" and not value_missing else "",
            "peer_value": r.peer_value_median_text,
            "peer_unit": r.unit if r.unit and r.unit != "%" and r.peer_value_median_text else "",
            "source": r.source_text,
            "source_cls": "rol-src rol-miss" if is_ind and (value_missing or score_missing) else "rol-src",
            "score": missing if score_missing else f"{r.score:.1f}",
            "score_cls": "num rol-miss" if score_missing else "num",
            "peer_median": "–" if pd.isna(r.peer_median) else f"{r.peer_median:.1f}",
            "rank": "–" if r.rank is None or pd.isna(r.rank) else f"{int(r.rank)}/{r.n_ranked}",
            "rank_all": ("" if not summary.get("group") or r.rank_all is None or pd.isna(r.rank_all)
                         else f"{bi('全部', 'all', lang)} {int(r.rank_all)}/{r.n_all}"),
            "points": "–" if pd.isna(r.contribution) else f"{r.contribution:.2f}",
            "weight": "" if pd.isna(r.realised_weight) or score_missing else f"{r.realised_weight:.2f}",
        })
    s = summary
    present, total = s["indicators_present"], s["indicators_total"]
    group = s.get("group") or ""
    peer_zh, peer_en = peer_words(s)
    caption = bi(
        f"{s['name_zh']} {s['year']}年计分卡。数据覆盖：{present}/{total} 项指标有数据（{s['coverage']:.0%}；"
        f"按权重 {s['weighted_coverage']:.0%}）。缺失项如实标为“缺失”并注明原因，不以 0 代替。"
        f"{peer_zh}；同级中位数与排名在其中有数据的区之间计算{'（其下为在全部参评区中的排名）' if group else ''}；"
        "贡献为该项在指数中所得分数，"
        "斜线后为其在本区指数中的权重（满分时的贡献，缺失项的权重由同级有数据的项分担）。",
        f"Scorecard of {s['name_en']}, {s['year']}. Coverage: {present} of {total} indicators have data "
        f"({s['coverage']:.0%}; {s['weighted_coverage']:.0%} by weight). Missing items are shown as "
        f"missing with the reason, never as 0. {peer_en}; peer medians and ranks are among those with a value"
        f"{' (below, the rank among all districts)' if group else ''}. Contribution is the points the item adds "
        "to the index, "
        "after the slash its weight in this district's index (its contribution at a score of 100; the "
        "weight of missing items is shared among the present ones).",
        lang,
    )
    return _fragment("scorecard.html", headers=headers, rows=rows, caption=caption, lang=lang)


def strengths_html(sw: Mapping[str, Sequence[str]], lang: str = "zh") -> Fragment:
    """Two lists of generated sentences: strengths and weaknesses relative to peers."""
    check_lang(lang)
    parts = []
    for key, zh, en, none_zh, none_en in (
        ("strengths", "优势", "Strengths", "没有明显高于同级中位数的指标",
         "no indicator clearly above the peer median"),
        ("weaknesses", "短板", "Weaknesses", "没有明显低于同级中位数的指标",
         "no indicator clearly below the peer median"),
    ):
        parts.append({"heading": bi(zh, en, lang), "items": list(sw.get(key) or []),
                      "none": bi(none_zh, none_en, lang)})
    return _fragment("strengths.html", parts=parts, lang=lang)


def _text(text: str) -> dict[str, str]:
    return {"text": text, "hash": ""}


def _hash(digest: str) -> dict[str, str]:
    return {"text": "", "hash": digest}


def methodology_html(note: Mapping[str, Any], lang: str = "zh") -> Fragment:
    """The methodology note: framework and methodology with hashes, steps, grades, inputs, version."""
    check_lang(lang)
    fw, meth = note["framework"], note["methodology"]
    rows = [
        {"label": bi("指标体系", "Framework", lang), "lines": [
            _text(f"{bi(fw['name_zh'], fw['name_en'], lang)} ({fw['id']}, {bi('版本', 'version', lang)} "
                  f"{fw['version']})"), _hash(fw["content_hash"])]},
        {"label": bi("评估方法", "Methodology", lang), "lines": [
            _text(f"{meth['name']}{(' — ' + meth['description']) if meth['description'] else ''}"),
            _hash(meth["content_hash"])]},
    ]
    for st in note["steps"]:
        label = bi(st["label_zh"], st["label_en"], lang)
        if st["scope"]:
            label += f" ({st['scope']})"
        rows.append({"label": label, "lines": [_text(bi(*wording.step_sentence(st), lang))]})
    bands, grades = [], note["grades"]
    for i, g in enumerate(grades):
        if g["min"] is not None:
            cond = f"≥ {g['min']:g}"
        else:
            cond = f"< {grades[i - 1]['min']:g}" if i > 0 else ""
        bands.append(f"{bi(g['zh'], g['en'], lang)} {cond}".strip())
    rows.append({"label": bi("等次划分", "Grade bands", lang),
                 "lines": [_text("；".join(bands) if lang == "zh" else "; ".join(bands))]})
    if note["excluded"]:
        rows.append({"label": bi("未采用的指标", "Excluded indicators", lang),
                     "lines": [_text(", ".join(note["excluded"]))]})
    inputs = [line for name, h in note["inputs"].items() for line in (_text(name), _hash(h))]
    rows.append({"label": bi("输入文件", "Input files", lang), "lines": inputs or [_text("–")]})
    if note["data_sources"]:
        rows.append({"label": bi("数据来源", "Data sources", lang), "lines": [_text(s) for s in note["data_sources"]]})
    pkg = note["package"]
    rows.append({"label": bi("软件版本", "Software", lang), "lines": [_text(f"{pkg['name']} {pkg['version']}")]})
    return _fragment("methodology.html", rows=rows, lang=lang)


def figure_html(png: bytes, alt: str, size: tuple[int, int] | None = None, caption: str = "") -> Fragment:
    """An inline PNG (base64 data URI) with alt text and an optional caption, both escaped."""
    data = base64.b64encode(png).decode("ascii")
    return _fragment("figure.html", data=data, alt=alt, caption=caption,
                     size=(int(size[0]), int(size[1])) if size else None)


# ---------------------------------------------------------------------------------------------
# the rendered document
# ---------------------------------------------------------------------------------------------
_LOCAL = threading.local()


def _exporter():
    """One HTML exporter per thread (building one costs ~0.3 s, rendering ~0.01 s).

    ``nbconvert.HTMLExporter`` parses its whole output with BeautifulSoup afterwards, to add alt
    text to images without one and ``tabindex="0"`` to JupyterLab-template output areas: ~85 % of
    the time for a report of ~12,000 tags (80 ms of 95). Our images always carry alt text
    (:func:`figure_html`) and the ``basic`` (classic) template has no such areas, so the subclass
    skips the parse: the same document, serialised as the template wrote it.
    """
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class ReportExporter(HTMLExporter):
            """``HTMLExporter.from_notebook_node`` without its BeautifulSoup pass (same filters, same template)."""

            def from_notebook_node(self, nb, resources=None, **kw):
                langinfo = nb.metadata.get("language_info", {})
                lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
                self.register_filter("highlight_code",
                                     self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer,
                                                                                       parent=self)))
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        exporter = ReportExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                  exclude_output_prompt=True, exclude_anchor_links=True,
                                  optimistic_validation=True)
        _LOCAL.exporter = exporter
    return exporter


def report_meta(nb: NotebookNode) -> dict[str, Any]:
    """The ``rolindex`` metadata a report's headline left in its output (title, lang, ...)."""
    for cell in nb.cells:
        for out in cell.get("outputs", ()):
            meta = out.get("metadata", {}).get("text/html", {})
            if isinstance(meta, Mapping) and META_KEY in meta:
                return dict(meta[META_KEY])
    return {}


def render_html(nb: NotebookNode, *, title: str | None = None, lang: str | None = None) -> str:
    """Render an executed report notebook as one self-contained HTML page without code.

    Uses ``nbconvert.HTMLExporter(exclude_input=True)`` with the ``basic`` template (cached per
    thread) inside :func:`document`, so the page loads nothing from outside: charts are inline
    PNG, styles are inline. Title and language come from the report's headline (falling back to
    the notebook's papermill parameters); ``lang="zh"`` gives ``<html lang="zh-CN">``.
    """
    meta = report_meta(nb)
    params = nb.metadata.get("papermill", {}).get("parameters", {}) or {}
    lang = lang or meta.get("lang") or params.get("lang") or "zh"
    check_lang(lang)
    if title is None:
        title = meta.get("title") or bi(
            f"{params.get('district', '')} {params.get('year', '')} 法治建设评估报告",
            f"{params.get('district', '')} rule-of-law assessment {params.get('year', '')}", lang)
    body, _ = _exporter().from_notebook_node(nb)
    return document(title, body, lang, template="report.html", font_css=fonts.font_face_css())
