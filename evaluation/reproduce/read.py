"""Reading published and input tables for a reproduction: units, years, node columns, decimals."""

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators.io import sha256_file
from indicators.submission import parse_year

from ..errors import EvaluationError

#: Column names tried, in order, for the unit and the year when none is given.
UNIT_COLUMNS = ("district", "uCode", "code", "unit", "iso3", "country_code")
YEAR_COLUMNS = ("year", "Time")
#: Largest number of decimals :func:`decimals` reports; more means "not rounded".
MAX_DECIMALS = 8
#: Statuses of a compared cell.
STATUSES = ("ok", "outside", "missing recomputed", "missing published", "both missing")
_NA = {"", "NA", "NaN", "nan", "N/A", "#N/A", "NULL", "null", "-"}


class ReproductionError(EvaluationError, ValueError):
    """A table cannot be read or matched for reproduction; ``problems`` lists every problem."""

    def __init__(self, summary: str, problems: Iterable[str] = ()) -> None:
        self.summary = summary
        self.problems = list(problems)
        text = summary if not self.problems else summary + "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(text)


# ---------------------------------------------------------------------------------------------
# reading tables
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """A wide table read for reproduction: numeric columns indexed by (district, year).

    Attributes
    ----------
    values : DataFrame
        The wanted columns (after renaming), floats, indexed by (district, year).
    districts : DataFrame
        ``district_name`` and ``group`` per district (the unit code when not given).
    file : str
        File name (or ``<DataFrame>``); ``sha256`` its hash (None for a DataFrame).
    renamed : dict
        ``{column in the file: name used}`` for the columns renamed by the mapping.
    ignored : tuple
        Columns of the file that are neither wanted nor unit/year/name/group.
    """

    values: pd.DataFrame
    districts: pd.DataFrame
    file: str
    sha256: str | None = None
    renamed: Mapping[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()


def read_table(
    source: str | Path | pd.DataFrame,
    *,
    wanted: Iterable[str] | None = None,
    unit_column: str | None = None,
    year_column: str | None = None,
    year: int | None = None,
    name_column: str | None = None,
    group_column: str | None = None,
    rename: Mapping[str, str] | None = None,
    label: str = "table",
) -> Table:
    """Read a CSV/XLSX (or DataFrame) with unit and year columns and one column per node or figure.

    Parameters
    ----------
    source : path or DataFrame
        UTF-8 (with or without BOM) or GB18030 CSV, or XLSX (first sheet).
    wanted : iterable of str, optional
        Names (after ``rename``) of the columns to keep — node codes for published scores, figure
        ids for inputs; each must hold numbers. Default: every column holding only numbers (and
        blanks) but unit/year/name/group.
    unit_column, year_column : str, optional
        Default: the first of :data:`UNIT_COLUMNS` / :data:`YEAR_COLUMNS` present.
    year : int, optional
        The year of every row when the table has no year column.
    name_column, group_column : str, optional
        Unit names and groups (e.g. WJP's ``country`` and ``region``).
    rename : mapping, optional
        ``{column in the file: node code or figure id}``.
    label : str
        What the table is, for messages ("published scores", "inputs").

    Raises
    ------
    ReproductionError
        Listing every problem: unknown columns, no unit or year column, values that are not
        numbers (with row and column), duplicate unit-years, mapping targets clashing.
    """
    raw, file, digest = _read_raw(source, label)
    problems: list[str] = []
    cols = list(raw.columns)

    def pick(given: str | None, candidates: Sequence[str], what: str) -> str | None:
        if given is not None:
            if given not in cols:
                problems.append(f"{file}: no {what} column {given!r}; columns: {', '.join(cols)}")
            return given
        return next((c for c in candidates if c in cols), None)

    ucol = pick(unit_column, UNIT_COLUMNS, "unit")
    if ucol is None:
        problems.append(f"{file}: no unit column (tried {', '.join(UNIT_COLUMNS)}); name it with --unit-column")
    ycol = pick(year_column, YEAR_COLUMNS if year is None else (), "year")
    if ycol is None and year is None:
        problems.append(f"{file}: no year column (tried {', '.join(YEAR_COLUMNS)}); name it with "
                        "--year-column or give the year with --year")
    ncol = pick(name_column, (), "name")
    gcol = pick(group_column, (), "group")
    rename = dict(rename or {})
    for src in rename:
        if src not in cols:
            problems.append(f"{file}: mapping names column {src!r}, which the table does not have")
    meta_cols = {c for c in (ucol, ycol, ncol, gcol) if c}
    names = {c: rename.get(c, c) for c in cols if c not in meta_cols}
    seen: dict[str, str] = {}
    for c, n in names.items():
        if n in seen:
            problems.append(f"{file}: columns {seen[n]!r} and {c!r} both map to {n!r}")
        seen.setdefault(n, c)
    if wanted is None:  # every numeric column
        want = {n for c, n in names.items() if all(_num(t) is not None for t in raw[c])}
    else:
        want = set(wanted)
    keep = [c for c in names if names[c] in want]
    ignored = tuple(c for c in names if names[c] not in want)
    if wanted is not None and not keep:
        problems.append(f"{file}: none of the columns is a wanted {label} column; columns: {', '.join(cols)}")
    if problems:
        raise ReproductionError(f"{label} {file} cannot be read", problems)

    n = len(raw)
    units = raw[ucol].astype(str).str.strip()
    for i in np.flatnonzero(units.isin(_NA).to_numpy()):
        problems.append(f"{file} row {i + 2} (column {ucol}): unit is empty")
    if ycol is not None:
        years = []
        for i, t in enumerate(raw[ycol]):
            v, error = parse_year(t)
            if error:
                problems.append(f"{file} row {i + 2} (column {ycol}): {t!r} is not a year")
            years.append(v or 0)
    else:
        years = [int(year)] * n
    index = pd.MultiIndex.from_arrays([units.to_numpy(), years], names=["district", "year"])
    for i in np.flatnonzero(index.duplicated()):
        problems.append(f"{file} row {i + 2}: unit {index[i][0]!r} year {index[i][1]} appears twice")
    values = {}
    for c in keep:
        out = np.empty(n)
        for i, t in enumerate(raw[c]):
            v = _num(t)
            if v is None:
                problems.append(f"{file} row {i + 2} (column {c}): {t!r} is not a finite number")
                v = math.nan
            out[i] = v
        values[names[c]] = out
    if problems:
        raise ReproductionError(f"{label} {file} cannot be read", problems)
    frame = pd.DataFrame(values, index=index)
    first = ~index.get_level_values("district").duplicated()
    districts = pd.DataFrame({
        "district_name": (raw[ncol].astype(str) if ncol else units).to_numpy()[first],
        "group": (raw[gcol].astype(str).to_numpy()[first] if gcol else ""),
    }, index=pd.Index(units.to_numpy()[first], name="district"))
    return Table(frame, districts, file, digest, {c: names[c] for c in keep if names[c] != c}, ignored)


def _read_raw(source: Any, label: str) -> tuple[pd.DataFrame, str, str | None]:
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index() if source.index.names != [None] else source
        return frame.astype(object).where(frame.notna(), "").map(_text), "<DataFrame>", None
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReproductionError(f"cannot read {label} {path}: {exc.strerror}") from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = pd.read_excel(io.BytesIO(data), dtype=object, na_filter=False)
    else:
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise ReproductionError(f"{path.name}: neither UTF-8 nor GB18030 text")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    return frame.map(_text), path.name, sha256_file(path)


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v).strip()


def _num(text: Any) -> float | None:
    """Float of a cell; NaN for blank/NA; None when not a finite number."""
    t = str(text).strip()
    if t in _NA:
        return math.nan
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def decimals(values: Any, max_decimals: int = MAX_DECIMALS) -> int | None:
    """The fewest decimals that write every value exactly, or None when more than ``max_decimals``.

    ``[0.57, 0.34]`` → 2; ``[3.0, 12.0]`` → 0; ``[0.457571126345996]`` → None (unrounded).
    A value counts as written with ``d`` decimals when ``x·10^d`` is within 1e-11 of an integer
    relative to its size (so 0.57, stored as 0.56999999999999995, has 2). NaN are ignored;
    no values → None.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    for d in range(max_decimals + 1):
        y = x * 10.0**d
        if np.all(np.abs(y - np.round(y)) <= 1e-11 * np.maximum(1.0, np.abs(y))):
            return d
    return None
