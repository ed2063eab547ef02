"""The shipped tabular export of the district framework is in step with its YAML."""

from __future__ import annotations

from evaluation.cli import main
from tests.conftest import ROOT


def test_shipped_framework_tables_match_yaml(tmp_path):
    out = tmp_path / "district_rol.nodes.csv"
    assert main(["framework", "-o", str(out)]) == 0
    shipped = ROOT / "data" / "frameworks"
    assert out.read_bytes() == (shipped / "district_rol.nodes.csv").read_bytes(), (
        "data/frameworks/district_rol.nodes.csv is stale: run "
        "`rolindex framework -o data/frameworks/district_rol.nodes.csv`"
    )
    assert (tmp_path / "district_rol.figures.csv").read_bytes() == (
        shipped / "district_rol.figures.csv"
    ).read_bytes()


def test_framework_export_xlsx_has_nodes_and_figures(tmp_path):
    import pandas as pd

    out = tmp_path / "fw.xlsx"
    assert main(["framework", "-o", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"nodes", "figures"}
    nodes = sheets["nodes"]
    assert len(nodes) == 35
    assert nodes.loc[nodes["code"] == "D1.1", "parent"].item() == "D1"
    assert "行政机关负责人出庭应诉率" in set(nodes["name_zh"])
