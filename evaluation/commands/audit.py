"""``rolindex audit``: the statistical audit per year (the logic is :mod:`evaluation.audit`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import paths
from ..audit import audit
from .options import add_framework, add_ledger_source, add_methodology, figures_from_args

HELP = ("逐年统计审计：指标统计、相关与标记、Cronbach α、主成分、权重与重要性 / statistical audit per year: indicator "
        "statistics, correlations and flags, Cronbach's alpha, PCA, weights vs importance")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The submissions, ``--framework``, ``--methodology``, ``--year``, ``--out`` and the flag thresholds."""
    p.add_argument("files", nargs="*", help="CSV or XLSX submissions (or --ledger … --year)")
    add_framework(p)
    add_methodology(p)
    add_ledger_source(p)
    p.add_argument("--year", type=int, help="year to audit (default: every year)")
    p.add_argument("--out", "-o", help="folder for the CSV tables (default: reports/<framework>/audit)")
    p.add_argument("--weak", type=float, default=0.3, help="flag |r| with the parent below this (default 0.3)")
    p.add_argument("--collinear", type=float, default=0.9, help="flag pairs with |r| above this (default 0.9)")


def run(args: argparse.Namespace) -> int:
    """Build the index, audit each year, print summaries and write the tables."""
    from indicators import build_index, load_framework, load_methodology
    from indicators.submission import validate

    fw = load_framework(args.framework)
    meth = load_methodology(paths.resolve(args.methodology, paths.METHODOLOGIES))
    sub = figures_from_args(args)
    validate(sub, fw).raise_if_errors()
    result = build_index(sub, fw, meth, validate=False)
    out = Path(args.out) if args.out else paths.REPORTS / fw.id / "audit"
    years = [args.year] if args.year is not None else result.years
    for y in years:
        rep = audit(result, y, weak=args.weak, collinear=args.collinear)
        rep.save(out)
        print(rep.summary())
    print(f"wrote audit tables to {out}")
    return 0
