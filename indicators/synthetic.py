"""Seeded synthetic district panels (示例数据 / synthetic data) for demos, tests and scale runs.

The generator produces submissions in the project's long format (one row per district, year and
raw figure of the ``district_rol`` framework) for fictional districts named "示例区01 / Sample
District 01" in fictional cities ("示例市A / Sample City A"), so nobody mistakes them for real
ones. It is calibrated to the ranges seen in the seed work reports (Jing'an 2020/2024, Guangming
2020) and the framework brief:

* districts have a size (population 0.3-1.5 million), an urban intensity (drives lawyers and
  caseloads; lawyers per 10,000 residents run from 0.3 to about 70, Jing'an being the extreme) and
  a persistent latent quality, so rankings are stable across years but not frozen;
* years show mild improvement (head appearances in court rise from ~50 % towards 100 %, online
  handling spreads, judicial offices meet the 2022/2023 standardisation targets of seed 003);
* every count is an integer >= 0 drawn so that each part never exceeds its whole (binomial draws
  on the whole), rates are fractions in [0, 1];
* with ``gaps=True`` reporting is realistic: some districts never report some figures (no notary
  office, no satisfaction survey), some report only a rate instead of counts, non-litigation
  centres open in different years, and a few district-years miss a figure. ``population`` is
  always present.

Everything is vectorised over (district, year) arrays with one ``numpy`` generator seeded by
``seed``: the same arguments give an identical frame, and :func:`generate_scale` produces
thousands of districts in about a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "COLUMNS",
    "DEFAULT_SEED",
    "FIGURES",
    "RATE_FIGURES",
    "generate_panel",
    "generate_scale",
    "source_label",
]

DEFAULT_SEED = 20240601
COLUMNS = (
    "district", "year", "figure", "value", "district_name", "unit", "source", "quote", "group",
)

# The figures of data/frameworks/district_rol.yaml in file order: (id, unit, kind). Kept here so
# the generator has no file dependency; tests/indicators/test_synthetic.py checks it against the
# YAML so the two cannot drift apart.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("population", "人", "count"),
    ("streets_towns", "个", "count"),
    ("communities", "个", "count"),
    ("judicial_offices", "个", "count"),
    ("admin_litigation_first_instance", "件", "count"),
    ("head_appearances", "件", "count"),
    ("head_appearance_rate", "%", "rate"),
    ("reconsideration_received", "件", "count"),
    ("reconsideration_settled", "件", "count"),
    ("reconsideration_closed", "件", "count"),
    ("litigation_concluded", "件", "count"),
    ("litigation_lost", "件", "count"),
    ("enforcement_exam_takers", "人", "count"),
    ("enforcement_exam_passed", "人", "count"),
    ("enforcement_exam_pass_rate", "%", "rate"),
    ("case_files_reviewed", "宗", "count"),
    ("case_files_passed", "宗", "count"),
    ("disclosure_requests", "件", "count"),
    ("disclosure_answered", "件", "count"),
    ("mediation_received", "件", "count"),
    ("mediation_resolved", "件", "count"),
    ("mediation_success_rate", "%", "rate"),
    ("nonlit_mediated", "件", "count"),
    ("nonlit_terminated", "件", "count"),
    ("nonlit_success_rate", "%", "rate"),
    ("police_referrals", "件", "count"),
    ("police_referrals_answered", "件", "count"),
    ("legal_aid_cases", "件", "count"),
    ("lawyers", "人", "count"),
    ("legal_consultations", "人次", "count"),
    ("consultation_visits", "人次", "count"),
    ("hotline_12348_calls", "人次", "count"),
    ("service_satisfaction", "%", "rate"),
    ("applications_total", "件", "count"),
    ("applications_online", "件", "count"),
    ("publicity_events", "场", "count"),
    ("rol_leaders", "人", "count"),
    ("legal_literates", "人", "count"),
    ("model_communities", "个", "count"),
    ("officials", "人", "count"),
    ("law_exam_takers", "人", "count"),
    ("law_exam_participation_rate", "%", "rate"),
    ("released_total", "人", "count"),
    ("released_assisted", "人", "count"),
    ("released_placed", "人", "count"),
    ("released_assistance_rate", "%", "rate"),
    ("released_placement_rate", "%", "rate"),
    ("corrections_registered", "人", "count"),
    ("corrections_reoffended", "人", "count"),
    ("corrections_absconded", "人", "count"),
    ("lawyer_complaints_received", "件", "count"),
    ("lawyer_complaints_closed", "件", "count"),
    ("notary_complaints_received", "件", "count"),
    ("notary_complaints_closed", "件", "count"),
    ("forensic_complaints_received", "件", "count"),
    ("forensic_complaints_closed", "件", "count"),
    ("offices_staff_ok", "个", "count"),
    ("offices_certified_ok", "个", "count"),
    ("offices_signage_ok", "个", "count"),
)
FIGURE_IDS: tuple[str, ...] = tuple(f for f, _, _ in FIGURES)
RATE_FIGURES: frozenset[str] = frozenset(f for f, _, k in FIGURES if k == "rate")
_INDEX = {f: i for i, f in enumerate(FIGURE_IDS)}

# Figure groups a district may never report (probability per district when gaps=True):
# no notary office or forensic institute in the district, no satisfaction survey, etc.
_NEVER_REPORTED: tuple[tuple[tuple[str, ...], float], ...] = (
    (("notary_complaints_received", "notary_complaints_closed"), 0.30),
    (("forensic_complaints_received", "forensic_complaints_closed"), 0.25),
    (("service_satisfaction",), 0.45),
    (("applications_total", "applications_online"), 0.30),
    (("police_referrals", "police_referrals_answered"), 0.15),
    (("case_files_reviewed", "case_files_passed"), 0.25),
    (("disclosure_requests", "disclosure_answered"), 0.20),
    (("rol_leaders", "legal_literates"), 0.15),
    (("litigation_concluded", "litigation_lost"), 0.10),
    (("communities", "model_communities"), 0.10),
    (("offices_staff_ok", "offices_certified_ok", "offices_signage_ok"), 0.10),
)


@dataclass(frozen=True)
class _RateStyle:
    """Reported-rate figures of an indicator and the counts a rate-only district leaves out.

    Jing'an 2020, for example, reported head appearances and the rate but no first-instance total.
    """

    rates: tuple[str, ...]
    dropped_when_rate_only: tuple[str, ...]


# Per district: counts only (no reported rate), counts and rate, or rate only (some counts missing).
_RATE_STYLES: tuple[_RateStyle, ...] = (
    _RateStyle(("head_appearance_rate",), ("admin_litigation_first_instance",)),
    _RateStyle(("enforcement_exam_pass_rate",), ("enforcement_exam_passed",)),
    _RateStyle(("mediation_success_rate",), ("mediation_resolved",)),
    _RateStyle(("nonlit_success_rate",), ("nonlit_terminated",)),
    _RateStyle(("law_exam_participation_rate",), ("officials",)),
    _RateStyle(("released_assistance_rate", "released_placement_rate"),
               ("released_total", "released_assisted")),
)
_STYLE_PROBS = (0.5, 0.25, 0.25)  # counts only, both, rate only
_CELL_MISSING = 0.015  # a district-year misses a figure now and then


def source_label(seed: int) -> str:
    """The ``source`` value of synthetic rows; it names the generator and the seed."""
    return f"synthetic:rolindex.synthetic seed={seed}"


def generate_panel(
    n_districts: int = 16,
    years: Iterable[int] = range(2019, 2025),
    seed: int = DEFAULT_SEED,
    gaps: bool = True,
    n_groups: int = 3,
) -> pd.DataFrame:
    """Generate a synthetic district-year panel in the long submission format.

    The demo data set: a small panel of fictional districts in ``n_groups`` fictional cities,
    reproducible from ``seed``.

    Parameters
    ----------
    n_districts : int
        Number of districts (``sample_01`` ...).
    years : iterable of int
        Years to generate; policy effects (reconsideration reform 2021/2024, judicial-office
        targets due 2022/2023) follow the calendar year.
    seed : int
        Seed of the ``numpy`` generator; the same arguments give an identical frame.
    gaps : bool
        Whether to leave realistic gaps (see the module docstring). ``False`` gives every figure
        for every district-year, with reported rates that agree with their counts.
    n_groups : int
        Number of fictional cities the districts are spread over.

    Returns
    -------
    pandas.DataFrame
        Columns ``district, year, figure, value, district_name, unit, source, quote, group``,
        sorted by district, year and framework figure order. ``value`` is float64: counts are
        integral, rates are fractions in [0, 1] (``unit`` keeps the framework's unit, ``%``).
    """
    years_arr = np.asarray(sorted(set(int(y) for y in years)), dtype=np.int64)
    return _generate(n_districts, years_arr, seed, gaps, n_groups, categorical=False)


def generate_scale(
    n_districts: int,
    n_years: int,
    seed: int = DEFAULT_SEED,
    *,
    last_year: int = 2024,
    gaps: bool = True,
    n_groups: int | None = None,
    categorical: bool = True,
) -> pd.DataFrame:
    """Generate a large synthetic panel for scale tests (e.g. 2,850 districts x 10 years).

    Same generator as :func:`generate_panel`; label columns are categorical by default so a
    panel of millions of rows stays small and quick to build.

    Parameters
    ----------
    n_districts : int
        Number of districts.
    n_years : int
        Number of consecutive years, ending at ``last_year``.
    seed : int
        Seed of the ``numpy`` generator.
    last_year : int
        Last year of the panel.
    gaps : bool
        Whether to leave realistic gaps (as in :func:`generate_panel`).
    n_groups : int, optional
        Number of fictional cities; default one per ~16 districts (at least 2).
    categorical : bool
        Return ``district, figure, district_name, unit, source, quote, group`` as categoricals
        (fast, compact) instead of strings.

    Returns
    -------
    pandas.DataFrame
        The long-format panel (see :func:`generate_panel`).
    """
    if n_years < 1:
        raise ValueError(f"n_years must be >= 1, got {n_years}")
    years_arr = np.arange(last_year - n_years + 1, last_year + 1, dtype=np.int64)
    if n_groups is None:
        n_groups = max(2, n_districts // 16)
    return _generate(n_districts, years_arr, seed, gaps, n_groups, categorical=categorical)


# --------------------------------------------------------------------------------------------
# simulation


def _sig(x: np.ndarray) -> np.ndarray:
    """Logistic function: maps a latent score to (0, 1)."""
    return 1.0 / (1.0 + np.exp(-x))


def _group_label(i: int) -> str:
    """Bilingual name of the i-th fictional city (A, B, ... then 027, 028, ...)."""
    tag = chr(ord("A") + i) if i < 26 else f"{i + 1:03d}"
    return f"示例市{tag} / Sample City {tag}"


def _simulate(
    rng: np.random.Generator, n: int, years: np.ndarray, n_groups: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Draw every figure for ``n`` districts x ``years``; returns ({figure: (n, Y)}, groups).

    All draws are made in a fixed order, so the output depends only on the seed and the shape.
    """
    ny = len(years)
    shape = (n, ny)
    t = (years - 2019).astype(float)[None, :]  # years since 2019, broadcast over districts
    yr = years[None, :]

    def col(x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=float).reshape(n, 1)

    def lognorm(median: float, sd: float, size: tuple[int, ...] = (n, 1)) -> np.ndarray:
        return median * np.exp(rng.normal(0.0, sd, size))

    def pois(lam: np.ndarray) -> np.ndarray:
        return rng.poisson(np.broadcast_to(np.maximum(lam, 0.0), shape)).astype(float)

    def binom(whole: np.ndarray, p: np.ndarray) -> np.ndarray:
        p = np.broadcast_to(np.clip(p, 0.0, 1.0), shape)
        return rng.binomial(whole.astype(np.int64), p).astype(float)

    def binom_full(whole: np.ndarray, p: np.ndarray, p_full: np.ndarray) -> np.ndarray:
        """Binomial part, set to the whole with probability ``p_full`` (a fully met target)."""
        part = binom(whole, p)
        full = rng.random(shape) < np.broadcast_to(p_full, shape)
        return np.where(full, whole, part)

    # --- district latents --------------------------------------------------------------------
    groups = rng.permutation(np.arange(n) % n_groups)  # balanced, every city used
    group_urban = rng.normal(0.0, 0.12, n_groups)
    group_quality = rng.normal(0.0, 0.3, n_groups)
    urban = col(np.clip(rng.beta(2.0, 2.0, n) + group_urban[groups], 0.0, 1.0))
    quality = col(rng.normal(0.0, 1.0, n) + group_quality[groups])
    q = quality + rng.normal(0.0, 0.35, shape)  # this year's performance: persistent + noise
    x = q + 0.12 * t  # with mild improvement over the years

    pop0 = np.exp(rng.uniform(np.log(3.2e5), np.log(1.45e6), (n, 1)))
    growth = rng.normal(0.005, 0.008, (n, 1))
    pop = np.clip(np.round(pop0 * (1.0 + growth) ** t, -2), 3.0e5, 1.5e6)
    p10k = pop / 1e4

    fig: dict[str, np.ndarray] = {"population": pop}

    # --- context: sub-districts, communities, judicial offices (one office per street/town) --
    size01 = np.log(pop0 / 3.0e5) / np.log(5.0)
    streets = np.clip(np.round(5 + 15 * size01 + rng.integers(-2, 3, (n, 1))), 5, 20)
    communities = np.round(streets * rng.uniform(8.0, 22.0, (n, 1)))
    fig["streets_towns"] = np.broadcast_to(streets, shape).astype(float)
    fig["communities"] = np.broadcast_to(communities, shape).astype(float)
    fig["judicial_offices"] = fig["streets_towns"].copy()

    # --- D1 law-based government -------------------------------------------------------------
    lit_rate = lognorm(1.8, 0.4) * (1.0 + 0.5 * urban)
    first = np.maximum(pois(p10k * lit_rate), 1.0)
    fig["admin_litigation_first_instance"] = first
    p_head = 0.45 + 0.55 * _sig(-1.2 + 0.9 * q + 0.45 * t)
    fig["head_appearances"] = binom(first, p_head)

    reform = np.where(yr >= 2024, 3.0, np.where(yr >= 2021, 1.5, 1.0))
    lam_recon = np.clip(p10k * lognorm(2.0, 0.8) * (1.0 + urban) * reform, 10.0, 2500.0)
    recon = np.clip(pois(lam_recon), 10.0, 2500.0)
    fig["reconsideration_received"] = recon
    fig["reconsideration_settled"] = binom(recon, 0.05 + 0.25 * _sig(0.8 * x - 0.3))
    fig["reconsideration_closed"] = binom(recon, 0.7 + 0.3 * _sig(0.9 * x + 0.8))

    concluded = binom(np.round(first * 1.25), 0.65 + 0.3 * _sig(x))
    fig["litigation_concluded"] = concluded
    fig["litigation_lost"] = binom(concluded, 0.15 * _sig(-0.9 * x - 1.0))

    takers = np.maximum(pois(p10k * lognorm(1.5, 0.5)), 1.0)
    fig["enforcement_exam_takers"] = takers
    fig["enforcement_exam_passed"] = binom_full(
        takers, 0.88 + 0.12 * _sig(x + 1.0), _sig(1.2 * x + 0.3))

    files = np.maximum(pois(p10k * lognorm(2.5, 0.5)), 1.0)
    fig["case_files_reviewed"] = files
    fig["case_files_passed"] = binom(files, 0.75 + 0.24 * _sig(x + 0.5))

    requests = np.maximum(pois(p10k * lognorm(2.0, 0.7) * (1.0 + urban)), 1.0)
    fig["disclosure_requests"] = requests
    fig["disclosure_answered"] = binom_full(
        requests, 0.9 + 0.1 * _sig(x + 1.5), _sig(x + 0.5))

    # --- D2 dispute resolution ---------------------------------------------------------------
    med10k = np.clip(lognorm(110.0, 0.45) * np.exp(rng.normal(0.0, 0.08, shape)), 50.0, 250.0)
    received = np.maximum(pois(p10k * med10k), 1.0)
    fig["mediation_received"] = received
    fig["mediation_resolved"] = binom(received, 0.9 + 0.095 * _sig(x + 1.8))

    nonlit = np.maximum(pois(p10k * lognorm(6.0, 0.5)), 1.0)
    mediated = binom(nonlit, 0.55 + 0.4 * _sig(0.8 * x))
    fig["nonlit_mediated"] = mediated
    fig["nonlit_terminated"] = nonlit - mediated

    police = np.maximum(pois(p10k * lognorm(80.0, 0.4)), 1.0)
    fig["police_referrals"] = police
    fig["police_referrals_answered"] = binom(police, 0.97 + 0.0299 * _sig(x + 1.0))

    # --- D3 public legal services ------------------------------------------------------------
    aid10k = np.clip(lognorm(9.0, 0.6), 3.0, 30.0)
    fig["legal_aid_cases"] = pois(p10k * aid10k)

    law10k = 10.0 ** (-0.3 + 2.15 * urban**1.4 + rng.normal(0.0, 0.15, (n, 1)))
    law10k = np.clip(law10k * 1.04**t * np.exp(rng.normal(0.0, 0.03, shape)), 0.3, 70.0)
    fig["lawyers"] = np.round(p10k * law10k)

    cons10k = np.clip(lognorm(90.0, 0.5) * np.exp(rng.normal(0.0, 0.1, shape)), 20.0, 250.0)
    consultations = pois(p10k * cons10k)
    visits = binom(consultations, rng.uniform(0.25, 0.5, (n, 1)))
    fig["legal_consultations"] = consultations
    fig["consultation_visits"] = visits
    fig["hotline_12348_calls"] = consultations - visits

    satisfaction = 0.85 + 0.145 * _sig(x + 0.7) + rng.normal(0.0, 0.005, shape)
    fig["service_satisfaction"] = np.round(np.clip(satisfaction, 0.0, 1.0), 4)

    applications = np.maximum(pois(p10k * lognorm(20.0, 0.5)), 1.0)
    fig["applications_total"] = applications
    fig["applications_online"] = binom(applications, _sig(-1.5 + 0.6 * t + 0.5 * x))

    # --- D4 legal publicity and culture ------------------------------------------------------
    fig["publicity_events"] = pois(p10k * lognorm(2.0, 0.6) * (1.0 + 0.05 * np.maximum(t, 0)))
    leaders = pois(p10k * lognorm(2.5, 0.5) * (1.0 + 0.1 * np.maximum(t, 0)))
    fig["rol_leaders"] = leaders
    fig["legal_literates"] = pois(leaders * rng.uniform(2.0, 4.0, (n, 1)))

    model_share = rng.uniform(0.02, 0.12, (n, 1)) + 0.03 * quality + 0.012 * np.maximum(t, 0)
    fig["model_communities"] = np.floor(communities * np.clip(model_share, 0.0, 0.3))

    officials = np.maximum(pois(p10k * rng.uniform(5.0, 25.0, (n, 1))), 1.0)
    fig["officials"] = officials
    fig["law_exam_takers"] = binom_full(officials, 0.9 + 0.1 * _sig(x + 1.0), _sig(x + 0.8))

    # --- D5 community corrections and resettlement -------------------------------------------
    released = np.maximum(pois(p10k * lognorm(8.0, 0.6)), 1.0)
    fig["released_total"] = released
    fig["released_assisted"] = binom_full(
        released, 0.95 + 0.05 * _sig(x + 1.0), _sig(1.5 * x + 1.0))
    fig["released_placed"] = binom(released, 0.85 + 0.15 * _sig(x + 0.5))

    registered = pois(np.clip(p10k * lognorm(2.8, 0.35), 100.0, 500.0))
    fig["corrections_registered"] = registered
    fig["corrections_reoffended"] = np.minimum(
        np.minimum(pois(registered * 0.004 * np.exp(-0.4 * x)), 3.0), registered)
    fig["corrections_absconded"] = np.minimum(
        np.minimum(pois(registered * 0.0015 * np.exp(-0.5 * x)), 3.0), registered)

    # --- D6 legal-service regulation and judicial offices ------------------------------------
    lawyer_c = pois(fig["lawyers"] * lognorm(0.025, 0.3) + 1.0)
    fig["lawyer_complaints_received"] = lawyer_c
    fig["lawyer_complaints_closed"] = binom(lawyer_c, 0.75 + 0.25 * _sig(x + 0.8))
    notary_c = pois(rng.uniform(1.0, 12.0, (n, 1)))
    fig["notary_complaints_received"] = notary_c
    fig["notary_complaints_closed"] = binom(notary_c, 0.8 + 0.2 * _sig(x + 1.0))
    forensic_c = pois(rng.uniform(0.5, 10.0, (n, 1)))
    fig["forensic_complaints_received"] = forensic_c
    fig["forensic_complaints_closed"] = binom(forensic_c, 0.6 + 0.4 * _sig(x + 0.5))

    offices = fig["judicial_offices"]
    sq = _sig(quality)
    staff = 0.35 + 0.25 * sq + 0.08 * t + 0.15 * (yr >= 2023)
    # Seed 003 targets: certified staff in every office by end-2022, signage by end-2023; most
    # districts get there, not all.
    certified = np.where(yr >= 2022, 0.85 + 0.15 * _sig(quality + 0.8), 0.5 + 0.4 * sq + 0.05 * t)
    signage = np.where(yr >= 2023, 0.85 + 0.15 * _sig(quality + 0.5), 0.3 + 0.3 * sq + 0.07 * t)
    fig["offices_staff_ok"] = binom(offices, staff)
    fig["offices_certified_ok"] = binom(offices, certified)
    fig["offices_signage_ok"] = binom(offices, signage)

    # --- reported rates, as a district would round them (0.01 percentage points) -------------
    def ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
        return np.round(part / np.maximum(whole, 1.0), 4)

    fig["head_appearance_rate"] = ratio(fig["head_appearances"], first)
    fig["enforcement_exam_pass_rate"] = ratio(fig["enforcement_exam_passed"], takers)
    fig["mediation_success_rate"] = ratio(fig["mediation_resolved"], received)
    fig["nonlit_success_rate"] = ratio(mediated, nonlit)
    fig["law_exam_participation_rate"] = ratio(fig["law_exam_takers"], officials)
    fig["released_assistance_rate"] = ratio(fig["released_assisted"], released)
    fig["released_placement_rate"] = ratio(fig["released_placed"], released)

    return {k: np.broadcast_to(v, shape) for k, v in fig.items()}, groups


def _gap_mask(rng: np.random.Generator, n: int, years: np.ndarray) -> np.ndarray:
    """Which (figure, district, year) cells a district reports; realistic gaps, see module doc."""
    ny = len(years)
    present = np.ones((len(FIGURE_IDS), n, ny), dtype=bool)

    def drop(figures: Iterable[str], where: np.ndarray) -> None:
        for f in figures:
            present[_INDEX[f]] &= ~np.broadcast_to(where, (n, ny))

    for figures, prob in _NEVER_REPORTED:
        drop(figures, (rng.random(n) < prob)[:, None])

    # Consultations: a submitted total, the two channels, or both.
    style = rng.choice(3, size=n, p=(0.35, 0.45, 0.2))
    drop(("consultation_visits", "hotline_12348_calls"), (style == 0)[:, None])
    drop(("legal_consultations",), (style == 1)[:, None])

    for rs in _RATE_STYLES:
        style = rng.choice(3, size=n, p=_STYLE_PROBS)
        drop(rs.rates, (style == 0)[:, None])
        drop(rs.dropped_when_rate_only, (style == 2)[:, None])

    # Non-litigation dispute-resolution centres open between 2018 and 2021.
    opened = rng.integers(2018, 2022, n)
    drop(("nonlit_mediated", "nonlit_terminated", "nonlit_success_rate"),
         years[None, :] < opened[:, None])

    present &= rng.random(present.shape) >= _CELL_MISSING
    present[_INDEX["population"]] = True
    return present


def _labels(n: int) -> tuple[list[str], list[str]]:
    """District ids and bilingual names: sample_01 / 示例区01 / Sample District 01."""
    width = max(2, len(str(n)))
    nums = [f"{i:0{width}d}" for i in range(1, n + 1)]
    return [f"sample_{k}" for k in nums], [f"示例区{k} / Sample District {k}" for k in nums]


def _generate(
    n_districts: int,
    years: np.ndarray,
    seed: int,
    gaps: bool,
    n_groups: int,
    *,
    categorical: bool,
) -> pd.DataFrame:
    """Simulate, apply gaps and lay the result out in long format."""
    if n_districts < 1:
        raise ValueError(f"n_districts must be >= 1, got {n_districts}")
    if len(years) == 0:
        raise ValueError("years must not be empty")
    if n_groups < 1:
        raise ValueError(f"n_groups must be >= 1, got {n_groups}")
    rng = np.random.default_rng(seed)
    n, ny, nf = n_districts, len(years), len(FIGURE_IDS)
    figs, groups = _simulate(rng, n, years, n_groups)
    # The gap draws always happen, so gaps=True and gaps=False share the same values.
    mask = _gap_mask(rng, n, years)
    if not gaps:
        mask[:] = True

    values = np.stack([figs[f] for f in FIGURE_IDS])  # (F, D, Y)
    order = (1, 2, 0)  # long order: district, year, figure
    keep = np.flatnonzero(mask.transpose(order).ravel())
    flat_values = values.transpose(order).ravel()[keep]
    d_idx = keep // (ny * nf)
    y_idx = (keep // nf) % ny
    f_idx = keep % nf

    ids, names = _labels(n)
    group_names = [_group_label(i) for i in range(n_groups)]
    units = [u for _, u, _ in FIGURES]
    columns: Mapping[str, tuple[np.ndarray, list[str]]] = {
        "district": (d_idx, ids),
        "figure": (f_idx, list(FIGURE_IDS)),
        "district_name": (d_idx, names),
        "unit": (f_idx, units),
        "group": (groups[d_idx], group_names),
    }
    size = len(keep)
    zeros = np.zeros(size, dtype=np.int8)
    out: dict[str, object] = {}
    for name, (codes, cats) in columns.items():
        out[name] = _label_column(codes, cats, categorical)
    out["source"] = _label_column(zeros, [source_label(seed)], categorical)
    out["quote"] = _label_column(zeros, [""], categorical)
    out["year"] = years[y_idx]
    out["value"] = flat_values.astype(np.float64)
    return pd.DataFrame(out, columns=list(COLUMNS))


def _label_column(codes: np.ndarray, labels: list[str], categorical: bool) -> pd.Series:
    """A string column built from integer codes: categorical (fast) or plain strings."""
    if categorical:
        uniq = list(dict.fromkeys(labels))
        if len(uniq) != len(labels):  # repeated labels (units): remap codes onto unique ones
            pos = {lab: i for i, lab in enumerate(uniq)}
            codes = np.asarray([pos[lab] for lab in labels])[codes]
        return pd.Series(pd.Categorical.from_codes(codes, categories=uniq))
    return pd.Series(np.asarray(labels, dtype=object)[codes], dtype="str")
