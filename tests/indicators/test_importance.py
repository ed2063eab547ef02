"""Correlation-based importance (first-order effects) beside nominal and effective weights."""

from __future__ import annotations

import numpy as np
import pytest

from indicators import Methodology, Step, build_index
from indicators.errors import DataError, MethodologyError
from indicators.importance import correlation_ratio, importance, importance_table

from .sens_toys import tree_framework, wide


def test_correlation_ratio_by_group_means_hand_worked():
    # x in {0, 1, 2}: group means of y = (1+3)/2 = 2, (2+4)/2 = 3, (6+8)/2 = 7; mean 4.
    # Var(E[y|x]) = (2·4 + 2·1 + 2·9) / 6 = 28/6; Var(y) = (9+1+4+0+4+16) / 6 = 34/6
    # -> η² = 28/34 = 0.823529
    x = np.array([0, 0, 1, 1, 2, 2.0])
    y = np.array([1, 3, 2, 4, 6, 8.0])
    assert correlation_ratio(x, y) == pytest.approx(28 / 34, abs=1e-12)


def test_correlation_ratio_sees_what_pearson_misses():
    x = np.linspace(-1, 1, 201)
    y = x**2  # symmetric: r = 0, but y is a function of x
    assert importance(__import__("pandas").DataFrame({"x": x}), y, "r2")["x"] == pytest.approx(0, abs=1e-12)
    assert correlation_ratio(x, y) > 0.99
    assert correlation_ratio(x, 3 * x + 1) == pytest.approx(1.0, abs=1e-9)


def test_first_order_effect_of_an_additive_model_is_its_variance_share():
    # y = x1 + x2 on a full 20 x 20 grid: x1 and x2 are exactly uncorrelated with equal variance,
    # E[y | x1] = x1 + mean(x2) is linear, so η²(x1) = Var(x1) / (Var(x1) + Var(x2)) = 1/2
    g = np.linspace(0, 1, 20)
    x1, x2 = np.repeat(g, 20), np.tile(g, 20)
    y = x1 + x2
    assert correlation_ratio(x1, y) == pytest.approx(0.5, abs=1e-9)
    assert correlation_ratio(x2, 2 * x1 + x2) == pytest.approx(0.2, abs=1e-9)  # 1 / (4 + 1)


def test_importance_errors():
    import pandas as pd

    with pytest.raises(MethodologyError, match="unknown estimator 'spearman'"):
        importance(pd.DataFrame({"a": [1, 2, 3]}), [1, 2, 3], "spearman")
    with pytest.raises(DataError, match=r"a: correlation undefined \(3 complete pairs, or a constant series\)"):
        importance(pd.DataFrame({"a": [1, 1, 1]}), [1, 2, 3], "pearson")
    with pytest.raises(DataError, match="y is constant"):
        correlation_ratio([1, 2, 3], [5, 5, 5])


def test_importance_table_next_to_nominal_and_effective_weights():
    fw = tree_framework({"T": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]}, weights={"A": 1, "B": 1})
    rng = np.random.default_rng(3)
    data = wide({"a1": rng.uniform(0, 100, 30), "a2": rng.uniform(0, 100, 30), "b1": rng.uniform(0, 100, 30)})
    res = build_index(data, fw, Methodology(normalise=Step("goalposts")))
    t = importance_table(res, level=1)
    assert t.loc[["a1", "a2", "b1"], "weight"].tolist() == [0.5, 0.5, 1.0]
    assert t.loc[["a1", "a2", "b1"], "effective_weight"].tolist() == [0.25, 0.25, 0.5]
    assert t["contribution_share"].sum() == pytest.approx(1.0, abs=1e-12)  # contributions add up
    assert t.loc["b1", "pearson"] == pytest.approx(1.0)  # B's only child is B
    assert t.loc["b1", "importance_share"] == pytest.approx(1.0)
    assert t.groupby("parent")["importance_share"].sum().tolist() == pytest.approx([1.0, 1.0])
    dims = importance_table(res, level=2, against="index", estimators=("r2",))
    assert list(dims.index) == ["A", "B"] and dims["r2"].between(0, 1).all()
    with pytest.raises(MethodologyError, match=r"no weighted nodes at level 3; levels are \[1, 2\]"):
        importance_table(res, level=3)
    with pytest.raises(DataError, match="no rows for year 2020"):
        importance_table(res, year=2020)
