"""Every CSV/XLSX the evaluation layer writes is safe to open in a spreadsheet (issue 13).

District codes and names and framework node names that look like formulas are written through
:mod:`indicators.outputs`: read back with ``csv`` (raw text) and openpyxl, no cell starts a
formula and numbers are the same numbers. The oracle is :func:`tests.indicators.test_outputs.dangerous`,
written independently of the output layer's own rule.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.cli import main
from indicators.configfile import dump_config
from indicators.submission import read_figures
from indicators.testing import toy_figures, toy_framework_dict, toy_methodology
from tests.indicators.test_outputs import dangerous

HOSTILE = ['=HYPERLINK("http://x","y")', "\t=1+1", "+1+2", "-3+4", "@SUM(A1)", "＝1+1", " =cmd|' /C calc'!A0",
           "-5", "静安"]


def _csv_cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _xlsx_cells(path: Path):
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row]


def assert_safe_csv(path: Path) -> list[list[str]]:
    cells = _csv_cells(path)
    bad = [c for row in cells for c in row if dangerous(c)]
    assert not bad, (path.name, bad)
    return cells


def assert_safe_xlsx(path: Path) -> None:
    cells = _xlsx_cells(path)
    assert not [c.coordinate for c in cells if c.data_type == "f"], path.name
    assert not [c.value for c in cells if isinstance(c.value, str) and dangerous(c.value)], path.name


def hostile_framework(tmp_path: Path, name: str) -> Path:
    data = toy_framework_dict()
    data["nodes"][1]["zh"] = name
    data["nodes"][-1]["en"] = name
    path = tmp_path / "fw.yaml"
    path.write_text(dump_config(data), encoding="utf-8")
    return path


def hostile_submission(tmp_path: Path, names: list[str]) -> Path:
    wide = toy_figures(n_districts=len(names), years=(2024,))
    codes = list(wide.index.get_level_values("district").unique())
    long = wide.stack().dropna().rename("value").reset_index()
    long.columns = ["district", "year", "figure", "value"]
    long["district_name"] = long["district"].map(dict(zip(codes, names, strict=True)))
    long["district"] = long["district"].map(dict(zip(codes, [f"{n}#{i}" for i, n in enumerate(names)],
                                                       strict=True)))
    path = tmp_path / "figures.csv"
    long.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("name", HOSTILE)
def test_framework_export_never_writes_a_formula(tmp_path, capsys, name, suffix):
    fw = hostile_framework(tmp_path, name)
    out = tmp_path / f"fw{suffix}"
    assert main(["framework", "-f", str(fw), "-o", str(out)]) == 0
    if suffix == ".xlsx":
        assert_safe_xlsx(out)
    else:
        assert_safe_csv(out)
        assert_safe_csv(tmp_path / "fw.figures.csv")
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(HOSTILE), min_size=3, max_size=4, unique=True))
def test_score_outputs_never_write_a_formula(tmp_path_factory, names):
    tmp_path = tmp_path_factory.mktemp("score")
    fw = hostile_framework(tmp_path, names[0])
    sub = hostile_submission(tmp_path, names)
    meth = str(toy_methodology().save(tmp_path / "toy.yaml"))
    out = tmp_path / "scores.csv"
    assert main(["score", str(sub), "-f", str(fw), "-m", meth, "-o", str(out)]) == 0
    header, *rows = assert_safe_csv(out)
    table = pd.read_csv(out, dtype={"district": str, "district_name": str})
    # as the reader keeps them (it strips whitespace and folds full width: "\t=1+1" and "＝1+1" are "=1+1")
    read = read_figures(sub).figures["district_name"].astype(str).unique()
    assert set(table["district_name"]) == {n if not dangerous(n) else "'" + n for n in read}
    assert pd.api.types.is_float_dtype(table["index"]) and table["index"].between(0, 100).all()
    xlsx = tmp_path / "scores.xlsx"
    assert main(["score", str(sub), "-f", str(fw), "-m", meth, "-o", str(xlsx)]) == 0
    assert_safe_xlsx(xlsx)
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["scores"]
    got = pd.DataFrame(list(ws.values)[1:], columns=next(ws.values))
    assert got["index"].tolist() == pytest.approx(table["index"].tolist(), rel=1e-15)


def _hostile_result():
    from tests.indicators.test_outputs import _hostile_result as build

    return build(['=HYPERLINK("http://x","y")', "@SUM(A1)", "-3+4", "静安", "+1", "\t=1+1"])


def test_audit_tables_never_write_a_formula(tmp_path):
    from evaluation.audit import audit

    folder = audit(_hostile_result(), 2024, min_pairs=3).save(tmp_path)
    written = sorted(folder.glob("audit_2024_*.csv"))
    assert len(written) == 6
    for path in written:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        assert_safe_csv(path)


def test_uncertainty_saves_never_write_a_formula_and_replay(tmp_path):
    from indicators.testing import toy_framework
    from indicators.uncertainty import load_assumptions, run_uncertainty

    spec = {"inputs": [{"name": "=weights", "noise": 0.25, "levels": [1]},
                       {"name": "imputation", "field": "impute", "options": ["none", "mean"]}]}
    figures = toy_figures(n_districts=4, years=(2023, 2024))
    codes = list(figures.index.get_level_values("district").unique())
    figures = figures.rename(index=dict(zip(codes, ["=1+1", "@x", "-2+3", "静安"], strict=True)), level="district")
    res = run_uncertainty(figures, toy_framework(), toy_methodology(), spec, 8, seed=1)
    folder = res.save(tmp_path / "u")
    for path in sorted(folder.glob("*.csv")):
        assert_safe_csv(path)
    stats = _csv_cells(folder / "rank_stats.csv")
    assert {row[0] for row in stats[1:]} == {"'=1+1", "'@x", "'-2+3", "静安"}
    back = load_assumptions(folder)  # what was written reads back: the spec keeps its own name
    assert [i.name for i in back.spec.inputs] == ["=weights", "imputation"]

