"""``rolindex score``: validate, build the index, write the result table and print the ranking."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from indicators import build_index, load_framework, load_methodology
from indicators.io import atomic_write_text

from .. import paths
from . import rollup_options
from .options import USAGE, add_encoding, add_framework, add_ledger_source, add_methodology, figures_from_args

#: Suffixes ``--out`` may have: the table as CSV (UTF-8) or as an XLSX workbook.
OUT_SUFFIXES = (".csv", ".xlsx")

HELP = ("校验、计算指数、写出结果表并打印排名 / "
        "validate, build the index, write the result table, print the ranking")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The submissions, ``--framework``, ``--methodology``, ``--out``, ``--year`` and ``--rollup``."""
    p.add_argument("files", nargs="*", help="CSV or XLSX submissions (or --ledger … --year)")
    add_framework(p)
    add_methodology(p)
    add_encoding(p)
    p.add_argument("--out", "-o", help="result table, .csv or .xlsx (default: reports/<framework>/scores.csv)")
    p.add_argument("--year", type=int, help="year to print (default: every year); with --ledger, the year read")
    rollup_options.add_arguments(p)
    add_ledger_source(p)


def run(args: argparse.Namespace) -> int:
    """Score submissions and print the ranking."""
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        print(f"error: 结果表只能写成 .csv 或 .xlsx / --out {out.name}: the result table is written as "
              f".csv or .xlsx, not {out.suffix or 'a file without suffix'}", file=sys.stderr)
        return USAGE
    fw = load_framework(args.framework)
    out = out or paths.REPORTS / fw.id / "scores.csv"
    return score_files(args.files, args.framework, args.methodology, out, args.year,
                       rollup=rollup_options.options(args), encoding=args.encoding,
                       submission=figures_from_args(args))


def score_files(files: Sequence[str], framework: str, methodology: str, out: Path, year: int | None,
           title: str = "", rollup: rollup_options.RollupOptions | None = None,
           encoding: str | None = None, submission=None) -> int:
    """Score ``files`` (or an already read ``submission``), write the table and print the ranking."""
    from indicators.submission import read_figures, validate

    fw = load_framework(framework)
    meth = load_methodology(paths.resolve(methodology, paths.METHODOLOGIES))
    sub = submission if submission is not None else read_figures(*files, encoding=encoding)
    report = validate(sub, fw)
    if report.warnings:
        print(report.summary())
    report.raise_if_errors()
    mapping = rollup_options.read_checked(sub, rollup) if rollup is not None else None
    result = build_index(sub, fw, meth, validate=False)
    if year is not None and year not in result.years:
        print(f"error: 数据中没有 {year} 年 / no figures for {year}; years present: "
              f"{', '.join(map(str, result.years))}", file=sys.stderr)
        return USAGE
    if out.suffix.lower() == ".xlsx":
        result.to_xlsx(out)  # a real workbook; text cells as strings (indicators.outputs)
    else:
        result.to_csv(out)
    prov = dict(result.provenance)
    atomic_write_text(out.with_suffix(".provenance.json"),
                      json.dumps(prov, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    years = [year] if year is not None else result.years
    for y in years:
        print_ranking(result, y, title)
    print(f"wrote {out} (+ {out.with_suffix('.provenance.json').name})")
    if rollup is not None:
        rollup_options.write_rollup(result, mapping, rollup, out, years)
    return 0


def print_ranking(result, year: int, title: str = "") -> None:
    """Print one year's ranking: rank, district, index, grade, coverage.

    District-years below the methodology's grading rule (不评定等次) are listed after the ranked
    ones, each with its reason.
    """
    table = result.ranking(year)
    fw = result.framework
    head = f"{fw.zh} / {fw.en} — {year}"
    print(f"\n{title + ' — ' if title else ''}{head}  [{result.methodology.name}]")
    graded = table["graded"].astype(bool) if "graded" in table else pd.Series(True, index=table.index)
    _print_table(table[graded | table["index"].isna()], len(result.indicators.columns))
    ungraded = table[~graded & table["index"].notna()]
    if len(ungraded):
        print(f"\n不评定等次（不参与排名）/ Not graded (not ranked): {len(ungraded)}")
        _print_table(ungraded, len(result.indicators.columns))
        for r in ungraded.itertuples(index=False):
            print(f"  {r.district_name}: {r.grade_reason}")


def _print_table(t: pd.DataFrame, n_total: int) -> None:
    view = pd.DataFrame({
        "排名 rank": t["rank"].astype("string").fillna("–"),
        "区 district": t["district_name"],
        "指数 index": t["index"].map(lambda v: "missing" if pd.isna(v) else f"{v:6.2f}"),
        "等次 grade": (t["grade_zh"].fillna("–") + " " + t["grade_en"].fillna("")).str.strip(),
        "覆盖 coverage": t["coverage"].map(lambda v: f"{v:.0%}"),
    })
    if "indicators_used" in t:  # indicators with data that count in the index (their dimension is scored)
        view["计入 counted"] = t["indicators_used"].map(lambda v: f"{v}/{n_total}")
    print(view.to_string(index=False))
