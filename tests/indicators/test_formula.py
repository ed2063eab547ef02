"""Formulas: the parsing whitelist, the figures a formula reads, and evaluation checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.errors import FormulaError, IndicatorsError
from indicators.formula import FUNCTIONS, parse_formula

IDX = pd.RangeIndex(4)


def series(*values: float) -> pd.Series:
    return pd.Series(values, index=IDX[: len(values)], dtype=float)


def evaluate(text: str, **figures: pd.Series) -> tuple[list[float], list[object]]:
    index = pd.RangeIndex(len(next(iter(figures.values()))))
    formula = parse_formula(text)
    val, why = formula.evaluate(figures, index)
    # the array path (derive_indicators) must agree with the Series path on every hand-checked case
    arr, arr_why = formula.evaluate_arrays({k: v.to_numpy(dtype=float) for k, v in figures.items()}, len(index))
    assert np.array_equal(arr, val.to_numpy(), equal_nan=True)
    assert list(arr_why) == why.tolist()
    return val.tolist(), why.tolist()


# -- the whitelist -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("a.b", "Attribute"),
        ("a.b()", "calling Attribute 'a.b'"),
        ("os.system('rm')", "calling Attribute 'os.system'"),
        ("__import__('os')", "function '__import__' is not allowed"),
        ("lambda: 1", "Lambda"),
        ("a < b", "Compare"),
        ("a == b", "Compare"),
        ("a ** 2", "operator Pow"),
        ("a // b", "operator FloorDiv"),
        ("a % b", "operator Mod"),
        ("'x'", "constant 'x' is not a number"),
        ("a + 'x'", "constant 'x' is not a number"),
        ("True", "constant True is not a number"),
        ("None", "constant None is not a number"),
        ("foo(a)", "function 'foo' is not allowed"),
        ("eval('1')", "function 'eval' is not allowed"),
        ("sum(a, b=1)", "keyword arguments are not allowed in sum()"),
        ("sum(*a)", "Starred"),
        ("a[0]", "Subscript"),
        ("a and b", "BoolOp"),
        ("not a", "unary Not"),
        ("~a", "unary Invert"),
        ("a if b else c", "IfExp"),
        ("[a, b]", "List"),
        ("per10k(a, b)", r"per10k\(\) takes 1 argument"),
        ("sum()", r"sum\(\) takes one or more argument"),
    ],
)
def test_disallowed_construct_is_named(text, named):
    with pytest.raises(FormulaError, match=named) as info:
        parse_formula(text)
    assert repr(text) in str(info.value)  # the message quotes the formula


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_formula(text):
    with pytest.raises(FormulaError, match="formula is empty"):
        parse_formula(text)


def test_syntax_error_is_a_formula_error():
    with pytest.raises(FormulaError, match="is not valid arithmetic"):
        parse_formula("a +")


def test_formula_error_is_a_value_error_and_an_indicators_error():
    with pytest.raises(ValueError):
        parse_formula("a ** 2")
    assert issubclass(FormulaError, IndicatorsError)


def test_every_listed_function_parses():
    assert set(FUNCTIONS) == {"sum", "min", "max", "coalesce", "per10k"}
    for name in FUNCTIONS:
        parse_formula(f"{name}(a)")


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("a / b", ("a", "b")),
        ("(a + b) / (a + b + c)", ("a", "b", "c")),  # each listed once, in order of appearance
        ("per10k(x)", ("x", "population")),  # per10k reads the population
        ("per10k(coalesce(t, v + h))", ("t", "v", "h", "population")),
        ("-a * 2.5 + 1", ("a",)),
        ("3", ()),
    ],
)
def test_figures_listed(text, figures):
    assert parse_formula(text).figures == figures


# -- evaluation, by hand -----------------------------------------------------------------------
def test_ratio():
    # 35/223 = 0.156950..., 15/21 = 0.714285...
    val, why = evaluate("a / b", a=series(35, 15), b=series(223, 21))
    assert val == pytest.approx([35 / 223, 15 / 21], rel=1e-15)
    assert val[1] == pytest.approx(0.7142857142857143)
    assert why == [None, None]


def test_sum_ratio_of_sums():
    # D6.1-style: (155 + 7 + 7) / (172 + 7 + 11) = 169 / 190 = 0.889473...
    val, _ = evaluate(
        "(a1 + a2 + a3) / (b1 + b2 + b3)",
        a1=series(155), a2=series(7), a3=series(7), b1=series(172), b2=series(7), b3=series(11),
    )
    assert val == pytest.approx([0.8894736842105263])


def test_mediation_success_formula():
    # D2.2: 558 / (558 + 142) = 558 / 700 = 0.797142...
    val, _ = evaluate("m / (m + t)", m=series(558), t=series(142))
    assert val[0] == pytest.approx(0.7971428571428572)


def test_arithmetic_and_unary_minus():
    # 2 * 3 - 4 / 8 = 6 - 0.5 = 5.5 ; -(2) + 1 = -1
    val, _ = evaluate("a * b - c / d", a=series(2), b=series(3), c=series(4), d=series(8))
    assert val == [5.5]
    val, _ = evaluate("-a + 1", a=series(2))
    assert val == [-1.0]


def test_sum_min_max():
    a, b, c = series(1, 7, np.nan), series(5, 2, 3), series(3, 4, 4)
    assert evaluate("sum(a, b, c)", a=a, b=b, c=c)[0][:2] == [9.0, 13.0]  # 1+5+3, 7+2+4
    assert evaluate("min(a, b, c)", a=a, b=b, c=c)[0][:2] == [1.0, 2.0]
    assert evaluate("max(a, b, c)", a=a, b=b, c=c)[0][:2] == [5.0, 7.0]
    for fn in ("sum", "min", "max"):  # a missing argument makes the result missing
        val, why = evaluate(f"{fn}(a, b, c)", a=a, b=b, c=c)
        assert np.isnan(val[2]) and why[2] == "missing figure a"


def test_coalesce_takes_the_first_present_argument():
    # row 0: t present -> 100; row 1: t missing -> v + h = 60 + 40; row 2: both missing
    t, v, h = series(100, np.nan, np.nan), series(1, 60, np.nan), series(1, 40, 5)
    val, why = evaluate("coalesce(t, v + h)", t=t, v=v, h=h)
    assert val[:2] == [100.0, 100.0]
    assert np.isnan(val[2])
    assert why == [None, None, "missing figure t"]


def test_per10k_by_hand():
    # 380 legal-aid cases / 1,095,300 residents * 10,000 = 3.469369...
    # 2,664 / 975,700 * 10,000 = 27.303474...
    val, why = evaluate(
        "per10k(x)", x=series(380, 2664), population=series(1_095_300, 975_700)
    )
    assert val == pytest.approx([380 / 1_095_300 * 1e4, 2664 / 975_700 * 1e4], rel=1e-15)
    assert val[0] == pytest.approx(3.4693691226148088)
    assert why == [None, None]


def test_per10k_of_a_sum():
    # (264 + 792) / 975,700 * 1e4 = 1056 / 97.57 = 10.822998...
    val, _ = evaluate("per10k(a + b)", a=series(264), b=series(792), population=series(975_700))
    assert val[0] == pytest.approx(10.822998872604284)


def test_zero_denominator_is_nan_with_reason_never_0_or_1():
    # 0/0, 5/0 are undefined; 0/5 is a genuine 0
    val, why = evaluate("a / b", a=series(0, 5, 0), b=series(0, 0, 5))
    assert np.isnan(val[0]) and np.isnan(val[1])
    assert val[2] == 0.0
    assert why == ["zero denominator", "zero denominator", None]


def test_zero_denominator_of_a_compound_expression():
    # b - c = 0 -> undefined
    val, why = evaluate("a / (b - c)", a=series(3), b=series(4), c=series(4))
    assert np.isnan(val[0]) and why == ["zero denominator"]


def test_per10k_zero_or_missing_population():
    val, why = evaluate("per10k(x)", x=series(5, 5, np.nan), population=series(0, np.nan, 0))
    assert all(np.isnan(val))
    assert why == ["zero denominator", "missing figure population", "missing figure x"]


def test_missing_figure_reason_names_the_figure():
    val, why = evaluate("a / b", a=series(1, np.nan, np.nan), b=series(np.nan, 2, np.nan))
    assert all(np.isnan(val))
    # the first missing operand is the reason; a missing numerator is not a zero denominator
    assert why == ["missing figure b", "missing figure a", "missing figure a"]
    val, why = evaluate("a / b", a=series(np.nan), b=series(0))
    assert why == ["missing figure a"]


def test_figure_absent_from_the_table_is_missing():
    val, why = parse_formula("a / b").evaluate({"a": series(1, 2)}, IDX[:2])
    assert val.isna().all()
    assert why.tolist() == ["missing figure b", "missing figure b"]


def test_evaluate_aligns_on_the_index():
    index = pd.Index(["x", "y"])
    a = pd.Series([6.0, 8.0], index=["y", "x"])  # other order
    b = pd.Series([2.0, 4.0], index=["x", "y"])
    val, _ = parse_formula("a / b").evaluate({"a": a, "b": b}, index)
    assert val.tolist() == [8.0 / 2.0, 6.0 / 4.0]
    assert list(val.index) == ["x", "y"]
