"""Benchmark: naive sequential papermill + nbconvert versus the warm-kernel batch runner.

Runs N copies of a small but report-like notebook (pandas frame, weighted score, bar and radar
charts with a Chinese title, a summary table) with different district parameters:

(a) naive: a sequential loop of ``papermill.execute_notebook`` (fresh kernel per report, default
    settings) followed by in-process ``nbconvert.HTMLExporter(exclude_input=True)``;
(b) ``evaluation.batch.engine.run_batch`` with warm kernels on a pool of ``--workers`` processes
    (default 2), writing the same HTML and executed notebook per report;
(c) optionally (``--isolated-pool``) ``run_batch(mode="isolated")``: the same pool, fresh kernels.

Printed per strategy: reports per second, median seconds per report (per-report execution time
as measured around each report), peak resident memory of this process plus all its children
(workers and kernels; psutil, sampled every 50 ms) and the speed-up of (b) over (a).

``--full`` runs the fast path for 2,850 reports and *extrapolates* the naive path from a
20-report sample (the output says so).

Usage::

    python benchmarks/bench_batch.py            # N = 40
    python benchmarks/bench_batch.py --n 100 --workers 2 --isolated-pool
    python benchmarks/bench_batch.py --full
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))

FULL_N = 2850
NAIVE_SAMPLE = 20


def report_notebook(path: Path) -> Path:
    """Write the report-like template used by every strategy."""
    params = new_code_cell(
        'district = "110101"  # district code\n'
        "seed = 0\n"
        'weights = {"科学立法": 0.25, "严格执法": 0.25, "公正司法": 0.25, "全民守法": 0.25}'
    )
    params.metadata["tags"] = ["parameters"]
    cells = [
        new_markdown_cell("# 区级法治建设评估报告"),
        new_code_cell(
            "import os\n\nimport matplotlib.pyplot as plt\nimport mplfonts\nimport numpy as np\n"
            "import pandas as pd\nfrom matplotlib import font_manager\n\n"
            "_fonts = os.path.join(os.path.dirname(mplfonts.__file__), 'fonts')\n"
            "font_manager.fontManager.addfont(os.path.join(_fonts, 'NotoSansCJKsc-Regular.otf'))\n"
            'plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]\n'
            'plt.rcParams["axes.unicode_minus"] = False'
        ),
        params,
        new_code_cell(
            "rng = np.random.default_rng(seed)\n"
            "dims = list(weights)\n"
            "df = pd.DataFrame(rng.uniform(40, 100, (50, 20)),\n"
            "                  columns=[f'{dims[i % 4]}-{i}' for i in range(20)])\n"
            "dim_scores = pd.Series({d: df.filter(like=d).mean().mean() for d in dims})\n"
            "total = float((dim_scores * pd.Series(weights)).sum())\n"
            'print(f"{district} 总分 {total:.2f}")'
        ),
        new_code_cell(
            "fig, ax = plt.subplots(figsize=(5, 3))\n"
            "ax.bar(dim_scores.index, dim_scores.values, color='#3b6ea5')\n"
            "ax.set_title(f'法治建设评估 {district}')\nax.set_ylim(0, 100)\nplt.show()"
        ),
        new_code_cell(
            "angles = np.linspace(0, 2 * np.pi, len(dims), endpoint=False)\n"
            "fig = plt.figure(figsize=(4, 4))\nax = fig.add_subplot(polar=True)\n"
            "ax.plot(np.r_[angles, angles[:1]], np.r_[dim_scores.values, dim_scores.values[:1]])\n"
            "ax.set_xticks(angles, dims)\nax.set_title('维度雷达图')\nplt.show()"
        ),
        new_code_cell("df.describe().T.round(2).head(8)"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}})
    nbformat.write(nb, path)
    return path


def _busy_seconds() -> float:
    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq"))


def _own_seconds() -> float:
    t = os.times()  # children_* include every reaped descendant (kernels, workers)
    return t.user + t.system + t.children_user + t.children_system


class PeakMemory:
    """Peak summed RSS of this process and all its descendants, sampled in a thread.

    Also measures how busy the machine was with *other* work meanwhile (all CPU time minus this
    process tree's), since a shared machine skews timings: ``other_cores`` is its average.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._t0 = (time.perf_counter(), _busy_seconds(), _own_seconds())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        wall, busy, own = (a - b for a, b in zip(
            (time.perf_counter(), _busy_seconds(), _own_seconds()), self._t0, strict=True))
        self.other_cores = max(0.0, busy - own) / wall
        self.own_cpu_s = own


def params_for(i: int) -> dict:
    return {"district": f"{110101 + i}", "seed": i}


def run_naive(template: Path, out: Path, n: int) -> tuple[float, list[float], int]:
    """Sequential papermill + nbconvert HTML; returns wall, per-report seconds, peak bytes."""
    import papermill
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True)
    times = []
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        for i in range(n):
            t = time.perf_counter()
            nb = papermill.execute_notebook(str(template), str(out / f"{i}.ipynb"),
                                            parameters=params_for(i), progress_bar=False)
            html, _ = exporter.from_notebook_node(nb)
            (out / f"{i}.html").write_text(html, encoding="utf-8")
            times.append(time.perf_counter() - t)
        wall = time.perf_counter() - t0
    return wall, times, mem.peak, mem.other_cores, mem.own_cpu_s / n


def run_engine(template: Path, out: Path, n: int, workers: int, mode: str):
    """``run_batch``; returns wall, per-report seconds, peak bytes."""
    from evaluation.batch.engine import Task, run_batch

    tasks = [Task.for_report(f"r{i:04d}", template, out, params_for(i)) for i in range(n)]
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        outcome = run_batch(tasks, workers=workers, mode=mode, force=True, progress=False)
        wall = time.perf_counter() - t0
    if outcome.failed or len(outcome.ok) != n:
        raise SystemExit(f"benchmark batch failed: {outcome.summary()}: "
                         f"{[str(t.error) for t in outcome.failed[:3]]}")
    return wall, [t.duration_s for t in outcome.ok], mem.peak, mem.other_cores, mem.own_cpu_s / n


def line(name: str, n: int, wall: float, times: list[float], peak: int, other: float,
         cpu: float, note: str = "") -> str:
    return (f"{name:<34} {n:>5} {wall:>9.1f} {n / wall:>9.2f} {statistics.median(times):>10.3f}"
            f" {cpu:>9.3f} {peak / 2**20:>9.0f} {other:>11.2f}{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="reports per strategy (default 40)")
    parser.add_argument("--full", action="store_true",
                        help=f"fast path for {FULL_N} reports; naive extrapolated from "
                             f"{NAIVE_SAMPLE}")
    parser.add_argument("--workers", type=int, default=2, help="pool size (default 2)")
    parser.add_argument("--isolated-pool", action="store_true",
                        help="also run the pool with a fresh kernel per report")
    args = parser.parse_args(argv)
    n = FULL_N if args.full else args.n
    naive_n = NAIVE_SAMPLE if args.full else n

    import papermill

    print(f"python {platform.python_version()}, papermill {papermill.__version__}, "
          f"{os.cpu_count()} CPUs ({platform.machine()}), N={n}, workers={args.workers}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        template = report_notebook(tmp / "report.ipynb")
        rows = []
        (tmp / "naive").mkdir()
        a_wall, a_times, a_peak, a_other, a_cpu = run_naive(template, tmp / "naive", naive_n)
        note = ""
        if naive_n != n:
            note = f"  <- measured on {naive_n}, wall EXTRAPOLATED to {n}"
            a_wall = a_wall / naive_n * n
        rows.append(line("(a) naive papermill loop + HTML", n, a_wall, a_times, a_peak,
                         a_other, a_cpu, note))
        b_wall, b_times, b_peak, b_other, b_cpu = run_engine(template, tmp / "warm", n,
                                                             args.workers, "warm")
        rows.append(line(f"(b) run_batch warm, pool of {args.workers}", n, b_wall, b_times,
                         b_peak, b_other, b_cpu))
        if args.isolated_pool:
            c_wall, c_times, c_peak, c_other, c_cpu = run_engine(template, tmp / "iso", n,
                                                                 args.workers, "isolated")
            rows.append(line(f"(c) run_batch isolated, pool of {args.workers}", n, c_wall,
                             c_times, c_peak, c_other, c_cpu))
    print(f"{'strategy':<34} {'N':>5} {'wall s':>9} {'reports/s':>9} {'median s':>10} "
          f"{'CPU s/rep':>9} {'peak MiB':>9} {'other cores':>11}")
    print("\n".join(rows))
    print(f"speed-up (b) over (a): {a_wall / b_wall:.2f}x wall"
          + (" (naive side extrapolated)" if naive_n != n else "")
          + f"; CPU per report (a)/(b) = {a_cpu / b_cpu:.2f}")
    print("median s = per-report time around each report (naive: papermill + HTML in the loop; "
          "batch: execution + writing inside a worker); CPU s/rep = CPU time of this process, "
          "workers and kernels per report (insensitive to other load); peak MiB = this process "
          "+ workers + kernels; other cores = average CPU used meanwhile by processes outside "
          "this benchmark (a shared machine slows both strategies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
