"""Uncertainty and sensitivity analysis: spec, sampling, exactness, replay, Sobol indices."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import Methodology, Step, build_index, load_framework, load_methodology
from indicators.errors import DataError, MethodologyError
from indicators.synthetic import generate_panel
from indicators.uncertainty import (
    Assumptions,
    Choice,
    UncertaintyResult,
    UncertaintySpec,
    WeightNoise,
    evaluate,
    load_assumptions,
    load_uncertainty,
    replay,
    run_uncertainty,
    sample_assumptions,
)

from ..sens_toys import tree_framework, wide

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]
FW = load_framework(ROOT / "data/frameworks/district_rol.yaml")
PANEL = generate_panel()
BASE = load_methodology(ROOT / "data/methodologies/baseline.yaml")

SPEC_DICT = {"inputs": [
    {"name": "normalisation", "field": "normalise",
     "options": [{"method": "goalposts", "params": {"clip": True}},
                 {"method": "minmax", "params": {"lower": 1, "upper": 100}}]},
    {"name": "imputation", "field": "impute", "options": ["none", "mean"]},
    {"name": "winsorisation", "field": "treat", "method": "winsorise", "param": "winmax", "values": [0, 1, 3]},
    {"name": "weights", "noise": 0.25, "levels": [1, 2]},
    {"name": "dimension aggregation", "field": "aggregate",
     "options": ["arithmetic", {"method": "geometric", "params": {"zeros": "zero"}}], "levels": [3]},
    {"name": "inclusion", "field": "exclude", "options": [[], ["D1.6"], ["D3.4", "D3.5"]]},
    {"name": "coverage rule", "field": "missing", "levels": [2],
     "options": [{"method": "skip", "params": {"min_coverage": 0.5}}, {"method": "skip", "params": {"by": "weight"}}]},
]}


@pytest.fixture(scope="module")
def mc_run():
    return run_uncertainty(PANEL, FW, BASE, SPEC_DICT, 40, seed=3)


# --------------------------------------------------------------------------------------------
# spec


def test_spec_round_trip_and_compact_form(tmp_path):
    spec = UncertaintySpec.from_dict(SPEC_DICT)
    assert UncertaintySpec.from_dict(spec.to_dict()) == spec
    compact = UncertaintySpec.from_dict({"inputs": [
        {"name": "winsorisation", "field": "treat", "method": "none", "param": "x", "values": [1]}]})
    assert compact.inputs[0].options == (Step("none", {"x": 1}),)
    path = tmp_path / "spec.yaml"
    path.write_text(spec.to_yaml(), encoding="utf-8")
    assert UncertaintySpec.load(path) == spec
    assert spec.inputs[0].label(1) == "minmax(lower=1, upper=100)"
    assert spec.inputs[5].label(0) == "none" and spec.inputs[5].label(2) == "−D3.4,D3.5"
    assert spec.inputs[2].label(2) == "winsorise(winmax=3)"


def test_shipped_spec_file_fits_the_district_framework():
    spec = UncertaintySpec.load(ROOT / "data/uncertainty/district_rol.yaml")
    spec.validate(FW, BASE)
    assert [i.name for i in spec.inputs][:2] == ["标准化 normalisation", "缺失值插补 imputation"]
    res = run_uncertainty(PANEL, FW, BASE, spec, 16, seed=1)
    assert res.ranks.shape == (16, len(PANEL.groupby(["district", "year"])))


def test_two_choices_of_the_same_field_are_an_error():
    spec = UncertaintySpec((Choice("a", "normalise", ["minmax"]), Choice("b", "normalise", ["zscore"]),
                            Choice("c", "aggregate", ["arithmetic"], levels=(2,)),
                            Choice("d", "aggregate", ["geometric"], levels=(3,)),
                            Choice("e", "aggregate", ["harmonic"])))
    with pytest.raises(MethodologyError) as exc:
        spec.validate(FW, BASE)
    assert exc.value.problems == [
        "inputs 'a' and 'b' both choose normalise; merge their options into one choice",
        "inputs 'c' and 'e' both choose aggregate at level 2; merge their options into one choice",
    ]


def test_spec_errors():
    with pytest.raises(MethodologyError, match=r"unknown field 'normalize' \(did you mean 'normalise'\?\)"):
        Choice("n", "normalize", ["minmax"])
    with pytest.raises(MethodologyError, match="duplicate input names"):
        UncertaintySpec((Choice("a", "impute", ["none"]), Choice("a", "treat", ["none"])))
    with pytest.raises(MethodologyError, match=r"noise must be a number in \[0, 1\)"):
        WeightNoise("w", 1.5, levels=(1,))
    with pytest.raises(MethodologyError, match="give the levels or parents"):
        WeightNoise("w", 0.1)
    with pytest.raises(MethodologyError, match=r"inputs\[1\] \('x'\): unknown key\(s\) \['level'\]"):
        UncertaintySpec.from_dict({"inputs": [{"name": "x", "field": "aggregate", "options": ["arithmetic"],
                                               "level": [2]}]})
    spec = UncertaintySpec((
        Choice("norm", "normalise", [{"method": "minmax", "params": {"lowr": 1}}]),
        Choice("drop", "exclude", [["D9.9"]]),
        WeightNoise("w", 0.1, levels=(3,), parents=("D1.1",)),
        Choice("agg", "aggregate", ["arithmetic"], levels=(5,)),
    ))
    with pytest.raises(MethodologyError) as exc:
        spec.validate(FW, BASE)
    text = str(exc.value)
    assert "4 problems" in text or "5 problems" in text
    assert "input 'norm' option 1: normalise: 'minmax' got unexpected parameter 'lowr' (did you mean 'lower'?)" in text
    assert "input 'drop' option 1: not indicators of district_rol: ['D9.9']" in text
    assert "input 'w': no weighted nodes at level(s) [3]" in text
    assert "input 'w': 'D1.1' is not an aggregate" in text
    assert "input 'agg': level 5 has no aggregates" in text


# --------------------------------------------------------------------------------------------
# sampling


def test_monte_carlo_sample():
    spec = UncertaintySpec.from_dict(SPEC_DICT)
    a = sample_assumptions(spec, FW, BASE, 500, seed=1)
    t = a.table
    assert len(t) == 500 and a.design == "montecarlo"
    assert set(t["normalisation"]) == {0, 1} and set(t["inclusion"]) == {0, 1, 2}
    noisy = [c for c in t.columns if c.startswith("weights:")]
    assert len(noisy) == len(FW.indicators) + 6  # every indicator and dimension weight
    m = t[noisy].to_numpy()
    assert m.min() >= 0.75 and m.max() <= 1.25 and abs(m.mean() - 1) < 0.01
    again = sample_assumptions(spec, FW, BASE, 500, seed=1)
    pd.testing.assert_frame_equal(a.table, again.table)


def test_sobol_sample_size_and_errors():
    spec = UncertaintySpec.from_dict(SPEC_DICT)
    a = sample_assumptions(spec, FW, BASE, 64, design="sobol", seed=1)
    assert a.n == 64 * (7 + 2) and a.n_base == 64  # grouped weights count as one input
    with pytest.raises(MethodologyError, match="n = 100 is not a power of 2.*try 64 or 128"):
        sample_assumptions(spec, FW, BASE, 100, design="sobol")
    with pytest.raises(MethodologyError, match="at least two inputs"):
        sample_assumptions(UncertaintySpec((spec.inputs[0],)), FW, BASE, 64, design="sobol")
    with pytest.raises(MethodologyError, match="unknown design 'lhs'"):
        sample_assumptions(spec, FW, BASE, 64, design="lhs")


def test_weight_sets_as_in_coinr():
    spec = UncertaintySpec((WeightNoise("w", 0.25, levels=(2,), sets=10), Choice("i", "impute", ["none", "mean"])))
    a = sample_assumptions(spec, FW, BASE, 300, seed=2)
    sets = a.weight_sets["w"]
    assert sets.shape == (10, 6) and set(a.table["w"]) == set(range(10))
    m = a.multipliers(spec.inputs[0], FW)
    np.testing.assert_array_equal(m.to_numpy(), sets.to_numpy()[a.table["w"].to_numpy()])


# --------------------------------------------------------------------------------------------
# exactness


@settings(max_examples=12, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), norm=st.sampled_from(["goalposts", "minmax", "zscore"]),
       agg=st.sampled_from(["arithmetic", "geometric", "harmonic"]), missing=st.booleans(),
       two_years=st.booleans())
def test_all_inputs_fixed_reproduces_the_nominal_result_exactly(seed, norm, agg, missing, two_years):
    rng = np.random.default_rng(seed)
    n = 9
    fw = tree_framework({"T": ["A", "B"], "A": ["a1", "a2", "a3"], "B": ["b1", "b2"]},
                        weights={"A": 3, "B": 2, "a1": 2}, directions={"a3": "-"})
    vals = {c: rng.uniform(1, 99, n) for c in ["a1", "a2", "a3", "b1", "b2"]}
    if missing:
        vals["a2"][[1, 4]] = np.nan
    years = [2023] * 5 + [2024] * 4 if two_years else None
    data = wide(vals, years=years)
    params = {"lower": 1, "upper": 100} if norm == "minmax" else ({"mean": 50, "sd": 10} if norm == "zscore" else {})
    meth = Methodology(normalise=Step(norm, params), aggregate=Step(agg), missing=Step("skip", {"min_coverage": 0.5}))
    spec = UncertaintySpec((Choice("normalisation", "normalise", [meth.normalise]),
                            Choice("aggregation", "aggregate", [agg]),
                            WeightNoise("weights", 0.0, levels=(1, 2)),
                            Choice("inclusion", "exclude", [[]])))
    nominal = build_index(data, fw, meth)
    for stage in ("fast", "pipeline"):
        res = evaluate(data, fw, sample_assumptions(spec, fw, meth, 7, seed=seed), data_stage=stage)
        for r in range(7):
            assert np.array_equal(res.scores[r], nominal.index.to_numpy(), equal_nan=True)
        assert np.array_equal(res.ranks[0], nominal.ranks.fillna(0).to_numpy())
        assert np.array_equal(res.nominal_scores.to_numpy(), nominal.index.to_numpy(), equal_nan=True)
        assert res.rank_shift().max() == 0.0


def test_every_replication_equals_a_pipeline_rebuild(mc_run):
    a = mc_run.assumptions
    for r in range(0, a.n, 7):
        rebuilt = build_index(PANEL, FW, a.methodology_for(r, FW))
        assert np.array_equal(mc_run.scores[r], rebuilt.index.to_numpy(), equal_nan=True), r
        assert np.array_equal(mc_run.ranks[r], rebuilt.ranks.fillna(0).to_numpy()), r


def test_fast_and_pipeline_data_stages_agree(mc_run):
    again = evaluate(PANEL, FW, mc_run.assumptions, data_stage="pipeline")
    assert np.array_equal(again.scores, mc_run.scores, equal_nan=True)
    assert mc_run.timing["data_stage_mode"] == "fast" and again.timing["data_stage_mode"] == "pipeline"


def test_replay_from_saved_assumptions_is_identical(mc_run, tmp_path):
    mc_run.save(tmp_path / "run")
    files = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert files == ["assumptions.csv", "rank_stats.csv", "ranks.npz", "timing.json", "uncertainty.yaml"]
    a = load_assumptions(tmp_path / "run")
    assert a.spec == mc_run.assumptions.spec and a.methodology == BASE
    pd.testing.assert_frame_equal(a.table, mc_run.assumptions.table)  # floats round-trip exactly
    again = replay(tmp_path / "run", PANEL, FW)
    assert np.array_equal(again.scores, mc_run.scores, equal_nan=True)
    assert np.array_equal(again.ranks, mc_run.ranks)
    loaded = load_uncertainty(tmp_path / "run")
    assert np.array_equal(loaded.ranks, mc_run.ranks)
    pd.testing.assert_frame_equal(loaded.rank_stats(), mc_run.rank_stats())
    other = tree_framework({"T": ["a"]})
    with pytest.raises(MethodologyError, match="drawn for framework district_rol"):
        evaluate(PANEL, other, a)


def test_failing_replications_name_their_choices():
    spec = UncertaintySpec((Choice("normalisation", "normalise", [Step("zscore")]),
                            Choice("aggregation", "aggregate", ["geometric"])))
    with pytest.raises(DataError, match=r"replications with normalisation = zscore; aggregation = geometric: "
                                        r"aggregating D1 \(level 2\): geometric aggregation needs non-negative"):
        run_uncertainty(PANEL, FW, BASE, spec, 5)


# --------------------------------------------------------------------------------------------
# statistics


def _toy_result(ranks: np.ndarray, nominal: np.ndarray) -> UncertaintyResult:
    rows = pd.MultiIndex.from_arrays([[f"d{i}" for i in range(ranks.shape[1])], [2024] * ranks.shape[1]],
                                     names=["district", "year"])
    spec = UncertaintySpec((Choice("i", "impute", ["none"]),))
    a = Assumptions(spec, Methodology(), "montecarlo", 0, pd.DataFrame({"i": np.zeros(len(ranks), int)}))
    return UncertaintyResult(a, rows, pd.Series(np.zeros(len(nominal)), index=rows),
                             pd.Series(nominal, index=rows), None, ranks.astype(np.int32))


def test_rank_stats_by_hand():
    # 5 replications x 3 districts
    ranks = np.array([[1, 2, 3], [1, 3, 2], [2, 1, 3], [1, 2, 3], [3, 1, 2]])
    res = _toy_result(ranks, np.array([1, 2, 3]))
    st_ = res.rank_stats(k=0)
    # d0 ranks 1,1,2,1,3: median 1, mean 1.6; type-7 5th percentile of sorted (1,1,1,2,3):
    # position 0.05·4 = 0.2 -> 1; 95th: position 3.8 -> 2 + 0.8·(3 - 2) = 2.8
    assert st_.iloc[0][["median_rank", "mean_rank", "q05_rank", "q95_rank"]].tolist() == pytest.approx(
        [1, 1.6, 1, 2.8])
    assert st_.iloc[0]["within_0"] == pytest.approx(3 / 5)  # three replications exactly at the median
    # mean |shift| per replication: (0,0,0), (0,1,1), (1,1,0), (0,0,0), (2,1,1) over 3 districts
    np.testing.assert_allclose(res.rank_shift(), [0, 2 / 3, 2 / 3, 0, 4 / 3])
    summ = res.summary(k=0)
    # nominal (1,2,3) vs medians (1, 2, 3): d1 ranks 2,3,1,2,1 -> median 2; d2 3,2,3,3,2 -> 3
    assert summ.loc[2024, "share_nominal_within_0"] == 1.0
    assert summ.loc[2024, "mean_rank_shift"] == pytest.approx((0 + 2 / 3 + 2 / 3 + 0 + 4 / 3) / 5)


def test_missing_ranks_are_left_out():
    ranks = np.array([[1, 0, 2], [2, 0, 1], [1, 2, 0]])
    res = _toy_result(ranks, np.array([1, 0, 2]))
    st_ = res.rank_stats()
    assert st_["n_ranked"].tolist() == [3, 1, 2]
    assert pd.isna(st_["nominal_rank"].iloc[1])
    np.testing.assert_allclose(res.rank_shift(), [0, 1, 0])  # rows ranked in both only


def test_monte_carlo_outputs(mc_run):
    st_ = mc_run.rank_stats(k=2)
    assert list(st_.index.names) == ["district", "year"] and len(st_) == len(PANEL.groupby(["district", "year"]))
    assert (st_["q05_rank"] <= st_["median_rank"]).all() and (st_["median_rank"] <= st_["q95_rank"]).all()
    assert ((st_["within_2"] >= 0) & (st_["within_2"] <= 1)).all()
    assert (st_["q05_score"] <= st_["q95_score"]).all()
    summ = mc_run.summary(k=2)
    assert list(summ.index) == list(range(2019, 2025))
    assert summ["n_districts"].eq(16).all()
    with pytest.raises(MethodologyError, match="need a Sobol design"):
        mc_run.sensitivity()


# --------------------------------------------------------------------------------------------
# Sobol indices on an analytic case


def _two_blocks():
    """Block 1 (districts 0-7) scores 80-100 on A and 90 on B; block 2 scores 10 on A and 0-20 on
    B, so every block-1 index is above every block-2 index whatever the weights: block 1 is
    ordered by A's indicator weights only, block 2 by B's only. The mean absolute rank shift is
    then exactly f(A's weights) + g(B's weights): an additive model, first-order = total."""
    rng = np.random.default_rng(5)
    fw = tree_framework({"T": ["A", "B"], "A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})
    k = 8
    vals = {}
    for c in ("a1", "a2", "a3"):
        vals[c] = np.concatenate([rng.uniform(80, 100, k), np.full(k, 10.0)])
    for c in ("b1", "b2", "b3"):
        vals[c] = np.concatenate([np.full(k, 90.0), rng.uniform(0, 20, k)])
    meth = Methodology(normalise=Step("goalposts"), missing=Step("skip"))
    spec = UncertaintySpec((WeightNoise("A", 0.6, parents=("A",), sets=6),
                            WeightNoise("B", 0.6, parents=("B",), sets=6)))
    return fw, wide(vals), meth, spec


def test_sobol_indices_of_an_additive_model_match_the_exact_decomposition():
    fw, data, meth, spec = _two_blocks()
    # exact: evaluate all 6 x 6 combinations of the weight sets
    a = sample_assumptions(spec, fw, meth, 8, design="sobol", seed=11)
    grid = pd.DataFrame(list(itertools.product(range(6), range(6))), columns=["A", "B"])
    full = evaluate(data, fw, Assumptions(a.spec, meth, "montecarlo", 11, grid, a.weight_sets))
    y = full.rank_shift().reshape(6, 6)
    f, g = y.mean(axis=1), y.mean(axis=0)
    np.testing.assert_allclose(y, f[:, None] + g[None, :] - y.mean(), atol=1e-12)  # additive
    s_a = f.var() / (f.var() + g.var())
    assert 0.05 < s_a < 0.95  # both inputs matter
    # Saltelli design through SALib
    res = evaluate(data, fw, sample_assumptions(spec, fw, meth, 1024, design="sobol", seed=11))
    si = res.sensitivity(n_boot=300, seed=4)
    exact = pd.Series({"A": s_a, "B": 1 - s_a})
    np.testing.assert_allclose(si["S1"], exact, atol=0.06)
    np.testing.assert_allclose(si["ST"], exact, atol=0.06)
    assert ((si["S1"] - exact).abs() <= 3 * si["S1_conf"] + 0.01).all()
    np.testing.assert_allclose(si["S1"], si["ST"], atol=0.06)  # no interactions
    assert list(si.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    # same seed, same table
    pd.testing.assert_frame_equal(si, res.sensitivity(n_boot=300, seed=4))


def test_sobol_on_the_district_panel_with_grouped_weight_noise():
    spec = UncertaintySpec.from_dict(SPEC_DICT)
    res = run_uncertainty(PANEL, FW, BASE, spec, 32, design="sobol", seed=2)
    si = res.sensitivity(n_boot=100)
    assert list(si.index) == spec.names
    assert (si["ST"] > -0.2).all()
    one = res.sensitivity(year=2024, n_boot=100)
    assert one.shape == si.shape
    district_rank = res.ranks[:, 0].astype(float)
    assert res.sensitivity(output=district_rank, n_boot=50).shape == si.shape


def test_sensitivity_of_a_constant_output_is_an_error():
    spec = UncertaintySpec((Choice("i", "impute", ["none"]), WeightNoise("w", 0.0, levels=(2,))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = run_uncertainty(PANEL, FW, BASE, spec, 8, design="sobol")
    with pytest.raises(DataError, match="does not vary"):
        res.sensitivity()
