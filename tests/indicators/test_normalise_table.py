"""Whole-table normalisation (``minmax_values``, ``zscore_values``, ``normalise_all``).

The pipeline and the uncertainty engine normalise every column of a table at once. Each column
must be scored exactly as the column alone would be (same bits), and those scores must be the
handbook's formulas, here recomputed independently with pandas' grouped statistics.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from indicators.errors import ConstantIndicatorWarning
from indicators.methodology import Step
from indicators.normalise import NORMALISERS, NormContext, minmax_values, normalise_all, zscore_values
from indicators.testing import toy_framework

FW = toy_framework()


def grouped_reference(x: np.ndarray, keys: np.ndarray | None, how: str, a: float, b: float) -> np.ndarray:
    """The handbook's formula per column with pandas' grouped statistics (an independent route)."""
    df = pd.DataFrame(x)
    g = df.groupby(np.zeros(len(df)) if keys is None else keys)
    if how == "minmax":
        lo, hi = g.transform("min"), g.transform("max")
        span = (hi - lo).where(hi > lo)
        return ((df - lo) / span * (b - a) + a).to_numpy()
    m, s = g.transform("mean"), g.transform("std")
    return ((df - m) / s.where(s > 0) * b + a).to_numpy()


@st.composite
def tables(draw):
    n = draw(st.integers(2, 40))
    k = draw(st.integers(1, 6))
    x = draw(arrays(float, (n, k), elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)))
    gaps = draw(arrays(bool, (n, k)))
    x = np.where(gaps & draw(st.booleans()), np.nan, x)
    keys = draw(st.none() | arrays(np.int64, n, elements=st.integers(2019, 2021)))
    return x, keys


@settings(max_examples=200, deadline=None)
@given(tables(), st.sampled_from(["minmax", "zscore"]))
def test_each_column_scored_as_alone_and_as_the_formula(table, how):
    x, keys = table
    func, a, b = (minmax_values, 1.0, 100.0) if how == "minmax" else (zscore_values, 10.0, 2.0)
    out, const = func(x, keys, a, b)
    for j in range(x.shape[1]):
        alone, const_j = func(np.ascontiguousarray(x[:, j]), keys, a, b)
        assert np.array_equal(out[:, j], alone, equal_nan=True)
        assert np.array_equal(const[:, j], const_j)
    ref = grouped_reference(x, keys, how, a, b)
    assert np.array_equal(np.isnan(out), np.isnan(ref))
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-9 * max(1.0, np.nanmax(np.abs(ref), initial=1.0)))


def test_minmax_hand_worked_two_years_with_a_gap_and_a_constant_year():
    x = np.array([[1.0, 5.0], [3.0, np.nan], [5.0, 5.0], [2.0, 1.0], [4.0, 3.0], [6.0, 2.0]])
    years = np.array([2020, 2020, 2020, 2021, 2021, 2021])
    out, const = minmax_values(x, years, 0.0, 100.0)
    np.testing.assert_array_equal(out[:, 0], [0, 50, 100, 0, 50, 100])
    assert np.isnan(out[:3, 1]).all()  # 2020 column 2: 5, -, 5 is constant
    np.testing.assert_array_equal(out[3:, 1], [0, 100, 50])
    np.testing.assert_array_equal(const[:, 1], [True, False, True, False, False, False])


def test_zscore_hand_worked():
    # 2, 4, 9: mean 5, sample sd sqrt(((9 + 1 + 16) / 2)) = sqrt(13)
    out, _ = zscore_values(np.array([[2.0], [4.0], [9.0]]), None, 0.0, 1.0)
    np.testing.assert_allclose(out[:, 0], np.array([-3.0, -1.0, 4.0]) / np.sqrt(13), rtol=1e-15)


def _per_column(treated: pd.DataFrame, years: pd.Series, default: Step, overrides: dict) -> dict:
    out = {}
    for code in treated.columns:
        step = overrides.get(code, default)
        m = NORMALISERS.get(step.method)
        ctx = NormContext(FW.nodes[code], years, pd.DataFrame(index=treated.index), FW)
        out[code] = m.func(treated[code], ctx, **m.bind(step.params))
    return out


@pytest.mark.parametrize("default", [Step("minmax", {"lower": 1, "upper": 100}), Step("zscore", {"sd": 2}),
                                     Step("rank")])
def test_normalise_all_equals_the_normaliser_column_by_column(default):
    codes = list(FW.indicators)
    rng = np.random.default_rng(3)
    treated = pd.DataFrame(rng.lognormal(size=(12, len(codes))), columns=codes)
    treated.iloc[2, 0] = np.nan
    years = pd.Series(np.repeat([2020, 2021], 6))
    overrides = {codes[-1]: Step("zscore")}
    got = normalise_all(treated, years, pd.DataFrame(index=treated.index), FW, default, overrides, codes)
    ref = _per_column(treated, years, default, overrides)
    for code in codes:
        assert np.array_equal(got.values[code], ref[code].values.to_numpy(dtype=float), equal_nan=True), code
        assert got.learned[code] == {"method": overrides.get(code, default).method, **dict(ref[code].learned)}
    assert got.reasons == {}


def test_normalise_all_constant_column_warns_once_and_gives_its_reason():
    codes = list(FW.indicators)
    treated = pd.DataFrame({c: [1.0, 2.0, 3.0, 4.0] for c in codes})
    treated[codes[0]] = [7.0, 7.0, 1.0, 2.0]  # constant in 2020 only
    years = pd.Series([2020, 2020, 2021, 2021])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = normalise_all(treated, years, pd.DataFrame(index=treated.index), FW, Step("minmax"), {}, codes)
    msgs = [str(w.message) for w in caught if issubclass(w.category, ConstantIndicatorWarning)]
    assert len(msgs) == 1 and codes[0] in msgs[0] and "2020" in msgs[0]
    assert list(got.reasons) == [codes[0]]
    assert list(got.reasons[codes[0]]) == ["constant within year", "constant within year", None, None]
    np.testing.assert_array_equal(got.values[codes[0]][2:], [0.0, 100.0])
