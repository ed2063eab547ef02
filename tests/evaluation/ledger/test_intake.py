"""Intake: returns recorded once, bad files recorded as rejected and changing no current figure,
concurrent intakes (processes), an intake killed with SIGKILL, and the commands around it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.ledger import open_ledger
from evaluation.ledger.intake import find_returns, intake
from evaluation.ledger.store import counts, current_figures, submissions_table
from indicators import load_framework

from .returns import YEAR, panel_year, register_csv, write_returns

ROOT = Path(__file__).resolve().parents[3]
FRAMEWORK = str(ROOT / "data" / "frameworks" / "district_rol.yaml")


#: The intake command module run the way evaluation.cli runs it, without loading every other command.
_INTAKE = ("import argparse, sys; from evaluation.commands import intake as m; p = argparse.ArgumentParser(); "
           "m.add_arguments(p); sys.exit(m.run(p.parse_args(sys.argv[1:])))")


def rolindex(*argv: str, env: dict | None = None) -> subprocess.Popen:
    """``rolindex intake ARGV`` in a child process (this checkout first on the path)."""
    return subprocess.Popen([sys.executable, "-c", _INTAKE, *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def consistent(ledger) -> None:
    """Every submission has exactly the values and problems it says it has (no half-written file)."""
    from sqlalchemy import func, select

    from evaluation.ledger import schema as S

    with ledger.engine.connect() as conn:
        nv = dict(conn.execute(select(S.figure_values.c.submission_id, func.count())
                               .group_by(S.figure_values.c.submission_id)).all())
        npb = dict(conn.execute(select(S.problems.c.submission_id, func.count())
                                .group_by(S.problems.c.submission_id)).all())
        for r in conn.execute(select(S.submissions)).mappings():
            assert nv.get(r["id"], 0) == r["n_values"], r
            assert npb.get(r["id"], 0) == r["n_errors"] + r["n_warnings"], r


def test_intake_records_each_return_once(ledger, tmp_path):
    files = write_returns(tmp_path / "in")
    out = intake(ledger, files, FRAMEWORK, year=YEAR, workers=2)
    assert [(o.status, o.new) for o in out] == [("accepted", True)] * 16
    cur = current_figures(ledger, YEAR)
    assert len(cur) == len(panel_year())
    again = intake(ledger, files, FRAMEWORK, year=YEAR, workers=1)
    assert [o.new for o in again] == [False] * 16 and [o.submission_id for o in again] == [o.submission_id for o in out]
    assert counts(ledger)["submissions"] == 16
    consistent(ledger)


def _bad_files(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    df = panel_year()
    one = df[df["district"] == "sample_01"]
    files = {
        "other_year": folder / "other_year.csv",
        "unknown_district": folder / "unknown.csv",
        "corrupt": folder / "corrupt.xlsx",
        "not_a_workbook": folder / "minutes.xls",
        "empty": folder / "empty.csv",
        "bad_value": folder / "bad_value.csv",
    }
    one.assign(year="2023").to_csv(files["other_year"], index=False)
    one.assign(district="sample_99").to_csv(files["unknown_district"], index=False)
    files["corrupt"].write_bytes(b"PK\x03\x04 this is not really a zip")
    files["not_a_workbook"].write_bytes(b"\xd0\xcf\x11\xe0 an old Excel file")
    files["empty"].write_text("district,year,figure,value\n", encoding="utf-8")
    bad = one.copy()
    bad.loc[bad.index[0], "value"] = "约两千"
    bad.to_csv(files["bad_value"], index=False)
    return files


def test_bad_returns_are_recorded_rejected_and_change_no_figure(ledger, tmp_path):
    codes = sorted(panel_year()["district"].unique())
    from evaluation.ledger.store import import_districts

    import_districts(ledger, pd.read_csv(register_csv(tmp_path / "reg.csv", codes)), pd.Timestamp("2024-01-01").date())
    intake(ledger, write_returns(tmp_path / "good"), FRAMEWORK, year=YEAR, workers=1)
    before_figs = current_figures(ledger, YEAR)
    before = counts(ledger)
    bad = _bad_files(tmp_path / "bad")
    out = {o.file: o for o in intake(ledger, list(bad.values()), FRAMEWORK, year=YEAR, workers=1)}
    assert {o.status for o in out.values()} == {"rejected"}
    assert out["other_year.csv"].first_problem == ("文件中有其他年度的数据（2023），应只有 2024 / the file has figures "
                                                   "of other years (2023), expected only 2024")
    assert "district 'sample_99' is not in the districts register (did you mean" in \
        out["unknown.csv"].first_problem
    assert "corrupt.xlsx" in out and "minutes.xls" in out
    assert "not an Excel workbook or CSV file (.xls); save it as .xlsx" in out["minutes.xls"].first_problem
    assert "the file is damaged or not an Excel workbook" in out["corrupt.xlsx"].first_problem
    assert out["empty.csv"].first_problem
    assert out["bad_value.csv"].errors >= 1
    pd.testing.assert_frame_equal(current_figures(ledger, YEAR), before_figs)
    after = counts(ledger)
    assert after["submissions"] == before["submissions"] + len(bad)
    assert after["problems"] > before["problems"]
    # rejected files keep their values for the record, but only accepted submissions ever count
    assert {k: after[k] - before[k] for k in ("districts", "reviews", "evidence", "editions")} == dict.fromkeys(
        ("districts", "reviews", "evidence", "editions"), 0)
    again = intake(ledger, list(bad.values()), FRAMEWORK, year=YEAR, workers=1)  # idempotent for rejects too
    assert not any(o.new for o in again) and counts(ledger) == after
    consistent(ledger)


def test_find_returns_skips_feedback_and_office_temp_files(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    (tmp_path / "a.feedback.xlsx").write_text("x")
    (tmp_path / "~$a.xlsx").write_text("x")
    (tmp_path / "notes.pdf").write_text("x")
    assert [p.name for p in find_returns([tmp_path])] == ["a.csv"]
    from evaluation.ledger import LedgerError

    with pytest.raises(LedgerError, match="找不到文件 / no such file or folder: .*missing.csv"):
        find_returns([tmp_path / "missing.csv"])


def test_two_intakes_at_once_record_each_file_once(ledger_url, tmp_path):
    write_returns(tmp_path / "in", copies=3)
    ev = {"ROLINDEX_EVIDENCE_DIR": str(tmp_path / "ev")}
    procs = [rolindex(str(tmp_path / "in"), "--ledger", ledger_url, "--year", str(YEAR), "-j", "1",
                      "--out", str(tmp_path / f"out{i}"), "--submitted-by", f"p{i}", env=ev) for i in range(2)]
    results = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    with open_ledger(ledger_url, tmp_path / "ev") as led:
        subs = submissions_table(led)
        assert len(subs) == 48 and subs["dedup_key"].is_unique
        assert len(current_figures(led, YEAR)) == 3 * len(panel_year())
        consistent(led)


def test_a_killed_intake_leaves_whole_files_and_a_rerun_picks_up(ledger_url, tmp_path):
    write_returns(tmp_path / "in", copies=6)  # 96 files
    ev = {"ROLINDEX_EVIDENCE_DIR": str(tmp_path / "ev")}
    args = (str(tmp_path / "in"), "--ledger", ledger_url, "--year", str(YEAR), "-j", "1",
            "--out", str(tmp_path / "out"))
    with open_ledger(ledger_url, tmp_path / "ev") as led:  # create the schema first
        proc = rolindex(*args, env=ev)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and counts(led)["submissions"] < 3:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        n_killed = counts(led)["submissions"]
        assert 3 <= n_killed < 96, "the intake was not killed mid-way"
        consistent(led)
        rerun = rolindex(*args, env=ev)
        out, err = rerun.communicate(timeout=240)
        assert rerun.returncode == 0, err
        assert f"新记录 {96 - n_killed} 份" in out
        assert counts(led)["submissions"] == 96
        consistent(led)


def test_cli_cycle_intake_review_history_export(tmp_path, capsys):
    files = write_returns(tmp_path / "in")
    files[-1].unlink()  # sample_16 does not return
    led = str(tmp_path / "a" / "ledger.sqlite")
    codes = sorted(panel_year()["district"].unique())
    assert main(["districts", "import", str(register_csv(tmp_path / "reg.csv", codes)), "--ledger", led,
                 "--valid-from", "2024-01-01"]) == 0
    assert "16 new version(s)" in capsys.readouterr().out
    assert main(["intake", str(tmp_path / "in"), "--ledger", led, "--year", "2024", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "sample_16" in out and "no return / 未报送" in out
    summary = pd.read_csv(tmp_path / "a" / "feedback" / "intake_summary.csv")
    assert summary.set_index("district").loc["sample_16", "status"] == "no return / 未报送"
    clean = summary[summary["status"] == "accepted"]
    assert len(clean) and (clean["feedback"] == "无问题，不另附反馈表 / no problems: no feedback workbook").all()
    assert "反馈表 0 份" in out and "0 feedback workbook(s) for files with problems" in out
    assert [p.name for p in (tmp_path / "a" / "feedback").iterdir()] == ["intake_summary.csv"]
    assert main(["review", "--ledger", led, "-d", "sample_01", "--year", "2024", "--figure", "population",
                 "--adjust", "700,000", "--reviewer", "王五", "--reason", "按七普数据"]) == 0
    capsys.readouterr()
    assert main(["history", "sample_01", "--ledger", led, "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "复核 review adjust → 700,000 by 王五" in out and "按七普数据" in out
    assert main(["export", "--ledger", led, "--year", "2024", "-o", str(tmp_path / "x.csv")]) == 0
    x = pd.read_csv(tmp_path / "x.csv", dtype=str)
    assert x[(x["district"] == "sample_01") & (x["figure"] == "population")]["value"].tolist() == ["700,000"]
    assert main(["validate", str(tmp_path / "x.csv")]) == 0
    # a bad file: exit 1, named, bilingual
    (tmp_path / "in2").mkdir()
    panel_year().query("district == 'sample_02'").assign(year="2023").to_csv(tmp_path / "in2" / "late.csv",
                                                                               index=False)
    capsys.readouterr()
    assert main(["intake", str(tmp_path / "in2"), "--ledger", led, "--year", "2024", "-j", "1"]) == 1
    assert "拒收 / rejected: late.csv (sample_02 2023): 文件中有其他年度的数据（2023），应只有 2024" in \
        capsys.readouterr().out
    # reading commands on a missing ledger: usage error, bilingual
    assert main(["history", "sample_01", "--ledger", str(tmp_path / "none.sqlite")]) == 2
    assert "账本不存在 / no ledger at" in capsys.readouterr().err
    assert main(["review", "--ledger", led, "-d", "sample_01", "--year", "2024", "--figure", "populaton",
                 "--accept", "--reviewer", "a", "--reason", "b"]) == 2
    assert "did you mean 'population'" in capsys.readouterr().err


def test_districts_import_errors(tmp_path, capsys):
    bad = tmp_path / "d.csv"
    bad.write_text("name,city\n甲,乙\n", encoding="utf-8")
    assert main(["districts", "import", str(bad), "--ledger", str(tmp_path / "l.sqlite")]) == 2
    assert "缺少列 / missing column(s): code (或 / or district, 区代码" in capsys.readouterr().err
    dup = tmp_path / "dup.csv"
    dup.write_text("区代码,中文名\nd1,甲\nd1,乙\n", encoding="utf-8")
    assert main(["districts", "import", str(dup), "--ledger", str(tmp_path / "l.sqlite")]) == 2
    assert "区代码重复 / duplicate district code(s): d1" in capsys.readouterr().err
    ok = tmp_path / "ok.csv"
    ok.write_text("区代码,中文名,英文名,同类组\nd1,甲区,A,城区\n", encoding="utf-8")
    offices = tmp_path / "o.csv"
    offices.write_text("office,district,office_name\no1,d1,一所\no2,d1,二所\n", encoding="utf-8")
    assert main(["districts", "import", str(ok), "--offices", str(offices), "--ledger",
                 str(tmp_path / "l.sqlite")]) == 0
    capsys.readouterr()
    assert main(["districts", "list", "--ledger", str(tmp_path / "l.sqlite")]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip().startswith("d1")][0]
    assert "甲区" in line and "城区" in line and " 2 " in line  # two offices


def test_load_framework_is_what_workers_use():
    assert load_framework(FRAMEWORK).id == "district_rol"
