"""Does missing data decide a rank? The ranks under the other unsubmitted option, side by side.

A district that did not submit a whole dimension may rank first when the dimension's weight is
shared among what it did submit (``redistribute``) and ninth when the dimension scores 0 (``zero``,
how Chinese assessments usually count 未报送). :func:`unsubmitted_sensitivity` rebuilds the index
with the other option and lists, per district-year, both indices and ranks, so a report or index
page can say when the choice decides a rank.
"""

from __future__ import annotations

import pandas as pd

from .grading import is_unsubmitted
from .pipeline import build_index
from .result import IndexResult

__all__ = ["OTHER_OPTION", "unsubmitted_sensitivity"]

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
    n_unsub = result.indicator_source.apply(lambda col: col.map(is_unsubmitted)).sum(axis=1).astype(int)
    out = pd.DataFrame({
        "unsubmitted": n_unsub, "option": option, "other_option": other,
        "index": result.index, "rank": result.ranks,
        "other_index": alt.index.reindex(result.index.index), "other_rank": alt.ranks.reindex(result.index.index),
    })
    # this district's items under the other option, every other district as built (graded rows only)
    ranked = out["index"].where(out["rank"].notna())
    own = []
    for (district, year), alt_index in out["other_index"].items():
        if pd.isna(out.at[(district, year), "rank"]) or pd.isna(alt_index):
            own.append(pd.NA)
            continue
        others = ranked.xs(year, level="year").drop(district)
        own.append(1 + int((others > alt_index + 1e-9).sum()))
    out["own_other_rank"] = pd.array(own, dtype="Int64")
    differs = out["rank"].astype("Float64").fillna(-1) != out["other_rank"].astype("Float64").fillna(-1)
    out["decides"] = (out["unsubmitted"] > 0) & differs.astype(bool)
    return out
