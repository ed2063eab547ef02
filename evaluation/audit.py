"""Statistical audit of an index, per year: the JRC's checks as tables (``rolindex audit``).

For one built index (:class:`~indicators.IndexResult`) and one year:

``indicators``
    per indicator, in natural units before imputation: coverage, mean, sd, min, max, skewness,
    kurtosis and the outlier flag of the treatment rule (``indicators.audit.indicator_stats``);
``flags``
    per indicator, Pearson correlations of its normalised score with its parent and with the
    index; flagged when negative or weak (|r| < ``weak``) with the parent
    (``indicators.audit.correlation_flags``);
``pairs``
    every pair of indicators with |r| > ``collinear`` (possible double counting), within a
    dimension or across dimensions (``same_dimension``), and pairs within a dimension that
    correlate negatively (trade-offs);
``correlations``
    the full correlation matrix of normalised indicators and aggregates;
``groups``
    per aggregate, over its children's scores: Cronbach's alpha (internal consistency; the
    root's row is the overall alpha of the dimensions) and the principal components (share of
    variance of the first, eigenvalues above 1); a group that cannot be analysed carries the
    reason in ``note`` instead of numbers;
``importance``
    nominal weight, effective weight and correlation-based importance of each indicator
    (``indicators.importance.importance_table``).

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, Step 4 and §7,
https://doi.org/10.1787/9789264043466-en; Saisana, Saltelli & Tarantola (2005),
https://doi.org/10.1111/j.1467-985X.2005.00350.x; Saisana & Saltelli (2014), *JRC statistical
audit of the WJP Rule of Law Index 2014* (Cronbach's alpha of the eight factors 0.97).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators.audit import correlation_flags, cronbach_alpha, indicator_stats, pca_summary
from indicators.errors import DataError
from indicators.importance import importance_table
from indicators.io import atomic_write_text
from indicators.outputs import write_csv

__all__ = ["AuditReport", "audit", "audit_years"]


@dataclass(frozen=True)
class AuditReport:
    """The audit tables of one framework and year (see the module docstring)."""

    framework: str
    year: int
    n_units: int
    indicators: pd.DataFrame
    flags: pd.DataFrame
    pairs: pd.DataFrame
    correlations: pd.DataFrame
    groups: pd.DataFrame
    importance: pd.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def overall_alpha(self) -> float:
        """Cronbach's alpha of the index's children (the dimensions)."""
        return float(self.groups.loc[self.groups["level"].idxmax(), "alpha"])

    def summary(self) -> str:
        """A short plain-text summary (Chinese and English)."""
        g = self.groups
        lines = [f"统计审计 / statistical audit — {self.framework} {self.year} ({self.n_units} units)",
                 f"  Cronbach's alpha of the dimensions (总体): {self.overall_alpha:.3f}"]
        for code, row in g.iterrows():
            if row["level"] == g["level"].max():
                continue
            pc1 = f", PC1 explains {row['pc1_share']:.0%}" if not np.isnan(row["pc1_share"]) else ""
            lines.append(f"  {code}: alpha {row['alpha']:.3f}{pc1}" + (f" — {row['note']}" if row["note"] else ""))
        neg = self.flags.index[self.flags["negative"]].tolist()
        weak = self.flags.index[self.flags["weak"] & ~self.flags["negative"]].tolist()
        lines.append(f"  negative with parent 与上级负相关: {', '.join(neg) or 'none'}")
        lines.append(f"  weak with parent (|r| < {self.settings.get('weak')}) 相关性弱: {', '.join(weak) or 'none'}")
        col = self.pairs[self.pairs["collinear"]]
        lines.append(f"  collinear pairs (|r| > {self.settings.get('collinear')}, >= {self.settings.get('min_pairs')} "
                     "units) 高度共线: "
                     + (", ".join(f"{a}~{b} ({r:.2f})" for a, b, r in
                                  col[["indicator_a", "indicator_b", "r"]].itertuples(index=False)) or "none"))
        out = self.indicators[self.indicators["outlier"].fillna(False).astype(bool)].index.tolist()
        lines.append(f"  outliers (|skew| >= 2 and kurtosis >= 3.5) 离群: {', '.join(out) or 'none'}")
        return "\n".join(lines)

    def save(self, folder: str | Path) -> Path:
        """Write every table as UTF-8 CSV (with BOM, for Excel) plus ``summary.txt``."""
        folder = Path(folder)
        for name in ("indicators", "flags", "pairs", "correlations", "groups", "importance"):
            write_csv(getattr(self, name), folder / f"audit_{self.year}_{name}.csv", bom=True, index=True)
        atomic_write_text(folder / f"audit_{self.year}_summary.txt", self.summary() + "\n")
        return folder


def audit(result: Any, year: int | None = None, *, weak: float = 0.3, collinear: float = 0.9,
          min_pairs: int = 10) -> AuditReport:
    """Audit one year of a built index.

    Parameters
    ----------
    result : IndexResult
    year : int, optional
        Required when the result holds several years.
    weak, collinear : float
        Correlation thresholds (see ``indicators.audit.correlation_flags``).
    min_pairs : int
        Pairs of indicators are judged only when at least this many units report both (a
        correlation of a handful of shared units says little).

    Raises
    ------
    DataError
        An unknown year, or several years and none chosen.
    """
    years = result.years
    if year is None:
        if len(years) != 1:
            raise DataError(f"audit: the result holds years {years}; choose one (year=...)")
        year = years[0]
    if year not in years:
        raise DataError(f"audit: no rows for year {year}; years are {years}")
    fw = result.framework
    sel = result.index.index.get_level_values("year") == year
    norm = result.normalised[sel]
    scores = result.scores[sel]
    raw = result.indicators[sel]
    active = list(norm.columns)
    parents = {c: fw.nodes[c].parent for c in active}

    stats = indicator_stats(raw)
    stats.insert(0, "dimension", [fw.dimension_of(c) for c in stats.index])
    stats.insert(1, "parent", [parents[c] for c in stats.index])

    present = [c for c in active if norm[c].notna().sum() >= 3 and norm[c].nunique() > 1]
    fl = correlation_flags(norm[present], scores, parents={c: parents[c] for c in present}, weak=weak,
                           collinear=1.0)
    flags = fl.indicators
    flags["r_index"] = [float(norm[c].corr(scores[fw.root])) for c in flags.index]
    missing = [c for c in active if c not in present]
    if missing:
        extra = pd.DataFrame({"parent": [parents[c] for c in missing], "r": np.nan, "n": 0, "negative": False,
                              "weak": False, "r_index": np.nan}, index=pd.Index(missing, name="indicator"))
        flags = pd.concat([flags, extra])
    flags["note"] = ["constant or fewer than 3 values" if c in missing else "" for c in flags.index]

    corr = pd.concat([norm, scores], axis=1).corr(min_periods=3)
    both = norm[present].notna().astype(float)
    shared = both.T @ both  # units with both indicators present
    rows = []
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            r, n = corr.loc[a, b], int(shared.loc[a, b])
            same = fw.dimension_of(a) == fw.dimension_of(b)
            if np.isnan(r) or n < min_pairs:
                continue
            if abs(r) > collinear or (same and r < 0):
                rows.append({"indicator_a": a, "indicator_b": b, "dimension_a": fw.dimension_of(a),
                             "dimension_b": fw.dimension_of(b), "same_dimension": same, "r": float(r), "n": n,
                             "collinear": bool(abs(r) > collinear), "negative_within": bool(same and r < 0)})
    pairs = pd.DataFrame(rows, columns=["indicator_a", "indicator_b", "dimension_a", "dimension_b",
                                        "same_dimension", "r", "n", "collinear", "negative_within"])

    grows = []
    node_scores = pd.concat([norm, scores], axis=1)
    for parent in fw.aggregates:
        kids = [c for c in fw.children(parent) if c in node_scores.columns]
        row: dict[str, Any] = {"group": parent, "level": fw.nodes[parent].level, "k": len(kids),
                               "alpha": np.nan, "pc1_share": np.nan, "eigen_gt1": np.nan, "n": 0, "note": ""}
        if len(kids) < 2:
            row["note"] = "fewer than 2 children"
        else:
            block = node_scores[kids]
            try:
                row["alpha"] = cronbach_alpha(block)
                pca = pca_summary(block)
                row.update(pc1_share=pca["first_share"], eigen_gt1=int((pca["eigenvalues"] > 1).sum()), n=pca["n"])
            except DataError as exc:
                row["note"] = str(exc).replace("\n", " ")
        grows.append(row)
    groups = pd.DataFrame(grows).set_index("group")
    imp = importance_table(result, level=1, year=year, estimators=("pearson", "r2"))
    return AuditReport(fw.id, int(year), int(sel.sum()), stats, flags, pairs, corr, groups, imp,
                       {"weak": weak, "collinear": collinear, "min_pairs": min_pairs})


def audit_years(result: Any, **kwargs: Any) -> dict[int, AuditReport]:
    """:func:`audit` for every year of the result."""
    return {y: audit(result, y, **kwargs) for y in result.years}
