"""Imputers, checked by hand on four districts in two groups over three years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.impute import IMPUTERS, ImputeContext

NAN = float("nan")
YEARS = [2019, 2020, 2021]
# district -> (group, values of indicator I by year, values of indicator J by year)
DATA = {
    "a": ("X", [1, NAN, NAN], [10, 20, 30]),
    "b": ("X", [3, 4, NAN], [NAN, NAN, 60]),
    "c": ("Y", [5, 8, 10], [50, NAN, NAN]),
    "d": ("Y", [NAN, NAN, 20], [70, 80, 90]),
}


def table() -> tuple[pd.DataFrame, ImputeContext]:
    idx = pd.MultiIndex.from_product([list(DATA), YEARS], names=["district", "year"])
    df = pd.DataFrame(
        {
            "I": [DATA[d][1][YEARS.index(y)] for d, y in idx],
            "J": [DATA[d][2][YEARS.index(y)] for d, y in idx],
        },
        index=idx,
    )
    ctx = ImputeContext(
        years=pd.Series(idx.get_level_values("year"), index=idx),
        groups=pd.Series([DATA[d][0] for d, _ in idx], index=idx),
        districts=pd.Series(idx.get_level_values("district"), index=idx),
    )
    return df, ctx


def impute(name: str, **params) -> pd.DataFrame:
    df, ctx = table()
    m = IMPUTERS.get(name)
    return m.func(df, ctx, **m.bind(params))


def cell(df: pd.DataFrame, col: str, district: str, year: int) -> float:
    return float(df.loc[(district, year), col])


def test_registry():
    assert {"group_mean", "last_year", "mean", "none"} <= set(IMPUTERS)


def test_none_leaves_missing_missing():
    df, _ = table()
    pd.testing.assert_frame_equal(impute("none"), df)


def test_mean_within_year():
    out = impute("mean")
    # I 2019: mean(1, 3, 5) = 3 -> d ; 2020: mean(4, 8) = 6 -> a, d
    #   2021: mean(10, 20) = 15 -> a, b
    assert cell(out, "I", "d", 2019) == 3
    assert cell(out, "I", "a", 2020) == 6 and cell(out, "I", "d", 2020) == 6
    assert cell(out, "I", "a", 2021) == 15 and cell(out, "I", "b", 2021) == 15
    # J 2019: mean(10, 50, 70) = 43.33 -> b ; 2020: mean(20, 80) = 50 -> b, c ; 2021: 60 -> c
    assert cell(out, "J", "b", 2019) == pytest.approx(130 / 3)
    assert cell(out, "J", "b", 2020) == 50 and cell(out, "J", "c", 2020) == 50
    assert cell(out, "J", "c", 2021) == 60
    assert not out.isna().any().any()


def test_group_mean_within_year_and_group():
    out = impute("group_mean")
    # group X = a, b ; group Y = c, d
    assert cell(out, "I", "a", 2020) == 4  # b's 4 in X 2020
    assert np.isnan(cell(out, "I", "a", 2021)) and np.isnan(cell(out, "I", "b", 2021))  # X empty
    assert cell(out, "I", "d", 2019) == 5  # c's 5 in Y 2019
    assert cell(out, "I", "d", 2020) == 8
    assert cell(out, "J", "b", 2019) == 10 and cell(out, "J", "b", 2020) == 20
    assert cell(out, "J", "c", 2020) == 80 and cell(out, "J", "c", 2021) == 90


def test_last_year_carries_forward():
    out = impute("last_year")
    assert cell(out, "I", "a", 2020) == 1 and cell(out, "I", "a", 2021) == 1
    assert cell(out, "I", "b", 2021) == 4
    # nothing before d's first value, nor before b's first J
    assert np.isnan(cell(out, "I", "d", 2019)) and np.isnan(cell(out, "I", "d", 2020))
    assert np.isnan(cell(out, "J", "b", 2019)) and np.isnan(cell(out, "J", "b", 2020))
    assert cell(out, "J", "c", 2020) == 50 and cell(out, "J", "c", 2021) == 50
    assert list(out.index) == list(table()[0].index)  # original row order kept


def test_last_year_max_gap():
    out = impute("last_year", max_gap=1)
    assert cell(out, "I", "a", 2020) == 1  # one year back
    assert np.isnan(cell(out, "I", "a", 2021))  # two years back: too old
    assert cell(out, "I", "b", 2021) == 4
    assert cell(out, "J", "c", 2020) == 50 and np.isnan(cell(out, "J", "c", 2021))


def test_last_year_max_gap_counts_calendar_years_not_rows():
    # district e submitted in 2019 and 2021 only (no 2020 row): 2021 is two years after 2019
    idx = pd.MultiIndex.from_tuples([("e", 2019), ("e", 2021)], names=["district", "year"])
    df = pd.DataFrame({"I": [7.0, NAN]}, index=idx)
    ctx = ImputeContext(pd.Series([2019, 2021], index=idx), pd.Series(["", ""], index=idx),
                        pd.Series(["e", "e"], index=idx))
    assert np.isnan(IMPUTERS.get("last_year").func(df, ctx, max_gap=1).iloc[1, 0])
    assert IMPUTERS.get("last_year").func(df, ctx, max_gap=2).iloc[1, 0] == 7


@pytest.mark.parametrize("name", ["none", "mean", "group_mean", "last_year"])
def test_present_values_unchanged(name):
    df, _ = table()
    out = impute(name)
    present = df.notna()
    pd.testing.assert_frame_equal(out[present], df[present])


def test_unknown_parameter_is_an_error():
    from indicators.errors import MethodologyError

    with pytest.raises(MethodologyError, match=r"'last_year' got unexpected parameter 'max_gaps' "
                                               r"\(did you mean 'max_gap'\?\)"):
        IMPUTERS.get("last_year").bind({"max_gaps": 1})
