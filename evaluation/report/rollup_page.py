"""The office roll-up's pages: one page per district (its offices' scores, the roll-up rule, the
district's rolled-up figures) and an index page linking them.

The judicial-office framework (``judicial_office_std``) scores each 司法所; :func:`indicators.rollup.rollup`
rolls the office scores up to their districts. :func:`rollup_district` gives a district-year's
page content as plain data; :func:`write_rollup_pages` renders ``rollup.html`` (one per district)
and ``rollup_index.html`` (Jinja2, autoescaped) into a folder, each page written atomically.
Missing stays missing: an office without figures is listed as such, never as 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from indicators import IndexResult
from indicators.rollup import ROLLUPS, Rollup

from ..errors import ReportDataError
from ..fileio import atomic_write_text, file_stem
from . import fonts, templating
from .content import bi, check_lang, district_names, safe_name
from .html import HTML_LANG, banner_html
from .index_page import SORT_SCRIPT
from .store import SYNTHETIC_PREFIX

__all__ = ["ROLLUP_RULES", "rollup_district", "rollup_rule", "write_rollup_pages"]

#: The roll-up rules in words: method -> (zh, en).
ROLLUP_RULES: dict[str, tuple[str, str]] = {
    "mean": ("区的得分为其各司法所得分的算术平均（每个所同等计入；无得分的所不计入，不按 0 分计）",
             "the district's score is the arithmetic mean of its offices' scores (every office counts equally; "
             "an office without a score is left out, never counted as 0)"),
    "median": ("区的得分为其各司法所得分的中位数（无得分的所不计入）",
               "the district's score is the median of its offices' scores (offices without a score left out)"),
    "min": ("区的得分为其得分最低的司法所的得分（不以强补弱；无得分的所不计入）",
            "the district's score is its weakest office's score (a strong office does not offset a weak one; "
            "offices without a score left out)"),
}


def rollup_rule(method: str, lang: str = "zh") -> str:
    """The roll-up rule ``method`` in words (the registry's label for a method without a sentence here)."""
    m = ROLLUPS.get(method)
    zh, en = ROLLUP_RULES.get(method, (m.label_zh, m.summary))
    return bi(f"{m.label_zh}：{zh}。", f"{en[:1].upper()}{en[1:]}.", lang)


def _fmt(v: Any) -> str | None:
    return None if v is None or pd.isna(v) else f"{float(v):.1f}"


def rollup_district(result: IndexResult, ru: Rollup, district: str, year: int, lang: str = "zh") -> dict[str, Any]:
    """One district-year of the roll-up: its rolled-up figures per node, its offices' scores, the counts.

    Returns ``name``, ``district``, ``year``, ``rule`` (in words), ``counts`` (offices listed,
    with figures, with an index score), ``nodes`` (per node in tree order: code, name, depth,
    rolled-up score, offices with a score, and for binary items the share of offices meeting it)
    and ``offices`` (id, name, index and dimension scores; ``None`` when missing).
    """
    check_lang(lang)
    if (district, year) not in ru.scores.index:
        have = ", ".join(sorted(pd.unique(ru.mapping["district"]))[:20])
        raise ReportDataError(f"the roll-up has no district {district!r} in {year}; districts: {have}")
    fw = ru.framework
    dims = [c for c in fw.children(fw.root) if c in ru.scores.columns]
    names = ru.mapping.drop_duplicates("district").set_index("district")["district_name"]
    name = str(names.get(district) or district)
    zh, _, en = name.partition(" / ")
    label = bi(zh, en or zh, lang)
    row = (district, year)
    nodes = []
    for code in ru.scores.columns:
        node = fw.nodes[code]
        depth = 0 if code == fw.root else len(fw.path(code)) - 1
        share = ru.shares.at[row, code] if code in ru.shares.columns else None
        nodes.append({"code": code, "name": node.zh if lang == "zh" else node.en, "depth": depth,
                      "cls": "rol-dim" if depth <= 1 else "rol-ind",
                      "score": _fmt(ru.scores.at[row, code]), "n": int(ru.counts.at[row, code]),
                      "share": None if share is None or pd.isna(share) else f"{float(share):.0%}",
                      "binary": code in ru.shares.columns})
    scores = result.node_scores()
    offices = []
    for office in ru.mapping.loc[ru.mapping["district"] == district, "office"]:
        key = (office, year)
        has = key in scores.index
        o_zh, o_en = district_names(result, office) if office in result.districts.index else (office, office)
        offices.append({
            "office": office, "name": o_zh if lang == "zh" else o_en, "has_data": has,
            "index": _fmt(scores.at[key, fw.root]) if has else None,
            "dims": [_fmt(scores.at[key, d]) if has else None for d in dims],
        })
    counts = {k: int(ru.offices.at[row, k]) for k in ("n_offices", "n_with_data", "n_scored")}
    return {"district": district, "name": label, "year": int(year), "rule": rollup_rule(ru.method, lang),
            "method": ru.method, "counts": counts, "nodes": nodes, "offices": offices,
            "dims": [{"code": d, "name": fw.nodes[d].zh if lang == "zh" else fw.nodes[d].en} for d in dims]}


def write_rollup_pages(result: IndexResult, ru: Rollup, year: int, folder: str | Path, lang: str = "zh"
                       ) -> tuple[Path, dict[str, Path]]:
    """Write ``<folder>/<district>.html`` for every district of the roll-up and ``<folder>/index.html``.

    Returns the index page and {district: page}. The index page lists each district's offices
    (scored / with figures / listed), its rolled-up index and dimensions, linking its page. The
    CJK font subset for the pages' characters goes to ``<folder>/_fonts/`` (as for report batches).
    """
    check_lang(lang)
    if int(year) not in ru.scores.index.get_level_values("year"):
        raise ReportDataError(f"the roll-up has no year {year}; years: "
                              f"{', '.join(map(str, sorted(set(ru.scores.index.get_level_values('year')))))}")
    folder = Path(folder)
    fw = ru.framework
    synthetic = any(str(s).startswith(SYNTHETIC_PREFIX) for s in result.provenance.get("data_sources", ()))
    common = {"lang": lang, "html_lang": HTML_LANG[lang], "font_css": Markup(fonts.font_face_css()),
              "banner": banner_html(synthetic, lang), "framework": bi(fw.zh, fw.en, lang)}
    pages: dict[str, Path] = {}
    rows, dims, rule = [], [], rollup_rule(ru.method, lang)
    for district in pd.unique(ru.mapping["district"]):
        page = rollup_district(result, ru, str(district), int(year), lang)
        title = bi(f"{page['name'].split(' / ')[0]} {year}年司法所汇总", f"{page['name'].split(' / ')[-1]} — "
                   f"judicial offices rolled up, {year}", lang)
        html = templating.render("rollup.html", title=title, script="", page=page, back="index.html",
                                 back_label=bi("返回汇总表", "Back to the roll-up table", lang),
                                 labels=_labels(lang), **common)
        name = f"{file_stem(safe_name(str(district)))}.html"
        pages[str(district)] = atomic_write_text(folder / name, html + "\n")
        dims = page["dims"]
        index = next(n for n in page["nodes"] if n["code"] == fw.root)
        c = page["counts"]
        rows.append({"href": name, "name": page["name"], "district": page["district"],
                     "offices": f"{c['n_scored']}/{c['n_with_data']}/{c['n_offices']}", "n_scored": c["n_scored"],
                     "index": index["score"],
                     "dims": [n["score"] for d in page["dims"] for n in page["nodes"] if n["code"] == d["code"]]})
    title = bi(f"{fw.zh} {year}年区级汇总", f"{fw.en} — district roll-up {year}", lang)
    html = templating.render("rollup_index.html", title=title, script=Markup(SORT_SCRIPT), rows=rows,
                             dims=dims, rule=rule, labels=_labels(lang), **common)
    index_page = atomic_write_text(folder / "index.html", html + "\n")
    chars: set[str] = set()  # the CJK font subset for the characters of these pages (_fonts/, as report batches)
    for page in sorted(folder.glob("*.html")):
        chars |= fonts.page_chars(page.read_text(encoding="utf-8"))
    fonts.subset_font(chars, folder)
    return index_page, pages


def _labels(lang: str) -> dict[str, str]:
    words = {
        "rule": ("汇总规则", "Roll-up rule"), "district": ("区", "District"), "offices": ("司法所", "Offices"),
        "index": ("指数", "Index"), "rolled": ("本区汇总得分", "The district's rolled-up figures"),
        "item": ("项目", "Item"), "score": ("汇总得分", "Rolled-up score"),
        "n": ("有得分的所数", "Offices with a score"), "share": ("达标所占比例", "Share of offices meeting it"),
        "office_scores": ("各司法所得分", "Each office's scores"),
        "office": ("司法所", "Office"), "missing": ("缺失", "missing"),
        "no_data": ("当年无数据", "no figures this year"),
        "counts": ("司法所数：有指数得分 / 有数据 / 名单内", "Offices: with an index score / with figures / listed"),
        "table_note": ("点击区名查看其各司法所得分；司法所列为 有指数得分/有数据/名单内 的所数。",
                       "Click a district for its offices' scores; the offices column counts offices with an index "
                       "score / with figures / listed."),
    }
    return {k: bi(zh, en, lang) for k, (zh, en) in words.items()}
