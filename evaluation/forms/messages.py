"""Chinese-first renderings of the problems marked on feedback forms.

Validation messages (:mod:`indicators.validation`, :mod:`indicators.submission`) are English
today. :func:`bilingual` gives each problem a Chinese rendering first (``中文 / English``), by the
message patterns those modules write; a message it does not know keeps its English text behind a
generic Chinese lead. It is the single place the feedback asks for a message, so it can switch to
bilingual validation messages when the library has them (a message that already starts in
Chinese is returned unchanged). ``for_form`` rewrites advice that fits a CSV but not a form
("add a row with figure X" becomes "fill in its value cell").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from indicators.submission import Problem

__all__ = ["SEVERITY", "bilingual"]

SEVERITY = {"error": "错误 / error", "warning": "警告 / warning"}
_KIND_ZH = {"count": "计数", "amount": "金额", "rate": "比率", "binary": "是否项"}
_CJK = re.compile(r"[\u4e00-\u9fff]")

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], bool], tuple[str, str | None]]]


def _rule(pattern: str):
    def wrap(func):
        _RULES.append((re.compile(pattern, re.S), func))
        return func
    return wrap


_RULES: list[_Rule] = []


@_rule(r"unknown figure id '(?P<id>.+?)'(?:; did you mean '(?P<near>.+)'\?)?$")
def _unknown(m, form):
    near = f"（是否想填 '{m['near']}'？）" if m["near"] else ""
    return f"未知的指标代码 '{m['id']}'{near}", None


@_rule(r"rate (?P<v>.+?) is outside \[0, 1\]; it looks like a percentage — write (?P<a>.+?)% or (?P<b>.+)$")
def _looks_percent(m, form):
    return f"比率 {m['v']} 超出 0–1 范围，看起来是百分数；是否想填 {m['a']}%？请写 {m['a']}% 或 {m['b']}", None


@_rule(r"rate (?P<v>.+?) is outside \[0, 1\] \(0%–100%\)$")
def _rate_out(m, form):
    return f"比率 {m['v']} 超出 0%–100%", None


@_rule(r"binary figure (?P<id>\S+) must be 0 or 1, got (?P<v>.+)$")
def _binary(m, form):
    return f"是否类指标 {m['id']} 只能填 1（是）或 0（否），现为 {m['v']}", None


@_rule(r"(?P<k>count|amount) (?P<v>.+?) is negative; a (?:count|amount) cannot be below 0$")
def _negative(m, form):
    return f"{_KIND_ZH[m['k']]} {m['v']} 为负数，不能小于 0", None


@_rule(r"(?P<k>count|amount) (?P<v>.+?) is written as a percentage; submit the (?:count|amount) itself \((?P<u>.*)\)$")
def _count_percent(m, form):
    return f"{_KIND_ZH[m['k']]} {m['v']} 写成了百分数；请填写数值本身（单位：{m['u']}）", None


@_rule(r"(?P<k>\w+) (?P<v>.+?) is outside the declared range (?P<r>\[.+?\]) of (?P<id>\S+) \((?P<zh>.+), "
       r"(?P<u>[^,]*)\)(?:; if it is in 万(?P<u2>.+), write the full number \((?P<n>.+)\))?$")
def _range(m, form):
    extra = f"；如按万{m['u2']}填写，请写完整数字（{m['n']}）" if m["n"] else ""
    return f"{m['v']} 超出 {m['id']}（{m['zh']}，{m['u']}）的有效范围 {m['r']}{extra}", None


@_rule(r"count (?P<v>.+?) is not a whole number \((?P<u>.*)\); check it is not a rate or an average$")
def _fraction(m, form):
    return f"计数 {m['v']} 不是整数（{m['u']}）；请确认填的不是比率或平均数", None


@_rule(r"(?P<p>\S+) (?P<v>.+?) is larger than its whole (?P<w>\S+) (?P<wv>.+?) \((?P<at>.+)\); "
       r"a part cannot exceed its whole$")
def _part_whole(m, form):
    return f"{m['p']} {m['v']} 大于其总数 {m['w']} {m['wv']}（{m['at']}）；分项不能超过总数", None


@_rule(r"duplicate of (?P<at>.+) \(same value (?P<v>.+)\); keep one row$")
def _duplicate(m, form):
    return f"与 {m['at']} 重复（同为 {m['v']}）；请只保留一处", None


@_rule(r"conflicting duplicate: (?P<a>.+?) here but (?P<b>.+?) at (?P<at>.+?) for the same district, year and "
       r"figure; keep the right one$")
def _conflict(m, form):
    return f"重复且数值不一致：此处为 {m['a']}，{m['at']} 为 {m['b']}；请保留正确的一个", None


@_rule(r"required figure (?P<id>\S+) \((?P<zh>.+), (?P<u>[^,]*)\) was not submitted for this district-year; "
       r"add a row with figure \S+$")
def _required(m, form):
    if form:
        return (f"必填指标 {m['id']}（{m['zh']}，{m['u']}）未填写；请在其“填报值”单元格填写",
                f"required figure {m['id']} ({m['zh']}, {m['u']}) was not filled in; fill in its value cell")
    return f"必填指标 {m['id']}（{m['zh']}，{m['u']}）未填报；请补充该指标", None


@_rule(r"reported (?P<id>\S+) (?P<v>.+?) disagrees with its counts: (?P<f>.+?) = (?P<got>\S+) from (?P<parts>.+); "
       r"(?P<v2>.+?) allows (?P<band>.+)$")
def _reported(m, form):
    return (f"报告值 {m['id']} {m['v']} 与分项计数不符：{m['f']} = {m['got']}（{m['parts']}）；"
            f"{m['v']} 允许的范围为 {m['band']}"), None


@_rule(r"district (?P<d>.+?) is (?P<what>named|in group) (?P<a>.+?) here but (?P<b>.+?) at (?P<at>.+); use one$")
def _district_names(m, form):
    what = "名称" if m["what"] == "named" else "分组"
    return f"区县 {m['d']} 的{what}此处为 {m['a']}，{m['at']} 为 {m['b']}；请统一", None


@_rule(r"unit '(?P<u>.+?)' differs from the framework's unit '(?P<fu>.*?)' for (?P<id>\S+); submit the value in .*$")
def _unit(m, form):
    return f"单位“{m['u']}”与框架规定的单位“{m['fu']}”不同（{m['id']}）；请按“{m['fu']}”填写", None


@_rule(r"(?P<v>.+?) is marked approximate; it is used as (?P<x>.+?) \(give the exact figure if it is known\)$")
def _approx(m, form):
    return f"{m['v']} 标为约数，按 {m['x']} 计算；如知道准确数字请填写准确数字", None


@_rule(r"value (?P<v>'.*?') is not a number: write (?P<n>.+?) without (?P<x>'.*?') \(units go in the unit column, "
       r"remarks in note\)$")
def _with_unit(m, form):
    if form:
        return (f"{m['v']} 不是数字：请只写 {m['n']}，不要写 {m['x']}（单位见“单位”列，说明写在“来源及说明”）",
                f"{m['v']} is not a number: write {m['n']} without {m['x']} (the unit is in the 'Unit' column, "
                f"remarks go in 'Source and note')")
    return f"{m['v']} 不是数字：请只写 {m['n']}，不要写 {m['x']}（单位写在 unit 列，说明写在 note 列）", None


@_rule(r"value (?P<v>'.*?') is not a number: submit the number \((?P<n>.+?)\) and put the qualifier (?P<q>'.*?') "
       r"in the note column$")
def _qualifier(m, form):
    where = "“来源及说明”" if form else "note 列"
    return f"{m['v']} 不是数字：请填写数字 {m['n']}，把限定语 {m['q']} 写在{where}", None


@_rule(r"value (?P<v>'.*?') uses (?P<u>万|亿); write the full number \((?P<n>.+)\)$")
def _wan(m, form):
    return f"{m['v']} 使用了“{m['u']}”；请写完整数字（{m['n']}）", None


@_rule(r"value (?P<v>'.*?') is not a number; if the figure was not reported leave it out.*$")
def _placeholder(m, form):
    if form:
        return (f"{m['v']} 不是数字；未统计的指标请留空，为零请填 0",
                f"{m['v']} is not a number; leave the cell empty if the figure was not recorded, write 0 if it "
                f"is zero")
    return f"{m['v']} 不是数字；未统计的指标请不要填报，为零请填 0", None


@_rule(r"value (?P<v>'.*?') is not a number: a comma separates thousands.*$")
def _decimal_comma(m, form):
    return f"{m['v']} 不是数字：逗号只用于千分位（2,162），小数点用“.”（98.6）", None


@_rule(r"value (?P<v>.+?) is not a number; write digits such as .*$")
def _not_number(m, form):
    return f"{m['v']} 不是数字；请填写数字，如 2162、2,162、98.6%", None


@_rule(r"value is empty.*$")
def _empty(m, form):
    return "数值为空；请填写数字，未统计的指标不要填报", None


def bilingual(problem: Problem | str, *, for_form: bool = True) -> str:
    """``中文 / English`` text of a problem's message (unchanged when it already starts in Chinese)."""
    message = problem.message if isinstance(problem, Problem) else str(problem)
    if _CJK.search(message.split(" / ", 1)[0]) and " / " in message:
        return message
    for pattern, render in _RULES:
        m = pattern.match(message)
        if m:
            zh, en = render(m, for_form)
            return f"{zh} / {en or message}"
    return f"数据问题（详见英文说明） / {message}"
