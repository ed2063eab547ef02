"""COINr-exact edge cases, hand-worked: geometric/harmonic means of a zero score, generalised mean of a gap.

COINr stops with "Negative or zero values found when applying geometric mean" (``a_gmean``): so do
the pipeline and the batched engine (:func:`indicators.tree.aggregate_many`), naming the unit
(district, year) and the node, unless ``zeros: zero`` asks for the mean's limit 0. COINr's
``a_genmean`` returns NA for a unit with a missing child: ``na: propagate``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from indicators import build_index
from indicators.aggregate import generalised, geometric, harmonic
from indicators.errors import DataError, MethodologyError, NonPositiveScoresError
from indicators.methodology import Methodology
from indicators.tree import aggregate_many, compile_tree, level_steps, weight_matrix

from .sens_toys import tree_framework, wide

FW = tree_framework({"T": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]})  # weights 1, goalposts [0, 100]


def _batched(figs, meth, units=True):
    """The batched engine under two weight sets (a2 doubled in the first), so it takes the batched path."""
    tree = compile_tree(FW, list(FW.indicators))
    x = figs[[f"x_{c}" for c in tree.indicators]].to_numpy(dtype=float)  # goalposts [0, 100]: x is the score
    raw = weight_matrix(tree, {c: 1.0 for c in FW.nodes if c != FW.root})
    w = np.repeat(raw, 2, axis=0)
    w[0, tree.position["a2"]] = 2.0
    agg, miss = level_steps(meth, tree)
    return aggregate_many(tree, x, w, agg, miss, keep=("A", "T"), units=figs.index if units else None)


# -- geometric and harmonic means of a zero score ----------------------------------------------
def test_geometric_and_harmonic_refuse_a_zero_child_naming_the_row():
    for func, name in ((geometric, "geometric"), (harmonic, "harmonic")):
        with pytest.raises(NonPositiveScoresError, match=f"{name} mean of a zero score") as err:
            func(np.array([[9.0, 1.0], [0.0, 81.0]]), np.array([0.5, 0.5]))
        assert err.value.rows == [1]
    # a zero child with weight 0 takes no part: no error, the other child's value
    assert geometric(np.array([[0.0, 81.0]]), np.array([0.0, 1.0]))[0] == pytest.approx(81.0, rel=1e-14)
    assert harmonic(np.array([[0.0, 80.0]]), np.array([0.0, 1.0]))[0] == pytest.approx(80.0, rel=1e-14)


def test_zeros_zero_keeps_the_limit_and_other_rows_are_the_hand_values():
    x = np.array([[0.0, 64.0], [4.0, 64.0], [20.0, 80.0]])
    # sqrt(4 * 64) = 16; 1 / (0.5/20 + 0.5/80) = 32
    np.testing.assert_allclose(geometric(x[:2], np.array([0.5, 0.5]), zeros="zero"), [0.0, 16.0])
    np.testing.assert_allclose(harmonic(x[[0, 2]], np.array([0.5, 0.5]), zeros="zero"), [0.0, 32.0])


FIGS = wide({"a1": [0, 4, 25], "a2": [64, 64, 100], "b1": [16, 16, 1]})


def test_pipeline_refuses_a_zero_child_naming_unit_node_and_child():
    with pytest.raises(DataError, match=r"aggregating A \(level 2\): geometric 平均遇到零分 / geometric mean "
                                        r"of a zero score \(COINr stops here too\); set aggregate params zeros: "
                                        r"zero") as err:
        build_index(FIGS, FW, Methodology(aggregate="geometric"))
    assert err.value.problems == ["A: d000 2024 (a1 = 0)"]


def test_batched_engine_refuses_alike():
    with pytest.raises(DataError, match=r"aggregating A \(level 2\): geometric 平均遇到零分") as err:
        _batched(FIGS, Methodology(aggregate="geometric"))
    assert err.value.problems == ["A: d000 2024 (a1 = 0)"]
    with pytest.raises(DataError, match=r"aggregating A \(level 2\): harmonic 平均遇到零分") as err:
        _batched(FIGS, Methodology(aggregate="harmonic"), units=False)
    assert err.value.problems == ["A: row 0 (a1 = 0)"]


def test_zeros_zero_in_pipeline_and_batched_engine_gives_the_hand_values():
    meth = Methodology(aggregate={"method": "geometric", "params": {"zeros": "zero"}})
    res = build_index(FIGS, FW, meth)
    # A = sqrt(a1 a2): 0, sqrt(256) = 16, sqrt(2500) = 50; B = b1; T = sqrt(A B): 0, 16, sqrt(50)
    np.testing.assert_allclose(res.scores["A"].to_numpy(), [0.0, 16.0, 50.0], rtol=1e-14)
    np.testing.assert_allclose(res.index.to_numpy(), [0.0, 16.0, math.sqrt(50)], rtol=1e-14)
    out = _batched(FIGS, meth)
    # second weight set = the pipeline's; first: a2 weighs 2, A = (a1 a2^2)^(1/3): 0, (4*64^2)^(1/3) = 25.398
    np.testing.assert_allclose(out["T"][1], res.index.to_numpy(), rtol=1e-14)
    np.testing.assert_allclose(out["A"][0], [0.0, (4 * 64 ** 2) ** (1 / 3), (25 * 100 ** 2) ** (1 / 3)], rtol=1e-12)


def test_zeros_must_be_error_or_zero():
    with pytest.raises(MethodologyError, match=r"aggregate\.params\.zeros: .*must be one of 'error', 'zero', "
                                               r"got 'ignore'"):
        Methodology(aggregate={"method": "geometric", "params": {"zeros": "ignore"}}).validate()


# -- generalised mean with a missing child ---------------------------------------------------------
GAP = wide({"a1": [10, 10], "a2": [np.nan, 70], "b1": [30, 30]})


def test_generalised_na_propagate_gives_na_for_a_unit_with_a_gap():
    x = np.array([[10.0, np.nan], [10.0, 70.0]])
    # sqrt(0.5 * 10^2 + 0.5 * 70^2) = sqrt(2500) = 50; skipping the gap leaves 10
    np.testing.assert_allclose(generalised(x, np.array([0.5, 0.5]), p=2), [10.0, 50.0])
    out = generalised(x, np.array([0.5, 0.5]), p=2, na="propagate")
    assert np.isnan(out[0]) and out[1] == pytest.approx(50.0, rel=1e-15)
    # a missing child with weight 0 does not count
    assert generalised(x, np.array([1.0, 0.0]), p=2, na="propagate")[0] == pytest.approx(10.0, rel=1e-15)


def test_generalised_na_in_pipeline_and_batched_engine_gives_the_hand_values():
    skip = build_index(GAP, FW, Methodology(aggregate={"method": "generalised", "params": {"p": 2}}))
    # skip: A = 10 (a2 skipped), T = sqrt((10^2 + 30^2) / 2) = sqrt(500); row 2: A = 50, T = sqrt(1700)
    np.testing.assert_allclose(skip.index.to_numpy(), [math.sqrt(500), math.sqrt(1700)], rtol=1e-14)
    meth = Methodology(aggregate={"method": "generalised", "params": {"p": 2, "na": "propagate"}})
    coinr = build_index(GAP, FW, meth)
    # COINr: A is NA for d000, so is the index (its child A is missing); d001 unchanged
    assert np.isnan(coinr.scores["A"].iloc[0]) and np.isnan(coinr.index.iloc[0])
    assert coinr.index.iloc[1] == pytest.approx(math.sqrt(1700), rel=1e-14)
    out = _batched(GAP, meth)
    np.testing.assert_array_equal(out["T"][1], coinr.index.to_numpy())
    assert np.isnan(out["T"][0][0])


def test_na_must_be_skip_or_propagate():
    with pytest.raises(MethodologyError, match=r"aggregate_levels\.3\.params\.na: .*must be one of 'skip', "
                                               r"'propagate', got 'drop'"):
        Methodology(aggregate_levels={3: {"method": "generalised", "params": {"p": 2, "na": "drop"}}}).validate()
