"""The inputs of a recomputation, read as ``rolindex reproduce`` reads them: submissions, a wide table, a COINr coin.

One reader for every command that recomputes an index from given inputs (``reproduce``,
``uncertainty``): :func:`add_input_arguments` adds the options, :func:`read_inputs` resolves the
format (``auto``: coinr with ``--coinr-meta``, submission when a CSV has district and year
columns, else wide) and returns :class:`Inputs` — the framework, the figures and the districts
table, ready for :func:`~indicators.build_index` or the uncertainty engine.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .read import ReproductionError, read_table

#: The input formats; ``auto`` picks one (see :func:`input_format`).
FORMATS = ("auto", "submission", "wide", "coinr")


@dataclass(frozen=True)
class Inputs:
    """Inputs read for a recomputation.

    Attributes
    ----------
    framework : Framework
        The framework given, or built from COINr's iMeta.
    figures : Submission or DataFrame
        What :func:`~indicators.build_index` takes: a validated submission, or wide figures
        indexed by (district, year).
    districts : DataFrame or None
        Names and groups of wide or COINr inputs (COINr's ``Group`` columns, for group-mean
        imputation); None for submissions, which carry their own.
    files : dict
        ``{file name: sha256}`` of the files read (recorded in the result's provenance).
    format : str
        The format read: ``submission``, ``wide`` or ``coinr``.
    """

    framework: Any
    figures: Any
    districts: Any = None
    files: Mapping[str, str] = field(default_factory=dict)
    format: str = "submission"

    def build(self, methodology: Any):
        """``build_index`` of these inputs under ``methodology``."""
        from indicators import build_index

        if self.format == "submission":
            return build_index(self.figures, self.framework, methodology, validate=False)
        return build_index(self.figures, self.framework, methodology, districts=self.districts,
                           inputs=dict(self.files))


def add_input_arguments(p: argparse.ArgumentParser, *, year: bool = True) -> None:
    """``--inputs-format``, ``--coinr-meta``, the unit/year/name/group columns (and ``--year``) of the inputs."""
    p.add_argument("--inputs-format", choices=FORMATS, default="auto",
                   help="submission: rolindex's long/wide submission; wide: one row per unit-year, one column "
                        "per figure (unit/year columns as for --published); coinr: COINr iData (needs "
                        "--coinr-meta). auto: coinr with --coinr-meta, submission when the file has district "
                        "and year columns, else wide")
    p.add_argument("--coinr-meta", help="COINr iMeta (CSV/XLSX): the framework is read from it")
    p.add_argument("--unit-column", help="unit column of the tables (default: district, uCode, code, unit, …)")
    p.add_argument("--year-column", help="year column of the tables (default: year or Time)")
    if year:
        p.add_argument("--year", type=int, help="year of tables without a year column (default: the recomputed "
                       "year when there is only one)")
    p.add_argument("--name-column", help="unit names (wide inputs)")
    p.add_argument("--group-column", help="unit groups (wide inputs)")


def input_format(fmt: str, files: Sequence[str], coinr_meta: str | None) -> str:
    """The format to read: ``fmt`` unless ``auto`` (coinr with iMeta; a CSV with district and year
    columns is a submission, another CSV a wide table; XLSX a submission)."""
    if fmt != "auto":
        return fmt
    if coinr_meta:
        return "coinr"
    first = Path(files[0])
    if first.suffix.lower() == ".csv":
        try:
            header = first.read_text(encoding="utf-8-sig", errors="replace").splitlines()[0]
        except (OSError, IndexError):
            return "submission"
        cols = {c.strip().strip('"') for c in header.split(",")}
        return "submission" if {"district", "year"} <= cols else "wide"
    return "submission"


def read_inputs(
    files: Sequence[str],
    *,
    fmt: str = "auto",
    coinr_meta: str | None = None,
    framework: str | Path | None = None,
    year: int | None = None,
    unit_column: str | None = None,
    year_column: str | None = None,
    name_column: str | None = None,
    group_column: str | None = None,
) -> Inputs:
    """Read the inputs of a recomputation (see :func:`input_format` for ``fmt``).

    ``framework`` is a YAML path or a name in data/frameworks (default: district_rol); with a
    COINr coin it comes from iMeta, and giving one too is an error. Submissions are validated
    against the framework (every problem at once).

    Raises
    ------
    ReproductionError
        Wrong combination of options (coinr without iMeta, coinr with a framework, several files
        where one is read); the readers' own errors (naming file, row and column) otherwise.
    """
    from indicators import load_framework

    from .. import paths

    if not files:
        raise ReproductionError("请给出输入文件 / give the input file(s)")
    fmt = input_format(fmt, files, coinr_meta)
    if fmt == "coinr":
        from indicators.coinr import read_coinr

        if not coinr_meta:
            raise ReproductionError("--inputs-format coinr needs --coinr-meta (the iMeta table)")
        if framework:
            raise ReproductionError("with --coinr-meta the framework is read from iMeta; drop --framework")
        if len(files) != 1:
            raise ReproductionError("--inputs-format coinr reads one iData file")
        coin = read_coinr(files[0], coinr_meta, year=year)
        return Inputs(coin.framework, coin.figures, coin.districts, dict(coin.files), "coinr")
    fw = load_framework(paths.resolve(framework, paths.FRAMEWORKS) if framework else paths.DEFAULT_FRAMEWORK)
    if fmt == "submission":
        from indicators.submission import read_figures, validate

        sub = read_figures(*files)
        validate(sub, fw).raise_if_errors()
        return Inputs(fw, sub, None, {}, "submission")
    if len(files) != 1:
        raise ReproductionError("--inputs-format wide reads one file")
    table = read_table(files[0], wanted=list(fw.figures), year=year, name_column=name_column,
                       group_column=group_column, label="inputs", unit_column=unit_column, year_column=year_column)
    return Inputs(fw, table.values, table.districts, {table.file: table.sha256} if table.sha256 else {}, "wide")


def inputs_from_args(args: argparse.Namespace, files: Sequence[str], framework: str | Path | None) -> Inputs:
    """:func:`read_inputs` with the options of :func:`add_input_arguments`."""
    return read_inputs(files, fmt=args.inputs_format, coinr_meta=args.coinr_meta, framework=framework,
                       year=getattr(args, "year", None), unit_column=args.unit_column, year_column=args.year_column,
                       name_column=args.name_column, group_column=args.group_column)
