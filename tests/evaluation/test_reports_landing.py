"""``rolindex report`` refreshes the reports root's ``index.html``: every report folder linked, relatively."""

from __future__ import annotations

import re

from evaluation import paths
from evaluation.cli import main
from evaluation.report.run import refresh_landing_page
from tests.evaluation.tiny_report import write_tiny

LINK = re.compile(r'<a href="([^"]+)">')


def test_two_report_runs_into_two_folders_are_both_linked(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    (tmp_path / "data").mkdir()
    csv, fw = write_tiny(tmp_path / "data")
    for out in ("mine", "other <b>&"):  # the second name needs escaping and percent-encoding
        args = ["report", "--year", "2024", "--figures", str(csv), "--framework", str(fw), "--districts", "x",
                "--out", str(tmp_path / "reports" / out), "--workers", "0", "--no-progress"]
        assert main(args) == 0
    landing = tmp_path / "reports" / "index.html"
    assert f"报告总索引 / all reports: {landing}" in capsys.readouterr().out
    text = landing.read_text(encoding="utf-8")
    assert LINK.findall(text) == ["mine/tiny/2024/index.html", "other%20%3Cb%3E%26/tiny/2024/index.html"]
    assert "<h2>mine / tiny</h2>" in text and "<h2>other &lt;b&gt;&amp; / tiny</h2>" in text
    assert "<b>&" not in text and ">2024</a> — 1 份报告 / 1 reports" in text
    for href in LINK.findall(text):  # each link resolves to the year page it names
        from urllib.parse import unquote

        assert (landing.parent / unquote(href)).is_file()


def test_the_root_is_reports_or_the_out_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    year = tmp_path / "elsewhere" / "tiny" / "2024"
    year.mkdir(parents=True)
    (year / "index.html").write_text("<html></html>", encoding="utf-8")
    (year / "x.html").write_text("<html></html>", encoding="utf-8")
    page = refresh_landing_page(tmp_path / "elsewhere", "en")
    assert page == tmp_path / "elsewhere" / "index.html"  # outside reports/: the out folder is the root
    assert LINK.findall(page.read_text(encoding="utf-8")) == ["tiny/2024/index.html"]
    assert refresh_landing_page(tmp_path / "reports" / "a" / "b") == tmp_path / "reports" / "index.html"
