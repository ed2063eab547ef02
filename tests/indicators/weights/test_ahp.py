"""Tests of indicators.weights.ahp: eigenvector weights, consistency ratio, group judgements, loader."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.errors import InconsistentJudgementsWarning, JudgementError
from indicators.weights.ahp import (
    RANDOM_INDEX_SAATY,
    ahp_weights,
    group_judgements,
    load_judgements,
    validate_judgements,
)

# --------------------------------------------------------------------------------------------
# published worked example


SAATY_1990_HOUSE = [
    "1 5 3 7 6 6 1/3 1/4",
    "1/5 1 1/3 5 3 3 1/5 1/7",
    "1/3 3 1 6 3 4 6 1/5",
    "1/7 1/5 1/6 1 1/3 1/4 1/7 1/8",
    "1/6 1/3 1/3 3 1 1/2 1/5 1/6",
    "1/6 1/3 1/4 4 2 1 1/5 1/6",
    "3 5 1/6 7 5 5 1 1/2",
    "4 7 5 8 6 6 2 1",
]
HOUSE_ITEMS = [
    "size",
    "transport",
    "neighbourhood",
    "age",
    "yard",
    "modern",
    "condition",
    "financing",
]


def _house():
    return [[float(Fraction(v)) for v in row.split()] for row in SAATY_1990_HOUSE]


def test_saaty_1990_house_example():
    """Saaty (1990), "How to make a decision: the analytic hierarchy process", EJOR 48(1), 9-26,
    https://doi.org/10.1016/0377-2217(90)90057-I, house-buying example, comparison of the eight
    criteria: published priorities .173 .054 .188 .018 .031 .036 .167 .333, λmax = 9.669,
    C.I. = 0.238, C.R. = 0.169 (RI(8) = 1.41) -- inconsistent, so the warning fires.
    """
    with pytest.warns(InconsistentJudgementsWarning, match=r"CR = 0\.169 exceeds 0\.1"):
        res = ahp_weights(_house(), items=HOUSE_ITEMS)
    published = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    np.testing.assert_allclose(res.weights.to_numpy(), published, atol=5e-4)
    assert list(res.weights.index) == HOUSE_ITEMS
    assert res.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert res.ci == pytest.approx(0.238, abs=5e-4)
    assert res.ri == 1.41
    assert res.cr == pytest.approx(0.169, abs=5e-4)
    assert not res.consistent
    # independent check to machine precision: power iteration on A (Perron vector)
    a = np.array(_house())
    v = np.ones(8)
    for _ in range(500):
        v = a @ v
        v /= v.sum()
    np.testing.assert_allclose(res.weights.to_numpy(), v, atol=1e-12)
    assert res.lambda_max == pytest.approx(float((a @ v)[0] / v[0]), abs=1e-10)


def test_three_by_three_closed_form():
    """For n = 3 the principal eigenvector is the row geometric mean and
    λmax = 1 + c^(1/3) + c^(-1/3) with c = a13 / (a12 a23) (Crawford & Williams 1985,
    J. Math. Psych. 29(4), 387-405, https://doi.org/10.1016/0022-2496(85)90002-1).
    """
    # A = [[1, 2, 8], [1/2, 1, 2], [1/8, 1/2, 1]]
    # row geometric means: 16^(1/3) = 2.519842, 1, (1/16)^(1/3) = 0.396850; sum 3.916692
    # weights: 2.519842 / 3.916692 = 0.643360, 1 / 3.916692 = 0.255317, 0.101323
    # c = 8 / (2·2) = 2; λmax = 1 + 1.259921 + 0.793701 = 3.053622
    # CI = 0.053622 / 2 = 0.026811; CR = 0.026811 / 0.58 = 0.046226
    a = [[1, 2, 8], [0.5, 1, 2], [0.125, 0.5, 1]]
    res = ahp_weights(a, items=["x", "y", "z"])
    g = np.array([16 ** (1 / 3), 1.0, (1 / 16) ** (1 / 3)])
    np.testing.assert_allclose(res.weights.to_numpy(), g / g.sum(), atol=1e-12)
    np.testing.assert_allclose(res.weights.to_numpy(), [0.643360, 0.255317, 0.101323], atol=1e-6)
    lam = 1 + 2 ** (1 / 3) + 2 ** (-1 / 3)
    assert res.lambda_max == pytest.approx(lam, abs=1e-12)
    assert res.ci == pytest.approx((lam - 3) / 2, abs=1e-12)
    assert res.cr == pytest.approx((lam - 3) / 2 / 0.58, abs=1e-12)
    assert res.cr == pytest.approx(0.046226, abs=1e-6)
    assert res.consistent
    assert res.explain()["n"] == 3


def test_consistent_matrix_recovers_weights_exactly():
    # w = (6, 3, 2, 1) / 12; a_ij = w_i / w_j -> λmax = n, CI = CR = 0
    w = np.array([6.0, 3.0, 2.0, 1.0]) / 12
    a = pd.DataFrame(w[:, None] / w[None, :], index=list("abcd"), columns=list("abcd"))
    res = ahp_weights(a)
    np.testing.assert_allclose(res.weights.to_numpy(), [0.5, 0.25, 1 / 6, 1 / 12], atol=1e-14)
    assert res.lambda_max == pytest.approx(4.0, abs=1e-12)
    assert res.cr == pytest.approx(0.0, abs=1e-12)
    assert list(res.weights.index) == list("abcd")


def test_small_matrices():
    one = ahp_weights([[1]], items=["only"])
    assert one.weights.to_dict() == {"only": 1.0} and one.cr == 0.0
    two = ahp_weights([[1, 3], ["1/3", 1]], items=["p", "q"])
    np.testing.assert_allclose(two.weights.to_numpy(), [0.75, 0.25], atol=1e-14)
    assert two.cr == 0.0 and two.ri == 0.0


def test_random_index_table():
    # Saaty (1980) table
    assert [RANDOM_INDEX_SAATY[n] for n in range(1, 16)] == [
        0,
        0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
        1.51,
        1.48,
        1.56,
        1.57,
        1.59,
    ]


def test_custom_threshold_and_random_index():
    a = [[1, 2, 8], [0.5, 1, 2], [0.125, 0.5, 1]]  # CI = 0.026811 (above)
    with pytest.warns(InconsistentJudgementsWarning, match="exceeds 0.04"):
        ahp_weights(a, cr_threshold=0.04)
    res = ahp_weights(a, random_index=0.5247)
    assert res.cr == pytest.approx(0.026811 / 0.5247, abs=1e-5)


# --------------------------------------------------------------------------------------------
# validation errors


def test_reciprocal_violation_names_row_and_column():
    a = [[1, 3, 5], [3, 1, 2], [0.2, 0.5, 1]]
    with pytest.raises(
        JudgementError, match=r"a\[B, A\] = 3 is not the reciprocal of a\[A, B\] = 3"
    ):
        validate_judgements(a, items=["A", "B", "C"])


@pytest.mark.parametrize(
    "matrix, match",
    [
        ([[1, 2, 3], [0.5, 1, 2]], r"must be square, got shape \(2, 3\)"),
        ([[2, 2], [0.5, 1]], r"diagonal a\[0, 0\] = 2 must be 1"),
        ([[1, 12], [1 / 12, 1]], r"a\[0, 1\] = 12 is outside Saaty's scale 1/9..9"),
        ([[1, "lots"], [0.5, 1]], r"a\[0, 1\] = 'lots' is not a number or fraction"),
        ([[1, -2], [-0.5, 1]], r"a\[0, 1\] = -2.0 must be a positive finite number"),
        ([[1, np.nan], [1, 1]], r"a\[0, 1\] = nan must be a positive finite number"),
        ([], r"must be square"),
    ],
)
def test_validation_errors(matrix, match):
    with pytest.raises(JudgementError, match=match):
        validate_judgements(matrix)


def test_validation_collects_every_problem_and_accepts_rounded_reciprocals():
    bad = [[1, 3, 20], [3, 1, 2], [0.05, 0.5, 2]]
    with pytest.raises(JudgementError, match="4 problems"):
        validate_judgements(bad, items=list("abc"), where="f.yaml, parent 'D1': ")
    ok = validate_judgements([[1, 3], [0.333, 1]])  # 3 · 0.333 = 0.999, within 0.01
    assert ok.iloc[1, 0] == 0.333
    with pytest.raises(JudgementError, match="not the reciprocal"):
        validate_judgements([[1, 3], [0.333, 1]], reciprocal_tol=1e-4)


def test_label_errors():
    df = pd.DataFrame([[1, 2], [0.5, 1]], index=["a", "b"], columns=["b", "a"])
    with pytest.raises(JudgementError, match="row labels .* differ from column labels"):
        validate_judgements(df)
    with pytest.raises(JudgementError, match=r"3 items for a 2x2 matrix"):
        validate_judgements([[1, 2], [0.5, 1]], items=["a", "b", "c"])
    with pytest.raises(JudgementError, match=r"duplicate item labels \['a'\]"):
        validate_judgements([[1, 2], [0.5, 1]], items=["a", "a"])
    good = pd.DataFrame([[1, 2], [0.5, 1]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(JudgementError, match="items .* differ from the labels"):
        validate_judgements(good, items=["b", "a"])
    with pytest.raises(JudgementError, match=r"reciprocal_tol must be in \[0, 1\)"):
        validate_judgements(good, reciprocal_tol=2)


def test_parameter_errors():
    with pytest.raises(JudgementError, match="cr_threshold must be a number >= 0"):
        ahp_weights([[1]], cr_threshold=-1)
    with pytest.raises(JudgementError, match="random_index must be positive"):
        ahp_weights([[1]], random_index=0)
    big = np.ones((16, 16))
    with pytest.raises(JudgementError, match=r"no random index for n = 16 .*random_index="):
        ahp_weights(big)
    assert ahp_weights(big, random_index=1.6).cr == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------------------------
# group judgements (Aczél & Saaty 1983: element-wise geometric mean)


def test_group_geometric_mean_hand_worked():
    # expert A: a12 = 3, a13 = 9, a23 = 2;  expert B: a12 = 1/3, a13 = 1, a23 = 8
    # equal weights: a12 = √(3 · 1/3) = 1, a13 = √9 = 3, a23 = √16 = 4
    ea = [[1, 3, 9], [1 / 3, 1, 2], [1 / 9, 1 / 2, 1]]
    eb = [[1, 1 / 3, 1], [3, 1, 8], [1, 1 / 8, 1]]
    g = group_judgements({"A": ea, "B": eb}, items=list("xyz"))
    expected = [[1, 1, 3], [1, 1, 4], [1 / 3, 1 / 4, 1]]
    np.testing.assert_allclose(g.to_numpy(), expected, atol=1e-14)
    assert list(g.index) == list("xyz")
    # weights 3 : 1 -> a13 = 9^0.75 · 1^0.25 = 3^1.5 = 5.196152; a12 = 3^0.75 · 3^-0.25 = √3
    gw = group_judgements([ea, eb], expert_weights=[3, 1])
    assert gw.iloc[0, 2] == pytest.approx(3**1.5, abs=1e-12)
    assert gw.iloc[0, 1] == pytest.approx(math.sqrt(3), abs=1e-12)
    assert gw.iloc[2, 0] == pytest.approx(3**-1.5, abs=1e-12)
    gm = group_judgements({"A": ea, "B": eb}, expert_weights={"B": 1, "A": 3})
    np.testing.assert_allclose(gm.to_numpy(), gw.to_numpy(), atol=1e-14)


def test_group_errors():
    ea = [[1, 3], [1 / 3, 1]]
    with pytest.raises(JudgementError, match="at least one matrix"):
        group_judgements([])
    with pytest.raises(JudgementError, match=r"expert B: a\[1, 0\] = 3 is not the reciprocal"):
        group_judgements({"A": ea, "B": [[1, 3], [3, 1]]})
    da = pd.DataFrame(ea, index=["p", "q"], columns=["p", "q"])
    db = pd.DataFrame(ea, index=["q", "p"], columns=["q", "p"])
    with pytest.raises(JudgementError, match=r"expert 2: items \['q', 'p'\] differ"):
        group_judgements([da, db])
    with pytest.raises(JudgementError, match="1 expert weights for 2 matrices"):
        group_judgements([ea, ea], expert_weights=[1])
    with pytest.raises(JudgementError, match="non-negative and not all 0"):
        group_judgements([ea, ea], expert_weights=[1, -1])
    with pytest.raises(JudgementError, match="must be numbers"):
        group_judgements([ea, ea], expert_weights=["a", 1])
    with pytest.raises(JudgementError, match="keys .* must match the experts"):
        group_judgements({"A": ea, "B": ea}, expert_weights={"A": 1, "C": 1})


# --------------------------------------------------------------------------------------------
# properties


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(1.0, 3.0), min_size=3, max_size=9), st.randoms(use_true_random=False))
def test_consistent_matrices_property(w, rnd):
    w = np.array(w) / sum(w)
    a = w[:, None] / w[None, :]
    res = ahp_weights(a)
    np.testing.assert_allclose(res.weights.to_numpy(), w, atol=1e-10)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    # permutation equivariance
    perm = list(range(len(w)))
    rnd.shuffle(perm)
    res_p = ahp_weights(a[np.ix_(perm, perm)])
    np.testing.assert_allclose(res_p.weights.to_numpy(), res.weights.to_numpy()[perm], atol=1e-10)


SCALE = [Fraction(1, k) for k in range(9, 1, -1)] + [Fraction(k) for k in range(1, 10)]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(3, 8).flatmap(
        lambda n: st.lists(
            st.sampled_from(SCALE), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2
        ).map(lambda u: (n, u))
    )
)
def test_random_reciprocal_matrices_property(nu):
    n, upper = nu
    a = np.ones((n, n))
    it = iter(upper)
    for i in range(n):
        for j in range(i + 1, n):
            v = float(next(it))
            a[i, j], a[j, i] = v, 1 / v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InconsistentJudgementsWarning)
        res = ahp_weights(a)
    assert res.lambda_max >= n - 1e-9  # Saaty: λmax >= n for positive reciprocal matrices
    assert np.all(res.weights > 0) and res.weights.sum() == pytest.approx(1.0, abs=1e-12)
    g = group_judgements([a, a.T])  # an expert and its opposite cancel out to all ones
    np.testing.assert_allclose(g.to_numpy(), np.ones((n, n)), atol=1e-12)


# --------------------------------------------------------------------------------------------
# judgement files


YAML_OK = """\
judgements:
  - parent: D1
    items: [D1.1, D1.2, D1.3]
    matrix:
      - [1, 2, 8]
      - [1/2, 1, 2]
      - [1/8, 1/2, 1]
  - parent: D2
    items: [D2.1, D2.2, D2.3]
    upper: [2, 8, 2]
  - parent: D3
    items: [a, b]
    experts:
      e1: {upper: [3]}
      e2: {upper: [1/3]}
"""


def test_load_yaml(tmp_path):
    p = tmp_path / "judgements.yaml"
    p.write_text(YAML_OK, encoding="utf-8")
    js = load_judgements(p)
    assert list(js) == ["D1", "D2", "D3"]
    np.testing.assert_allclose(js["D1"].matrix.to_numpy(), js["D2"].matrix.to_numpy(), atol=1e-15)
    assert list(js["D2"].matrix.index) == ["D2.1", "D2.2", "D2.3"]
    assert js["D2"].matrix.loc["D2.3", "D2.1"] == 0.125
    assert js["D1"].items == ("D1.1", "D1.2", "D1.3") and js["D1"].source == str(p)
    assert set(js["D3"].experts) == {"e1", "e2"}
    np.testing.assert_allclose(js["D3"].matrix.to_numpy(), np.ones((2, 2)), atol=1e-15)
    w = ahp_weights(js["D1"].matrix).weights
    assert list(w.index) == ["D1.1", "D1.2", "D1.3"]


def test_load_single_entry_and_csv(tmp_path):
    p = tmp_path / "one.yml"
    p.write_text("parent: P\nitems: [x, y]\nupper: ['1/4']\n", encoding="utf-8")
    assert load_judgements(p)["P"].matrix.loc["y", "x"] == 4.0
    c = tmp_path / "D4.csv"
    c.write_text(",u,v,w\nu,1,3,1/2\nv,1/3,1,1/6\nw,2,6,1\n", encoding="utf-8")
    js = load_judgements(c)
    assert list(js) == ["D4"]
    res = ahp_weights(js["D4"].matrix)
    np.testing.assert_allclose(res.weights.to_numpy(), [0.3, 0.1, 0.6], atol=1e-14)


@pytest.mark.parametrize(
    "text, match",
    [
        (
            "judgements:\n  - parent: D1\n    items: [a, b]\n    upper: [3]\n    wieght: 1\n",
            r"entry 1: unknown key\(s\) \['wieght'\]",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b, c]\n"
            "    matrix: [[1, 2, 3], [1/2, 1], [1/3, 1, 1]]\n",
            r"parent 'D1'\): row 'b' has 2 values, expected 3",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b, c]\n    upper: [2, 3]\n",
            r"'upper' must list the 3 values above the diagonal",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b]\n    upper: [3]\n"
            "  - parent: D1\n    items: [a, b]\n    upper: [2]\n",
            r"entry 2: parent 'D1' appears twice",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b, c]\n    upper: [2, x, 3]\n",
            r"parent 'D1'\): a\[a, c\] = 'x' is not a number",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b]\n    matrix: [[1, 3], [3, 1]]\n",
            r"parent 'D1'\): a\[b, a\] = 3 is not the reciprocal",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b]\n",
            r"give exactly one of 'matrix' or 'upper'",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b]\n    upper: [3]\n    experts: {}\n",
            r"either 'experts' or 'matrix'/'upper'",
        ),
        (
            "judgements:\n  - parent: D1\n    items: [a, b]\n    experts: {e1: {upper: [30]}}\n",
            r"expert 'e1': a\[a, b\] = 30 is outside",
        ),
        ("judgements:\n  - parent: D1\n    items: [a, a]\n    upper: [3]\n", "duplicate items"),
        ("judgements:\n  - items: [a, b]\n    upper: [3]\n", "'parent' must be a non-empty"),
        ("judgements:\n  - parent: D1\n    items: a\n    upper: [3]\n", "'items' must be"),
        ("judgements: []\n", "expected a non-empty list"),
        ("judgements: [\n", "not valid YAML"),
    ],
)
def test_load_errors(tmp_path, text, match):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(JudgementError, match=match) as info:
        load_judgements(p)
    assert p.name in str(info.value)  # the full path, or the name and line for YAML errors


def test_load_file_errors(tmp_path):
    with pytest.raises(JudgementError, match="does not exist"):
        load_judgements(tmp_path / "missing.yaml")
    p = tmp_path / "j.json"
    p.write_text("{}", encoding="utf-8")
    with pytest.raises(JudgementError, match="unsupported judgement file type '.json'"):
        load_judgements(p)
    c = tmp_path / "D5.csv"
    c.write_text(",u,v\nv,1,3\nu,1/3,1\n", encoding="utf-8")
    with pytest.raises(JudgementError, match="must list the same items in the same order"):
        load_judgements(c)
    c.write_text(",u,v\nu,1,3\nv,3,1\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=r"D5.csv \(parent 'D5'\): .*a\[v, u\] = 3"):
        load_judgements(c)
