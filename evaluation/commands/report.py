"""``rolindex report``: every district's report for a year, batch-run, with index page and score table.

The work is :func:`evaluation.report.run.run_reports`; it is imported only when the command runs
(it loads papermill and the batch engine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import paths
from .options import add_ledger_source, figures_file_from_args, methodology_name

HELP = ("某年各区报告（papermill 批量运行）、索引页、得分表 / "
        "every district's report for a year (papermill, batch-run), index page, score table")
#: The report languages (as :data:`evaluation.report.content.LANGS`, not imported here: it loads pandas).
LANGS = ("zh", "en")


#: The sample ``--figures`` reads unless told otherwise.
FIGURES_DEFAULT = "synthetic_panel"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The years, inputs, districts, workers/scheduler, language, outputs and uncertainty of ``rolindex report``."""
    p.description = ("Run the district report notebook for every district of a year (in parallel, resumable) "
                     "and write <out>/<framework>/<year>/{<district>.html, index.html, scores.csv, manifest.json}.")
    p.add_argument("--year", "-y", required=True, nargs="+", type=int, help="assessment year(s)")
    p.add_argument("--figures", default=FIGURES_DEFAULT,
                   help="figures CSV/XLSX, or a sample name: synthetic_panel, seed_districts (default: %(default)s)")
    p.add_argument("--framework", "-f", default=str(paths.DEFAULT_FRAMEWORK),
                   help="framework YAML or a name in data/frameworks (default: district_rol)")
    p.add_argument("--methodology", "-m", default=str(paths.DEFAULT_METHODOLOGY), type=methodology_name,
                   help="methodology YAML or a name in data/methodologies (default: baseline)")
    p.add_argument("--districts", nargs="+", metavar="ID", help="only these districts (default: all of the year)")
    p.add_argument("--workers", "-j", type=int,
                   help="local worker processes, one warm kernel each (default: the cores; 0 = in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--mode", choices=("warm", "isolated"), default="warm",
                   help="reuse one kernel per worker (default) or start a fresh one per report")
    p.add_argument("--force", action="store_true", help="redo every report, even unchanged ones")
    p.add_argument("--lang", choices=LANGS, default="zh",
                   help="zh: bilingual, Chinese first (default); en: English only")
    p.add_argument("--keep-notebooks", action="store_true", help="also keep the executed <district>.ipynb")
    p.add_argument("--out", "-o", default=str(paths.REPORTS), help="base output folder (default: reports/)")
    p.add_argument("--uncertainty", metavar="SPEC_OR_FOLDER",
                   help="show the rank uncertainty: a saved analysis folder, or a spec (YAML or a name in "
                        "data/uncertainty, e.g. district_rol) run now with a Sobol design")
    p.add_argument("--replications", type=int, default=256,
                   help="base sample size N of the Sobol design run from a spec (N (d + 2) replications; "
                        "default %(default)s)")
    p.add_argument("--templates", metavar="DIR",
                   help="a folder of templates replacing the shipped ones by name, with branding.yaml "
                        "(bureau name, logo, colours, cover page); also ROLINDEX_TEMPLATES (see docs/reports.md)")
    p.add_argument("--pdf", action="store_true",
                   help="also print each page to <district>.pdf beside its HTML (A4, headless chromium)")
    p.add_argument("--district-table", metavar="CSV",
                   help="区县表 / districts table (district,name_zh,name_en,city,peer_group): each district's peer "
                        "group — peer medians and ranks within it (default: the figures' group column; with "
                        "--ledger, the districts register)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_ledger_source(p)


def run(args: argparse.Namespace) -> int:
    """``rolindex report``: run the batches, print the summary; exit 1 if any district failed."""
    from ..errors import EvaluationError
    from ..report.run import refresh_landing_page, run_reports

    try:
        figures = args.figures
        if args.ledger is not None and figures != FIGURES_DEFAULT:
            print(f"error: --figures 与 --ledger 只能择一 / give --figures or --ledger, not both ({figures})",
                  file=sys.stderr)
            return 2
        figures = figures_file_from_args(args, Path(args.out) / "ledger") or figures
        outcomes = run_reports(
            args.year, figures, args.framework, args.methodology, districts=args.districts, out=args.out,
            workers=args.workers, scheduler=args.scheduler, mode=args.mode, force=args.force, lang=args.lang,
            keep_notebooks=args.keep_notebooks, progress=not args.no_progress, uncertainty=args.uncertainty,
            replications=args.replications, templates=args.templates, pdf=args.pdf,
            districts_table=args.district_table,
        )
    except EvaluationError as exc:  # a LedgerError too (bad --ledger, --year or --as-of)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for o in outcomes:
        print(o.summary())
    landing = refresh_landing_page(args.out, args.lang)  # the reports root's index links every year folder
    print(f"报告总索引 / all reports: {landing}")
    return max(o.exit_code for o in outcomes)
