"""Parsing single submitted cells: numbers as written in China (``98.6%``, ``2,162``, ``约98%``), years,
decimals shown, text normalisation. See :mod:`indicators.submission` for the decisions.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

#: Years a submission may hold.
YEAR_RANGE = (1949, 2100)


# parsing single values
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedValue:
    """A parsed cell: the value (NaN if unreadable), decimals shown, percent and approx flags.

    ``decimals`` counts digits after the decimal point in the unit written (``98.03%`` → 2 with
    ``percent``); ``error`` says why the text is not a number, ``empty`` marks a blank cell.
    """

    value: float
    decimals: int | None = None
    percent: bool = False
    approx: bool = False
    error: str | None = None
    empty: bool = False


@dataclass(frozen=True)
class XlsxNumber:
    """A numeric XLSX cell with what its number format shows (percent, decimals).

    ``error`` says why the number cannot be used as written (e.g. ``1e-400`` stored as 0 by
    underflow, ``1e999`` as infinity), naming the sheet and cell; the reader puts it there.
    """

    value: int | float
    text: str
    decimals: int | None
    percent: bool
    error: str | None = None


_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER_IN = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")
_APPROX_PREFIXES = ("大约", "约", "~", "≈")
_APPROX_SUFFIXES = ("左右",)
_QUALIFIER_PREFIXES = (">=", "<=", ">", "<", "≥", "≤", "超过", "高于", "低于", "不足", "不到", "逾",
                       "近", "超")
_QUALIFIER_SUFFIXES = ("以上", "以下", "余", "多", "+")
_MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}
_PLACEHOLDERS = {"-", "--", "—", "——", "/", "无", "空", "n/a", "na", "nan", "null", "none", "#n/a",
                 "不适用", "暂无", "未统计"}
_EMPTY = ParsedValue(math.nan, error="empty", empty=True)


def normalise_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), unify minus signs, strip whitespace."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u2013", "-").strip()


def parse_value(raw: Any) -> ParsedValue:
    """Parse a submitted value: ``98.6%`` → 0.986, ``2,162`` → 2162, ``１２３`` → 123.

    Numbers are accepted as they are; text is normalised (full width, whitespace) and must be a
    plain or thousands-grouped number, optionally a percentage, optionally marked approximate
    (``约``). Anything else gives ``error`` saying how to write it instead.
    """
    if raw is None:
        return _EMPTY
    if isinstance(raw, XlsxNumber):
        if raw.error is not None:
            return ParsedValue(math.nan, error=raw.error)
        if not math.isfinite(float(raw.value)):
            return ParsedValue(math.nan, error=f"{raw.text} 不是有限数值 / is not a finite number; write the figure's "
                                               "digits")
        return ParsedValue(float(raw.value), raw.decimals, raw.percent)
    if isinstance(raw, bool | np.bool_):
        return ParsedValue(float(raw), 0)
    if isinstance(raw, int | float | np.integer | np.floating):
        x = float(raw)
        if math.isnan(x):
            return _EMPTY
        if not math.isfinite(x):
            return ParsedValue(math.nan, error=f"{raw!r} is not a finite number")
        return ParsedValue(x, float_decimals(x))
    if not isinstance(raw, str):
        return ParsedValue(math.nan, error=f"{raw!r} ({type(raw).__name__}) is not a number")
    text = normalise_text(raw)
    if not text:
        return _EMPTY
    approx = False
    for prefix in _APPROX_PREFIXES:
        if text.startswith(prefix):
            text, approx = text[len(prefix):].strip(), True
            break
    for suffix in _APPROX_SUFFIXES:
        if text.endswith(suffix):
            text, approx = text[: -len(suffix)].strip(), True
    percent = text.endswith("%")
    body = text[:-1].rstrip() if percent else text
    if _PLAIN.fullmatch(body):
        number = body
    elif _GROUPED.fullmatch(body):
        number = body.replace(",", "")
    else:
        return ParsedValue(math.nan, error=_diagnose(raw, text))
    dec = Decimal(number)
    exponent = dec.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    value = float(dec / 100) if percent else float(dec)
    if not math.isfinite(value):
        return ParsedValue(math.nan, error=f"{raw.strip()!r} 过大，会被存为无穷大（上溢） / is too large to be a "
                                           "figure: it would be stored as infinity (overflow); write the figure's "
                                           "digits")
    if dec != 0 and abs(value) < sys.float_info.min:  # 1e-400 would silently become 0 (or lose digits)
        return ParsedValue(math.nan, error=f"{raw.strip()!r} 过小，会被存为 0（下溢） / is too small to be a figure: "
                                           "it would be stored as 0 (underflow); write 0 if the figure is zero")
    return ParsedValue(value, decimals, percent, approx)


def _diagnose(raw: str, text: str) -> str:
    """Explain why ``text`` is not a number and how to write it instead."""
    shown = repr(raw.strip())
    if text.lower() in _PLACEHOLDERS:
        return (f"{shown} is not a number; if the figure was not reported leave it out (long "
                f"format: delete the row; wide format: leave the cell empty); if it is zero, "
                f"write 0")
    for q in _QUALIFIER_PREFIXES:
        if text.startswith(q) and _is_number(text[len(q):]):
            return (f"{shown} is not a number: submit the number ({text[len(q):].strip()}) and put "
                    f"the qualifier {q!r} in the note column")
    for q in _QUALIFIER_SUFFIXES:
        if text.endswith(q) and _is_number(text[: -len(q)]):
            return (f"{shown} is not a number: submit the number ({text[: -len(q)].strip()}) and "
                    f"put the qualifier {q!r} in the note column")
    for unit, factor in _MULTIPLIERS.items():
        head = text.split(unit, 1)[0]
        if unit in text and _is_number(head):
            full = parse_value(head).value * factor
            return f"{shown} uses {unit}; write the full number ({full:.12g})"
    if re.fullmatch(r"[+-]?\d+,\d{1,2}%?", text):
        return (f"{shown} is not a number: a comma separates thousands (2,162); "
                f"the decimal separator is a point (98.6)")
    match = _NUMBER_IN.match(text)
    if match and match.end() < len(text) and _is_number(match.group()):
        return (f"{shown} is not a number: write {match.group()} without {text[match.end():]!r} "
                f"(units go in the unit column, remarks in note)")
    return f"{shown} is not a number; write digits such as 2162, 2,162, 98.6% or 0.986"


def _is_number(text: str) -> bool:
    result = parse_value(text)
    return result.error is None and not result.empty


def float_decimals(x: float) -> int:
    """Decimals of the shortest representation of ``x`` (0.9803 → 4, 2162.0 → 0)."""
    if x.is_integer():
        return 0
    exponent = Decimal(repr(x)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def infer_decimals(x: np.ndarray, limit: int = 12) -> np.ndarray:
    """Vectorised :func:`float_decimals` up to ``limit`` (NaN beyond: full precision)."""
    out = np.full(x.shape, np.nan)
    todo = np.isfinite(x)
    for d in range(limit + 1):
        hit = todo & (np.round(x, d) == x)
        out[hit] = d
        todo &= ~hit
        if not todo.any():
            break
    return out


def parse_year(raw: Any) -> tuple[int | None, str | None]:
    """Parse a year: ``2020``, ``"2020"``, ``2020.0`` or ``"2020年"``; return (year, error)."""
    if isinstance(raw, XlsxNumber):
        raw = raw.value
    if isinstance(raw, bool | np.bool_) or raw is None:
        value = None
    elif isinstance(raw, int | np.integer):
        value = int(raw)
    elif isinstance(raw, float | np.floating):
        value = int(raw) if math.isfinite(raw) and float(raw).is_integer() else None
    elif isinstance(raw, str):
        text = normalise_text(raw)
        text = text[:-1].rstrip() if text.endswith("年") else text
        if re.fullmatch(r"\d{4}(?:\.0+)?", text):
            value = int(float(text))
        else:
            value = None
    else:
        value = None
    shown = repr(raw.strip()) if isinstance(raw, str) else repr(raw)
    if value is None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, "year is empty; write the year, e.g. 2020"
        return None, f"year {shown} is not a year; write four digits, e.g. 2020"
    if not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        return None, (f"year {shown} is outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}; "
                      f"write four digits, e.g. 2020")
    return value, None

