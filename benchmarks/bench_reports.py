"""Benchmark: ``rolindex report`` (warm-kernel batch) versus a naive papermill loop, real report notebook.

Same run, same machine, same notebook (``notebooks/district_report.ipynb``) and parameters, on a
synthetic panel of N districts x 6 years (``indicators.synthetic.generate_scale``, written to a
temporary CSV like the sample panel). Strategies:

(a) naive: a sequential loop of ``papermill.execute_notebook`` — a fresh kernel per report that
    reads the figures and builds the index itself, as a standalone run does — followed by
    :func:`evaluation.report.html.render_html` and writing the HTML;
(a') the same loop, but each kernel loads the result the batch parent cached (the notebook's own
    fast path when ``output_dir`` holds a cache): isolates what kernel reuse alone saves;
(b) :func:`evaluation.report.run.run_reports` — the whole ``rolindex report`` command: build the
    index once in the parent, cache it, a pool of ``--workers`` processes each with one warm
    kernel, manifest, index page and score table.

Printed per strategy: wall time, reports per second, median per-report time (naive: around each
papermill call + HTML; batch: inside a worker, execution + writing), CPU seconds per report (this
process, workers and kernels: insensitive to other load), peak resident memory of this process
plus all descendants (workers and kernels; psutil, sampled every 50 ms) and the average number of
cores busy with *other* work meanwhile (a shared machine slows every strategy).

``--pdf`` also measures the PDF step on the batch's reports: (c) :func:`evaluation.report.run.print_pdfs`
— one headless Chromium for all pages over the DevTools pipe — against (c') the naive way, a
``chromium --headless --print-to-pdf`` process per page; per-report cost and the ratio are printed,
and the PDF time for all N is extrapolated from ``--pdf-sample`` reports (default: all).

``--full`` makes 2,850 districts (China's county-level count): the batch runs them all, the naive
loops run a sample (``--naive-sample``, default 20 for (a') and 5 for (a), whose kernels each
spend ~15-25 s building the national index) and their wall time is EXTRAPOLATED to 2,850 (the
output says so).

Usage, from the repository root::

    .venv/bin/python benchmarks/bench_reports.py             # N = 40, naive loops on all 40
    .venv/bin/python benchmarks/bench_reports.py --full      # N = 2,850
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:  # run as a plain script: this checkout's packages first
        sys.path.insert(0, str(p))

from bench_batch import PeakMemory  # noqa: E402
from bench_report import national_panel  # noqa: E402

FULL_N = 2850
YEAR = 2024


def cpu_seconds() -> float:
    """CPU time of this process and every descendant it (or they) have reaped: workers, kernels."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def naive(n: int, total: int, csv: Path, folder: Path, cache_from: Path | None) -> dict:
    """Sequential papermill runs of the first ``n`` of ``total`` districts; HTML written as the batch does."""
    import papermill

    from evaluation.report import store
    from evaluation.report.html import render_html
    from evaluation.report.run import NOTEBOOK, _params

    meth = store.as_methodology(None).to_dict()
    fw = store.resolve_framework("district_rol").absolute()
    width = max(2, len(str(total)))  # ids as indicators.synthetic names them
    districts = [f"sample_{i:0{width}d}" for i in range(1, n + 1)]
    folder.mkdir(parents=True, exist_ok=True)
    out = cache_from if cache_from is not None else folder
    times = []
    c0 = cpu_seconds()
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        for d in districts:
            t = time.perf_counter()
            nb = papermill.execute_notebook(str(NOTEBOOK), str(folder / f"{d}.naive.ipynb"),
                                            parameters=_params(d, YEAR, fw, meth, csv, out, "zh"),
                                            progress_bar=False, kernel_name="python3")
            (folder / f"{d}.naive.html").write_text(render_html(nb), encoding="utf-8")
            times.append(time.perf_counter() - t)
        wall = time.perf_counter() - t0
    return {"n": n, "wall": wall, "times": times, "peak": mem.peak, "other": mem.other_cores,
            "cpu": (cpu_seconds() - c0) / n}


def batch(csv: Path, out: Path, workers: int | None) -> dict:
    """The whole ``rolindex report --year 2024`` for every district of the panel."""
    from evaluation.report.run import run_reports

    c0 = cpu_seconds()
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        [outcome] = run_reports(YEAR, csv, out=out, workers=workers, progress=True, force=True)
        wall = time.perf_counter() - t0
    if outcome.exit_code:
        raise SystemExit(f"benchmark batch failed:\n{outcome.summary()}")
    tasks = json.loads(outcome.manifest.read_text(encoding="utf-8"))["tasks"]
    times = [t["duration_s"] for t in tasks.values() if t["status"] == "ok"]
    return {"n": len(times), "wall": wall, "times": times, "peak": mem.peak, "other": mem.other_cores,
            "cpu": (cpu_seconds() - c0) / len(times), "folder": outcome.folder, "workers": outcome.batch.workers}


def pdf_step(folder: Path, sample: int, naive_sample: int) -> dict:
    """(c) one Chromium for ``sample`` reports; (c') one ``chromium --print-to-pdf`` per page for ``naive_sample``."""
    import subprocess

    from evaluation.browser import FLAGS, find_chromium
    from evaluation.report.run import print_pdfs

    pages = sorted(p for p in folder.glob("*.html") if p.name != "index.html")
    ours = {p.stem: p for p in pages[:sample]}
    t0 = time.perf_counter()
    done, failed = print_pdfs(folder, ours, force=True)
    wall = time.perf_counter() - t0
    if failed:
        raise SystemExit(f"PDF step failed: {failed}")
    chromium = find_chromium()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        for p in pages[:naive_sample]:
            subprocess.run([chromium, *FLAGS, f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                            f"--print-to-pdf={tmp}/{p.stem}.pdf", p.as_uri()], check=True, capture_output=True,
                           timeout=120)
    naive_wall = time.perf_counter() - t0
    return {"n": len(done), "per": wall / len(done), "naive_n": naive_sample, "naive_per": naive_wall / naive_sample}


def row(name: str, n: int, r: dict) -> str:
    wall = r["wall"] / r["n"] * n
    note = "" if r["n"] == n else f"  <- measured on {r['n']}, wall EXTRAPOLATED to {n:,}"
    return (f"{name:<44} {n:>6,} {wall:>9.1f} {n / wall:>9.2f} {statistics.median(r['times']):>9.3f} "
            f"{r['cpu']:>9.3f} {r['peak'] / 2**20:>8.0f} {r['other']:>6.2f}{note}")


def main(argv: list[str] | None = None) -> int:
    """Run the strategies and print the comparison table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=40, help="districts (default 40)")
    p.add_argument("--full", action="store_true", help=f"{FULL_N:,} districts; naive loops on a sample")
    p.add_argument("--workers", type=int, help="batch worker processes (default: the cores)")
    p.add_argument("--naive-sample", type=int, help="districts run by each naive loop (default: all; --full: 20/5)")
    p.add_argument("--skip-naive", action="store_true", help="only the batch")
    p.add_argument("--pdf", action="store_true", help="also measure the PDF step (one Chromium vs one per page)")
    p.add_argument("--pdf-sample", type=int, help="reports printed by the PDF step (default: all)")
    args = p.parse_args(argv)
    n = FULL_N if args.full else args.n
    sample_cached = args.naive_sample or (20 if args.full else n)
    sample_plain = args.naive_sample or (5 if args.full else n)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])

    import papermill

    print(f"python {platform.python_version()}, papermill {papermill.__version__}, {os.cpu_count()} CPUs "
          f"({platform.machine()}), N={n:,}, year {YEAR}")
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = Path(tmp)
        csv = national_panel(n, tmp)
        rows = []
        if not args.skip_naive:
            print(f"(a) naive papermill loop on {sample_plain} districts ...", flush=True)
            a = naive(sample_plain, n, csv, tmp / "naive", None)
        print(f"(b) rolindex report on {n:,} districts ...", flush=True)
        b = batch(csv, tmp / "batch", args.workers)
        if not args.skip_naive:
            print(f"(a') naive papermill loop with the batch's cached result on {sample_cached} districts ...",
                  flush=True)
            a2 = naive(sample_cached, n, csv, tmp / "naive_cached", b["folder"])
            rows.append(row("(a) naive papermill loop + HTML", n, a))
            rows.append(row("(a') naive loop, kernels load the cached index", n, a2))
        rows.append(row(f"(b) rolindex report, {b['workers']} warm workers", n, b))
        pdf = None
        if args.pdf:
            print("(c) PDF step: one Chromium for the batch, vs (c') one chromium --print-to-pdf per page ...",
                  flush=True)
            pdf = pdf_step(b["folder"], args.pdf_sample or n, min(5, args.pdf_sample or n))
    print(f"\n{'strategy':<44} {'N':>6} {'wall s':>9} {'reports/s':>9} {'median s':>9} {'CPU s/rep':>9} "
          f"{'peak MiB':>8} {'other':>6}")
    print("\n".join(rows))
    if not args.skip_naive:
        wall_b = b["wall"]
        print(f"throughput (b) / (a):  {a['wall'] / a['n'] * n / wall_b:.1f}x"
              + ("  (naive side extrapolated)" if a["n"] != n else ""))
        print(f"throughput (b) / (a'): {a2['wall'] / a2['n'] * n / wall_b:.1f}x"
              + ("  (naive side extrapolated)" if a2["n"] != n else ""))
    if pdf is not None:
        print(f"(c) PDF, one Chromium:        {pdf['per']:.3f} s/report (measured on {pdf['n']}); "
              f"{n:,} reports ~ {pdf['per'] * n:.0f} s" + ("  (EXTRAPOLATED)" if pdf["n"] != n else ""))
        print(f"(c') PDF, chromium per page:  {pdf['naive_per']:.3f} s/report (measured on {pdf['naive_n']})")
        print(f"PDF step (c') / (c): {pdf['naive_per'] / pdf['per']:.1f}x")
    print("(b) includes everything `rolindex report` does: reading the figures and building the index once, "
          "the result cache, worker and kernel start-up, every report, the index page and scores.csv.\n"
          "median s: per report (naive: papermill + HTML; batch: inside a worker); CPU s/rep: this process, "
          "workers and kernels; peak MiB: this process + workers + kernels; other: cores busy with other "
          "processes meanwhile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
