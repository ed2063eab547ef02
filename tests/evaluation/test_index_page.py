"""The year's index.html: ranking table with links, embedded charts, escaping, atomic write."""

from __future__ import annotations

import base64
import re

import pytest

from evaluation.errors import ReportDataError
from evaluation.report import store
from evaluation.report.index_page import SORT_SCRIPT, render_index_page, summary_charts
from indicators import build_index, load_framework
from indicators.submission import read_figures
from tests.evaluation.tiny_report import HOSTILE, write_tiny


@pytest.fixture
def tiny(tmp_path):
    store.clear_cache()
    csv, fw = write_tiny(tmp_path, names={"x": HOSTILE})
    return store.load_result(csv, fw, None)


def body_rows(page: str) -> list[str]:
    tbody = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", tbody)


def test_index_page_links_ranks_and_embeds_charts(tiny, tmp_path):
    pngs = summary_charts(tiny, 2024)
    links = {"x": "x.html", "y": "reports/y 乙.html"}
    out = render_index_page(tiny, 2024, links, pngs, tmp_path / "site" / "index.html")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    rows = body_rows(page)
    assert len(rows) == 3  # every district with figures in 2024, best first
    assert '<a href="reports/y 乙.html">乙区 / District Y</a>' in rows[0] and 'data-v="1"' in rows[0]
    assert '<a href="x.html">' in rows[1] and "72.0" in rows[1] and "+20.0" in rows[1]
    assert "丙区 / District Z" in rows[2] and "无报告 / no report" in rows[2] and "<a " not in rows[2]
    assert "22.0" in rows[2] and 'data-v="3"' in rows[2]
    # charts inlined as PNG, nothing loaded from elsewhere
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(i) for i in images] == pngs
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert SORT_SCRIPT.strip() in page and 'data-sort="num"' in page
    assert "合成数据 / synthetic data" in page
    assert [p.name for p in out.parent.iterdir()] == ["index.html"]  # atomic: no temp file left


def test_index_page_escapes_every_name(tiny, tmp_path):
    page = render_index_page(tiny, 2024, {"x": "x.html?a=1&b=<2>"}, [], tmp_path / "index.html").read_text("utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in page
    assert 'href="x.html?a=1&amp;b=&lt;2&gt;"' in page


def test_index_page_in_english_and_without_synthetic_data(tmp_path):
    store.clear_cache()
    csv, fw = write_tiny(tmp_path, source="seed:report")
    result = store.load_result(csv, fw, None)
    page = render_index_page(result, 2023, {}, [], tmp_path / "index.html", lang="en").read_text("utf-8")
    assert '<html lang="en">' in page and "synthetic" not in page
    assert "Tiny index — results 2023" in page and len(body_rows(page)) == 2


def test_index_page_rejects_bad_input(tiny, tmp_path):
    out = tmp_path / "index.html"
    with pytest.raises(ReportDataError, match="reports given for districts without figures in 2023: z"):
        render_index_page(tiny, 2023, {"z": "z.html"}, [], out)
    for href in ("javascript:alert(1)", "https://example.org/x.html", "//host/x.html", "/abs/x.html"):
        with pytest.raises(ReportDataError, match="must be a relative path"):
            render_index_page(tiny, 2024, {"x": href}, [], out)
    with pytest.raises(ReportDataError, match="summary chart 0 is not PNG data"):
        render_index_page(tiny, 2024, {}, [b"GIF89a"], out)
    with pytest.raises(ReportDataError, match="year 2020 is not in the result"):
        render_index_page(tiny, 2020, {}, [], out)
    assert not out.exists()


def test_index_page_needs_to_know_whether_data_is_synthetic(tmp_path):
    csv, fw = write_tiny(tmp_path)
    bare = build_index(read_figures(csv), load_framework(fw))
    with pytest.raises(ReportDataError, match="does not record its data sources"):
        render_index_page(bare, 2024, {}, [], tmp_path / "index.html")


def test_index_page_for_a_year_without_any_index(tmp_path):
    seed = store.load_result("seed_districts", "district_rol", None)
    page = render_index_page(seed, 2024, {"shanghai_jingan": "shanghai_jingan.html"}, summary_charts(seed, 2024),
                             tmp_path / "index.html").read_text("utf-8")
    assert "1 个区参评，0 个区有指数" in page
    assert "缺失 / missing" in body_rows(page)[0]
