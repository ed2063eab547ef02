"""Seeded synthetic judicial offices (示例数据 / synthetic data) of the synthetic district panel.

Submissions of the ``judicial_office_std`` framework for the offices (司法所) of the fictional
districts of :func:`indicators.synthetic.generate_panel` ("示例区01 / Sample District 01" …):
each district has as many offices as the panel's ``judicial_offices`` (one per street or town),
named "示例区01第3司法所 / Sample District 01 Office 3" with ids ``sample_01_o03``, so nobody
mistakes them for real ones. The offices agree with the panel: in every district-year, the number
of offices with at least 4 dedicated staff, with a certified staff member and with standard
signage equals the panel's ``offices_staff_ok``, ``offices_certified_ok`` and
``offices_signage_ok`` (drawn without gaps), so the roll-up of the offices reproduces the
district panel's D6.2–D6.4 shares wherever every office submitted.

Which offices meet a target follows a persistent office quality plus yearly noise, so the same
offices tend to lead year after year. Co-location with the public legal service workstation
(站所合一, "逐步实现") spreads and is never undone; directors are more often certified from
2022 ("新提任…应当具备法律职业资格证书"); self-assessments are mostly on time from 2022, the
plan's first year, and some offices file one already in 2021; task completion rises over the
years with office quality. With ``gaps=True`` a few offices never submit anything, an office-year
is missing now and then and a few cells are blank — the roll-up must show these as missing.

Output is the loader's wide format (one row per office-year, one column per figure id; an empty
cell is a figure not submitted) plus the office → district table :func:`indicators.rollup.rollup`
needs. Same arguments, same frames.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .synthetic import DEFAULT_SEED, generate_panel

__all__ = ["FIGURES", "PANEL_YEARS", "generate_offices", "office_labels", "source_label"]

#: The figures of data/frameworks/judicial_office_std.yaml in file order: (id, unit, kind).
#: tests/indicators/test_synthetic_offices.py checks them against the YAML.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("staff_dedicated", "人", "count"),
    ("staff_certified", "人", "count"),
    ("director_certified", "是/否", "binary"),
    ("signage_standard", "是/否", "binary"),
    ("colocated_pls", "是/否", "binary"),
    ("self_assessment_on_time", "是/否", "binary"),
    ("tasks_political_met", "项", "count"),
    ("tasks_business_met", "项", "count"),
    ("tasks_organisation_met", "项", "count"),
    ("tasks_support_met", "项", "count"),
)
FIGURE_IDS: tuple[str, ...] = tuple(f for f, _, _ in FIGURES)
#: The years of the default district panel; office years must lie within them.
PANEL_YEARS: tuple[int, ...] = tuple(range(2019, 2025))
#: Tasks per area of seed 003 (三、主要任务及分工): 3 + 10 + 4 + 4 = 21.
_TASKS = {"tasks_political_met": 3, "tasks_business_met": 10, "tasks_organisation_met": 4,
          "tasks_support_met": 4}
_NEVER_SUBMIT = 2  # offices that never submit (gaps=True)
_YEAR_MISSING = 0.03  # an office-year without any figure
_CELL_MISSING = 0.02  # a blank cell now and then


def source_label(seed: int) -> str:
    """The ``source`` value of synthetic office rows; it names the generator and the seed."""
    return f"synthetic:rolindex.synthetic_offices seed={seed}"


def office_labels(district: str, district_name: str, k: int) -> tuple[str, str]:
    """Id and bilingual name of a district's k-th office: sample_01_o03, 示例区01第3司法所 / … Office 3."""
    zh, _, en = district_name.partition(" / ")
    return f"{district}_o{k:02d}", f"{zh}第{k}司法所 / {en} Office {k}"


def _sig(x: np.ndarray) -> np.ndarray:
    """Logistic function: maps a latent score to (0, 1)."""
    return 1.0 / (1.0 + np.exp(-x))


def _top_k(score: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` highest scores (ties broken by position)."""
    out = np.zeros(len(score), dtype=bool)
    if k > 0:
        out[np.argsort(-score, kind="stable")[:k]] = True
    return out


def _ranked(rng: np.random.Generator, quality: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(offices, years) mask: in each year the panel's count of offices meet, best-placed first."""
    noise = rng.normal(0.0, 0.5, (len(quality), len(counts)))
    return np.column_stack([_top_k(quality + noise[:, j], int(k)) for j, k in enumerate(counts)])


def generate_offices(
    years: Iterable[int] = range(2021, 2025),
    seed: int = DEFAULT_SEED,
    gaps: bool = True,
    n_districts: int = 16,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate office-year submissions (wide) and the office → district table.

    Parameters
    ----------
    years : iterable of int
        Years to generate, within :data:`PANEL_YEARS` (the district panel's years).
    seed : int
        Seed of the district panel and of the office draws; the same arguments give identical
        frames.
    gaps : bool
        Leave realistic gaps (offices that never submit, missing office-years, blank cells).
    n_districts : int
        Number of panel districts whose offices are generated (``sample_01`` …).

    Returns
    -------
    (figures, mapping) : pandas.DataFrame, pandas.DataFrame
        ``figures`` has columns ``district, year, district_name, group, source`` and one ``Int64``
        column per figure id (``district`` is the office id, ``group`` the district's name), one
        row per office-year submitted, sorted by office and year. ``mapping`` has columns
        ``office, district, district_name``, one row per office (also those that never submit).
    """
    years_arr = np.asarray(sorted({int(y) for y in years}), dtype=np.int64)
    if len(years_arr) == 0:
        raise ValueError("years must not be empty")
    outside = sorted(set(years_arr.tolist()) - set(PANEL_YEARS))
    if outside:
        raise ValueError(f"years {outside} are outside the district panel's years {PANEL_YEARS[0]}–{PANEL_YEARS[-1]}")
    if n_districts < 1:
        raise ValueError(f"n_districts must be >= 1, got {n_districts}")
    panel = generate_panel(n_districts=n_districts, years=PANEL_YEARS, seed=seed, gaps=False)
    wide = panel.pivot(index=["district", "year"], columns="figure", values="value")
    names = panel.drop_duplicates("district").set_index("district")["district_name"]
    rng = np.random.default_rng([seed, 3])  # a stream of its own, independent of the panel's draws
    ny = len(years_arr)
    t = (years_arr - 2021).astype(float)

    rows: list[dict] = []
    mapping: list[dict] = []
    for district in names.index:
        n = int(wide.loc[(district, PANEL_YEARS[0]), "judicial_offices"])
        quality = rng.normal(0.0, 1.0, n)[:, None]
        counts = {f: wide.loc[[(district, int(y)) for y in years_arr], f].to_numpy(dtype=int)
                  for f in ("offices_staff_ok", "offices_certified_ok", "offices_signage_ok")}
        staff_ok, cert_ok, sign_ok = (_ranked(rng, quality[:, 0], counts[f])
                                      for f in ("offices_staff_ok", "offices_certified_ok", "offices_signage_ok"))
        fig: dict[str, np.ndarray] = {}
        fig["staff_dedicated"] = np.where(staff_ok, 4 + np.minimum(rng.poisson(0.8, (n, ny)), 3),
                                          rng.integers(2, 4, (n, ny)))
        fig["staff_certified"] = np.where(cert_ok, np.minimum(1 + rng.poisson(0.7, (n, ny)),
                                                              np.maximum(fig["staff_dedicated"], 1)), 0)
        p_director = _sig(quality - 0.5 + 0.7 * t + 0.6 * (years_arr >= 2022))
        fig["director_certified"] = ((fig["staff_certified"] >= 1) & (rng.random((n, ny)) < p_director)).astype(int)
        fig["signage_standard"] = sign_ok.astype(int)
        joins = rng.random((n, ny)) < _sig(quality - 0.3 + 0.8 * t)
        fig["colocated_pls"] = np.logical_or.accumulate(joins, axis=1).astype(int)  # never undone
        p_report = np.where(years_arr >= 2022, _sig(quality + 2.0), _sig(quality - 1.0))
        fig["self_assessment_on_time"] = (rng.random((n, ny)) < p_report).astype(int)
        for f, total in _TASKS.items():
            p = 0.45 + 0.5 * _sig(quality + 0.5 * t + rng.normal(0.0, 0.3, (n, ny)))
            fig[f] = rng.binomial(total, p)

        submitted = np.ones((n, ny), dtype=bool)
        cells = np.ones((len(FIGURE_IDS), n, ny), dtype=bool)
        year_drop = rng.random((n, ny)) < _YEAR_MISSING
        cell_drop = rng.random(cells.shape) < _CELL_MISSING
        if gaps:
            submitted &= ~year_drop
            cells &= ~cell_drop
        for k in range(n):
            office, office_name = office_labels(district, names[district], k + 1)
            mapping.append({"office": office, "district": district, "district_name": names[district]})
            for j, year in enumerate(years_arr):
                if not submitted[k, j]:
                    continue
                row = {"district": office, "year": int(year), "district_name": office_name,
                       "group": names[district], "source": source_label(seed)}
                for i, f in enumerate(FIGURE_IDS):
                    row[f] = int(fig[f][k, j]) if cells[i, k, j] else pd.NA
                rows.append(row)
    mapping_df = pd.DataFrame(mapping, columns=["office", "district", "district_name"])
    figures = pd.DataFrame(rows, columns=["district", "year", "district_name", "group", "source", *FIGURE_IDS])
    if gaps:  # a few offices never submit: they stay in the mapping, without figures
        silent = rng.choice(mapping_df["office"].to_numpy(), size=min(_NEVER_SUBMIT, len(mapping_df)), replace=False)
        figures = figures[~figures["district"].isin(silent)]
    figures = figures.astype({f: "Int64" for f in FIGURE_IDS}).reset_index(drop=True)
    return figures, mapping_df
