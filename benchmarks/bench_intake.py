"""Time ``rolindex intake`` of one year's returns (2,850 districts) into a ledger, and scoring from the ledger.

Returns: the synthetic panel's 2024 figures (16 sample districts, ``data/submissions/synthetic_panel.csv``)
recycled under 2,850 district codes, one wide-format XLSX workbook per district as a district
office would send it (values as written: ``98.03%``, plain counts). They are written once into
``--work`` (kept between runs).

Measured in the same run:

1. **ledger intake**: :func:`evaluation.ledger.intake.intake` — read + validate in ``--workers``
   processes, record every file (one transaction per district-year) in a fresh SQLite ledger —
   then the per-district summary.
2. **naive loop**: for each file ``pandas.read_excel`` + ``rolindex validate FILE`` (called
   in-process through :func:`evaluation.cli.main`, so without the CLI's start-up cost; nothing is
   recorded). Timed on ``--naive-sample`` files and **extrapolated linearly** to all files.
3. **scoring**: :func:`indicators.build_index` of the year from the ledger
   (:func:`evaluation.ledger.figures_from_ledger`) against from the same figures exported to CSV
   (``read_figures``), best of ``--repeat``.

Targets: intake < 2 minutes on 2 cores; scoring from the ledger < 2x scoring from CSV.

Run from the repository root::

    python benchmarks/bench_intake.py [--districts 2850] [--workers 2] [--naive-sample 100] [--work DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.cli import main as rolindex  # noqa: E402
from evaluation.ledger import figures_from_ledger, open_ledger  # noqa: E402
from evaluation.ledger.export import export_csv  # noqa: E402
from evaluation.ledger.intake import intake, summary  # noqa: E402
from indicators import build_index, load_framework, load_methodology  # noqa: E402
from indicators.submission import read_figures  # noqa: E402

FRAMEWORK = ROOT / "data" / "frameworks" / "district_rol.yaml"
METHODOLOGY = ROOT / "data" / "methodologies" / "baseline.yaml"
YEAR = 2024


def write_returns(folder: Path, n: int) -> list[Path]:
    """``n`` wide XLSX returns (one per district), reusing files already in ``folder``."""
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    panel = pd.read_csv(ROOT / "data" / "submissions" / "synthetic_panel.csv", dtype=str, keep_default_na=False)
    panel = panel[panel["year"] == str(YEAR)]
    wide = panel.pivot(index="district", columns="figure", values="value")
    names = panel.groupby("district")["district_name"].first()
    figures = list(wide.columns)
    out = []
    for i in range(n):
        path = folder / f"d{i + 1:04d}.xlsx"
        out.append(path)
        if path.is_file():
            continue
        src = wide.index[i % len(wide)]
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("figures")
        ws.append(["district", "year", "district_name", *figures])
        row = [f"d{i + 1:04d}", YEAR, f"区{i + 1:04d} / District {i + 1:04d} ({names[src]})"]
        for f in figures:
            v = wide.loc[src, f]
            row.append(None if not isinstance(v, str) or v == "" else v if v.endswith("%") else float(v.replace(",", "")))
        ws.append(row)
        wb.save(path)
    return out


def naive(files: list[Path]) -> float:
    """Seconds for ``read_excel`` + ``rolindex validate`` on each file."""
    t = time.perf_counter()
    for f in files:
        pd.read_excel(f)
        with contextlib.redirect_stdout(io.StringIO()):
            rolindex(["validate", str(f), "--framework", str(FRAMEWORK)])
    return time.perf_counter() - t


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=2850)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--naive-sample", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "rolindex_bench_intake")
    args = ap.parse_args()

    t = time.perf_counter()
    files = write_returns(args.work / "returns", args.districts)
    print(f"returns: {len(files)} XLSX files in {args.work / 'returns'} ({time.perf_counter() - t:.1f} s to "
          f"write or find)")
    fw = load_framework(FRAMEWORK)
    ledger_path = args.work / "ledger.sqlite"
    for p in (ledger_path, ledger_path.with_name("ledger.sqlite-wal"), ledger_path.with_name("ledger.sqlite-shm")):
        p.unlink(missing_ok=True)

    with open_ledger(ledger_path) as ledger:
        t = time.perf_counter()
        outcomes = intake(ledger, files, str(FRAMEWORK), year=YEAR, workers=args.workers)
        table = summary(ledger, outcomes, fw, YEAR)
        t_intake = time.perf_counter() - t
        statuses = table["status"].value_counts().to_dict()
        print(f"ledger intake: {len(files)} files -> {sum(o.new for o in outcomes)} submissions {statuses} "
              f"in {t_intake:.1f} s ({t_intake / len(files) * 1000:.1f} ms/file, {args.workers} workers); "
              f"target < 120 s: {'met' if t_intake < 120 else 'NOT met'}")

        sample = files[: args.naive_sample]
        t_sample = naive(sample)
        t_naive = t_sample / len(sample) * len(files)
        print(f"naive loop (read_excel + rolindex validate per file, 1 process): {len(sample)} files in "
              f"{t_sample:.1f} s, extrapolated linearly to {len(files)} files: {t_naive:.0f} s")
        print(f"ratio naive / ledger intake: {t_naive / t_intake:.1f}x")

        csv = args.work / "export.csv"
        export_csv(ledger, YEAR, csv)
        meth = load_methodology(METHODOLOGY)
        t_csv = best(lambda: build_index(read_figures(csv), fw, meth), args.repeat)
        t_led = best(lambda: build_index(figures_from_ledger(ledger, YEAR), fw, meth), args.repeat)
        print(f"scoring {YEAR} ({len(files)} districts): from CSV {t_csv:.2f} s, from the ledger {t_led:.2f} s "
              f"(best of {args.repeat}); ratio ledger / CSV {t_led / t_csv:.2f}x, target < 2x: "
              f"{'met' if t_led < 2 * t_csv else 'NOT met'}")


if __name__ == "__main__":
    main()
