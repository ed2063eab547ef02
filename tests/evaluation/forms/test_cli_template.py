"""``rolindex template``: forms for every district from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from evaluation.cli import main
from evaluation.forms.returned import read_form


def test_template_out_of_the_box_with_previous_values(tmp_path, fw, capsys):
    prev = tmp_path / "prev.csv"
    prev.write_text("district,year,figure,value\nsample_01,2024,lawyers,\"1,234\"\n", encoding="utf-8")
    rc = main(["template", "--year", "2025", "--out", str(tmp_path / "forms"), "--deadline", "2026-01-31",
               "--contact", "王老师", "--previous", str(prev)])
    assert rc == 0
    files = sorted((tmp_path / "forms").glob("*.xlsx"))
    assert len(files) == 16 and files[0].name == "district_rol_2025_sample_01.xlsx"
    assert "wrote 16 district form(s)" in capsys.readouterr().out
    wb = openpyxl.load_workbook(files[0])
    ws = wb["填报 Figures"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "lawyers")
    assert ws.cell(row, 9).value == 1234  # 上年值 / last year
    meta = json.loads(wb["_rolindex"]["A3"].value)
    assert (meta["district"], meta["city"], meta["peer_group"]) == ("sample_01", "示例市B / Sample City B",
                                                                    "sample_city_b")
    assert read_form(files[0], fw).rejected  # blank: refused as empty


def test_template_office_framework_single_workbook(tmp_path, office_fw):
    rc = main(["template", "--year", "2025", "--out", str(tmp_path), "-f", "judicial_office_std", "--single"])
    assert rc == 0
    [path] = tmp_path.glob("*.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    assert len(wb.sheetnames) == 18  # instructions, 16 districts, metadata
    wb.close()


def test_template_bad_districts_table_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "d.csv"
    bad.write_text("name\nx\n", encoding="utf-8")
    assert main(["template", "--year", "2025", "--districts", str(bad), "--out", str(tmp_path)]) == 1
    assert "needs a 'district' column" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.xlsx"))


def test_help_does_not_load_openpyxl():
    import os
    import subprocess
    import sys

    code = ("import sys; from evaluation.cli import build_parser; build_parser(); "
            "print('openpyxl' in sys.modules, 'evaluation.forms.template' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    assert out.stdout.split() == ["False", "False"]
