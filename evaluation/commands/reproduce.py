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

from indicators import IndicatorsError, load_methodology

from .. import paths
from ..errors import EvaluationError
from ..reproduce import ReproductionError, read_table, reproduce, write_report
from ..reproduce.inputs import add_input_arguments, inputs_from_args
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
    p.add_argument("--published", "-p", required=True, help="published scores: unit, year and node-code columns")
    p.add_argument("--published-ranks", help="published ranks, same layout (optional)")
    add_input_arguments(p)
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


def run(args: argparse.Namespace) -> int:
    """Run ``rolindex reproduce``; return the exit code."""
    try:
        return _run(args)
    except (IndicatorsError, EvaluationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    meth = load_methodology(paths.resolve(args.methodology, paths.METHODOLOGIES))
    year_tol = _pairs(args.year_tolerance, "--year-tolerance", key=int, value=float)
    cols = {"unit_column": args.unit_column, "year_column": args.year_column}
    inputs = inputs_from_args(args, args.inputs, args.framework)
    fw = inputs.framework
    rebuild = inputs.build
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
