"""HTML fragments of the assessment-report sections (grading status, 满分/得分/得分率, 扣分, findings, sources).

Built from :mod:`evaluation.report.assessment` data; every data string is escaped with
:func:`~evaluation.report.html.esc`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .content import bi, check_lang
from .html import Fragment, bi_html, esc

__all__ = ["basis_html", "deductions_html", "findings_html", "grading_html", "points_html", "sources_html"]


def _num(x: Any, digits: int = 2) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.{digits}f}"


def grading_html(summary: Mapping[str, Any], lang: str = "zh", unsubmitted_note: str = "") -> Fragment:
    """Whether the district-year is graded (不评定等次 with the reason), indicators counted, the
    unsubmitted rule and the peer group's rank."""
    check_lang(lang)
    s = summary
    parts = []
    if s.get("index") is not None and not s.get("graded", True):
        reason = bi(s["grade_reason_zh"], s["grade_reason_en"], lang)
        ref = bi("指数仅供参考，不参与排名。", "The index is shown for reference only and is not ranked.", lang)
        parts.append(f'<p class="rol-banner" role="note">{esc(reason)} {esc(ref)}</p>')
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
    parts.append('<ul class="rol-note">' + "".join(f"<li>{esc(t)}</li>" for t in items) + "</ul>")
    return Fragment("".join(parts))


def points_html(table: pd.DataFrame, lang: str = "zh") -> Fragment:
    """满分 / 得分 / 得分率 per dimension and indicator, with how each item was counted."""
    check_lang(lang)
    heads = [("代码", "Code"), ("项目", "Item"), ("满分", "Full points"), ("得分", "Points"), ("得分率", "Rate"),
             ("计分方式", "How it counted")]
    head = "".join(f"<th>{bi_html(zh, en, lang)}</th>" for zh, en in heads)
    rows = []
    for r in table.itertuples(index=False):
        cls = "rol-dim" if r.kind == "dimension" else "rol-ind"
        rate = "–" if pd.isna(r.rate) else f"{r.rate:.1%}"
        rows.append(f'<tr class="{cls}"><td class="rol-code">{esc(r.code)}</td><td class="rol-name">{esc(r.name)}</td>'
                    f'<td class="num">{_num(r.full_points)}</td><td class="num">{_num(r.points)}</td>'
                    f'<td class="num">{rate}</td><td class="rol-src">{esc(r.treatment)}</td></tr>')
    return Fragment(f'<div class="rol-scroll"><table class="rol-table rol-points"><thead><tr>{head}</tr></thead>'
                    f'<tbody>{"".join(rows)}</tbody></table></div>')


def deductions_html(table: pd.DataFrame, lang: str = "zh") -> Fragment:
    """扣分 reasons item by item: rule, target, value, shortfall, points lost (满分 − 得分)."""
    check_lang(lang)
    lost = table[table["lost"] > 0.005] if len(table) else table
    if not len(lost):
        return Fragment(f'<p class="rol-note">{esc(bi("各计分项均未扣分。", "No item lost points.", lang))}</p>')
    heads = [("代码", "Code"), ("项目", "Item"), ("评分规则", "Rule"), ("目标", "Target"), ("实际", "Value"),
             ("差距", "Shortfall"), ("满分", "Full"), ("得分", "Points"), ("扣分", "Lost")]
    head = "".join(f"<th>{bi_html(zh, en, lang)}</th>" for zh, en in heads)
    rows = "".join(
        f'<tr><td class="rol-code">{esc(r.code)}</td><td class="rol-name">{esc(r.name)}</td>'
        f'<td class="rol-src">{esc(r.rule)}</td><td class="num">{esc(r.target)}</td><td class="num">{esc(r.value)}</td>'
        f'<td class="num">{esc(r.shortfall)}</td><td class="num">{_num(r.full_points)}</td>'
        f'<td class="num">{_num(r.points)}</td><td class="num">{_num(r.lost)}</td></tr>'
        for r in lost.itertuples(index=False))
    total = float(lost["lost"].sum())
    cap = bi(f"合计扣分 {total:.2f} 分；每项扣分 = 满分 − 得分。", f"{total:.2f} points lost in all; each item "
             "loses its full points minus its points.", lang)
    return Fragment(f'<div class="rol-scroll"><table class="rol-table rol-deductions"><caption>{esc(cap)}</caption>'
                    f'<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')


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
        items = found.get(key) or []
        body = ("".join(f"<li>{esc(t)}</li>" for t in items) if items
                else f'<li class="rol-note">{esc(bi(none_zh, none_en, lang))}</li>')
        parts.append(f"<h3>{esc(bi(zh, en, lang))}</h3><ul>{body}</ul>")
    return Fragment("".join(parts))


def sources_html(entries: Mapping[str, Mapping[str, Any]], names: Mapping[str, str], lang: str = "zh") -> Fragment:
    """Each indicator's documents (title and quote) and caveats (lower bound, approximate, external year)."""
    check_lang(lang)
    if not entries:
        none = bi("报送数据未注明来源。", "The submission cites no sources.", lang)
        return Fragment(f'<p class="rol-note">{esc(none)}</p>')
    rows = []
    for code, e in entries.items():
        docs = "<br>".join(esc(d) for d in e.get("docs", []))
        cav = "<br>".join(esc(c) for c in e.get("caveats", []))
        rows.append(f'<tr><td class="rol-code">{esc(code)}</td><td class="rol-name">{esc(names.get(code, code))}</td>'
                    f'<td class="rol-src">{docs or "–"}</td><td class="rol-src">{cav or "–"}</td></tr>')
    head = "".join(f"<th>{bi_html(zh, en, lang)}</th>" for zh, en in
                   (("代码", "Code"), ("指标", "Indicator"), ("来源文件与原文", "Document and quote"),
                    ("数据说明", "Caveats")))
    return Fragment(f'<div class="rol-scroll"><table class="rol-table rol-sources"><thead><tr>{head}</tr></thead>'
                    f'<tbody>{"".join(rows)}</tbody></table></div>')


def basis_html(issuer: str, issued: str, documents: Sequence[str], lang: str = "zh") -> Fragment:
    """Assessment basis and method (documents, how figures were collected), issuing unit and date."""
    check_lang(lang)
    method = bi("数据由各区司法局按指标体系报送（年度工作总结、法治政府建设报告等公开文件所载数字，逐项注明原文），"
                "外部数据（常住人口）注明来源与年份；按所列评估方法计算指数、评定等次。",
                "Figures are submitted by each district justice bureau against the framework (numbers stated in "
                "public work reports, each with its source sentence); external figures (population) name their "
                "source and year; the index and grade follow the methodology listed.", lang)
    docs = "".join(f"<li>{esc(d)}</li>" for d in documents) or f"<li>{esc(bi('未列出', 'none listed', lang))}</li>"
    issued_by = ""
    if issuer or issued:
        issued_by = (f'<p>{esc(bi("发布单位", "Issued by", lang))}: {esc(issuer or "–")}　'
                     f'{esc(bi("日期", "Date", lang))}: {esc(issued or "–")}</p>')
    return Fragment(f"<p>{esc(method)}</p><h3>{esc(bi('评估依据与数据来源文件', 'Basis and source documents', lang))}"
                    f"</h3><ul>{docs}</ul>{issued_by}")


def rectification_html(items: Sequence[Mapping[str, str]], lang: str = "zh") -> Fragment:
    """存在问题 and 整改建议 per indicator, with the responsible unit."""
    check_lang(lang)
    if not items:
        none = bi("数据未显示需整改的问题。", "The data show no problem calling for rectification.", lang)
        return Fragment(f'<p class="rol-note">{esc(none)}</p>')
    head = "".join(f"<th>{bi_html(zh, en, lang)}</th>" for zh, en in
                   (("指标", "Indicator"), ("得分", "Score"), ("存在问题", "Problem"), ("整改建议", "Suggestion"),
                    ("责任单位", "Responsible unit")))
    rows = "".join(
        f'<tr><td class="rol-name">{esc(i["code"])} {esc(i["name"])}</td><td class="num">{esc(i["score"])}</td>'
        f'<td>{esc(i["problem"])}</td><td>{esc(i["suggestion"])}</td><td>{esc(i["unit"] or "–")}</td></tr>'
        for i in items)
    return Fragment(f'<div class="rol-scroll"><table class="rol-table rol-rectify"><thead><tr>{head}</tr></thead>'
                    f"<tbody>{rows}</tbody></table></div>")
