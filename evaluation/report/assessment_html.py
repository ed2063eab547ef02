"""HTML fragments of the assessment-report sections (grading status, 满分/得分/得分率, 扣分, findings, sources).

Built from :mod:`evaluation.report.assessment` data and rendered with the Jinja2 templates in
``templates/`` (``grading.html``, ``assessment_table.html``, ``strengths.html``, ``basis.html``,
``note.html``), autoescaped; a deployment folder may replace them like any other template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .content import bi, check_lang
from .html import Fragment, _fragment
from .wording import heading_text

__all__ = ["adjustments_html", "basis_html", "deductions_html", "findings_html", "grading_html", "points_html",
           "rectification_html", "sources_html"]


def _num(x: Any, digits: int = 2) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.{digits}f}"


def _heads(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"zh": zh, "en": en} for zh, en in pairs]


def _cell(*lines: str, cls: str = "") -> dict[str, Any]:
    return {"lines": [str(x) for x in lines], "cls": cls}


def _table(cls: str, heads: Sequence[tuple[str, str]], rows: list[dict[str, Any]], lang: str,
           caption: str = "") -> Fragment:
    return _fragment("assessment_table.html", cls=cls, heads=_heads(heads), rows=rows, lang=lang, caption=caption)


def grading_html(summary: Mapping[str, Any], lang: str = "zh", unsubmitted_note: str = "") -> Fragment:
    """Whether the district-year is graded (不评定等次 with the reason), indicators counted, the
    unsubmitted rule (and whether it decides the rank) and the rank within the peer group."""
    check_lang(lang)
    s = summary
    banner = ""
    if s.get("index") is not None and not s.get("graded", True):
        reason = bi(s["grade_reason_zh"], s["grade_reason_en"], lang)
        only = bi("指数仅供参考，不参与排名。", "The index is shown for reference only and is not ranked.", lang)
        banner = f"{reason} {only}"
    used, present, total = s["indicators_used"], s["indicators_present"], s["indicators_total"]
    text = bi(f"计入指数的有数据指标 {used}/{total} 项", f"{used} of {total} indicators with data count in the index",
              lang)
    if used != present:
        text += bi(f"（另有 {present - used} 项有数据，但所属维度数据不足，未计入）",
                   f" ({present - used} more have data but sit in dimensions without enough data, so do not count)",
                   lang)
    option = s.get("unsubmitted_option", "redistribute")
    rule_zh, rule_en = (("未报送项不计分，其权重由已报送指标分担",
                         "unsubmitted items are skipped and their weight shared among the submitted ones")
                        if option == "redistribute" else ("未报送项按 0 分计", "unsubmitted items score 0 points"))
    items = [text, bi(f"未报送项计分规则：{rule_zh}", f"Unsubmitted items: {rule_en}", lang)]
    if unsubmitted_note:
        items.append(unsubmitted_note)
    if s.get("group"):
        if s.get("group_rank") is not None:
            items.append(bi(f"同组（{s['group']}）排名 {s['group_rank']}/{s['n_group']}；全部参评区排名 "
                            f"{s['rank']}/{s['n_ranked']}",
                            f"Rank within the peer group ({s['group']}): {s['group_rank']} of {s['n_group']}; "
                            f"overall {s['rank']} of {s['n_ranked']}", lang))
        else:
            items.append(bi(f"同组：{s['group']}", f"Peer group: {s['group']}", lang))
    return _fragment("grading.html", banner=banner, items=items)


def points_html(table: pd.DataFrame, lang: str = "zh") -> Fragment:
    """满分 / 得分 / 得分率 per dimension and indicator, with how each item was counted."""
    check_lang(lang)
    rows = [{"cls": "rol-dim" if r.kind == "dimension" else "rol-ind", "cells": [
        _cell(r.code, cls="rol-code"), _cell(r.name, cls="rol-name"), _cell(_num(r.full_points), cls="num"),
        _cell(_num(r.points), cls="num"), _cell("–" if pd.isna(r.rate) else f"{r.rate:.1%}", cls="num"),
        _cell(r.treatment, cls="rol-src")]} for r in table.itertuples(index=False)]
    return _table("rol-points", [("代码", "Code"), ("项目", "Item"), ("满分", "Full points"), ("得分", "Points"),
                                 ("得分率", "Rate"), ("计分方式", "How it counted")], rows, lang)


def deductions_html(table: pd.DataFrame, lang: str = "zh") -> Fragment:
    """扣分 reasons item by item: rule, target, value, shortfall, points lost (满分 − 得分)."""
    check_lang(lang)
    lost = table[table["lost"] > 0.005] if len(table) else table
    if not len(lost):
        return _fragment("note.html", text=bi("各计分项均未扣分。", "No item lost points.", lang))
    rows = [{"cls": "", "cells": [
        _cell(r.code, cls="rol-code"), _cell(r.name, cls="rol-name"), _cell(r.rule, cls="rol-src"),
        _cell(r.target, cls="num"), _cell(r.value, cls="num"), _cell(r.shortfall, cls="num"),
        _cell(_num(r.full_points), cls="num"), _cell(_num(r.points), cls="num"), _cell(_num(r.lost), cls="num")]}
        for r in lost.itertuples(index=False)]
    total = float(lost["lost"].sum())
    cap = bi(f"合计扣分 {total:.2f} 分；每项扣分 = 满分 − 得分。", f"{total:.2f} points lost in all; each item "
             "loses its full points minus its points.", lang)
    return _table("rol-deductions", [("代码", "Code"), ("项目", "Item"), ("评分规则", "Rule"), ("目标", "Target"),
                                     ("实际", "Value"), ("差距", "Shortfall"), ("满分", "Full"), ("得分", "Points"),
                                     ("扣分", "Lost")], rows, lang, caption=cap)


def findings_html(found: Mapping[str, Sequence[str]], lang: str = "zh") -> Fragment:
    """Strengths, weaknesses (significant gaps only, caveated) and last year's weaknesses followed up."""
    check_lang(lang)
    parts = []
    for key, zh, en, none_zh, none_en in (
        ("strengths", "优势", "Strengths", "没有高于同级中位数 10 分以上的指标", "no indicator 10 or more points above "
         "the peer median"),
        ("weaknesses", "存在问题", "Weaknesses", "没有低于同级中位数 10 分以上的指标", "no indicator 10 or more points "
         "below the peer median"),
        ("follow_up", "上年问题整改情况", "Follow-up of last year's weaknesses", "上年无明显短板或无上年数据",
         "no clear weakness last year, or no earlier year"),
    ):
        parts.append({"heading": bi(zh, en, lang), "items": list(found.get(key) or []),
                      "none": bi(none_zh, none_en, lang)})
    return _fragment("strengths.html", parts=parts)


def sources_html(entries: Mapping[str, Mapping[str, Any]], names: Mapping[str, str], lang: str = "zh") -> Fragment:
    """Each indicator's documents (title and quote) and caveats (lower bound, approximate, external year)."""
    check_lang(lang)
    if not entries:
        return _fragment("note.html", text=bi("报送数据未注明来源。", "The submission cites no sources.", lang))
    rows = [{"cls": "", "cells": [
        _cell(code, cls="rol-code"), _cell(names.get(code, code), cls="rol-name"),
        _cell(*(e.get("docs") or ["–"]), cls="rol-src"), _cell(*(e.get("caveats") or ["–"]), cls="rol-src")]}
        for code, e in entries.items()]
    return _table("rol-sources", [("代码", "Code"), ("指标", "Indicator"), ("来源文件与原文", "Document and quote"),
                                  ("数据说明", "Caveats")], rows, lang)


def basis_html(issuer: str, issued: str, documents: Sequence[str], lang: str = "zh") -> Fragment:
    """Assessment basis and method (documents, how figures were collected), issuing unit and date."""
    check_lang(lang)
    method = bi("数据由各区司法局按指标体系报送（年度工作总结、法治政府建设报告等公开文件所载数字，逐项注明原文），"
                "外部数据（常住人口）注明来源与年份；按所列评估方法计算指数、评定等次。",
                "Figures are submitted by each district justice bureau against the framework (numbers stated in "
                "public work reports, each with its source sentence); external figures (population) name their "
                "source and year; the index and grade follow the methodology listed.", lang)
    issued_line = ""
    if issuer or issued:
        issued_line = (f"{bi('发布单位', 'Issued by', lang)}: {issuer or '–'}　"
                       f"{bi('日期', 'Date', lang)}: {issued or '–'}")
    return _fragment("basis.html", method=method, docs=list(documents),
                     docs_heading=bi("评估依据与数据来源文件", "Basis and source documents", lang),
                     none=bi("未列出", "none listed", lang), issued_line=issued_line)


def rectification_html(items: Sequence[Mapping[str, str]], lang: str = "zh") -> Fragment:
    """存在问题 and 整改建议 per indicator, with the responsible unit."""
    check_lang(lang)
    if not items:
        return _fragment("note.html", text=bi("数据未显示需整改的问题。",
                                              "The data show no problem calling for rectification.", lang))
    rows = [{"cls": "", "cells": [
        _cell(f"{i['code']} {i['name']}", cls="rol-name"), _cell(i["score"], cls="num"), _cell(i["problem"]),
        _cell(i["suggestion"]), _cell(i["unit"] or "–")]} for i in items]
    return _table("rol-rectify", [("指标", "Indicator"), ("得分", "Score"), ("存在问题", "Problem"),
                                  ("整改建议", "Suggestion"), ("责任单位", "Responsible unit")], rows, lang)


def adjustments_html(found: Mapping[str, Any], lang: str = "zh") -> Fragment:
    """加分 and 一票否决 items applied (what, points or the grade cap, evidence), under their heading.

    Nothing at all when the framework declares no such item (from
    :func:`evaluation.report.assessment.adjustments`).
    """
    check_lang(lang)
    if not found.get("declared"):
        return Fragment("")
    heading = heading_text("adjustments", lang)
    items = found.get("items") or []
    if not items:
        body = _fragment("note.html", text=bi("本区未触发加分项或一票否决项。",
                                              "No bonus or veto item applies to this district.", lang))
    else:
        kinds = {"bonus": bi("加分", "Bonus", lang), "veto": bi("一票否决", "Veto", lang)}
        rows = [{"cls": f"rol-{i['kind']}", "cells": [
            _cell(kinds[i["kind"]]), _cell(i["name"], cls="rol-name"), _cell(i["effect"]),
            _cell(*i["evidence"], cls="rol-src")]} for i in items]
        total = float(found.get("bonus_total") or 0.0)
        cap = bi(f"加分合计 {total:.2f} 分（加分后指数不超过满分）。", f"{total:.2f} bonus points in all (the index "
                 "never exceeds the scale).", lang) if total > 0 else ""
        body = _table("rol-adjustments", [("类别", "Kind"), ("项目", "Item"), ("效果", "Effect"),
                                          ("依据与来源", "Evidence and source")], rows, lang, caption=cap)
    return _fragment("section.html", heading=heading, body=body)
