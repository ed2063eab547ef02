"""``rolindex score/validate --rollup MAP.csv``: roll office scores up to their districts.

The options, the check that every office of the submissions is in the office → district table
(errors name the submission's file, row and column), the roll-up CSV (written atomically) and
the printed district summary. The roll-up itself is :func:`indicators.rollup.rollup`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from indicators import DataError

if TYPE_CHECKING:  # the roll-up (and the result type, with the whole pipeline) load only with --rollup
    from indicators import IndexResult
    from indicators.rollup import Rollup
    from indicators.submission import Submission


@dataclass(frozen=True)
class RollupOptions:
    """What ``--rollup`` asks for: the mapping file, the method and where the CSV goes."""

    mapping: Path
    method: str = "mean"
    out: Path | None = None

    def out_for(self, scores: Path) -> Path:
        """The roll-up CSV: ``--rollup-out``, else beside the scores (``scores.rollup.csv``)."""
        return self.out if self.out is not None else scores.with_suffix(".rollup.csv")

    def pages_for(self, scores: Path, year: int) -> Path:
        """The year's roll-up pages: a folder beside the roll-up CSV (``scores.rollup/<year>/``)."""
        csv = self.out_for(scores)
        return csv.parent / csv.name.removesuffix(".csv") / str(year)


def add_arguments(p: argparse.ArgumentParser, *, outputs: bool = True) -> None:
    """Add ``--rollup`` (and, for ``score``, ``--rollup-method``/``--rollup-out``) to a sub-command."""
    p.add_argument("--rollup", metavar="MAP.csv",
                   help="office → district table (columns office, district[, district_name]): check every office "
                        "is mapped" + ("; roll office scores up to districts" if outputs else ""))
    if outputs:
        from indicators.rollup import ROLLUPS

        p.add_argument("--rollup-method", default="mean", choices=ROLLUPS.names(),
                       help="district value from its offices' scores (default: %(default)s)")
        p.add_argument("--rollup-out", help="roll-up CSV (default: beside the scores, <scores>.rollup.csv)")


def options(args: argparse.Namespace) -> RollupOptions | None:
    """The roll-up options of parsed arguments, or None without ``--rollup``."""
    if not getattr(args, "rollup", None):
        return None
    out = getattr(args, "rollup_out", None)
    return RollupOptions(Path(args.rollup), getattr(args, "rollup_method", "mean"), Path(out) if out else None)


def check_offices(sub: Submission, mapping: pd.DataFrame, label: str) -> list[str]:
    """One problem per office of the submission missing from the mapping, at the office's first row."""
    f = sub.figures
    offices = pd.unique(f["district"].astype(object))
    out = []
    for office in offices:
        if office in mapping.index:
            continue
        first = f[f["district"] == office].iloc[0]
        where = f"{first['file']} row {int(first['row'])}" if pd.notna(first["row"]) else str(first["file"])
        out.append(f"{where}, column district: office {office!r} is not in the office → district table {label}")
    return out


def report_mapping(sub: Submission, path: Path) -> bool:
    """Print the mapping file's problems and the offices it lacks (``validate --rollup``); True if none."""
    from indicators.rollup import read_mapping

    try:
        mapping = read_mapping(path)
    except DataError as exc:
        problems = list(exc.problems) or [exc.summary]
    else:
        problems = check_offices(sub, mapping, path.name)
    if not problems:
        offices = sub.figures["district"].nunique()
        print(f"{path.name}: {len(mapping)} offices in {mapping['district'].nunique()} districts; "
              f"every office of the submission ({offices}) is mapped")
    for problem in problems:
        print(f"error: {problem}")
    return not problems


def read_checked(sub: Submission, opts: RollupOptions) -> pd.DataFrame:
    """Read the mapping and check it covers every office of ``sub``, before anything is scored."""
    from indicators.rollup import read_mapping

    mapping = read_mapping(opts.mapping)
    problems = check_offices(sub, mapping, opts.mapping.name)
    if problems:
        raise DataError("offices of the submission are missing from the office → district table", problems)
    return mapping


def write_rollup(result: IndexResult, mapping: pd.DataFrame, opts: RollupOptions, scores_out: Path,
                 years: Sequence[int]) -> Rollup:
    """Roll the offices up, write the CSV atomically and print each year's district summary."""
    from indicators.rollup import rollup

    ru = rollup(result, mapping, method=opts.method)
    out = ru.to_csv(opts.out_for(scores_out))
    silent = int((ru.offices["n_with_data"] == 0).sum())
    for y in years:
        print_rollup(ru, y)
    never = sorted(set(mapping.index) - set(result.index.index.get_level_values("district")))
    note = f"; {len(never)} office(s) without figures in any year: {', '.join(never)}" if never else ""
    print(f"wrote {out} ({len(ru.scores)} district-years, {silent} without office data{note})")
    from ..report.rollup_page import write_rollup_pages

    for y in years:
        index, pages = write_rollup_pages(result, ru, y, opts.pages_for(scores_out, y))
        print(f"wrote {index} (区级汇总页 / district roll-up pages: {len(pages)} districts, {y})")
    return ru


def print_rollup(ru: Rollup, year: int) -> None:
    """Print one year's roll-up: district, offices, mean index and the share meeting each due binary item."""
    fw = ru.framework
    t = ru.table()
    t = t[t["year"] == year]
    due = [c for c in ru.shares.columns if fw.nodes[c].due_year is None or year >= fw.nodes[c].due_year]
    later = [c for c in ru.shares.columns if c not in due]
    print(f"\n{fw.zh} / {fw.en} — {year}: 区级汇总 / district roll-up ({ru.method} of office scores)")
    view = pd.DataFrame({
        "区 district": t["district_name"],
        "司法所 offices": [f"{s}/{d}/{n}" for s, d, n in zip(t["n_scored"], t["n_with_data"], t["n_offices"],
                                                            strict=True)],
        "指数 index": t["index"].map(lambda v: "missing" if pd.isna(v) else f"{v:6.2f}"),
    })
    for c in due:
        view[f"{c} 达标"] = t[f"share_{c}"].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}")
    print(view.to_string(index=False))
    pending = ", ".join(f"{c} (due {fw.nodes[c].due_year})" for c in later)
    print("offices = scored/with figures/listed; 达标 = share of offices with a value meeting the item"
          + (f"; not yet due: {pending}" if pending else ""))
