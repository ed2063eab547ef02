"""Report charts: Chinese renders with the bundled font, missing data is labelled, caching is exact."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from matplotlib import font_manager, rcParams
from matplotlib.figure import Figure
from matplotlib.text import Text

from evaluation.report import charts, store
from tests.conftest import ROOT

PNG = b"\x89PNG\r\n\x1a\n"
DISTRICT_CHARTS = (charts.dimension_chart, charts.trend_chart, charts.contribution_chart)


@pytest.fixture(scope="module")
def panel():
    return store.load_result("synthetic_panel", "district_rol", None)


@pytest.fixture(scope="module")
def seed():
    return store.load_result("seed_districts", "district_rol", None)


def texts(fig: Figure) -> list[str]:
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts]
    return found


def glyph_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "Glyph" in str(w.message) and "missing" in str(w.message)]


def test_setup_fonts_registers_the_bundled_cjk_font():
    assert charts.setup_fonts() == "Noto Sans CJK SC"
    path = charts.cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf" and "mplfonts" in path.parts
    assert rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert rcParams["axes.unicode_minus"] is False
    chosen = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert font_manager.FontProperties(fname=chosen).get_name() == "Noto Sans CJK SC"
    entries = sum(f.fname == str(path) for f in font_manager.fontManager.ttflist)
    charts.setup_fonts()  # idempotent: the font is added once per process
    assert entries >= 1 and sum(f.fname == str(path) for f in font_manager.fontManager.ttflist) == entries


def test_chinese_title_renders_without_missing_glyphs():
    charts.setup_fonts()
    fig = Figure(figsize=(3, 1), dpi=60)
    fig.suptitle("区级法治建设评估指数 −12.5 ≥ 90")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        png = charts.figure_png(fig)
    assert png.startswith(PNG)
    assert glyph_warnings(record) == []


def test_fonts_work_with_a_fresh_matplotlib_cache(tmp_path):
    """A new machine: empty matplotlib config/cache; only the font inside mplfonts is CJK-capable."""
    code = textwrap.dedent("""
        import warnings
        from matplotlib import font_manager
        from matplotlib.figure import Figure
        from evaluation.report import charts
        charts.setup_fonts()
        fig = Figure(figsize=(3, 1), dpi=60)
        fig.suptitle("法治建设 / rule of law")
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            charts.figure_png(fig)
        bad = [str(w.message) for w in rec if "Glyph" in str(w.message)]
        chosen = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
        print(font_manager.FontProperties(fname=chosen).get_name(), len(bad))
    """)
    env = dict(os.environ, MPLCONFIGDIR=str(tmp_path), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Noto", "Sans", "CJK", "SC", "0"]


@pytest.mark.parametrize("chart", DISTRICT_CHARTS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_district_charts_render_chinese_without_missing_glyphs(panel, chart, lang):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig = chart(panel, "sample_05", 2024, lang)
        png = charts.figure_png(fig)
    assert isinstance(fig, Figure) and png.startswith(PNG)
    assert glyph_warnings(record) == []
    w, h = charts.figure_size(fig)
    assert w == round(fig.get_figwidth() * fig.dpi) and 80 <= fig.dpi <= 100
    # drawn at the A4 content width (210 mm - 2 x 12 mm = 186 mm), so point sizes are printed sizes
    assert fig.get_figwidth() == pytest.approx(186 / 25.4, abs=0.05)
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
             if t.get_text().strip() and t.get_fontsize() < 9]
    assert small == []  # every label at least 9 pt on paper


def test_cached_static_layer_gives_identical_bytes(panel):
    charts.clear_cache()
    for chart in DISTRICT_CHARTS:
        first = charts.figure_png(chart(panel, "sample_02", 2024))   # draws and caches the static layer
        other = charts.figure_png(chart(panel, "sample_09", 2024))   # reuses it
        again = charts.figure_png(chart(panel, "sample_02", 2024))   # reuses it: nothing leaks between districts
        assert again == first and other != first
        charts.clear_cache()
        assert charts.figure_png(chart(panel, "sample_09", 2024)) == other  # cold cache, same bytes


def test_missing_data_is_labelled_not_drawn_as_zero(seed):
    # Jing'an 2024: no dimension score, no index
    dim = charts.dimension_chart(seed, "shanghai_jingan", 2024)
    assert texts(dim).count("缺失") == 6
    contrib = charts.contribution_chart(seed, "shanghai_jingan", 2024, lang="en")
    assert "index missing: no contributions" in texts(contrib)
    assert texts(contrib).count("missing") == 25  # 28 indicators, 3 scored
    trend = charts.trend_chart(seed, "shanghai_jingan", 2024)
    # 2020: not graded under the baseline's grading rule (11 of 28 indicators count), so not ranked; 2024: missing
    assert "缺失" in texts(trend) and "1/2" not in texts(trend)


def test_trend_chart_only_shows_years_up_to_the_report_year(panel):
    fig = charts.trend_chart(panel, "sample_01", 2021)
    assert [t for t in texts(fig) if t.startswith("20")] == ["2019", "2020", "2021"] * 2


def test_index_page_charts(panel):
    fig = charts.grade_counts_chart(panel, 2024)
    ax = fig.axes[0]
    heights = [int(t.get_text()) for t in ax.texts]
    assert sum(heights) == 16
    assert [t.get_text() for t in ax.get_xticklabels()] == ["优秀", "良好", "合格", "不合格", "缺失"]
    hist = charts.index_distribution_chart(panel, 2024, lang="en")
    assert hist.axes[0].patches and sum(p.get_height() for p in hist.axes[0].patches) == 16
    for f in (fig, hist):
        assert charts.figure_png(f).startswith(PNG)


def test_charts_reject_unknown_rows(panel):
    with pytest.raises(ValueError, match="has no figures for 2024"):
        charts.dimension_chart(panel, "nowhere", 2024)
    with pytest.raises(ValueError, match="year 1999 is not in the result"):
        charts.grade_counts_chart(panel, 1999)


def test_nice_axis_has_few_distinct_ranges():
    tops = {charts._nice_axis(x)[0] for x in np.linspace(5.1, 7.9, 50)}
    assert tops == {6.0, 8.0}
    assert charts._nice_axis(11.1) == (15.0, (0.0, 5.0, 10.0, 15.0))


def _profile_chart(result, district, year, lang="zh", reuse=False):
    from evaluation.report.profile import profile_chart

    return profile_chart(result, district, year, lang, reuse=reuse)


@pytest.mark.parametrize("chart", [*DISTRICT_CHARTS, _profile_chart])
def test_reused_figure_gives_the_bytes_of_a_fresh_one(seed, panel, chart):
    """A reused figure's slots are fully rewritten: no bar, line or label of the previous district survives."""
    charts.clear_cache()
    # seed 2020: Guangming lacks three dimensions; panel 2024: sample_03 lacks 9 indicators, sample_13 a dimension
    # and a panel where sample_03 has no index or rank in 2022 (a gap in its trend)
    gap = panel.index.index.isin([("sample_03", 2022)])
    holey = dataclasses.replace(panel, index=panel.index.mask(gap), ranks=panel.ranks.mask(gap))
    runs = [(seed, 2020, ["shanghai_jingan", "shenzhen_guangming", "shanghai_jingan"]),
            (panel, 2024, ["sample_03", "sample_05", "sample_13", "sample_03"]),
            (holey, 2024, ["sample_03", "sample_05", "sample_03"])]
    for result, year, order in runs:
        fresh = {d: charts.figure_png(chart(result, d, year)) for d in order}
        assert len(set(fresh.values())) == len(set(order))
        figures = []
        for lang in ("zh", "en"):
            for d in order:
                fig = chart(result, d, year, lang, reuse=True)
                figures.append(fig)
                if lang == "zh":
                    assert charts.figure_png(fig) == fresh[d], (year, d)
        if chart is not charts.contribution_chart:  # the contribution axis (so its layout) follows the weights
            assert all(f is figures[0] for f in figures[:len(order)])  # one figure per layout and language
            assert figures[-1] is not figures[0]
    assert chart(panel, "sample_05", 2024) is not chart(panel, "sample_05", 2024)  # no reuse: a new figure
    charts.clear_cache()


def test_png_encoder_round_trips_opaque_and_transparent_images():
    from PIL import Image

    rng = np.random.default_rng(7)
    opaque = rng.integers(0, 256, (5, 7, 4), dtype=np.uint8)
    opaque[..., 3] = 255
    clear = opaque.copy()
    clear[2, 3, 3] = 10
    for rgba, mode in ((opaque, "RGB"), (clear, "RGBA")):
        png = charts._png(rgba)
        assert png.startswith(PNG)
        img = Image.open(io.BytesIO(png))
        img.load()
        assert img.mode == mode and img.size == (7, 5)
        assert np.array_equal(np.asarray(img), rgba[..., :3] if mode == "RGB" else rgba)
