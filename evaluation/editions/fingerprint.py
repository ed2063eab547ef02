"""What a district's report page shows, as one hash: the test of "this report did not change".

A report is re-rendered in a new edition only when its fingerprint differs from the one its
previous edition recorded. The fingerprint covers everything the page draws from the year's
result — the headline (index, grade, rank of N, change from the previous year, coverage), the
scorecard (every value, source, score, peer median, indicator rank and contribution), the data of
the three charts (dimension scores against the peer median, the index, peer median and rank over
the years, the contributions), the strengths and weaknesses, the methodology note, the synthetic
flag — and the language and report code. It leaves out on purpose the hash of the figures file
shown in the methodology note (it changes with any district's correction; a carried-over report
keeps naming the figures of the edition it was issued in) and the edition stamp itself. So a
district whose own figures did not change is still re-issued when its rank, a peer median or
the number of ranked districts moved.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from indicators import IndexResult

#: Bumped when what the fingerprint covers changes (old fingerprints then never match).
FINGERPRINT_VERSION = "rolindex-page-fingerprint-v1"


def _plain(o: Any) -> Any:
    """JSON-ready: numpy scalars as Python numbers, NA/NaN as None, frames and series as lists."""
    if isinstance(o, pd.DataFrame):
        return {"columns": [str(c) for c in o.columns], "index": [str(i) for i in o.index],
                "data": [[_plain(v) for v in row] for row in o.itertuples(index=False)]}
    if isinstance(o, pd.Series):
        return [[str(i), _plain(v)] for i, v in o.items()]
    if isinstance(o, dict):
        return {str(k): _plain(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_plain(v) for v in o]
    if o is None or o is pd.NA or o is pd.NaT:
        return None
    if isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float):
        return None if math.isnan(o) else repr(o)
    if isinstance(o, int | str | bool):
        return o
    return str(o)


def page_data(result: IndexResult, district: str, year: int, lang: str = "zh") -> dict[str, Any]:
    """The data one district's report page shows (see the module docstring), JSON-ready."""
    from ..report import content, store

    fw = result.framework
    row = (district, year)
    note = content.methodology_note(result)
    note.pop("inputs", None)
    view = store.peer_view(result, year)
    dims = [c for c in fw.children(fw.root)]
    upto = result.index[result.index.index.get_level_values("year") <= year]
    ranks = result.ranks[result.ranks.index.get_level_values("year") <= year]
    return _plain({
        "summary": content.district_summary(result, district, year),
        "scorecard": content.scorecard(result, district, year, lang),
        "strengths": content.strengths_weaknesses(result, district, year, lang=lang),
        "note": note,
        "dimension_chart": {"scores": view.scores.loc[district, dims], "medians": view.medians[dims]},
        "trend_chart": {"index": upto.xs(district, level="district"), "ranks": ranks.xs(district, level="district"),
                        "medians": upto.groupby(level="year").median(),
                        "n_ranked": ranks.groupby(level="year").count()},
        "contribution_chart": {"weights": content.realised_weights(result, district, year),
                               "scores": result.normalised.loc[row]},
        "synthetic": store.is_synthetic(result),
    })


def page_fingerprints(result: IndexResult, year: int, lang: str = "zh", code: str = "") -> dict[str, str]:
    """SHA-256 of :func:`page_data` of every district of ``year``, with the language and ``code`` (report code hash)."""
    out = {}
    for district in result.ranking(year)["district"]:
        data = {"v": FINGERPRINT_VERSION, "lang": lang, "code": code,
                "page": page_data(result, str(district), year, lang)}
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        out[str(district)] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return out
