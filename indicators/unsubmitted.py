"""Does missing data decide a rank? The ranks under the other unsubmitted option, side by side.

A district that did not submit a whole dimension may rank first when the dimension's weight is
shared among what it did submit (``redistribute``) and ninth when the dimension scores 0 (``zero``,
how Chinese assessments usually count 未报送). :func:`unsubmitted_sensitivity` rebuilds the index
with the other option and lists, per district-year, both indices and ranks, so a report or index
page can say when the choice decides a rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .grading import unsubmitted_cells
from .pipeline import build_index
from .result import IndexResult

__all__ = ["OTHER_OPTION", "own_other_rank", "unsubmitted_sensitivity"]

#: The option compared against each one.
OTHER_OPTION = {"redistribute": "zero", "zero": "redistribute"}


def unsubmitted_sensitivity(result: IndexResult) -> pd.DataFrame:
    """Index and rank under the methodology's unsubmitted option and under the other one.

    Returns one row per district-year (indexed like ``result.index``) with ``unsubmitted`` (the
    number of indicators whose figures were not submitted), ``option`` / ``other_option``,
    ``index`` / ``rank`` (as built), ``other_index`` / ``other_rank`` and ``decides`` (the district
    has unsubmitted items and its rank differs between the two options). Only the unsubmitted
    option changes; the grading rule stays as declared.
    """
    meth = result.methodology
    option = meth.unsubmitted.method
    other = OTHER_OPTION.get(option, "redistribute")
    alt = build_index(result.figures, result.framework, meth.replace(unsubmitted=other), validate=False,
                      districts=result.districts)
    n_unsub = unsubmitted_cells(result.indicator_source).sum(axis=1).astype(int)
    out = pd.DataFrame({
        "unsubmitted": n_unsub, "option": option, "other_option": other,
        "index": result.index, "rank": result.ranks,
        "other_index": alt.index.reindex(result.index.index), "other_rank": alt.ranks.reindex(result.index.index),
    })
    # this district's items under the other option, every other district as built (graded rows only)
    out["own_other_rank"] = own_other_rank(out["index"].where(out["rank"].notna()), out["other_index"])
    differs = out["rank"].astype("Float64").fillna(-1) != out["other_rank"].astype("Float64").fillna(-1)
    out["decides"] = (out["unsubmitted"] > 0) & differs.astype(bool)
    return out


def own_other_rank(ranked: pd.Series, other_index: pd.Series) -> pd.Series:
    """Each district's rank if only its own index became ``other_index`` (Int64; NA if unranked).

    ``ranked`` holds the year's indices of ranked districts (NaN otherwise), indexed by (district,
    year); the rank is 1 + the number of the year's *other* ranked districts scoring above
    ``other_index`` + 1e-9 — sorted once per year and searched, not compared district by district.
    """
    scores_all = ranked.astype(float).to_numpy()
    alt_all = other_index.reindex(ranked.index).astype(float).to_numpy()
    own = pd.Series(pd.NA, index=ranked.index, dtype="Int64")
    years = ranked.index.get_level_values("year")
    for year in pd.unique(years):
        rows = np.flatnonzero(years == year)
        scores = scores_all[rows]
        above = np.sort(scores[~np.isnan(scores)])
        threshold = alt_all[rows] + 1e-9
        count = len(above) - np.searchsorted(above, threshold, side="right")
        count -= scores > threshold  # the district itself is not among the others
        ok = ~np.isnan(scores) & ~np.isnan(threshold)
        own.iloc[rows[ok]] = 1 + count[ok]
    return own
