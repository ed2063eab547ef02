"""Batched aggregation (indicators.tree) against the pipeline, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import Methodology, Step, build_index, load_framework, load_methodology
from indicators import tree as tree_mod
from indicators.errors import DataError, MethodologyError
from indicators.synthetic import generate_panel
from indicators.tree import (
    aggregate_many,
    compile_tree,
    level_steps,
    pairwise_sum,
    rank_within_years,
    upper_tree,
    weight_matrix,
)
from indicators.weights import WEIGHTERS, split_explain

from .sens_toys import tree_framework, wide

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
FW = load_framework(ROOT / "data/frameworks/district_rol.yaml")
PANEL = generate_panel()
BASE = load_methodology(ROOT / "data/methodologies/baseline.yaml")

METHODOLOGIES = {
    "baseline": BASE,
    "relative_equal": load_methodology(ROOT / "data/methodologies/relative_equal.yaml"),
    "frozen_2019": load_methodology(ROOT / "data/methodologies/frozen_2019.yaml"),
    "harmonic": BASE.replace(aggregate={"method": "harmonic", "params": {"zeros": "zero"}}),
    "generalised": BASE.replace(aggregate={"method": "generalised", "params": {"p": 2.5}}),
    "geometric_by_weight": BASE.replace(aggregate={"method": "geometric", "params": {"zeros": "zero"}},
                                        missing={"method": "skip", "params": {"min_coverage": 0.6, "by": "weight"}}),
    "strict": BASE.replace(missing={"method": "strict"}),
    "entropy": BASE.replace(weights={"method": "entropy", "params": {"levels": [1, 2]}}),
    "excluded": BASE.replace(exclude=("D1.6", "D3.4", "D6.1")),
}


def _setup(meth: Methodology):
    res = build_index(PANEL, FW, meth)
    tree = compile_tree(FW, [c for c in FW.indicators if c not in meth.exclude])
    weighter = WEIGHTERS.get(meth.weights.method)
    raw, _ = split_explain(weighter.func(FW, res.normalised, **weighter.bind(meth.weights.params)))
    x = res.normalised[list(tree.indicators)].to_numpy()
    return res, tree, raw, x


@pytest.mark.parametrize("name", list(METHODOLOGIES))
def test_batch_equals_pipeline_bit_for_bit(name):
    meth = METHODOLOGIES[name]
    res, tree, raw, x = _setup(meth)
    w = np.repeat(weight_matrix(tree, raw), 3, axis=0)
    w[1, tree.position["D1.1"]] *= 1.3  # the middle weight set differs, so the batch path is used
    w[1, tree.position["D2"]] *= 0.8
    agg, miss = level_steps(meth, tree)
    out = aggregate_many(tree, x, w, agg, miss, keep=list(res.scores.columns))
    for code in res.scores.columns:
        got = np.broadcast_to(out[code], (3, len(res.index)))
        ref = res.scores[code].to_numpy()
        assert np.array_equal(got[0], ref, equal_nan=True), code
        assert np.array_equal(got[2], ref, equal_nan=True), code
    # the perturbed weight set equals a pipeline build with those weights (as expert points)
    if meth.weights.method == "expert":
        points = {c: float(w[1, tree.position[c]]) for c in tree.nodes if c != tree.root}
        alt = build_index(PANEL, FW, meth.replace(weights={"method": "expert", "params": {"overrides": points}}))
        assert np.array_equal(out[FW.root][1], alt.index.to_numpy(), equal_nan=True)


def test_method_without_a_batched_form_is_called_per_weight_set(monkeypatch):
    meth = METHODOLOGIES["geometric_by_weight"]
    res, tree, raw, x = _setup(meth)
    w = np.repeat(weight_matrix(tree, raw), 2, axis=0)
    w[0, 0] *= 2
    agg, miss = level_steps(meth, tree)
    fast = aggregate_many(tree, x, w, agg, miss)[FW.root]
    monkeypatch.setattr(tree_mod, "_BATCHED", {})
    slow = aggregate_many(tree, x, w, agg, miss)[FW.root]
    assert np.array_equal(fast, slow, equal_nan=True)
    assert np.array_equal(slow[1], res.index.to_numpy(), equal_nan=True)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(k=st.integers(1, 40), n=st.integers(1, 30), seed=st.integers(0, 10_000))
def test_pairwise_sum_is_numpys_row_sum(k, n, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, k)) * rng.lognormal(0, 4, (n, k))
    assert np.array_equal(pairwise_sum([a[:, j] for j in range(k)]), a.sum(axis=1))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_rank_within_years_is_pandas_min_rank(data):
    n = data.draw(st.integers(1, 25))
    vals = data.draw(st.lists(st.one_of(st.none(), st.sampled_from([1.0, 2.0, 2.5, 7.0]), st.floats(0, 100)),
                              min_size=n, max_size=n))
    years = np.array(data.draw(st.lists(st.sampled_from([2020, 2021]), min_size=n, max_size=n)))
    x = np.array([np.nan if v is None else v for v in vals])
    ref = pd.Series(x).groupby(years).rank(method="min", ascending=False).fillna(0).to_numpy()
    got = rank_within_years(np.vstack([x, x]), years)
    assert got.dtype == np.int32
    assert np.array_equal(got[0], ref) and np.array_equal(got[1], ref)


def test_upper_tree_scores_from_the_dimensions():
    meth = BASE
    res, tree, raw, x = _setup(meth)
    up = upper_tree(tree, 2)
    assert up.indicators == ("D1", "D2", "D3", "D4", "D5", "D6") and up.nodes[-1] == "ROL"
    dims = res.scores[list(up.indicators)].to_numpy()
    agg, miss = level_steps(meth, up)
    out = aggregate_many(up, dims, weight_matrix(up, raw), agg, miss)[up.root][0]
    assert np.array_equal(out, res.index.to_numpy(), equal_nan=True)
    with pytest.raises(MethodologyError, match="no aggregates above level 3"):
        upper_tree(tree, 3)


def test_compile_tree_drops_parents_without_active_children():
    fw = tree_framework({"T": ["A", "B"], "A": ["a1"], "B": ["b1", "b2"]})
    t = compile_tree(fw, ["b1", "b2"])
    assert t.nodes == ("b1", "b2", "B", "T")
    assert [g.parent for g in t.groups] == ["B", "T"] and t.groups[1].kids == ("B",)
    with pytest.raises(MethodologyError, match=r"not indicators of toy_sens: \['zz'\]"):
        compile_tree(fw, ["zz"])


def test_errors_name_the_parent():
    fw = tree_framework({"T": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]})
    t = compile_tree(fw)
    x = wide({"a1": [1, -2, 3], "a2": [1, 2, 3], "b1": [1, 2, 3]}).to_numpy()
    steps = {2: Step("geometric"), 3: Step("arithmetic")}
    miss = {2: Step("skip"), 3: Step("skip")}
    w = np.ones((2, len(t.nodes)))
    w[1, 0] = 2
    with pytest.raises(DataError, match=r"aggregating A \(level 2\): geometric aggregation needs non-negative"):
        aggregate_many(t, x, w, steps, miss)
    w[1, :2] = 0
    with pytest.raises(MethodologyError, match="A: children a1, a2 have total weight 0 in weight set 1"):
        aggregate_many(t, x, w, {2: Step("arithmetic"), 3: Step("arithmetic")}, miss)
    with pytest.raises(MethodologyError, match=r"weights must be \(R, 6\)"):
        aggregate_many(t, x, np.ones((1, 3)), steps, miss)
    with pytest.raises(MethodologyError, match=r"weights: no weight for node\(s\) \['a2'\]"):
        weight_matrix(t, {"a1": 1, "b1": 1, "A": 1, "B": 1})
