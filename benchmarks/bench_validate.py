"""Time ``Submission.from_frame`` + ``validate`` + ``to_wide`` on a national-scale panel.

2,850 districts × 10 years × every figure of ``data/frameworks/district_rol.yaml`` (59) ≈ 1.7 M
long rows, made with numpy: counts drawn within their declared ranges, parts never above their
wholes, reported rates computed from their counts and rounded to 4 decimals, rows shuffled, and
a few hundred planted errors so the failure path is exercised too. A naive per-row Python
implementation of the same checks is timed on a subset in the same run and scaled linearly.

Run from the repository root::

    python benchmarks/bench_validate.py [--districts 2850] [--years 10] [--naive-districts 100]
    python benchmarks/bench_validate.py --memory [--rows 1000000]

``--memory`` writes a good long CSV of ``--rows`` rows and, each in a fresh subprocess, measures the
peak RSS (``VmHWM`` of ``/proc/self/status``, Linux; ``ru_maxrss`` would carry the parent's peak
across ``exec``) of ``read_figures`` + ``validate`` and of the naive way (every
cell held as a Python string in a list per row, as ``list(csv.reader(...))`` gives), both above
the RSS of the same process after its imports. Target: the validation's own peak < 4× the file
size.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indicators.framework import Framework, load_framework
from indicators.submission import Submission, to_wide, validate

FRAMEWORK = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "district_rol.yaml"


def make_panel(fw: Framework, n_districts: int, n_years: int, seed: int = 0,
               n_planted: int = 200) -> pd.DataFrame:
    """A shuffled long frame (district, year, figure, value, group) with planted errors."""
    rng = np.random.default_rng(seed)
    n_keys = n_districts * n_years
    wide: dict[str, np.ndarray] = {}
    for spec in fw.figures.values():
        if spec.kind == "count":
            lo = spec.lower or 0.0
            hi = spec.upper if spec.upper is not None else 50_000.0
            hi = min(hi, max(lo * 100, 50_000.0))
            wide[spec.id] = np.floor(rng.uniform(lo, hi, n_keys))
        elif spec.kind == "rate":
            wide[spec.id] = np.round(rng.uniform(0.6, 1.0, n_keys), 4)
        else:
            wide[spec.id] = rng.integers(0, 2, n_keys).astype(float)
    for part, whole in fw.checks:  # parts never exceed wholes
        wide[part] = np.floor(wide[whole] * rng.uniform(0.3, 1.0, n_keys))
    index = pd.RangeIndex(n_keys)
    series = {k: pd.Series(v, index=index) for k, v in wide.items()}
    for node in fw.nodes.values():  # reported rates agree with their counts
        if node.reported:
            value, _ = node.formula.evaluate(series, index)
            wide[node.reported] = np.round(value.to_numpy(), 4)
    figs = list(fw.figures)
    names = np.array([f"sample_{i:04d}" for i in range(n_districts)], dtype=object)
    values = np.column_stack([wide[f] for f in figs]).ravel()
    key = np.repeat(np.arange(n_keys), len(figs))
    district = names[key // n_years]
    year = 2015 + key % n_years
    figure = np.tile(np.array(figs, dtype=object), n_keys)
    group = np.array([f"group_{i % 30:02d}" for i in range(n_districts)], dtype=object)
    order = rng.permutation(len(values))
    order = order[~np.isnan(values[order])]  # a 0/0 reported rate is not submitted
    df = pd.DataFrame({"district": district[order], "year": year[order],
                       "figure": figure[order], "value": values[order],
                       "group": group[key // n_years][order]})
    rate_rows = np.flatnonzero(df["figure"].to_numpy() == "service_satisfaction")
    planted = rng.choice(rate_rows, n_planted // 2, replace=False)
    df.loc[planted, "value"] = df.loc[planted, "value"] * 100  # 98.6 instead of 0.986
    neg = rng.choice(np.flatnonzero(df["figure"].to_numpy() == "lawyers"), n_planted // 2,
                     replace=False)
    df.loc[neg, "value"] = -1.0
    return df


def naive(df: pd.DataFrame, fw: Framework) -> tuple[int, pd.DataFrame]:
    """The same checks with a per-row Python loop (the baseline being beaten)."""
    problems = 0
    cells: dict[tuple[str, int], dict[str, float]] = {}
    for row in df.itertuples(index=False):
        spec = fw.figures.get(row.figure)
        if spec is None:
            problems += 1
            continue
        v = float(row.value)
        if (spec.lower is not None and v < spec.lower) or (spec.upper is not None
                                                           and v > spec.upper):
            problems += 1
        if spec.kind == "count" and not float(v).is_integer():
            problems += 1
        figs = cells.setdefault((row.district, int(row.year)), {})
        if row.figure in figs:
            problems += 1
        else:
            figs[row.figure] = v
    for figs in cells.values():
        for part, whole in fw.checks:
            if part in figs and whole in figs and figs[part] > figs[whole]:
                problems += 1
        for spec in fw.figures.values():
            if spec.required and spec.id not in figs:
                problems += 1
        for node in fw.nodes.values():
            if node.reported and node.reported in figs:
                tree = node.formula
                if all(f in figs for f in tree.figures):
                    index = pd.RangeIndex(1)
                    val, _ = tree.evaluate({f: pd.Series([figs[f]]) for f in tree.figures}, index)
                    gap = abs(val.iloc[0] - figs[node.reported])
                    if not math.isnan(val.iloc[0]) and gap > 5e-5:
                        problems += 1
    wide = pd.DataFrame.from_dict(cells, orient="index").sort_index()
    return problems, wide


_MEMORY_CHILD = """
import csv, io, sys, time
def hwm():  # this process's own peak RSS in KiB (ru_maxrss would include the parent's, kept across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
sys.path.insert(0, {root!r})
from indicators.framework import load_framework
from indicators.submission import read_figures, validate
fw = load_framework({fw!r})
base = hwm()
t0 = time.perf_counter()
if {naive!r}:
    data = open({path!r}, "rb").read()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    n = len(rows)
else:
    report = validate(read_figures({path!r}), fw)
    n = report.rows
print(n, base, hwm(), time.perf_counter() - t0)
"""


def memory(rows: int) -> None:
    """Peak RSS of reading + validating a good ``rows``-row CSV, against the naive way, in subprocesses."""
    import subprocess
    import tempfile

    fw = load_framework(FRAMEWORK)
    per = len(fw.figures)
    df = make_panel(fw, math.ceil(rows / per / 10) + 1, 10, n_planted=0).head(rows).drop(columns="group")
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "figures.csv")
        df.to_csv(path, index=False)
        del df
        size = Path(path).stat().st_size
        print(f"file: {rows:,} rows, {size / 1e6:.1f} MB")
        results = {}
        for label, naive_way in (("read_figures + validate", False), ("naive: list of cell strings per row", True)):
            code = _MEMORY_CHILD.format(root=root, fw=str(FRAMEWORK), path=path, naive=naive_way)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            n, base, peak, secs = out.split()
            extra = (int(peak) - int(base)) * 1024  # ru_maxrss is in KiB on Linux
            results[label] = extra
            print(f"{label}: peak RSS {int(peak) / 1024:.0f} MB (after imports {int(base) / 1024:.0f} MB), "
                  f"its own {extra / 1e6:.0f} MB = {extra / size:.1f}× the file, {float(secs):.1f} s, {n} rows")
        ours = results["read_figures + validate"]
        print(f"ratio to the naive way: {ours / results['naive: list of cell strings per row']:.2f}")
        print(f"verdict: {'PASS' if ours < 4 * size else 'FAIL'} (target: < 4× the file size, "
              f"{4 * size / 1e6:.0f} MB)")


def main() -> None:
    """Parse arguments, build the panel, time both implementations and print the numbers."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=2850)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--naive-districts", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="measure peak memory instead of time")
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    if args.memory:
        memory(args.rows)
        return
    fw = load_framework(FRAMEWORK)
    df = make_panel(fw, args.districts, args.years)
    print(f"{len(df):,} rows: {args.districts:,} districts × {args.years} years × "
          f"{len(fw.figures)} figures")
    totals: dict[str, float] = {}
    for label, frame in (("object strings", df),
                         ("categoricals", df.astype({"district": "category", "figure": "category",
                                                     "group": "category"}))):
        best = {"from_frame": math.inf, "validate": math.inf, "to_wide": math.inf,
                "total": math.inf}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sub = Submission.from_frame(frame, name="synthetic")
            t1 = time.perf_counter()
            report = validate(sub, fw)
            t2 = time.perf_counter()
            wide = to_wide(sub, fw)
            t3 = time.perf_counter()
            for k, v in (("from_frame", t1 - t0), ("validate", t2 - t1), ("to_wide", t3 - t2),
                         ("total", t3 - t0)):
                best[k] = min(best[k], v)
        print(f"vectorised, {label} (best of {args.repeat}): "
              + ", ".join(f"{k} {v:.3f} s" for k, v in best.items()))
        print(f"  {len(report.errors)} errors, {len(report.warnings)} warnings; "
              f"wide {wide.shape}")
        totals[label] = best["total"]

    sub_df = df[df["district"].isin([f"sample_{i:04d}" for i in range(args.naive_districts)])]
    t0 = time.perf_counter()
    n_problems, _ = naive(sub_df, fw)
    t_naive = time.perf_counter() - t0
    scaled = t_naive * len(df) / len(sub_df)
    print(f"naive per-row loop: {t_naive:.3f} s on {len(sub_df):,} rows "
          f"({n_problems} problems) → {scaled:.1f} s scaled to {len(df):,} rows")
    print("speed-up: " + ", ".join(f"{scaled / t:.0f}× ({label})" for label, t in totals.items()))


if __name__ == "__main__":
    main()
