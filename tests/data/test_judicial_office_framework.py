"""The judicial-office standardisation framework: seed 003's targets, quoted verbatim; binary items
scoring 0/100; "not yet due" before a target's due year; the shipped sample and tabular export."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.cli import main
from indicators import build_index, load_framework, load_methodology
from indicators.submission import read_figures, validate
from tests.conftest import ROOT, shared_path

FRAMEWORKS = ROOT / "data" / "frameworks"
YAML = FRAMEWORKS / "judicial_office_std.yaml"
SAMPLE = ROOT / "data" / "submissions" / "synthetic_offices.csv"
SEED = "003_978c0df5442acba0"
RULES = load_methodology(ROOT / "data" / "methodologies" / "scoring_rules.yaml")
BASELINE = load_methodology(ROOT / "data" / "methodologies" / "baseline.yaml")
BINARY = {"S1.1": None, "S1.2": 2022, "S1.3": None, "S1.4": 2023, "S1.5": None, "S1.6": 2022}
TASKS = {"S2.1": 3, "S2.2": 10, "S2.3": 4, "S2.4": 4}  # seed 003: 21 tasks in four areas
QUOTED = re.compile(r'"([^"]*[\u4e00-\u9fff][^"]*)"')
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def fw():
    return load_framework(YAML)


def seed_text() -> str:
    """Seed 003 from ``../shared/seeds`` (skips when absent, fails under CI=true)."""
    return shared_path("seeds", f"{SEED}.txt").read_text(encoding="utf-8")


def node_blocks() -> dict[str, str]:
    """The YAML text of each indicator node (from its ``- code:`` line to the next node), comments kept."""
    text = YAML.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^  - (?=code: |\{code: )", text)
    out = {}
    for part in parts[1:]:
        code = re.match(r"\{?code: ([\w.]+)", part).group(1)
        out[code] = part
    return out


def test_structure_weights_and_labels(fw):
    assert fw.id == "judicial_office_std" and fw.root == "JOS"
    assert fw.children("JOS") == ("S1", "S2")
    assert fw.children("S1") == tuple(BINARY) and fw.children("S2") == tuple(TASKS)
    assert (fw.nodes["S1"].weight, fw.nodes["S2"].weight) == (60, 40)
    for parent in ("S1", "S2"):  # indicator points add up to their dimension's points
        assert sum(fw.nodes[c].weight for c in fw.children(parent)) == fw.nodes[parent].weight
    for item in [*fw.nodes.values(), *fw.figures.values()]:  # bilingual, Chinese first
        assert CJK.search(item.zh) and item.en and not CJK.search(item.en), item
        assert fw.label(item.id if hasattr(item, "kind") else item.code, "both").startswith(item.zh + " / ")


def test_binary_items_and_due_years(fw):
    for code, due in BINARY.items():
        scoring = fw.nodes[code].scoring
        assert scoring["rule"] == "all_or_nothing", code
        assert fw.nodes[code].due == due, code  # node-level: applies under every methodology
    for code in TASKS:
        assert fw.nodes[code].scoring["rule"] == "linear"


def test_tasks_are_shares_of_the_seeds_21_tasks(fw):
    assert sum(TASKS.values()) == 21
    for code, n in TASKS.items():
        (figure,) = fw.nodes[code].formula.figures
        assert fw.nodes[code].formula.text == f"{figure} / {n}"
        assert (fw.figures[figure].lower, fw.figures[figure].upper) == (0, n)


def test_every_quote_in_the_framework_is_verbatim_seed_003():
    text = seed_text()
    quotes = [q for line in YAML.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")
              for q in QUOTED.findall(line)]
    assert len(quotes) >= 15
    for quote in quotes:
        for fragment in quote.split("..."):  # "各区局要...开展自查自评" quotes two pieces
            assert fragment in text, f"not in seed {SEED}: {fragment!r}"


def test_every_indicator_cites_seed_003_and_its_due_year():
    blocks = node_blocks()
    for code in [*BINARY, *TASKS]:
        comments = "\n".join(line for line in blocks[code].splitlines() if line.lstrip().startswith("#"))
        assert "seed 003" in comments and QUOTED.search(comments), code
        if BINARY.get(code):
            assert str(BINARY[code]) in comments, f"{code}: the comment must quote the due year"


# -- scoring ------------------------------------------------------------------------------------------
def office_frame(fw, rows: dict[tuple[str, int], dict]) -> pd.DataFrame:
    idx = pd.MultiIndex.from_tuples(list(rows), names=["district", "year"])
    return pd.DataFrame([{f: float(r.get(f, np.nan)) for f in fw.figures} for r in rows.values()], index=idx)


FAILING = dict(staff_dedicated=3, staff_certified=0, director_certified=0, signage_standard=0, colocated_pls=0,
               self_assessment_on_time=0, tasks_political_met=0, tasks_business_met=0, tasks_organisation_met=0,
               tasks_support_met=0)


@pytest.mark.parametrize("methodology", ["scoring_rules", "baseline"])
def test_not_yet_due_before_the_due_year_is_missing_not_a_failure(fw, methodology):
    """Under the 评分细则 and under goalposts alike: the due year is the indicator's, not the method's."""
    rows = {("o", y): FAILING for y in (2021, 2022, 2023)}
    r = build_index(office_frame(fw, rows), fw, load_methodology(ROOT / "data" / "methodologies" /
                                                                 f"{methodology}.yaml"))
    src, score = r.indicator_source, r.normalised
    for code, due in BINARY.items():
        for year in (2021, 2022, 2023):
            if due is not None and year < due:
                assert math.isnan(score.loc[("o", year), code]), (code, year)
                assert src.loc[("o", year), code] == f"not yet due (due {due})"
            else:  # due: the office fails it, 0 points
                assert score.loc[("o", year), code] == 0.0, (code, year)
                assert src.loc[("o", year), code] == "counts"
    # the failing office still has an index in 2021 (3 of 6 targets due), every score 0
    assert r.index[("o", 2021)] == 0.0 and r.normalised.loc[("o", 2021)].notna().sum() == 7


def test_golden_office_by_hand(fw):
    o = dict(staff_dedicated=3, staff_certified=2, director_certified=1, signage_standard=1, colocated_pls=0,
             self_assessment_on_time=1, tasks_political_met=2, tasks_business_met=10, tasks_organisation_met=4,
             tasks_support_met=4)
    r = build_index(office_frame(fw, {("o", 2022): o, ("o", 2023): o}), fw, RULES)
    # 2022: S1.1 0 (3 staff) | S1.2 100 | S1.3 100 | S1.4 not yet due | S1.5 0 | S1.6 100 -> S1 = 300/5 = 60
    #       S2 = (2/3 -> 66.667, 100, 100, 100) / 4 = 91.667 ; JOS = 0.6 * 60 + 0.4 * 91.667 = 72.667
    assert r.scores.loc[("o", 2022), "S1"] == pytest.approx(60.0)
    assert r.scores.loc[("o", 2022), "S2"] == pytest.approx(275 / 3)
    assert r.index[("o", 2022)] == pytest.approx(36 + 110 / 3)
    # 2023: signage due and met -> S1 = 400/6 = 66.667 ; JOS = 40 + 36.667 = 76.667
    assert r.index[("o", 2023)] == pytest.approx(40 + 110 / 3)
    assert r.grades.loc[("o", 2023), "zh"] == "合格"  # 60 <= 76.667 < 80


@settings(max_examples=30, deadline=None, derandomize=True)
@given(staff=st.integers(0, 20), certified=st.integers(0, 5), flags=st.lists(st.integers(0, 1), min_size=4,
                                                                            max_size=4))
def test_binary_items_score_0_or_100_under_rules_and_goalposts(staff, certified, flags):
    fw = load_framework(YAML)
    director = min(flags[0], certified)
    o = dict(FAILING, staff_dedicated=staff, staff_certified=certified, director_certified=director,
             signage_standard=flags[1], colocated_pls=flags[2], self_assessment_on_time=flags[3])
    expected = {"S1.1": staff >= 4, "S1.2": certified >= 1, "S1.3": director == 1, "S1.4": flags[1] == 1,
                "S1.5": flags[2] == 1, "S1.6": flags[3] == 1}
    for meth in (RULES, BASELINE):
        r = build_index(office_frame(fw, {("o", 2024): o}), fw, meth)
        for code, met in expected.items():
            assert r.normalised.loc[("o", 2024), code] == (100.0 if met else 0.0), (meth.name, code)


# -- the shipped sample and export ------------------------------------------------------------------
def test_shipped_sample_validates_and_scores(fw):
    sub = read_figures(SAMPLE)
    report = validate(sub, fw)
    assert report.ok and not report.warnings, report.summary()
    r = build_index(sub, fw, RULES, validate=False)
    assert r.years == [2021, 2022, 2023, 2024]
    assert r.index.notna().mean() > 0.95
    early = r.indicator_source.xs(2021, level="year")
    assert (early.loc[early["S1.2"].notna(), "S1.2"].isin(["not yet due (due 2022)"])).all()
    assert early["S1.4"].eq("not yet due (due 2023)").mean() > 0.9


def test_shipped_framework_tables_match_yaml(tmp_path):
    out = tmp_path / "judicial_office_std.nodes.csv"
    assert main(["framework", "-f", str(YAML), "-o", str(out)]) == 0
    assert out.read_bytes() == (FRAMEWORKS / "judicial_office_std.nodes.csv").read_bytes(), (
        "data/frameworks/judicial_office_std.nodes.csv is stale: run `rolindex framework -f "
        "data/frameworks/judicial_office_std.yaml -o data/frameworks/judicial_office_std.nodes.csv`")
    assert (tmp_path / "judicial_office_std.figures.csv").read_bytes() == (
        FRAMEWORKS / "judicial_office_std.figures.csv").read_bytes()
