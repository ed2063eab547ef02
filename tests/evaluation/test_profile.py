"""The one-page profile: each dimension's score, peer median, rank and change, hand-checked on the tiny example."""

from __future__ import annotations

import pytest

from evaluation.report import store
from evaluation.report.profile import profile_html, profile_rows
from tests.evaluation.tiny_report import HOSTILE, write_tiny


@pytest.fixture
def tiny(tmp_path):
    store.clear_cache()
    csv, fw = write_tiny(tmp_path, names={"x": HOSTILE})
    return store.load_result(csv, fw, None)


def test_profile_rows_by_hand(tiny):
    # tiny_report.py: 2024 A = x 70, y 75, z 20 (median 70); B = x 75, y –, z 25 (median 50)
    # 2023: x A = (40*60 + 20*40)/60 = 53.3 (closure 0.8 -> 60, aid 8/万 -> 40), B = 0.9 -> 50
    rows = {r["code"]: r for r in profile_rows(tiny, "x", 2024)}
    a, b = rows["A"], rows["B"]
    assert a["score"] == pytest.approx(70) and a["median"] == pytest.approx(70) and (a["rank"], a["n"]) == (2, 3)
    assert a["since"] == 2023 and a["change"] == pytest.approx(70 - 160 / 3)
    assert b["score"] == pytest.approx(75) and b["median"] == pytest.approx(50) and (b["rank"], b["n"]) == (1, 2)
    assert b["change"] == pytest.approx(25)
    y = {r["code"]: r for r in profile_rows(tiny, "y", 2024)}
    assert y["B"]["score"] is None and y["B"]["rank"] is None and y["B"]["change"] is None
    z = {r["code"]: r for r in profile_rows(tiny, "z", 2024)}
    assert z["A"]["since"] is None and z["A"]["change"] is None  # no 2023 figures


def test_profile_html_shows_missing_and_escapes(tiny):
    page = profile_html(tiny, "y", 2024, {}, "zh")
    assert "区情概览 / Profile" in page and "缺失 / missing" in page and "rol-miss" in page
    assert page.count("<tr>") == 1 + 2 and 'src="data:image/png;base64,' in page
    en = profile_html(tiny, "x", 2024, {}, "en")
    assert "−" not in en.split("<td")[1] and "(vs 2023)" in en and "+16.7" in en
