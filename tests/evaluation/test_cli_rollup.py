"""``rolindex validate/score --framework judicial_office_std.yaml --rollup MAP.csv``: the office
framework end to end, the district roll-up CSV, and errors that name file, row and column."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evaluation.cli import main
from tests.conftest import ROOT

FRAMEWORK = ROOT / "data" / "frameworks" / "judicial_office_std.yaml"
OFFICES = ROOT / "data" / "submissions" / "synthetic_offices.csv"
MAPPING = ROOT / "data" / "submissions" / "synthetic_offices_districts.csv"
SCORE = ["score", str(OFFICES), "-f", str(FRAMEWORK), "-m", "scoring_rules"]


def test_validate_office_sample_with_its_mapping(capsys):
    assert main(["validate", str(OFFICES), "-f", str(FRAMEWORK), "--rollup", str(MAPPING)]) == 0
    out = capsys.readouterr().out
    assert "0 errors, 0 warnings" in out
    assert "synthetic_offices_districts.csv: 198 offices in 16 districts; every office of the submission (196)" in out


def test_validate_names_the_row_of_an_unmapped_office(tmp_path, capsys):
    short = tmp_path / "map.csv"
    lines = MAPPING.read_text(encoding="utf-8").splitlines()
    short.write_text("\n".join(line for line in lines if not line.startswith("sample_01_o02,")) + "\n",
                     encoding="utf-8")
    assert main(["validate", str(OFFICES), "-f", str(FRAMEWORK), "--rollup", str(short)]) == 1
    out = capsys.readouterr().out
    # sample_01_o02's first row in the submission: header row 1, o01 on rows 2-5, o02 from row 6
    assert ("error: synthetic_offices.csv row 6, column district: office 'sample_01_o02' is not in the "
            "office → district table map.csv") in out


def test_validate_reports_mapping_file_errors_with_row_and_column(tmp_path, capsys):
    bad = tmp_path / "map.csv"
    bad.write_text("office,district\nsample_01_o01,\nsample_01_o01,sample_02\n", encoding="utf-8")
    assert main(["validate", str(OFFICES), "-f", str(FRAMEWORK), "--rollup", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "error: map.csv row 2, column district: empty district" in out


def test_score_with_rollup_writes_both_tables(tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main([*SCORE, "--year", "2024", "-o", str(out), "--rollup", str(MAPPING)]) == 0
    printed = capsys.readouterr().out
    assert "区级汇总 / district roll-up (mean of office scores)" in printed
    assert "示例区01 / Sample District 01" in printed and "S1.4 达标" in printed
    assert "2 office(s) without figures in any year: sample_09_o03, sample_15_o06" in printed
    scores = pd.read_csv(out)
    assert len(scores) == 763 and scores["district"].str.contains("_o").all()
    table = pd.read_csv(out.with_suffix(".rollup.csv"))
    assert len(table) == 16 * 4
    assert list(table.columns[:7]) == ["district", "year", "district_name", "n_offices", "n_with_data", "n_scored",
                                       "index"]
    assert table["share_S1.2"][table.year == 2021].isna().all()  # not yet due
    assert table["share_S1.2"][table.year >= 2022].between(0, 1).all()
    assert table["n_offices"].sum() == 198 * 4
    prov = json.loads(out.with_suffix(".provenance.json").read_text(encoding="utf-8"))
    assert prov["framework"]["id"] == "judicial_office_std"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_rollup_csv_is_byte_identical_on_rerun_and_can_go_elsewhere(tmp_path):
    a, b = tmp_path / "a" / "roll.csv", tmp_path / "b.csv"
    assert main([*SCORE, "-o", str(tmp_path / "s1.csv"), "--rollup", str(MAPPING), "--rollup-out", str(a)]) == 0
    assert main([*SCORE, "-o", str(tmp_path / "s2.csv"), "--rollup", str(MAPPING), "--rollup-out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_rollup_min_is_at_most_the_mean(tmp_path):
    mean, low = tmp_path / "mean.csv", tmp_path / "min.csv"
    main([*SCORE, "-o", str(tmp_path / "s.csv"), "--rollup", str(MAPPING), "--rollup-out", str(mean)])
    main([*SCORE, "-o", str(tmp_path / "s.csv"), "--rollup", str(MAPPING), "--rollup-out", str(low),
          "--rollup-method", "min"])
    m, n = pd.read_csv(mean), pd.read_csv(low)
    assert (n["index"] <= m["index"] + 1e-9).all() and (n["index"] < m["index"]).any()


def test_score_refuses_an_incomplete_mapping_before_writing_anything(tmp_path, capsys):
    short = tmp_path / "map.csv"
    short.write_text("office,district\nsample_01_o01,sample_01\n", encoding="utf-8")
    out = tmp_path / "scores.csv"
    assert main([*SCORE, "-o", str(out), "--rollup", str(short)]) == 1
    err = capsys.readouterr().err
    assert "synthetic_offices.csv row 6, column district: office 'sample_01_o02' is not in" in err
    assert not out.exists()


def test_unknown_rollup_method_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([*SCORE, "--rollup", str(MAPPING), "--rollup-method", "mena"])
    assert info.value.code == 2 and "invalid choice: 'mena'" in capsys.readouterr().err


def test_methods_lists_the_rollup_registry(capsys):
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    assert "roll-up:" in out and "median" in out
