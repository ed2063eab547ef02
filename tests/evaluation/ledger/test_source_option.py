"""The shared ``--ledger --year --as-of`` figures source (evaluation.commands.options)."""

from __future__ import annotations

import argparse

import pytest

from evaluation.commands.options import add_ledger_source, figures_from_args
from evaluation.ledger import LedgerError, open_ledger
from evaluation.ledger.store import record_submission

from . import scenario as S


def _parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="*")
    p.add_argument("--year", type=int)
    add_ledger_source(p)
    return p.parse_args(argv)


def test_the_ledger_as_source_as_of_a_date(tmp_path):
    led = str(tmp_path / "l.sqlite")
    with open_ledger(led) as ledger:
        fw = S.framework()
        record_submission(ledger, S.submission(fw, "d1", 1, 2, "a"), received_at=S.V1)
        record_submission(ledger, S.submission(fw, "d1", 7, 2, "b"), received_at=S.V2)
    now = figures_from_args(_parse("--ledger", led, "--year", str(S.YEAR)))
    then = figures_from_args(_parse("--ledger", led, "--year", str(S.YEAR), "--as-of", "2025-01-31"))
    assert now.figures.set_index("figure")["value"]["x_a1"] == 7.0
    assert then.figures.set_index("figure")["value"]["x_a1"] == 1.0


def test_files_still_work_and_misuse_is_a_bilingual_usage_error(tmp_path):
    csv = tmp_path / "f.csv"
    csv.write_text("district,year,figure,value\nd1,2024,x_a1,3\n", encoding="utf-8")
    assert len(figures_from_args(_parse(str(csv))).figures) == 1
    with pytest.raises(LedgerError, match="只能择一 / give files or --ledger, not both"):
        figures_from_args(_parse(str(csv), "--ledger", "x.sqlite", "--year", "2024"))
    with pytest.raises(LedgerError, match="--ledger 需要 --year / --ledger needs --year"):
        figures_from_args(_parse("--ledger", "x.sqlite"))
    with pytest.raises(LedgerError, match="--as-of needs --ledger"):
        figures_from_args(_parse(str(csv), "--as-of", "2024-01-01"))
    with pytest.raises(LedgerError, match="give CSV/XLSX files or --ledger … --year"):
        figures_from_args(_parse())
    with pytest.raises(LedgerError, match="no ledger at"):
        figures_from_args(_parse("--ledger", str(tmp_path / "none.sqlite"), "--year", "2024"))


def _scenario_ledger(tmp_path) -> str:
    led = str(tmp_path / "l.sqlite")
    with open_ledger(led) as ledger:
        S.load(ledger)
    return led


def test_report_gets_the_ledger_figures_as_one_csv(tmp_path):
    import pandas as pd

    from evaluation.commands.options import figures_file_from_args

    led = _scenario_ledger(tmp_path)
    args = argparse.Namespace(ledger=led, as_of="2025-01-31", year=[S.YEAR])
    path = figures_file_from_args(args, tmp_path / "out")
    frame = pd.read_csv(path, dtype=str).set_index(["district", "figure"])["value"]
    assert frame[("d2", "x_a1")] == "40" and len(frame) == 8
    assert figures_file_from_args(argparse.Namespace(ledger=None, as_of=None, year=[S.YEAR]), tmp_path) is None
    with pytest.raises(LedgerError, match="--as-of needs --ledger"):
        figures_file_from_args(argparse.Namespace(ledger=None, as_of="2025-01-01", year=[S.YEAR]), tmp_path)


def test_score_and_report_take_the_ledger(tmp_path, capsys):
    import yaml

    from evaluation.cli import main

    led = _scenario_ledger(tmp_path)
    fw = tmp_path / "toy.yaml"
    fw.write_text(yaml.safe_dump(S.FRAMEWORK, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "scores.csv"
    assert main(["score", "--ledger", led, "--year", str(S.YEAR), "--as-of", "2025-01-31", "-f", str(fw),
                 "-m", "coinr_minmax_amean", "-o", str(out)]) == 0
    import pandas as pd

    table = pd.read_csv(out).set_index("district")
    assert table["index"].to_dict() == pytest.approx(S.INDEX_V1)
    assert main(["score", "--ledger", led, "--year", str(S.YEAR), "-f", str(fw), "-m", "coinr_minmax_amean",
                 "-o", str(out)]) == 0
    assert pd.read_csv(out).set_index("district")["index"].to_dict() == pytest.approx(S.INDEX_V2)
    capsys.readouterr()
    assert main(["score", "--ledger", led, "-f", str(fw)]) == 1
    assert "--ledger needs --year" in capsys.readouterr().err
    assert main(["report", "--year", str(S.YEAR), "--ledger", led, "--figures", "seed_districts"]) == 2
    assert "give --figures or --ledger, not both" in capsys.readouterr().err
