"""Numbers as Chinese reports write them: 一百零三, 两千, 2.3万, 36.39万件, 百分之九十五, 1/4, 三成.

:func:`find_numbers` scans a text once and returns every number with its character span, its
value (rates as fractions: ``98.6%`` → 0.986, ``三成`` → 0.3), the measure word after it (件, 人次,
场 …), whether it is a rate, and its qualifiers: a lower bound (``230余场``, ``逾``, ``超过``,
``以上``, ``多``) or an approximation (``约``, ``左右``, ``近``). Full-width digits and ``％`` are
read like ASCII; the offsets always refer to the text given, so quotes stay verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Number", "find_numbers", "chinese_to_int", "normalise_width", "MEASURE_WORDS"]

#: Measure words recognised after a number (longest first so 人次 wins over 人).
MEASURE_WORDS = ("人次", "场次", "件次", "期次", "万元", "个", "件", "宗", "起", "人", "名", "场", "次",
                 "家", "所", "份", "项", "条", "期", "篇", "张", "套", "位", "户", "元", "批", "处", "例", "通", "卷")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_LOWER_PREFIX = ("超过", "不少于", "多于", "逾", "超")
_APPROX_PREFIX = ("约为", "大约", "约", "近")
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_ARABIC = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CN = r"[零〇一二两三四五六七八九十百千万亿]+"
_MEASURE = "|".join(MEASURE_WORDS)
_PATTERN = re.compile(
    rf"(?:百分之(?P<pct_cn>{_CN}|{_ARABIC})"
    rf"|(?P<frac>(?<![\d.])\d{{1,2}}/\d{{1,2}}(?![\d/]))"
    rf"|(?P<num>(?<![\d.])(?<!\d,){_ARABIC})"
    rf"|(?P<cn>{_CN}))"
    rf"(?P<q1>余|多)?(?P<mag>万|亿)?(?P<q2>余|多)?"
    rf"(?P<unit>%|‰|成(?![员为立果绩功效本都市])|{_MEASURE})?"
    rf"(?P<post>以上|左右)?"
)


@dataclass(frozen=True)
class Number:
    """A number found in a text: span (``start``, ``end``), value, the text as written and qualifiers.

    ``value`` is in the unit written, with ``万``/``亿`` applied and rates as fractions. ``text`` is
    the verbatim slice (prefix qualifier included: ``约为98%``, ``230余场``). ``measure`` is the
    measure word (``件``), ``%`` for rates, or ``""``.
    """

    start: int
    end: int
    value: float
    text: str
    measure: str
    is_rate: bool
    decimals: int
    lower_bound: bool = False
    approximate: bool = False
    qualifier: str = ""

    @property
    def number_start(self) -> int:
        """Offset of the first character after a prefix qualifier (约, 近, 超过 …)."""
        return self.start + (len(self.qualifier) if self.qualifier and self.text.startswith(self.qualifier) else 0)


def normalise_width(text: str) -> str:
    """Full-width ASCII (``１２３``, ``％``, ``，``) to half width, one character for one (offsets kept)."""
    return text.translate(_WIDTH)


def chinese_to_int(text: str) -> int | None:
    """Value of a Chinese numeral (一百零三 → 103, 两千 → 2000, 十五 → 15, 二〇二〇 → 2020); None if invalid."""
    if not text or any(c not in _CN_DIGITS and c not in _CN_UNITS and c not in _CN_BIG for c in text):
        return None
    if all(c in _CN_DIGITS for c in text):  # digit by digit: 二〇二〇; 三五 is "three or five", not 35
        if len(text) == 1:
            return _CN_DIGITS[text]
        return int("".join(str(_CN_DIGITS[c]) for c in text)) if len(text) >= 3 or "〇" in text else None
    total, section, digit = 0, 0, None
    last_unit = 10**9
    for c in text:
        if c in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[c] != 0:
                return None  # 三五 without a unit between
            digit = _CN_DIGITS[c] if _CN_DIGITS[c] else None
        elif c in _CN_UNITS:
            unit = _CN_UNITS[c]
            if unit >= last_unit:
                return None  # 百千
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            big = _CN_BIG[c]
            section += digit or 0
            if section == 0:
                return None
            total += section * big
            section, digit, last_unit = 0, None, 10**9
    return total + section + (digit or 0)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def find_numbers(text: str) -> list[Number]:
    """Every number in ``text`` with its measure word and qualifiers, in order of position.

    Chinese numerals count only with a measure word, ``成`` or ``百分之`` (so 一是, 十九大, 十四五
    without a measure word are not numbers; 两个 is 2); a fraction ``1/4`` is a rate.
    """
    t = normalise_width(text)
    out: list[Number] = []
    for m in _PATTERN.finditer(t):
        g = m.groupdict()
        unit = g["unit"] or ""
        if g["cn"] and not (unit or g["mag"]):
            continue
        if g["cn"] in ("万", "亿", "千", "百") and not t[max(0, m.start() - 2):m.start()].endswith(("近", "逾", "超")):
            continue  # a bare 百 is a number only in 近百场 (nearly a hundred)
        is_rate = unit in ("%", "‰", "成") or g["pct_cn"] is not None or g["frac"] is not None
        if g["pct_cn"] is not None:
            raw = g["pct_cn"]
            base = _decimal(raw) if raw[0].isdigit() else (
                Decimal(chinese_to_int(raw)) if chinese_to_int(raw) is not None else None)
            if base is None:
                continue
            value, decimals = base / 100, max(0, -base.as_tuple().exponent)
        elif g["frac"] is not None:
            num, den = g["frac"].split("/")
            if int(den) == 0 or int(num) > int(den):
                continue
            value, decimals = Decimal(num) / Decimal(den), 2
        elif g["num"] is not None:
            base = _decimal(g["num"])
            if base is None:
                continue
            decimals = max(0, -base.as_tuple().exponent)
            value = base
        else:
            n = chinese_to_int(g["cn"])
            if n is None:
                continue
            value, decimals = Decimal(n), 0
        if g["mag"]:
            value *= _CN_BIG[g["mag"]]
            decimals = max(0, decimals - (4 if g["mag"] == "万" else 8))
        if unit == "%":
            value /= 100
        elif unit == "‰":
            value /= 1000
        elif unit == "成":
            value /= 10
        start, end = m.start(), m.end()
        qualifier, lower, approx = "", False, False
        before = t[max(0, start - 3):start]
        for q in _LOWER_PREFIX + _APPROX_PREFIX:
            if before.endswith(q):
                qualifier, start = q, start - len(q)
                lower, approx = q in _LOWER_PREFIX, q in _APPROX_PREFIX
                break
        if g["q1"] or g["q2"] or g["post"] == "以上":
            lower = True
            qualifier = qualifier or (g["q1"] or g["q2"] or "以上")
        if g["post"] == "左右" or (g["frac"] and g["post"]):
            approx = True
            qualifier = qualifier or "左右"
        out.append(Number(start, end, float(value), text[start:end], "%" if is_rate else unit, is_rate,
                          int(decimals), lower, approx, qualifier))
    return out
