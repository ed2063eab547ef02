"""Roll-up: from scores of sub-units (judicial offices) to their parent units (districts).

The judicial-office standardisation framework (``data/frameworks/judicial_office_std.yaml``)
scores each office (司法所) per year. :func:`rollup` takes that :class:`~indicators.IndexResult`
and a table mapping office → district and returns, per district-year:

- ``scores``: the mean score of the district's offices for every node (indicators, dimensions and
  the index), each node on its own: the mean of the offices that have a score for it;
- ``shares``: for every binary item (an indicator with an ``all_or_nothing`` 评分细则 rule), the
  share of offices with a value that meet it — only in years where the item is due (the
  indicator's ``due: YEAR``); before that the share is missing, like the office scores ("not yet due");
- ``counts``: per node, the number of offices with a score; ``offices``: the number of offices
  the mapping lists (``n_offices``), with figures that year (``n_with_data``) and with an index
  score (``n_scored``).

Method. The district's value is the unweighted arithmetic mean of its offices' scores (registry
:data:`ROLLUPS`: ``mean`` by default; ``median`` and ``min``, the weakest office, as
alternatives). Every office counts equally: the seed's targets are set for each office
("每个司法所"), and a weighted mean (by street population, say) would need figures offices do
not submit. The mean is a linear aggregation across units, as the Handbook's linear aggregation
is across indicators, so it inherits its compensability: a strong office offsets a weak one
(``min`` does not). Missing stays missing: an office without a score is left out of the mean
and of the share's denominator, never counted as 0; a district-year with no scored office is
missing, and the counts say how many offices each value rests on. The mean of the office
indices is not the index of the mean indicator scores when offices miss different items.
Shares use the indicator values before imputation (``IndexResult.indicators``): an imputed value
never counts as a target met.

References: OECD/JRC (2008) *Handbook on Constructing Composite Indicators*, Step 6 "Weighting and
aggregation", §6.2 "Aggregation methods" (linear aggregation, compensability),
https://doi.org/10.1787/9789264043466-en; seed 003 (沪司发〔2022〕46号), the targets every office
must meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.typing import DataFrameGroupBy

from .errors import DataError, did_you_mean
from .framework import Framework
from .registry import Registry
from .result import IndexResult
from .scoring import SCORING_RULES

__all__ = ["MAPPING_COLUMNS", "ROLLUPS", "Rollup", "binary_items", "read_mapping", "rollup", "unmapped"]

ROLLUPS = Registry("roll-up", zh="司法所得分汇总到区", en="Office-to-district roll-up")

#: Columns of an office → district mapping file (``district_name`` is optional).
MAPPING_COLUMNS = ("office", "district", "district_name")


@ROLLUPS.register("mean", zh="取均值")
def mean(grouped: DataFrameGroupBy) -> pd.DataFrame:
    """Arithmetic mean of the offices' scores, skipping offices without a score (Handbook §6.2)."""
    return grouped.mean()


@ROLLUPS.register("median", zh="取中位数")
def median(grouped: DataFrameGroupBy) -> pd.DataFrame:
    """Median of the offices' scores, skipping offices without a score (robust to one outlier office)."""
    return grouped.median()


@ROLLUPS.register("min", zh="取最小值")
def minimum(grouped: DataFrameGroupBy) -> pd.DataFrame:
    """Lowest office score (the weakest office; non-compensatory), skipping offices without a score."""
    return grouped.min()


@dataclass(frozen=True)
class Rollup:
    """Office scores rolled up to districts: means, binary shares and office counts per district-year.

    Every DataFrame is indexed by (district, year) with one row per district of the mapping and
    year of the result, including district-years without any office data (values missing).

    Attributes
    ----------
    framework : the office framework.
    method : the roll-up method (a name in :data:`ROLLUPS`).
    mapping : indexed by office: ``district`` and ``district_name``.
    scores : per node (tree order, the index first), the rolled-up office score on 0–100.
    counts : per node, the number of offices with a score.
    shares : per binary item, the share (0–1) of offices with a value that meet it; missing before
        the item's due year and where no office has a value.
    offices : ``n_offices`` (in the mapping), ``n_with_data`` (with figures that year),
        ``n_scored`` (with an index score).
    """

    framework: Framework
    method: str
    mapping: pd.DataFrame
    scores: pd.DataFrame
    counts: pd.DataFrame
    shares: pd.DataFrame
    offices: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """One row per district-year: names, office counts, mean index and nodes, binary shares."""
        root = self.framework.root
        names = self.mapping.drop_duplicates("district").set_index("district")["district_name"]
        out = pd.DataFrame(index=self.scores.index)
        out["district_name"] = names.reindex(out.index.get_level_values("district")).to_numpy()
        out = out.join(self.offices)
        out["index"] = self.scores[root]
        for code in self.scores.columns:
            if code != root:
                out[code] = self.scores[code]
        for code in self.shares.columns:
            out[f"share_{code}"] = self.shares[code]
        return out.reset_index()

    def to_csv(self, path: str | Path) -> Path:
        """Write :meth:`table` as UTF-8 CSV atomically; identical inputs give identical bytes.

        Text (district codes and names, grades) is neutralised so a spreadsheet never runs it as a
        formula (:mod:`indicators.outputs`); numbers are written unchanged.
        """
        from .outputs import write_csv

        return write_csv(self.table(), Path(path))


def binary_items(framework: Framework) -> tuple[str, ...]:
    """Indicators scored all-or-nothing (全扣全得): the items whose share of offices meeting is reported."""
    return tuple(c for c in framework.indicators
                 if framework.nodes[c].scoring is not None and framework.nodes[c].scoring["rule"] == "all_or_nothing")


def rollup(result: IndexResult, mapping: pd.DataFrame | Mapping[str, str], *, method: str = "mean") -> Rollup:
    """Roll office scores up to districts: mean per node, share meeting each due binary item, counts.

    Parameters
    ----------
    result : the office :class:`IndexResult` (its ``district`` level holds office ids).
    mapping : office → district, as a DataFrame with columns ``office, district`` (optional
        ``district_name``; or indexed by office) such as :func:`read_mapping` returns, or a dict.
        Offices it lists without figures count as offices without data.
    method : a name in :data:`ROLLUPS` (``mean``, ``median``, ``min``).

    Raises
    ------
    DataError : an office of the result is not in the mapping.
    MethodologyError : an unknown roll-up method (the error lists the choices).
    """
    func = ROLLUPS.get(method).func
    fw = result.framework
    table = _as_mapping(mapping)
    missing = unmapped(table, result.index.index.get_level_values("district").unique())
    if missing:
        raise DataError("offices of the result are missing from the office → district mapping", [
            f"office {o!r} has scores but no district{did_you_mean(o, table.index)}" for o in missing])
    years = result.years
    full = pd.MultiIndex.from_product([table.index, years], names=["district", "year"])
    keys = [table["district"].reindex(full.get_level_values("district")).to_numpy(), full.get_level_values("year")]
    codes = [c for c in fw.tree_order() if c in result.normalised.columns or c in result.scores.columns]
    node = result.node_scores()[codes].reindex(full)
    grouped = node.groupby(keys, sort=True)
    scores = func(grouped)[codes]
    counts = grouped.count()[codes]
    present = pd.Series(full.isin(result.index.index), index=full)
    offices = pd.DataFrame({
        "n_offices": grouped.size(),
        "n_with_data": present.groupby(keys, sort=True).sum().to_numpy(),
        "n_scored": counts[fw.root],
    })
    shares = _shares(result, full, keys)
    out_index = pd.MultiIndex.from_product([pd.unique(table["district"]), years], names=["district", "year"])
    frames = [f.set_axis(f.index.set_names(["district", "year"])).reindex(out_index)
              for f in (scores, counts, shares, offices)]
    scores, counts, shares, offices = frames
    counts = counts.astype(int)
    offices = offices.astype(int)
    return Rollup(fw, method, table.reset_index()[list(MAPPING_COLUMNS)], scores, counts, shares, offices)


def _shares(result: IndexResult, full: pd.MultiIndex, keys: list) -> pd.DataFrame:
    """Share of offices with a value meeting each binary item; missing where not yet due or no value."""
    fw = result.framework
    items = [c for c in binary_items(fw) if c in result.indicators.columns]
    years = full.get_level_values("year").to_numpy()
    met_cols, have_cols = {}, {}
    for code in items:
        spec = fw.nodes[code].scoring
        params = {k: v for k, v in spec.items() if k not in ("rule", "due", "basis")}
        basis = spec.get("basis")
        x = result.indicators[code].reindex(full)
        if basis:  # as the scoring rule: the basis figure where the indicator exists
            x = result.figures[basis].reindex(full).where(x.notna())
        arr = x.to_numpy(dtype=float, na_value=np.nan)
        score = SCORING_RULES.get(spec["rule"]).func(arr, fw.nodes[code].direction, **params)
        due = fw.nodes[code].due_year
        ok = ~np.isnan(score) & (years >= due if due is not None else True)
        met_cols[code] = np.where(ok, score >= 100.0, False)
        have_cols[code] = ok
    met = pd.DataFrame(met_cols, index=full, columns=items).groupby(keys, sort=True).sum()
    have = pd.DataFrame(have_cols, index=full, columns=items).groupby(keys, sort=True).sum()
    return (met / have.where(have > 0)).astype(float)


def unmapped(mapping: pd.DataFrame, offices: Iterable[object]) -> list[str]:
    """Offices among ``offices`` that the mapping (indexed by office) does not list, in order."""
    return [str(o) for o in offices if o not in mapping.index]


def read_mapping(path: str | Path) -> pd.DataFrame:
    """Read an office → district CSV (``office, district[, district_name]``); errors name file, row, column.

    Returns a DataFrame indexed by office with ``district`` and ``district_name`` (the district id
    where no name is given). Rows are numbered as in a spreadsheet (header = row 1).
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot read office → district mapping {path}: {exc}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return _check_mapping(frame, path.name)


def _check_mapping(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """Validate mapping rows (every problem at once) and index them by office."""
    problems = []
    needed = [c for c in ("office", "district") if c not in frame.columns]
    if needed:
        raise DataError(f"{label} row 1: the office → district mapping lacks column(s) {', '.join(needed)}; "
                        f"columns are {', '.join(MAPPING_COLUMNS)} (district_name optional)")
    for c in frame.columns:
        if c not in MAPPING_COLUMNS:
            hint = did_you_mean(c, MAPPING_COLUMNS)
            problems.append(f"{label} row 1, column {c}: unknown column{hint}; "
                            f"columns are {', '.join(MAPPING_COLUMNS)}")
    frame = frame.copy()
    if "district_name" not in frame.columns:
        frame["district_name"] = ""
    for c in MAPPING_COLUMNS:
        frame[c] = frame[c].map(_text)
    first: dict[str, tuple[int, str]] = {}
    names: dict[str, tuple[int, str]] = {}
    for i, rec in enumerate(frame.itertuples(index=False), start=2):
        office, district, name = rec.office, rec.district, rec.district_name
        for col, value in (("office", office), ("district", district)):
            if not value:
                problems.append(f"{label} row {i}, column {col}: empty {col}")
        if not office or not district:
            continue
        if office in first:
            row, prev = first[office]
            if prev != district:
                problems.append(f"{label} row {i}, column district: office {office!r} is mapped to {district!r} "
                                f"but row {row} maps it to {prev!r}; an office belongs to one district")
            else:
                problems.append(f"{label} row {i}, column office: office {office!r} repeats row {row}")
            continue
        first[office] = (i, district)
        if name:
            if district in names and names[district][1] != name:
                problems.append(f"{label} row {i}, column district_name: district {district!r} is named {name!r} "
                                f"but {names[district][1]!r} in row {names[district][0]}")
            names.setdefault(district, (i, name))
    if not first and not problems:
        problems.append(f"{label}: the mapping has no rows")
    if problems:
        raise DataError(f"office → district mapping {label} is invalid", problems)
    out = frame.drop_duplicates("office").set_index("office")
    out["district_name"] = [names.get(d, (0, d))[1] for d in out["district"]]
    return out[["district", "district_name"]]


def _as_mapping(mapping: pd.DataFrame | Mapping[str, str]) -> pd.DataFrame:
    """The mapping as a DataFrame indexed by office with ``district`` and ``district_name``."""
    if isinstance(mapping, pd.DataFrame):
        if "office" in mapping.columns:
            frame = mapping
        elif "district" in mapping.columns:
            frame = mapping.rename_axis("office").reset_index()
        else:
            raise DataError("the office → district mapping needs columns office and district")
        return _check_mapping(frame[[c for c in frame.columns if c in MAPPING_COLUMNS]], "<mapping>")
    if isinstance(mapping, Mapping):
        return _check_mapping(pd.DataFrame({"office": list(mapping), "district": list(mapping.values())}),
                              "<mapping>")
    raise DataError(f"the office → district mapping must be a DataFrame or a dict, got {type(mapping).__name__}")


def _text(value: object) -> str:
    """A mapping cell as stripped text; blanks, None and NaN are empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()
