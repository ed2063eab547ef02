"""``rolindex uncertainty``: a saved analysis with its tables, a replay checked bit for bit, COINr coins as inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import paths
from evaluation.cli import main
from indicators import build_index, load_methodology
from indicators.errors import ConstantIndicatorWarning
from tests.conftest import shared_path

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


# -- a COINr coin, read as `rolindex reproduce` reads it ------------------------------------------------
TINY_IDATA = ("uCode,uName,Time,x1,x2,x3\nu1,One,2024,1,10,7\nu2,Two,2024,2,30,5\nu3,Three,2024,3,20,3\n"
              "u4,Four,2024,5,40,1\n")
TINY_IMETA = """Level,iCode,iName,Direction,Weight,Parent,Type
1,x1,X one,1,1,P1,Indicator
1,x2,X two,1,1,P1,Indicator
1,x3,X three,1,1,P2,Indicator
2,P1,Pillar one,1,1,Index,Aggregate
2,P2,Pillar two,1,1,Index,Aggregate
3,Index,Index,1,1,,Aggregate
"""
TINY_COIN_SPEC = """inputs:
  - name: 标准化 normalisation
    field: normalise
    options:
      - {method: minmax, params: {lower: 0, upper: 100}}
      - {method: zscore, params: {mean: 10, sd: 2}}
  - name: 权重 weights
    noise: 0.25
    levels: [2]
"""


def test_a_tiny_coin_by_hand(tmp_path, capsys):
    """COINr raw → min-max [0, 100] → mean, by hand: x1 1,2,3,5 → 0, 25, 50, 100; x2 10,30,20,40 → 0, 66.7,
    33.3, 100; x3 7,5,3,1 → 100, 66.7, 33.3, 0. P1 = (x1 + x2)/2 = 0, 45.83, 41.67, 100; P2 = x3;
    Index = (P1 + P2)/2 = 50, 56.25, 37.5, 50: ranks 2, 1, 4, 2 (u1 and u4 tie, sharing the best rank)."""
    (tmp_path / "iData.csv").write_text(TINY_IDATA, encoding="utf-8")
    (tmp_path / "iMeta.csv").write_text(TINY_IMETA, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(TINY_COIN_SPEC, encoding="utf-8")
    args = ["uncertainty", str(tmp_path / "iData.csv"), "--coinr-meta", str(tmp_path / "iMeta.csv"),
            "-m", "coinr_minmax_amean", "--spec", str(tmp_path / "spec.yaml"), "-n", "8", "--seed", "2"]
    assert main([*args, "-o", str(tmp_path / "run")]) == 0
    stats = pd.read_csv(tmp_path / "run" / "rank_stats.csv", index_col="district")
    assert stats["nominal_score"].to_dict() == pytest.approx({"u1": 50, "u2": 56.25, "u3": 37.5, "u4": 50})
    assert stats["nominal_rank"].to_dict() == {"u1": 2, "u2": 1, "u3": 4, "u4": 2}
    assert (stats["n_ranked"] == 8 * 4).all()  # Saltelli: N (d + 2) with d = 2 inputs
    capsys.readouterr()
    # the same options as reproduce: --inputs instead of the argument, and its errors
    assert main(["uncertainty", "--inputs", *args[1:], "--replay", str(tmp_path / "run")]) == 0
    assert "identical ranks and scores, bit for bit" in capsys.readouterr().out
    assert main([*args, "-f", "district_rol"]) == 1
    assert "with --coinr-meta the framework is read from iMeta; drop --framework" in capsys.readouterr().err
    assert main(["uncertainty", str(tmp_path / "iData.csv"), "--inputs-format", "coinr", "--spec",
                 str(tmp_path / "spec.yaml")]) == 1
    assert "--inputs-format coinr needs --coinr-meta" in capsys.readouterr().err


def test_replays_coinr_asem_and_its_nominal_index_is_coinrs(tmp_path, capsys):
    idata, imeta = shared_path("data", "coinr-asem", "asem_iData.csv"), shared_path("data", "coinr-asem",
                                                                                     "asem_iMeta.csv")
    spec = paths.DATA / "uncertainty" / "coinr_example.yaml"
    args = ["uncertainty", str(idata), "--coinr-meta", str(imeta), "-m", "coinr_example", "--spec", str(spec),
            "-n", "8", "--seed", "1"]
    assert main([*args, "-o", str(tmp_path / "asem")]) == 0
    stats = pd.read_csv(tmp_path / "asem" / "rank_stats.csv", index_col="district")
    # the nominal index and ranks are COINr's own (its build_example_coin() outputs)
    published = pd.read_csv(shared_path("data", "coinr-asem", "a_example_aggregated.csv"), index_col="uCode")
    ranks = pd.read_csv(shared_path("data", "coinr-asem", "a_example_ranks.csv"), index_col="uCode")
    assert len(stats) == 51
    assert np.abs(stats["nominal_score"] - published["Index"].reindex(stats.index)).max() < 1e-10
    assert (stats["nominal_rank"] == ranks["Index"].reindex(stats.index)).all()
    sens = pd.read_csv(tmp_path / "asem" / "sensitivity.csv", index_col="input")
    assert len(sens) == 4 and sens.index[0] == "温莎化上限 winsorisation limit"
    capsys.readouterr()
    assert main([*args, "--replay", str(tmp_path / "asem")]) == 0
    assert "identical ranks and scores, bit for bit" in capsys.readouterr().out
