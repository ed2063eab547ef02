"""``rolindex template``: write one protected Excel form per district for a year (forms out).

Each form lists the framework's figures with units, valid ranges and last year's value (from
``--previous FIGURES.csv`` or the ledger's accepted figures of the year before, ``--ledger``), has
yellow input cells with Excel data validation, and identifies itself (framework version and hash,
district, year) when it comes back to ``rolindex intake``. Without ``--districts`` the 16
fictional districts of the synthetic sample are used, so the command works out of the box.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import options

HELP = "生成各区县年度数据填报表（Excel） / write one Excel data form per district for a year"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``rolindex template``."""
    p.add_argument("--year", type=int, required=True, help="填报年度 / the year the forms ask for")
    p.add_argument("--districts", help="区县表 CSV: district,name_zh,name_en,city,peer_group / districts table "
                                       "(default: the synthetic sample districts)")
    p.add_argument("--offices", help="司法所表 CSV: office,district[,office_name] / office table for an office "
                                     "framework (default with the sample districts: the synthetic offices)")
    options.add_framework(p)
    p.add_argument("--out", "-o", default="forms", help="输出文件夹 / output folder (default: %(default)s)")
    p.add_argument("--single", action="store_true",
                   help="一个工作簿，每区一张工作表 / one workbook with a sheet per district")
    p.add_argument("--deadline", help="填报截止日期 / deadline printed on the forms, e.g. 2026-01-31")
    p.add_argument("--contact", help="联系人 / contact printed on the forms")
    p.add_argument("--workers", "-j", type=int, default=1,
                   help="并行进程数 / processes writing forms (default: %(default)s)")
    last = p.add_mutually_exclusive_group()
    last.add_argument("--previous", metavar="FIGURES.csv",
                      help="上年已核定数值（长表或宽表） / last year's accepted figures (long or wide CSV/XLSX), "
                           "shown beside each value cell")
    last.add_argument("--ledger", metavar="LEDGER",
                      help="从报送台账读取上年已核定数值 / show last year's accepted values from the submission ledger "
                           "(a SQLite file or postgresql://… URL): year − 1, the latest accepted return of each "
                           "district with its 复核 review decisions applied, as `rolindex export` gives them")


def run(args: argparse.Namespace) -> int:
    """Write the forms; print where they went."""
    from indicators import IndicatorsError, load_framework

    from .. import paths
    from ..forms.districts import (
        districts_from_panel,
        offices_from_sample,
        read_districts,
        read_offices,
        with_offices,
    )
    from ..forms.errors import FormError
    from ..forms.prefill import previous_from_ledger, previous_values
    from ..forms.template import is_office_framework, write_forms
    from ..ledger.errors import LedgerError

    try:
        framework = load_framework(paths.resolve(args.framework, paths.FRAMEWORKS))
        office = is_office_framework(framework)
        if args.districts:
            districts = read_districts(args.districts, args.offices)
        else:
            sample = paths.DATA / "districts" / "synthetic_districts.csv"
            districts = read_districts(sample) if sample.is_file() else districts_from_panel(
                paths.SUBMISSIONS / "synthetic_panel.csv")
            if office:
                offices = read_offices(args.offices) if args.offices else offices_from_sample(
                    paths.OFFICE_MAPPING, paths.OFFICE_SAMPLE)
                districts = with_offices(districts, offices)
        previous = None
        if args.previous:
            from indicators.submission import read_figures

            previous = previous_values(read_figures(args.previous), args.previous)
        elif args.ledger:
            previous = previous_from_ledger(args.ledger, args.year, framework.id)
        written = write_forms(framework, districts, args.year, Path(args.out), single=args.single,
                              previous=previous, deadline=args.deadline, contact=args.contact,
                              workers=max(1, args.workers))
    except (FormError, IndicatorsError, LedgerError) as exc:
        written = getattr(exc, "written", [])
        if written:
            print(f"wrote {len(written)} file(s) → {Path(args.out)}")
        print(f"error: {exc}", file=sys.stderr)
        return options.FAILED
    what = "workbook" if args.single else "forms"
    print(f"wrote {len(districts)} district form(s) ({what}: {len(written)}) for {framework.id} "
          f"{framework.version}, {args.year} → {Path(args.out)}")
    return options.OK

