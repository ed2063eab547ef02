"""The output layer: no cell any writer produces starts a formula; numbers stay numbers.

The oracle here is written independently of :func:`indicators.outputs.starts_formula`: a cell is
dangerous when its first character, or its first character after whitespace and control characters,
is one of OWASP's formula triggers, unless the whole cell is a number Python's ``float`` reads and
contains no letters (a spreadsheet reads such text as that number).
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import build_index
from indicators.outputs import neutralise, write_csv, write_xlsx
from indicators.rollup import rollup
from indicators.testing import toy_figures, toy_framework, toy_methodology

TRIGGERS = "=+-@\t\r＝＋－＠"
SKIP = "".join(map(chr, range(0x21))) + "\u3000\u00a0\ufeff"


def _is_number_text(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return not any((ch.isalpha() and ch not in "eE") or ch in "_ \t\r\n" for ch in cell)


def dangerous(cell: str) -> bool:
    """Whether a spreadsheet could read ``cell`` as a formula (the test's own oracle)."""
    if not cell or cell.startswith("'") or _is_number_text(cell) or cell in ("+", "-"):  # a lone sign computes nothing
        return False
    first = cell[0]
    after = cell.lstrip(SKIP.replace("\t", "").replace("\r", ""))[:1]
    return first in TRIGGERS or (after != "" and after in TRIGGERS)


# text that often starts like a formula: triggers, whitespace and control characters, then anything
hostile = st.builds(
    lambda lead, trig, rest: lead + trig + rest,
    st.text(alphabet=" \t\r\x01\x0b\u3000", max_size=2),
    st.sampled_from(["", *TRIGGERS, "'", "1", "静"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
) | st.sampled_from(['=HYPERLINK("http://x","y")', "\t=1+1", "-5", "+1.5", "-2e3", "-5+1", "-inf", "@SUM(A1)",
                     "＝1+1", " =1", "\r=1", "静安"])
numbers = st.floats(allow_nan=True, allow_infinity=False, width=64) | st.integers(-10**6, 10**6).map(float)


def _csv_cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:  # raw text: no newline translation
        return list(csv.reader(fh))


def _xlsx_clean(text: str) -> str:
    """What XLSX can hold of ``text``: XML 1.0 has no control characters but tab, newline, return."""
    return "".join("\ufffd" if (ord(ch) < 32 and ch not in "\t\n\r") else ch for ch in text)


def _check_text(written: str, original: str) -> None:
    assert not dangerous(written), repr(written)
    assert written in (original, "'" + original)


@st.composite
def frames(draw):
    n = draw(st.integers(1, 6))
    return pd.DataFrame({
        draw(hostile.filter(lambda c: c not in ("value",))): draw(st.lists(hostile, min_size=n, max_size=n)),
        "value": draw(st.lists(numbers, min_size=n, max_size=n)),
    })


def test_neutralise_examples():
    assert neutralise('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert neutralise("\t=1+1") == "'\t=1+1"
    assert neutralise("\x01=1") == "'\x01=1"
    assert neutralise(" ＝1") == "' ＝1"
    assert [neutralise(s) for s in ("+x", "-x", "@x", "\rx")] == ["'+x", "'-x", "'@x", "'\rx"]
    assert [neutralise(s) for s in ("静安", "D1.1", "", "a=b")] == ["静安", "D1.1", "", "a=b"]
    # a text cell that is exactly a plain number is left alone; anything more is neutralised
    assert [neutralise(s) for s in ("-5", "+1.5", "-2e3")] == ["-5", "+1.5", "-2e3"]
    assert [neutralise(s) for s in ("-5+1", "-inf", "- 5")] == ["'-5+1", "'-inf", "'- 5"]
    assert [neutralise(s) for s in ("+", "-", "=", "@", "--")] == ["+", "-", "'=", "'@", "'--"]
    assert neutralise(-5.0) == -5.0 and neutralise(None) is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(df=frames())
def test_write_csv_property(tmp_path, df):
    path = write_csv(df, tmp_path / "x.csv", bom=True)
    header, *rows = _csv_cells(path)
    _check_text(header[0], df.columns[0])
    for row, original, number in zip(rows, df.iloc[:, 0], df["value"], strict=True):
        _check_text(row[0], original)
        assert (row[1] == "" and math.isnan(number)) or float(row[1]) == number


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(df=frames())
def test_write_xlsx_property(tmp_path, df):
    from openpyxl import load_workbook

    path = write_xlsx({"scores": df}, tmp_path / "x.xlsx")
    ws = load_workbook(path)["scores"]
    rows = list(ws.iter_rows())
    assert all(c.data_type != "f" for row in rows for c in row)
    for cell, original in zip([r[0] for r in rows], [df.columns[0], *df.iloc[:, 0]], strict=True):
        if cell.value is None:  # an empty string is an empty cell in XLSX
            assert original == ""
            continue
        assert cell.data_type == "s"
        assert not dangerous(cell.value)
        clean = _xlsx_clean(original)
        assert cell.value in (clean, "'" + clean)
    for cell, number in zip([r[1] for r in rows[1:]], df["value"], strict=True):
        # openpyxl stores 16 significant digits (Excel shows 15): the same number to that precision
        assert (cell.value is None and math.isnan(number)) or cell.value == float(f"{number:.16g}")


def _hostile_result(names: list[str]):
    figures = toy_figures(n_districts=len(names), years=(2023, 2024))
    codes = figures.index.get_level_values("district").unique()
    figures = figures.rename(index=dict(zip(codes, names, strict=True)), level="district")
    return build_index(figures, toy_framework(), toy_methodology())


unique_names = st.lists(hostile.filter(lambda s: s.strip() != "" and s == s.strip()), min_size=2, max_size=3,
                        unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=unique_names)
def test_index_result_to_csv_property(tmp_path, names):
    result = _hostile_result(names)
    table = result.table()
    header, *rows = _csv_cells(result.to_csv(tmp_path / "scores.csv"))
    assert header == list(table.columns)
    for row, (_, expected) in zip(rows, table.iterrows(), strict=True):
        for cell, col in zip(row, header, strict=True):
            value = expected[col]
            if isinstance(value, str):
                _check_text(cell, value)
            elif pd.isna(value):
                assert cell == ""
            elif isinstance(value, bool | np.bool_):
                assert cell == str(bool(value))
            else:
                assert float(cell) == float(value), (col, cell, value)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=unique_names)
def test_index_result_to_xlsx_property(tmp_path, names):
    from openpyxl import load_workbook

    result = _hostile_result(names)
    table = result.table()
    ws = load_workbook(result.to_xlsx(tmp_path / "scores.xlsx"))["scores"]
    header, *rows = list(ws.iter_rows())
    assert [c.value for c in header] == list(table.columns)
    for row, (_, expected) in zip(rows, table.iterrows(), strict=True):
        for cell, col in zip(row, table.columns, strict=True):
            assert cell.data_type != "f"
            value = expected[col]
            if isinstance(value, str) and value:
                clean = _xlsx_clean(value)
                assert cell.data_type == "s" and not dangerous(cell.value) and cell.value in (clean, "'" + clean)
            elif isinstance(value, str) or pd.isna(value):  # empty text is an empty cell
                assert cell.value is None
            else:
                assert cell.value == float(f"{float(value):.16g}"), (col, cell.value, value)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=unique_names, district=hostile.filter(lambda s: s.strip() != "" and s == s.strip()))
def test_rollup_to_csv_property(tmp_path, names, district):
    result = _hostile_result(names)
    ru = rollup(result, {n: district for n in names})
    header, *rows = _csv_cells(ru.to_csv(tmp_path / "rollup.csv"))
    assert not any(dangerous(c) for row in [header, *rows] for c in row)
    assert {row[header.index("district")] for row in rows} == {neutralise(district)}
    index = [float(row[header.index("index")]) for row in rows]
    np.testing.assert_array_equal(index, ru.table()["index"].to_numpy(dtype=float))


def test_write_csv_keeps_numeric_columns_numeric(tmp_path):
    df = pd.DataFrame({"district": ["-5", "=1"], "score": [-5.0, -0.25], "rank": [1, 2]})
    back = pd.read_csv(write_csv(df, tmp_path / "x.csv"), dtype={"district": str})
    assert back["district"].tolist() == ["-5", "'=1"]
    assert back["score"].tolist() == [-5.0, -0.25] and back["rank"].tolist() == [1, 2]


def test_write_xlsx_replaces_characters_xlsx_cannot_hold(tmp_path):
    from openpyxl import load_workbook

    df = pd.DataFrame({"name": ["a\x01b"], "v": [np.inf]})
    ws = load_workbook(write_xlsx({"s": df}, tmp_path / "x.xlsx"))["s"]
    assert ws["A2"].value == "a\ufffdb" and ws["B2"].value == "inf"


@pytest.mark.parametrize("index", [True, False])
def test_write_csv_neutralises_index_and_header(tmp_path, index):
    df = pd.DataFrame({"=col": [1.0]}, index=pd.Index(["@idx"], name="-name"))
    header, row = _csv_cells(write_csv(df, tmp_path / "x.csv", index=index))
    assert header == (["'-name", "'=col"] if index else ["'=col"])
    assert row == (["'@idx", "1.0"] if index else ["1.0"])
