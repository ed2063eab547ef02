"""own_other_rank against its definition, district by district (hypothesis), and a hand-worked case."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.grading import is_unsubmitted, unsubmitted_cells
from indicators.unsubmitted import own_other_rank


def _index(n_per_year: list[int]) -> pd.MultiIndex:
    return pd.MultiIndex.from_tuples([(f"d{i}", 2020 + y) for y, n in enumerate(n_per_year) for i in range(n)],
                                     names=["district", "year"])


def test_hand_worked_year():
    # ranked 90, 80, 70, NaN (unranked); d2 at 85 under the other option beats d1 (80): rank 2
    idx = _index([4])
    ranked = pd.Series([90.0, 80.0, 70.0, np.nan], index=idx)
    other = pd.Series([95.0, 60.0, 85.0, 50.0], index=idx)
    assert own_other_rank(ranked, other).tolist() == [1, 3, 2, pd.NA]


scores = st.one_of(st.none(), st.integers(0, 20).map(float))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=3).flatmap(
    lambda sizes: st.tuples(st.just(sizes), st.lists(st.tuples(scores, scores), min_size=sum(sizes),
                                                     max_size=sum(sizes)))))
def test_matches_the_definition(case):
    sizes, pairs = case
    idx = _index(sizes)
    ranked = pd.Series([np.nan if a is None else a for a, _ in pairs], index=idx)
    other = pd.Series([np.nan if b is None else b for _, b in pairs], index=idx)
    got = own_other_rank(ranked, other)
    for (district, year), alt in other.items():  # the definition: 1 + others of the year above alt
        if np.isnan(ranked[(district, year)]) or np.isnan(alt):
            assert got[(district, year)] is pd.NA
            continue
        others = ranked.xs(year, level="year").drop(district)
        assert got[(district, year)] == 1 + int((others > alt + 1e-9).sum())


texts = st.one_of(st.none(), st.just(np.nan), st.sampled_from(
    ["missing figure pop", "unsubmitted: missing figure x", "computed from counts", "missing", "unsubmitted"]),
    st.text(max_size=12))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(texts, min_size=2, max_size=2), min_size=1, max_size=5))
def test_unsubmitted_cells_is_is_unsubmitted_of_every_cell(rows):
    source = pd.DataFrame(rows, columns=["A", "B"], dtype=object)
    expected = source.apply(lambda col: col.map(is_unsubmitted)).astype(bool)
    pd.testing.assert_frame_equal(unsubmitted_cells(source), expected)
