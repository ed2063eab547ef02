"""``rolindex uncertainty``: a saved analysis with its tables, and a replay checked bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import paths
from evaluation.cli import main
from indicators import build_index, load_methodology
from indicators.errors import ConstantIndicatorWarning

PANEL = paths.SUBMISSIONS / "synthetic_panel.csv"

pytestmark = pytest.mark.filterwarnings(f"ignore::{ConstantIndicatorWarning.__module__}.ConstantIndicatorWarning")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("unc") / "sobol"
    assert main(["uncertainty", str(PANEL), "-n", "16", "--seed", "3", "-o", str(out)]) == 0
    return out


def test_run_writes_the_analysis_and_its_tables(saved, capsys):
    for name in ("uncertainty.yaml", "assumptions.csv", "ranks.npz", "rank_stats.csv", "summary.csv",
                 "sensitivity.csv"):
        assert (saved / name).is_file(), name
    summary = pd.read_csv(saved / "summary.csv", index_col="year")
    assert list(summary.index) == list(range(2019, 2025)) and (summary["n_districts"] == 16).all()
    sens = pd.read_csv(saved / "sensitivity.csv", index_col="input")
    assert list(sens.columns) == ["S1", "S1_conf", "ST", "ST_conf"] and len(sens) == 5
    # the nominal ranks are the pipeline's own ranking of the nominal methodology (independent route)
    stats = pd.read_csv(saved / "rank_stats.csv", index_col=["district", "year"])
    nominal = build_index(PANEL, paths.DEFAULT_FRAMEWORK, load_methodology(paths.DEFAULT_METHODOLOGY))
    ranks = nominal.ranks.reindex(stats.index)
    assert (stats["nominal_rank"].to_numpy() == ranks.to_numpy(dtype=float)).all()
    # Saltelli design: N (d + 2) replications for d = 5 inputs
    assert np.load(saved / "ranks.npz")["ranks"].shape == (16 * 7, 96)


def test_replay_is_identical(saved, capsys):
    assert main(["uncertainty", str(PANEL), "--replay", str(saved)]) == 0
    assert "identical ranks and scores, bit for bit" in capsys.readouterr().out


def test_replay_on_changed_figures_says_different_and_fails(saved, tmp_path, capsys):
    figures = pd.read_csv(PANEL, dtype=str, keep_default_na=False)
    row = figures.index[(figures["figure"] == "mediation_resolved") & (figures["year"] == "2024")][0]
    figures.loc[row, "value"] = str(int(float(figures.loc[row, "value"]) // 2))  # a count: half as many resolved
    changed = tmp_path / "changed.csv"
    figures.to_csv(changed, index=False)
    assert main(["uncertainty", str(changed), "--replay", str(saved)]) == 1
    said = capsys.readouterr().out
    assert "DIFFERENT from the saved analysis:" in said and " ranks" in said and "scores (max |difference|" in said


def test_replay_against_another_framework_is_refused(saved, tmp_path, capsys):
    fw = tmp_path / "fw.yaml"
    text = paths.DEFAULT_FRAMEWORK.read_text(encoding="utf-8")
    fw.write_text(text.replace('version: "2026.1"', 'version: "2026.1-edited"', 1), encoding="utf-8")
    assert main(["uncertainty", str(PANEL), "-f", str(fw), "--replay", str(saved)]) == 1
    assert "the assumptions were drawn for framework district_rol" in capsys.readouterr().err
