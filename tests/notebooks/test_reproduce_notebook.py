"""``notebooks/reproduce.ipynb``: a thin, parameterised template stored without outputs, that runs.

The run uses WJP's published table from ``../shared/data/wjp/`` (not redistributable): it fails
under CI=true when the file is absent, and is skipped elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from evaluation.paths import in_checkout
from tests.conftest import ROOT, shared_path

NOTEBOOK = ROOT / "notebooks" / "reproduce.ipynb"


def test_notebook_is_a_thin_parameterised_template_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert {"roli_path", "out_dir", "tolerance", "year_tolerance"} <= {
        line.split("=")[0].strip() for line in code[0].source.splitlines() if "=" in line}
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        # no logic in cells: no definitions, loops or branches — calls into the packages only
        for line in cell.source.splitlines():
            assert not line.lstrip().startswith(("def ", "class ", "for ", "while ", "if ", "lambda")), line
    assert code[0].source.startswith("from evaluation.paths import in_checkout\n")  # the only call
    assert code[1].source == "from evaluation import reproduce as rp"


def test_default_paths_are_taken_from_the_checkout_root(tmp_path, monkeypatch):
    roli = shared_path("data", "wjp", "roli.csv")
    for cwd in (ROOT, ROOT / "notebooks", tmp_path):
        monkeypatch.chdir(cwd)
        assert Path(in_checkout("../shared/data/wjp/roli.csv")).samefile(roli)
        assert in_checkout("reports/wjp_roli/reproduce") == str(ROOT / "reports" / "wjp_roli" / "reproduce")
    assert in_checkout(tmp_path / "mine.csv") == str(tmp_path / "mine.csv")  # absolute: unchanged
    source = nbformat.read(NOTEBOOK, as_version=4).cells[1].source
    assert 'roli_path = in_checkout("../shared/data/wjp/roli.csv")' in source
    assert 'out_dir = in_checkout("reports/wjp_roli/reproduce")' in source


@pytest.mark.slow
@pytest.mark.parametrize("where", ["root", "notebooks"])
def test_notebook_runs_on_the_wjp_table(where, tmp_path, monkeypatch):
    """``papermill notebooks/reproduce.ipynb out.ipynb`` from the repository root or ``--cwd notebooks``."""
    import papermill

    shared_path("data", "wjp", "roli.csv")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this checkout's packages
    out = tmp_path / "reproduce.out.ipynb"
    cwd = ROOT if where == "root" else NOTEBOOK.parent
    # roli_path is left at its default: the notebook finds ../shared from the checkout root
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), cwd=str(cwd), progress_bar=False, kernel_name="python3",
        parameters={"out_dir": str(tmp_path / "report")},
    )
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    text = "\n".join(o.get("data", {}).get("text/plain", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.output_type == "execute_result")
    assert "rounded inputs" in text  # the diagnosis of 2012
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert images  # the chart of the differences
    assert (tmp_path / "report" / "nodes.csv").exists() and (tmp_path / "report" / "summary.md").exists()
