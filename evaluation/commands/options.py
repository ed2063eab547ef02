"""Options and exit codes shared by every ``rolindex`` command."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .. import paths

#: Exit codes, the same for every command.
OK = 0  # success
FAILED = 1  # validation, scoring or a report failed (the message says which)
USAGE = 2  # bad usage: unknown option, file or year (argparse uses 2 as well)
TOLERANCE = 3  # a reproduction or replay outside its tolerance


def add_framework(p: argparse.ArgumentParser) -> None:
    """``--framework/-f``: a framework YAML path or a name in data/frameworks."""
    p.add_argument("--framework", "-f", default=str(paths.DEFAULT_FRAMEWORK),
                   help="框架 YAML 或 data/frameworks 中的名称 / framework YAML or a name in data/frameworks "
                        "(default: district_rol)")


def methodology_name(value: str) -> str:
    """``value`` unchanged if it is a file or a name in data/methodologies; else a usage error (exit 2)
    naming the nearest methodology file, so ``-m baselin`` says "did you mean 'baseline'?"."""
    p = Path(value)
    if p.exists() or p.suffix or paths.resolve(value, paths.METHODOLOGIES).is_file():
        return value
    from indicators.errors import did_you_mean

    names = sorted(f.stem for f in paths.METHODOLOGIES.glob("*.yaml"))
    raise argparse.ArgumentTypeError(
        f"没有名为 {value!r} 的方法文件 / no methodology {value!r} in data/methodologies"
        f"{did_you_mean(value, names)}; available: {', '.join(names)}")


def add_encoding(p: argparse.ArgumentParser) -> None:
    """``--encoding``: the encoding of CSV submissions, instead of detecting it per file."""
    p.add_argument("--encoding", metavar="NAME",
                   help="CSV 文件的编码（默认逐个文件检测） / encoding of the CSV files, e.g. utf-8 or gbk "
                        "(default: detected per file; a file mixing encodings is an error)")


def add_methodology(p: argparse.ArgumentParser) -> None:
    """``--methodology/-m``: a methodology YAML path or a name in data/methodologies."""
    p.add_argument("--methodology", "-m", default=str(paths.DEFAULT_METHODOLOGY), type=methodology_name,
                   help="方法 YAML 或 data/methodologies 中的名称 / methodology YAML or a name in "
                        "data/methodologies (default: baseline)")


#: Environment variable naming the default ledger (a SQLite path or a database URL).
LEDGER_ENV = "ROLINDEX_LEDGER"


def add_ledger(p: argparse.ArgumentParser) -> None:
    """``--ledger``: the submission ledger, a SQLite file/folder or ``postgresql://…`` URL."""
    import os

    p.add_argument("--ledger", "-l", default=os.environ.get(LEDGER_ENV, "ledger.sqlite"),
                   help="报送台账：SQLite 文件或 postgresql://… / the submission ledger: a SQLite file (or folder) "
                        f"or a postgresql://… URL (default: ${LEDGER_ENV} or ./ledger.sqlite)")


def add_ledger_source(p: argparse.ArgumentParser, *, add_year: bool = False) -> None:
    """``--ledger URL --year Y [--as-of DATE]`` as the source of figures instead of files.

    The command's files argument must accept none (``nargs="*"``); :func:`figures_from_args` reads
    whichever source was given (:func:`figures_file_from_args` for commands that pass a file on).
    ``add_year`` adds ``--year`` for a command that has none of its own.
    """
    g = p.add_argument_group("报送台账作为数据来源 / the submission ledger as the source of figures")
    if add_year:
        g.add_argument("--year", type=int, help="与 --ledger 同用：读取的年度 / with --ledger: the year to read")
    g.add_argument("--ledger", help="读取台账当前数据而非文件（需 --year）/ read the ledger's current figures "
                                    "instead of files (with --year): a SQLite file or postgresql://… URL")
    g.add_argument("--as-of", help="台账在该日期的状态 / the ledger as it stood on this date (YYYY-MM-DD, "
                                   "end of day UTC) or instant; needs --ledger")


def figures_from_args(args: argparse.Namespace, files_attr: str = "files"):
    """The submission a command works on: its files, or ``--ledger``'s figures of ``--year`` as of ``--as-of``.

    Raises :class:`~evaluation.ledger.errors.LedgerError` (a usage error) when both or neither
    source is given, or ``--ledger`` without ``--year``.
    """
    files = list(getattr(args, files_attr, None) or [])
    ledger, as_of = getattr(args, "ledger", None), getattr(args, "as_of", None)
    if ledger is None:
        from ..ledger.errors import LedgerError

        if as_of is not None:
            raise LedgerError("--as-of 需与 --ledger 同用 / --as-of needs --ledger")
        if not files:
            raise LedgerError("请给出数据文件或 --ledger … --year / give CSV/XLSX files or --ledger … --year")
        from indicators.submission import read_figures

        encoding = getattr(args, "encoding", None)
        return read_figures(*files, encoding=encoding) if encoding else read_figures(*files)
    from ..ledger import figures_from_ledger
    from ..ledger.errors import LedgerError

    if files:
        raise LedgerError(f"数据文件与 --ledger 只能择一 / give files or --ledger, not both ({', '.join(files)})")
    if getattr(args, "year", None) is None:
        raise LedgerError("--ledger 需要 --year / --ledger needs --year (the year to read)")
    return figures_from_ledger(ledger, args.year, as_of)


def figures_file_from_args(args: argparse.Namespace, folder: str | os.PathLike[str]) -> str | None:
    """With ``--ledger``: the ledger's figures of every ``--year`` (as of ``--as-of``) as one CSV in ``folder``.

    For commands that hand a figures file on (``report`` passes it to every notebook). Returns the
    CSV's path, or None without ``--ledger`` (then ``--as-of`` is refused).
    """
    import io
    from pathlib import Path

    from ..ledger.errors import LedgerError

    ledger, as_of = getattr(args, "ledger", None), getattr(args, "as_of", None)
    if ledger is None:
        if as_of is not None:
            raise LedgerError("--as-of 需与 --ledger 同用 / --as-of needs --ledger")
        return None
    years = args.year if isinstance(args.year, list) else [args.year]
    if not years or years[0] is None:
        raise LedgerError("--ledger 需要 --year / --ledger needs --year (the year to read)")
    import pandas as pd

    from ..fileio import atomic_write_text
    from ..ledger import open_ledger
    from ..ledger.export import export_csv

    with open_ledger(ledger, create=False) as opened:
        parts = [export_csv(opened, y, as_of=as_of) for y in years]
    frame = pd.concat([pd.read_csv(io.StringIO(t), dtype=str, keep_default_na=False) for t in parts])
    stamp = "_".join(map(str, years)) + (f"_asof_{as_of}".replace(":", "") if as_of else "")
    path = Path(folder) / f"ledger_figures_{stamp}.csv"
    atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))
    return str(path)
