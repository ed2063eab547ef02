"""Reproduce published scores: recompute an index, compare it node by node, explain, report.

An academic who wants to check a published index gives its framework, its methodology, its inputs
and the published scores (any levels: indicators, pillars, the index). :func:`reproduce` compares
the recomputed scores of every node the published table holds, for every unit-year it holds,
and returns a :class:`Reproduction`: per cell, node, level and year the absolute differences,
the cells outside the tolerance, rank agreement (identical ranks, Spearman's rho, Kendall's tau)
and, when it fails, :class:`Finding` s that explain the usual causes:

- **rounded inputs** — inputs stored with few decimals (WJP's 2012 sub-factors have 2);
- **rounded published values** — a table shown to 2 decimals can only agree to 0.005;
- **tie rules** — ranks that differ only among tied scores (min, average or first ranks; or
  scores that look tied at the published precision);
- **missing-data policy** — scores present on one side only, or differences only where
  indicators are missing (skipping and rescaling weights vs imputing; coverage thresholds);
- **normalisation year grouping** — min-max or z-scores within each year vs over the pooled panel
  (COINr normalises a purse "globally" by default), found by rebuilding with the other choice.

:func:`write_report` writes the report files (``nodes.csv`` — the per-node differences —,
``differences.csv``, ``ranks.csv``, ``scores.csv``, ``summary.md``, ``provenance.json``);
:func:`plot_differences` and :func:`effective_weight_table` are for notebooks
(``notebooks/reproduce.ipynb``). The ``rolindex reproduce`` command wraps all of it.

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, Step 10 ("links to
other indicators") and §7 (robustness), https://doi.org/10.1787/9789264043466-en; Becker et al.
(2022), COINr, *JOSS* 7(78), 4567, https://doi.org/10.21105/joss.04567 (``compare_coins()``);
World Justice Project (2024), *Rule of Law Index* methodology; Kendall (1938), *Biometrika* 30,
81–93, https://doi.org/10.1093/biomet/30.1-2.81; Spearman (1904), *Am. J. Psychol.* 15, 72–101.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from indicators import IndexResult, Methodology, build_index
from indicators.framework import Framework, load_framework
from indicators.io import atomic_write_text, sha256_file
from indicators.methodology import load_methodology
from indicators.submission import parse_year

from .errors import EvaluationError

__all__ = [
    "Finding",
    "Reproduction",
    "ReproductionError",
    "Table",
    "decimals",
    "effective_weight_summary",
    "effective_weight_table",
    "findings_table",
    "overview",
    "plot_differences",
    "read_table",
    "read_wjp",
    "reproduce",
    "reproduce_wjp",
    "write_report",
]

#: Column names tried, in order, for the unit and the year when none is given.
UNIT_COLUMNS = ("district", "uCode", "code", "unit", "iso3", "country_code")
YEAR_COLUMNS = ("year", "Time")
#: Largest number of decimals :func:`decimals` reports; more means "not rounded".
MAX_DECIMALS = 8
#: Statuses of a compared cell.
STATUSES = ("ok", "outside", "missing recomputed", "missing published", "both missing")
_NA = {"", "NA", "NaN", "nan", "N/A", "#N/A", "NULL", "null", "-"}
_FLOAT = "%.17g"


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


# ---------------------------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One diagnosed cause of differences: what, the evidence, and what to do about it.

    ``explains`` is True when the evidence accounts for every value outside the tolerance it
    concerns (e.g. all differences of 2012 are below the rounding bound of 2012's inputs).
    """

    cause: str
    evidence: str
    advice: str
    explains: bool = False
    #: Which values outside the tolerance it accounts for: ``{"year": 2012}``, ``{"node": "f1"}``,
    #: ``{}`` for all of them, None for none (it is about values present on one side only).
    scope: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Reproduction:
    """Published vs recomputed scores of every node and unit-year the published table holds.

    Attributes
    ----------
    result : IndexResult
        The recomputation.
    published : Table
        The published scores.
    tolerance : float
        Largest absolute difference accepted; ``year_tolerance`` overrides it per year.
    differences : DataFrame
        One row per (node, district, year): ``level``, ``published``, ``recomputed``,
        ``difference`` (recomputed − published), ``abs_difference``, ``tolerance`` and
        ``status`` (one of :data:`STATUSES`).
    nodes : DataFrame
        Per node: level, counts, max and mean absolute difference, values outside, published
        decimals, rank agreement (identical share, lowest Spearman and Kendall over years).
    levels, years : DataFrame
        The same per level and per year.
    ranks : DataFrame
        Per node and year: units ranked, identical ranks (share; against the published ranks when
        given, else against ranks of the published scores), Spearman's rho, Kendall's tau-b.
    findings : tuple of Finding
        Diagnosed causes (empty when everything agrees).
    provenance : dict
        The result's provenance plus the published table's file and hash, tolerance and time.
    published_ranks : Table or None
        Published ranks, when given.
    """

    result: IndexResult
    published: Table
    tolerance: float
    year_tolerance: Mapping[int, float]
    differences: pd.DataFrame
    nodes: pd.DataFrame
    levels: pd.DataFrame
    years: pd.DataFrame
    ranks: pd.DataFrame
    findings: tuple[Finding, ...]
    provenance: Mapping[str, Any]
    published_ranks: Table | None = None

    @property
    def outside(self) -> pd.DataFrame:
        """Cells that do not agree: outside the tolerance or present on one side only."""
        d = self.differences
        return d[~d["status"].isin(["ok", "both missing"])]

    @property
    def ok(self) -> bool:
        """True when every compared value agrees within its tolerance."""
        return self.outside.empty

    @property
    def max_abs_difference(self) -> float:
        """Largest absolute difference over every compared value."""
        return float(self.differences["abs_difference"].max(skipna=True))


def reproduce(
    result: IndexResult,
    published: Table,
    *,
    tolerance: float = 1e-9,
    year_tolerance: Mapping[int, float] | None = None,
    published_ranks: Table | None = None,
    rebuild: Callable[[Methodology], IndexResult] | None = None,
) -> Reproduction:
    """Compare a recomputed result with published scores; diagnose what differs.

    Parameters
    ----------
    result : IndexResult
        The recomputation (``build_index``).
    published : Table
        Published scores (:func:`read_table` with ``wanted`` = node codes). Indicator columns are
        compared with the normalised indicators, aggregate columns with the aggregates.
    tolerance : float, default 1e-9
        Largest absolute difference accepted.
    year_tolerance : mapping, optional
        ``{year: tolerance}`` overriding ``tolerance`` (e.g. ``{2012: 5e-3}`` for WJP's rounded
        2012 inputs).
    published_ranks : Table, optional
        Published ranks (same layout); compared with the recomputed ranks (ties share the best
        rank). Without it, ranks of the published scores are computed the same way.
    rebuild : callable, optional
        ``methodology -> IndexResult`` on the same inputs; used, when values differ, to test the
        other normalisation year grouping and missing-data policy.

    Returns
    -------
    Reproduction

    Raises
    ------
    ReproductionError
        When a published column is not a node of the framework or no unit-year matches.
    """
    fw = result.framework
    year_tolerance = {int(k): float(v) for k, v in (year_tolerance or {}).items()}
    problems = [f"published column {c!r} is not a node of framework {fw.id}" for c in published.values.columns
                if c not in fw.nodes]
    ours_all = result.node_scores()
    if not problems and not published.values.index.isin(ours_all.index).any():
        problems.append("no unit-year of the published table is in the recomputed result "
                        f"(published e.g. {list(published.values.index[:3])}, recomputed e.g. "
                        f"{list(ours_all.index[:3])}); check the unit and year columns")
    if problems:
        raise ReproductionError("published scores cannot be matched to the framework", problems)

    codes = [c for c in _tree_order(fw) if c in published.values.columns]
    pub = published.values[codes]
    ours = ours_all.reindex(index=pub.index, columns=codes)
    diff = _differences(fw, pub, ours, tolerance, year_tolerance)
    ranks = _rank_agreement(fw, pub, ours, result, published_ranks)
    nodes = _node_summary(fw, diff, pub, ranks)
    levels = _group_summary(diff, "level")
    years = _group_summary(diff, "year")
    rep = Reproduction(result, published, float(tolerance), year_tolerance, diff, nodes, levels, years, ranks,
                       (), {}, published_ranks)
    findings = tuple(_diagnose(rep, rebuild)) if (not rep.ok or (ranks["identical"] < 1).any()) else ()
    provenance = {
        **dict(result.provenance),
        "published": {"file": published.file, "sha256": published.sha256},
        "published_ranks": (None if published_ranks is None
                            else {"file": published_ranks.file, "sha256": published_ranks.sha256}),
        "tolerance": float(tolerance),
        "year_tolerance": {str(k): v for k, v in sorted(year_tolerance.items())},
        "compared": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    return Reproduction(result, published, float(tolerance), year_tolerance, diff, nodes, levels, years, ranks,
                        findings, provenance, published_ranks)


def _tree_order(fw: Framework) -> list[str]:
    """Node codes top-down: the root, then each level's nodes in file order."""
    return sorted(fw.nodes, key=lambda c: -fw.nodes[c].level)


def _differences(fw, pub: pd.DataFrame, ours: pd.DataFrame, tolerance: float,
                 year_tolerance: Mapping[int, float]) -> pd.DataFrame:
    n_rows = len(pub)
    years = pub.index.get_level_values("year").to_numpy()
    tol_row = np.array([year_tolerance.get(int(y), tolerance) for y in years], dtype=float)
    parts = []
    for code in pub.columns:
        p = pub[code].to_numpy(dtype=float)
        o = ours[code].to_numpy(dtype=float)
        d = o - p
        a = np.abs(d)
        pm, om = np.isnan(p), np.isnan(o)
        status = np.where(pm & om, "both missing", np.where(om, "missing recomputed", np.where(
            pm, "missing published", np.where(a <= tol_row, "ok", "outside"))))
        parts.append(pd.DataFrame({
            "node": code, "level": fw.nodes[code].level,
            "district": pub.index.get_level_values("district"), "year": years,
            "published": p, "recomputed": o, "difference": d, "abs_difference": a,
            "tolerance": tol_row, "status": status,
        }, index=pd.RangeIndex(n_rows)))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["level", "node", "year", "district"], ascending=[False, True, True, True],
                           kind="mergesort", key=lambda s: s.map(_node_key(fw)) if s.name == "node" else s
                           ).reset_index(drop=True)


def _node_key(fw):
    order = {c: i for i, c in enumerate(_tree_order(fw))}
    return lambda c: order.get(c, len(order))


def _min_rank(x: pd.Series) -> pd.Series:
    return x.rank(method="min", ascending=False)


def _rank_agreement(fw, pub: pd.DataFrame, ours: pd.DataFrame, result: IndexResult,
                    published_ranks: Table | None) -> pd.DataFrame:
    rows = []
    our_ranks = result.node_ranks()
    given = published_ranks.values if published_ranks is not None else None
    for year, p_year in pub.groupby(level="year", sort=True):
        o_year = ours.loc[p_year.index]
        for code in pub.columns:
            p, o = p_year[code], o_year[code]
            both = (p.notna() & o.notna()).to_numpy()
            n = int(both.sum())
            row = {"node": code, "level": fw.nodes[code].level, "year": int(year), "n": n,
                   "identical": np.nan, "spearman": np.nan, "kendall": np.nan, "ranks_from": "published scores"}
            pv, ov = p.to_numpy(dtype=float)[both], o.to_numpy(dtype=float)[both]
            if n >= 1:
                if given is not None and code in given.columns:
                    keys = p.index[both]
                    pr = given[code].reindex(keys).to_numpy(dtype=float)
                    orank = our_ranks[code].reindex(keys).to_numpy(dtype=float)
                    row["identical"] = float((pr == orank).mean())
                    row["ranks_from"] = "published ranks"
                else:
                    same = stats.rankdata(-pv, method="min") == stats.rankdata(-ov, method="min")
                    row["identical"] = float(same.mean())
            if n >= 3 and np.ptp(pv) > 0 and np.ptp(ov) > 0:
                row["spearman"] = float(stats.spearmanr(pv, ov).statistic)
                row["kendall"] = float(stats.kendalltau(pv, ov).statistic)
            elif n >= 2:
                eq = bool((stats.rankdata(-pv, method="min") == stats.rankdata(-ov, method="min")).all())
                row["spearman"] = row["kendall"] = 1.0 if eq else np.nan
            rows.append(row)
    out = pd.DataFrame(rows, columns=["node", "level", "year", "n", "identical", "spearman", "kendall",
                                      "ranks_from"])
    order = {c: i for i, c in enumerate(pub.columns)}
    return out.sort_values(["node", "year"], key=lambda s: s.map(order) if s.name == "node" else s,
                           kind="mergesort").reset_index(drop=True)


def _node_summary(fw, diff: pd.DataFrame, pub: pd.DataFrame, ranks: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for code in pub.columns:
        d = diff[diff["node"] == code]
        r = ranks[ranks["node"] == code]
        weights = r["n"].where(r["identical"].notna(), 0)
        rows.append({
            "node": code, "level": fw.nodes[code].level, "name_zh": fw.nodes[code].zh, "name_en": fw.nodes[code].en,
            "n_published": int(pub[code].notna().sum()),
            "n_compared": int(d["abs_difference"].notna().sum()),
            "max_abs_difference": d["abs_difference"].max(skipna=True),
            "mean_abs_difference": d["abs_difference"].mean(skipna=True),
            "n_outside": int((d["status"] == "outside").sum()),
            "n_missing_recomputed": int((d["status"] == "missing recomputed").sum()),
            "n_missing_published": int((d["status"] == "missing published").sum()),
            "published_decimals": decimals(pub[code]),
            "identical_ranks": (float((r["identical"].fillna(0) * weights).sum() / weights.sum())
                                if weights.sum() else np.nan),
            "spearman_min": r["spearman"].min(skipna=True),
            "kendall_min": r["kendall"].min(skipna=True),
        })
    out = pd.DataFrame(rows)
    out["published_decimals"] = out["published_decimals"].astype("Int64")
    return out


def _group_summary(diff: pd.DataFrame, by: str) -> pd.DataFrame:
    g = diff.groupby(by, sort=True)
    out = pd.DataFrame({
        "n_values": g.size(),
        "n_compared": g["abs_difference"].count(),
        "max_abs_difference": g["abs_difference"].max(),
        "mean_abs_difference": g["abs_difference"].mean(),
        "n_outside": g["status"].apply(lambda s: int((s == "outside").sum())),
        "n_missing_one_side": g["status"].apply(lambda s: int(s.isin(["missing recomputed",
                                                                     "missing published"]).sum())),
        "tolerance": g["tolerance"].max(),
    })
    if by == "level":
        out = out.sort_index(ascending=False)
    return out.reset_index()


# ---------------------------------------------------------------------------------------------
# diagnosis
# ---------------------------------------------------------------------------------------------
def _diagnose(rep: Reproduction, rebuild) -> list[Finding]:
    out: list[Finding] = []
    bad = rep.outside
    outside = bad[bad["status"] == "outside"]
    out += _rounded_inputs(rep, outside)
    out += _rounded_published(rep, outside)
    out += _missing_policy(rep, bad, outside)
    out += _ties(rep)
    if rebuild is not None and not bad.empty:
        out += _probes(rep, rebuild)
    covered = np.zeros(len(outside), dtype=bool)
    for f in out:
        if f.explains and f.scope is not None:
            hit = np.ones(len(outside), dtype=bool)
            for key, value in f.scope.items():
                hit &= (outside[key] == value).to_numpy()
            covered |= hit
    rest = outside[~covered]
    if not rest.empty:
        worst = rest.loc[rest["abs_difference"].idxmax()]
        lowest = int(rest["level"].min())
        at_lowest = sorted(set(rest.loc[rest["level"] == lowest, "node"]))
        out.append(Finding(
            "unexplained differences",
            f"{len(rest)} values differ by more than the tolerance without a cause found above; the largest at "
            f"{worst['node']} (level {worst['level']}) {worst['district']} {worst['year']}: "
            f"{worst['abs_difference']:.3g}. Differences start at level {lowest} "
            f"({len(at_lowest)} nodes: {', '.join(at_lowest[:12])}{' …' if len(at_lowest) > 12 else ''}).",
            "Check, from that level up: the inputs and formulas (denomination, imputation, outlier treatment) "
            "and the normaliser and its goalposts and directions for indicators; weights (see the "
            "effective-weight table) and the aggregation formula per level for aggregates.",
        ))
    return out


def _input_columns(result: IndexResult) -> list[str]:
    fw = result.framework
    figs: list[str] = []
    for code in result.normalised.columns:
        node = fw.nodes[code]
        for f in (node.formula.figures if node.formula else ()):
            if f not in figs and f in result.figures.columns:
                figs.append(f)
    return figs


def _rounded_inputs(rep: Reproduction, outside: pd.DataFrame) -> list[Finding]:
    res = rep.result
    figs = _input_columns(res)
    out = []
    if not figs:
        return out
    by_year = res.figures[figs].groupby(level="year")
    for year, frame in by_year:
        ds = [decimals(frame[c]) for c in figs if frame[c].notna().any()]
        frac = [d for d in ds if d is not None and d > 0]
        if not ds or any(d is None for d in ds) or not frac:
            continue  # some column unrounded, or only whole numbers (counts)
        d = max(ds)
        if d > 4:
            continue
        here = outside[outside["year"] == year]
        bound = 0.5 * 10.0**-d
        identity = all(res.methodology.normalise_overrides.get(c, res.methodology.normalise).method == "identity"
                       for c in res.normalised.columns)
        if here.empty:
            continue
        mx = float(here["abs_difference"].max())
        within = identity and mx <= bound * (1 + 1e-9)
        bound_txt = (f" With pass-through indicators and weighted means, rounding to {d} decimals moves a score "
                     f"by at most 0.5e-{d} = {bound:g}; the largest difference in {year} is {mx:.3g}"
                     f"{' — within that bound' if within else ''}." if identity else "")
        out.append(Finding(
            "rounded inputs",
            f"The inputs of {year} are stored rounded to at most {d} decimals ({len(ds)} input columns); "
            f"{len(here)} values of {year} differ by more than the tolerance.{bound_txt}",
            f"Start from unrounded inputs for {year}, or accept a tolerance of {bound:g} for it "
            f"(--year-tolerance {year}={bound:g}).",
            explains=within, scope={"year": year},
        ))
    return out


def _rounded_published(rep: Reproduction, outside: pd.DataFrame) -> list[Finding]:
    out = []
    for _, row in rep.nodes.iterrows():
        d = row["published_decimals"]
        if pd.isna(d) or d > 4:
            continue
        here = outside[outside["node"] == row["node"]]
        if here.empty:
            continue
        bound = 0.5 * 10.0 ** -int(d)
        within = bool((here["abs_difference"] <= bound * (1 + 1e-9)).all())
        out.append(Finding(
            "rounded published values",
            f"Published {row['node']} values are rounded to {int(d)} decimals, so they can agree with unrounded "
            f"scores only to {bound:g}; {len(here)} of them differ by more than the tolerance"
            f"{', all within ' + format(bound, 'g') if within else ''}.",
            "Compare against unrounded published values if the publisher has them, or set the tolerance to "
            f"{bound:g} for this table; ranks of rounded scores tie where the unrounded ones do not.",
            explains=within, scope={"node": row["node"]},
        ))
    return out


def _missing_policy(rep: Reproduction, bad: pd.DataFrame, outside: pd.DataFrame) -> list[Finding]:
    out = []
    res = rep.result
    mr = bad[bad["status"] == "missing recomputed"]
    mp = bad[bad["status"] == "missing published"]
    meth = res.methodology
    if not mr.empty:
        absent = ~mr.set_index(["district", "year"]).index.isin(res.index.index)
        ind = mr[mr["level"] == 1]
        agg = mr[mr["level"] > 1]
        where = f" ({int(absent.sum())} for unit-years missing from the inputs or screened out)" if absent.any() else ""
        if not ind.empty:
            out.append(Finding(
                "missing-data policy",
                f"{len(ind)} published indicator values have no recomputed value: the inputs lack them"
                f"{where}; indicators: {', '.join(sorted(set(ind['node']))[:10])}.",
                f"The publisher imputed them (this methodology imputes with {meth.impute.method!r}): choose the "
                "same imputation (mean, group_mean with the publisher's grouping, last_year).",
                explains=True,
            ))
        if not agg.empty:
            out.append(Finding(
                "missing-data policy",
                f"{len(agg)} published aggregate values have no recomputed value{where}; nodes: "
                f"{', '.join(sorted(set(agg['node']))[:10])}.",
                f"The methodology's missing-data policy ({meth.missing.method} {dict(meth.missing.params)}) or "
                "screen drops scores the publisher computed from fewer children: lower min_coverage, or impute.",
                explains=True,
            ))
    if not mp.empty:
        out.append(Finding(
            "missing-data policy",
            f"{len(mp)} values are recomputed where the publisher has none; nodes: "
            f"{', '.join(sorted(set(mp['node']))[:10])}.",
            "The publisher requires more data per aggregate (a coverage threshold such as COINr's dat_thresh, "
            "or a strict policy): raise min_coverage or choose missing: strict.",
            explains=True,
        ))
    if not outside.empty:
        has_missing = res.indicators.isna()
        fw = res.framework
        kids = {code: [c for c in res.normalised.columns if code in fw.path(c)] for code in set(outside["node"])}
        rows_missing = []
        for code, d, y in zip(outside["node"], outside["district"], outside["year"], strict=True):
            key = (d, y)
            rows_missing.append(bool(key in has_missing.index and has_missing.loc[key, kids[code]].any()))
        share_bad = float(np.mean(rows_missing))
        share_all = float(has_missing.any(axis=1).mean())
        if share_bad == 1.0 and share_all < 1.0:
            out.append(Finding(
                "missing-data policy",
                f"Every one of the {len(outside)} values outside the tolerance is a unit-year with a missing "
                f"indicator under that node, while only {share_all:.0%} of unit-years have one.",
                "The publisher handles missing values differently: it may impute them (mean, group mean) where "
                "this methodology skips them and rescales the weights, or the reverse.",
                explains=True, scope={},
            ))
    return out


def _ties(rep: Reproduction) -> list[Finding]:
    r = rep.ranks
    bad = r[r["identical"] < 1]
    if bad.empty:
        return []
    pub = rep.published.values
    ours = rep.result.node_scores()
    tied_only = True
    examples = []
    n_mismatch = 0
    our_ranks = rep.result.node_ranks()
    outside = rep.outside
    for _, row in bad.iterrows():
        code, year = row["node"], row["year"]
        if ((outside["node"] == code) & (outside["year"] == year)).any():
            continue  # ranks follow scores that differ: not a matter of ties
        sel = pub.index.get_level_values("year") == year
        p = pub.loc[sel, code]
        o = ours.reindex(p.index)[code]
        both = p.notna() & o.notna()
        p, o = p[both], o[both]
        if row["ranks_from"] == "published ranks":
            orank = our_ranks[code].reindex(p.index).astype(float)
            prank = rep.published_ranks.values[code].reindex(p.index).astype(float)
        else:
            orank, prank = _min_rank(o), _min_rank(p)
        tol = rep.year_tolerance.get(int(year), rep.tolerance)
        for unit in p.index[(orank != prank).to_numpy()]:
            n_mismatch += 1
            near = (np.abs(p - p[unit]) <= tol).sum() > 1 or (np.abs(o - o[unit]) <= tol).sum() > 1
            tied_only &= bool(near)
            if len(examples) < 3:
                examples.append(f"{code} {year} {unit[0]}: rank {int(orank[unit])} vs {int(prank[unit])}")
    if n_mismatch == 0:
        return []
    return [Finding(
        "tie rules",
        f"{n_mismatch} ranks differ ({'; '.join(examples)})"
        f"{', all among scores tied within the tolerance' if tied_only else ''}.",
        "rolindex ranks ties with the best shared rank (R's ties.method = 'min', as COINr). Publishers that use "
        "average or first ranks, or whose tables round scores so that distinct values look tied (or break ties "
        "by digits the table does not show), differ exactly there.",
        explains=tied_only, scope=None,
    )]


def _probes(rep: Reproduction, rebuild) -> list[Finding]:
    meth = rep.result.methodology
    base = rep.max_abs_difference
    variants: list[tuple[str, str, Methodology]] = []
    years = rep.result.years
    norm = meth.normalise
    if norm.method in ("minmax", "zscore") and len(years) > 1:
        by_year = bool(norm.params.get("by_year", True))
        variants.append((
            "normalisation year grouping",
            "normalising over all years pooled" if by_year else "normalising within each year",
            meth.replace(normalise={"method": norm.method, "params": {**dict(norm.params), "by_year": not by_year}}),
        ))
    miss = meth.missing
    if miss.method == "skip" and float(miss.params.get("min_coverage", 0.0)) > 0:
        variants.append(("missing-data policy", "aggregating whatever children are present (min_coverage 0)",
                         meth.replace(missing={"method": "skip", "params": {"min_coverage": 0.0}})))
    elif miss.method == "skip":
        variants.append(("missing-data policy", "requiring every child (missing: strict)",
                         meth.replace(missing="strict")))
    elif miss.method == "strict":
        variants.append(("missing-data policy", "aggregating whatever children are present (skip, min_coverage 0)",
                         meth.replace(missing={"method": "skip", "params": {"min_coverage": 0.0}})))
    out = []
    for cause, what, variant in variants:
        try:
            alt = reproduce(rebuild(variant), rep.published, tolerance=rep.tolerance,
                            year_tolerance=rep.year_tolerance)
        except Exception as exc:  # a probe that cannot run says so instead of hiding the report
            out.append(Finding(cause, f"Rebuilding with {what} failed: {exc}", "", False))
            continue
        if alt.ok or alt.max_abs_difference < 0.5 * base or len(alt.outside) < 0.5 * len(rep.outside):
            out.append(Finding(
                cause,
                f"Rebuilding with {what} leaves {len(alt.outside)} values disagreeing instead of "
                f"{len(rep.outside)} (largest difference {alt.max_abs_difference:.3g} instead of {base:.3g}).",
                "The published index was most likely computed that way; change the methodology accordingly "
                f"({json.dumps(variant.to_dict().get('normalise' if 'normalis' in cause else 'missing'))}).",
                explains=alt.ok, scope={},
            ))
    return out


# ---------------------------------------------------------------------------------------------
# WJP
# ---------------------------------------------------------------------------------------------
WJP_FRAMEWORK = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "wjp_roli.yaml"
WJP_METHODOLOGY = Path(__file__).resolve().parents[1] / "data" / "methodologies" / "wjp.yaml"
#: WJP's 2012 sub-factor scores are stored rounded to 2 decimals: agreement is within 5e-3 there.
WJP_YEAR_TOLERANCE = {2012: 5e-3}


def read_wjp(path: str | Path, framework: Framework | None = None) -> tuple[Table, Table]:
    """Read WJP's published table (``roli.csv``: country, year, code, region, roli, f1…, sf11…).

    Returns ``(inputs, published)``: the 44 sub-factor scores (the figures of
    ``data/frameworks/wjp_roli.yaml``) and the published overall and factor scores (and the
    sub-factors again, which compare trivially). The data are WJP's and not shipped: give the path.
    """
    fw = framework or load_framework(WJP_FRAMEWORK)
    kw = {"unit_column": "code", "year_column": "year", "name_column": "country", "group_column": "region"}
    inputs = read_table(path, wanted=list(fw.figures), label="WJP sub-factor scores", **kw)
    published = read_table(path, wanted=list(fw.nodes), label="WJP published scores", **kw)
    return inputs, published


def reproduce_wjp(
    path: str | Path,
    *,
    tolerance: float = 1e-12,
    year_tolerance: Mapping[int, float] | None = None,
) -> Reproduction:
    """WJP's factor and overall scores from its sub-factor scores: equal-weight, NaN-skipping means.

    ``year_tolerance`` defaults to :data:`WJP_YEAR_TOLERANCE` (2012's inputs are rounded).
    References: World Justice Project, *Rule of Law Index 2024*, methodology.
    """
    fw = load_framework(WJP_FRAMEWORK)
    meth = load_methodology(WJP_METHODOLOGY)
    inputs, published = read_wjp(path, fw)
    hashes = {inputs.file: inputs.sha256} if inputs.sha256 else {}

    def rebuild(m: Methodology) -> IndexResult:
        return build_index(inputs.values, fw, m, districts=inputs.districts, inputs=hashes)

    return reproduce(rebuild(meth), published, tolerance=tolerance,
                     year_tolerance=WJP_YEAR_TOLERANCE if year_tolerance is None else year_tolerance,
                     rebuild=rebuild)


# ---------------------------------------------------------------------------------------------
# presenting
# ---------------------------------------------------------------------------------------------
def effective_weight_table(result: IndexResult, lang: str = "en") -> pd.DataFrame:
    """Each indicator's weight within its parent, its parent's weight, and its effective weight.

    Equal weights at every level are not equal effective weights: in WJP's index a factor with 3
    sub-factors gives each 1/8 × 1/3 = 1/24 of the overall score, one with 8 sub-factors 1/64, so
    an Order & Security sub-factor weighs 64/24 ≈ 2.7 times a Fundamental Rights one.
    ``relative`` is the effective weight over the smallest; ``vs_equal`` over the equal share
    1/n of n indicators. References: Handbook (2008) §6 (weights); Paruolo, Saisana & Saltelli
    (2013), "Ratings and rankings: voodoo or science?", *JRSS A* 176(3), 609–634,
    https://doi.org/10.1111/j.1467-985X.2012.01059.x.
    """
    fw = result.framework
    eff = result.effective_weights
    rows = []
    for code in eff.index:
        node = fw.nodes[code]
        path = fw.path(code)
        rows.append({
            "indicator": code, "name": fw.label(code, lang), "parent": node.parent,
            "parent_name": fw.label(node.parent, lang) if node.parent else "",
            "siblings": len([c for c in fw.children(node.parent) if c in result.weights.index]),
            "weight_in_parent": float(result.weights[code]),
            "parent_weight": float(np.prod([result.weights[c] for c in path[1:-1]])) if len(path) > 2 else 1.0,
            "effective_weight": float(eff[code]),
        })
    out = pd.DataFrame(rows)
    out["relative"] = out["effective_weight"] / out["effective_weight"].min()
    out["vs_equal"] = out["effective_weight"] * len(out)
    return out


def effective_weight_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per parent of :func:`effective_weight_table`: children, each one's effective weight.

    ``relative`` is a child's effective weight over the smallest in the index: for WJP the three
    Order & Security sub-factors are 2.67 each against Fundamental Rights' eight at 1.
    """
    g = table.groupby("parent", sort=False)
    out = pd.DataFrame({
        "name": g["parent_name"].first(),
        "indicators": g.size(),
        "parent_weight": g["parent_weight"].first(),
        "effective_weight_each": g["effective_weight"].mean(),
        "relative": g["relative"].mean(),
        "total": g["effective_weight"].sum(),
    })
    return out.reset_index()


def findings_table(rep: Reproduction) -> pd.DataFrame:
    """The findings as a table (cause, explains, evidence, advice)."""
    return pd.DataFrame([{"cause": f.cause, "explains": f.explains, "evidence": f.evidence, "advice": f.advice}
                         for f in rep.findings], columns=["cause", "explains", "evidence", "advice"])


def overview(rep: Reproduction) -> pd.DataFrame:
    """One row: reproduced or not, values compared and disagreeing, largest difference, tolerance."""
    return pd.DataFrame([{
        "reproduced": rep.ok,
        "compared": int(rep.differences["abs_difference"].notna().sum()),
        "disagree": len(rep.outside),
        "max_abs_difference": rep.max_abs_difference,
        "tolerance": rep.tolerance,
        "year_tolerance": ", ".join(f"{y}: {t:g}" for y, t in sorted(rep.year_tolerance.items())) or "–",
        "framework": f"{rep.result.framework.id} {rep.result.framework.version}",
        "methodology": rep.result.methodology.name,
    }])


def _use_cjk_font() -> None:
    """Register the Noto Sans CJK SC font shipped with mplfonts, so Chinese labels render."""
    import os

    import matplotlib.pyplot as plt
    import mplfonts
    from matplotlib import font_manager

    path = os.path.join(os.path.dirname(mplfonts.__file__), "fonts", "NotoSansCJKsc-Regular.otf")
    if os.path.exists(path) and "Noto Sans CJK SC" not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False


def plot_differences(rep: Reproduction, *, floor: float = 1e-17):
    """Two panels: the largest |difference| per year and level, and a node × year heat map.

    Left, one line per level with the tolerance (dashed); right, the largest absolute difference
    of every aggregate (every node when only indicators are published) in every year, coloured on
    a log scale and written in each cell. Differences of exactly 0 are drawn at ``floor``. Labels
    are bilingual, Chinese first (the CJK font of mplfonts is registered). Returns the Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    _use_cjk_font()
    d = rep.differences.dropna(subset=["abs_difference"])
    fw = rep.result.framework
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.6), gridspec_kw={"width_ratios": [1, 1.5]})
    level_names = {fw.max_level: "总分 / overall", 1: "指标 / indicators"}
    for level, g in d.groupby("level", sort=False):
        m = g.groupby("year")["abs_difference"].max().clip(lower=floor)
        ax1.plot(m.index, m.to_numpy(), marker="o", label=level_names.get(level, f"第{level}层 / level {level}"))
    tol = d.groupby("year")["tolerance"].max()
    ax1.step(tol.index, tol.to_numpy(), where="mid", color="crimson", linestyle="--", label="容差 / tolerance")
    ax1.set_yscale("log")
    ax1.set_xlabel("年份 / year")
    ax1.set_ylabel("最大绝对差 / max |difference|")
    ax1.set_title("按年份与层级 / by year and level")
    ax1.legend(fontsize=8)

    nodes = [c for c in _tree_order(fw) if c in set(d["node"]) and fw.nodes[c].level > 1] or \
        [c for c in _tree_order(fw) if c in set(d["node"])]
    grid = (d[d["node"].isin(nodes)].pivot_table(index="node", columns="year", values="abs_difference",
                                                  aggfunc="max").reindex(nodes).clip(lower=floor))
    im = ax2.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis",
                    norm=LogNorm(vmin=floor, vmax=max(float(np.nanmax(grid.to_numpy())), floor * 10)))
    ax2.set_xticks(range(grid.shape[1]), [str(y) for y in grid.columns], rotation=45, fontsize=8)
    ax2.set_yticks(range(grid.shape[0]), list(grid.index), fontsize=8)
    if grid.size <= 400:
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                v = grid.iat[i, j]
                if not np.isnan(v):
                    ax2.text(j, i, "0" if v <= floor else f"{v:.0e}", ha="center", va="center", fontsize=6.5,
                             color="white" if v < 1e-8 else "black")
    fig.colorbar(im, ax=ax2, label="最大绝对差 / max |difference|")
    ax2.set_title("按节点与年份 / by node and year")
    fig.suptitle(f"{_fw_name(fw)}: 复现差异 / reproduction differences")
    fig.tight_layout()
    return fig


def _fw_name(fw: Framework) -> str:
    return fw.zh if fw.zh == fw.en else f"{fw.zh} / {fw.en}"


def _md_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return "–"
        if isinstance(v, float | np.floating):
            return format(float(v), floatfmt)
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def summary_markdown(rep: Reproduction, max_rows: int = 50) -> str:
    """The Markdown summary written as ``summary.md``."""
    fw = rep.result.framework
    prov = rep.provenance
    tol = f"{rep.tolerance:g}" + "".join(f", {y}: {t:g}" for y, t in sorted(rep.year_tolerance.items()))
    n_cmp = int(rep.differences["abs_difference"].notna().sum())
    verdict = (f"**Reproduced**: all {n_cmp} compared values agree within the tolerance ({tol})."
               if rep.ok else
               f"**Not reproduced**: {len(rep.outside)} of {len(rep.differences)} values disagree "
               f"(tolerance {tol}); largest difference {rep.max_abs_difference:.3g}.")
    lines = [
        f"# 复现报告 / Reproduction report — {_fw_name(fw)}", "", verdict, "",
        "## Inputs and provenance", "",
        _md_table(pd.DataFrame([
            ("framework", f"{fw.id} {fw.version} (sha256 {fw.content_hash[:16]}…)"),
            ("methodology", f"{prov['methodology']['name']} (sha256 {prov['methodology']['content_hash'][:16]}…)"),
            *[(f"input {k}", f"sha256 {v}") for k, v in prov.get("inputs", {}).items()],
            ("published", f"{rep.published.file} (sha256 {rep.published.sha256 or '–'})"),
            ("rolindex", prov.get("version", "")),
            ("environment", ", ".join(f"{k} {v}" for k, v in prov.get("environment", {}).items())),
            ("built", prov.get("created", "")), ("compared", prov.get("compared", "")),
        ], columns=["item", "value"])), "",
        "## By level", "", _md_table(rep.levels), "",
        "## By year", "", _md_table(rep.years), "",
        "## By node (nodes.csv)", "",
        _md_table(rep.nodes.drop(columns=["name_zh"]), ".4g"), "",
    ]
    if not rep.outside.empty:
        shown = rep.outside.head(max_rows)
        lines += [f"## Values that disagree ({len(rep.outside)}; first {len(shown)}, all in differences.csv)", "",
                  _md_table(shown[["node", "level", "district", "year", "published", "recomputed", "difference",
                                   "tolerance", "status"]], ".10g"), ""]
    if rep.findings:
        lines += ["## Why it differs", ""]
        for f in rep.findings:
            lines += [f"- **{f.cause}**{' (explains these differences)' if f.explains else ''}: {f.evidence} "
                      f"*{f.advice}*"]
        lines.append("")
    lines += ["Ranks: 1 = best, ties share the best rank, ranked on unrounded scores within each year. "
              "Spearman and Kendall (tau-b) compare published and recomputed scores of the units present on "
              "both sides.", ""]
    return "\n".join(lines)


def write_report(rep: Reproduction, out: str | Path) -> dict[str, Path]:
    """Write the reproduction report into folder ``out``; return ``{name: path}``.

    ``nodes.csv`` (per node: max/mean absolute difference, values outside, rank agreement),
    ``differences.csv`` (every compared value), ``ranks.csv`` (rank agreement per node and
    year), ``scores.csv`` (the recomputed scores of every node: byte-identical when rerun on the
    same inputs), ``summary.md`` and ``provenance.json`` (package version, framework and
    methodology hashes, input and published file hashes, times).
    """
    out = Path(out)
    res = rep.result
    scores = res.node_scores()
    scores = scores[[c for c in _tree_order(res.framework) if c in scores.columns]].reset_index()

    def csv(df: pd.DataFrame) -> str:
        return df.to_csv(index=False, lineterminator="\n", float_format=_FLOAT)

    files = {
        "nodes": atomic_write_text(out / "nodes.csv", csv(rep.nodes)),
        "differences": atomic_write_text(out / "differences.csv", csv(rep.differences)),
        "ranks": atomic_write_text(out / "ranks.csv", csv(rep.ranks)),
        "scores": atomic_write_text(out / "scores.csv", csv(scores)),
        "summary": atomic_write_text(out / "summary.md", summary_markdown(rep)),
        "provenance": atomic_write_text(out / "provenance.json", json.dumps(
            _plain(rep.provenance), ensure_ascii=False, indent=2, sort_keys=True) + "\n"),
    }
    return files


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj
