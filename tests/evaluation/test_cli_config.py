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


def test_cli_validate_and_score_name_the_mixed_row_and_take_encoding(tmp_path, capsys):
    path = tmp_path / "mixed.csv"
    path.write_bytes("district,year,figure,value\n静安,2024,lawyers,1\n".encode()
                     + "光明,2024,lawyers,2\n".encode("gbk"))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "mixed.csv row 3" in out and "line 3 is not UTF-8 like line 2" in out and "--encoding" in out
    assert main(["score", str(path), "-o", str(tmp_path / "s.csv")]) == 1
    assert "line 3 is not UTF-8" in capsys.readouterr().err and not (tmp_path / "s.csv").exists()
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("district,year,figure,value\n静安,2024,lawyers,1\n".encode("gbk"))
    assert main(["validate", str(gbk), "--encoding", "utf-8"]) == 1
    assert "第 2 行不是 utf-8 编码" in capsys.readouterr().out


def test_cli_score_refuses_an_unknown_output_suffix(tmp_path, capsys):
    assert main(["score", "nothing.csv", "-o", str(tmp_path / "scores.xls")]) == 2
    assert "the result table is written as .csv or .xlsx, not .xls" in capsys.readouterr().err
