"""Tests of indicators.weights.objective against hand-worked examples and properties.

No published worked example with unambiguous numbers was available offline for entropy or
CRITIC, so the expected values below are worked out by hand, step by step, in the comments (the
numeric literals come from that arithmetic, not from the functions under test).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from indicators.errors import DataError, MethodologyError
from indicators.weights.objective import (
    combine,
    critic_weights,
    entropy_weights,
    pca_components,
    pca_weights,
    sd_weights,
)

# --------------------------------------------------------------------------------------------
# entropy


def test_entropy_hand_worked():
    # n = 3 units, k = 1 / ln 3 = 1 / 1.098612
    # A = [1, 1, 2]: sum 4, p = (1/4, 1/4, 1/2)
    #   e_A = k (2 · 1/4 · ln 4 + 1/2 · ln 2) = k · 1.5 ln 2 = 1.039721 / 1.098612 = 0.946395
    # B = [5, 5, 5]: p = 1/3 each, e_B = k · ln 3 = 1 -> d_B = 0 (constant: no information)
    # C = [0, 1, 3]: sum 4, p = (0, 1/4, 3/4), 0 · ln 0 = 0
    #   e_C = k (1/4 · ln 4 + 3/4 · ln 4/3) = (0.346574 + 0.215762) / 1.098612 = 0.511860
    # d = (0.053605, 0, 0.488140), Σd = 0.541745 -> w = (0.098949, 0, 0.901051)
    df = pd.DataFrame({"A": [1, 1, 2], "B": [5, 5, 5], "C": [0, 1, 3]}, index=["u1", "u2", "u3"])
    w, ex = entropy_weights(df)
    k = 1 / math.log(3)
    e_a = k * 1.5 * math.log(2)
    e_c = k * (0.25 * math.log(4) + 0.75 * math.log(4 / 3))
    d = np.array([1 - e_a, 0.0, 1 - e_c])
    np.testing.assert_allclose(w.to_numpy(), d / d.sum(), atol=1e-14)
    np.testing.assert_allclose(w.to_numpy(), [0.098949, 0.0, 0.901051], atol=1e-6)
    np.testing.assert_allclose(ex["entropy"].to_numpy(), [0.946395, 1.0, 0.511860], atol=1e-6)
    assert w["B"] == 0.0
    assert list(w.index) == ["A", "B", "C"] and w.sum() == pytest.approx(1.0, abs=1e-15)
    assert ex["n"].tolist() == [3, 3, 3]


def test_entropy_missing_policies():
    # complete: the row with NaN is dropped -> A = [1, 1, 2], C = [0, 1, 3] as above
    df = pd.DataFrame({"A": [1, 1, 2, np.nan], "C": [0, 1, 3, 7]})
    w, ex = entropy_weights(df)
    assert ex["n"].tolist() == [3, 3]
    e_a = 1.5 * math.log(2) / math.log(3)
    e_c = (0.25 * math.log(4) + 0.75 * math.log(4 / 3)) / math.log(3)
    assert w["A"] == pytest.approx((1 - e_a) / (2 - e_a - e_c), abs=1e-14)
    # pairwise: C keeps 4 values, C = [0, 1, 3, 7], sum 11, k = 1 / ln 4
    w2, ex2 = entropy_weights(df, missing="pairwise")
    assert ex2["n"].tolist() == [3, 4]
    p = np.array([1, 3, 7]) / 11
    e_c4 = -np.sum(p * np.log(p)) / math.log(4)
    assert ex2["entropy"]["C"] == pytest.approx(e_c4, abs=1e-14)
    assert w2["A"] == pytest.approx((1 - e_a) / (2 - e_a - e_c4), abs=1e-14)


def test_entropy_errors():
    with pytest.raises(DataError, match=r"column 'A': 1 negative value\(s\) \(e.g. at \['r1'\]\)"):
        entropy_weights(pd.DataFrame({"A": [1, -1, 2]}, index=["r0", "r1", "r2"]))
    with pytest.raises(DataError, match="column 'Z' sums to 0"):
        entropy_weights(pd.DataFrame({"A": [1, 2, 3], "Z": [0, 0, 0]}))
    with pytest.raises(DataError, match="every column is constant"):
        entropy_weights(pd.DataFrame({"A": [1, 1, 1], "B": [2, 2, 2]}))
    with pytest.raises(DataError, match=r"1 complete row\(s\) .* needs at least 2"):
        entropy_weights(pd.DataFrame({"A": [1, np.nan], "B": [1, 2]}))
    with pytest.raises(MethodologyError, match="unknown missing policy 'listwise'"):
        entropy_weights(pd.DataFrame({"A": [1, 2]}), missing="listwise")


def test_common_input_errors():
    with pytest.raises(DataError, match="expected a pandas DataFrame, got ndarray"):
        entropy_weights(np.ones((3, 2)))
    bad = pd.DataFrame({"A": [1.0, 2, 3], "B": list("xyz"), "C": [1, np.inf, 2]})
    with pytest.raises(DataError, match="2 problems") as info:
        sd_weights(bad)
    assert "column 'B' is not numeric" in str(info.value)
    assert "column 'C' has infinite values" in str(info.value)
    dup = pd.DataFrame([[1, 2], [3, 4], [5, 7]], columns=["A", "A"])
    with pytest.raises(DataError, match=r"duplicate column names \['A'\]"):
        entropy_weights(dup)
    with pytest.raises(DataError, match=r"needs at least 3 values per column"):
        critic_weights(pd.DataFrame({"A": [1, 2, np.nan], "B": [1, 3, 2]}), missing="pairwise")


# --------------------------------------------------------------------------------------------
# CRITIC, SD and PCA on one hand-worked data set
#
# raw data (units u1..u4); min-max normalisation gives z:
#   A = [10, 15, 10, 15]    -> zA = [0, 1, 0, 1]
#   B = [0, 100, 100, 0]    -> zB = [0, 1, 1, 0]
#   C = [2, 4, 4, 4]        -> zC = [0, 1, 1, 1]
# means 0.5, 0.5, 0.75; deviations dA = ±0.5, dB = ±0.5, dC = [-0.75, 0.25, 0.25, 0.25]
# Σd²: A 1, B 1, C 0.5625 + 3 · 0.0625 = 0.75
# σ (n - 1 = 3): σA = σB = √(1/3) = 0.577350, σC = √(0.75/3) = 0.5
# Σ dA dB = 0.25 + 0.25 - 0.25 - 0.25 = 0                 -> r_AB = 0
# Σ dA dC = 0.375 + 0.125 - 0.125 + 0.125 = 0.5            -> r_AC = 0.5/√0.75 = 1/√3 = 0.577350
# Σ dB dC = 0.375 + 0.125 + 0.125 - 0.125 = 0.5            -> r_BC = 1/√3
HAND = pd.DataFrame(
    {"A": [10, 15, 10, 15], "B": [0, 100, 100, 0], "C": [2, 4, 4, 4]},
    index=["u1", "u2", "u3", "u4"],
)
R3 = 1 / math.sqrt(3)


def test_critic_hand_worked():
    # conflict: A = (1 - 0) + (1 - r) = 2 - 1/√3 = 1.422650, B the same, C = 2 (1 - r) = 0.845299
    # C_j = σ_j · conflict: A = B = 0.577350 · 1.422650 = 0.821367, C = 0.5 · 0.845299 = 0.422650
    # ΣC = 2.065384 -> w = (0.397683, 0.397683, 0.204635)
    w, ex = critic_weights(HAND)
    info = np.array([R3 * (2 - R3), R3 * (2 - R3), 0.5 * 2 * (1 - R3)])
    np.testing.assert_allclose(w.to_numpy(), info / info.sum(), atol=1e-14)
    np.testing.assert_allclose(w.to_numpy(), [0.397683, 0.397683, 0.204635], atol=1e-6)
    np.testing.assert_allclose(ex["sigma"].to_numpy(), [R3, R3, 0.5], atol=1e-14)
    np.testing.assert_allclose(ex["conflict"].to_numpy(), [2 - R3, 2 - R3, 2 - 2 * R3], atol=1e-14)
    np.testing.assert_allclose(ex["information"].to_numpy(), info, atol=1e-14)
    expected_r = [[1, 0, R3], [0, 1, R3], [R3, R3, 1]]
    np.testing.assert_allclose(ex["correlation"].to_numpy(), expected_r, atol=1e-14)


def test_critic_errors():
    with pytest.raises(DataError, match=r"constant column\(s\) \['K'\]"):
        critic_weights(HAND.assign(K=1.0))
    with pytest.raises(DataError, match="needs at least 2 column"):
        critic_weights(HAND[["A"]])
    gappy = pd.DataFrame(
        {
            "A": [1, 2, 3, np.nan, np.nan, np.nan],
            "B": [np.nan, np.nan, np.nan, 1, 2, 4],
            "C": [1, 2, 4, 3, 2, 1],
        }
    )
    with pytest.raises(DataError, match="correlation undefined") as info:
        critic_weights(gappy, missing="pairwise")
    assert "'A' and 'B'" in str(info.value)


def test_critic_pairwise_uses_available_values():
    df = HAND.astype(float)
    df.loc["u5"] = [np.nan, 50.0, 3.0]
    _, ex_c = critic_weights(df)  # complete: u5 dropped -> the hand-worked numbers
    np.testing.assert_allclose(ex_c["sigma"].to_numpy(), [R3, R3, 0.5], atol=1e-14)
    _, ex_p = critic_weights(df, missing="pairwise")
    # pairwise: zB = [0, 1, 1, 0, 0.5], mean 0.5, Σd² = 4 · 0.25 + 0 = 1 -> σB = √(1/4) = 0.5
    assert ex_p["sigma"]["B"] == pytest.approx(0.5, abs=1e-14)
    assert ex_p["n"].tolist() == [4, 5, 5]


def test_sd_hand_worked():
    # σ of z: (1/√3, 1/√3, 1/2); Σ = 1.654701 -> w = (0.348915, 0.348915, 0.302169)
    w, ex = sd_weights(HAND)
    s = np.array([R3, R3, 0.5])
    np.testing.assert_allclose(w.to_numpy(), s / s.sum(), atol=1e-14)
    np.testing.assert_allclose(w.to_numpy(), [0.348915, 0.348915, 0.302169], atol=1e-6)
    # without min-max, raw σ: σA = √(4 · 2.5² / 3) = 2.886751,
    # σB = √(4 · 50² / 3) = 57.735027, σC = 2 · 0.5 = 1
    w_raw, ex_raw = sd_weights(HAND, minmax=False)
    s_raw = np.array([2.5 * 2 / math.sqrt(3), 50 * 2 / math.sqrt(3), 1.0])
    np.testing.assert_allclose(ex_raw["sigma"].to_numpy(), s_raw, atol=1e-12)
    np.testing.assert_allclose(w_raw.to_numpy(), s_raw / s_raw.sum(), atol=1e-14)
    # a constant column gets weight 0
    w_k, _ = sd_weights(HAND.assign(K=7.0))
    assert w_k["K"] == 0.0
    with pytest.raises(DataError, match="every column is constant"):
        sd_weights(pd.DataFrame({"A": [1, 1, 1]}))
    with pytest.raises(MethodologyError, match="minmax must be True or False"):
        sd_weights(HAND, minmax="yes")


def test_pca_hand_worked():
    # correlation R = [[1, 0, a], [0, 1, a], [a, a, 1]], a = 1/√3.
    # For v = (x, x, y): λx = x + a y and λy = 2a x + y  ->  (λ - 1)² = 2a² = 2/3,
    # λ1 = 1 + √(2/3) = 1.816497, v1 ∝ (1, 1, √2) -> unit (1/2, 1/2, √2/2);
    # v = (1, -1, 0) gives λ = 1; λ3 = 1 - √(2/3) = 0.183503. Trace 3 -> PC1 explains 0.605499.
    # weights = squared loadings scaled to unit sum = v1² = (1/4, 1/4, 1/2)
    # loadings = v1 √λ1 = (0.673887, 0.673887, 0.953021)
    w, ex = pca_weights(HAND)
    np.testing.assert_allclose(w.to_numpy(), [0.25, 0.25, 0.5], atol=1e-14)
    lam1 = 1 + math.sqrt(2 / 3)
    np.testing.assert_allclose(ex["eigenvalues"].to_numpy(), [lam1, 1, 2 - lam1], atol=1e-14)
    assert ex["explained"]["PC1"] == pytest.approx(lam1 / 3, abs=1e-14)
    assert ex["explained"]["PC1"] == pytest.approx(0.605499, abs=1e-6)
    loads = np.array([0.5, 0.5, math.sqrt(2) / 2]) * math.sqrt(lam1)
    np.testing.assert_allclose(ex["loadings"].to_numpy(), loads, atol=1e-14)
    np.testing.assert_allclose(ex["loadings"].to_numpy(), [0.673887, 0.673887, 0.953021], atol=1e-6)
    assert ex["negative_loadings"] == [] and ex["n"] == 4


def test_pca_negative_loading_reported_and_errors():
    df = HAND.assign(D=-HAND["C"] + 0.1 * HAND["A"])
    _, ex = pca_weights(df)
    assert ex["negative_loadings"] == ["D"]
    with pytest.raises(DataError, match=r"constant column\(s\) \['K'\]"):
        pca_weights(HAND.assign(K=0.0))
    with pytest.raises(DataError, match=r"2 complete row\(s\)"):
        pca_weights(HAND.iloc[:2])


# --------------------------------------------------------------------------------------------
# combine


def test_combine_hand_worked():
    ws = pd.Series({"a": 5.0, "b": 3.0, "c": 2.0})  # relative -> (0.5, 0.3, 0.2)
    wo = pd.Series({"c": 0.6, "a": 0.2, "b": 0.2})
    # additive, α = 0.6: a = 0.3 + 0.08 = 0.38, b = 0.18 + 0.08 = 0.26, c = 0.12 + 0.24 = 0.36
    w, ex = combine(ws, wo, alpha=0.6)
    np.testing.assert_allclose(w.to_numpy(), [0.38, 0.26, 0.36], atol=1e-15)
    assert list(w.index) == ["a", "b", "c"] and ex["alpha"] == 0.6
    # multiplicative: products 0.10, 0.06, 0.12, sum 0.28 -> 0.357143, 0.214286, 0.428571
    wm, _ = combine(ws, wo, method="multiplicative")
    np.testing.assert_allclose(wm.to_numpy(), [0.10 / 0.28, 0.06 / 0.28, 0.12 / 0.28], atol=1e-15)


def test_combine_errors():
    ws = pd.Series({"a": 0.5, "b": 0.5})
    with pytest.raises(MethodologyError, match="requires alpha"):
        combine(ws, ws)
    with pytest.raises(MethodologyError, match=r"alpha must be a number in \[0, 1\], got 1.5"):
        combine(ws, ws, alpha=1.5)
    with pytest.raises(MethodologyError, match="alpha has no effect"):
        combine(ws, ws, alpha=0.5, method="multiplicative")
    with pytest.raises(MethodologyError, match="unknown method 'mean'"):
        combine(ws, ws, alpha=0.5, method="mean")
    with pytest.raises(DataError, match=r"only in w_obj: \['c'\]"):
        combine(ws, pd.Series({"a": 1.0, "c": 1.0}), alpha=0.5)
    with pytest.raises(
        DataError, match=r"w_obj has missing, infinite or negative weights at \['b'\]"
    ):
        combine(ws, pd.Series({"a": 1.0, "b": -1.0}), alpha=0.5)
    with pytest.raises(DataError, match="w_subj sums to 0"):
        combine(pd.Series({"a": 0.0, "b": 0.0}), ws, alpha=0.5)
    with pytest.raises(DataError, match="no label has both weights positive"):
        combine(
            pd.Series({"a": 1.0, "b": 0.0}),
            pd.Series({"a": 0.0, "b": 1.0}),
            method="multiplicative",
        )
    with pytest.raises(DataError, match="w_subj must be a pandas Series"):
        combine({"a": 1.0}, ws, alpha=0.5)


# --------------------------------------------------------------------------------------------
# properties


def _frames(min_cols=2):
    return st.integers(4, 12).flatmap(
        lambda n: st.integers(min_cols, 6).flatmap(
            lambda m: arrays(float, (n, m), elements=st.floats(0, 100).map(lambda v: round(v, 1)))
        )
    )


def _df(a):
    return pd.DataFrame(a, columns=[f"i{j}" for j in range(a.shape[1])])


def _check_weights(w, df):
    assert list(w.index) == list(df.columns)
    assert np.all(w.to_numpy() >= 0)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(_frames(), st.randoms(use_true_random=False))
def test_entropy_properties(a, rnd):
    df = _df(a)
    assume((df.sum() > 0).all() and (df.max() > df.min()).any())
    w, ex = entropy_weights(df)
    _check_weights(w, df)
    assert np.all((ex["entropy"] >= -1e-12) & (ex["entropy"] <= 1 + 1e-12))
    # constant columns get weight 0
    for c in df.columns[(df.max() == df.min()).to_numpy()]:
        assert w[c] == 0.0
    # column permutation permutes the weights; row order does not matter; rescaling a column
    # leaves p (hence every weight) unchanged
    cols = list(df.columns)
    rnd.shuffle(cols)
    pd.testing.assert_series_equal(entropy_weights(df[cols])[0], w[cols], atol=1e-12)
    rows = list(range(len(df)))
    rnd.shuffle(rows)
    pd.testing.assert_series_equal(entropy_weights(df.iloc[rows])[0], w, atol=1e-12)
    pd.testing.assert_series_equal(entropy_weights(df * 7.5)[0], w, atol=1e-12)
    # adding a constant column gives it weight 0 and leaves the others unchanged
    wk, _ = entropy_weights(df.assign(K=3.0))
    assert wk["K"] == 0.0
    pd.testing.assert_series_equal(wk.drop("K"), w, atol=1e-12)


def _non_degenerate(df):
    z = (df - df.min()) / (df.max() - df.min())
    r = z.corr()
    return ((df.max() > df.min()).all() and not r.isna().to_numpy().any()
            and not np.allclose(r.to_numpy(), 1.0))  # all perfectly correlated: no weights (tested below)


def test_critic_refuses_columns_that_are_all_perfectly_correlated():
    df = pd.DataFrame({"i0": [0.0, 0.0, 1.0, 1.0], "i1": [0.0, 0.0, 1.0, 1.0], "i2": [2.0, 2.0, 4.0, 4.0]})
    with pytest.raises(DataError, match="perfectly correlated .* use equal or expert weights"):
        critic_weights(df)


@settings(max_examples=100, deadline=None)
@given(_frames(), st.randoms(use_true_random=False), st.data())
def test_critic_properties(a, rnd, data):
    df = _df(a)
    assume(_non_degenerate(df))
    w, ex = critic_weights(df)
    _check_weights(w, df)
    cols = list(df.columns)
    rnd.shuffle(cols)
    pd.testing.assert_series_equal(critic_weights(df[cols])[0], w[cols], atol=1e-12)
    # positive affine rescaling of a column changes nothing (min-max normalisation)
    pd.testing.assert_series_equal(critic_weights(df * 3 + 10)[0], w, atol=1e-12)
    # duplicating column j: the copy adds (1 - r) = 0 to the conflict of j (and the copy has
    # the same conflict), every other column's conflict grows by (1 - r_kj) >= 0, so the
    # conflict share of j and its copy falls and each copy weighs less than j did alone.
    j = data.draw(st.sampled_from(list(df.columns)))
    dup = df.assign(copy=df[j])
    wd, exd = critic_weights(dup)
    assert exd["conflict"][j] == pytest.approx(ex["conflict"][j], abs=1e-9)
    assert exd["conflict"]["copy"] == pytest.approx(ex["conflict"][j], abs=1e-9)
    others = [c for c in df.columns if c != j]
    assert np.all(exd["conflict"][others] >= ex["conflict"][others] - 1e-12)
    share_before = ex["conflict"][j] / ex["conflict"].sum()
    share_after = exd["conflict"][j] / exd["conflict"].sum()
    assert wd[j] == pytest.approx(wd["copy"], abs=1e-12)
    if ex["conflict"][j] > 1e-9:  # j is not perfectly correlated with every other column
        assert share_after < share_before
        assert wd[j] < w[j]


@settings(max_examples=100, deadline=None)
@given(_frames(), st.randoms(use_true_random=False))
def test_sd_and_pca_properties(a, rnd):
    df = _df(a)
    assume(_non_degenerate(df))
    for func in (sd_weights, pca_weights):
        w, ex = func(df)
        _check_weights(w, df)
        cols = list(df.columns)
        rnd.shuffle(cols)
        pd.testing.assert_series_equal(func(df[cols])[0], w[cols], atol=1e-9)
    _, ex = pca_weights(df)
    assert ex["explained"].sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(ex["eigenvalues"].to_numpy()) <= 1e-12)
    values, vectors = pca_components(df.to_numpy())
    r = np.corrcoef(df.to_numpy(), rowvar=False)
    np.testing.assert_allclose(r @ vectors, vectors * values, atol=1e-9)


WEIGHT = st.one_of(st.just(0.0), st.floats(1e-3, 10))  # no subnormals: products would underflow


@settings(max_examples=100, deadline=None)
@given(
    st.lists(WEIGHT, min_size=2, max_size=8).flatmap(
        lambda s: st.tuples(st.just(s), st.lists(WEIGHT, min_size=len(s), max_size=len(s)))
    ),
    st.floats(0, 1),
)
def test_combine_properties(pair, alpha):
    s, o = pair
    assume(sum(s) > 0 and sum(o) > 0)
    idx = [f"k{i}" for i in range(len(s))]
    ws, wo = pd.Series(s, index=idx), pd.Series(o, index=idx)
    w, _ = combine(ws, wo, alpha=alpha)
    _check_weights(w, pd.DataFrame(columns=idx))
    lo = np.minimum(ws / ws.sum(), wo / wo.sum())
    hi = np.maximum(ws / ws.sum(), wo / wo.sum())
    assert np.all(w >= lo - 1e-12) and np.all(w <= hi + 1e-12)  # a convex blend, item by item
    if (ws * wo).sum() > 0:
        wm, _ = combine(ws, wo, method="multiplicative")
        _check_weights(wm, pd.DataFrame(columns=idx))
