"""Time ``rolindex intake`` of one year's returned forms (2,850 districts) into a ledger, and scoring from it.

Returns: 2,850 district forms of ``data/frameworks/district_rol.yaml`` written by
:func:`evaluation.forms.write_form` and filled by :func:`evaluation.forms.fill_form` with the synthetic
panel's 2024 figures (16 sample districts recycled), as a district office returns them: one sample
in 16 with a rate typed as 95 instead of 95 % (rejected), one with its sheet renamed (accepted with a
warning), so one form in eight gets a feedback workbook. They are written once into ``--work`` (kept
between runs): 16 forms written and filled by :mod:`evaluation.forms`, the rest copies of them with
the district code and names replaced (see :func:`write_returns`).

Measured in the same run:

1. **ledger intake**: :func:`evaluation.ledger.intake.intake` — read each form
   (:func:`~evaluation.forms.read_form`), validate it, write its feedback workbook if it has a
   problem (a clean form gets none), in ``--workers`` processes; record every file in a fresh SQLite
   ledger (one transaction per district-year) — then the per-district summary. ``--no-feedback``
   leaves the feedback workbooks out.
2. **naive loop**: for each file ``pandas.read_excel`` of the figures sheet, written out as a long
   CSV, then ``rolindex validate`` on it (called in-process through :func:`evaluation.cli.main`, so
   without the CLI's start-up cost; nothing is recorded, no feedback). Timed on ``--naive-sample``
   files and **extrapolated linearly** to all files.
3. **scoring**: :func:`indicators.build_index` of the year from the ledger
   (:func:`evaluation.ledger.figures_from_ledger`) against from the same figures exported to CSV
   (``read_figures``), best of ``--repeat``.

Targets: intake < 2 minutes on 2 cores; scoring from the ledger < 2x scoring from CSV.

Run from the repository root::

    python benchmarks/bench_intake.py [--forms 2850] [--workers 2] [--naive-sample 100] [--work DIR]

Profile the reading of forms with ``python -m cProfile -o intake.prof benchmarks/bench_intake.py
--forms 200 --workers 1 --naive-sample 1`` (one process, so the profile sees the workers' work).
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
#: Planted mistakes by sample number (0-based, of 16): one rejected, one accepted with a warning.
MISTAKEN = {2: ["rate_as_95"], 5: ["rename_sheet"]}
#: One year's district forms: the size the target is stated for.
YEAR_OF_FORMS = 2850


def _names(i: int) -> tuple[str, str, str]:
    return f"d{i + 1:04d}", f"示例区{i + 1:04d}", f"Bench District {i + 1:04d}"


def _clone(template: Path, k: int, i: int, path: Path) -> None:
    """Copy form ``template`` (district number ``k``) as district ``i``: its code and names replaced in the XML."""
    import zipfile

    swaps = [(a.encode(), b.encode()) for a, b in zip(_names(k), _names(i), strict=True)]
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            for old, new in swaps:
                data = data.replace(old, new)
            dst.writestr(info, data)
    tmp.replace(path)


def write_returns(folder: Path, n: int) -> list[Path]:
    """``n`` filled district forms in ``folder``, reusing those already there.

    The first 16 (one per sample district of the panel) are written and filled by
    :mod:`evaluation.forms`; the others are copies of them with the district's code and names
    replaced inside the workbook XML (the forms are identical but for those), which is much faster
    than writing 2,850 forms with openpyxl. Each copy reads back as its own district's form.
    """
    from evaluation.forms import fill_form, write_form
    from evaluation.forms.districts import District
    from evaluation.forms.filling import panel_values
    from evaluation.forms.template import form_filename

    folder.mkdir(parents=True, exist_ok=True)
    fw = load_framework(FRAMEWORK)
    samples = list(panel_values(ROOT / "data" / "submissions" / "synthetic_panel.csv", fw, YEAR).values())
    paths = [folder / form_filename(fw, _names(i)[0], YEAR) for i in range(n)]
    for i, path in enumerate(paths):
        if path.is_file():
            continue
        k = i % len(samples)
        if i < len(samples):
            tmp = path.with_name(path.name + ".part.xlsx")
            write_form(fw, District(*_names(i), "示例市", "bench"), YEAR, tmp)
            fill_form(tmp, samples[k], fw, mistakes=MISTAKEN.get(k, ()))
            tmp.replace(path)
        else:
            _clone(paths[k], k, i, path)
    return paths


def naive(files: list[Path], work: Path) -> float:
    """Seconds for ``read_excel`` of the figures sheet + a long CSV + ``rolindex validate`` on each file."""
    from evaluation.forms.layout import HEADER_ROW

    t = time.perf_counter()
    for f in files:
        frame = pd.read_excel(f, sheet_name=1, header=HEADER_ROW - 1)  # the figures sheet, renamed or not
        frame = frame[frame.iloc[:, 7].notna()]
        long = pd.DataFrame({"district": f.stem.rsplit("_", 1)[-1], "year": YEAR, "figure": frame.iloc[:, 0],
                             "value": frame.iloc[:, 7]})
        csv = work / "naive.csv"
        long.to_csv(csv, index=False)
        with contextlib.redirect_stdout(io.StringIO()):
            rolindex(["validate", str(csv), "--framework", str(FRAMEWORK)])
    return time.perf_counter() - t


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the intake's worker processes)."""
    import resource

    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", "--districts", dest="forms", type=int, default=YEAR_OF_FORMS,
                    help="returned forms to take in")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--naive-sample", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "rolindex_bench_intake_forms")
    ap.add_argument("--no-feedback", action="store_true", help="do not write feedback workbooks")
    args = ap.parse_args()

    t = time.perf_counter()
    folder = args.work / "returns_1_in_8_faulty"  # not the older, all-clean "returns" of earlier versions
    files = write_returns(folder, args.forms)
    print(f"returns: {len(files)} filled forms in {folder} ({time.perf_counter() - t:.1f} s to "
          f"write or find)")
    fw = load_framework(FRAMEWORK)
    ledger_path = args.work / "ledger.sqlite"
    import os

    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for p in (ledger_path, ledger_path.with_name("ledger.sqlite-wal"), ledger_path.with_name("ledger.sqlite-shm")):
        p.unlink(missing_ok=True)

    with open_ledger(ledger_path) as ledger:
        feedback = None if args.no_feedback else args.work / "feedback"
        cpu0 = _cpu()
        t = time.perf_counter()
        outcomes = intake(ledger, files, str(FRAMEWORK), year=YEAR, workers=args.workers, feedback_dir=feedback)
        table = summary(ledger, outcomes, fw, YEAR)
        t_intake = time.perf_counter() - t
        cpu = _cpu() - cpu0
        statuses = table["status"].value_counts().to_dict()
        written = sum(bool(o.feedback) for o in outcomes)
        print(f"ledger intake: {len(files)} files -> {sum(o.new for o in outcomes)} submissions {statuses} "
              f"in {t_intake:.1f} s ({t_intake / len(files) * 1000:.1f} ms/file, {args.workers} workers, "
              f"{'no feedback' if feedback is None else f'{written} feedback workbooks written'})")
        print(f"CPU time of the intake (writer + worker processes): {cpu:.1f} s "
              f"({cpu / len(files) * 1000:.1f} ms/file): on {args.workers} idle cores about "
              f"{cpu / max(1, args.workers):.0f} s for these {len(files)} forms (CPU time / cores, if the work "
              f"splits evenly)")
        full = t_intake * YEAR_OF_FORMS / len(files)
        print(f"target: {YEAR_OF_FORMS:,} forms < 120 s: {'met' if full < 120 else 'NOT met'}"
              + ("" if len(files) == YEAR_OF_FORMS else
                 f" (extrapolated linearly from {len(files)} forms: {full:.0f} s)"))

        sample = files[: args.naive_sample]
        t_sample = naive(sample, args.work)
        t_naive = t_sample / len(sample) * len(files)
        print(f"naive loop (read_excel + long CSV + rolindex validate per file, 1 process): {len(sample)} files in "
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
