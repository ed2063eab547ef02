"""Screen layout of the report pages in headless Chromium: the scorecard fits a 1280 px screen in either language."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_output

from evaluation import browser
from evaluation.report import cells as rc
from evaluation.report import fonts
from evaluation.report.html import render_html
from tests.conftest import ROOT
from tests.evaluation.test_reports import chromium_or_skip

NOTEBOOK = ROOT / "notebooks" / "district_report.ipynb"


def report_page(folder, district: str, year: int, lang: str) -> str:
    """Write the whole report of ``district`` (every cell of the notebook, run in this process) into ``folder``."""
    template = nbformat.read(NOTEBOOK, as_version=4)
    ctx = rc.open_report(district, year, "synthetic_panel", lang=lang)
    nb = nbformat.from_dict(template)
    for i, cell in enumerate(nb.cells):
        source = cell.source.strip() if cell.cell_type == "code" else ""
        if not (source.startswith("rc.") and source.endswith("(ctx)")) or source == "rc.write_sidecar(ctx)":
            continue
        frag = getattr(rc, source[3:-5])(ctx)
        shown = frag._repr_html_()
        html, meta = shown if isinstance(shown, tuple) else (shown, {})
        cell.outputs = [new_output("execute_result", data={"text/html": html, "text/plain": repr(frag)},
                                   metadata={"text/html": meta} if meta else {}, execution_count=i)]
    page = render_html(nb, lang=lang)
    name = f"{district}.{lang}.html"
    (folder / name).write_text(page, encoding="utf-8")
    return name


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_scorecard_fits_a_1280_px_screen(tmp_path, lang):
    """sample_03 has units on both value columns and long 'missing: ... not submitted' sources (the widest rows)."""
    chromium = chromium_or_skip()
    name = report_page(tmp_path, "sample_03", 2024, lang)
    fonts.subset_font(fonts.page_chars((tmp_path / name).read_text(encoding="utf-8")), tmp_path)
    check = browser.check_page(tmp_path, name, chromium=chromium)
    tables = {t["cls"]: t for t in check.tables}
    card = tables["rol-table rol-scorecard"]
    assert 0 < card["scroll_width"] <= card["client_width"], card
    assert check.overflowing() == [] and check.problems() == [], check.problems()


def test_a_table_wider_than_the_screen_is_reported(tmp_path):
    chromium = chromium_or_skip()
    cells = "".join(f"<td>{'widecontent' * 3}</td>" for _ in range(12))
    (tmp_path / "wide.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>body { margin: 0; } '
        ".rol-scroll { overflow-x: auto; } td { white-space: nowrap; }</style></head><body>"
        f'<div class="rol-scroll"><table class="rol-table rol-scorecard"><tr>{cells}</tr></table></div>'
        "</body></html>", encoding="utf-8")
    check = browser.check_page(tmp_path, "wide.html", chromium=chromium)
    [card] = check.tables
    assert card["client_width"] == browser.FRAME_WIDTH and card["scroll_width"] > browser.FRAME_WIDTH
    assert check.overflowing() == [f"table 'rol-table rol-scorecard' scrolls sideways at 1280 px: "
                                   f"{card['scroll_width']} px of content in 1280 px"]
    assert any("scrolls sideways" in p for p in check.problems())
