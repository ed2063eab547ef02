"""Tests of indicators.audit: statistics, Cronbach's alpha (WJP 2014 golden), flags, PCA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from indicators.audit import correlation_flags, cronbach_alpha, indicator_stats, pca_summary
from indicators.errors import DataError, MethodologyError
from tests.conftest import shared_path

# --------------------------------------------------------------------------------------------
# indicator_stats


def test_indicator_stats_hand_worked():
    df = pd.DataFrame(
        {
            "sym": [1, 2, 3, 4, 5, np.nan],  # mean 3, sd √(10/4) = 1.581139, G1 0, G2 -1.2
            "out": [0, 0, 0, 0, 5, 0],  # see below
            "few": [1, 2, np.nan, np.nan, 3, np.nan],  # 3 values: skew undefined
        },
        index=list("abcdef"),
    )
    st_ = indicator_stats(df)
    sym = st_.loc["sym"]
    assert sym["n"] == 5 and sym["coverage"] == pytest.approx(5 / 6, abs=1e-15)
    assert sym["mean"] == 3 and sym["sd"] == pytest.approx(math.sqrt(2.5), abs=1e-15)
    assert (sym["min"], sym["max"]) == (1, 5)
    assert sym["skew"] == pytest.approx(0, abs=1e-15)
    assert sym["kurtosis"] == pytest.approx(-1.2, abs=1e-14)
    assert not sym["outlier"]
    # out = [0, 0, 0, 0, 5, 0]: n = 6, mean 5/6, d = (-5/6 ×5, 25/6)
    # Σd² = 5·25/36 + 625/36 = 750/36; Σd³ = -5·125/216 + 15625/216 = 15000/216
    # Σd⁴ = 5·625/1296 + 390625/1296 = 393750/1296
    # g1 = √6 · (15000/216) / (750/36)^1.5 = 170.1035 / 95.0906 = 1.788854 (= 4/√5)
    # G1 = g1 · √(6 · 5) / 4 = (4/√5) · √30 / 4 = √6 = 2.449490
    # g2 = 6 · (393750/1296) / (750/36)² - 3 = 1.2; G2 = (7 · 1.2 + 6) · 5 / (4 · 3) = 6
    out = st_.loc["out"]
    assert out["skew"] == pytest.approx(math.sqrt(6), abs=1e-12)
    assert out["kurtosis"] == pytest.approx(6.0, abs=1e-12)
    assert out["outlier"]  # |2.449| >= 2 and 6 >= 3.5
    few = st_.loc["few"]
    assert math.isnan(few["skew"]) and pd.isna(few["outlier"]) and few["n"] == 3
    assert str(st_["outlier"].dtype) == "boolean"


def test_indicator_stats_thresholds_and_errors():
    df = pd.DataFrame({"out": [0, 0, 0, 0, 5, 0]})
    assert not indicator_stats(df, skew_thresh=3.0).loc["out", "outlier"]
    with pytest.raises(DataError, match="column 'x' is not numeric"):
        indicator_stats(pd.DataFrame({"x": list("abcd")}))
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        indicator_stats([1, 2, 3])


# --------------------------------------------------------------------------------------------
# Cronbach's alpha


def test_cronbach_alpha_hand_worked():
    # items (columns) for 4 units:
    #   x1 = [1, 2, 3, 4]: var = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3
    #   x2 = [2, 3, 3, 5]: mean 3.25, Σd² = 1.5625 + 0.0625 + 0.0625 + 3.0625 = 4.75 -> 4.75/3
    #   x3 = [3, 3, 4, 5]: mean 3.75, Σd² = 0.5625 + 0.5625 + 0.0625 + 1.5625 = 2.75 -> 2.75/3
    #   Σ var = 12.5/3; row sums [6, 8, 10, 14]: mean 9.5, Σd² = 12.25 + 2.25 + 0.25 + 20.25 = 35
    #   -> var 35/3; α = 3/2 · (1 - 12.5/35) = 3/2 · 9/14 = 27/28 = 0.964286
    df = pd.DataFrame({"x1": [1, 2, 3, 4], "x2": [2, 3, 3, 5], "x3": [3, 3, 4, 5]})
    assert cronbach_alpha(df) == pytest.approx(27 / 28, abs=1e-14)
    # a row with a missing value is dropped (complete cases)
    df2 = pd.concat([df, pd.DataFrame({"x1": [9.0], "x2": [np.nan], "x3": [0.0]})])
    assert cronbach_alpha(df2) == pytest.approx(27 / 28, abs=1e-14)
    # identical items: α = k/(k-1) · (1 - kσ²/(k²σ²)) = 1
    same = pd.DataFrame({"a": [1.0, 3, 2, 5], "b": [1.0, 3, 2, 5]})
    assert cronbach_alpha(same) == pytest.approx(1.0, abs=1e-14)


def test_cronbach_alpha_errors():
    with pytest.raises(DataError, match="needs at least 2 columns, got 1"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(DataError, match=r"1 complete row\(s\); needs at least 2"):
        cronbach_alpha(pd.DataFrame({"a": [1, np.nan], "b": [1, 2]}))
    with pytest.raises(DataError, match="row sums are constant"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]}))


def test_cronbach_alpha_wjp_2014_golden():
    """WJP Rule of Law Index 2014, factors f1..f8 (99 countries): alpha = 0.969; the JRC audit of
    the 2014 index (Saisana & Saltelli, in WJP Rule of Law Index 2014 report) published 0.97.
    Source data: ../shared/data/wjp/roli.csv (WJPr package, commit fac49b8f)."""
    roli = pd.read_csv(shared_path("data", "wjp", "roli.csv"))
    f = roli.loc[roli["year"] == 2014, [f"f{i}" for i in range(1, 9)]]
    assert f.shape == (99, 8)
    alpha = cronbach_alpha(f)
    assert round(alpha, 3) == 0.969
    assert round(alpha, 2) == 0.97


@settings(max_examples=100, deadline=None)
@given(
    st.integers(4, 15).flatmap(
        lambda n: st.integers(2, 6).flatmap(
            lambda k: arrays(float, (n, k), elements=st.floats(0, 10).map(lambda v: round(v, 2)))
        )
    ),
    st.randoms(use_true_random=False),
)
def test_cronbach_alpha_properties(a, rnd):
    df = pd.DataFrame(a, columns=[f"c{j}" for j in range(a.shape[1])])
    assume(df.sum(axis=1).var() > 1e-6)
    alpha = cronbach_alpha(df)
    # independent formula from the covariance matrix C: α = k/(k-1) (1 - tr C / ΣC)
    c = np.cov(a, rowvar=False)
    k = a.shape[1]
    assert alpha == pytest.approx(k / (k - 1) * (1 - np.trace(c) / c.sum()), rel=1e-9, abs=1e-9)
    assert alpha <= 1 + 1e-12
    # row order and shifting an item do not matter
    rows = list(range(len(df)))
    rnd.shuffle(rows)
    assert cronbach_alpha(df.iloc[rows]) == pytest.approx(alpha, rel=1e-9, abs=1e-9)
    assert cronbach_alpha(df + 100) == pytest.approx(alpha, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------------------------
# correlation flags
#
# P = [1, 2, 3, 4, 5] (parent), deviations (-2, -1, 0, 1, 2)
# a = P                  -> r = 1
# b = 2P                 -> r = 1; r(a, b) = 1 (collinear)
# c = 6 - P              -> r = -1 (negative); r(a, c) = r(b, c) = -1 (|r| > 0.9)
# d = [1, 0, 0, 0, 1]    -> d - 0.4 = (0.6, -0.4, -0.4, -0.4, 0.6); Σ(d - d̄)(P - P̄)
#                           = -1.2 + 0.4 + 0 - 0.4 + 1.2 = 0 -> r = 0 (weak, not negative)
#                           r(d, a) = r(d, b) = r(d, c) = 0
IDX = ["u1", "u2", "u3", "u4", "u5"]
P = pd.Series([1.0, 2, 3, 4, 5], index=IDX, name="P")
IND = pd.DataFrame(
    {
        "a": [1.0, 2, 3, 4, 5],
        "b": [2.0, 4, 6, 8, 10],
        "c": [5.0, 4, 3, 2, 1],
        "d": [1.0, 0, 0, 0, 1],
    },
    index=IDX,
)


def test_correlation_flags_single_parent():
    res = correlation_flags(IND, P)
    t = res.indicators
    np.testing.assert_allclose(t["r"].to_numpy(), [1, 1, -1, 0], atol=1e-14)
    assert t["negative"].tolist() == [False, False, True, False]
    assert t["weak"].tolist() == [False, False, False, True]
    assert t["parent"].tolist() == ["P"] * 4 and t["n"].tolist() == [5] * 4
    pairs = {(r.indicator_a, r.indicator_b): r.r for r in res.pairs.itertuples()}
    assert set(pairs) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert pairs[("a", "b")] == pytest.approx(1.0, abs=1e-14)
    assert pairs[("a", "c")] == pytest.approx(-1.0, abs=1e-14)
    # thresholds: with weak = 0 nothing is weak; with collinear = 1 no pair is listed
    res2 = correlation_flags(IND, P, weak=0.0, collinear=1.0)
    assert not res2.indicators["weak"].any() and res2.pairs.empty


def test_correlation_flags_several_parents_and_pairwise_missing():
    scores = pd.DataFrame({"P1": P, "P2": 6 - P})
    parents = {"a": "P1", "b": "P1", "c": "P2", "d": "P2"}
    ind = IND.copy()
    ind.loc["u3", "b"] = np.nan  # b: 4 shared units, still r = 1 with P1
    res = correlation_flags(ind, scores, parents=parents)
    t = res.indicators
    np.testing.assert_allclose(t["r"].to_numpy(), [1, 1, 1, 0], atol=1e-14)
    assert t.loc["b", "n"] == 4
    # pairs only within a parent: (a, b) under P1; (c, d) has r = 0
    assert res.pairs[["parent", "indicator_a", "indicator_b"]].values.tolist() == [["P1", "a", "b"]]


def test_correlation_flags_errors():
    with pytest.raises(MethodologyError, match="weak must be in"):
        correlation_flags(IND, P, weak=1.5)
    with pytest.raises(MethodologyError, match="pass parents="):
        correlation_flags(IND, pd.DataFrame({"P": P}))
    with pytest.raises(MethodologyError, match="'parents' is only used"):
        correlation_flags(IND, P, parents={"a": "P"})
    with pytest.raises(DataError, match="2 problems") as info:
        correlation_flags(IND, pd.DataFrame({"P": P}), parents={"a": "P", "b": "P", "c": "Q"})
    assert "indicator 'd' has no parent" in str(info.value)
    assert "parent 'Q' (of 'c') is not a column" in str(info.value)
    with pytest.raises(DataError, match=r"1 unit\(s\) of df have no parent score, e.g. \['u5'\]"):
        correlation_flags(IND, P.iloc[:4])
    with pytest.raises(DataError, match="indicator 'k' vs parent 'P': correlation undefined"):
        correlation_flags(IND.assign(k=1.0), P)
    with pytest.raises(DataError, match="must be a pandas Series or DataFrame"):
        correlation_flags(IND, [1, 2, 3, 4, 5])


# --------------------------------------------------------------------------------------------
# PCA summary


def test_pca_summary_hand_worked():
    # the data of weights/test_objective.py: R = [[1, 0, a], [0, 1, a], [a, a, 1]], a = 1/√3;
    # eigenvalues 1 + √(2/3), 1, 1 - √(2/3); PC1 = (1/2, 1/2, √2/2); PC2 = ±(1, -1, 0)/√2
    df = pd.DataFrame({"A": [10, 15, 10, 15], "B": [0, 100, 100, 0], "C": [2, 4, 4, 4]})
    res = pca_summary(df)
    lam = np.array([1 + math.sqrt(2 / 3), 1.0, 1 - math.sqrt(2 / 3)])
    np.testing.assert_allclose(res["eigenvalues"].to_numpy(), lam, atol=1e-14)
    np.testing.assert_allclose(res["explained"].to_numpy(), lam / 3, atol=1e-14)
    np.testing.assert_allclose(res["cumulative"].to_numpy(), np.cumsum(lam) / 3, atol=1e-14)
    assert res["first_share"] == pytest.approx(0.605499, abs=1e-6)
    np.testing.assert_allclose(
        res["loadings"]["PC1"].to_numpy(),
        np.array([0.5, 0.5, math.sqrt(2) / 2]) * math.sqrt(lam[0]),
        atol=1e-14,
    )
    np.testing.assert_allclose(
        np.abs(res["loadings"]["PC2"].to_numpy()), [math.sqrt(0.5), math.sqrt(0.5), 0], atol=1e-14
    )
    assert res["n"] == 4 and list(res["loadings"].columns) == ["PC1", "PC2", "PC3"]


def test_pca_summary_errors():
    with pytest.raises(DataError, match="needs at least 2 columns"):
        pca_summary(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(DataError, match=r"2 complete row\(s\)"):
        pca_summary(pd.DataFrame({"a": [1, 2, np.nan], "b": [1, 3, 2]}))
    with pytest.raises(DataError, match=r"constant column\(s\) \['b'\]"):
        pca_summary(pd.DataFrame({"a": [1, 2, 3], "b": [1, 1, 1]}))
