"""What a reproduction found: :class:`Reproduction` (every compared value) and :class:`Finding` (a cause)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from indicators import IndexResult
from indicators.framework import Framework

from .read import Table

# ---------------------------------------------------------------------------------------------
# the comparison's result
# ---------------------------------------------------------------------------------------------
#: The causes a diagnosis can name, English (the ``cause`` of a :class:`Finding`) -> Chinese.
CAUSES_ZH = {
    "rounded inputs": "输入值经舍入",
    "rounded published values": "发布值经舍入",
    "tie rules": "并列排名规则",
    "missing-data policy": "缺失值处理规则",
    "normalisation year grouping": "标准化的年份分组",
    "unexplained differences": "未查明原因的差异",
}


@dataclass(frozen=True)
class Finding:
    """One diagnosed cause of differences: what, the evidence, and what to do about it.

    ``explains`` is True when the evidence accounts for every value outside the tolerance it
    concerns (e.g. all differences of 2012 are below the rounding bound of 2012's inputs).
    ``evidence_zh`` and ``advice_zh`` are the Chinese text, shown first when given.
    """

    cause: str
    evidence: str
    advice: str
    explains: bool = False
    #: Which values outside the tolerance it accounts for: ``{"year": 2012}``, ``{"node": "f1"}``,
    #: ``{}`` for all of them, None for none (it is about values present on one side only).
    scope: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    evidence_zh: str = ""
    advice_zh: str = ""

    @property
    def label(self) -> str:
        """The cause, Chinese first: ``输入值经舍入 / rounded inputs``."""
        zh = CAUSES_ZH.get(self.cause)
        return f"{zh} / {self.cause}" if zh else self.cause


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
        Per node: level, counts (of :attr:`counts`' population), max and mean absolute difference,
        published decimals, rank agreement (identical share, lowest Spearman and Kendall over years).
    levels, years : DataFrame
        The same per level and per year; ``tolerance`` per level names the tolerance of each year
        (``1e-12 (2014–2024); 0.005 (2012)``), per year the number used.
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
    def counts(self) -> dict[str, int]:
        """Every count of a report, over one population: the cells with a number on at least one side.

        ``values`` = ``agree`` + ``outside`` (both sides present) + ``one_side`` (present on one side
        only); ``both_missing`` cells (no number on either side, e.g. a sub-factor WJP did not
        publish) are not values and are counted apart.
        """
        s = self.differences["status"]
        n = {k: int((s == k).sum()) for k in ("ok", "outside", "missing recomputed", "missing published",
                                             "both missing")}
        one = n["missing recomputed"] + n["missing published"]
        return {"values": n["ok"] + n["outside"] + one, "agree": n["ok"], "outside": n["outside"],
                "one_side": one, "both_missing": n["both missing"]}

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


def year_runs(years: Iterable[int], all_years: Sequence[int]) -> str:
    """``years`` as runs over ``all_years``: ``2014–2024`` when every year of ``all_years`` between is in."""
    pos = {int(y): i for i, y in enumerate(all_years)}
    runs: list[list[int]] = []
    for y in sorted(int(y) for y in years):
        if runs and y in pos and runs[-1][-1] in pos and pos[y] == pos[runs[-1][-1]] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)
