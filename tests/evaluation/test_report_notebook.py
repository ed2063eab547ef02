"""The district report notebook: a thin template whose parameters match the documented list, and
that runs end to end with papermill into a self-contained HTML report."""

from __future__ import annotations

import ast
import base64
import json
import re

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from evaluation.errors import ReportDataError
from evaluation.report import cells as rc
from evaluation.report import content as rd
from evaluation.report import store
from evaluation.report.html import render_html
from indicators import load_methodology
from tests.conftest import ROOT
from tests.evaluation.tiny_report import HOSTILE, write_tiny

NOTEBOOK = ROOT / "notebooks" / "district_report.ipynb"
REQUIRED = {"district", "year", "figures", "output_dir"}
PNG_IMG = re.compile(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_parameters_cell_comes_first_and_matches_the_documented_list():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = code_cells(nb)[0]
    assert "parameters" in first.metadata.get("tags", [])
    assert nb.cells[0] is first  # nothing before it
    declared = papermill.inspect_notebook(str(NOTEBOOK))
    assert tuple(declared) == rc.PARAMETERS
    required = {name for name, p in declared.items() if p["help"].startswith("required")}
    assert required == REQUIRED
    assert declared["lang"]["default"] == '"zh"'


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None
    assert nb.metadata.kernelspec.name == "python3"


def test_cells_are_single_calls_into_report_cells():
    """No logic in cells: one import, or one call of a report.cells function (optionally assigned)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    called = []
    for cell in code_cells(nb)[1:]:
        tree = ast.parse(cell.source)
        assert len(tree.body) == 1, cell.source
        stmt = tree.body[0]
        if isinstance(stmt, ast.ImportFrom):
            assert stmt.module == "evaluation.report" and [a.name for a in stmt.names] == ["cells"]
            continue
        call = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) else None
        assert isinstance(call, ast.Call), cell.source
        assert isinstance(call.func, ast.Attribute) and call.func.value.id == "rc", cell.source
        assert not any(isinstance(n, ast.If | ast.For | ast.While | ast.Lambda | ast.IfExp) for n in ast.walk(stmt))
        assert callable(getattr(rc, call.func.attr))
        called.append(call.func.attr)
    assert called == ["open_report", "banner", "headline", "grading_status", "profile", "heading", "scorecard",
                      "heading", "points", "heading", "deductions", "adjustments", "heading", "dimension_chart",
                      "trend_chart", "contribution_chart", "rank_uncertainty", "heading", "findings", "heading",
                      "rectification", "heading", "sources", "heading", "basis", "heading", "methodology_note",
                      "write_sidecar"]


def test_headings_are_calls_in_the_pages_language():
    """No markdown headings (they would stay bilingual on an English page): every heading is a call
    whose key is in the wording table."""
    from evaluation.report.wording import HEADINGS

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert [c for c in nb.cells if c.cell_type != "code"] == []
    keys = [ast.literal_eval(ast.parse(c.source).body[0].value.args[1]) for c in code_cells(nb)
            if c.source.startswith("rc.heading(")]
    assert keys and set(keys) <= set(HEADINGS)


def test_open_report_checks_parameters():
    with pytest.raises(ReportDataError, match="district must be a district id"):
        rc.open_report(None, 2024, "synthetic_panel")
    with pytest.raises(ReportDataError, match="year must be an integer, got None"):
        rc.open_report("sample_01", None, "synthetic_panel")
    with pytest.raises(ReportDataError, match="lang must be one of"):
        rc.open_report("sample_01", 2024, "synthetic_panel", lang="de")
    ctx = rc.open_report("sample_01", 2024, "synthetic_panel")
    with pytest.raises(ReportDataError, match="output_dir is required"):
        rc.write_sidecar(ctx, None)


def executed_in_process(ctx) -> nbformat.NotebookNode:
    """The notebook's outputs, made by calling the cells' functions here (what the kernel displays)."""
    cells = []
    for name in ("banner", "headline", "profile", "scorecard", "dimension_chart", "trend_chart", "contribution_chart",
                 "strengths_weaknesses", "methodology_note"):
        frag = getattr(rc, name)(ctx)
        shown = frag._repr_html_()
        html, meta = shown if isinstance(shown, tuple) else (shown, {})
        out = new_output("execute_result", data={"text/html": html, "text/plain": repr(frag)},
                         metadata={"text/html": meta} if meta else {}, execution_count=1)
        cells.append(new_code_cell(f"rc.{name}(ctx)", outputs=[out]))
    return new_notebook(cells=cells)


def test_render_html_is_self_contained_and_escaped(tmp_path):
    store.clear_cache()
    csv, fw = write_tiny(tmp_path, names={"x": HOSTILE})
    ctx = rc.open_report("x", 2024, csv, fw)
    page = render_html(executed_in_process(ctx))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title.startswith("&lt;script&gt;alert(1)&lt;/script&gt;&amp; 2024年法治建设评估报告")
    assert "<script>alert" not in page and "<script" not in page  # the report itself has no scripts
    assert len(PNG_IMG.findall(page)) == 4  # profile, dimensions, trend, contributions
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "rc.headline" not in page  # inputs are hidden


def test_render_html_body_is_nbconverts_without_its_soup_pass(tmp_path):
    """The exporter skips HTMLExporter's BeautifulSoup pass: the same document once both are parsed."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from evaluation.report.html import _exporter

    store.clear_cache()
    csv, fw = write_tiny(tmp_path, names={"x": HOSTILE})
    nb = executed_in_process(rc.open_report("x", 2024, csv, fw))
    ours, _ = _exporter().from_notebook_node(nb)
    theirs, _ = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                             exclude_output_prompt=True, exclude_anchor_links=True).from_notebook_node(nb)
    assert ours != theirs  # not the soup's serialisation ...
    assert str(BeautifulSoup(ours, "html.parser")) == str(BeautifulSoup(theirs, "html.parser"))  # ... same tree
    assert "tabindex" not in theirs  # the basic template has no output areas the soup would mark
    assert "No description has been provided" not in theirs  # every image has its own alt text


def run_report(tmp_path, monkeypatch, **params) -> tuple[nbformat.NotebookNode, str, dict]:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this checkout's packages
    out_dir = tmp_path / "out"
    nb = papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "report.ipynb"), parameters=dict(params, output_dir=str(out_dir)),
        progress_bar=False, cwd=str(tmp_path), kernel_name="python3",
    )
    sidecar = json.loads((out_dir / f"{params['district']}.json").read_text(encoding="utf-8"))
    return nb, render_html(nb), sidecar


@pytest.mark.slow
def test_report_runs_end_to_end_on_the_synthetic_panel(tmp_path, monkeypatch):
    nb, page, sidecar = run_report(tmp_path, monkeypatch, district="sample_01", year=2024, figures="synthetic_panel")
    summary = rd.district_summary(store.load_result("synthetic_panel", "district_rol", None), "sample_01", 2024)
    assert "示例区01" in page and "合成数据" in page
    assert f"{summary['index']:.1f}" in page and f"{summary['rank']}/{summary['n_ranked']}" in page
    images = PNG_IMG.findall(page)
    assert len(images) == 4 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "<title>示例区01 2024年法治建设评估报告" in page and '<html lang="zh-CN">' in page
    assert sidecar == json.loads(json.dumps(rd.sidecar_record(summary)))
    for cell in nb.cells:  # no error output, no stderr noise, no second copy of the HTML as text
        for out in cell.get("outputs", []):
            assert out.output_type in ("execute_result", "display_data"), out
            assert len(out.data["text/plain"]) < 100


@pytest.mark.slow
def test_report_renders_honestly_for_sparse_real_data(tmp_path, monkeypatch):
    _, page, sidecar = run_report(tmp_path, monkeypatch, district="shanghai_jingan", year=2024,
                                  figures="seed_districts")
    assert "静安区" in page and "合成数据" not in page
    assert "数据覆盖不足，无法计算指数" in page and "3/28" in page and "缺失 / missing" in page
    assert len(PNG_IMG.findall(page)) == 4
    assert sidecar["index"] is None and sidecar["rank"] is None and sidecar["grade"] is None
    assert sidecar["coverage"] == pytest.approx(3 / 28)


@pytest.mark.slow
def test_report_in_english_with_a_methodology_dict(tmp_path, monkeypatch):
    frozen = load_methodology(ROOT / "data" / "methodologies" / "frozen_2019.yaml").to_dict()
    _, page, sidecar = run_report(tmp_path, monkeypatch, district="sample_02", year=2023, figures="synthetic_panel",
                                  methodology=frozen, lang="en")
    expected = store.load_result("synthetic_panel", "district_rol", frozen).index[("sample_02", 2023)]
    assert sidecar["index"] == pytest.approx(expected)
    assert '<html lang="en">' in page and "Sample District 02 — rule-of-law assessment 2023" in page
    assert "frozen_2019" in page and "synthetic data" in page
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page)
    assert "Scorecard" in headings and "Methodology" in headings and "Sources and caveats" in headings
    assert not re.search(r"[\u4e00-\u9fff]", " ".join(headings))  # no Chinese heading on an English page
