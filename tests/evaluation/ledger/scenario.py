"""A four-district scenario whose scores and ranks are worked out by hand (see the numbers below).

Framework: root ROL = mean of dimensions A and B (weight 1 each); A has one indicator a1 = figure
x_a1, B one indicator b1 = figure x_b1, both "+"; methodology: min-max to [0, 100] within the year,
arithmetic means (``coinr_minmax_amean``).

Version 1 (received 2025-01-10):        x_a1  x_b1   a1    b1    index  rank
    d1                                     0    90    0     90     45     4
    d2                                    40   100   40    100     70     1
    d3                                    70    40   70     40     55     2
    d4                                   100     0  100      0     50     3
(a1 = x_a1 / 100 · 100 as x_a1 spans 0..100; b1 likewise spans 0..100.)

Correction (d2 resubmits on 2025-02-01, x_a1 40 → 200): x_a1 now spans 0..200, a1 = x_a1 / 2:
    d1                                     0    90    0     90     45     2   (up 2, own figures unchanged)
    d2                                   200   100  100    100    100     1   (figures changed, rank kept)
    d3                                    70    40   35     40     37.5   3   (down 1, unchanged)
    d4                                   100     0   50      0     25     4   (down 1, unchanged)
"""

from __future__ import annotations

import datetime as dt

from indicators.framework import framework_from_dict

V1 = dt.datetime(2025, 1, 10, 9, 0)
V2 = dt.datetime(2025, 2, 1, 9, 0)
YEAR = 2024
FIGURES_V1 = {"d1": (0, 90), "d2": (40, 100), "d3": (70, 40), "d4": (100, 0)}
INDEX_V1 = {"d1": 45.0, "d2": 70.0, "d3": 55.0, "d4": 50.0}
RANK_V1 = {"d1": 4, "d2": 1, "d3": 2, "d4": 3}
INDEX_V2 = {"d1": 45.0, "d2": 100.0, "d3": 37.5, "d4": 25.0}
RANK_V2 = {"d1": 2, "d2": 1, "d3": 3, "d4": 4}
A1_V2_CHANGED = {"d2": (40.0, 100.0), "d3": (70.0, 35.0), "d4": (100.0, 50.0)}


def framework():
    """The two-dimension toy framework."""
    return framework_from_dict(FRAMEWORK)


FRAMEWORK = {
    "id": "toy_cycle", "version": "1", "name": {"zh": "玩具", "en": "toy"},
    "figures": [{"id": "x_a1", "zh": "甲", "en": "a", "kind": "count", "range": [0, None], "required": True},
                {"id": "x_b1", "zh": "乙", "en": "b", "kind": "count", "range": [0, None]}],
    "nodes": [{"code": "ROL", "zh": "根", "en": "root"},
              {"code": "A", "parent": "ROL", "weight": 1, "zh": "甲维", "en": "A"},
              {"code": "B", "parent": "ROL", "weight": 1, "zh": "乙维", "en": "B"},
              {"code": "a1", "parent": "A", "weight": 1, "zh": "a1", "en": "a1", "formula": "x_a1",
               "direction": "+"},
              {"code": "b1", "parent": "B", "weight": 1, "zh": "b1", "en": "b1", "formula": "x_b1",
               "direction": "+"}],
}


def methodology():
    """Min-max [0, 100] within the year, arithmetic means."""
    from evaluation import paths
    from indicators import load_methodology

    return load_methodology(paths.METHODOLOGIES / "coinr_minmax_amean.yaml")


def submission(fw, district: str, a: float, b: float, sha: str, status: str = "accepted", problems=()):
    """A NewSubmission of one district's two figures."""
    from evaluation.ledger.store import NewSubmission

    return NewSubmission(district, YEAR, fw.id, fw.version, fw.content_hash, "csv", f"{district}.csv", sha, status,
                         values=[{"figure": "x_a1", "text": str(a), "value": float(a)},
                                 {"figure": "x_b1", "text": str(b), "value": float(b)}],
                         problems=list(problems), district_name=f"区{district}")


def load(ledger):
    """Record version 1, a rejected return of d3 and d2's correction."""
    from evaluation.ledger.store import record_submission

    fw = framework()
    for d, (a, b) in FIGURES_V1.items():
        record_submission(ledger, submission(fw, d, a, b, f"sha-{d}-1"), "staff", received_at=V1)
    bad = submission(fw, "d3", -5, 40, "sha-d3-bad", "rejected",
                     [{"severity": "error", "message": "x_a1 = -5 is below 0", "figure": "x_a1", "row": 2}])
    record_submission(ledger, bad, "staff", received_at=V1 + dt.timedelta(days=3))
    record_submission(ledger, submission(fw, "d2", 200, 100, "sha-d2-2"), "李四", received_at=V2)
    return fw
