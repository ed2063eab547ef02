"""The synthetic judicial offices: fictional names, determinism, the framework's rules, agreement
with the district panel's office counts, realistic gaps and the committed sample files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from indicators import build_index, load_framework, load_methodology
from indicators.rollup import read_mapping, rollup
from indicators.submission import read_figures, validate
from indicators.synthetic import DEFAULT_SEED, generate_panel
from indicators.synthetic_offices import FIGURE_IDS, FIGURES, generate_offices, office_labels, source_label
from tests.conftest import ROOT

SUBMISSIONS = ROOT / "data" / "submissions"
YAML = ROOT / "data" / "frameworks" / "judicial_office_std.yaml"
SAMPLE, MAPPING = SUBMISSIONS / "synthetic_offices.csv", SUBMISSIONS / "synthetic_offices_districts.csv"
TARGETS = {"offices_staff_ok": ("staff_dedicated", 4), "offices_certified_ok": ("staff_certified", 1),
           "offices_signage_ok": ("signage_standard", 1)}


@pytest.fixture(scope="module")
def offices() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_offices()


@pytest.fixture(scope="module")
def full() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_offices(gaps=False)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    p = generate_panel(gaps=False)
    return p.pivot(index=["district", "year"], columns="figure", values="value")


def test_figure_table_matches_the_framework_yaml():
    data = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    assert list(FIGURES) == [(f["id"], f["unit"], f["kind"]) for f in data["figures"]]


def test_names_are_obviously_fictional(offices):
    figures, mapping = offices
    assert office_labels("sample_01", "示例区01 / Sample District 01", 3) == (
        "sample_01_o03", "示例区01第3司法所 / Sample District 01 Office 3")
    assert figures["district"].str.fullmatch(r"sample_\d{2}_o\d{2}").all()
    assert figures["district_name"].str.fullmatch(r"示例区\d{2}第\d+司法所 / Sample District \d{2} Office \d+").all()
    assert mapping["district_name"].str.fullmatch(r"示例区\d{2} / Sample District \d{2}").all()
    assert (figures["source"] == source_label(DEFAULT_SEED)).all()
    assert sorted(figures["year"].unique()) == [2021, 2022, 2023, 2024]


def test_one_office_per_street_of_the_panel_and_a_consistent_mapping(offices, panel):
    figures, mapping = offices
    per_district = mapping.groupby("district").size()
    expected = panel.xs(2021, level="year")["judicial_offices"].astype(int)
    assert per_district.to_dict() == expected.to_dict()
    assert not mapping["office"].duplicated().any()
    assert all(o.startswith(d + "_o") for o, d in zip(mapping["office"], mapping["district"], strict=True))
    by_office = mapping.set_index("office")["district_name"]
    assert (figures["group"] == figures["district"].map(by_office)).all()  # group = the office's district


def test_same_seed_same_frames_other_seed_other_frames():
    a, b = generate_offices(seed=5), generate_offices(seed=5)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[0].equals(generate_offices(seed=6)[0])


def test_values_keep_the_framework_rules(full):
    figures, _ = full
    fw = load_framework(YAML)
    for f in FIGURE_IDS:
        spec = fw.figures[f]
        values = figures[f].astype(float)
        assert values.between(spec.lower, spec.upper if spec.upper is not None else np.inf).all(), f
        if spec.kind == "binary":
            assert values.isin([0, 1]).all(), f
    assert (figures["director_certified"] <= figures["staff_certified"]).all()
    coloc = figures.pivot(index="district", columns="year", values="colocated_pls").astype(int)
    assert (coloc.diff(axis=1).iloc[:, 1:] >= 0).all().all()  # 站所合一 is never undone


def test_offices_agree_with_the_district_panel(full, panel):
    figures, mapping = full
    district = figures["district"].map(mapping.set_index("office")["district"])
    for count, (figure, threshold) in TARGETS.items():
        met = (figures[figure] >= threshold).groupby([district, figures["year"]]).sum()
        expected = panel.loc[met.index, count].astype(int)
        assert (met.to_numpy() == expected.to_numpy()).all(), count


def test_targets_are_mostly_met_once_due(full):
    figures, _ = full
    share = figures.groupby("year")[["staff_certified", "signage_standard"]].agg(lambda s: (s >= 1).mean())
    assert share.loc[2022, "staff_certified"] > share.loc[2021, "staff_certified"]  # due end-2022
    assert share.loc[2023, "signage_standard"] > share.loc[2022, "signage_standard"]  # due end-2023
    assert share.loc[2024].min() > 0.85


def test_realistic_gaps(offices, full):
    figures, mapping = offices
    all_rows = len(mapping) * 4
    assert len(full[0]) == all_rows and not full[0][list(FIGURE_IDS)].isna().any().any()
    assert 0.9 * all_rows < len(figures) < all_rows
    never = set(mapping["office"]) - set(figures["district"])
    assert len(never) == 2  # offices that never submit: in the mapping, without figures
    blanks = figures[list(FIGURE_IDS)].isna().to_numpy().mean()
    assert 0.005 < blanks < 0.05
    # gaps only remove: every value present is the value of the complete data
    merged = figures.merge(full[0], on=["district", "year"], suffixes=("", "_full"))
    for f in FIGURE_IDS:
        have = merged[f].notna()
        assert (merged.loc[have, f] == merged.loc[have, f + "_full"]).all()


def test_years_outside_the_panel_and_bad_sizes_are_rejected():
    with pytest.raises(ValueError, match=r"years \[2025\] are outside the district panel's years 2019–2024"):
        generate_offices(years=[2024, 2025])
    with pytest.raises(ValueError, match="years must not be empty"):
        generate_offices(years=[])
    with pytest.raises(ValueError, match="n_districts must be >= 1"):
        generate_offices(n_districts=0)


# -- the committed sample ----------------------------------------------------------------------------
def _recipe():
    spec = importlib.util.spec_from_file_location("make_synthetic_offices", SUBMISSIONS / "make_synthetic_offices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_regenerate_byte_identically_and_stay_small():
    figures, mapping = _recipe().build_csv_texts()
    assert figures.encode("utf-8") == SAMPLE.read_bytes()
    assert mapping.encode("utf-8") == MAPPING.read_bytes()
    assert SAMPLE.stat().st_size < 200_000 and MAPPING.stat().st_size < 50_000


def test_recipe_check_mode_passes():
    proc = subprocess.run([sys.executable, str(SUBMISSIONS / "make_synthetic_offices.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr


def test_recipe_check_mode_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "offices.csv"
    stale.write_text("district,year\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(SUBMISSIONS / "make_synthetic_offices.py"), "--check",
                           "--output", str(stale), "--mapping", str(MAPPING)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 1 and "is out of date" in proc.stderr


def test_sample_rolls_up_to_the_panels_office_shares(panel):
    """Where every office of a district submitted, the roll-up share is the panel's D6.2–D6.4 rate."""
    fw = load_framework(YAML)
    sub = read_figures(SAMPLE)
    assert validate(sub, fw).ok
    result = build_index(sub, fw, load_methodology(ROOT / "data" / "methodologies" / "scoring_rules.yaml"),
                         validate=False)
    ru = rollup(result, read_mapping(MAPPING))
    pairs = {"S1.1": "offices_staff_ok", "S1.2": "offices_certified_ok", "S1.4": "offices_signage_ok"}
    checked = 0
    for code, count in pairs.items():
        complete = ru.counts[code].where(ru.shares[code].notna()) == ru.offices["n_offices"]
        for key in complete[complete].index:
            rate = panel.loc[key, count] / panel.loc[key, "judicial_offices"]
            assert ru.shares.loc[key, code] == pytest.approx(rate), (key, code)
            checked += 1
    assert checked > 60
