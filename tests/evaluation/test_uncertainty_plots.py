"""Report charts of the uncertainty analysis: they build headless and Chinese labels render."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from matplotlib import font_manager

from evaluation.report.uncertainty_plots import (
    CJK_FONT,
    plot_district_ranks,
    plot_rank_uncertainty,
    plot_sensitivity,
    plot_weights_importance,
    rank_interval,
    use_cjk_font,
)
from indicators import build_index, load_framework
from indicators.errors import DataError
from indicators.importance import importance_table
from indicators.synthetic import generate_panel
from indicators.uncertainty import run_uncertainty
from tests.conftest import ROOT

SPEC = {"inputs": [
    {"name": "标准化 normalisation", "field": "normalise",
     "options": [{"method": "goalposts", "params": {"clip": True}},
                 {"method": "minmax", "params": {"lower": 1, "upper": 100}}]},
    {"name": "权重 weights", "noise": 0.25, "levels": [1, 2]},
]}


@pytest.fixture(scope="module")
def run():
    fw = load_framework(ROOT / "data/frameworks/district_rol.yaml")
    return run_uncertainty(generate_panel(), fw, ROOT / "data/methodologies/baseline.yaml", SPEC, 16,
                           design="sobol", seed=1)


def _render(fig) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning: fail on it
        fig.savefig(buf, format="png", dpi=60)
    return buf.getvalue()


def test_cjk_font_is_registered_from_mplfonts():
    path = use_cjk_font()
    assert Path(path).name == "NotoSansCJKsc-Regular.otf" and "mplfonts" in path
    found = font_manager.findfont(font_manager.FontProperties(family=CJK_FONT), fallback_to_default=False)
    assert found == path
    assert use_cjk_font() == path  # idempotent


def test_charts_render_with_chinese_labels(run):
    pngs = [
        _render(plot_rank_uncertainty(run, 2024, highlight="sample_03")),
        _render(plot_district_ranks(run, "sample_03", 2024, name="示例区三")),
        _render(plot_sensitivity(run.sensitivity(n_boot=50))),
    ]
    fw = load_framework(ROOT / "data/frameworks/district_rol.yaml")
    res = build_index(generate_panel(), fw, ROOT / "data/methodologies/baseline.yaml")
    pngs.append(_render(plot_weights_importance(importance_table(res, year=2024, estimators=("r2",)))))
    assert all(p.startswith(b"\x89PNG") and len(p) > 5000 for p in pngs)


def test_rank_interval_numbers(run):
    info = rank_interval(run, "sample_03", 2024, k=2)
    st = run.rank_stats(2, 2024).loc[("sample_03", 2024)]
    assert info["q05"] == st["q05_rank"] and info["q95"] == st["q95_rank"] and info["median"] == st["median_rank"]
    assert info["n_ranked"] == 16 and info["replications"] == run.n
    with pytest.raises(DataError, match="no uncertainty result for district 'nowhere' in 2024"):
        rank_interval(run, "nowhere", 2024)
    with pytest.raises(DataError, match="needs a table with columns S1, ST"):
        plot_sensitivity(run.rank_stats())
