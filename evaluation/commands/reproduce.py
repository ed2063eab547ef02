"""``rolindex reproduce``: recompute a published index and report where and by how much it differs.

Examples::

    # WJP: sub-factor scores in, factor and overall scores compared (the data are WJP's: give the path)
    rolindex reproduce --framework wjp_roli --methodology wjp \\
        --inputs ../shared/data/wjp/roli.csv --published ../shared/data/wjp/roli.csv \\
        --unit-column code --name-column country --group-column region \\
        --tolerance 1e-12 --year-tolerance 2012=5e-3 --out reports/wjp_roli/reproduce

    # COINr's example coin: iData + iMeta in, COINr's aggregated data set and ranks compared
    rolindex reproduce --inputs asem_iData.csv --coinr-meta asem_iMeta.csv -m coinr_example \\
        --published a_example_aggregated.csv --published-ranks a_example_ranks.csv --unit-column uCode

Exit code 0 when every compared value agrees within the tolerance, 3 when not, 1 on errors.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from indicators import IndicatorsError, build_index, load_framework, load_methodology

from .. import paths
from ..errors import EvaluationError
from ..reproduce import ReproductionError, read_table, reproduce, write_report
from .options import TOLERANCE, methodology_name

HELP = ("复算已发布得分，按节点、层级、年份和排名报告差异 / "
        "recompute published scores; report differences per node, level, year and rank")
#: Exit code of a reproduction outside its tolerance.
EXIT_NOT_REPRODUCED = TOLERANCE


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Inputs, published tables, column names, mapping, tolerances and output of ``rolindex reproduce``."""
    p.description = ("Recompute an index from its inputs with a framework and a methodology, compare every "
                     "node the published table holds, and write nodes.csv, differences.csv, ranks.csv, "
                     "scores.csv, summary.md and provenance.json. Exit 3 when outside the tolerance.")
    p.add_argument("--framework", "-f", help="framework YAML or a name in data/frameworks (default: "
                   "district_rol; with --coinr-meta, built from iMeta)")
    p.add_argument("--methodology", "-m", required=True, type=methodology_name,
                   help="methodology YAML or a name in data/methodologies (e.g. wjp, coinr_example)")
    p.add_argument("--inputs", "-i", nargs="+", required=True, help="input file(s) (CSV or XLSX)")
    p.add_argument("--inputs-format", choices=["auto", "submission", "wide", "coinr"], default="auto",
                   help="submission: rolindex's long/wide submission; wide: one row per unit-year, one column "
                        "per figure (unit/year columns as for --published); coinr: COINr iData (needs "
                        "--coinr-meta). auto: coinr with --coinr-meta, submission when the file has district "
                        "and year columns, else wide")
    p.add_argument("--coinr-meta", help="COINr iMeta (CSV/XLSX): the framework is read from it")
    p.add_argument("--published", "-p", required=True, help="published scores: unit, year and node-code columns")
    p.add_argument("--published-ranks", help="published ranks, same layout (optional)")
    p.add_argument("--unit-column", help="unit column of the tables (default: district, uCode, code, unit, …)")
    p.add_argument("--year-column", help="year column of the tables (default: year or Time)")
    p.add_argument("--year", type=int, help="year of tables without a year column (default: the recomputed "
                   "year when there is only one)")
    p.add_argument("--name-column", help="unit names (wide inputs)")
    p.add_argument("--group-column", help="unit groups (wide inputs)")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=NODE",
                   help="published column -> node code (repeatable)")
    p.add_argument("--map-file", help="CSV with columns 'column' and 'node' mapping published columns to nodes")
    p.add_argument("--tolerance", type=float, default=1e-9, help="largest absolute difference (default 1e-9)")
    p.add_argument("--year-tolerance", action="append", default=[], metavar="YEAR=TOL",
                   help="tolerance for one year, e.g. 2012=5e-3 (repeatable)")
    p.add_argument("--out", "-o", help="report folder (default: reports/<framework>/reproduce)")


def _pairs(items: list[str], what: str, key=str, value=str) -> dict:
    out = {}
    problems = []
    for item in items:
        k, sep, v = item.partition("=")
        try:
            if not sep or not k.strip() or not v.strip():
                raise ValueError
            out[key(k.strip())] = value(v.strip())
        except ValueError:
            problems.append(f"{what}: {item!r} is not KEY=VALUE")
    if problems:
        raise ReproductionError(f"bad {what}", problems)
    return out


def _mapping(args: argparse.Namespace) -> dict[str, str]:
    mapping = {}
    if args.map_file:
        try:
            with open(args.map_file, encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as exc:
            raise ReproductionError(f"cannot read mapping file {args.map_file}: {exc.strerror}") from None
        if rows and not {"column", "node"} <= set(rows[0]):
            raise ReproductionError(f"{args.map_file}: a mapping file has columns 'column' and 'node'")
        mapping.update({r["column"]: r["node"] for r in rows})
    mapping.update(_pairs(args.map, "--map"))
    return mapping


def _auto_format(args: argparse.Namespace) -> str:
    if args.inputs_format != "auto":
        return args.inputs_format
    if args.coinr_meta:
        return "coinr"
    first = Path(args.inputs[0])
    if first.suffix.lower() == ".csv":
        try:
            header = first.read_text(encoding="utf-8-sig", errors="replace").splitlines()[0]
        except (OSError, IndexError):
            return "submission"
        cols = {c.strip().strip('"') for c in header.split(",")}
        return "submission" if {"district", "year"} <= cols else "wide"
    return "submission"


def run(args: argparse.Namespace) -> int:
    """Run ``rolindex reproduce``; return the exit code."""
    try:
        return _run(args)
    except (IndicatorsError, EvaluationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    fmt = _auto_format(args)
    meth = load_methodology(paths.resolve(args.methodology, paths.METHODOLOGIES))
    year_tol = _pairs(args.year_tolerance, "--year-tolerance", key=int, value=float)
    cols = {"unit_column": args.unit_column, "year_column": args.year_column}
    if fmt == "coinr":
        from indicators.coinr import read_coinr

        if not args.coinr_meta:
            raise ReproductionError("--inputs-format coinr needs --coinr-meta (the iMeta table)")
        if args.framework:
            raise ReproductionError("with --coinr-meta the framework is read from iMeta; drop --framework")
        if len(args.inputs) != 1:
            raise ReproductionError("--inputs-format coinr reads one iData file")
        coin = read_coinr(args.inputs[0], args.coinr_meta, year=args.year)
        fw = coin.framework

        def rebuild(m):
            return coin.build(m)
    else:
        fw = load_framework(paths.resolve(args.framework, paths.FRAMEWORKS) if args.framework
                            else paths.DEFAULT_FRAMEWORK)
        if fmt == "submission":
            from indicators.submission import read_figures, validate

            sub = read_figures(*args.inputs)
            validate(sub, fw).raise_if_errors()

            def rebuild(m):
                return build_index(sub, fw, m, validate=False)
        else:
            if len(args.inputs) != 1:
                raise ReproductionError("--inputs-format wide reads one file")
            table = read_table(args.inputs[0], wanted=list(fw.figures), year=args.year,
                               name_column=args.name_column, group_column=args.group_column,
                               label="inputs", **cols)
            hashes = {table.file: table.sha256} if table.sha256 else {}

            def rebuild(m):
                return build_index(table.values, fw, m, districts=table.districts, inputs=hashes)
    result = rebuild(meth)
    year = args.year
    if year is None and len(result.years) == 1:
        year = result.years[0]
    mapping = _mapping(args)
    published = read_table(args.published, wanted=list(fw.nodes), rename=mapping, year=year,
                           label="published scores", **cols)
    ranks = None
    if args.published_ranks:
        ranks = read_table(args.published_ranks, wanted=list(fw.nodes), rename=mapping, year=year,
                           label="published ranks", **cols)
    rep = reproduce(result, published, tolerance=args.tolerance, year_tolerance=year_tol,
                    published_ranks=ranks, rebuild=rebuild)
    out = Path(args.out) if args.out else paths.REPORTS / fw.id / "reproduce"
    files = write_report(rep, out)
    _print(rep)
    print(f"wrote {', '.join(p.name for p in files.values())} to {out}")
    return 0 if rep.ok else EXIT_NOT_REPRODUCED


def _print(rep) -> None:
    from ..reproduce import verdict

    fw = rep.result.framework
    name = fw.zh if fw.zh == fw.en else f"{fw.zh} / {fw.en}"
    zh, en = verdict(rep)
    print(f"{name}: {zh}\n  {en}")
    print(rep.levels.to_string(index=False))
    for f in rep.findings:
        print(f"- {f.label}{' (explains)' if f.explains else ''}: "
              + "\n  ".join(x for x in (f.evidence_zh, f.evidence, f.advice_zh, f.advice) if x))
