"""The ``identity`` normaliser and pooled (``by_year=False``) min-max and z-scores, hand-worked.

Within-year normalisation is tested with the other normalisers; here only what reproduction adds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.framework import framework_from_dict
from indicators.normalise import NORMALISERS, NormContext

IDX = pd.MultiIndex.from_product([["a", "b"], [2020, 2021]], names=["district", "year"])
YEARS = pd.Series(IDX.get_level_values("year"), index=IDX)
FW = framework_from_dict({
    "id": "n", "version": "1", "name": {"zh": "标准化", "en": "Norm"}, "scale": 1,
    "figures": [{"id": "v", "zh": "v", "en": "v", "kind": "rate"}],
    "nodes": [{"code": "I", "zh": "指数", "en": "Index"},
              {"code": "up", "parent": "I", "weight": 1, "zh": "正", "en": "Up", "direction": "+", "formula": "v"},
              {"code": "down", "parent": "I", "weight": 1, "zh": "负", "en": "Down", "direction": "-",
               "formula": "v"}],
})
# a 2020: 0.2, a 2021: 0.6, b 2020: 0.4, b 2021: 1.0
X = pd.Series([0.2, 0.6, 0.4, 1.0], index=IDX)


def run(name: str, code: str = "up", **params):
    m = NORMALISERS.get(name)
    return m.func(X, NormContext(FW.nodes[code], YEARS, pd.DataFrame(index=IDX), FW), **m.bind(params))


def test_identity_passes_scores_through():
    res = run("identity")
    pd.testing.assert_series_equal(res.values, X)
    assert res.learned == {"scale": 1.0}
    # COINr applies the direction before every normaliser: a '-' indicator comes out negated
    np.testing.assert_allclose(run("identity", "down").values, -X)


def test_minmax_pooled_over_years():
    # pooled min 0.2, max 1.0: (x - 0.2) / 0.8 * 100 -> 0, 50, 25, 100
    np.testing.assert_allclose(run("minmax", by_year=False).values, [0.0, 50.0, 25.0, 100.0])
    # within year: 2020 {0.2, 0.4} -> 0, 100; 2021 {0.6, 1.0} -> 0, 100
    np.testing.assert_allclose(run("minmax").values, [0.0, 0.0, 100.0, 100.0])


def test_zscore_pooled_over_years():
    # pooled mean 0.55, sample sd sqrt(((-.35)^2 + .05^2 + (-.15)^2 + .45^2) / 3) = sqrt(0.35/3)
    sd = np.sqrt(0.35 / 3)
    expected = (X.to_numpy() - 0.55) / sd
    np.testing.assert_allclose(run("zscore", by_year=False).values, expected, rtol=1e-14)
    # within year with 2 values: +-1/sqrt(2)
    np.testing.assert_allclose(run("zscore").values, [-1, -1, 1, 1] / np.sqrt(2), rtol=1e-14)


def test_pooled_constant_warns_over_all_years():
    from indicators.errors import ConstantIndicatorWarning

    m = NORMALISERS.get("minmax")
    const = pd.Series(0.5, index=IDX)
    with pytest.warns(ConstantIndicatorWarning, match="min-max pooled over the years is undefined"):
        res = m.func(const, NormContext(FW.nodes["up"], YEARS, pd.DataFrame(index=IDX), FW), by_year=False)
    assert res.values.isna().all() and set(res.reasons) == {"constant over all years"}
