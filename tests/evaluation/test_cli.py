"""The rolindex command: validate exit codes and messages, score outputs, demo, methods."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from evaluation.cli import main
from tests.conftest import ROOT

SEED = ROOT / "data" / "submissions" / "seed_districts.csv"
PANEL = ROOT / "data" / "submissions" / "synthetic_panel.csv"


def test_validate_sample_data_passes(capsys):
    assert main(["validate", str(SEED), str(PANEL)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_validate_reports_every_error_with_location_and_fails(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "district,year,figure,value\n"
        "x,2020,population,500000\n"
        "x,2020,mediation_received,100\n"
        "x,2020,mediation_resolved,120\n"  # part > whole
        "x,2020,mediaton_received,3\n"  # unknown id, nearest known suggested
        "x,2020,head_appearance_rate,98.6\n",  # a percentage written without %
        encoding="utf-8",
    )
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.csv row 4, column value" in out and "mediation_received" in out
    assert "bad.csv row 5" in out and "did you mean 'mediation_received'" in out
    assert "bad.csv row 6" in out and "percentage" in out


def test_score_writes_table_provenance_and_prints_ranking(tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["score", str(PANEL), "-m", "scoring_rules", "--year", "2024", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2024" in printed and "示例区" in printed
    table = pd.read_csv(out)
    assert len(table) == 16 * 6
    assert {"district", "year", "index", "rank", "grade_zh", "grade_en", "D1", "coverage"} <= set(table.columns)
    y = table[table.year == 2024].sort_values("rank")
    assert y["rank"].iloc[0] == 1 and y["index"].is_monotonic_decreasing
    prov = json.loads(out.with_suffix(".provenance.json").read_text(encoding="utf-8"))
    assert prov["framework"]["id"] == "district_rol" and len(prov["framework"]["content_hash"]) == 64
    assert prov["methodology"]["name"] == "scoring_rules"
    assert "synthetic_panel.csv" in prov["inputs"]


def test_score_is_byte_identical_on_rerun(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["score", str(PANEL), "-o", str(a)]) == 0
    assert main(["score", str(PANEL), "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_unknown_methodology_method_is_a_clear_error(tmp_path, capsys):
    m = tmp_path / "m.yaml"
    m.write_text("name: x\nnormalise: {method: min-max}\n", encoding="utf-8")
    assert main(["score", str(PANEL), "-m", str(m), "-o", str(tmp_path / "s.csv")]) == 1
    err = capsys.readouterr().err
    assert "unknown normaliser 'min-max'" in err and "Did you mean 'minmax'" in err


def test_methods_lists_every_registry(capsys):
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    for word in ("normaliser:", "goalposts", "scoring_rules", "aggregator:", "geometric", "weighter:"):
        assert word in out


def test_python_dash_m_evaluation_runs():
    proc = subprocess.run([sys.executable, "-m", "evaluation", "methods"], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert proc.returncode == 0 and "normaliser" in proc.stdout


def test_only_a_command_line_run_freezes_the_startup_objects(monkeypatch, capsys):
    import gc

    before = gc.get_freeze_count()
    assert main(["methods"]) == 0  # a caller's own process: its collector is left alone
    assert gc.get_freeze_count() == before
    monkeypatch.setattr(sys, "argv", ["rolindex", "methods"])
    try:
        assert main() == 0
        assert gc.get_freeze_count() > before  # the imports' objects are exempt from collection
    finally:
        gc.unfreeze()
    assert "normaliser" in capsys.readouterr().out


def test_validate_bounds_what_it_prints_and_writes_every_problem_on_request(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    n = 3000
    bad.write_text("district,year,figure,value\n"
                   + "".join(f"d{i},2020,population,abc{i}\n" for i in range(n))
                   + "".join(f"d{i},2020,lawyers,-{i + 1}\n" for i in range(5)), encoding="utf-8")
    problems = tmp_path / "problems.csv"
    assert main(["validate", str(bad), "--show", "3", "--problems-out", str(problems)]) == 1
    out = capsys.readouterr().out
    listed = [line for line in out.splitlines() if line.startswith("  - ")]
    assert 6 <= len(listed) <= 12  # 3 per kind of problem (unreadable value, negative count, missing figures …)
    assert "bad.csv row 2, column value" in out and "bad.csv row 5, column value" not in out
    assert re.search(r"\n +2,997 × column value: ", out), out
    assert "--problems-out" in out and f"written to {problems}" in out
    with open(problems, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    errors = [r for r in rows if r["severity"] == "error"]
    unreadable = [r for r in errors if r["figure"] == "population" and r["column"] == "value"]
    assert len(unreadable) == n
    assert unreadable[0]["row"] == "2" and unreadable[-1]["row"] == str(n + 1) and "abc0" in unreadable[0]["message"]
    assert len({r["kind"] for r in unreadable}) == 1
    # the file holds exactly what an unbounded listing prints
    assert main(["validate", str(bad), "--show", "100000"]) == 1
    full = capsys.readouterr().out
    assert len([line for line in full.splitlines() if line.startswith("  - ")]) == len(rows)


def test_validate_show_must_be_positive(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", str(SEED), "--show", "0"])
    assert info.value.code == 2
    assert "应为正整数 / expected a positive whole number, got '0'" in capsys.readouterr().err
