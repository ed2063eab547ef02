"""The office roll-up's district pages, worked by hand on a four-office example."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from evaluation.errors import ReportDataError
from evaluation.report.rollup_page import rollup_district, rollup_rule, write_rollup_pages
from indicators import build_index
from indicators.rollup import rollup
from tests.evaluation.tiny_report import FRAMEWORK_YAML, HOSTILE

NAN = float("nan")


@pytest.fixture
def offices(tmp_path):
    """Tiny framework on four offices, 2024 (scores as tiny_report.py's x, y, z):

    o1 (district d1): closure 0.9 → 80, aid 10/万 → 50, sat 95% → 75: A 70, B 75, index 72
    o2 (d1): closure 1.0 → 100, aid 5/万 → 25, no sat: A 75, B –, index 75
    o3 (d2): closure 0/0 → –, aid 4/万 → 20, sat 85% → 25: A 20, B 25, index 22
    o4 (d2): no figures at all.
    Mean roll-up: d1 index (72 + 75) / 2 = 73.5, A 72.5, B 75 (one office); d2 index 22, A 20, B 25.
    """
    fw = tmp_path / "tiny.yaml"
    fw.write_text(FRAMEWORK_YAML, encoding="utf-8")
    cols = ["population", "cases", "closed", "aid", "sat"]
    rows = {("o1", 2024): [100000, 100, 90, 100, 0.95], ("o2", 2024): [200000, 50, 50, 100, NAN],
            ("o3", 2024): [50000, 0, 0, 20, 0.85]}
    wide = pd.DataFrame(list(rows.values()), index=pd.MultiIndex.from_tuples(list(rows), names=["district", "year"]),
                        columns=cols)
    names = pd.DataFrame({"district_name": ["一所 / Office 1", HOSTILE, "三所 / Office 3"], "group": ""},
                         index=pd.Index(["o1", "o2", "o3"], name="district"))
    result = build_index(wide, fw, None, districts=names)
    mapping = pd.DataFrame({"office": ["o1", "o2", "o3", "o4"], "district": ["d1", "d1", "d2", "d2"],
                            "district_name": ["甲区 / District 1", "甲区 / District 1", HOSTILE, HOSTILE]})
    return result, rollup(result, mapping)


def test_rollup_district_by_hand(offices):
    result, ru = offices
    d1 = rollup_district(result, ru, "d1", 2024, "en")
    nodes = {n["code"]: n for n in d1["nodes"]}
    assert (nodes["T"]["score"], nodes["A"]["score"], nodes["B"]["score"]) == ("73.5", "72.5", "75.0")
    assert (nodes["T"]["n"], nodes["B"]["n"]) == (2, 1)
    assert d1["counts"] == {"n_offices": 2, "n_with_data": 2, "n_scored": 2}
    assert [(o["office"], o["index"], o["dims"]) for o in d1["offices"]] == [
        ("o1", "72.0", ["70.0", "75.0"]), ("o2", "75.0", ["75.0", None])]
    assert d1["name"] == "District 1" and d1["rule"].startswith("The district's score is the arithmetic mean")
    d2 = rollup_district(result, ru, "d2", 2024, "zh")
    assert d2["counts"] == {"n_offices": 2, "n_with_data": 1, "n_scored": 1}
    assert d2["offices"][1] == {"office": "o4", "name": "o4", "has_data": False, "index": None, "dims": [None, None]}
    with pytest.raises(ReportDataError, match=r"no district 'd9' in 2024; districts: d1, d2"):
        rollup_district(result, ru, "d9", 2024)


def test_rollup_rule_in_words_for_every_method():
    assert rollup_rule("min", "zh").startswith("取最小值：区的得分为其得分最低的司法所的得分")
    assert "median of its offices' scores" in rollup_rule("median", "en")


def test_rollup_pages_are_written_linked_and_escaped(offices, tmp_path):
    result, ru = offices
    index, pages = write_rollup_pages(result, ru, 2024, tmp_path / "pages", "zh")
    assert set(pages) == {"d1", "d2"} and index.name == "index.html"
    top = index.read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)">', top) == ["d1.html", "d2.html"]
    assert "73.5" in top and "2/2/2" in top and "1/1/2" in top and "取均值" in top
    d2 = pages["d2"].read_text(encoding="utf-8")
    assert "<script>alert" not in d2 and "&lt;script&gt;alert(1)&lt;/script&gt;" in d2
    assert "当年无数据 / no figures this year" in d2 and '<a href="index.html">' in d2
    d1 = pages["d1"].read_text(encoding="utf-8")
    assert "<script>alert" not in d1 and "&lt;script&gt;" in d1  # the office's hostile name
    assert d1.count("缺失") >= 1  # o2's B has no score: missing, not 0
    with pytest.raises(ReportDataError, match="the roll-up has no year 2030; years: 2024"):
        write_rollup_pages(result, ru, 2030, tmp_path / "x")
