"""Read COINr's input format — ``iData`` and ``iMeta`` tables — into a framework and figures.

COINr (the JRC's R package for composite indicators) describes an index with two tables:

- ``iData``: one row per unit (and time point): ``uCode`` (required), ``uName``, ``Time``
  (optional), and one column per indicator, grouping variable, denominator or other variable;
- ``iMeta``: one row per column of ``iData`` that is not ``uCode``/``uName``/``Time``, plus one
  row per aggregate: ``iCode``, ``Level`` (1 = indicator), ``Parent``, ``Direction`` (1 or −1),
  ``Weight`` (relative within its aggregation group), ``Type`` (``Indicator``, ``Aggregate``,
  ``Group``, ``Denominator``, ``Other``) and optionally ``iName``, ``Unit``, ``Denominator``
  (the denominator column an indicator may be divided by), ``Target`` and goalposts
  (``goalpost_lower``, ``goalpost_upper``).

:func:`read_coinr` turns them into a :class:`~indicators.framework.Framework` (indicators read
their own column: formula = the ``iCode``; directions, weights, denominators, targets and
goalposts as declared), the figures as a wide table indexed by (district = ``uCode``, year =
``Time`` or the ``year`` given) and a districts table (``district_name`` = ``uName``, ``group``
and every ``Group`` column), so ``build_index`` scores the coin directly::

    coin = read_coinr("asem_iData.csv", "asem_iMeta.csv")
    result = coin.build("data/methodologies/coinr_example.yaml")

A workbook holding both tables is read from its sheets ``iData`` and ``iMeta``. Every problem of
both tables is reported at once, with file, row and column.

References: COINr vignette "Building coins" (``vignettes/coins.Rmd``), ``new_coin()``; Becker,
Caperna, Del Sorbo, Norlén, Papadimitriou & Saisana (2022), "COINr: an R package for developing
composite indicators", *JOSS* 7(78), 4567, https://doi.org/10.21105/joss.04567.
"""

from __future__ import annotations

import io
import keyword
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .framework import Framework, framework_from_dict
from .io import sha256_file
from .submission.values import parse_year

__all__ = ["TYPES", "CoinrData", "read_coinr"]

#: iMeta ``Type`` values.
TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")
#: iData columns that are not variables.
RESERVED = ("uCode", "uName", "Time")
_REQUIRED_META = ("iCode", "Level", "Parent", "Direction", "Weight", "Type")
_NA = {"", "NA", "NaN", "nan", "N/A", "#N/A", "NULL"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Source = str | Path | pd.DataFrame


@dataclass(frozen=True)
class CoinrData:
    """A COINr coin's inputs read for rolindex.

    Attributes
    ----------
    framework : Framework
        Built from iMeta (id, version and a content hash like any framework).
    figures : DataFrame
        Indicators and denominators, wide, indexed by (district, year).
    districts : DataFrame
        Indexed by district (``uCode``): ``district_name`` (``uName``), ``group`` (the ``Group``
        column chosen with ``group``, else "") and every ``Group`` column of iMeta.
    other : DataFrame
        ``Other`` columns, passed through (indexed by (district, year)).
    meta : DataFrame
        iMeta as read (values as text).
    files : dict
        ``{file name: sha256}`` of the files read (recorded in the result's provenance).
    """

    framework: Framework
    figures: pd.DataFrame
    districts: pd.DataFrame
    other: pd.DataFrame
    meta: pd.DataFrame
    files: Mapping[str, str] = field(default_factory=dict)

    def build(self, methodology: Any = None):
        """``build_index`` on this coin (its districts table and file hashes included)."""
        from .pipeline import build_index

        return build_index(self.figures, self.framework, methodology, districts=self.districts,
                           inputs=dict(self.files))

    @property
    def groups(self) -> list[str]:
        """Names of the iMeta ``Group`` columns."""
        return [c for c in self.districts.columns if c not in ("district_name", "group")]


def read_coinr(
    idata: Source,
    imeta: Source | None = None,
    *,
    year: int | None = None,
    group: str | None = None,
    framework_id: str | None = None,
    name: str | None = None,
    version: str = "1",
) -> CoinrData:
    """Read COINr ``iData`` and ``iMeta`` (CSV, XLSX or DataFrames) for ``build_index``.

    Parameters
    ----------
    idata : path or DataFrame
        The iData table (CSV or XLSX; a workbook with sheets ``iData`` and ``iMeta`` when
        ``imeta`` is None).
    imeta : path or DataFrame, optional
        The iMeta table.
    year : int, optional
        The year of every row when iData has no ``Time`` column (required then). When iData has
        ``Time``, ``year`` must be None or equal to every ``Time``.
    group : str, optional
        The iMeta ``Group`` column that becomes the districts' ``group`` (what ``group_mean``
        uses by default; any Group column can be chosen in the methodology with ``by``).
    framework_id, name, version : str, optional
        Identity of the framework (default: the iData file's stem, e.g. ``asem``).

    Returns
    -------
    CoinrData

    Raises
    ------
    DataError
        Listing every problem of both tables with file, row and column: missing required
        columns, unknown ``Type``, duplicate or invalid ``iCode``, a ``Parent`` that is not an
        aggregate of the level above, non-numeric levels, weights or directions, iData columns
        without iMeta rows (or the reverse), aggregate codes in iData, values that are not
        numbers, duplicate units, a missing year.

    References
    ----------
    COINr ``new_coin()`` and vignette "Building coins"; Becker et al. (2022),
    https://doi.org/10.21105/joss.04567.
    """
    files: dict[str, str] = {}
    if imeta is None:
        if isinstance(idata, pd.DataFrame) or Path(idata).suffix.lower() not in (".xlsx", ".xlsm"):
            raise DataError("read_coinr: give imeta, or a workbook with sheets 'iData' and 'iMeta' as idata")
        data_raw, data_src = _read(idata, "iData", files)
        meta_raw, meta_src = _read(idata, "iMeta", files)
    else:
        data_raw, data_src = _read(idata, None, files)
        meta_raw, meta_src = _read(imeta, None, files)
    stem = Path(str(data_src).split(" ")[0]).stem if not isinstance(idata, pd.DataFrame) else "coin"
    stem = re.sub(r"_?iData$", "", stem, flags=re.IGNORECASE) or "coin"

    problems: list[str] = []
    meta = _parse_meta(meta_raw, meta_src, problems)
    by_type = {t: [m for m in meta if m["Type"] == t] for t in TYPES}
    data, units = _parse_data(data_raw, data_src, meta, year, problems)
    if group is not None and group not in [m["iCode"] for m in by_type["Group"]]:
        groups = ", ".join(m["iCode"] for m in by_type["Group"]) or "none"
        problems.append(f"group={group!r} is not a Group column of iMeta; Group columns: {groups}")
    if problems:
        raise DataError("COINr iData/iMeta cannot be read", problems)

    fw = _framework(meta, by_type, framework_id or stem, name or f"COINr: {stem}", version, meta_src)
    figure_ids = list(fw.figures)
    figures = data[figure_ids].astype(float)
    other = data[[m["iCode"] for m in by_type["Other"]]]
    districts = _districts(data_raw, units, by_type["Group"], group, data_src, problems)
    if problems:
        raise DataError("COINr iData/iMeta cannot be read", problems)
    return CoinrData(fw, figures, districts, other, meta_raw, files)


# ---------------------------------------------------------------------------------------------
# reading


def _read(src: Source, sheet: str | None, files: dict[str, str]) -> tuple[pd.DataFrame, str]:
    """Read a table as text (every cell a string, blanks ""), and name where it came from."""
    if isinstance(src, pd.DataFrame):
        text = src.astype(object).where(src.notna(), "NA").map(_cell_text)
        return text.reset_index(drop=True), "<DataFrame>"
    path = Path(src)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None
    files[path.name] = sha256_file(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet or 0, dtype=object, na_filter=False)
        except ValueError as exc:
            raise DataError(f"{path.name}: cannot read sheet {sheet or 0!r}: {exc}") from None
        label = f"{path.name} [{sheet}]" if sheet else path.name
        return frame.map(_cell_text), label
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path.name}: not UTF-8 text; save the CSV as UTF-8") from None
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    return frame.map(_cell_text), path.name


def _cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NA"
    if isinstance(v, float) and v.is_integer():
        return repr(v)
    return str(v).strip()


def _number(text: str) -> float | None:
    """Float of a cell; NaN for NA/blank; None when not a finite number."""
    if text in _NA:
        return math.nan
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _parse_meta(raw: pd.DataFrame, src: str, problems: list[str]) -> list[dict[str, Any]]:
    missing = [c for c in _REQUIRED_META if c not in raw.columns]
    if missing:
        problems.append(f"{src}: missing required column(s) {', '.join(missing)}; iMeta needs "
                        f"{', '.join(_REQUIRED_META)}")
        return []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, r in raw.iterrows():
        row = int(i) + 2
        at = f"{src} row {row}"
        code, typ = r["iCode"], r["Type"]
        m: dict[str, Any] = {"row": row, "iCode": code, "Type": typ, "at": at}
        if code in _NA:
            problems.append(f"{at} (column iCode): iCode is empty")
            continue
        if code in seen:
            problems.append(f"{at} (column iCode): duplicate iCode {code!r} (first on row {seen[code]})")
            continue
        seen[code] = row
        if code in RESERVED:
            problems.append(f"{at} (column iCode): {code!r} is reserved for iData's unit columns")
        elif not _IDENT.match(code) or keyword.iskeyword(code):
            problems.append(f"{at} (column iCode): {code!r} must start with a letter and hold only letters, "
                            "digits and _ (it becomes a figure id)")
        if typ not in TYPES:
            problems.append(f"{at} (column Type): {typ!r} is not one of {', '.join(TYPES)}")
        for col in ("Level", "Weight", "Direction"):
            v = _number(r[col])
            if v is None:
                problems.append(f"{at} (column {col}): {r[col]!r} is not a number")
                v = math.nan
            m[col] = v
        m["Parent"] = None if r["Parent"] in _NA else r["Parent"]
        for col in ("iName", "Unit", "Denominator"):
            m[col] = r[col] if col in raw.columns and r[col] not in _NA else None
        for col in ("Target", "goalpost_lower", "goalpost_upper"):
            v = _number(r[col]) if col in raw.columns else math.nan
            if v is None:
                problems.append(f"{at} (column {col}): {r[col]!r} is not a number")
                v = math.nan
            m[col] = v
        rows.append(m)
    _check_tree(rows, problems)
    return rows


def _check_tree(meta: list[dict[str, Any]], problems: list[str]) -> None:
    codes = {m["iCode"]: m for m in meta}
    index_rows = [m for m in meta if m["Type"] in ("Indicator", "Aggregate")]
    roots = [m for m in index_rows if m["Type"] == "Aggregate" and m["Parent"] is None]
    if index_rows and len(roots) != 1:
        problems.append(f"iMeta: exactly one Aggregate must have no Parent (the index); found {len(roots)}: "
                        f"{', '.join(m['iCode'] for m in roots) or 'none'}")
    for m in index_rows:
        at = m["at"]
        lvl = m["Level"]
        if not math.isnan(lvl) and (not float(lvl).is_integer() or lvl < 1):
            problems.append(f"{at} (column Level): Level must be a whole number >= 1, got {lvl:g}")
        if m["Type"] == "Indicator" and lvl != 1:
            problems.append(f"{at} (column Level): an Indicator is Level 1, got {lvl:g}")
        if m["Type"] == "Aggregate" and lvl < 2:
            problems.append(f"{at} (column Level): an Aggregate is Level 2 or above, got {lvl:g}")
        if m["Type"] == "Indicator" and m["Direction"] not in (1.0, -1.0):
            problems.append(f"{at} (column Direction): Direction must be 1 or -1, got {m['Direction']:g}")
        is_root = m["Type"] == "Aggregate" and m["Parent"] is None
        if not is_root and (math.isnan(m["Weight"]) or m["Weight"] < 0):
            problems.append(f"{at} (column Weight): Weight must be a non-negative number, got {m['Weight']:g}")
        if m["Type"] == "Indicator" and m["Parent"] is None:
            problems.append(f"{at} (column Parent): an Indicator needs a Parent")
        parent = m["Parent"]
        if parent is not None:
            p = codes.get(parent)
            if p is None or p["Type"] != "Aggregate":
                problems.append(f"{at} (column Parent): Parent {parent!r} is not an Aggregate of iMeta")
            elif not math.isnan(lvl) and p["Level"] != lvl + 1:
                problems.append(f"{at} (column Parent): Parent {parent!r} is Level {p['Level']:g}, "
                                f"expected Level {lvl + 1:g} (one above {m['iCode']})")
        den = m["Denominator"]
        if den is not None:
            if m["Type"] != "Indicator":
                problems.append(f"{at} (column Denominator): only Indicators are denominated")
            elif den not in codes or codes[den]["Type"] != "Denominator":
                problems.append(f"{at} (column Denominator): {den!r} is not a Denominator row of iMeta")
    for m in meta:
        if m["Type"] in ("Group", "Denominator", "Other") and m["Parent"] is not None:
            problems.append(f"{m['at']} (column Parent): a {m['Type']} row is not in the index; leave Parent NA")
    parents = {m["Parent"] for m in index_rows}
    for m in index_rows:
        if m["Type"] == "Aggregate" and m["iCode"] not in parents:
            problems.append(f"{m['at']}: Aggregate {m['iCode']!r} has no children")


def _parse_data(raw: pd.DataFrame, src: str, meta: list[dict[str, Any]], year: int | None,
                problems: list[str]) -> tuple[pd.DataFrame, pd.Index]:
    if "uCode" not in raw.columns:
        problems.append(f"{src}: missing required column uCode")
        return pd.DataFrame(), pd.Index([])
    types = {m["iCode"]: m["Type"] for m in meta}
    cols = [c for c in raw.columns if c not in RESERVED]
    for c in cols:
        if c not in types:
            problems.append(f"{src} (column {c}): column has no iMeta row; add one (Type Other to pass it through)")
        elif types[c] == "Aggregate":
            problems.append(f"{src} (column {c}): {c!r} is an Aggregate of iMeta; iData holds indicators, "
                            "not aggregates")
    for m in meta:
        if m["Type"] != "Aggregate" and m["iCode"] not in raw.columns:
            problems.append(f"{m['at']}: iCode {m['iCode']!r} ({m['Type']}) has no column in {src}")
    # years
    if "Time" in raw.columns:
        years = []
        for i, t in enumerate(raw["Time"]):
            v, error = parse_year(t)
            if error:
                problems.append(f"{src} row {i + 2} (column Time): {t!r} is not a year")
            years.append(v or 0)
        if year is not None and any(y != year for y in years):
            problems.append(f"{src}: year={year} was given but the Time column holds "
                            f"{', '.join(map(str, sorted(set(years))))}; drop year= to use Time")
    elif year is None:
        problems.append(f"{src}: no Time column; give the year of the data (year=... / --year)")
        years = [0] * len(raw)
    else:
        years = [int(year)] * len(raw)
    units = pd.Index(raw["uCode"], name="district")
    for i, u in enumerate(units):
        if u in _NA:
            problems.append(f"{src} row {i + 2} (column uCode): uCode is empty")
    idx = pd.MultiIndex.from_arrays([units, years], names=["district", "year"])
    dup = idx.duplicated(keep="first")
    for i in np.flatnonzero(dup):
        problems.append(f"{src} row {i + 2} (column uCode): unit {units[i]!r} year {years[i]} appears twice")
    # values
    numeric = [m["iCode"] for m in meta if m["Type"] in ("Indicator", "Denominator") and m["iCode"] in raw.columns]
    values: dict[str, list[float]] = {}
    for c in numeric:
        out = []
        for i, t in enumerate(raw[c]):
            v = _number(t)
            if v is None:
                problems.append(f"{src} row {i + 2} (column {c}): {t!r} is not a finite number")
                v = math.nan
            out.append(v)
        values[c] = out
    other = [m["iCode"] for m in meta if m["Type"] in ("Other", "Group") and m["iCode"] in raw.columns]
    frame = pd.DataFrame(values, index=idx)
    for c in other:
        frame[c] = raw[c].where(~raw[c].isin(_NA), None).to_numpy()
    return frame, units


def _framework(meta, by_type, fid: str, name: str, version: str, src: str) -> Framework:
    def label(m):
        return m["iName"] or m["iCode"]

    figures = []
    for m in by_type["Indicator"] + by_type["Denominator"]:
        figures.append({"id": m["iCode"], "zh": label(m), "en": label(m), "unit": m["Unit"] or "",
                        "kind": "amount", "range": [None, None]})
    nodes = []
    for m in by_type["Aggregate"] + by_type["Indicator"]:
        node: dict[str, Any] = {"code": m["iCode"], "zh": label(m), "en": label(m)}
        if m["Parent"] is not None:
            node["parent"] = m["Parent"]
            node["weight"] = float(m["Weight"])
        if m["Unit"]:
            node["unit"] = m["Unit"]
        if m["Type"] == "Indicator":
            node["direction"] = "+" if m["Direction"] > 0 else "-"
            node["formula"] = m["iCode"]
            if m["Denominator"]:
                node["denominator"] = m["Denominator"]
            if not math.isnan(m["Target"]):
                node["target"] = float(m["Target"])
            lo, hi = m["goalpost_lower"], m["goalpost_upper"]
            if not (math.isnan(lo) or math.isnan(hi)):
                node["goalposts"] = [float(lo), float(hi)]
        nodes.append(node)
    data = {"id": fid, "version": version, "name": {"zh": name, "en": name}, "scale": 100,
            "source": "COINr iMeta", "figures": figures, "nodes": nodes}
    return framework_from_dict(data, source=src)


def _districts(raw: pd.DataFrame, units: pd.Index, groups: list[dict[str, Any]], group: str | None,
               src: str, problems: list[str]) -> pd.DataFrame:
    names = raw["uName"] if "uName" in raw.columns else pd.Series(list(units))
    table = pd.DataFrame({"district_name": names.to_numpy()}, index=units)
    for m in groups:
        table[m["iCode"]] = raw[m["iCode"]].where(~raw[m["iCode"]].isin(_NA), None).to_numpy()
    first = table[~table.index.duplicated(keep="first")]
    for col in table.columns:
        varies = table.groupby(level=0)[col].nunique(dropna=False) > 1
        for unit in varies[varies].index:
            problems.append(f"{src} (column {col}): unit {unit!r} has different values in different years; "
                            "rolindex keeps one name and group per district")
    first = first.copy()
    first.insert(1, "group", first[group] if group is not None else "")
    first.index.name = "district"
    return first
