"""Peer comparisons among comparable districts: a districts table's peer groups, worked by hand.

Six districts of the tiny framework (tests/evaluation/tiny_report.py: T = 0.6 A + 0.4 B,
A = (40 A.1 + 20 A.2) / 60, B = B.1; A.1 closure on [0.5, 1], A.2 aid per 10,000 on [0, 20],
B.1 satisfaction on [0.8, 1]), population 100,000 and 100 cases each, 2024:

====  =====  ======  ====  =====  =====  ====  =====  ======  =====
dist  group  closed  aid   sat    A.1    A.2   B.1    A       index
====  =====  ======  ====  =====  =====  ====  =====  ======  =====
d1    g1     90      100   95%    80     50    75     70      72
d2    g1     100     50    90%    100    25    50     75      65
d3    g1     60      200   100%   20     100   100    46.667  68
d4    g2     70      40    85%    40     20    25     33.333  30
d5    g2     80      160   80%    60     80    0      66.667  40
d6    –      50      120   92%    0      60    60     20      36
====  =====  ======  ====  =====  =====  ====  =====  ======  =====

Peer medians by hand — g1: A.1 80, A.2 50, B.1 75, A 70, B 75; g2: A.1 50, A.2 50, B.1 12.5,
A 50, B 12.5; all six (d6 has no group): A.1 50, A.2 55, B.1 55, A 56.667, B 55.
"""

from __future__ import annotations

import pytest

from evaluation.errors import EvaluationError
from evaluation.report import content as rd
from evaluation.report import store
from evaluation.report.html import scorecard_html
from evaluation.report.profile import profile_html, profile_rows
from tests.evaluation.tiny_report import FRAMEWORK_YAML

FIG = {"d1": (90, 100, "95%"), "d2": (100, 50, "90%"), "d3": (60, 200, "100%"),
       "d4": (70, 40, "85%"), "d5": (80, 160, "80%"), "d6": (50, 120, "92%")}
TABLE = ("district,name_zh,name_en,city,peer_group\n"
         "d1,一区,District 1,甲市,g1\nd2,二区,District 2,甲市,g1\nd3,三区,District 3,甲市,g1\n"
         "d4,四区,District 4,乙市,g2\nd5,五区,District 5,乙市,g2\nd6,六区,District 6,丙市,\n")


def write_six(tmp_path, name, groups=None):
    """The tiny framework and the six districts' 2024 figures (with a ``group`` column if given)."""
    fw = tmp_path / "tiny.yaml"
    fw.write_text(FRAMEWORK_YAML, encoding="utf-8")
    lines = ["district,year,figure,value," + ("group," if groups else "") + "source"]
    for d, (closed, aid, sat) in FIG.items():
        for fid, v in (("population", 100000), ("cases", 100), ("closed", closed), ("aid", aid), ("sat", sat)):
            lines.append(f"{d},2024,{fid},{v}," + (f"{groups[d]}," if groups else "") + "synthetic:tests")
    csv = tmp_path / name
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv, fw


@pytest.fixture
def six(tmp_path):
    store.clear_cache()
    csv, fw = write_six(tmp_path, "six.csv")
    table = tmp_path / "districts.csv"
    table.write_text(TABLE, encoding="utf-8")
    yield store.with_district_table(store.load_result(csv, fw, None), table)
    store.clear_cache()


def by_code(frame):
    return {r["code"]: r for r in frame.to_dict("records")}


def test_scorecard_peer_medians_are_the_groups_by_hand(six):
    g1 = by_code(rd.scorecard(six, "d1", 2024))
    assert [g1[c]["peer_median"] for c in ("A.1", "A.2", "B.1", "A", "B")] == pytest.approx([80, 50, 75, 70, 75])
    assert (g1["A.1"]["rank"], g1["A.1"]["n_ranked"], g1["A.1"]["rank_all"], g1["A.1"]["n_all"]) == (2, 3, 2, 6)
    g2 = by_code(rd.scorecard(six, "d4", 2024))
    assert [g2[c]["peer_median"] for c in ("A.1", "A.2", "B.1", "A", "B")] == pytest.approx([50, 50, 12.5, 50, 12.5])
    assert (g2["A.1"]["rank"], g2["A.1"]["n_ranked"], g2["A.1"]["rank_all"]) == (2, 2, 4)
    assert g2["A.1"]["peer_value_median"] == pytest.approx(0.75)  # closure 0.7 and 0.8
    # no group: compared with all six
    alone = by_code(rd.scorecard(six, "d6", 2024))
    assert [alone[c]["peer_median"] for c in ("A.1", "A.2", "B.1", "A", "B")] == pytest.approx(
        [50, 55, 55, 170 / 3, 55])
    assert (alone["A"]["rank"], alone["A"]["n_ranked"]) == (6, 6)


def test_summary_names_the_group_and_ranks_within_it_and_overall(six):
    s = rd.district_summary(six, "d5", 2024)
    assert (s["group"], s["group_rank"], s["n_group"], s["rank"], s["n_ranked"]) == ("g2", 1, 2, 4, 6)
    assert s["name_zh"] == "五区" and s["n_peers"] == 2  # names from the table too
    assert rd.peer_text(s, "en") == "Peers: the 2 districts of peer group g2"
    none = rd.district_summary(six, "d6", 2024)
    assert none["group"] == "" and none["group_rank"] is None and none["n_peers"] == 6
    assert rd.peer_text(none, "zh") == "本区未分组，与当年全部 6 个区比较 / This district has no peer group: it is " \
                                       "compared with all 6 districts of the year"


def test_scorecard_page_names_the_group_and_shows_both_ranks(six):
    s = rd.district_summary(six, "d4", 2024)
    page = scorecard_html(rd.scorecard(six, "d4", 2024, "en"), s, "en")
    assert "Peers: the 2 districts of peer group g2" in page
    assert "2/2<br><span class=\"rol-sub\">all 4/6</span>" in page  # A.1 within the group, then overall
    alone = scorecard_html(rd.scorecard(six, "d6", 2024, "zh"), rd.district_summary(six, "d6", 2024), "zh")
    assert "本区未分组，与当年全部 6 个区比较" in alone and "全部" not in alone.split("<tbody>")[1]
    grouped = scorecard_html(rd.scorecard(six, "d1", 2024, "zh"), rd.district_summary(six, "d1", 2024), "zh")
    assert "2/3<br><span class=\"rol-sub\">全部 / all 2/6</span>" in grouped


def test_profile_uses_the_group_medians_by_hand(six):
    rows = {r["code"]: r for r in profile_rows(six, "d1", 2024)}
    assert (rows["A"]["median"], rows["B"]["median"]) == pytest.approx((70, 75))
    assert (rows["A"]["rank"], rows["A"]["n"], rows["A"]["rank_all"], rows["A"]["n_all"]) == (2, 3, 2, 6)
    rows = {r["code"]: r for r in profile_rows(six, "d5", 2024)}
    assert (rows["A"]["median"], rows["B"]["median"]) == pytest.approx((50, 12.5))
    page = profile_html(six, "d5", 2024, rd.district_summary(six, "d5", 2024), "en")
    assert "Peers: the 2 districts of peer group g2" in page and "1/2; 3/6" in page and "50.0" in page


def test_strengths_compare_with_the_group(six):
    # d3 within g1: A.2 100 vs median 50 (+50), B.1 100 vs 75 (+25); A.1 20 vs 80 (−60)
    sw = rd.strengths_weaknesses(six, "d3", 2024, lang="en")
    assert sw["strengths"][0].startswith("Aid & advice per 10k scores 100.0, 50.0 points above")
    assert sw["weaknesses"] == ["Closure rate scores 20.0, 60.0 points below the peer median (rank 3 of 3)."]


def test_a_table_without_the_district_keeps_the_submissions_group(six, tmp_path):
    part = tmp_path / "part.csv"
    part.write_text("district,name_zh,name_en,city,peer_group\nd1,,,,solo\n", encoding="utf-8")
    r = store.with_district_table(six, part)
    assert store.group_of(r, "d1") == "solo" and store.group_of(r, "d2") == "g1"
    assert rd.district_summary(r, "d1", 2024)["name_zh"] == "一区"  # blank names keep the earlier ones
    assert by_code(rd.scorecard(r, "d1", 2024))["A"]["peer_median"] == pytest.approx(70)  # alone: its own score


def test_a_bad_districts_table_is_a_clear_error(six, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("district,name_zh,name_en,city,peer_group\nd1,,,,g1\nd1,,,,g2\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"bad.csv 第 3 行 / row 3.*duplicate district 'd1'"):
        store.with_district_table(six, bad)
    with pytest.raises(EvaluationError, match=r"districts table file .*missing.csv.* does not exist"):
        store.with_district_table(six, tmp_path / "missing.csv")


def test_index_page_ranks_within_each_group(six, tmp_path):
    from evaluation.report.index_page import _group_ranks, render_index_page

    # by hand: g1 indexes d1 72, d3 68, d2 65; g2 d5 40, d4 30; d6 no group
    assert _group_ranks(six, 2024) == {"d1": ("g1", 1, 3), "d2": ("g1", 3, 3), "d3": ("g1", 2, 3),
                                       "d4": ("g2", 2, 2), "d5": ("g2", 1, 2), "d6": ("", None, 0)}
    page = render_index_page(six, 2024, {}, [], tmp_path / "index.html", "en").read_text(encoding="utf-8")
    assert "Rank in peer group" in page and "g2 1/2" in page and "g1 3/3" in page


def test_without_a_table_the_figures_group_column_decides(tmp_path):
    """A ``--ledger`` export writes the register's peer group into the figures' ``group`` column."""
    store.clear_cache()
    groups = {"d1": "g1", "d2": "g1", "d3": "g1", "d4": "g2", "d5": "g2", "d6": ""}
    csv, fw = write_six(tmp_path, "ledger_figures_2024.csv", groups)
    r = store.load_result(csv, fw, None)
    assert [by_code(rd.scorecard(r, "d4", 2024))[c]["peer_median"] for c in ("A", "B")] == pytest.approx([50, 12.5])
    assert rd.district_summary(r, "d6", 2024)["n_peers"] == 6
    store.clear_cache()
