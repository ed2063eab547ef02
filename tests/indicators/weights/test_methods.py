"""The weighting registry entries (ahp, entropy, critic, sd, pca, combined, optimised) end to end.

Each is checked through ``build_index`` against numbers worked out by hand (in the comments) or
published (Saaty 1990), so both the wrapper (which parents, which levels, the explain hook) and the
wrapped function are exercised. The wrapped functions have their own tests.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from indicators import Methodology, Step, build_index, load_framework, load_methodology
from indicators.errors import DataError, InconsistentJudgementsWarning, JudgementError, MethodologyError
from indicators.synthetic import generate_panel
from indicators.weights import WEIGHTERS, ExplainedWeights, split_explain
from indicators.weights.objective import entropy_weights

from ..sens_toys import hadamard8, tree_framework, wide

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]
DISTRICT = ROOT / "data" / "frameworks" / "district_rol.yaml"

# identity normalisation for toy data on [0, 100]: goalposts [0, 100] map x -> x
BASE = Methodology(normalise=Step("goalposts"), missing=Step("skip"))


def meth(name: str, /, **params) -> Methodology:
    return BASE.replace(weights={"method": name, "params": params})


def test_registry_lists_the_new_methods():
    assert {"ahp", "entropy", "critic", "sd", "pca", "combined", "optimised"} <= set(WEIGHTERS.names())


def test_split_explain_hook():
    s = pd.Series({"a": 1.0})
    assert split_explain(s) == (s, {})
    raw, info = split_explain(ExplainedWeights(s, {"method": "x"}))
    assert raw is s and info == {"method": "x"}
    # a plain weighter leaves explain["weights"] unset
    fw = tree_framework({"T": ["A"], "A": ["a1", "a2"]})
    res = build_index(wide({"a1": [1, 2, 3], "a2": [3, 2, 2]}), fw, BASE)
    assert "weights" not in res.explain


# --------------------------------------------------------------------------------------------
# AHP

SAATY_1990_HOUSE_UPPER = [
    "5", "3", "7", "6", "6", "1/3", "1/4",
    "1/3", "5", "3", "3", "1/5", "1/7",
    "6", "3", "4", "6", "1/5",
    "1/3", "1/4", "1/7", "1/8",
    "1/2", "1/5", "1/6",
    "1/5", "1/6",
    "1/2",
]


def _house_framework():
    items = ["size", "transport", "neighbourhood", "age", "yard", "modern", "condition", "financing"]
    return items, tree_framework({"T": ["H", "Z"], "H": items, "Z": ["z1"]}, weights={"H": 1, "Z": 1})


def test_ahp_saaty_1990_house_example_through_the_pipeline(tmp_path):
    """Saaty (1990), EJOR 48(1), 9-26, https://doi.org/10.1016/0377-2217(90)90057-I: the eight
    house-buying criteria; published priorities .173 .054 .188 .018 .031 .036 .167 .333 and
    C.R. = 0.169, so the named warning fires and the CR lands in the result's explain."""
    items, fw = _house_framework()
    path = tmp_path / "house.yaml"
    path.write_text(yaml.safe_dump({"judgements": [{"parent": "H", "items": items,
                                                    "upper": SAATY_1990_HOUSE_UPPER}]}))
    data = wide({c: [10, 20, 30] for c in [*items, "z1"]})
    with pytest.warns(InconsistentJudgementsWarning, match=r"house\.yaml, parent 'H': consistency ratio CR = 0\.169"):
        res = build_index(data, fw, meth("ahp", judgements=str(path)))
    published = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    np.testing.assert_allclose(res.weights[items].to_numpy(), published, atol=5e-4)
    # parents without judgements keep the framework's points: H, Z 1:1
    assert res.weights["H"] == 0.5 and res.weights["z1"] == 1.0
    cons = res.explain["weights"]["consistency"]
    row = cons.set_index("parent").loc["H"]
    assert row["cr"] == pytest.approx(0.169, abs=5e-4)
    assert row["lambda_max"] == pytest.approx(9.669, abs=5e-4)
    assert not row["consistent"]
    assert res.explain["weights"]["method"] == "ahp"


def test_ahp_group_of_two_experts_hand_worked(tmp_path):
    # two experts on (p, q, r), each perfectly consistent:
    #   expert 1: w = (4, 2, 1)/7  -> a_pq = 2, a_pr = 4, a_qr = 2
    #   expert 2: w = (1, 2, 4)/7  -> a_pq = 1/2, a_pr = 1/4, a_qr = 1/2
    # geometric mean: a_pq = 1, a_pr = 1, a_qr = 1 -> equal weights 1/3, CR = 0
    fw = tree_framework({"T": ["p", "q", "r"]})
    path = tmp_path / "j.yaml"
    path.write_text(yaml.safe_dump({"judgements": [{"parent": "T", "items": ["p", "q", "r"], "experts": {
        "one": {"upper": [2, 4, 2]}, "two": {"upper": ["1/2", "1/4", "1/2"]}}}]}))
    raw, info = split_explain(WEIGHTERS.get("ahp").func(fw, pd.DataFrame(), judgements=str(path)))
    np.testing.assert_allclose(raw[["p", "q", "r"]].to_numpy(), [1 / 3] * 3, atol=1e-12)
    t = info["table"]
    np.testing.assert_allclose(t["weight_one"].to_numpy(), [4 / 7, 2 / 7, 1 / 7], atol=1e-12)
    np.testing.assert_allclose(t["weight_two"].to_numpy(), [1 / 7, 2 / 7, 4 / 7], atol=1e-12)
    assert list(info["consistency"]["expert"]) == ["one", "two", "group"]
    np.testing.assert_allclose(info["consistency"]["cr"].to_numpy(), 0.0, atol=1e-12)


def test_ahp_example_file_for_the_district_dimensions():
    fw = load_framework(DISTRICT)
    res = build_index(generate_panel(), fw, load_methodology(ROOT / "data/methodologies/ahp_dimensions.yaml"))
    cons = res.explain["weights"]["consistency"]
    assert list(cons["expert"]) == ["panel_member_a", "panel_member_b", "group"]
    assert (cons["cr"] < 0.1).all()
    dims = res.weights[["D1", "D2", "D3", "D4", "D5", "D6"]]
    assert dims.sum() == pytest.approx(1.0, abs=1e-12)
    assert dims.idxmax() == "D1" and dims.idxmin() == "D4"
    # indicator weights stay the framework's points within each dimension (D1.1: 6 of 30)
    assert res.weights["D1.1"] == pytest.approx(6 / 30)


def test_ahp_errors(tmp_path):
    fw = tree_framework({"T": ["p", "q", "r"]})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"judgements": [
        {"parent": "T", "items": ["p", "q", "s"], "upper": [1, 1, 1]},
        {"parent": "p", "items": ["u", "v"], "upper": [2]}]}))
    with pytest.raises(JudgementError, match=r"items \['p', 'q', 's'\] must be exactly its children") as exc:
        WEIGHTERS.get("ahp").func(fw, pd.DataFrame(), judgements=str(path))
    assert any("parent 'p' is not an aggregate" in p for p in exc.value.problems)
    with pytest.raises(MethodologyError, match=r"judgements: file 'nope\.yaml' not found"):
        WEIGHTERS.get("ahp").func(fw, pd.DataFrame(), judgements="nope.yaml")
    with pytest.raises(MethodologyError, match="requires parameter 'judgements'"):
        Methodology(weights=Step("ahp")).validate()


# --------------------------------------------------------------------------------------------
# entropy, CRITIC, SD, PCA


def test_entropy_hand_worked_through_the_pipeline():
    # A has a1 = [1, 1, 2] and a2 = [0, 1, 3] (goalposts [0, 100] leave them unchanged).
    # a1: p = (1/4, 1/4, 1/2), e = (2·¼·ln 4 + ½·ln 2) / ln 3 = 1.0397208 / 1.0986123 = 0.9463946
    # a2: p = (0, 1/4, 3/4),   e = (¼·ln 4 + ¾·ln 4/3) / ln 3 = 0.5623352 / 1.0986123 = 0.5118595
    # d = (0.0536054, 0.4881405) -> w = d / 0.5417459 = (0.0989493, 0.9010507); B has one child.
    fw = tree_framework({"T": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]}, weights={"A": 3, "B": 1})
    res = build_index(wide({"a1": [1, 1, 2], "a2": [0, 1, 3], "b1": [5, 6, 9]}), fw, meth("entropy"))
    assert res.weights["a1"] == pytest.approx(0.0989493, abs=1e-7)
    assert res.weights["a2"] == pytest.approx(0.9010507, abs=1e-7)
    assert res.weights["b1"] == 1.0
    assert res.weights["A"] == 0.75  # level 2 keeps the framework's points (rest = expert)
    t = res.explain["weights"]["table"]
    assert t.loc["a1", "entropy"] == pytest.approx(0.9463946, abs=1e-7)
    assert t.loc["a2", "entropy"] == pytest.approx(0.5118595, abs=1e-7)
    assert res.explain["weights"]["groups"].loc["B", "note"] == "single child"
    # learned weights can be frozen as expert overrides and give the same result
    frozen = BASE.replace(weights={"method": "expert", "params": {
        "overrides": res.explain["weights"]["learned"].to_dict()}})
    again = build_index(wide({"a1": [1, 1, 2], "a2": [0, 1, 3], "b1": [5, 6, 9]}), fw, frozen)
    pd.testing.assert_series_equal(again.index, res.index)


def test_entropy_at_level_two_uses_the_learned_dimension_scores():
    # A's score is 0.0989493·a1 + 0.9010507·a2, B's is b1; the dimension weights are then the
    # entropy weights of [A, B] (the tested function applied to those scores).
    fw = tree_framework({"T": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]})
    data = {"a1": [1, 1, 2, 4], "a2": [0, 1, 3, 1], "b1": [5, 6, 9, 2]}
    res = build_index(wide(data), fw, meth("entropy", levels=[1, 2]))
    wa1, wa2 = res.weights["a1"], res.weights["a2"]
    a = wa1 * np.array(data["a1"]) + wa2 * np.array(data["a2"])
    expected, _ = entropy_weights(pd.DataFrame({"A": a, "B": data["b1"]}))
    assert res.weights["A"] == pytest.approx(expected["A"], abs=1e-12)
    assert res.weights["B"] == pytest.approx(expected["B"], abs=1e-12)


def test_critic_hand_worked():
    # x1 = [0, 1, 2], x2 = [0, 2, 1], x3 = [2, 0, 1]: each min-maxes to a permutation of
    # (0, .5, 1), so σ = 0.5 for all. Deviations d1 = (-.5, 0, .5), d2 = (-.5, .5, 0),
    # d3 = (.5, -.5, 0), Σd² = .5: r12 = .25/.5 = .5, r13 = -.25/.5 = -.5, r23 = -.5/.5 = -1.
    # Conflict Σ_k (1 - r_jk): C1 = 0 + .5 + 1.5 = 2, C2 = .5 + 0 + 2 = 2.5, C3 = 1.5 + 2 + 0 = 3.5
    # -> w = (2, 2.5, 3.5) / 8 = (0.25, 0.3125, 0.4375)
    fw = tree_framework({"T": ["x1", "x2", "x3"]})
    res = build_index(wide({"x1": [0, 1, 2], "x2": [0, 2, 1], "x3": [2, 0, 1]}), fw, meth("critic"))
    np.testing.assert_allclose(res.weights[["x1", "x2", "x3"]].to_numpy(), [0.25, 0.3125, 0.4375], atol=1e-12)
    t = res.explain["weights"]["table"]
    np.testing.assert_allclose(t["conflict"].to_numpy(), [2.0, 2.5, 3.5], atol=1e-12)


def test_sd_hand_worked():
    # x = [0, 1, 2] -> z = (0, .5, 1), σ = 0.5; y = [0, 0, 3] -> z = (0, 0, 1),
    # σ = sqrt(((1/3)²·2 + (2/3)²) / 2) = sqrt(1/3) = 0.577350 -> w = (0.464102, 0.535898)
    fw = tree_framework({"T": ["x", "y"]})
    res = build_index(wide({"x": [0, 1, 2], "y": [0, 0, 3]}), fw, meth("sd"))
    np.testing.assert_allclose(res.weights[["x", "y"]].to_numpy(), [0.464102, 0.535898], atol=1e-6)


def test_pca_hand_worked_with_variance_explained():
    # x2 = 2·x1 (r = 1), x3 centred (1, -1, -1, 1) is orthogonal to x1 centred (-1.5, -.5, .5, 1.5):
    # R = [[1, 1, 0], [1, 1, 0], [0, 0, 1]] -> eigenvalues 2, 1, 0; PC1 = (1, 1, 0)/√2
    # -> squared loadings (.5, .5, 0), first component explains 2/3 of the variance.
    fw = tree_framework({"T": ["G"], "G": ["x1", "x2", "x3"]})
    res = build_index(wide({"x1": [1, 2, 3, 4], "x2": [2, 4, 6, 8], "x3": [6, 4, 4, 6]}), fw, meth("pca"))
    np.testing.assert_allclose(res.weights[["x1", "x2", "x3"]].to_numpy(), [0.5, 0.5, 0.0], atol=1e-12)
    groups = res.explain["weights"]["groups"]
    assert groups.loc["G", "pc1_explained"] == pytest.approx(2 / 3, abs=1e-12)
    assert groups.loc["G", "pc1_eigenvalue"] == pytest.approx(2.0, abs=1e-12)
    t = res.explain["weights"]["table"]
    np.testing.assert_allclose(t.loc[["x1", "x2"], "loading"].to_numpy(), [1.0, 1.0], atol=1e-12)


def test_objective_methods_on_the_district_panel_by_year():
    fw = load_framework(DISTRICT)
    panel = generate_panel()
    # one year for entropy and SD; CRITIC and PCA pooled (in 2024 every district has D1.5 at
    # its goalpost, a constant column CRITIC and PCA reject -- tested below)
    for name, year in (("entropy", 2024), ("sd", 2024), ("critic", None), ("pca", None)):
        res = build_index(panel, fw, meth(name, levels=[1, 2], year=year).replace(
            normalise={"method": "goalposts", "params": {"clip": True}}))
        for parent in fw.aggregates:
            assert res.weights[list(fw.children(parent))].sum() == pytest.approx(1.0, abs=1e-12)
        assert res.explain["weights"]["year"] == year
        assert set(res.explain["weights"]["groups"].index) == set(fw.aggregates)


def test_constant_indicator_in_a_year_is_reported_with_its_group():
    fw = load_framework(DISTRICT)
    with pytest.raises(DataError, match=r"children of D1: critic_weights: constant column\(s\) \['D1.5'\]"):
        build_index(generate_panel(), fw, meth("critic", year=2024).replace(
            normalise={"method": "goalposts", "params": {"clip": True}}))


def test_objective_method_errors():
    fw = tree_framework({"T": ["x", "y"]})
    data = wide({"x": [0, 1, 2], "y": [5, 5, 5]})
    with pytest.raises(DataError, match=r"weights critic: cannot compute: 1 problem\n  - children of T: .*constant"):
        build_index(data, fw, meth("critic"))
    with pytest.raises(MethodologyError, match=r"no weighted nodes at level\(s\) \[3\]; levels are \[1\]"):
        build_index(data, fw, meth("entropy", levels=[3]))
    with pytest.raises(DataError, match="no rows for year 2020; years are \\[2024\\]"):
        build_index(data, fw, meth("sd", year=2020))
    with pytest.raises(MethodologyError, match="rest must be 'expert' or 'equal'"):
        build_index(data, fw, meth("sd", rest="points"))


# --------------------------------------------------------------------------------------------
# combined, optimised


def test_combined_ahp_and_entropy_hand_worked(tmp_path):
    # AHP on A's children: a12 = 3 -> (0.75, 0.25). Entropy (above): (0.0989493, 0.9010507).
    # α = 0.5: (0.4244746, 0.5755254); multiplicative: 0.75·0.0989493 = 0.0742120,
    # 0.25·0.9010507 = 0.2252627, sum 0.2994747 -> (0.2478072, 0.7521928)
    fw = tree_framework({"T": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]})
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({"judgements": [{"parent": "A", "items": ["a1", "a2"], "upper": [3]}]}))
    data = wide({"a1": [1, 1, 2], "a2": [0, 1, 3], "b1": [5, 6, 9]})
    subj = {"method": "ahp", "params": {"judgements": str(path)}}
    res = build_index(data, fw, meth("combined", subjective=subj, objective="entropy", alpha=0.5))
    np.testing.assert_allclose(res.weights[["a1", "a2"]].to_numpy(), [0.4244746, 0.5755254], atol=1e-7)
    t = res.explain["weights"]["table"]
    np.testing.assert_allclose(t.loc[["a1", "a2"], "subjective"].to_numpy(), [0.75, 0.25], atol=1e-12)
    assert res.explain["weights"]["objective"]["method"] == "entropy"
    res = build_index(data, fw, meth("combined", subjective=subj, objective="entropy", alpha=None,
                                     method="multiplicative"))
    np.testing.assert_allclose(res.weights[["a1", "a2"]].to_numpy(), [0.2478072, 0.7521928], atol=1e-7)
    with pytest.raises(MethodologyError, match=r"weights.objective: 'entropy' got unexpected parameter 'levls'"):
        build_index(data, fw, meth("combined", subjective="expert", objective={"method": "entropy",
                                                                              "params": {"levls": [1]}}))


def _orthogonal_dims():
    """Three dimensions, one indicator each: centred Hadamard columns (orthogonal, equal
    variance) shifted to 50 ± 10, so the index is Σ w_i x_i with corr(x_i, index) = w_i / ‖w‖."""
    h = hadamard8()
    fw = tree_framework({"T": ["D1", "D2", "D3"], "D1": ["i1"], "D2": ["i2"], "D3": ["i3"]})
    data = wide({"i1": 50 + 10 * h[:, 1], "i2": 50 + 10 * h[:, 2], "i3": 50 + 10 * h[:, 3]})
    return fw, data


@pytest.mark.parametrize(("estimator", "expected"), [
    # pearson: r_i ∝ w_i, so the balanced weights are the target itself
    ("pearson", [0.5, 0.3, 0.2]),
    # r2 = first-order effect under linearity: S_i ∝ w_i², so w ∝ √t
    ("r2", np.sqrt([0.5, 0.3, 0.2]) / np.sqrt([0.5, 0.3, 0.2]).sum()),
    # two distinct values per indicator: η² by group means equals r² exactly
    ("eta2", np.sqrt([0.5, 0.3, 0.2]) / np.sqrt([0.5, 0.3, 0.2]).sum()),
])
def test_optimised_balance_known_answer(estimator, expected):
    fw, data = _orthogonal_dims()
    target = {"D1": 5, "D2": 3, "D3": 2}
    res = build_index(data, fw, meth("optimised", level=2, target=target, estimator=estimator))
    np.testing.assert_allclose(res.weights[["D1", "D2", "D3"]].to_numpy(), expected, atol=1e-5)
    info = res.explain["weights"]
    assert info["converged"] and info["objective"] < 1e-10
    np.testing.assert_allclose(info["table"]["obtained"].to_numpy(), [0.5, 0.3, 0.2], atol=1e-5)


def test_optimised_infomax_known_answer():
    # maximise Σ r_i = Σ w_i / ‖w‖: by Cauchy–Schwarz the maximum √3 is at equal weights
    fw, data = _orthogonal_dims()
    res = build_index(data, fw, meth("optimised", level=2, optype="infomax"))
    np.testing.assert_allclose(res.weights[["D1", "D2", "D3"]].to_numpy(), [1 / 3] * 3, atol=1e-5)
    assert res.explain["weights"]["objective"] == pytest.approx(-math.sqrt(3), abs=1e-9)


def test_optimised_errors():
    fw, data = _orthogonal_dims()
    with pytest.raises(MethodologyError, match=r"target must give every weighted node: 3 problems"):
        build_index(data, fw, meth("optimised", target={"D1": 1, "D9": 2}))
    with pytest.raises(MethodologyError, match=r"every parent at level 2 has a single child"):
        build_index(data, fw, meth("optimised", level=1))
    with pytest.raises(MethodologyError, match="optype must be 'balance' or 'infomax'"):
        build_index(data, fw, meth("optimised", optype="max"))


def test_every_new_weighter_gives_weights_summing_to_one_in_each_parent(tmp_path):
    fw = load_framework(DISTRICT)
    panel = generate_panel()
    cases = {
        "ahp": {"judgements": "data/judgements/district_dimensions.yaml"},
        "entropy": {}, "critic": {}, "sd": {}, "pca": {},
        "combined": {"subjective": {"method": "ahp", "params": {"judgements":
                                                                  "data/judgements/district_dimensions.yaml"}},
                     "objective": {"method": "entropy", "params": {"levels": [1, 2]}}},
        "optimised": {"level": 2},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, params in cases.items():
            res = build_index(panel, fw, meth(name, **params).replace(
                normalise={"method": "goalposts", "params": {"clip": True}}))
            for parent in fw.aggregates:
                assert res.weights[list(fw.children(parent))].sum() == pytest.approx(1.0, abs=1e-12), name
            assert "learned" in res.explain["weights"], name
