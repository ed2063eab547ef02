"""Roll-up from judicial offices to districts: hand-worked golden numbers, "not yet due" shares,
missing offices shown as missing, the mapping file's errors, and property tests."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import build_index, load_framework, load_methodology
from indicators.errors import DataError, MethodologyError
from indicators.registry import Registry
from indicators.rollup import ROLLUPS, Rollup, binary_items, read_mapping, rollup

ROOT = Path(__file__).resolve().parents[2]
FW = load_framework(ROOT / "data" / "frameworks" / "judicial_office_std.yaml")
RULES = load_methodology(ROOT / "data" / "methodologies" / "scoring_rules.yaml")
BINARY = ("S1.1", "S1.2", "S1.3", "S1.4", "S1.5", "S1.6")
PROPS = settings(max_examples=25, deadline=None, derandomize=True)


def office(staff, cert, director, signage, coloc, report, political, business, organisation, support) -> dict:
    """One office-year's figures, in the framework's figure order."""
    return dict(staff_dedicated=staff, staff_certified=cert, director_certified=director,
                signage_standard=signage, colocated_pls=coloc, self_assessment_on_time=report,
                tasks_political_met=political, tasks_business_met=business,
                tasks_organisation_met=organisation, tasks_support_met=support)


def frame(rows: dict[tuple[str, int], dict]) -> pd.DataFrame:
    """Wide figures indexed by (district, year); the 'district' level holds office ids."""
    idx = pd.MultiIndex.from_tuples(list(rows), names=["district", "year"])
    return pd.DataFrame([{f: float(r.get(f, np.nan)) for f in FW.figures} for r in rows.values()],
                        index=idx, dtype=float)


# Three offices with data in two districts, and o4 (district d2) that never submits.
# Scored with the 评分细则 (scoring_rules): binary items 0/100, tasks linear on the share met;
# S1 = mean of its due items, S2 = mean of the four areas, JOS = 0.6 S1 + 0.4 S2.
ROWS = {
    ("o1", 2021): office(4, 0, 0, 0, 1, 0, 3, 5, 2, 1),
    # S1.1 100 | S1.2 not yet due | S1.3 0 | S1.4 not yet due | S1.5 100 | S1.6 not yet due
    # S1 = (100 + 0 + 100) / 3 = 66.667 (3 of 6 items: coverage 0.5 meets the 0.5 minimum)
    # S2 = (3/3, 5/10, 2/4, 1/4) -> (100 + 50 + 50 + 25) / 4 = 56.25
    # JOS = 0.6 * 66.667 + 0.4 * 56.25 = 40 + 22.5 = 62.5
    ("o1", 2022): office(4, 0, 0, 0, 1, 1, 3, 5, 2, 1),
    # S1.2 now due: 0 certified -> 0; S1.6 = 100; S1 = (100 + 0 + 0 + 100 + 100) / 5 = 60
    # JOS = 0.6 * 60 + 0.4 * 56.25 = 36 + 22.5 = 58.5
    ("o1", 2023): office(4, 1, 1, 1, 1, 1, 3, 10, 4, 4),
    # every item met, S1.4 due from 2023 -> S1 = S2 = JOS = 100
    ("o2", 2022): office(3, 2, 1, 1, 0, 1, 2, 10, 4, 4),
    # S1: 0, 100, 100, (S1.4 not yet due), 0, 100 -> 300 / 5 = 60
    # S2 = (66.667 + 100 + 100 + 100) / 4 = 91.667 ; JOS = 36 + 36.667 = 72.667
    ("o3", 2021): office(5, 1, 1, 1, 1, 1, 3, 10, 4, 4),
    # due items all met -> S1 = S2 = JOS = 100
    ("o3", 2022): office(5, 1, 1, 0, 1, 0, 3, 8, 4, 4),
    # S1: 100, 100, 100, (not yet due), 100, 0 -> 400 / 5 = 80 ; S2 = (100 + 80 + 100 + 100) / 4 = 95
    # JOS = 0.6 * 80 + 0.4 * 95 = 48 + 38 = 86
}
MAPPING = {"o1": "d1", "o2": "d1", "o3": "d2", "o4": "d2"}
OFFICE_INDEX = {("o1", 2021): 62.5, ("o1", 2022): 58.5, ("o1", 2023): 100.0, ("o2", 2022): 72.0 + 2 / 3,
                ("o3", 2021): 100.0, ("o3", 2022): 86.0}


@pytest.fixture(scope="module")
def result():
    return build_index(frame(ROWS), FW, RULES)


@pytest.fixture(scope="module")
def ru(result) -> Rollup:
    return rollup(result, MAPPING)


def test_office_indices_match_the_hand_computation(result):
    for key, expected in OFFICE_INDEX.items():
        assert result.index[key] == pytest.approx(expected, abs=1e-9), key


def test_district_means_by_hand(ru):
    s = ru.scores
    # d1 2021: only o1 submitted -> its scores; o2 is missing, not 0
    assert s.loc[("d1", 2021), "JOS"] == pytest.approx(62.5)
    assert s.loc[("d1", 2021), "S1"] == pytest.approx(200 / 3)
    # d1 2022: (58.5 + 72.667) / 2 = 65.583 ; S1 (60 + 60) / 2 = 60 ; S2 (56.25 + 91.667) / 2 = 73.958
    assert s.loc[("d1", 2022), "JOS"] == pytest.approx((58.5 + 72 + 2 / 3) / 2)
    assert s.loc[("d1", 2022), "S1"] == pytest.approx(60.0)
    assert s.loc[("d1", 2022), "S2"] == pytest.approx((56.25 + 275 / 3) / 2)
    assert s.loc[("d1", 2022), "S1.1"] == pytest.approx(50.0)  # o1 100, o2 0
    assert s.loc[("d1", 2022), "S2.1"] == pytest.approx((100 + 200 / 3) / 2)
    # d1 2023: o1 alone, everything met
    assert s.loc[("d1", 2023), "JOS"] == pytest.approx(100.0)
    # d2: o3 alone (o4 never submits): 100 in 2021, 86 in 2022
    assert s.loc[("d2", 2021), "JOS"] == pytest.approx(100.0)
    assert s.loc[("d2", 2022), "JOS"] == pytest.approx(86.0)
    assert list(s.columns) == ["JOS", "S1", *BINARY, "S2", "S2.1", "S2.2", "S2.3", "S2.4"]


def test_not_yet_due_items_stay_missing_in_scores_and_shares(ru):
    # S1.2 and S1.6 are due from 2022, S1.4 from 2023: before that no office has a score and the
    # district's share is missing — never 0
    for district in ("d1", "d2"):
        for code in ("S1.2", "S1.4", "S1.6"):
            assert math.isnan(ru.scores.loc[(district, 2021), code])
            assert math.isnan(ru.shares.loc[(district, 2021), code])
        assert math.isnan(ru.shares.loc[(district, 2022), "S1.4"])
    assert ru.shares.loc[("d1", 2023), "S1.4"] == 1.0  # due from 2023, o1 has the signage


def test_shares_by_hand(ru):
    sh = ru.shares
    assert list(sh.columns) == list(BINARY)
    # d1 2021, o1 only: staff 4 -> met; director 0 -> not met; co-located -> met
    assert sh.loc[("d1", 2021), ["S1.1", "S1.3", "S1.5"]].tolist() == [1.0, 0.0, 1.0]
    # d1 2022: o1 (staff 4, 0 certified, no director, co-located, report) and o2 (staff 3, 2 certified,
    # director, not co-located, report): 1/2 each, the report 2/2
    assert sh.loc[("d1", 2022), ["S1.1", "S1.2", "S1.3", "S1.5", "S1.6"]].tolist() == [0.5, 0.5, 0.5, 0.5, 1.0]
    # d2 2022: o3 alone (o4 missing is left out of the denominator): no report -> 0 of 1
    assert sh.loc[("d2", 2022), "S1.6"] == 0.0
    assert sh.loc[("d2", 2022), "S1.1"] == 1.0


def test_missing_offices_are_missing_never_zero(ru):
    off = ru.offices
    assert off.loc[("d1", 2021)].tolist() == [2, 1, 1]  # listed, with figures, scored
    assert off.loc[("d1", 2022)].tolist() == [2, 2, 2]
    assert off.loc[("d2", 2023)].tolist() == [2, 0, 0]  # no office of d2 submitted in 2023
    assert ru.scores.loc[("d2", 2023)].isna().all()
    assert ru.shares.loc[("d2", 2023)].isna().all()
    assert (ru.counts.loc[("d2", 2023)] == 0).all()
    assert ru.counts.loc[("d1", 2022), "JOS"] == 2 and ru.counts.loc[("d1", 2021), "S1.2"] == 0


def test_every_district_year_has_a_row_in_order(ru):
    expected = pd.MultiIndex.from_product([["d1", "d2"], [2021, 2022, 2023]], names=["district", "year"])
    for f in (ru.scores, ru.counts, ru.shares, ru.offices):
        assert f.index.equals(expected)


def test_median_and_min_methods(result):
    med = rollup(result, MAPPING, method="median")
    low = rollup(result, MAPPING, method="min")
    # two offices: the median is their mean; min is the weaker office
    assert med.scores.loc[("d1", 2022), "JOS"] == pytest.approx((58.5 + 72 + 2 / 3) / 2)
    assert low.scores.loc[("d1", 2022), "JOS"] == pytest.approx(58.5)
    assert low.scores.loc[("d1", 2022), "S1.1"] == 0.0
    assert math.isnan(low.scores.loc[("d2", 2023), "JOS"])  # still missing, not 0
    assert low.method == "min" and med.method == "median"


def test_table_and_csv(ru, tmp_path):
    t = ru.table()
    assert list(t.columns[:7]) == ["district", "year", "district_name", "n_offices", "n_with_data", "n_scored",
                                   "index"]
    assert "JOS" not in t.columns and "S1.1" in t.columns and "share_S1.1" in t.columns
    assert len(t) == 6 and (t["district_name"] == t["district"]).all()  # no names given: the ids
    out = ru.to_csv(tmp_path / "sub" / "rollup.csv")
    again = ru.to_csv(tmp_path / "again.csv")
    assert out.read_bytes() == again.read_bytes()
    back = pd.read_csv(out)
    assert back.loc[(back.district == "d2") & (back.year == 2023), "index"].isna().all()
    assert not list(tmp_path.glob("**/*.tmp"))


def test_mapping_as_frame_with_names(result):
    m = pd.DataFrame({"office": list(MAPPING), "district": list(MAPPING.values()),
                      "district_name": ["区一 / One", "区一 / One", "区二 / Two", ""]})
    t = rollup(result, m).table()
    assert t.drop_duplicates("district")["district_name"].tolist() == ["区一 / One", "区二 / Two"]


def test_unmapped_office_is_an_error_naming_it(result):
    with pytest.raises(DataError, match=r"office 'o3' has scores but no district \(did you mean 'o3x'\?\)"):
        rollup(result, {"o1": "d1", "o2": "d1", "o3x": "d2"})


def test_unknown_method_lists_the_choices(result):
    with pytest.raises(MethodologyError, match=r"unknown roll-up 'mena'.*Did you mean 'mean'"):
        rollup(result, MAPPING, method="mena")


def test_registry_contract():
    assert isinstance(ROLLUPS, Registry) and ROLLUPS.names() == ["mean", "median", "min"]
    grouped = pd.DataFrame({"k": ["a", "a", "b"], "x": [1.0, np.nan, np.nan]}).groupby("k")
    for name in ROLLUPS:
        method = ROLLUPS.get(name)
        assert method.summary and method.bind({}) == {}
        out = method.func(grouped)["x"]
        assert out["a"] == 1.0 and math.isnan(out["b"])  # skips missing; all missing stays missing


def test_binary_items_are_the_all_or_nothing_rules():
    assert binary_items(FW) == BINARY


# -- the mapping file ------------------------------------------------------------------------------
def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_mapping(tmp_path):
    m = read_mapping(write(tmp_path, "office,district,district_name\no1,d1,区一 / One\no2,d1,\no3,d2,\n"))
    assert m.index.tolist() == ["o1", "o2", "o3"]
    assert m["district_name"].tolist() == ["区一 / One", "区一 / One", "d2"]


@pytest.mark.parametrize(("text", "message"), [
    ("office,distrct\no1,d1\n", r"map.csv row 1: the office → district mapping lacks column\(s\) district"),
    ("office,district,name\no1,d1,x\n", r"map.csv row 1, column name: unknown column"),
    ("office,district\no1,\n", r"map.csv row 2, column district: empty district"),
    ("office,district\no1,d1\n,d2\n", r"map.csv row 3, column office: empty office"),
    ("office,district\no1,d1\no1,d2\n", r"map.csv row 3, column district: office 'o1' is mapped to 'd2' but row 2"),
    ("office,district\no1,d1\no1,d1\n", r"map.csv row 3, column office: office 'o1' repeats row 2"),
    ("office,district,district_name\no1,d1,A\no2,d1,B\n", r"row 3, column district_name: district 'd1' is named"),
    ("office,district\n", r"map.csv: the mapping has no rows"),
])
def test_mapping_errors_name_file_row_and_column(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_mapping(write(tmp_path, text))


def test_unreadable_mapping_names_the_file(tmp_path):
    with pytest.raises(DataError, match=r"cannot read office → district mapping .*nope.csv"):
        read_mapping(tmp_path / "nope.csv")


def test_mapping_of_the_wrong_type_is_an_error(result):
    with pytest.raises(DataError, match="must be a DataFrame or a dict"):
        rollup(result, [("o1", "d1")])


# -- properties --------------------------------------------------------------------------------------
BIT = st.integers(0, 1)
OFFICE = st.builds(office, st.integers(0, 8), st.integers(0, 3), BIT, BIT, BIT, BIT,
                   st.integers(0, 3), st.integers(0, 10), st.integers(0, 4), st.integers(0, 4))


@PROPS
@given(data=st.lists(st.tuples(st.sampled_from(["d1", "d2"]), st.lists(st.one_of(st.none(), OFFICE),
                                                                          min_size=2, max_size=2)),
                     min_size=1, max_size=5))
def test_rollup_mean_lies_between_the_offices_and_shares_count_offices(data):
    rows, mapping = {}, {}
    for k, (district, years) in enumerate(data):
        name = f"o{k}"
        mapping[name] = district
        for year, figures in zip((2022, 2023), years, strict=True):
            if figures is not None:
                rows[(name, year)] = figures
    if not rows:
        return
    res = build_index(frame(rows), FW, RULES)
    mean, low, med = (rollup(res, mapping, method=m) for m in ("mean", "min", "median"))
    node = res.node_scores()
    for (district, year), row in mean.scores.iterrows():
        offices = [o for o, d in mapping.items() if d == district and (o, year) in node.index]
        scores = node.loc[[(o, year) for o in offices]] if offices else node.iloc[:0]
        assert mean.offices.loc[(district, year), "n_offices"] == sum(d == district for d in mapping.values())
        assert mean.offices.loc[(district, year), "n_with_data"] == len(offices)
        for code, value in row.items():
            have = scores[code].dropna()
            assert mean.counts.loc[(district, year), code] == len(have)
            if have.empty:
                assert math.isnan(value) and math.isnan(low.scores.loc[(district, year), code])
                continue
            assert have.min() - 1e-9 <= value <= have.max() + 1e-9
            assert low.scores.loc[(district, year), code] == have.min()
            assert have.min() <= med.scores.loc[(district, year), code] <= have.max()
        for code in BINARY:
            share = mean.shares.loc[(district, year), code]
            values = scores[code].dropna()  # binary scores are exactly 0 or 100
            assert set(values) <= {0.0, 100.0}
            if values.empty:
                assert math.isnan(share)
            else:
                assert share == pytest.approx((values == 100.0).mean())
