"""评分细则 scoring rules, each checked by hand in both directions."""

from __future__ import annotations

import numpy as np
import pytest

from indicators.scoring import (
    SCORING_RULES,
    all_or_nothing,
    deduction,
    linear,
    target_linear,
    target_stepped,
)

NAN = float("nan")


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def test_registry_holds_the_five_rules():
    assert {"all_or_nothing", "deduction", "linear", "target_linear", "target_stepped"} <= set(
        SCORING_RULES
    )


# -- target_linear -----------------------------------------------------------------------------
def test_target_linear_higher_is_better():
    # D1.1: full at 0.9, zero at 0.4; 0.65 is half way: (0.65 - 0.4) / (0.9 - 0.4) = 0.5 -> 50
    s = target_linear(arr(0.3, 0.4, 0.65, 0.9, 0.95, NAN), 1, target=0.9, zero_at=0.4)
    np.testing.assert_allclose(s, [0, 0, 50, 100, 100, NAN])


def test_target_linear_lower_is_better():
    # D1.4: full at or below 0.05, zero at or above 0.3;
    # 0.175: (0.175 - 0.3) / (0.05 - 0.3) = -0.125 / -0.25 = 0.5 -> 50
    # 0.1:   (0.1 - 0.3) / -0.25 = 0.8 -> 80
    s = target_linear(arr(0.0, 0.05, 0.1, 0.175, 0.3, 0.4), -1, target=0.05, zero_at=0.3)
    np.testing.assert_allclose(s, [100, 100, 80, 50, 0, 0])


def test_target_linear_target_equal_zero_at_raises():
    with pytest.raises(ValueError, match="target and zero_at must differ"):
        target_linear(arr(0.5), 1, target=0.5, zero_at=0.5)


# -- linear ------------------------------------------------------------------------------------
def test_linear_higher_is_better():
    # D2.4 on [20, 250]: 66 -> (66 - 20) / 230 = 0.2 -> 20; 135 -> 115 / 230 = 0.5 -> 50
    s = linear(arr(10, 20, 66, 135, 250, 300, NAN), 1, lower=20, upper=250)
    np.testing.assert_allclose(s, [0, 0, 20, 50, 100, 100, NAN])


def test_linear_lower_is_better():
    # on [0, 20] with direction -: 5 -> 1 - 5/20 = 0.75 -> 75; 15 -> 1 - 0.75 -> 25
    s = linear(arr(-1, 0, 5, 15, 20, 25), -1, lower=0, upper=20)
    np.testing.assert_allclose(s, [100, 100, 75, 25, 0, 0])


@pytest.mark.parametrize(("lower", "upper"), [(5, 1), (3, 3)])
def test_linear_bad_bounds_raise(lower, upper):
    with pytest.raises(ValueError, match="lower must be below upper"):
        linear(arr(1), 1, lower=lower, upper=upper)


# -- target_stepped ----------------------------------------------------------------------------
STEPS = [[0.98, 100], [0.95, 80], [0.9, 60]]


def test_target_stepped_higher_is_better():
    # >= 0.98 -> 100, >= 0.95 -> 80, >= 0.9 -> 60, else below (0)
    s = target_stepped(arr(0.99, 0.98, 0.96, 0.95, 0.92, 0.9, 0.5, NAN), 1, steps=STEPS, below=0)
    np.testing.assert_allclose(s, [100, 100, 80, 80, 60, 60, 0, NAN])


def test_target_stepped_steps_in_any_order_and_below():
    s = target_stepped(arr(0.96, 0.1), 1, steps=list(reversed(STEPS)), below=10)
    np.testing.assert_allclose(s, [80, 10])


def test_target_stepped_lower_is_better():
    # reoffending rate: <= 0.01 -> 100, <= 0.05 -> 50, else 0
    s = target_stepped(arr(0.005, 0.01, 0.03, 0.05, 0.1), -1, steps=[[0.01, 100], [0.05, 50]])
    np.testing.assert_allclose(s, [100, 100, 50, 50, 0])


def test_target_stepped_tolerates_float_noise_at_a_threshold():
    # 0.1 + 0.2 = 0.30000000000000004 meets "<= 0.3"; 0.7 - 1e-15 meets ">= 0.7"
    assert target_stepped(arr(0.1 + 0.2), -1, steps=[[0.3, 100]])[0] == 100
    assert target_stepped(arr(0.7 - 1e-15), 1, steps=[[0.7, 100]])[0] == 100


def test_target_stepped_points_off_the_scale_raise():
    with pytest.raises(ValueError, match="0–100 scale"):
        target_stepped(arr(1), 1, steps=[[0.9, 120]])
    with pytest.raises(ValueError, match="0–100 scale"):
        target_stepped(arr(1), 1, steps=[[0.9, 100]], below=-5)


# -- deduction ---------------------------------------------------------------------------------
def test_deduction_brief_example():
    # "每少一次扣0.5分，累计扣分不超过1.2分", item worth 2 points, 10 required:
    # 7 done -> shortfall 3 -> 3 * 0.5 = 1.5, capped at 1.2 -> 100 * (2 - 1.2) / 2 = 40
    # 9 done -> shortfall 1 -> 0.5 lost -> 100 * 1.5 / 2 = 75
    # 10 or 12 done -> nothing lost -> 100
    s = deduction(arr(7, 9, 10, 12, NAN), 1, threshold=10, per_unit=0.5, cap=1.2, points=2)
    np.testing.assert_allclose(s, [40, 75, 100, 100, NAN])


def test_deduction_lower_is_better():
    # D5.4: "每发生1人脱管漏管扣0.5分，累计扣分不超过2分", item worth 2:
    # 1 absconder -> 0.5 lost -> 75; 3 -> 1.5 -> 25; 5 -> 2.5 capped at 2 -> 0
    s = deduction(arr(0, 1, 3, 5), -1, threshold=0, per_unit=0.5, cap=2, points=2)
    np.testing.assert_allclose(s, [100, 75, 25, 0])


def test_deduction_cap_above_points_never_scores_below_zero():
    # Bug fixed: cap 3 on a 2-point item, 3 short at 1 point each -> lost min(3, 3) = 3 > 2
    # used to give 100 * (2 - 3) / 2 = -50. An item cannot lose more than it is worth -> 0.
    s = deduction(arr(0, 2), 1, threshold=3, per_unit=1, cap=3, points=2)
    np.testing.assert_allclose(s, [0, 50])  # 2 done -> 1 lost -> 100 * 1 / 2 = 50


@pytest.mark.parametrize(
    "params",
    [
        {"threshold": 1, "per_unit": 0.5, "cap": 1, "points": 0},
        {"threshold": 1, "per_unit": 0.5, "cap": -1, "points": 2},
        {"threshold": 1, "per_unit": -0.5, "cap": 1, "points": 2},
    ],
)
def test_deduction_bad_parameters_raise(params):
    with pytest.raises(ValueError, match="points must be > 0, cap and per_unit >= 0"):
        deduction(arr(1), 1, **params)


# -- all_or_nothing ------------------------------------------------------------------------------
def test_all_or_nothing():
    # 全扣全得 at 100 %: 12/12 -> 100, 11/12 -> 0
    s = all_or_nothing(arr(12 / 12, 11 / 12, 0.999, NAN), 1, threshold=1.0)
    np.testing.assert_allclose(s, [100, 0, 0, NAN])
    s = all_or_nothing(arr(0, 0.01), -1, threshold=0)  # none allowed
    np.testing.assert_allclose(s, [100, 0])


def test_all_or_nothing_tolerates_float_noise():
    assert all_or_nothing(arr(1.0 - 1e-13), 1, threshold=1.0)[0] == 100


# -- NaN in, NaN out, for every rule ----------------------------------------------------------
RULE_PARAMS = {
    "target_linear": {"target": 0.9, "zero_at": 0.4},
    "linear": {"lower": 0, "upper": 1},
    "target_stepped": {"steps": STEPS},
    "deduction": {"threshold": 1, "per_unit": 0.5, "cap": 1.2, "points": 2},
    "all_or_nothing": {"threshold": 1.0},
}


def test_rule_params_cover_the_registry():
    assert sorted(RULE_PARAMS) == SCORING_RULES.names()


@pytest.mark.parametrize("name", sorted(RULE_PARAMS))
@pytest.mark.parametrize("direction", [1, -1])
def test_nan_in_nan_out(name, direction):
    out = SCORING_RULES.get(name).func(arr(NAN, 0.5), direction, **RULE_PARAMS[name])
    assert np.isnan(out[0]) and not np.isnan(out[1])
