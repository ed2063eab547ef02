"""The CLI prints configuration-file errors (file, line, key) without a traceback and exits 1."""

from __future__ import annotations

from evaluation.cli import main
from tests.indicators.test_configfile import BAD_METHODOLOGY
from tests.indicators.test_framework import I1_LINE, edit, write


def test_cli_validate_with_a_bad_framework(tmp_path, capsys):
    fw = write(tmp_path, edit("formula: closed / cases", "formula: closed / 0"))
    fig = tmp_path / "f.csv"
    fig.write_text("district,year,figure,value\nA,2024,cases,1\n", encoding="utf-8")
    assert main(["validate", str(fig), "-f", str(fw)]) == 1
    err = capsys.readouterr().err
    assert f"mini.yaml line {I1_LINE} (node I1, formula): 除数恒为 0" in err and "Traceback" not in err


def test_cli_score_with_a_bad_methodology(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_METHODOLOGY.replace("{min: .nan,", "{min: 80,"), encoding="utf-8")
    fig = tmp_path / "f.csv"
    fig.write_text("district,year,figure,value\nA,2024,cases,1\n", encoding="utf-8")
    assert main(["score", str(fig), "-m", str(path), "-o", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml line 7: aggregate: 'generalised' requires parameter 'p'" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()
