"""Normalisers, each checked by hand on three districts over two years (toy framework)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.errors import ConstantIndicatorWarning, DataError, MethodologyError
from indicators.normalise import NORMALISERS, NormContext
from indicators.testing import toy_framework, toy_framework_dict

NAN = float("nan")
FW = toy_framework()
DISTRICTS = ["a", "b", "c"]
YEARS = [2020, 2021]
IDX = pd.MultiIndex.from_product([DISTRICTS, YEARS], names=["district", "year"])


def panel(y2020: list[float], y2021: list[float]) -> pd.Series:
    """Values for districts a, b, c in 2020 and in 2021, on the (district, year) index."""
    values = {(d, 2020): v for d, v in zip(DISTRICTS, y2020, strict=True)}
    values |= {(d, 2021): v for d, v in zip(DISTRICTS, y2021, strict=True)}
    return pd.Series([values[i] for i in IDX], index=IDX, dtype=float)


def by_year(s: pd.Series) -> dict[int, list[float]]:
    return {y: [s[(d, y)] for d in DISTRICTS] for y in YEARS}


def run(method: str, code: str, x: pd.Series, fw=FW, figures=None, **params):
    ctx = NormContext(
        fw.nodes[code], pd.Series(IDX.get_level_values("year"), index=IDX),
        figures if figures is not None else pd.DataFrame(index=IDX), fw,
        pd.Series(IDX.get_level_values("district"), index=IDX),
    )
    m = NORMALISERS.get(method)
    return m.func(x, ctx, **m.bind(params))


def close(actual: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


def test_registry_names():
    assert {"distance_to_target", "goalposts", "minmax", "percentile_rank", "rank",
            "scoring_rules", "zscore"} <= set(NORMALISERS)


# -- minmax, within year ---------------------------------------------------------------------
def test_minmax_within_year():
    # 2020: 0.6 0.8 1.0 -> min 0.6, range 0.4 -> 0, 50, 100
    # 2021: 0.9 0.7 0.8 -> min 0.7, range 0.2 -> 100, 0, 50
    res = run("minmax", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]))
    got = by_year(res.values)
    close(got[2020], [0, 50, 100])
    close(got[2021], [100, 0, 50])
    assert res.learned == {}
    assert res.values.index.equals(IDX)


def test_minmax_direction_minus_flips():
    # A2 (lower is better) 2020: 0.1 0.2 0.4 -> oriented -0.1 -0.2 -0.4, min -0.4, range 0.3
    # a: 0.3/0.3 = 100, b: 0.2/0.3 = 66.67, c: 0
    got = by_year(run("minmax", "A2", panel([0.1, 0.2, 0.4], [0.3, 0.3, 0.0])).values)
    close(got[2020], [100, 200 / 3, 0])
    close(got[2021], [0, 0, 100])


def test_minmax_onto_other_bounds():
    # onto [1, 100]: 1 + 99 * (0, 0.5, 1) = 1, 50.5, 100
    got = by_year(run("minmax", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]),
                      lower=1, upper=100).values)
    close(got[2020], [1, 50.5, 100])


def test_minmax_constant_within_year_warns_and_is_missing():
    x = panel([0.8, 0.8, 0.8], [0.9, 0.7, 0.8])
    with pytest.warns(ConstantIndicatorWarning, match=r"A1 is constant within year\(s\) \[2020\]"):
        res = run("minmax", "A1", x)
    got = by_year(res.values)
    assert all(math.isnan(v) for v in got[2020])
    close(got[2021], [100, 0, 50])
    assert by_year(res.reasons)[2020] == ["constant within year"] * 3
    assert by_year(res.reasons)[2021] == [None] * 3


def test_minmax_keeps_missing_values_missing():
    got = by_year(run("minmax", "A1", panel([0.6, NAN, 1.0], [0.9, 0.7, 0.8])).values)
    assert math.isnan(got[2020][1])
    close([got[2020][0], got[2020][2]], [0, 100])


# -- goalposts ---------------------------------------------------------------------------------
def test_goalposts_from_the_framework_with_clip():
    # A1 goalposts [0.5, 1.0]: 0.6 -> 0.1/0.5 = 20, 0.8 -> 60, 1.0 -> 100; 0.4 -> -20 -> clipped 0
    res = run("goalposts", "A1", panel([0.6, 0.8, 1.0], [0.4, 0.75, 0.5]))
    got = by_year(res.values)
    close(got[2020], [20, 60, 100])
    close(got[2021], [0, 50, 0])
    assert res.learned == {"low": 0.5, "high": 1.0, "source": "framework goalposts"}


def test_goalposts_without_clip():
    got = by_year(run("goalposts", "A1", panel([0.6, 0.8, 1.0], [0.4, 0.75, 0.5]),
                      clip=False).values)
    close(got[2021], [-20, 50, 0])


def test_goalposts_direction_minus():
    # A2 goalposts [0, 0.5], lower is better: 0.1 -> 1 - 0.2 = 80; 0.2 -> 60; 0.4 -> 20
    got = by_year(run("goalposts", "A2", panel([0.1, 0.2, 0.4], [0.0, 0.5, 0.6])).values)
    close(got[2020], [80, 60, 20])
    close(got[2021], [100, 0, 0])  # 0.6 -> -20, clipped to 0


def test_goalposts_bounds_override_the_framework():
    # bounds [0, 2]: 0.6 -> 30, 0.8 -> 40, 1.0 -> 50
    res = run("goalposts", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]), bounds={"A1": [0, 2]})
    close(by_year(res.values)[2020], [30, 40, 50])
    assert res.learned == {"low": 0.0, "high": 2.0, "source": "methodology bounds"}


def test_goalposts_frozen_at_base_year():
    # B1 has no goalposts. Base year 2020: 5 10 15 -> low 5, high 15 (learned)
    # 2020: 0, 50, 100; 2021: 20 -> 150 -> clipped 100; 10 -> 50; 0 -> -50 -> clipped 0
    res = run("goalposts", "B1", panel([5, 10, 15], [20, 10, 0]), base_year=2020)
    got = by_year(res.values)
    close(got[2020], [0, 50, 100])
    close(got[2021], [100, 50, 0])
    assert res.learned == {"low": 5.0, "high": 15.0, "source": "frozen at base year 2020"}


def test_goalposts_frozen_then_fed_back_scores_identically():
    first = run("goalposts", "B1", panel([5, 10, 15], [20, 10, 0]), base_year=2020)
    learned = [first.learned["low"], first.learned["high"]]
    again = run("goalposts", "B1", panel([5, 10, 15], [20, 10, 0]), bounds={"B1": learned})
    pd.testing.assert_series_equal(first.values, again.values)


def test_goalposts_framework_wins_over_base_year():
    res = run("goalposts", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]), base_year=2020)
    assert res.learned["source"] == "framework goalposts"


def test_goalposts_missing_raise_naming_the_indicator():
    with pytest.raises(DataError, match=r"indicator B1 has no goalposts: .*bounds=\{'B1'"):
        run("goalposts", "B1", panel([5, 10, 15], [20, 10, 0]))


@pytest.mark.parametrize(
    ("y2020", "says"),
    [([5, NAN, NAN], "1 value"), ([7, 7, 7], "3 value\\(s\\) all equal")],
)
def test_goalposts_cannot_freeze_a_degenerate_base_year(y2020, says):
    with pytest.raises(DataError, match=f"indicator B1: cannot freeze goalposts at base year 2020: "
                                        f"{says}"):
        run("goalposts", "B1", panel(y2020, [20, 10, 0]), base_year=2020)


def test_goalposts_bad_bounds_raise():
    with pytest.raises(DataError, match=r"indicator A1: goalposts must satisfy low < high, got "
                                        r"\[1.0, 1.0\]"):
        run("goalposts", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]), bounds={"A1": [1, 1]})


def test_goalposts_bounds_naming_an_unknown_indicator_raise():
    # Bug fixed: a typo in bounds used to be ignored silently (A1 fell back to its framework
    # goalposts); now it is an error with a suggestion.
    with pytest.raises(MethodologyError,
                       match=r"bounds: 'A11' is not an indicator of toy \(did you mean 'A1'\?\)"):
        run("goalposts", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]), bounds={"A11": [0, 2]})


def test_goalposts_all_missing():
    res = run("goalposts", "B1", panel([NAN] * 3, [NAN] * 3))
    assert res.values.isna().all()
    assert res.learned == {"source": "no data"}


# -- zscore ------------------------------------------------------------------------------------
def test_zscore_sample_sd():
    # 2020: 0.6 0.8 1.0: mean 0.8, sample sd sqrt((0.04 + 0 + 0.04) / 2) = 0.2 -> -1, 0, 1
    # 2021: 0.9 0.7 0.8: mean 0.8, sd 0.1 -> 1, -1, 0
    got = by_year(run("zscore", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8])).values)
    close(got[2020], [-1, 0, 1])
    close(got[2021], [1, -1, 0])


def test_zscore_rescaled_and_direction_minus():
    # mean 50, sd 10; A2 is lower-is-better so z flips sign: 2020 0.6 0.8 1.0 -> 60, 50, 40
    got = by_year(run("zscore", "A2", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]),
                      mean=50, sd=10).values)
    close(got[2020], [60, 50, 40])


# -- rank, percentile_rank -------------------------------------------------------------------------
def test_rank_with_ties():
    # 2020: 3 1 3 -> 1 = worst; the tied 3s share ranks 2 and 3 -> 2.5
    got = by_year(run("rank", "A1", panel([3, 1, 3], [1, 2, 3])).values)
    close(got[2020], [2.5, 1, 2.5])
    close(got[2021], [1, 2, 3])
    got = by_year(run("rank", "A2", panel([3, 1, 3], [1, 2, 3])).values)  # lower is better
    close(got[2020], [1.5, 3, 1.5])


def test_percentile_rank():
    # 2020: 3 1 3 -> ranks 2.5 1 2.5 -> 100 * (r - 1) / (3 - 1) = 75, 0, 75
    got = by_year(run("percentile_rank", "A1", panel([3, 1, 3], [1, 2, 3])).values)
    close(got[2020], [75, 0, 75])
    close(got[2021], [0, 50, 100])
    # one district present in a year: no spread, undefined
    got = by_year(run("percentile_rank", "A1", panel([3, NAN, NAN], [1, 2, 3])).values)
    assert all(math.isnan(v) for v in got[2020])


def test_rank_borda_and_percentile_rank_with_coinr_min_ties():
    # 2020: 3 1 3 -> R's rank(ties = "min"): 2 1 2; Borda = rank - 1: 1 0 1;
    # COINr n_prank = (rank - 1) / (n - 1): 0.5 0 0.5
    x = panel([3, 1, 3], [1, 2, 3])
    close(by_year(run("rank", "A1", x, ties="min").values)[2020], [2, 1, 2])
    close(by_year(run("borda", "A1", x).values)[2020], [1, 0, 1])
    close(by_year(run("borda", "A1", x).values)[2021], [0, 1, 2])
    close(by_year(run("percentile_rank", "A1", x, ties="min", scale=1).values)[2020], [0.5, 0, 0.5])
    close(by_year(run("borda", "A2", x).values)[2020], [0, 2, 0])  # lower is better: 1 is best
    with pytest.raises(MethodologyError, match="ties must be one of"):
        run("borda", "A1", x, ties="middle")


def test_fracmax():
    # 2020: 2 4 8 -> x / 8 * 100 = 25 50 100; 2021 maximum 0: undefined, with a reason
    res = run("fracmax", "A1", panel([2, 4, 8], [0, 0, 0]))
    close(by_year(res.values)[2020], [25, 50, 100])
    assert all(math.isnan(v) for v in by_year(res.values)[2021])
    assert set(res.reasons[res.reasons.notna()]) == {"maximum of the year is not positive"}
    close(by_year(run("fracmax", "A1", panel([2, 4, 8], [1, 1, 2]), scale=1).values)[2021], [0.5, 0.5, 1])
    with pytest.raises(MethodologyError, match="A2 is − .*use minmax"):
        run("fracmax", "A2", panel([2, 4, 8], [1, 1, 2]))


def test_dist2max():
    # 2020: 2 4 8 -> 1 - (8 - x) / (8 - 2): 0, 1/3, 1 (x 100); 2021 constant: undefined, warned
    with pytest.warns(ConstantIndicatorWarning, match="A1"):
        res = run("dist2max", "A1", panel([2, 4, 8], [5, 5, 5]))
    close(by_year(res.values)[2020], [0, 100 / 3, 100])
    assert all(math.isnan(v) for v in by_year(res.values)[2021])
    # lower is better (A2): negated 2020 values -2 -4 -8: max -2, min -8 -> 1, 2/3, 0
    close(by_year(run("dist2max", "A2", panel([2, 4, 8], [1, 2, 3]), scale=1).values)[2020], [1, 2 / 3, 0])


def test_dist2ref():
    # reference b. 2020: 2 4 8, ref 4, min 2 -> 1 - (4 - x) / (4 - 2): 0, 1, 3 (capped: 0, 1, 1)
    x = panel([2, 4, 8], [6, NAN, 3])
    res = run("dist2ref", "A1", x, reference="b", scale=1)
    close(by_year(res.values)[2020], [0, 1, 3])
    close(by_year(run("dist2ref", "A1", x, reference="b", cap=True, scale=1).values)[2020], [0, 1, 1])
    # 2021: b has no value -> the year is undefined, with the reason
    assert all(math.isnan(v) for v in by_year(res.values)[2021])
    assert res.reasons[("a", 2021)] == "reference district b has no value in the year"
    assert res.learned == {"reference": "b"}
    with pytest.raises(MethodologyError, match="reference district 'bb' is not in the data.*'b'"):
        run("dist2ref", "A1", x, reference="bb")


# -- distance_to_target ------------------------------------------------------------------------
def test_distance_to_target_from_the_scoring_rule():
    # A1's target is its scoring rule's 0.9. 2020: min 0.6 -> (x - 0.6) / 0.3:
    # 0.6 -> 0; 0.8 -> 66.67; 1.0 -> 133 -> capped 100
    res = run("distance_to_target", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]))
    close(by_year(res.values)[2020], [0, 200 / 3, 100])
    assert res.learned == {"target": 0.9}


def test_distance_to_target_without_cap_and_given_targets():
    res = run("distance_to_target", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]),
              targets={"A1": 0.8}, cap=False)
    close(by_year(res.values)[2020], [0, 100, 200])  # (1.0 - 0.6) / 0.2 = 2


def test_distance_to_target_direction_minus():
    # A2, target 0.05, lower is better. 2020: 0.1 0.2 0.4 -> (max - x) / (max - target)
    # = (0.4 - x) / 0.35: 0.3/0.35 = 85.71, 0.2/0.35 = 57.14, 0
    res = run("distance_to_target", "A2", panel([0.1, 0.2, 0.4], [0.1, 0.2, 0.4]),
              targets={"A2": 0.05})
    close(by_year(res.values)[2020], [100 * 0.3 / 0.35, 100 * 0.2 / 0.35, 0])


def test_distance_to_target_everyone_on_target_scores_100():
    # Bug fixed: when the year's minimum already meets the target the ratio is 0/0 or negative;
    # it used to give NaN for every district. With the cap, on or beyond target is 100.
    res = run("distance_to_target", "A1", panel([0.95, 0.97, 0.9], [0.9, 0.6, 0.9]))
    close(by_year(res.values)[2020], [100, 100, 100])
    close(by_year(res.values)[2021], [100, 0, 100])


def test_distance_to_target_without_target_raises():
    with pytest.raises(DataError, match="indicator A2 has no target"):
        run("distance_to_target", "A2", panel([0.1, 0.2, 0.4], [0.1, 0.2, 0.4]))


def test_distance_to_target_unknown_code_raises():
    with pytest.raises(MethodologyError, match=r"targets: 'A9' is not an indicator of toy"):
        run("distance_to_target", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]),
            targets={"A9": 0.8})


# -- scoring_rules -----------------------------------------------------------------------------
def test_scoring_rules_target_linear():
    # A1: target 0.9, zero at 0.5: 0.6 -> 25, 0.8 -> 75, 1.0 -> 100; 0.4 -> 0, 0.7 -> 50
    res = run("scoring_rules", "A1", panel([0.6, 0.8, 1.0], [0.4, 0.7, NAN]))
    got = by_year(res.values)
    close(got[2020], [25, 75, 100])
    close(got[2021][:2], [0, 50])
    assert math.isnan(got[2021][2])
    assert res.learned == {"rule": "target_linear", "target": 0.9, "zero_at": 0.5}
    assert res.reasons is None


def test_scoring_rules_due_year():
    # B3 is all-or-nothing at 100 %, due 2021: 2020 is "not yet due" (missing, not failed)
    res = run("scoring_rules", "B3", panel([1.0, 0.5, 1.0], [1.0, 0.98, NAN]))
    got = by_year(res.values)
    assert all(math.isnan(v) for v in got[2020])
    close(got[2021][:2], [100, 0])
    assert by_year(res.reasons)[2020] == ["not yet due (due 2021)"] * 3
    assert by_year(res.reasons)[2021] == [None] * 3


def test_scoring_rules_basis_scores_the_named_figure():
    # A2 scores the count `lost` (deduct 0.5 per case lost, cap 1.2, worth 2 points), not the rate:
    # 0 lost -> 100; 1 -> 0.5 lost -> 75; 3 -> 1.5 capped 1.2 -> 100 * 0.8 / 2 = 40
    figures = pd.DataFrame({"lost": panel([0, 1, 3], [2, 0, 5])})
    rate = panel([0.0, 0.01, 0.03], [0.02, 0.0, NAN])  # where the rate is missing, no score
    got = by_year(run("scoring_rules", "A2", rate, figures=figures).values)
    close(got[2020], [100, 75, 40])
    close(got[2021][:2], [50, 100])  # 2 lost -> 1.0 -> 100 * 1 / 2 = 50
    assert math.isnan(got[2021][2])


def test_scoring_rules_without_a_rule_raises():
    data = toy_framework_dict()
    del data["nodes"][2]["scoring"]
    fw = toy_framework(data)
    with pytest.raises(DataError, match="indicator A1 has no 'scoring' rule in framework toy"):
        run("scoring_rules", "A1", panel([0.6, 0.8, 1.0], [0.9, 0.7, 0.8]), fw=fw)


def test_scoring_rules_on_the_district_framework():
    from indicators.framework import load_framework

    from .test_framework import DISTRICT

    fw = load_framework(DISTRICT)
    # D2.1 stepped: >= 0.98 -> 100, >= 0.95 -> 80, >= 0.9 -> 60, else 0 (Jing'an 2020: 98.03 %)
    got = by_year(run("scoring_rules", "D2.1", panel([17948 / 18309, 0.96, 0.5],
                                                       [0.9, 0.95, 0.98]), fw=fw).values)
    close(got[2020], [100, 80, 0])
    close(got[2021], [60, 80, 100])


# --- checks added after the battery's "found but not fixed" list -----------------------------
def _ctx_for(values, years):
    from indicators.framework import load_framework
    from indicators.normalise import NormContext
    from tests.conftest import ROOT

    fw = load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")
    idx = pd.RangeIndex(len(values))
    return pd.Series(values, index=idx, dtype=float), NormContext(
        fw.nodes["D2.4"], pd.Series(years, index=idx), pd.DataFrame(index=idx), fw
    )


def test_zscore_constant_year_warns_and_gives_a_reason():
    from indicators.errors import ConstantIndicatorWarning
    from indicators.normalise import zscore

    x, ctx = _ctx_for([5.0, 5.0, 1.0, 3.0], [2020, 2020, 2021, 2021])
    with pytest.warns(ConstantIndicatorWarning, match="D2.4 is constant within year"):
        out = zscore(x, ctx)
    assert out.values.iloc[:2].isna().all()
    assert list(out.reasons.iloc[:2]) == ["constant within year"] * 2
    # 2021: mean 2, sample sd sqrt(((1-2)^2 + (3-2)^2) / 1) = sqrt(2) -> z = -1/sqrt(2), +1/sqrt(2)
    assert out.values.iloc[2] == pytest.approx(-1 / np.sqrt(2))
    assert out.values.iloc[3] == pytest.approx(1 / np.sqrt(2))


def test_percentile_rank_single_district_gives_a_reason():
    from indicators.normalise import percentile_rank

    x, ctx = _ctx_for([7.0, 1.0, 2.0], [2020, 2021, 2021])
    out = percentile_rank(x, ctx)
    assert np.isnan(out.values.iloc[0])
    assert out.reasons.iloc[0] == "only one district with data in the year"
    assert list(out.values.iloc[1:]) == [0.0, 100.0]


@pytest.mark.parametrize("name", ["minmax", "goalposts"])
def test_reversed_output_scale_is_an_error(name):
    from indicators.errors import DataError
    from indicators.normalise import NORMALISERS

    x, ctx = _ctx_for([1.0, 2.0], [2020, 2020])
    with pytest.raises(DataError, match="lower < upper"):
        NORMALISERS.get(name).func(x, ctx, **NORMALISERS.get(name).bind({"lower": 100, "upper": 0}))


def test_dist2ref_through_the_pipeline_knows_each_rows_district():
    """build_index gives normalisers the district of each row: D03 scores 100 on every + indicator."""
    from indicators import Methodology
    from indicators.testing import toy_result

    res = toy_result(methodology=Methodology(name="ref").replace(
        normalise={"method": "dist2ref", "params": {"reference": "D03", "cap": True}}))
    ref = res.normalised.xs("D03", level="district")
    # where D03 itself has the year's worst value, the distance is undefined and says why
    worst = ref.isna()
    np.testing.assert_array_equal(ref.to_numpy()[~worst.to_numpy()], 100.0)
    why = res.indicator_source.xs("D03", level="district")[worst]
    assert worst.to_numpy().sum() >= 1
    assert set(why.stack().dropna()) == {"reference district D03 has the year's minimum"}
    assert (res.normalised.stack().dropna() <= 100).all()
    assert (res.explain["normalise"]["reference"] == "D03").all()
