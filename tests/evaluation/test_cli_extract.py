"""``rolindex extract``: review form, --accept, --panel, inference messages and bad input."""

from __future__ import annotations

import pytest

from evaluation.cli import main
from indicators.framework import load_framework
from indicators.submission import read_figures, validate
from tests.conftest import ROOT

REPORT = ("光明区司法局2020年工作总结\n"
          "2020年,光明区政府共受理行政复议案件21宗,已办结15宗;行政诉讼案件共125宗,已结案85宗,无行政机关败诉情况。\n"
          "全区各社区法律顾问参与普法宣传教育活动1161余场。\n")


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "guangming.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_extract_writes_a_form_that_validates(tmp_path, report, capsys):
    out = tmp_path / "review.xlsx"
    assert main(["extract", str(report), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "guangming.txt: 5 个建议值 proposals (1 需复核 flagged)" in printed
    assert "推断 inferred: 区 district = 光明区, 年 year = 2020" in printed
    assert "required figures not in the reports: population" in printed
    pop = tmp_path / "pop.csv"
    pop.write_text("district,year,figure,value\n光明区,2020,population,1095300\n", encoding="utf-8")
    report_ = validate(read_figures(out, pop), load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml"))
    assert report_.errors == []
    assert not (tmp_path / "review.accepted.csv").exists()


def test_accept_writes_unflagged_rows_with_the_given_district(tmp_path, report, capsys):
    out = tmp_path / "review.xlsx"
    assert main(["extract", str(report), "--district", "shenzhen_guangming", "--year", "2020", "--out", str(out),
                 "--accept"]) == 0
    text = (tmp_path / "review.accepted.csv").read_text(encoding="utf-8")
    assert "publicity_events" not in text  # 1161余 is a lower bound: flagged, never accepted
    assert "shenzhen_guangming,2020,reconsideration_received,21," in text
    assert "推断" not in capsys.readouterr().out


def test_panel(tmp_path, report, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    report.rename(folder / report.name)
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4 garbage")
    out = tmp_path / "panel.csv"
    assert main(["extract", "--panel", str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "跳过 skipped:" in printed and "scan.pdf" in printed
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("district,year,figure,value,district_name,unit,source,quote,note,"
                        "document,sha256,offset,as_written")
    assert len(lines) == 1 + 4
    assert (tmp_path / "panel.review.xlsx").exists()


@pytest.mark.parametrize("argv, code, message", [
    (["extract"], 2, "请给出报告文件或 --panel 文件夹 / give report files or --panel FOLDER"),
    (["extract", "x.txt", "--panel", "."], 2, "give either FILES or --panel, not both"),
    (["extract", "--panel", "no_such_folder"], 2, "no_such_folder: 不是文件夹 / not a folder"),
])
def test_usage_errors(argv, code, message, capsys):
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_unreadable_and_empty_files(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"nope")
    assert main(["extract", str(empty), str(bad), "--out", str(tmp_path / "r.xlsx")]) == 1
    captured = capsys.readouterr()
    assert "empty.txt: 0 个建议值 proposals (0 需复核 flagged) — 文本为空 / the document has no text" in captured.out
    assert "bad.docx: 不是可读取的 .docx 文件" in captured.err
    assert "nothing to review; no form written" in captured.err
    assert not (tmp_path / "r.xlsx").exists()


def test_help_lists_extract(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "extract" in capsys.readouterr().out
