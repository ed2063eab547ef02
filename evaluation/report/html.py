"""HTML for district reports: fragments the notebook displays, and the rendered document.

Every string that comes from data (district names, indicator names, sources, hashes, numbers) is
passed through :func:`html.escape` here, and nowhere else is HTML built from data. Fragments are
:class:`Fragment` strings that Jupyter displays as HTML. :func:`render_html` turns an executed
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

from .content import bi, check_lang, format_score

if TYPE_CHECKING:  # nbformat costs ~1.3 s to import (jsonschema); kernels never need it
    from nbformat import NotebookNode

__all__ = [
    "CSS", "Fragment", "banner_html", "document", "edition_html", "esc", "figure_html", "headline_html",
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

    def _repr_html_(self) -> str | tuple[str, dict[str, Any]]:
        if self.meta:
            return str(self), {META_KEY: dict(self.meta)}
        return str(self)


def esc(value: Any) -> str:
    """``html.escape`` of ``str(value)``, quotes included (safe in text and attribute values)."""
    return html.escape(str(value), quote=True)


#: Latin fonts first: digits, "−" and Latin text come from them (a CJK font's minus sign is as wide
#: as a character and reads like 一); Chinese falls through to the reader's system CJK font.
CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #1f5f99; --warn: #b42318; }
body { font-family: "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
       "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei", sans-serif;
       color: var(--ink); max-width: 1200px; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.55; }
h1 { font-size: 1.6rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.25rem; margin-top: 1.8rem;
  border-bottom: 2px solid var(--line); padding-bottom: .2rem; } h3 { font-size: 1.05rem; }
.anchor-link { display: none; }
.rol-banner { border: 2px solid var(--warn); background: #fef3f2; color: var(--warn); padding: .6rem 1rem;
  font-size: 1.05rem; margin: .5rem 0 1rem; border-radius: 4px; }
.rol-cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: .4rem 0; }
.rol-card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; }
.rol-card .k { color: var(--muted); font-size: .85rem; } .rol-card .v { font-size: 1.4rem; font-weight: 600; }
.rol-card .s { color: var(--muted); font-size: .85rem; }
.rol-note { color: var(--muted); font-size: .9rem; }
.rol-missing-reason { color: var(--warn); }
table.rol-table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .5rem 0; }
table.rol-table th, table.rol-table td { border-bottom: 1px solid var(--line); padding: .25rem .4rem;
  text-align: left; vertical-align: top; }
table.rol-table th { background: #f0f4f8; position: sticky; top: 0; }
table.rol-table td.num, table.rol-table th.num { text-align: right; white-space: nowrap; }
table.rol-table tr.rol-dim td { font-weight: 600; background: #f8fafc; }
table.rol-table tr.rol-ind td.rol-name { padding-left: 1.1rem; }
table.rol-table td.rol-name { min-width: 10rem; } table.rol-table td.rol-code { white-space: nowrap; }
table.rol-table td.rol-src { font-size: .76rem; min-width: 12rem; max-width: 20rem; }
.rol-en { color: var(--muted); font-weight: normal; font-size: .92em; }
.rol-scroll { overflow-x: auto; }
.rol-miss { color: var(--warn); font-style: italic; }
.rol-sub { color: var(--muted); font-size: .8rem; }
table.rol-table caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: .85rem;
  padding-top: .3rem; }
figure.rol-figure { margin: .8rem 0; } figure.rol-figure img { max-width: 100%; height: auto; }
figure.rol-figure figcaption { color: var(--muted); font-size: .85rem; }
code.rol-hash { font-size: .78rem; word-break: break-all; }
.output_stderr { display: none; }
.rol-failed { color: var(--warn); font-size: .8rem; cursor: help; }
.rol-nowrap { white-space: nowrap; }
.rol-nav { font-size: .9rem; margin-bottom: .4rem; } .rol-nav a { color: var(--accent); }
th[data-sort] { cursor: pointer; } th[data-sort]::after { content: " \\2195"; color: var(--muted); }
"""


def document(title: str, body: str, lang: str = "zh", script: str = "") -> str:
    """A complete, self-contained HTML page around ``body`` (trusted HTML); ``title`` is escaped.

    ``script`` (trusted, a constant of this package) is inlined at the end of the body.
    """
    check_lang(lang)
    tail = f"<script>{script}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{HTML_LANG[lang]}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n{tail}</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------------------------
# fragments
# ---------------------------------------------------------------------------------------------
def banner_html(synthetic: bool, lang: str = "zh") -> Fragment:
    """The synthetic-data banner (always bilingual: it must not be missed), or nothing."""
    check_lang(lang)
    if not synthetic:
        return Fragment("")
    return Fragment(
        '<div class="rol-banner" role="alert"><strong>合成数据 / synthetic data</strong> — '
        "本报告的数据为虚构示例数据，不描述任何真实地区。 / The figures in this report are fictional "
        "sample data and describe no real place.</div>"
    )


def report_title(summary: Mapping[str, Any], lang: str = "zh") -> str:
    """The page title: district name, year and report kind (plain text, not yet escaped)."""
    zh = f"{summary['name_zh']} {summary['year']}年法治建设评估报告"
    en = f"{summary['name_en']} — rule-of-law assessment {summary['year']}"
    return bi(zh, en, lang)


def _card(key: str, value: str, sub: str = "", cls: str = "") -> str:
    sub_html = f'<div class="s">{esc(sub)}</div>' if sub else ""
    return (f'<div class="rol-card {cls}"><div class="k">{esc(key)}</div>'
            f'<div class="v">{esc(value)}</div>{sub_html}</div>')


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
    reason = ""
    if s["index_missing_reason"]:
        r = s["index_missing_reason"]
        reason = f'<p class="rol-missing-reason">{esc(bi(r["zh"], r["en"], lang))}</p>'
    body = (f'<h1>{esc(title)}</h1>{edition_html(edition, lang)}'
            f'<div class="rol-cards">{"".join(cards)}</div>{reason}')
    return Fragment(body, meta={"title": title, "lang": lang, "district": s["district"], "year": s["year"]})


_SC_HEADERS = (
    ("代码", "Code", "rol-code"), ("指标", "Indicator", "rol-name"), ("数值", "Value", "num"),
    ("同级中位数", "Peer median", "num"), ("数据来源", "Source", "rol-src"), ("得分", "Score", "num"),
    ("中位数得分", "Peer median score", "num"), ("排名", "Rank", "num"), ("贡献（分）", "Contribution (points)", "num"),
)


def edition_html(edition: Mapping[str, Any] | None, lang: str = "zh") -> str:
    """One line naming the published edition and its date ("第 2 版，2025-03-01 发布 / edition 2 …"); "" for None."""
    if not edition:
        return ""
    n, date = edition["number"], edition["date"]
    return f'<p class="rol-edition">{esc(bi(f"第 {n} 版，{date} 发布", f"Edition {n}, published {date}", lang))}</p>'


def bi_html(zh: str, en: str, lang: str) -> str:
    """Escaped two-line bilingual text (Chinese, then English in a smaller line) or English alone."""
    if lang == "zh":
        return f'{esc(zh)}<br><span class="rol-en">{esc(en)}</span>'
    return esc(en)


def _td(text: str, classes: str = "", raw: bool = False) -> str:
    body = text if raw else esc(text)
    return f'<td class="{classes}">{body}</td>' if classes else f"<td>{body}</td>"


def scorecard_html(table: pd.DataFrame, summary: Mapping[str, Any], lang: str = "zh") -> Fragment:
    """The scorecard as an HTML table (from :func:`evaluation.report.content.scorecard`).

    Dimensions in bold above their indicators; missing values in the missing style with their
    reason in the source column; contributions in points of the index, with the item's weight
    in this district's index after the slash; a caption stating coverage.
    """
    check_lang(lang)
    missing = bi("缺失", "missing", lang)
    head = "".join(f'<th class="{c}">{bi_html(zh, en, lang)}</th>' for zh, en, c in _SC_HEADERS)
    rows = []
    for r in table.itertuples(index=False):
        is_ind = r.kind == "indicator"
        value_missing = is_ind and pd.isna(r.value)
        score_missing = pd.isna(r.score)
        unit = f'<span class="rol-sub"> {esc(r.unit)}</span>' if r.unit and r.unit != "%" and not value_missing else ""
        peer_unit = f'<span class="rol-sub"> {esc(r.unit)}</span>' if r.unit and r.unit != "%" else ""
        rank = "–" if r.rank is None or pd.isna(r.rank) else f"{int(r.rank)}/{r.n_ranked}"
        of = ("" if pd.isna(r.realised_weight) or score_missing
              else f'<span class="rol-sub"> / {r.realised_weight:.2f}</span>')
        points = "–" if pd.isna(r.contribution) else f"{r.contribution:.2f}"
        cells = [
            _td(r.code, "rol-code"), _td(r.name, "rol-name"),
            _td(esc(r.value_text) + unit, "num rol-miss" if value_missing else "num", raw=True),
            _td(esc(r.peer_value_median_text) + (peer_unit if r.peer_value_median_text else ""), "num", raw=True),
            _td(r.source_text, "rol-src rol-miss" if is_ind and (value_missing or score_missing) else "rol-src"),
            _td(missing if score_missing else f"{r.score:.1f}", "num rol-miss" if score_missing else "num"),
            _td("–" if pd.isna(r.peer_median) else f"{r.peer_median:.1f}", "num"),
            _td(rank, "num"), _td(points + of, "num", raw=True),
        ]
        rows.append(f'<tr class="{"rol-ind" if is_ind else "rol-dim"}">{"".join(cells)}</tr>')
    s = summary
    present, total = s["indicators_present"], s["indicators_total"]
    caption = bi(
        f"{s['name_zh']} {s['year']}年计分卡。数据覆盖：{present}/{total} 项指标有数据（{s['coverage']:.0%}；"
        f"按权重 {s['weighted_coverage']:.0%}）。缺失项如实标为“缺失”并注明原因，不以 0 代替。"
        f"同级中位数为{s['year']}年各区中位数；排名在有数据的区之间计算；贡献为该项在指数中所得分数，"
        "斜线后为其在本区指数中的权重（满分时的贡献，缺失项的权重由同级有数据的项分担）。",
        f"Scorecard of {s['name_en']}, {s['year']}. Coverage: {present} of {total} indicators have data "
        f"({s['coverage']:.0%}; {s['weighted_coverage']:.0%} by weight). Missing items are shown as "
        f"missing with the reason, never as 0. Peer medians are over all districts in {s['year']}; "
        "ranks are among districts with a value. Contribution is the points the item adds to the index, "
        "after the slash its weight in this district's index (its contribution at a score of 100; the "
        "weight of missing items is shared among the present ones).",
        lang,
    )
    return Fragment(
        f'<div class="rol-scroll"><table class="rol-table rol-scorecard"><caption>{esc(caption)}</caption>'
        f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


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
        items = sw.get(key) or []
        body = ("".join(f"<li>{esc(t)}</li>" for t in items) if items
                else f'<li class="rol-note">{esc(bi(none_zh, none_en, lang))}</li>')
        parts.append(f"<h3>{esc(bi(zh, en, lang))}</h3><ul>{body}</ul>")
    return Fragment("".join(parts))


def methodology_html(note: Mapping[str, Any], lang: str = "zh") -> Fragment:
    """The methodology note: framework and methodology with hashes, steps, grades, inputs, version."""
    check_lang(lang)
    fw, meth = note["framework"], note["methodology"]
    rows = [
        (bi("指标体系", "Framework", lang),
         f"{esc(bi(fw['name_zh'], fw['name_en'], lang))} ({esc(fw['id'])}, {esc(bi('版本', 'version', lang))} "
         f"{esc(fw['version'])})<br><code class=\"rol-hash\">sha256 {esc(fw['content_hash'])}</code>"),
        (bi("评估方法", "Methodology", lang),
         f"{esc(meth['name'])}{(' — ' + esc(meth['description'])) if meth['description'] else ''}"
         f"<br><code class=\"rol-hash\">sha256 {esc(meth['content_hash'])}</code>"),
    ]
    for st in note["steps"]:
        label = bi(st["label_zh"], st["label_en"], lang)
        if st["scope"]:
            label += f" ({st['scope']})"
        rows.append((label, esc(bi(st["text_zh"], st["text_en"], lang))))
    bands, grades = [], note["grades"]
    for i, g in enumerate(grades):
        if g["min"] is not None:
            cond = f"≥ {g['min']:g}"
        else:
            cond = f"< {grades[i - 1]['min']:g}" if i > 0 else ""
        bands.append(f"{bi(g['zh'], g['en'], lang)} {cond}".strip())
    rows.append((bi("等次划分", "Grade bands", lang), esc("；".join(bands) if lang == "zh" else "; ".join(bands))))
    if note["excluded"]:
        rows.append((bi("未采用的指标", "Excluded indicators", lang), esc(", ".join(note["excluded"]))))
    inputs = "<br>".join(f"{esc(name)}<br><code class=\"rol-hash\">sha256 {esc(h)}</code>"
                         for name, h in note["inputs"].items())
    rows.append((bi("输入文件", "Input files", lang), inputs or "–"))
    if note["data_sources"]:
        rows.append((bi("数据来源", "Data sources", lang), "<br>".join(esc(s) for s in note["data_sources"])))
    pkg = note["package"]
    rows.append((bi("软件版本", "Software", lang), esc(f"{pkg['name']} {pkg['version']}")))
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return Fragment(f'<table class="rol-table rol-method"><tbody>{body}</tbody></table>')


def figure_html(png: bytes, alt: str, size: tuple[int, int] | None = None, caption: str = "") -> Fragment:
    """An inline PNG (base64 data URI) with alt text and an optional caption, both escaped."""
    data = base64.b64encode(png).decode("ascii")
    dims = f' width="{int(size[0])}" height="{int(size[1])}"' if size else ""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Fragment(f'<figure class="rol-figure"><img src="data:image/png;base64,{data}" '
                    f'alt="{esc(alt)}"{dims}>{cap}</figure>')


# ---------------------------------------------------------------------------------------------
# the rendered document
# ---------------------------------------------------------------------------------------------
_LOCAL = threading.local()


def _exporter():
    """One ``HTMLExporter`` per thread (building one costs ~0.3 s, rendering ~0.01 s)."""
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
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
    return document(title, f'<main class="rol-report">\n{body}\n</main>', lang)
