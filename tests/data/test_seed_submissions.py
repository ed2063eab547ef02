"""The seed-derived submissions: every figure traceable to a verbatim sentence of its seed.

``data/submissions/seed_districts.csv`` holds the real figures of Jing'an 2020/2024 and Guangming
2020. These tests keep it honest: each quote must occur verbatim in the seed document it cites,
the number must appear in that quote, every figure must be declared by the framework, reported
rates must agree with their counts within the rounding shown, and parts never exceed wholes.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import yaml

from indicators.framework import load_framework
from tests.conftest import ROOT, shared_path

CSV_PATH = ROOT / "data" / "submissions" / "seed_districts.csv"
README = ROOT / "data" / "submissions" / "README.md"
FRAMEWORK = ROOT / "data" / "frameworks" / "district_rol.yaml"
COLUMNS = ["district", "year", "figure", "value", "district_name", "unit", "source", "quote", "note"]
DISTRICTS = {
    "shanghai_jingan": "静安区 / Jing'an District",
    "shenzhen_guangming": "光明区 / Guangming District",
}
DISTRICT_YEARS = {
    ("shanghai_jingan", 2020), ("shanghai_jingan", 2024), ("shenzhen_guangming", 2020),
}
SEED_IDS = {"000_509bed4bf9cd4fab", "002_29429e2b12fce97c", "004_cec14ae0540b7c79"}
# How the seeds say "zero" in words (无行政机关败诉情况 = no case lost).
ZERO_WORDS = ("无", "零", "没有", "未发生")
COUNT_RE = re.compile(r"^\d+$")
RATE_RE = re.compile(r"^\d+(\.\d+)?%$")
STANDALONE_ZERO = re.compile(r"(?<![\d.])0(?![\d.])")


def load_rows() -> list[dict[str, str]]:
    """The CSV as a list of string dicts (no type guessing)."""
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def framework_yaml() -> dict:
    """The framework file parsed with plain pyyaml."""
    return yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8"))


def figure_specs() -> dict[str, dict]:
    """Figure id -> its YAML entry (unit, kind, ...)."""
    return {f["id"]: f for f in framework_yaml()["figures"]}


def seed_text(doc_id: str) -> str:
    """Text of a seed document from ``../shared/seeds`` (skips when absent, fails in CI)."""
    return shared_path("seeds", f"{doc_id}.txt").read_text(encoding="utf-8")


def number_of(value: str) -> str:
    """The bare number of a value: ``'98.03%'`` -> ``'98.03'``, ``'6,012'`` -> ``'6012'``."""
    return value.strip().rstrip("%").replace(",", "")


def quote_problems(row: dict[str, str], text: str) -> list[str]:
    """Why ``row``'s quote does not support its value in seed ``text`` (empty list: it does)."""
    quote, value = row["quote"], row["value"]
    where = f"{row['district']} {row['year']} {row['figure']}"
    problems = []
    if not quote:
        return [f"{where}: seed row without a quote"]
    if quote not in text:
        problems.append(f"{where}: quote is not a verbatim substring of the seed: {quote!r}")
    number = number_of(value)
    if number == "0":
        if not STANDALONE_ZERO.search(quote) and not any(w in quote for w in ZERO_WORDS):
            problems.append(f"{where}: value 0 but the quote states no zero: {quote!r}")
    elif not re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", quote.replace(",", "")):
        problems.append(f"{where}: number {number} does not appear in the quote {quote!r}")
    return problems


def as_number(value: str) -> float:
    """A submitted value as a number; rates become fractions (``'79.7%'`` -> 0.797)."""
    v = value.strip()
    return float(number_of(v)) / 100.0 if v.endswith("%") else float(number_of(v))


# --- file shape ------------------------------------------------------------------------------


def test_file_is_utf8_without_bom_and_has_exact_columns():
    raw = CSV_PATH.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    raw.decode("utf-8")  # strict
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == COLUMNS


def test_districts_years_and_names():
    rows = load_rows()
    assert {(r["district"], int(r["year"])) for r in rows} == DISTRICT_YEARS
    for r in rows:
        assert r["district_name"] == DISTRICTS[r["district"]]


def test_no_duplicate_district_year_figure():
    keys = [(r["district"], r["year"], r["figure"]) for r in load_rows()]
    dupes = {k for k in keys if keys.count(k) > 1}
    assert not dupes


def test_every_figure_is_declared_in_the_framework_with_its_unit():
    specs = figure_specs()
    for r in load_rows():
        assert r["figure"] in specs, f"undeclared figure {r['figure']!r}"
        assert r["unit"] == specs[r["figure"]]["unit"], r


def test_framework_loader_accepts_every_figure():
    """The project's own loader agrees with the plain-YAML view."""
    fw = load_framework(FRAMEWORK)
    assert {r["figure"] for r in load_rows()} <= set(fw.figures)


def test_values_are_written_as_in_the_source():
    """Rates as written (``79.7%``), counts as plain integers, rates within 0-100 %."""
    specs = figure_specs()
    for r in load_rows():
        kind = specs[r["figure"]]["kind"]
        if kind == "rate":
            assert RATE_RE.match(r["value"]), r
            assert 0.0 <= as_number(r["value"]) <= 1.0, r
        else:
            assert COUNT_RE.match(r["value"]), r


def test_sources_are_seed_or_external():
    for r in load_rows():
        src = r["source"]
        if src.startswith("seed:"):
            assert src.removeprefix("seed:") in SEED_IDS, src
            assert r["quote"], r
        else:
            assert src.startswith("external:"), src
            assert r["quote"] == "", "external rows carry no quote"


def test_population_is_external_and_present_for_every_district_year():
    rows = load_rows()
    pop = {(r["district"], int(r["year"])): r for r in rows if r["figure"] == "population"}
    assert set(pop) == DISTRICT_YEARS
    for r in pop.values():
        assert r["source"].startswith("external:7th national census 2020 (approximate")
    assert pop[("shanghai_jingan", 2024)]["source"].endswith("used for 2024)")
    assert all(r["figure"] == "population" for r in rows if r["source"].startswith("external:"))


# --- provenance: quotes are verbatim and contain the number --------------------------------


def test_every_quote_occurs_verbatim_in_its_seed_and_contains_the_number():
    problems = []
    for r in load_rows():
        if r["source"].startswith("seed:"):
            problems += quote_problems(r, seed_text(r["source"].removeprefix("seed:")))
    assert not problems, "\n".join(problems)


def test_checker_catches_altered_quotes_and_wrong_numbers():
    """The provenance check is not vacuous: tampering with a quote or a value is reported."""
    rows = [r for r in load_rows() if r["figure"] == "mediation_received"]
    row = next(r for r in rows if r["district"] == "shanghai_jingan")
    text = seed_text(row["source"].removeprefix("seed:"))
    assert quote_problems(row, text) == []

    altered = dict(row, quote=row["quote"].replace("18309", "18390"))
    assert any("verbatim" in p for p in quote_problems(altered, text))

    punctuation = dict(row, quote=row["quote"].replace(",", "，", 1))  # full-width comma
    assert any("verbatim" in p for p in quote_problems(punctuation, text))

    wrong_value = dict(row, value="18310")
    assert any("does not appear" in p for p in quote_problems(wrong_value, text))

    digits_of_another_number = dict(row, value="1830")  # a prefix of 18309 is not the number
    assert any("does not appear" in p for p in quote_problems(digits_of_another_number, text))

    no_quote = dict(row, quote="")
    assert quote_problems(no_quote, text)

    zero = dict(row, value="0")
    assert any("states no zero" in p for p in quote_problems(zero, text))


def test_zero_values_are_supported_by_words():
    """Guangming 2020: 无行政机关败诉情况 supports litigation_lost = 0."""
    rows = load_rows()
    lost = next(r for r in rows if r["figure"] == "litigation_lost")
    assert lost["value"] == "0" and "无行政机关败诉" in lost["quote"]


# --- definitions: the traps the brief names -------------------------------------------------


def _figures(district: str, year: int) -> dict[str, str]:
    return {r["figure"]: r["value"] for r in load_rows()
            if r["district"] == district and int(r["year"]) == year}


def test_reported_rates_are_not_back_computed_into_counts():
    j20 = _figures("shanghai_jingan", 2020)
    assert j20["head_appearances"] == "200" and j20["head_appearance_rate"] == "79.7%"
    assert "admin_litigation_first_instance" not in j20
    assert j20["enforcement_exam_takers"] == "103" and j20["enforcement_exam_pass_rate"] == "100%"
    assert "enforcement_exam_passed" not in j20
    assert j20["released_placed"] == "3219" and "released_total" not in j20
    j24 = _figures("shanghai_jingan", 2024)
    assert "admin_litigation_first_instance" not in j24  # 304 is all lawsuits, not first instance
    gm = _figures("shenzhen_guangming", 2020)
    assert gm["law_exam_takers"] == "843" and "officials" not in gm


def test_reported_rates_agree_with_counts_within_the_rounding_shown():
    """Where counts and the reported rate are both given, the rate recomputes from the counts."""
    fw = load_framework(FRAMEWORK)
    rows = pd.DataFrame(load_rows())
    checked = 0
    for (district, year), grp in rows.groupby(["district", "year"]):
        given = dict(zip(grp["figure"], grp["value"], strict=True))
        values = {f: pd.Series([as_number(v)], index=[0]) for f, v in given.items()}
        for code in fw.indicators:
            node = fw.nodes[code]
            if not node.reported or node.reported not in given:
                continue
            if not set(node.formula.figures) <= set(given):
                continue
            computed, _ = node.formula.evaluate(values, pd.Index([0]))
            shown = number_of(given[node.reported])
            decimals = len(shown.partition(".")[2])
            assert round(100 * computed.iloc[0], decimals) == pytest.approx(float(shown)), (
                district, year, code)
            checked += 1
    assert checked >= 3  # Jing'an mediation and non-litigation centre, Guangming mediation


def test_parts_never_exceed_wholes():
    checks = [(c["part"], c["whole"]) for c in framework_yaml()["checks"]]
    rows = pd.DataFrame(load_rows())
    for _, grp in rows.groupby(["district", "year"]):
        given = {f: as_number(v) for f, v in zip(grp["figure"], grp["value"], strict=True)}
        for part, whole in checks:
            if part in given and whole in given:
                assert given[part] <= given[whole], (part, whole)


def test_readme_documents_notes():
    text = README.read_text(encoding="utf-8")
    for needle in ("lower bound", "余", "external", "fictional", "seed_districts.csv",
                   "synthetic_panel.csv", "make_synthetic.py"):
        assert needle in text, needle


def test_csv_path_is_inside_the_repository():
    assert Path(CSV_PATH).is_file()
