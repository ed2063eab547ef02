"""Extraction on the seed reports against the hand-made gold set (targets of issue 11), and the scoring rules."""

from __future__ import annotations

import pytest

from indicators.extract import extract_text
from indicators.extract.gold import GoldRow, read_gold, score_document, total
from indicators.extract.matcher import Proposal
from indicators.framework import load_framework
from tests.conftest import ROOT

GOLD = ROOT / "tests" / "indicators" / "extract" / "gold.csv"


def test_gold_quotes_are_verbatim_in_the_seeds(shared):
    for g in read_gold(GOLD):
        text = shared("seeds", f"{g.document}.txt").read_text(encoding="utf-8")
        assert g.quote in text, (g.document, g.figure, g.quote)


def test_gold_extends_the_seed_submission():
    import csv

    rows = list(csv.DictReader(open(ROOT / "data" / "submissions" / "seed_districts.csv", encoding="utf-8")))
    seed = {(r["source"][5:], r["figure"], r["value"]) for r in rows if r["source"].startswith("seed:")}
    gold = {(r["document"], r["figure"], r["value"]) for r in csv.DictReader(open(GOLD, encoding="utf-8"))
            if r["kind"] == "gold"}
    assert seed <= gold


def test_precision_recall_and_verbatim_on_the_seeds(shared):
    fw = load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")
    gold = read_gold(GOLD)
    scores = []
    for doc in sorted({g.document for g in gold}):
        text = shared("seeds", f"{doc}.txt").read_text(encoding="utf-8")
        scores.append(score_document(doc, text, extract_text(text, fw).proposals, gold))
    o = total(scores)
    assert o.gold == 55
    assert o.precision >= 0.95, o.wrong
    assert o.recall >= 0.90, o.missed
    assert o.verbatim_share == 1.0
    city = next(s for s in scores if s.document.startswith("001"))
    assert city.tp == 0 and city.fp == 0  # the city report: nothing passes as a district figure


def _p(figure, value, flags=(), quote="共1件"):
    return Proposal(figure, "", value, "件", "1件", quote, 0, quote, 0, "2020", tuple(flags), 0.9, False, 0)


def test_scoring_rules_by_hand():
    gold = [GoldRow("d", "gold", "a", 1.0, (), "q"), GoldRow("d", "gold", "b", 2.0, (), "q"),
            GoldRow("d", "negative", "c", 3.0, ("other_entity",), "q"),
            GoldRow("d", "negative", "e", 5.0, (), "q")]
    props = [_p("a", 1.0), _p("c", 3.0, ["other_entity"]), _p("e", 5.0, ["lower_bound"]), _p("b", 9.0)]
    s = score_document("d", "共1件", props, gold)
    assert (s.tp, s.fp, s.flagged_negatives, s.gold) == (1, 2, 1, 2)
    assert s.precision == pytest.approx(1 / 3) and s.recall == 0.5 and s.verbatim_share == 1.0
    assert score_document("d", "y", [_p("a", 1.0)], gold).verbatim_share == 0.0
