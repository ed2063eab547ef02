"""What a reproduction found: :class:`Reproduction` (every compared value) and :class:`Finding` (a cause)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from indicators import IndexResult
from indicators.framework import Framework

from .read import Table


# ---------------------------------------------------------------------------------------------
# the comparison's result
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


def tree_order(fw: Framework) -> list[str]:
    """Node codes top-down: the root, then each level's nodes in file order."""
    return sorted(fw.nodes, key=lambda c: -fw.nodes[c].level)


def min_rank(x: pd.Series) -> pd.Series:
    """Ranks with 1 = the highest score; tied scores share the best (smallest) rank."""
    return x.rank(method="min", ascending=False)
