"""The :class:`Submission` type: submitted figures in long form, the read-time :class:`Problem`, the raw
cells → figures table assembly, and the dense (district-year × figure) :class:`Layout` behind
:func:`to_wide` and validation.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..framework import Framework
from .values import YEAR_RANGE, ParsedValue, XlsxNumber, normalise_text, parse_value, parse_year

#: Columns a long-format file must have.
REQUIRED_COLUMNS = ("district", "year", "figure", "value")
#: Optional columns of a long-format file (all but ``unit`` are also accepted in wide format).
OPTIONAL_COLUMNS = ("district_name", "group", "unit", "source", "quote", "note")
#: Columns of a wide-format file that are not figure ids.
WIDE_META_COLUMNS = ("district", "year", "district_name", "group", "source", "quote", "note")
#: Columns of :attr:`Submission.figures`, in order.
FIGURE_COLUMNS = ("district", "year", "figure", "value", "text", "decimals", "percent", "approx",
                  "district_name", "group", "unit", "source", "quote", "note", "file", "row",
                  "column")
#: Every text column of :attr:`Submission.figures` is categorical (cheap at 1.7 M rows).
_CATEGORICAL = ("district", "figure", "text", "district_name", "group", "unit", "source", "quote",
                "note", "file", "column")
_IDENTIFIERS = ("district", "figure", "district_name", "group", "unit", "file", "column")


# ---------------------------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One problem found in submitted figures, with where it is (file, row, column, district-year).

    ``row`` is the 1-based spreadsheet row (header = row 1 in a file whose header is on the first
    line; the sheet row in XLSX), ``None`` when no row holds the problem (a missing figure).
    """

    severity: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    district: str | None = None
    year: int | None = None
    figure: str | None = None

    def __str__(self) -> str:
        loc = self.file or "<input>"
        if self.row is not None:
            loc += f" row {self.row}"
        elif self.district is not None:
            loc += ", no row"
        if self.column is not None:
            loc += f", column {self.column}"
        ctx = " ".join(str(x) for x in (self.district, self.year) if x is not None)
        if self.figure is not None:
            ctx = f"{ctx}, {self.figure}" if ctx else self.figure
        return f"{loc}{f' ({ctx})' if ctx else ''}: {self.message}"



# ---------------------------------------------------------------------------------------------
# the submission
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Submission:
    """Submitted figures in long form, with districts, file hashes and read-time problems.

    ``figures`` has one row per submitted value with columns :data:`FIGURE_COLUMNS`: ``value`` is
    a float (NaN if unreadable), ``text`` the cell as written (missing for numbers given to
    :meth:`from_frame`), ``decimals`` the decimals shown in the unit written (NaN when unknown),
    ``percent``/``approx`` flags, and ``file``/``row``/``column`` where the value sits. Every
    text column is categorical, which keeps a national panel (1.7 M rows) small and fast.
    ``districts`` is indexed by district with the first ``district_name`` and ``group`` given.
    """

    figures: pd.DataFrame
    districts: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @classmethod
    def from_frame(cls, df: pd.DataFrame, name: str = "<frame>") -> Submission:
        """Build a submission from an in-memory long DataFrame (values may already be floats).

        Rows are located as if ``df`` were a sheet named ``name`` (first row = row 2) unless
        ``df`` has ``file``/``row``/``column`` columns. Numeric values take a vectorised path.
        """
        missing = [c for c in ("district", "year", "figure", "value") if c not in df.columns]
        if missing:
            raise DataError(f"{name}: the frame lacks column(s) {', '.join(missing)}; a long frame "
                            f"has {', '.join(REQUIRED_COLUMNS)}")
        n = len(df)
        raw = {c: df[c] for c in df.columns if c in FIGURE_COLUMNS or c == "value"}
        raw.setdefault("file", pd.Categorical.from_codes(np.zeros(n, np.int8), [name]))
        raw.setdefault("row", np.arange(2, n + 2, dtype=np.int64))
        raw.setdefault("column", pd.Categorical.from_codes(np.zeros(n, np.int8), ["value"]))
        figures, problems = _assemble(raw, n, long_format=True)
        return cls._build(figures, {}, problems)

    @classmethod
    def _build(cls, figures: pd.DataFrame, files: dict[str, str],
               problems: list[Problem]) -> Submission:
        return cls(figures, _districts(figures), dict(files), tuple(problems))

    @cached_property
    def _layout(self) -> Layout:
        """Dense (district-year × figure) arrays shared by :func:`validate` and :func:`to_wide`."""
        return Layout.build(self.figures)


def _districts(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per district: the first ``district_name`` and ``group`` submitted (None if none).

    Validation warns when a district is given more than one name or group.
    """
    districts = figures["district"].cat.categories
    out = pd.DataFrame(index=pd.Index(districts, name="district", dtype=object))
    dcodes = figures["district"].cat.codes.to_numpy()
    for col in ("district_name", "group"):
        codes = figures[col].cat.codes.to_numpy()
        have = np.flatnonzero(codes >= 0)[::-1]  # reversed: the first row is written last
        chosen = np.full(len(districts), -1, dtype=np.int64)
        chosen[dcodes[have]] = codes[have]
        cats = np.append(np.asarray(figures[col].cat.categories, dtype=object), None)
        out[col] = pd.Series(cats[chosen], index=out.index, dtype=object)
    return out


def _empty_category(n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.full(n, -1, np.int8), categories=pd.Index([], dtype=object))


def _categorical(values: Any, clean: Any = None) -> pd.Categorical:
    """Text cells as a categorical with sorted categories; ``clean`` maps each distinct cell to
    its text (None = missing), by default NFKC-normalised and stripped (:func:`_cell_text`)."""
    clean = clean or _cell_text
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories.to_numpy(dtype=object)
    elif isinstance(values, pd.Categorical):
        codes, uniques = values.codes, values.categories.to_numpy(dtype=object)
    else:
        codes, uniques = _factorize(values)
        cleaned_list = [clean(u) for u in uniques]
        if all(c is u for c, u in zip(cleaned_list, uniques, strict=True)):  # clean and sorted: one pass
            return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
    cleaned = np.empty(len(uniques), dtype=object)
    cleaned[:] = [clean(u) for u in uniques]
    # sorted distinct texts and each unique's position among them, in pandas' hash table (a
    # million distinct values as a Python set, sorted list and dict cost several times the data)
    remap, cats = pd.factorize(cleaned, sort=True, use_na_sentinel=True)
    cats = np.asarray(cats, dtype=object)
    if len(cats) == len(cleaned) and (remap == np.arange(len(cleaned))).all():
        return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))  # already clean
    remap = np.append(remap.astype(np.int64), -1)
    new_codes = remap[np.where(codes < 0, len(uniques), codes)]
    return pd.Categorical.from_codes(new_codes, categories=pd.Index(cats, dtype=object))


def _factorize(values: Any, sort: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=sort)`` of object cells (missing → -1), with a dict of the distinct
    cells instead of a hash table sized for every row: a million cells of a few thousand districts
    cost their codes, not a table of a million slots. The distinct cells are sorted by pandas."""
    arr = np.asarray(values, dtype=object)
    codes = np.empty(len(arr), dtype=np.int64)
    first: dict[Any, int] = {}
    try:
        for i, v in enumerate(arr):
            try:
                codes[i] = first[v]
            except KeyError:
                if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
                    codes[i] = -1
                else:
                    codes[i] = first[v] = len(first)
    except TypeError:  # an unhashable cell: pandas' way
        codes, uniques = pd.factorize(arr, sort=sort, use_na_sentinel=True)
        return codes, np.asarray(uniques, dtype=object)
    del arr
    distinct = np.empty(len(first), dtype=object)
    distinct[:] = list(first)
    if not sort:  # first appearance, as pandas orders them
        return codes, distinct
    order, uniques = pd.factorize(distinct, sort=True, use_na_sentinel=True)
    remap = np.append(order.astype(np.int64), -1)
    return remap[codes], np.asarray(uniques, dtype=object)


def _cell_text(value: Any) -> str | None:
    """Text of an identifier cell (district, figure, name): None for blanks; 310106.0 → '310106'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, XlsxNumber):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise_text(str(value))
    return text or None


def _plain_text(value: Any) -> str | None:
    """Free text (source, quote, note, the value as written): stripped, None for blanks."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, XlsxNumber):
        value = value.text
    text = str(value).strip()
    return text or None


def _assemble(raw: MutableMapping[str, Any], n: int,
              long_format: bool) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn raw cells into the figures table; return it with the problems of rows and cells.

    ``raw`` is consumed: each column is removed from it once converted, so that a large file's
    cells are freed as soon as they are no longer needed (the caller passes its only reference).
    """
    problems: list[Problem] = []
    file = _categorical(raw.pop("file"))
    column = _categorical(raw.pop("column"))
    rows = np.asarray(raw.pop("row"), dtype=np.int64)
    district = _categorical(raw.pop("district"))
    figure = _categorical(raw.pop("figure"))
    year, year_bad, year_error = _years(raw.pop("year"))
    value, text, decimals, percent, approx, value_bad, value_error = _values(raw.pop("value"))
    if "text" in raw:
        text = _categorical(raw.pop("text"), _plain_text)
    if "decimals" in raw:
        decimals = np.asarray(raw.pop("decimals"), dtype=float)
    if "percent" in raw:
        percent = np.asarray(raw.pop("percent"), dtype=bool)
    if "approx" in raw:
        approx = np.asarray(raw.pop("approx"), dtype=bool)

    def problem(i: int, message: str, col: str | None, of_cell: bool = True) -> Problem:
        def cat(c: pd.Categorical) -> str | None:
            return c.categories[c.codes[i]] if c.codes[i] >= 0 else None

        y = None if year_bad[i] else int(year[i])
        return Problem("error", message, cat(file), int(rows[i]), col, cat(district), y,
                       cat(figure) if of_cell else None)

    # in wide format a bad district or year belongs to the row, not to each figure cell
    bad_district = np.flatnonzero(district.codes < 0)
    for i in bad_district:
        problems.append(problem(i, "district is empty; write the district id", "district",
                                long_format))
    bad_year = np.flatnonzero(year_bad)
    for i in bad_year:
        problems.append(problem(i, year_error[i], "year", long_format))
    bad_figure = np.flatnonzero(figure.codes < 0)
    for i in bad_figure:
        problems.append(problem(i, "figure is empty; write the figure id", "figure"))
    for i in np.flatnonzero(value_bad):
        message = value_error[i]
        if message == "empty":
            message = ("value is empty; give the number, or delete the row if the figure was not "
                       "reported" if long_format else "value is empty")
        else:
            message = f"value {message}"
        col = column.categories[column.codes[i]] if column.codes[i] >= 0 else None
        problems.append(problem(i, message, col))

    keep = np.ones(n, bool)
    keep[bad_district] = keep[bad_year] = keep[bad_figure] = False
    data: dict[str, Any] = {
        "district": district, "year": year, "figure": figure, "value": value, "text": text,
        "decimals": decimals, "percent": percent, "approx": approx,
    }
    for col in OPTIONAL_COLUMNS:
        clean = _cell_text if col in _IDENTIFIERS else _plain_text
        data[col] = _categorical(raw.pop(col), clean) if col in raw else _empty_category(n)
    data.update(file=file, row=rows, column=column)
    frame = pd.DataFrame(data, columns=list(FIGURE_COLUMNS), copy=False)  # no consolidating copy
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
        for col in _CATEGORICAL:
            frame[col] = frame[col].cat.remove_unused_categories()
    # a wide row with a bad year is one problem, not one per figure cell
    return frame, list(dict.fromkeys(problems))


def _years(values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Years as int64 (0 where invalid), a mask of invalid rows and the message per row (None if all valid)."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        year = values.to_numpy(dtype=np.int64)
        if ((year >= YEAR_RANGE[0]) & (year <= YEAR_RANGE[1])).all():
            return year, np.zeros(len(year), bool), None
    codes, uniques = _factorize(values, sort=False)
    parsed = [parse_year(u) for u in uniques] + [parse_year(None)]
    years = np.array([p[0] or 0 for p in parsed], dtype=np.int64)
    errors = np.array([p[1] for p in parsed], dtype=object)
    bad = np.array([p[1] is not None for p in parsed], dtype=bool)
    idx = np.where(codes < 0, len(uniques), codes)
    del codes
    invalid = bad[idx]
    return years[idx], invalid, errors[idx] if invalid.any() else None


#: Distinct value cells whose parse is remembered (repeated 0, 1, 100% …); beyond that every
#: cell is parsed, since a cache of a million distinct values cost more memory than the column.
_PARSE_CACHE = 4096


def _values(values: Any) -> tuple[Any, ...]:
    """Parse a value column: (value, text, decimals, percent, approx, bad mask, messages).

    ``messages`` is indexable by row (an array, or a dict of the bad rows only) or None. The text as
    written becomes a categorical while the cells are parsed (a dict of distinct texts, not an
    object array per row factorised afterwards: a million cells cost their distinct texts only).
    """
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    n = len(values)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        value = values.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(value)
        bad = ~finite
        error = None
        if bad.any():
            error = np.full(n, None, dtype=object)
            error[np.isnan(value)] = "empty"
            error[np.isinf(value)] = "is not a finite number"
            value = np.where(finite, value, np.nan)
        return (value, _empty_category(n), np.full(n, np.nan), np.zeros(n, bool),
                np.zeros(n, bool), bad, error)
    arr = np.asarray(values, dtype=object)
    del values
    cache: dict[Any, ParsedValue] = {}
    value, decimals = np.empty(n), np.empty(n)
    percent, approx, bad = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    errors: dict[int, str] = {}
    codes = np.full(n, -1, dtype=np.int32 if n < 2**31 else np.int64)
    texts: dict[str, int] = {}  # distinct text → its code, in order of first appearance
    for i, cell in enumerate(arr):
        try:
            parsed = cache[cell]
        except (KeyError, TypeError):
            parsed = parse_value(cell)
            if isinstance(cell, str | XlsxNumber) and len(cache) < _PARSE_CACHE:
                cache[cell] = parsed
        value[i] = parsed.value
        decimals[i] = np.nan if parsed.decimals is None else parsed.decimals
        percent[i], approx[i] = parsed.percent, parsed.approx
        if parsed.error is not None:
            bad[i], errors[i] = True, parsed.error
        if isinstance(cell, XlsxNumber):
            written = cell.text.strip()
        elif isinstance(cell, str):
            written = cell.strip()
        elif cell is not None and not (isinstance(cell, float) and math.isnan(cell)):
            written = str(cell).strip()
        else:
            continue
        if written:
            codes[i] = texts.setdefault(written, len(texts))
    cats = np.empty(len(texts), dtype=object)
    cats[:] = [t.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for t in texts]
    del arr, cache, texts
    order = np.argsort(cats, kind="stable")  # sorted categories, as _categorical makes them
    remap = np.empty(len(cats) + 1, dtype=codes.dtype)
    remap[order] = np.arange(len(cats), dtype=codes.dtype)
    remap[-1] = -1
    text = pd.Categorical.from_codes(remap[codes], categories=pd.Index(cats[order], dtype=object))
    return (value, text, decimals, percent, approx, bad, errors)


# dense layout shared by validation and to_wide
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Submitted figures as dense (district-year × figure) arrays, first occurrence kept.

    ``key`` and ``fig`` give each row's district-year and figure position; ``value`` and ``pos``
    (row position in the figures table, -1 where nothing was submitted) are the dense arrays;
    ``counts`` how many rows each cell has (duplicates where > 1).
    """

    districts: np.ndarray
    years: np.ndarray
    figures: pd.Index
    key: np.ndarray
    fig: np.ndarray
    value: np.ndarray
    pos: np.ndarray
    counts: np.ndarray

    @classmethod
    def build(cls, figures: pd.DataFrame) -> Layout:
        n = len(figures)
        dcodes = figures["district"].cat.codes.to_numpy().astype(np.int64)
        dcats = figures["district"].cat.categories
        fcodes = figures["figure"].cat.codes.to_numpy().astype(np.int64)
        fcats = figures["figure"].cat.categories
        year = figures["year"].to_numpy(dtype=np.int64)
        ymin = int(year.min()) if n else 0
        span = int(year.max()) - ymin + 1 if n else 1
        raw_key = dcodes * span + (year - ymin)
        del dcodes, year  # temporaries of a row each are freed as soon as they are spent (peak memory)
        space = len(dcats) * span
        if space <= 4 * n + 1_000_000:
            occupied = np.bincount(raw_key, minlength=space) > 0
            ids = np.cumsum(occupied) - 1
            key = ids[raw_key]
            uniq = np.flatnonzero(occupied)
            del occupied, ids
        else:
            key, uniq = pd.factorize(raw_key, sort=True)
        del raw_key
        nkeys, nfigs = len(uniq), len(fcats)
        cell = key * nfigs + fcodes
        counts = np.bincount(cell, minlength=nkeys * nfigs).reshape(nkeys, nfigs)
        values = figures["value"].to_numpy(dtype=float)
        positions = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
        if counts.size and counts.max() > 1:  # keep the first row of every cell
            first = ~pd.Series(cell).duplicated().to_numpy()
            cell, positions, values = cell[first], positions[first], values[first]
        pos = np.full(nkeys * nfigs, -1, dtype=positions.dtype)
        pos[cell] = positions
        del positions
        value = np.full(nkeys * nfigs, np.nan)
        value[cell] = values
        del cell, values
        return cls(
            districts=np.asarray(dcats, dtype=object)[uniq // span],
            years=(uniq % span + ymin).astype(np.int64), figures=pd.Index(fcats), key=key,
            fig=fcodes, value=value.reshape(nkeys, nfigs), pos=pos.reshape(nkeys, nfigs),
            counts=counts,
        )

    @cached_property
    def _columns(self) -> dict[str, int]:
        return {f: i for i, f in enumerate(self.figures)}

    def column(self, figure: str) -> int:
        """Column of ``figure`` in the dense arrays, -1 if it was not submitted (a dict lookup: cheap per file)."""
        return self._columns.get(figure, -1)


# ---------------------------------------------------------------------------------------------
# wide table for the pipeline
# ---------------------------------------------------------------------------------------------
def to_wide(submission: Submission, framework: Framework | None = None) -> pd.DataFrame:
    """Figures as a (district, year) × figure table of floats; the first of duplicate rows wins.

    With ``framework``, columns are its figures in framework order (unknown ids dropped, figures
    nobody submitted all-NaN); without, the submitted figures in order of first appearance.
    """
    lay = submission._layout
    index = pd.MultiIndex.from_arrays([lay.districts, lay.years], names=["district", "year"])
    if framework is not None:
        names = list(framework.figures)
    else:
        names = [lay.figures[j] for j in pd.unique(lay.fig)]  # order of first appearance
    cols = lay.figures.get_indexer(names)
    data = np.full((len(lay.districts), len(names)), np.nan)
    present = cols >= 0
    data[:, present] = lay.value[:, cols[present]]
    return pd.DataFrame(data, index=index, columns=pd.Index(names, name="figure"))

