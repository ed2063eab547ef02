"""Tests of indicators.treat: COINr-default outlier treatment.

Golden files: COINr 1.1.14 (commit b968203) ``build_example_coin()`` ASEM data sets, see
``../shared/data/coinr-asem/README.md`` §4(a) step 5 and §5.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from indicators.errors import ConstantIndicatorWarning, DataError, MethodologyError
from indicators.treat import _skew_kurt, _skew_kurt_rows, passes_skew_kurt, skew_kurt, treat_frame, treat_series
from tests.conftest import shared_path

# --------------------------------------------------------------------------------------------
# skew_kurt: hand-worked example and an independent implementation (scipy, bias-corrected)


def test_skew_kurt_hand_worked():
    # x = [0, 0, 0, 0, 5]: n = 5, mean = 1, d = [-1, -1, -1, -1, 4]
    # Σd² = 4 + 16 = 20, Σd³ = -4 + 64 = 60, Σd⁴ = 4 + 256 = 260
    # g1 = √5 · 60 / 20^1.5 = 60√5 / (40√5) = 1.5;  G1 = 1.5 · √(5·4) / 3 = √5
    # g2 = 5 · 260 / 20² - 3 = 3.25 - 3 = 0.25;     G2 = ((6 · 0.25) + 6) · 4 / (3 · 2) = 5
    s, k = skew_kurt([0, 0, 0, 0, 5])
    assert s == pytest.approx(math.sqrt(5), abs=1e-14)
    assert k == pytest.approx(5.0, abs=1e-14)


def test_skew_kurt_ignores_nan_and_symmetric_data_has_zero_skew():
    # [1, 2, 3, 4, 5]: d = [-2, -1, 0, 1, 2], Σd³ = 0 -> G1 = 0
    # Σd² = 10, Σd⁴ = 34: g2 = 5·34/100 - 3 = -1.3; G2 = (6·(-1.3) + 6)·4/6 = -1.2
    s, k = skew_kurt([1, np.nan, 2, 3, 4, 5, np.nan])
    assert s == pytest.approx(0.0, abs=1e-15)
    assert k == pytest.approx(-1.2, abs=1e-14)


def test_skew_kurt_constant_is_nan():
    s, k = skew_kurt([3.0, 3.0, 3.0, 3.0])
    assert math.isnan(s) and math.isnan(k)


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        float,
        st.integers(4, 40),
        elements=st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3)),
    )
)
def test_skew_kurt_matches_scipy_bias_corrected(x):
    # scipy.stats.skew(bias=False) = G1 and kurtosis(fisher=True, bias=False) = G2
    if np.ptp(x) < 1e-2:
        return
    s, k = skew_kurt(x)
    assert s == pytest.approx(stats.skew(x, bias=False), rel=1e-9, abs=1e-9)
    assert k == pytest.approx(stats.kurtosis(x, fisher=True, bias=False), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    "x, match",
    [
        ([1.0, 2.0, np.nan, 3.0], "3 non-missing value"),
        ([1.0, 2.0, np.inf, 3.0, 4.0], "infinite"),
        (["a", "b", "c", "d"], "must be numeric"),
    ],
)
def test_skew_kurt_errors(x, match):
    with pytest.raises(DataError, match=match):
        skew_kurt(x)


def test_pass_rule():
    # fail only when |skew| >= 2 AND kurt >= 3.5 (COINr check_SkewKurt)
    assert passes_skew_kurt(1.99, 100.0)
    assert passes_skew_kurt(-5.0, 3.49)
    assert not passes_skew_kurt(2.0, 3.5)
    assert not passes_skew_kurt(-2.0, 3.5)
    assert passes_skew_kurt(2.0, 3.5, skew_thresh=2.5)
    assert passes_skew_kurt(math.nan, math.nan)


# --------------------------------------------------------------------------------------------
# treat_series: hand-worked cases


def _series(values, prefix="u"):
    return pd.Series(
        [float(v) for v in values], index=[f"{prefix}{i}" for i in range(len(values))], name="ind"
    )


def test_passing_series_untouched():
    x = _series(range(1, 11))
    out, det = treat_series(x)
    pd.testing.assert_series_equal(out, x)
    assert det["status"] == "passed" and det["n_winsorised"] == 0
    assert det["winsorised"].empty and det["points"].empty


def test_single_high_outlier_winsorised():
    # x = 1..10, 50: G1 = 3.054 >= 2 and G2 = 9.748 >= 3.5 -> fails (scipy check below);
    # skew >= 0, so the max 50 takes the largest remaining value 10; then
    # [1..10, 10]: G1 = -0.128 -> passes after one point.
    x = _series([*range(1, 11), 50])
    assert stats.skew(x, bias=False) == pytest.approx(3.0537, abs=1e-4)
    assert stats.kurtosis(x, bias=False) == pytest.approx(9.7481, abs=1e-4)
    out, det = treat_series(x)
    expected = _series([*range(1, 11), 10])
    pd.testing.assert_series_equal(out, expected)
    assert det["status"] == "winsorised"
    assert det["n_winsorised"] == 1
    assert det["pass_before"] is False and det["pass_after"] is True
    assert det["skew_after"] == pytest.approx(stats.skew(expected, bias=False), abs=1e-12)
    pd.testing.assert_series_equal(det["winsorised"], pd.Series([50.0], index=["u10"], name="ind"))
    assert det["points"].to_dict("records") == [
        {"label": "u10", "original": 50.0, "treated": 10.0, "treatment": "winhi"}
    ]


def test_tied_low_outliers_move_together_and_count_individually():
    # x = -200, -200, 1..12: G1 = -2.29, G2 = 3.76 -> fails; skew < 0, so both minima (tied)
    # take the smallest remaining value 1 in ONE step; 2 points count although winmax = 1;
    # [1, 1, 1..12]: G1 = 0.206 -> passes.
    x = _series([-200, -200, *range(1, 13)])
    out, det = treat_series(x, winmax=1)
    assert det["status"] == "winsorised"
    assert det["n_winsorised"] == 2
    np.testing.assert_array_equal(out.to_numpy(), [1, 1, *range(1, 13)])
    assert list(det["points"]["treatment"]) == ["winlo", "winlo"]
    assert list(det["points"]["label"]) == ["u0", "u1"]


def test_winsorisation_counts_each_distinct_point_across_steps():
    # 1..20, 400, 800 with winmax = 2: step 1: 800 -> 400 (1 point); still fails (G1 = 3.05,
    # G2 = 8.03); step 2: both points at 400 -> 20 (2 points): passes.
    x = _series([*range(1, 21), 400, 800])
    out, det = treat_series(x, winmax=2)
    assert det["status"] == "winsorised" and det["n_winsorised"] == 2
    np.testing.assert_array_equal(out.to_numpy(), [*range(1, 21), 20, 20])
    assert set(det["winsorised"].index) == {"u20", "u21"}
    assert det["winsorised"].to_dict() == {"u20": 400.0, "u21": 800.0}


def test_log_fallback_uses_original_column():
    # Same data with winmax = 1: after 800 -> 400 it still fails (G1 3.05, G2 8.03), so the
    # winsorised values are dropped and the ORIGINAL is log-transformed:
    # min = 1, max = 800, a = 0.01 · 799 = 7.99, y = log(x - 1 + 7.99).
    x = _series([*range(1, 21), 400, 800])
    out, det = treat_series(x, winmax=1)
    assert det["status"] == "log"
    assert det["n_winsorised"] == 1 and det["pass_winsorised"] is False
    assert det["skew_winsorised"] == pytest.approx(3.0452, abs=1e-4)
    expected = np.log(np.array([*range(1, 21), 400, 800], float) - 1 + 7.99)
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=0, atol=1e-15)
    assert out.iloc[0] == pytest.approx(math.log(7.99), abs=1e-15)
    # the log of this column still fails (G1 2.545, G2 6.43): reported, not hidden
    assert det["pass_after"] is False
    assert det["skew_after"] == pytest.approx(2.5453, abs=1e-4)
    assert det["winsorised"].empty
    assert len(det["points"]) == 22 and set(det["points"]["treatment"]) == {"log"}


def test_log_fallback_that_passes():
    # 2^0..2^11 fails (G1 2.337, G2 5.484); winmax = 0 goes straight to the log:
    # a = 0.01 · (2048 - 1) = 20.47, y = log(2^k - 1 + 20.47): G1 0.699 -> passes.
    x = _series([2.0**k for k in range(12)])
    out, det = treat_series(x, winmax=0)
    assert det["status"] == "log" and det["pass_after"] is True and det["n_winsorised"] == 0
    np.testing.assert_allclose(out.to_numpy(), np.log(x.to_numpy() - 1 + 20.47), atol=1e-14)
    # with winmax = 1, one point (2048 -> 1024) is enough: G1 1.534
    out1, det1 = treat_series(x, winmax=1)
    assert det1["status"] == "winsorised" and out1.iloc[-1] == 1024.0


def test_step_that_would_make_column_constant_is_not_taken():
    # [0, 0, 0, 0, 5]: G1 = √5, G2 = 5 (hand-worked above) -> fails. Moving 5 -> 0 would make it
    # constant, so winsorisation stops with 0 points and the log follows; a two-valued column keeps
    # its skew and kurtosis under any increasing transform, so the log still fails.
    x = _series([0, 0, 0, 0, 5])
    out, det = treat_series(x)
    assert det["status"] == "log" and det["n_winsorised"] == 0 and det["pass_after"] is False
    assert det["skew_after"] == pytest.approx(math.sqrt(5), abs=1e-12)
    np.testing.assert_allclose(out.to_numpy(), np.log([0.05, 0.05, 0.05, 0.05, 5.05]), atol=1e-15)


def test_nan_kept_in_place():
    x = _series([*range(1, 11), 50, np.nan])
    out, det = treat_series(x)
    assert math.isnan(out.iloc[-1]) and out.iloc[-2] == 10.0 and det["n"] == 11


def test_constant_series_warns_and_is_returned():
    x = _series([2, 2, 2, 2, np.nan])
    with pytest.warns(ConstantIndicatorWarning, match="'ind': all 4 non-missing values are equal"):
        out, det = treat_series(x)
    pd.testing.assert_series_equal(out, x)
    assert det["status"] == "constant"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"winmax": -1}, "winmax must be a non-negative integer or None"),
        ({"winmax": 2.5}, "winmax must be a non-negative integer or None"),
        ({"skew_thresh": 0.0}, "skew_thresh must be positive"),
        ({"kurt_thresh": math.nan}, "kurt_thresh must be finite"),
        ({"skew_thresh": "2"}, "skew_thresh must be a number"),
    ],
)
def test_treat_series_parameter_errors(kwargs, match):
    with pytest.raises(MethodologyError, match=match):
        treat_series(_series(range(10)), **kwargs)


def test_treat_series_input_errors():
    with pytest.raises(DataError, match="expected a pandas Series, got list"):
        treat_series([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(DataError, match="indicator 'ind': values must be numeric, got dtype"):
        treat_series(pd.Series(list("abcd"), name="ind"))
    with pytest.raises(DataError, match="indicator 'ind': 3 non-missing value"):
        treat_series(_series([1, 2, 3, np.nan]))


def test_treat_frame_reports_every_bad_column():
    df = pd.DataFrame(
        {
            "a": [1.0, 2, 3, 4, 5],
            "b": [1.0, np.nan, np.nan, 4, 5],
            "c": list("vwxyz"),
            "d": [1.0, 2, np.inf, 4, 5],
        }
    )
    with pytest.raises(DataError, match="3 problems") as info:
        treat_frame(df)
    text = str(info.value)
    assert "column 'b'" in text and "column 'c'" in text and "column 'd'" in text
    assert "column 'a'" not in text
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        treat_frame(df["a"])


def test_treat_frame_without_treated_points_has_empty_long_table():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 1, 4, 3, 5]})
    out, det, pts = treat_frame(df)
    pd.testing.assert_frame_equal(out, df)
    assert list(det["status"]) == ["passed", "passed"]
    assert list(pts.columns) == ["column", "label", "original", "treated", "treatment"]
    assert pts.empty


# --------------------------------------------------------------------------------------------
# properties


@settings(max_examples=150, deadline=None)
@given(
    arrays(float, st.integers(5, 30), elements=st.floats(0, 1e4, allow_nan=False)),
    st.integers(0, 6),
)
def test_treatment_properties(x, winmax):
    x = np.round(x, 2)
    if np.ptp(x) < 1e-2:
        return
    s = pd.Series(x, index=[f"r{i}" for i in range(len(x))], name="p")
    out, det = treat_series(s, winmax=winmax)
    assert out.index.equals(s.index)
    if det["status"] == "passed":
        pd.testing.assert_series_equal(out, s)
    elif det["status"] == "winsorised":
        # points only move inwards, within the original range; the order is preserved
        assert det["pass_after"] is True
        assert out.min() >= s.min() and out.max() <= s.max()
        assert np.all(np.diff(out.to_numpy()[np.argsort(x, kind="stable")]) >= 0)
        assert det["n_winsorised"] == int((out != s).sum()) == len(det["points"])
        # the count only exceeds winmax through the last tied step
        assert det["n_winsorised"] >= 1
    else:
        assert det["status"] == "log"
        lo, hi = x.min(), x.max()
        np.testing.assert_allclose(out.to_numpy(), np.log(x - lo + 0.01 * (hi - lo)), atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 8), st.integers(4, 300)),
              elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)))
def test_skew_kurt_of_many_columns_at_once_is_each_columns_to_the_bit(t):
    """treat_frame's first check of all complete columns at once = the one-column statistics."""
    t = np.ascontiguousarray(t)
    got = _skew_kurt_rows(t)
    for i, row in enumerate(t):
        want = _skew_kurt(row.copy())
        assert np.array_equal(np.array(got[i]), np.array(want), equal_nan=True), i


def test_treat_frame_equals_treat_series_column_by_column():
    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.lognormal(0, 2, size=(40, 6)), columns=list("abcdef"))
    df["a"] = rng.normal(size=40)  # passes as it is
    df.iloc[3, 1] = np.nan
    df["f"] = np.r_[np.arange(39.0), 1e4]  # one far outlier: winsorised
    treated, details, points = treat_frame(df, winmax=3)
    for c in df.columns:
        out, det = treat_series(df[c], winmax=3)
        assert np.array_equal(treated[c].to_numpy(), out.to_numpy(), equal_nan=True)
        for k, v in det.items():
            if k not in ("winsorised", "points"):
                assert details.loc[c, k] == v or (pd.isna(v) and pd.isna(details.loc[c, k])), (c, k)
        mine = points[points["column"] == c].drop(columns="column").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, det["points"].reset_index(drop=True), check_dtype=False, check_exact=True)
    assert set(details["status"]) >= {"passed", "winsorised"}


# --------------------------------------------------------------------------------------------
# golden: COINr ASEM example, Treat(coin, dset = "Screened", winmax = 5)


@pytest.fixture(scope="module")
def asem():
    base = shared_path("data", "coinr-asem")
    screened = pd.read_csv(base / "a_example_screened.csv").set_index("uCode")
    treated = pd.read_csv(base / "a_example_treated.csv").set_index("uCode")
    dets = pd.read_csv(base / "a_example_treat_dets.csv").set_index("iCode")
    points = pd.read_csv(base / "a_example_treated_points_long.csv")
    ours = treat_frame(screened, winmax=5)
    return screened, treated, dets, points, ours


def test_golden_coinr_treated_data(asem):
    screened, treated, _, _, (out, _, _) = asem
    assert list(out.columns) == list(treated.columns)
    out = out.loc[treated.index]
    dev = float(np.nanmax(np.abs(out.to_numpy() - treated.to_numpy())))
    assert dev <= 1e-9, dev
    assert out.isna().equals(treated.isna())


def test_golden_coinr_treatment_details(asem):
    _, _, dets, _, (_, det, _) = asem
    det = det.loc[dets.index]
    # 35 points in 15 indicators, no log fallback (README §4(a) step 5)
    assert set(det["status"]) == {"passed", "winsorised"}
    assert (det["status"] == "winsorised").sum() == 15
    assert det["pass_before"].tolist() == dets["check_SkewKurt0.Pass"].tolist()
    for ours, theirs in [
        ("skew_before", "check_SkewKurt0.Skew"),
        ("kurt_before", "check_SkewKurt0.Kurt"),
    ]:
        assert np.max(np.abs(det[ours] - dets[theirs])) <= 1e-9
    win = dets["winsorise.nwin"].notna()
    assert (det.loc[win, "status"] == "winsorised").all()
    nwin = dets.loc[win, "winsorise.nwin"].astype(int)
    assert det.loc[win, "n_winsorised"].tolist() == nwin.tolist()
    assert (det.loc[~win, "n_winsorised"] == 0).all()
    pass1 = dets.loc[win, "check_SkewKurt1.Pass"]
    assert det.loc[win, "pass_winsorised"].tolist() == pass1.tolist()
    for ours, theirs in [
        ("skew_winsorised", "check_SkewKurt1.Skew"),
        ("kurt_winsorised", "check_SkewKurt1.Kurt"),
    ]:
        assert np.max(np.abs(det.loc[win, ours] - dets.loc[win, theirs])) <= 1e-9
    assert det.loc[~win, "skew_winsorised"].isna().all()


def test_golden_coinr_treated_points(asem):
    _, _, _, points, (_, _, pts) = asem
    assert len(pts) == len(points) == 35
    ours = pts.rename(columns={"label": "uCode", "column": "iCode"})
    merged = points.merge(ours, on=["uCode", "iCode"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["Treatment"] == merged["treatment"]).all()
    assert np.max(np.abs(merged["Value_before"] - merged["original"])) <= 1e-9
    assert np.max(np.abs(merged["Value_after"] - merged["treated"])) <= 1e-9
