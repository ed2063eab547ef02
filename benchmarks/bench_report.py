"""Benchmark: the kernel CPU of one district report in a warm process, split by section.

Runs the report notebook's calls in this process, as a warm (reused) kernel does: the template's
code cells are read (``ast``, never executed as text) and each ``rc.<function>(ctx)`` is called
from :mod:`evaluation.report.cells`. After one warm-up report (index built, fonts and static chart
layers ready), it loops over the districts of a year and times, per report: data and tables
(open_report, banner, headline, scorecard, strengths, methodology note), each chart, the HTML
export (:func:`evaluation.report.html.render_html` of the outputs, with the template's markdown)
and the sidecar JSON. Prints median CPU (``process_time``) and wall milliseconds per section.

Not included: kernel start-up, papermill and the executor's message passing (the batch runner's
business, see ``evaluation/batch.py``).

Run from the repository root::

    .venv/bin/python benchmarks/bench_report.py                      # 16 synthetic districts, 2024
    .venv/bin/python benchmarks/bench_report.py --national 2850 --sample 40   # national-size panel
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script: this checkout's packages first
    sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from nbformat.v4 import new_output  # noqa: E402

from evaluation.report import cells as rc  # noqa: E402
from evaluation.report import store  # noqa: E402
from evaluation.report.html import render_html  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "district_report.ipynb"
#: Sections timed apart; every other cell's call (grading, points, findings, ...) counts as data+tables.
SECTIONS = {
    "profile": "profile (table+chart)", "dimension_chart": "chart: dimensions", "trend_chart": "chart: trend",
    "contribution_chart": "chart: contributions",
}
CHARTS = ["profile (table+chart)", "chart: dimensions", "chart: trend", "chart: contributions"]
ORDER = ["data+tables", *CHARTS, "HTML export", "sidecar"]


def display_calls(nb: nbformat.NotebookNode) -> list[tuple[int, str, tuple[Any, ...]]]:
    """(cell index, report_cells function, literal arguments after ``ctx``) of every cell that displays
    ``rc.<name>(ctx, ...)`` (e.g. ``rc.heading(ctx, "scorecard")``)."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        stmt = ast.parse(cell.source).body
        if (len(stmt) == 1 and isinstance(stmt[0], ast.Expr) and isinstance(stmt[0].value, ast.Call)
                and isinstance(stmt[0].value.func, ast.Attribute)):
            call = stmt[0].value
            out.append((i, call.func.attr, tuple(ast.literal_eval(a) for a in call.args[1:])))
    return out


def timed(times: dict[str, list[tuple[float, float]]], section: str, fn: Callable[[], Any]) -> Any:
    """Call ``fn`` and add its (cpu, wall) seconds to ``times[section]`` (summed within a report)."""
    c0, w0 = time.process_time(), time.perf_counter()
    value = fn()
    times.setdefault(section, []).append((time.process_time() - c0, time.perf_counter() - w0))
    return value


def one_report(template: nbformat.NotebookNode, calls: list[tuple[int, str, tuple[Any, ...]]], district: str,
               year: int, figures: str | Path, out_dir: Path) -> dict[str, tuple[float, float]]:
    """Produce one report in-process; return (cpu, wall) seconds per section."""
    times: dict[str, list[tuple[float, float]]] = {}
    ctx = timed(times, "data+tables", lambda: rc.open_report(district, year, figures))
    nb = nbformat.from_dict(template)  # a copy of the template, outputs to be filled
    for i, name, extra in calls:
        frag = timed(times, SECTIONS.get(name, "data+tables"),
                     lambda name=name, extra=extra: getattr(rc, name)(ctx, *extra))
        shown = frag._repr_html_()
        html, meta = shown if isinstance(shown, tuple) else (shown, {})
        nb.cells[i].outputs = [new_output("execute_result", data={"text/html": html, "text/plain": repr(frag)},
                                          metadata={"text/html": meta} if meta else {}, execution_count=i)]
    page = timed(times, "HTML export", lambda: render_html(nb))
    timed(times, "sidecar", lambda: rc.write_sidecar(ctx, out_dir))
    (out_dir / f"{district}.html").write_text(page, encoding="utf-8")
    return {k: (sum(c for c, _ in v), sum(w for _, w in v)) for k, v in times.items()}


def national_panel(n: int, folder: Path) -> Path:
    """Write a synthetic panel of ``n`` districts x 6 years as CSV (rates with %), like the demo file."""
    import numpy as np

    from indicators.synthetic import RATE_FIGURES, generate_scale

    t = time.perf_counter()
    panel = generate_scale(n, 6, categorical=False)
    values = panel["value"].to_numpy()
    rate = panel["figure"].isin(RATE_FIGURES).to_numpy()
    panel["value"] = np.where(rate, np.char.add(np.char.mod("%.10g", values * 100), "%"),
                              np.char.mod("%.12g", values))
    path = folder / f"national_{n}.csv"
    panel.to_csv(path, index=False)
    print(f"generated {len(panel):,} rows for {n:,} districts in {time.perf_counter() - t:.1f} s -> {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the per-section table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--figures", default="synthetic_panel", help="figures file or sample name")
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--national", type=int, default=0, help="generate a synthetic panel of N districts instead")
    p.add_argument("--sample", type=int, default=0, help="time only the first N districts (0 = all)")
    p.add_argument("--rounds", type=int, default=2, help="passes over the districts")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        figures: str | Path = national_panel(args.national, tmp_path) if args.national else args.figures
        template = nbformat.read(NOTEBOOK, as_version=4)
        calls = display_calls(template)

        t = time.perf_counter()
        result = store.load_result(figures, "district_rol", None)
        cold_index = time.perf_counter() - t
        districts = sorted(result.index.xs(args.year, level="year").index)
        if args.sample:
            districts = districts[: args.sample]
        t = time.perf_counter()
        one_report(template, calls, districts[0], args.year, figures, tmp_path)  # warm-up
        cold_first = time.perf_counter() - t

        per: dict[str, list[tuple[float, float]]] = defaultdict(list)
        totals: list[tuple[float, float]] = []
        for _ in range(args.rounds):
            for d in districts:
                r = one_report(template, calls, d, args.year, figures, tmp_path)
                for k, v in r.items():
                    per[k].append(v)
                totals.append((sum(c for c, _ in r.values()), sum(w for _, w in r.values())))

        size = statistics.median((tmp_path / f"{d}.html").stat().st_size for d in districts)
    n = len(totals)
    print(f"\nreport for {len(districts)} districts x {args.rounds} rounds ({n} reports), year {args.year}, "
          f"{len(result.index):,} district-years in the result")
    print(f"cold: build the index {cold_index * 1000:.0f} ms (once per process, memoised); "
          f"first report after it {cold_first * 1000:.0f} ms (fonts, exporter, static chart layers)")
    print(f"\n{'section (warm, per report)':28s} {'CPU ms':>8s} {'wall ms':>8s}")
    for k in ORDER:
        cpu = statistics.median(c for c, _ in per[k]) * 1000
        wall = statistics.median(w for _, w in per[k]) * 1000
        print(f"{k:28s} {cpu:8.1f} {wall:8.1f}")
    chart_cpu = statistics.median(sum(r) for r in zip(*(  # per report: the four chart sections summed
        [c for c, _ in per[k]] for k in CHARTS), strict=True))
    print(f"{'charts (sum of the four)':28s} {chart_cpu * 1000:8.1f}")
    cpu = statistics.median(c for c, _ in totals)
    wall = statistics.median(w for _, w in totals)
    print(f"{'total':28s} {cpu * 1000:8.1f} {wall * 1000:8.1f}")
    print(f"\nmedian report size {size / 1024:.0f} KiB; {1 / cpu:.1f} reports per CPU-second; "
          f"2,850 reports on 2 cores: {2850 * cpu / 2 / 60:.1f} min of report CPU "
          "(plus kernel messaging, papermill and the batch runner)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
