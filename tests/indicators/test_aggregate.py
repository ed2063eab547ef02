"""Aggregators and missing-data policies, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from indicators.aggregate import (
    AGGREGATORS,
    MISSING_POLICIES,
    arithmetic,
    generalised,
    geometric,
    harmonic,
    skip,
    strict,
)
from indicators.errors import DataError

NAN = float("nan")


def rows(*r: list[float]) -> np.ndarray:
    return np.array(r, dtype=float)


def w(*v: float) -> np.ndarray:
    return np.array(v, dtype=float)


def test_registries():
    # at least these (methods registered later are covered by the contract tests)
    assert {"arithmetic", "generalised", "geometric", "harmonic"} <= set(AGGREGATORS)
    assert {"skip", "strict"} <= set(MISSING_POLICIES)


# -- means, by hand ------------------------------------------------------------------------------
def test_arithmetic():
    # 0.5*50 + 0.3*80 + 0.2*20 = 25 + 24 + 4 = 53 ; second row: 0.5*100 + 0 + 0.2*0 = 50
    out = arithmetic(rows([50, 80, 20], [100, 0, 0]), w(0.5, 0.3, 0.2))
    np.testing.assert_allclose(out, [53, 50])


def test_arithmetic_with_unnormalised_weights():
    # points 6 and 4: (6*50 + 4*100) / 10 = 70
    np.testing.assert_allclose(arithmetic(rows([50, 100]), w(6, 4)), [70])


def test_geometric():
    # sqrt(16 * 81) = 4 * 9 = 36 ; 16^0.25 * 81^0.75 = 2 * 27 = 54
    np.testing.assert_allclose(geometric(rows([16, 81]), w(0.5, 0.5)), [36])
    np.testing.assert_allclose(geometric(rows([16, 81]), w(0.25, 0.75)), [54])


def test_geometric_zero_gives_zero_unless_its_weight_is_zero():
    np.testing.assert_allclose(geometric(rows([0, 81]), w(0.5, 0.5), zeros="zero"), [0])
    np.testing.assert_allclose(geometric(rows([0, 81]), w(0.0, 1.0)), [81])


def test_harmonic():
    # 1 / (0.5/20 + 0.5/80) = 1 / (0.025 + 0.00625) = 1 / 0.03125 = 32
    # 1 / (0.2/20 + 0.8/80) = 1 / (0.01 + 0.01) = 50
    np.testing.assert_allclose(harmonic(rows([20, 80]), w(0.5, 0.5)), [32])
    np.testing.assert_allclose(harmonic(rows([20, 80]), w(0.2, 0.8)), [50])
    np.testing.assert_allclose(harmonic(rows([0, 80]), w(0.5, 0.5), zeros="zero"), [0])  # a zero -> 0


def test_generalised_p2():
    # sqrt((0.5*10^2 + 0.5*70^2)) = sqrt((100 + 4900) / 2) = sqrt(2500) = 50
    np.testing.assert_allclose(generalised(rows([10, 70]), w(0.5, 0.5), p=2), [50])


def test_generalised_p_minus_1_is_harmonic_and_p_1_is_arithmetic():
    x, wt = rows([20, 80], [35, 35], [5, 60]), w(0.5, 0.5)
    np.testing.assert_allclose(generalised(x, wt, p=-1), [32, 35, 1 / (0.1 + 0.5 / 60)])
    np.testing.assert_allclose(generalised(x, wt, p=-1), harmonic(x, wt))
    np.testing.assert_allclose(generalised(x, wt, p=1), [50, 35, 32.5])
    np.testing.assert_allclose(generalised(x, wt, p=1), arithmetic(x, wt))


def test_generalised_p0_raises():
    with pytest.raises(DataError, match="p = 0 is the geometric mean; choose .* 'geometric'"):
        generalised(rows([1, 2]), w(0.5, 0.5), p=0)


@pytest.mark.parametrize(
    ("func", "params", "name"),
    [
        (geometric, {}, "geometric"),
        (harmonic, {}, "harmonic"),
        (generalised, {"p": 2}, "generalised"),
    ],
)
def test_negative_scores_raise(func, params, name):
    with pytest.raises(DataError, match=f"{name} aggregation needs non-negative scores, found -1"):
        func(rows([50, -1]), w(0.5, 0.5), **params)


def test_arithmetic_accepts_negative_scores():
    # z-scores: 0.5*(-1) + 0.5*0.5 = -0.25
    np.testing.assert_allclose(arithmetic(rows([-1, 0.5]), w(0.5, 0.5)), [-0.25])


# -- missing values: skipped, weights rescaled over present children ---------------------------
def test_arithmetic_skips_missing_and_rescales():
    # (0.5*50 + 0.2*20) / (0.5 + 0.2) = 29 / 0.7 = 41.428571...
    np.testing.assert_allclose(arithmetic(rows([50, NAN, 20]), w(0.5, 0.3, 0.2)), [29 / 0.7])


def test_geometric_harmonic_generalised_skip_missing():
    # present 16 (w 0.25) and 81 (w 0.75), weights already sum to 1 -> 54
    np.testing.assert_allclose(geometric(rows([16, NAN, 81]), w(0.25, 0.5, 0.75)), [54])
    # present 20 and 80 with w 0.1 each -> rescaled to 0.5, 0.5 -> 32
    np.testing.assert_allclose(harmonic(rows([20, NAN, 80]), w(0.1, 0.8, 0.1)), [32])
    # p = 2 over 10 and 70 with equal weights -> 50
    np.testing.assert_allclose(generalised(rows([10, NAN, 70]), w(0.1, 0.8, 0.1), p=2), [50])


@pytest.mark.parametrize("name", ["arithmetic", "geometric", "harmonic", "generalised"])
def test_all_missing_gives_missing(name):
    params = {"p": 2} if name == "generalised" else {}
    out = AGGREGATORS.get(name).func(rows([NAN, NAN], [10, NAN]), w(0.5, 0.5), **params)
    assert np.isnan(out[0])
    assert out[1] == pytest.approx(10)


# -- missing-data policies ---------------------------------------------------------------------
PRESENT = np.array([[True, True, False, False], [True, True, True, True],
                    [False, False, False, False], [False, False, True, True]])
WEIGHTS = w(0.4, 0.3, 0.2, 0.1)


def test_skip_by_count():
    # shares by count: 2/4 = 0.5, 1, 0, 0.5
    np.testing.assert_array_equal(skip(PRESENT, WEIGHTS, min_coverage=0.5),
                                  [True, True, False, True])
    np.testing.assert_array_equal(skip(PRESENT, WEIGHTS, min_coverage=0.6),
                                  [False, True, False, False])


def test_skip_by_weight():
    # shares by weight: 0.4+0.3 = 0.7, 1, 0, 0.2+0.1 = 0.3
    np.testing.assert_array_equal(skip(PRESENT, WEIGHTS, min_coverage=0.6, by="weight"),
                                  [True, True, False, False])
    np.testing.assert_array_equal(skip(PRESENT, WEIGHTS, min_coverage=0.3, by="weight"),
                                  [True, True, False, True])  # 0.3 >= 0.3 despite float noise
    np.testing.assert_array_equal(skip(PRESENT, WEIGHTS, min_coverage=0.75, by="weight"),
                                  [False, True, False, False])


def test_skip_needs_at_least_one_child():
    np.testing.assert_array_equal(skip(PRESENT, WEIGHTS), [True, True, False, True])


def test_skip_bad_by_raises():
    with pytest.raises(DataError, match="by must be 'count' or 'weight', got 'share'"):
        skip(PRESENT, WEIGHTS, by="share")


def test_strict():
    np.testing.assert_array_equal(strict(PRESENT, WEIGHTS), [False, True, False, False])
