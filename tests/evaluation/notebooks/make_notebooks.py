"""Regenerate the toy notebooks of the evaluation tests (``python make_notebooks.py``).

Stored without outputs, with fixed cell ids so diffs stay small. Every notebook has a papermill
``parameters`` cell; ``district = None  # required: ...`` marks a required parameter.

- ``trivial``: prints its parameters and the kernel's process id (to see kernel reuse).
- ``chart``: pandas table and a matplotlib bar chart with a Chinese title (CJK font from mplfonts).
- ``failing``: raises for ``district == fail_on``; kills its kernel for ``district == crash_on``.
- ``leak``: sees whether a variable, an rcParam or a once-only warning survived an earlier run.
- ``connection``: prints how its kernel is connected (transport, socket addresses; no key).
- ``outputs``: every kind of output a cell makes (streams, display data, an updated display, a
  cleared output, a suppressed result, a magic, an empty and a skipped cell, an allowed error),
  to compare the warm kernel's one-request runs with papermill's.
- ``awaiting``: a cell with top-level ``await`` (the warm kernel runs it cell by cell).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def code(*lines: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    """A code cell from source lines (with cell ``tags``)."""
    cell = new_code_cell("\n".join(lines))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def params(*lines: str) -> nbformat.NotebookNode:
    """The papermill ``parameters`` cell."""
    cell = code(*lines)
    cell.metadata["tags"] = ["parameters"]
    return cell


def write(name: str, cells: list[nbformat.NotebookNode]) -> None:
    """Write ``<name>.ipynb`` beside this file with deterministic cell ids."""
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                             "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i}"
    nbformat.validate(nb)
    nbformat.write(nb, HERE / f"{name}.ipynb")


def main() -> None:
    """Write every toy notebook."""
    write("trivial", [
        new_markdown_cell("# Toy report\nA trivial parameterised notebook."),
        params(
            "district = None  # required: six-digit district code",
            "year = 2025  # assessment year",
            'label = "默认"',
            "sleep_s = 0.0  # seconds to sleep (used to slow batches down in tests)",
        ),
        code(
            "import os",
            "import time",
            "",
            "time.sleep(sleep_s)",
            'print(f"district={district} year={year} label={label}")',
            'print(f"kernel_pid={os.getpid()}")',
        ),
        code('{"district": district, "year": year, "double_year": 2 * year}'),
    ])
    write("chart", [
        new_markdown_cell("# 区级法治建设评估 (toy chart)"),
        code(
            "import os",
            "",
            "import matplotlib.pyplot as plt",
            "import mplfonts",
            "import numpy as np",
            "import pandas as pd",
            "from matplotlib import font_manager",
            "",
            "_fonts = os.path.join(os.path.dirname(mplfonts.__file__), 'fonts')",
            "font_manager.fontManager.addfont(os.path.join(_fonts, 'NotoSansCJKsc-Regular.otf'))",
            'plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]',
            'plt.rcParams["axes.unicode_minus"] = False',
        ),
        params('district = "110101"  # district code', "seed = 0"),
        code(
            "rng = np.random.default_rng(seed)",
            "scores = pd.DataFrame({",
            '    "维度": ["科学立法", "严格执法", "公正司法", "全民守法"],',
            '    "得分": rng.uniform(60, 95, 4).round(1),',
            "})",
            "scores",
        ),
        code(
            "fig, ax = plt.subplots(figsize=(4, 3))",
            'ax.bar(scores["维度"], scores["得分"], color="#3b6ea5")',
            'ax.set_title(f"法治建设评估 {district}")',
            "ax.set_ylim(0, 100)",
            "plt.show()",
        ),
        code("print(f\"总分 {scores['得分'].mean():.1f}\")"),
    ])
    write("failing", [
        params(
            "district = None  # required: district code",
            'fail_on = "999999"  # district that raises',
            'crash_on = ""  # district that kills the kernel',
        ),
        code("import os", "", 'print("start", district)'),
        code(
            "if district == crash_on:",
            "    os._exit(3)",
            "if district == fail_on:",
            '    raise ValueError(f"bad district {district}")',
            'print("fine", district)',
        ),
        code('print("after")'),
    ])
    write("leak", [
        params("run = 1"),
        code(
            'previous = globals().get("leaked_value", "absent")',
            'print(f"run={run} previous={previous}")',
        ),
        code(
            "import sys",
            "import types",
            "import warnings",
            "",
            "import matplotlib",
            "",
            'print("font.size", matplotlib.rcParams["font.size"])',
            'matplotlib.rcParams["font.size"] = 30',
            "leaked_value = run",
            "# a warning registry that outlives the run, like a library module's",
            'helper = sys.modules.setdefault("leak_helper", types.ModuleType("leak_helper"))',
            'registry = helper.__dict__.setdefault("__warningregistry__", {})',
            'warnings.warn_explicit("toy warning", UserWarning, "leak_helper.py", 1,',
            "                       registry=registry)",
        ),
    ])
    write("outputs", [
        params('label = "甲"'),
        code("import sys", "", "from IPython.display import HTML, Markdown, clear_output, display", "",
             'print("one", label)', 'print("err", file=sys.stderr)', 'print("two")',
             'display(HTML(f"<b>{label}</b>"))', 'print("three")', "42"),
        code('handle = display(Markdown("*draft*"), display_id=True)', 'print("shown")'),
        code('handle.update(Markdown("**final**"))', "clear_output(wait=True)", 'print("after the clear")',
             '{"a": 1}'),
        code("1 + 1;"),
        code("%%capture captured", 'print("hidden")'),
        code('print("captured:", globals()["captured"].stdout.strip())'),
        code(""),
        code('print("skipped")', tags=["skip-execution"]),
        code('raise KeyError("allowed")', tags=["raises-exception"]),
        code('print("still running")', "label"),
    ])
    write("awaiting", [
        params("n = 2"),
        code("import asyncio", "", "await asyncio.sleep(0)", 'print("awaited", n)'),
        code("n * 3"),
    ])
    write("connection", [
        params("district = None  # required: district code"),
        code(
            "import json",
            "import os",
            "",
            "from ipykernel.kernelapp import IPKernelApp",
            "",
            "app = IPKernelApp.instance()",
            "print(json.dumps({",
            '    "district": district,',
            '    "kernel_pid": os.getpid(),',
            '    "transport": app.transport,',
            '    "ip": app.ip,',
            '    "ports": [app.shell_port, app.iopub_port, app.stdin_port, app.control_port, app.hb_port],',
            '    "connection_file": app.abs_connection_file,',
            "}))",
        ),
    ])


if __name__ == "__main__":
    main()
