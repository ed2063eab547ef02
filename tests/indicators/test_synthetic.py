"""The seeded synthetic generator: deterministic, fictional, calibrated, internally consistent."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from functools import cache

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.framework import load_framework
from indicators.synthetic import (
    COLUMNS,
    DEFAULT_SEED,
    FIGURES,
    RATE_FIGURES,
    generate_panel,
    generate_scale,
    source_label,
)
from tests.conftest import ROOT

FRAMEWORK = ROOT / "data" / "frameworks" / "district_rol.yaml"
SUBMISSIONS = ROOT / "data" / "submissions"


@cache
def framework_yaml() -> dict:
    """The framework file parsed with plain pyyaml."""
    return yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8"))


def check_pairs() -> list[tuple[str, str]]:
    """The (part, whole) pairs of the framework's ``checks``."""
    return [(c["part"], c["whole"]) for c in framework_yaml()["checks"]]


def kinds() -> dict[str, str]:
    return {f["id"]: f["kind"] for f in framework_yaml()["figures"]}


def wide(df: pd.DataFrame) -> pd.DataFrame:
    """One row per district-year, one column per figure (NaN where not submitted)."""
    return df.pivot(index=["district", "year"], columns="figure", values="value")


def violations(df: pd.DataFrame) -> list[str]:
    """Every broken rule of a generated frame: part > whole, bad counts, bad rates."""
    problems = []
    w = wide(df)
    for part, whole in check_pairs():
        if part in w and whole in w:
            bad = w[part] > w[whole]
            problems += [f"{part} > {whole} at {i}" for i in w.index[bad.fillna(False)]]
    k = kinds()
    is_rate = df["figure"].map(k).eq("rate").to_numpy()
    v = df["value"].to_numpy()
    if np.isnan(v).any():
        problems.append("NaN values")
    counts = v[~is_rate]
    if (counts < 0).any() or (counts != np.round(counts)).any():
        problems.append("counts must be integers >= 0")
    rates = v[is_rate]
    if ((rates < 0) | (rates > 1)).any():
        problems.append("rates must be fractions in [0, 1]")
    return problems


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return generate_panel()


@pytest.fixture(scope="module")
def full_panel() -> pd.DataFrame:
    return generate_panel(gaps=False)


# --- contract --------------------------------------------------------------------------------


def test_figure_table_matches_the_framework_yaml():
    """The generator's figure list is the framework's, in order, with the same units and kinds."""
    declared = [(f["id"], f["unit"], f["kind"]) for f in framework_yaml()["figures"]]
    assert list(FIGURES) == declared
    assert set(load_framework(FRAMEWORK).figures) == {f for f, _, _ in FIGURES}


def test_columns_and_dtypes(panel):
    assert list(panel.columns) == list(COLUMNS)
    assert panel["value"].dtype == np.float64
    assert panel["year"].dtype == np.int64
    assert (panel["source"] == source_label(DEFAULT_SEED)).all()
    assert (panel["quote"] == "").all()
    units = {f: u for f, u, _ in FIGURES}
    assert (panel["unit"] == panel["figure"].map(units)).all()


def test_sorted_by_district_year_and_framework_order(panel):
    order = {f: i for i, (f, _, _) in enumerate(FIGURES)}
    key = list(zip(panel["district"], panel["year"], panel["figure"].map(order), strict=True))
    assert key == sorted(key)
    assert not panel.duplicated(["district", "year", "figure"]).any()


def test_names_are_obviously_fictional(panel):
    assert panel["district"].str.fullmatch(r"sample_\d{2}").all()
    assert panel["district_name"].str.contains("示例区").all()
    assert panel["district_name"].str.contains("Sample District").all()
    assert panel["group"].str.contains("示例市").all()
    assert panel["group"].str.contains("Sample City").all()
    first = panel.iloc[0]
    assert first["district"] == "sample_01"
    assert first["district_name"] == "示例区01 / Sample District 01"
    assert panel["district"].nunique() == 16
    assert sorted(panel["year"].unique()) == list(range(2019, 2025))


def test_two_or_three_fictional_cities(panel):
    assert 2 <= panel["group"].nunique() <= 3
    assert panel.groupby("district")["group"].nunique().eq(1).all()  # a district stays put


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_output():
    pd.testing.assert_frame_equal(generate_panel(seed=7), generate_panel(seed=7))
    pd.testing.assert_frame_equal(generate_scale(30, 4, seed=7), generate_scale(30, 4, seed=7))


def test_different_seed_gives_different_output():
    a, b = generate_panel(seed=1, gaps=False), generate_panel(seed=2, gaps=False)
    assert a.shape == b.shape
    assert not np.array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    assert generate_panel(seed=2)["source"].iloc[0].endswith("seed=2")


def test_gaps_only_remove_rows(panel, full_panel):
    """gaps=True is gaps=False with rows left out; every value that remains is unchanged."""
    merged = panel.merge(full_panel, on=["district", "year", "figure"], suffixes=("", "_full"))
    assert len(merged) == len(panel)
    assert (merged["value"] == merged["value_full"]).all()


# --- consistency and ranges --------------------------------------------------------------------


@pytest.mark.parametrize("gaps", [True, False])
def test_parts_never_exceed_wholes_and_kinds_hold(gaps):
    df = generate_panel(n_districts=40, gaps=gaps)
    assert violations(df) == []


def test_every_check_pair_is_exercised(full_panel):
    w = wide(full_panel)
    for part, whole in check_pairs():
        assert w[part].notna().all() and w[whole].notna().all(), (part, whole)
        assert (w[part] <= w[whole]).all()


def test_framework_ranges_are_respected(full_panel):
    fw = load_framework(FRAMEWORK)
    w = wide(full_panel)
    for fid, spec in fw.figures.items():
        if spec.lower is not None:
            assert (w[fid] >= spec.lower).all(), fid
        if spec.upper is not None:
            assert (w[fid] <= spec.upper).all(), fid


def test_reported_rates_agree_with_their_counts(full_panel):
    """Without gaps every reported rate equals its indicator formula, rounded to 0.01 points."""
    fw = load_framework(FRAMEWORK)
    w = wide(full_panel)
    values = {c: w[c] for c in w.columns}
    checked = 0
    for code in fw.indicators:
        node = fw.nodes[code]
        if node.reported:
            computed, _ = node.formula.evaluate(values, w.index)
            np.testing.assert_allclose(w[node.reported], computed.round(4), atol=1e-12)
            checked += 1
    assert checked == 7
    assert RATE_FIGURES >= {fw.nodes[c].reported for c in fw.indicators if fw.nodes[c].reported}


def test_calibrated_to_the_seed_ranges():
    w = wide(generate_panel(n_districts=300, gaps=False))
    per10k = w.div(w["population"] / 1e4, axis=0)
    assert w["population"].between(3.0e5, 1.5e6).all()
    # calibrated rates (50-250, 3-30, 0.3-70 per 10k) plus Poisson noise on the counts
    assert per10k["mediation_received"].between(40, 275).all()
    assert per10k["legal_aid_cases"].between(2.0, 36).all()
    assert per10k["lawyers"].between(0.25, 72).all()
    assert per10k["lawyers"].max() > 40  # a Jing'an-like outlier exists
    assert (w["mediation_resolved"] / w["mediation_received"]).between(0.85, 1.0).all()
    assert w["reconsideration_received"].between(10, 2500).all()
    settled = w["reconsideration_settled"] / w["reconsideration_received"]
    assert 0.05 < settled.median() < 0.30
    closed = w["reconsideration_closed"] / w["reconsideration_received"]
    assert 0.7 < closed.median() <= 1.0
    lost = w["litigation_lost"] / w["litigation_concluded"]
    assert lost.median() < 0.15
    assert w["corrections_reoffended"].between(0, 3).all()
    assert w["corrections_absconded"].between(0, 3).all()
    assert (w["judicial_offices"] == w["streets_towns"]).all()
    assert w["streets_towns"].between(5, 20).all()


def test_years_improve_and_rankings_persist():
    w = wide(generate_panel(n_districts=300, gaps=False))
    head = (w["head_appearances"] / w["admin_litigation_first_instance"]).unstack("year")
    assert head[2024].mean() > head[2019].mean() + 0.1
    certified = (w["offices_certified_ok"] / w["judicial_offices"]).unstack("year")
    assert certified[2022].mean() > certified[2021].mean()  # seed 003: due end-2022
    assert certified[2023].mean() > 0.9
    success = (w["mediation_resolved"] / w["mediation_received"]).unstack("year")
    rho = success[2019].rank().corr(success[2024].rank())
    assert 0.3 < rho < 0.99  # stable but not frozen


# --- gaps ------------------------------------------------------------------------------------


def test_no_gaps_means_every_figure_every_year(full_panel):
    assert len(full_panel) == 16 * 6 * len(FIGURES)
    assert full_panel.groupby(["district", "year"]).size().eq(len(FIGURES)).all()


def test_realistic_gaps(panel):
    w = wide(panel)
    assert len(panel) < 16 * 6 * len(FIGURES)
    assert w["population"].notna().all(), "population is always present"
    per_district = w.notna().groupby(level="district").sum()
    # some districts never report some figures ...
    assert (per_district == 0).any(axis=None)
    # ... some submit a reported rate instead of the denominator (like Jing'an 2020) ...
    rate_only = w["head_appearance_rate"].notna() & w["admin_litigation_first_instance"].isna()
    assert rate_only.any()
    # ... and a few district-years miss a figure the district reports in other years.
    sometimes = (per_district > 0) & (per_district < w.index.get_level_values("year").nunique())
    assert sometimes.any(axis=None)


def test_gaps_hold_across_seeds():
    for seed in (1, 2, 3):
        w = wide(generate_panel(seed=seed))
        assert w["population"].notna().all()
        assert w.isna().any(axis=None)


# --- scale mode ------------------------------------------------------------------------------


def test_scale_mode_shape_and_labels():
    df = generate_scale(120, 3, seed=5, gaps=False)
    assert df.shape == (120 * 3 * len(FIGURES), len(COLUMNS))
    assert sorted(df["year"].unique()) == [2022, 2023, 2024]
    assert df["district"].iloc[0] == "sample_001"
    assert isinstance(df["district"].dtype, pd.CategoricalDtype)
    assert df["group"].nunique() == 120 // 16
    assert violations(df) == []
    strings = generate_scale(120, 3, seed=5, gaps=False, categorical=False)
    assert (strings["district"].to_numpy() == df["district"].astype(str).to_numpy()).all()


def test_scale_mode_is_fast_for_a_national_panel():
    """2,850 districts x 10 years (~1.4 million rows) in well under the 3 s budget."""
    start = time.perf_counter()
    df = generate_scale(2850, 10, seed=11)
    elapsed = time.perf_counter() - start
    assert df["district"].nunique() == 2850 and df["year"].nunique() == 10
    assert 0.7 * 2850 * 10 * len(FIGURES) < len(df) < 2850 * 10 * len(FIGURES)
    assert elapsed < 10.0, f"took {elapsed:.1f}s"


def test_invalid_sizes_are_rejected():
    with pytest.raises(ValueError):
        generate_panel(n_districts=0)
    with pytest.raises(ValueError):
        generate_panel(years=[])
    with pytest.raises(ValueError):
        generate_scale(10, 0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 6),
    n_years=st.integers(1, 4),
    last_year=st.integers(2016, 2027),
    gaps=st.booleans(),
)
def test_any_seed_and_size_keeps_the_rules(seed, n, n_years, last_year, gaps):
    df = generate_scale(n, n_years, seed=seed, last_year=last_year, gaps=gaps, categorical=False)
    assert violations(df) == []
    pop = df[df["figure"] == "population"]
    assert len(pop) == n * n_years
    assert pop["value"].between(3.0e5, 1.5e6).all()


# --- the committed sample file -----------------------------------------------------------------


def _make_synthetic():
    path = SUBMISSIONS / "make_synthetic.py"
    spec = importlib.util.spec_from_file_location("make_synthetic", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sample_regenerates_byte_identically():
    committed = (SUBMISSIONS / "synthetic_panel.csv").read_bytes()
    assert _make_synthetic().build_csv_text().encode("utf-8") == committed


def test_recipe_check_mode_passes():
    """``python data/submissions/make_synthetic.py --check`` is the documented recipe's guard."""
    result = subprocess.run(
        [sys.executable, str(SUBMISSIONS / "make_synthetic.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_sample_file_round_trips_to_the_generator():
    """Rates are written as percentages like the seed file; parsing them gives the fractions."""
    csv_df = pd.read_csv(SUBMISSIONS / "synthetic_panel.csv", dtype={"value": str},
                         keep_default_na=False)
    gen = generate_panel()
    assert list(csv_df.columns) == list(COLUMNS)
    is_rate = csv_df["figure"].isin(RATE_FIGURES)
    assert csv_df.loc[is_rate, "value"].str.endswith("%").all()
    assert not csv_df.loc[~is_rate, "value"].str.contains(r"[%.e]").any()
    parsed = np.where(is_rate, csv_df["value"].str.rstrip("%").astype(float) / 100,
                      csv_df["value"].str.rstrip("%").astype(float))
    np.testing.assert_allclose(parsed, gen["value"].to_numpy(), rtol=0, atol=1e-12)
    assert (csv_df["district"] == gen["district"]).all()
