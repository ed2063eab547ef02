"""Chinese numerals and magnitudes, worked by hand; a property test against an independent writer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.extract.numerals import chinese_to_int, find_numbers, normalise_width


def one(text: str):
    found = find_numbers(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text, value, measure, rate", [
    ("一百零三件", 103, "件", False),
    ("两千人", 2000, "人", False),
    ("2.3万", 23000, "", False),
    ("36.39万件", 363900, "件", False),
    ("百分之九十五", 0.95, "%", True),
    ("百分之12.5", 0.125, "%", True),
    ("三成", 0.3, "%", True),
    ("１２３件", 123, "件", False),
    ("2,162件", 2162, "件", False),
    ("98.03%", 0.9803, "%", True),
    ("5‰", 0.005, "%", True),
    ("1.5亿元", 150_000_000, "元", False),
    ("十五名", 15, "名", False),
    ("6687人次", 6687, "人次", False),
])
def test_values_and_measure_words(text, value, measure, rate):
    n = one(text)
    assert n.value == pytest.approx(value, rel=1e-12)
    assert (n.measure, n.is_rate) == (measure, rate)
    assert n.text == text


@pytest.mark.parametrize("text, lower, approx, written", [
    ("230余场", True, False, "230余场"),
    ("40多项", True, False, "40多项"),
    ("逾5000人", True, False, "逾5000人"),
    ("超过99%", True, False, "超过99%"),
    ("500人以上", True, False, "500人以上"),
    ("约为98%", False, True, "约为98%"),
    ("大约300件", False, True, "大约300件"),
    ("1/4左右", False, True, "1/4左右"),
    ("近百场", False, True, "近百场"),
    ("170余万人次", True, False, "170余万人次"),
])
def test_qualifiers(text, lower, approx, written):
    n = one(text)
    assert (n.lower_bound, n.approximate, n.text) == (lower, approx, written)


def test_quarter_fraction_and_near_hundred_values():
    assert one("1/4左右").value == 0.25
    assert one("近百场").value == 100
    assert one("170余万人次").value == 1_700_000


@pytest.mark.parametrize("text", ["一是加强", "十九大", "十四五规划", "万名调解员", "无"])
def test_words_that_are_not_counts(text):
    assert find_numbers(text) == []


def test_offsets_are_verbatim_in_full_width_text():
    text = "共受理纠纷１８，３０９件，成功率９８．０３％。"
    found = find_numbers(text)
    assert [text[n.start:n.end] for n in found] == ["１８，３０９件", "９８．０３％"]
    assert [n.value for n in found] == [18309, pytest.approx(0.9803)]
    assert len(normalise_width(text)) == len(text)


def test_no_number_starts_inside_a_grouped_number():
    assert [n.value for n in find_numbers("所,52名律师")] == [52]
    assert [n.value for n in find_numbers("12,345件")] == [12345]


@pytest.mark.parametrize("text, value", [("一百零三", 103), ("两千", 2000), ("十五", 15), ("二〇二〇", 2020),
                                         ("一万二千", 12000), ("三千五百万", 35_000_000), ("九十五", 95)])
def test_chinese_to_int(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", ["百千", "三五", "", "abc"])
def test_chinese_to_int_rejects(text):
    assert chinese_to_int(text) is None


_DIGITS = "零一二三四五六七八九"


def _write_chinese(n: int) -> str:
    """Reference writer (the standard reading of numbers below 10^8), independent of the parser."""
    def below_10k(m: int, leading: bool) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = m // unit % 10
            if d == 0:
                zero = bool(out) or not leading
                continue
            if zero and out:
                out += "零"
            elif zero and not leading and not out:
                out += "零"
            zero = False
            out += ("" if (d == 1 and unit == 10 and not out and leading) else _DIGITS[d]) + name
        return out
    if n == 0:
        return "零"
    high, low = divmod(n, 10_000)
    if not high:
        return below_10k(low, True)
    text = below_10k(high, True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + below_10k(low, True).lstrip("零")
    return text


@given(st.integers(min_value=1, max_value=99_999_999))
def test_chinese_to_int_reads_what_the_reference_writes(n):
    assert chinese_to_int(_write_chinese(n)) == n
