"""The ``rolindex`` command (also ``python -m evaluation``): validate, score, export, reproduce, demo.

Exit codes: 0 success, 1 validation or scoring errors, 2 bad usage, 3 a reproduction outside its
tolerance (``rolindex reproduce``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from indicators import IndicatorsError, build_index, load_framework, load_methodology
from indicators.io import atomic_write_bytes, atomic_write_text

from . import paths, rollup_cli


def _framework_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--framework", "-f", default=str(paths.DEFAULT_FRAMEWORK),
                   help="framework YAML (default: %(default)s)")


def _methodology_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--methodology", "-m", default=str(paths.DEFAULT_METHODOLOGY),
                   help="methodology YAML or a name in data/methodologies (default: baseline)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="rolindex",
        description="区级法治建设评估指数 / District rule-of-law index: validate, score, report.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check submitted figures; list every problem with file/row/column")
    p.add_argument("files", nargs="+", help="CSV or XLSX submissions (long or wide format)")
    _framework_arg(p)
    rollup_cli.add_arguments(p, outputs=False)

    p = sub.add_parser("score", help="validate, build the index, write the result table, print the ranking")
    p.add_argument("files", nargs="+", help="CSV or XLSX submissions")
    _framework_arg(p)
    _methodology_arg(p)
    p.add_argument("--out", "-o", help="result table CSV (default: reports/<framework>/scores.csv)")
    p.add_argument("--year", type=int, help="year to print (default: every year)")
    rollup_cli.add_arguments(p)

    p = sub.add_parser("framework", help="export a framework as a table (one row per node)")
    _framework_arg(p)
    p.add_argument("--out", "-o", required=True, help="output .csv or .xlsx")

    sub.add_parser("methods", help="list every registered method by step")

    p = sub.add_parser("demo", help="the main job on the shipped sample data: scores and every district report")
    _methodology_arg(p)
    p.add_argument("--workers", "-j", type=int, help="worker processes for the reports (default: the cores)")

    from .reports import add_parser as _add_report
    from .reproduce_cli import add_parser as _add_reproduce

    _add_reproduce(sub)
    _add_report(sub)

    from .audit import add_parser as add_audit_parser

    add_audit_parser(sub, _framework_arg, _methodology_arg)

    from .uncertainty_cli import add_parser as add_uncertainty_parser

    add_uncertainty_parser(sub, _framework_arg, _methodology_arg)
    for name in LEDGER_COMMANDS:  # command-contract modules (evaluation/commands/<name>.py)
        mod = importlib.import_module(f".commands.{name}", __package__)
        mod.add_arguments(sub.add_parser(name, help=mod.HELP))

    from .commands import template as _template  # light: openpyxl is imported when it runs

    _template.add_arguments(sub.add_parser("template", help=_template.HELP))
    return parser


#: The ledger's commands (issue 9), one module each in evaluation/commands/.
LEDGER_COMMANDS = ("districts", "intake", "review", "history", "diff", "export")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rolindex`` console script."""
    args = build_parser().parse_args(argv)
    if args.command in LEDGER_COMMANDS:
        return importlib.import_module(f".commands.{args.command}", __package__).run(args)
    try:
        return {
            "validate": cmd_validate, "score": cmd_score, "framework": cmd_framework,
            "methods": cmd_methods, "demo": cmd_demo, "reproduce": cmd_reproduce, "report": cmd_report,
            "audit": _cmd_audit, "uncertainty": _cmd_uncertainty, "template": _cmd_template,
        }[args.command](args)
    except IndicatorsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Recompute published scores and write a reproduction report (see ``reproduce_cli``)."""
    from .reproduce_cli import run

    return run(args)


def cmd_report(args: argparse.Namespace) -> int:
    """Every district's report for a year, batch-run, with index page (see ``evaluation.reports``)."""
    from .reports import run

    return run(args)


def _cmd_template(args: argparse.Namespace) -> int:
    from .commands.template import run

    return run(args)


def _cmd_audit(args: argparse.Namespace) -> int:
    from .audit import cmd_audit

    return cmd_audit(args)


def _cmd_uncertainty(args: argparse.Namespace) -> int:
    from .uncertainty_cli import cmd_uncertainty

    return cmd_uncertainty(args)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate submissions; exit 1 if any error (warnings do not fail)."""
    from indicators.submission import read_figures, validate

    fw = load_framework(args.framework)
    sub = read_figures(*args.files)
    report = validate(sub, fw)
    print(report.summary())
    mapped = rollup_cli.report_mapping(sub, Path(args.rollup)) if args.rollup else True
    return 0 if report.ok and mapped else 1


def _score(files: Sequence[str], framework: str, methodology: str, out: Path, year: int | None,
           title: str = "", rollup: rollup_cli.RollupOptions | None = None) -> int:
    from indicators.submission import read_figures, validate

    fw = load_framework(framework)
    meth = load_methodology(paths.resolve(methodology, paths.METHODOLOGIES))
    sub = read_figures(*files)
    report = validate(sub, fw)
    if report.warnings:
        print(report.summary())
    report.raise_if_errors()
    mapping = rollup_cli.read_checked(sub, rollup) if rollup is not None else None
    result = build_index(sub, fw, meth, validate=False)
    result.to_csv(out)
    prov = dict(result.provenance)
    atomic_write_text(out.with_suffix(".provenance.json"),
                      json.dumps(prov, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    years = [year] if year is not None else result.years
    for y in years:
        print_ranking(result, y, title)
    print(f"wrote {out} (+ {out.with_suffix('.provenance.json').name})")
    if rollup is not None:
        rollup_cli.write_rollup(result, mapping, rollup, out, years)
    return 0


def _demo_offices() -> int:
    """The second framework on its synthetic offices: office scores and the district roll-up (CSV).

    Scored with the 评分细则 (``scoring_rules``); the ~190 office rankings are not printed, only the
    latest year's district roll-up.
    """
    from indicators.submission import read_figures, validate

    print(f"\n=== synthetic_offices: {paths.OFFICE_SAMPLE.relative_to(paths.ROOT)} ===")
    fw = load_framework(paths.OFFICE_FRAMEWORK)
    sub = read_figures(paths.OFFICE_SAMPLE)
    validate(sub, fw).raise_if_errors()
    opts = rollup_cli.RollupOptions(paths.OFFICE_MAPPING)
    mapping = rollup_cli.read_checked(sub, opts)
    result = build_index(sub, fw, load_methodology(paths.METHODOLOGIES / "scoring_rules.yaml"), validate=False)
    out = paths.REPORTS / fw.id / "scores_synthetic_offices.csv"
    result.to_csv(out)
    print(f"wrote {out} ({len(result.index)} office-years)")
    rollup_cli.write_rollup(result, mapping, opts, out, [max(result.years)])
    return 0


def print_ranking(result, year: int, title: str = "") -> None:
    """Print one year's ranking: rank, district, index, grade, coverage."""
    t = result.ranking(year)
    fw = result.framework
    head = f"{fw.zh} / {fw.en} — {year}"
    print(f"\n{title + ' — ' if title else ''}{head}  [{result.methodology.name}]")
    view = pd.DataFrame({
        "排名 rank": t["rank"].astype("string").fillna("–"),
        "区 district": t["district_name"],
        "指数 index": t["index"].map(lambda v: "missing" if pd.isna(v) else f"{v:6.2f}"),
        "等次 grade": (t["grade_zh"].fillna("–") + " " + t["grade_en"].fillna("")).str.strip(),
        "覆盖 coverage": t["coverage"].map(lambda v: f"{v:.0%}"),
    })
    print(view.to_string(index=False))


def cmd_score(args: argparse.Namespace) -> int:
    """Score submissions and print the ranking."""
    fw = load_framework(args.framework)
    out = Path(args.out) if args.out else paths.REPORTS / fw.id / "scores.csv"
    return _score(args.files, args.framework, args.methodology, out, args.year, rollup=rollup_cli.options(args))


def cmd_framework(args: argparse.Namespace) -> int:
    """Export the framework tree (and its figures) as CSV or XLSX."""
    fw = load_framework(args.framework)
    out = Path(args.out)
    table = fw.to_table()
    if out.suffix.lower() == ".xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            table.to_excel(xw, sheet_name="nodes", index=False)
            fw.figures_table().to_excel(xw, sheet_name="figures", index=False)
        tmp.replace(out)
    else:
        # UTF-8 with BOM so Excel opens the Chinese names correctly; figures go beside the nodes.
        figures_out = out.with_name(out.name.replace(".nodes", "").replace(".csv", "") + ".figures.csv")
        atomic_write_bytes(out, table.to_csv(index=False, lineterminator="\n").encode("utf-8-sig"))
        atomic_write_bytes(figures_out, fw.figures_table().to_csv(
            index=False, lineterminator="\n").encode("utf-8-sig"))
        print(f"wrote {figures_out} ({len(fw.figures)} figures)")
    print(f"wrote {out} ({len(table)} nodes)")
    return 0


def cmd_methods(args: argparse.Namespace) -> int:
    """List every registry and its methods with one-line summaries."""
    from indicators.aggregate import AGGREGATORS, MISSING_POLICIES
    from indicators.denominate import DENOMINATORS
    from indicators.impute import IMPUTERS
    from indicators.normalise import NORMALISERS
    from indicators.rollup import ROLLUPS
    from indicators.scoring import SCORING_RULES
    from indicators.screen import SCREENS
    from indicators.treat_step import TREATMENTS
    from indicators.weights import WEIGHTERS

    for reg in (DENOMINATORS, SCREENS, IMPUTERS, TREATMENTS, NORMALISERS, SCORING_RULES, WEIGHTERS, AGGREGATORS,
                MISSING_POLICIES, ROLLUPS):
        print(f"{reg.kind}:")
        for name, summary in reg.describe():
            print(f"  {name:20s} {summary}")
    return 0


_DEMO_TITLES = {
    "seed_districts": "真实数据摘录：静安区、光明区 / Seed districts: Jing'an, Guangming (real figures)",
    "synthetic_panel": "合成面板：16 个虚构区 / Synthetic panel: 16 fictional districts (synthetic data)",
}


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the shipped samples: validate, score, print the rankings, then every report.

    For each sample (seed-derived districts, synthetic panel) and every year in it, the district
    reports, index page and score table go to ``reports/<sample>/<framework>/<year>/``, and
    ``reports/index.html`` links every year's index page. The synthetic panel's reports also show
    the rank uncertainty under ``data/uncertainty/district_rol.yaml`` (a Sobol design). The
    judicial-office sample is scored and rolled up to its districts (CSV under
    ``reports/judicial_office_std/``).
    """
    import contextlib

    from .batch import default_workers
    from .report_data import load_result
    from .reports import run_reports, shared_local_cluster, write_landing_page

    status = 0
    sections = []
    scheduler = None
    with contextlib.ExitStack() as stack:
        for name, path in paths.SAMPLE_SUBMISSIONS.items():
            out = paths.REPORTS / "district_rol" / f"scores_{name}.csv"
            print(f"\n=== {name}: {path.relative_to(paths.ROOT)} ===")
            scored = _score([str(path)], str(paths.DEFAULT_FRAMEWORK), args.methodology, out, None, name)
            status |= scored
            if scored:
                continue
            meth = load_methodology(paths.resolve(args.methodology, paths.METHODOLOGIES))
            years = load_result(path, paths.DEFAULT_FRAMEWORK, meth).years
            print(f"\n--- {name}: district reports for {', '.join(map(str, years))} ---", flush=True)
            if scheduler is None and args.workers != 0:  # one local cluster of warm kernels for all
                scheduler = stack.enter_context(shared_local_cluster(args.workers or default_workers()))
            # rank uncertainty for the panel (16 districts a year); the seed districts are too few to rank
            spec = paths.DATA / "uncertainty" / "district_rol.yaml" if name == "synthetic_panel" else None
            outcomes = run_reports(years, path, paths.DEFAULT_FRAMEWORK, meth, out=paths.REPORTS / name,
                                   workers=args.workers, scheduler=scheduler, uncertainty=spec)
            for o in outcomes:
                print(o.summary())
                status |= o.exit_code
            sections.append((f"{_DEMO_TITLES.get(name, name)} — {path.name}", outcomes))
    status |= _demo_offices()
    if sections:
        landing = write_landing_page(sections, paths.REPORTS / "index.html")
        print("\nOpen in a browser:")
        print(f"  {landing}   (every data set and year)")
        for _, outcomes in sections:
            latest = max(outcomes, key=lambda o: o.year)
            print(f"  {latest.index_page}   ({latest.framework} {latest.year}, {len(latest.reports)} report(s))")
    return status
