"""The ``winsorise`` treatment step: per year by default, recorded in ``explain``.

The algorithm itself is tested in ``test_treat.py`` (hand-worked and against COINr); here: how the
step applies it to a panel and what it records. COINr's golden points are in ``test_coinr.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import Methodology, build_index
from indicators.errors import MethodologyError
from indicators.framework import framework_from_dict
from indicators.treat_step import TREATMENTS

# 2020: [0]*9 + [50]: skew = 3.16 >= 2 and kurtosis = 10 >= 3.5 -> fails; winsorising the single
#       maximum 50 to the next value 0 would leave a constant column, so the step is not taken and
#       the log fallback applies. Use [1..9, 50] instead: the 50 -> 9 passes.
X2020 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 50]
X2021 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]  # symmetric: passes untouched


def panel() -> pd.DataFrame:
    idx = pd.MultiIndex.from_tuples([(f"d{i}", y) for y in (2020, 2021) for i in range(10)],
                                    names=["district", "year"])
    return pd.DataFrame({"x": X2020 + X2021, "y": [np.nan] * 17 + [1.0, 2.0, 3.0]}, index=idx, dtype=float)


def run(**params):
    m = TREATMENTS.get("winsorise")
    return m.func(panel(), **m.bind(params))


def test_by_year_treats_each_year_alone():
    treated, details, points = run()
    # 2020 x: skew of [1..9, 50] is 3.0 (>= 2), kurtosis 9.3 (>= 3.5): 50 -> 9, then it passes
    assert treated.loc[("d9", 2020), "x"] == 9.0
    assert treated.xs(2021, level="year")["x"].tolist() == X2021
    assert points.to_dict("records") == [{"district": "d9", "year": 2020, "indicator": "x", "original": 50.0,
                                          "treated": 9.0, "treatment": "winhi"}]
    d = details.set_index(["year", "indicator"])
    assert d.loc[(2020, "x"), "status"] == "winsorised" and d.loc[(2020, "x"), "n_winsorised"] == 1
    assert d.loc[(2021, "x"), "status"] == "passed"
    # y has no value in 2020 and 3 in 2021: fewer than 4, skewness undefined -> left as is, recorded
    assert d.loc[(2020, "y"), "status"] == "too few values" and d.loc[(2020, "y"), "n"] == 0
    assert d.loc[(2021, "y"), "status"] == "too few values" and d.loc[(2021, "y"), "n"] == 3
    pd.testing.assert_series_equal(treated["y"], panel()["y"])


def test_pooled_years():
    treated, details, points = run(by_year=False)
    # pooled 20 values [1..9, 50, 1..10]: the 50 is still the outlier; 50 -> 10 passes
    assert treated.loc[("d9", 2020), "x"] == 10.0
    assert set(details["year"]) == {"all"}
    assert len(points) == 1


def test_winmax_zero_falls_back_to_log():
    treated, details, _ = run(winmax=0)
    x = np.array(X2020, dtype=float)
    expected = np.log(x - x.min() + 0.01 * (x.max() - x.min()))
    np.testing.assert_allclose(treated.xs(2020, level="year")["x"], expected, rtol=1e-14)
    assert details.set_index(["year", "indicator"]).loc[(2020, "x"), "status"] == "log"


def test_pipeline_records_points():
    fw = framework_from_dict({
        "id": "t", "version": "1", "name": {"zh": "处理", "en": "Treat"},
        "figures": [{"id": "x", "zh": "x", "en": "x", "kind": "amount"}],
        "nodes": [{"code": "I", "zh": "指数", "en": "Index"},
                  {"code": "X", "parent": "I", "weight": 1, "zh": "x", "en": "x", "direction": "+", "formula": "x"}],
    })
    m = Methodology(name="t").replace(treat="winsorise", normalise="minmax")
    r = build_index(panel()[["x"]], fw, m)
    assert r.treated.loc[("d9", 2020), "X"] == 9.0 and r.imputed.loc[("d9", 2020), "X"] == 50.0
    assert r.explain["treated_points"]["indicator"].tolist() == ["X"]
    assert r.normalised.loc[("d9", 2020), "X"] == pytest.approx(100.0)
    assert r.normalised.loc[("d8", 2020), "X"] == pytest.approx(100.0)  # tied with the winsorised max


def test_step_equals_treat_series_per_year_and_indicator():
    """The numpy step against the documented one-column function, year by year (an independent route)."""
    from indicators.treat import treat_series

    rng = np.random.default_rng(11)
    idx = pd.MultiIndex.from_product([[f"d{i}" for i in range(30)], [2020, 2021]], names=["district", "year"])
    df = pd.DataFrame(rng.lognormal(0, 1.5, size=(60, 5)), index=idx, columns=list("vwxyz"))
    df.loc[("d0", 2021), "v"] = 1e5
    df.loc[df.index.get_level_values("year") == 2020, "z"] = np.r_[[np.nan] * 27, 1.0, 2.0, 3.0]
    treated, details, points = TREATMENTS.get("winsorise").func(df, winmax=4)
    for year in (2020, 2021):
        block = df.xs(year, level="year", drop_level=False)
        for c in df.columns:
            row = details[(details["year"] == year) & (details["indicator"] == c)].iloc[0]
            if block[c].notna().sum() < 4:
                assert row["status"] == "too few values" and row["n"] == 3
                pd.testing.assert_series_equal(treated.loc[block.index, c], block[c])
                continue
            out, det = treat_series(block[c], winmax=4)
            assert np.array_equal(treated.loc[block.index, c].to_numpy(), out.to_numpy(), equal_nan=True)
            assert row["status"] == det["status"] and row["n_winsorised"] == det["n_winsorised"]
            assert row["skew_after"] == det["skew_after"] or np.isnan(det["skew_after"])
            assert len(points[(points["year"] == year) & (points["indicator"] == c)]) == len(det["points"])


def test_per_indicator_settings():
    # x with winmax 0 for itself only: the 2020 outlier cannot be winsorised -> log fallback (as above)
    treated, details, _ = run(per_indicator={"x": {"winmax": 0}})
    d = details.set_index(["year", "indicator"])
    assert d.loc[(2020, "x"), "status"] == "log"
    # null: x is left exactly as submitted and says so
    treated, details, points = run(per_indicator={"x": None})
    pd.testing.assert_series_equal(treated["x"], panel()["x"])
    assert set(details.loc[details["indicator"] == "x", "status"]) == {"not treated"}
    assert points.empty
    # the other settings of the step still apply to the rest (y: too few values either way)
    assert set(details.loc[details["indicator"] == "y", "status"]) == {"too few values"}


def test_per_indicator_errors_list_every_problem():
    with pytest.raises(MethodologyError) as info:
        run(per_indicator={"xx": {"winmax": 1}, "y": {"win_max": 2}})
    assert info.value.problems == [
        "per_indicator: 'xx' is not an active indicator (did you mean 'x'?)",
        "per_indicator: y: expected a mapping of winmax, skew_thresh, kurt_thresh or null, got ['win_max']",
    ]
