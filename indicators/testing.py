"""Seeded toy fixtures shared by tests and notebooks: a five-indicator framework and its figures.

The toy framework is small enough to check by hand and exercises every feature of a framework::

    code  parent  points  formula                direction  goalposts   scoring rule
    T     -       -       (the index)
    A     T       60
    A1    A       2       closed / received      +          [0.5, 1.0]  target_linear 0.9 / 0.5
                          (reported: closure_rate)
    A2    A       1       lost / concluded       -          [0.0, 0.5]  deduction on `lost`
    B     T       40
    B1    B       1       per10k(events)         +          none        linear [0, 20]
    B2    B       1       satisfaction           +          [0.6, 1.0]  target_stepped
    B3    B       2       passed / takers        +          [0.0, 1.0]  all_or_nothing, due 2021

So the within-parent weights are A1 2/3, A2 1/3, B1 1/4, B2 1/4, B3 1/2, A 0.6, B 0.4, and the
effective weights A1 0.4, A2 0.2, B1 0.1, B2 0.1, B3 0.2. B1 has no goalposts: goalposts-based
methodologies pass :data:`TOY_BOUNDS` for it (see :func:`toy_methodology`).

Figures are generated from a seeded :class:`numpy.random.Generator`, so the same arguments always
give the same table; they stay inside the ranges a real district would report.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from .framework import Framework, framework_from_dict
from .methodology import Methodology

_TOY: dict[str, Any] = {
    "id": "toy",
    "version": "1",
    "name": {"zh": "玩具指数", "en": "Toy index"},
    "scale": 100,
    "figures": [
        {"id": "population", "zh": "常住人口", "en": "Population", "unit": "人", "kind": "count",
         "range": [1000, 50_000_000], "required": True},
        {"id": "received", "zh": "收案数", "en": "Cases received", "unit": "件", "kind": "count"},
        {"id": "closed", "zh": "结案数", "en": "Cases closed", "unit": "件", "kind": "count"},
        {"id": "closure_rate", "zh": "结案率（报告值）", "en": "Closure rate (reported)",
         "unit": "%", "kind": "rate"},
        {"id": "concluded", "zh": "诉讼结案数", "en": "Lawsuits concluded", "unit": "件",
         "kind": "count"},
        {"id": "lost", "zh": "败诉数", "en": "Lawsuits lost", "unit": "件", "kind": "count"},
        {"id": "events", "zh": "普法活动场次", "en": "Publicity events", "unit": "场",
         "kind": "count"},
        {"id": "satisfaction", "zh": "满意率", "en": "Satisfaction", "unit": "%", "kind": "rate"},
        {"id": "takers", "zh": "参考人数", "en": "Exam takers", "unit": "人", "kind": "count"},
        {"id": "passed", "zh": "合格人数", "en": "Exam passed", "unit": "人", "kind": "count"},
    ],
    "checks": [
        {"part": "closed", "whole": "received"},
        {"part": "lost", "whole": "concluded"},
        {"part": "passed", "whole": "takers"},
    ],
    "nodes": [
        {"code": "T", "zh": "玩具指数", "en": "Toy index"},
        {"code": "A", "parent": "T", "weight": 60, "zh": "维度甲", "en": "Dimension A"},
        {"code": "A1", "parent": "A", "weight": 2, "zh": "结案率", "en": "Closure rate",
         "unit": "%", "direction": "+", "formula": "closed / received",
         "reported": "closure_rate", "goalposts": [0.5, 1.0],
         "scoring": {"rule": "target_linear", "target": 0.9, "zero_at": 0.5}},
        {"code": "A2", "parent": "A", "weight": 1, "zh": "败诉率", "en": "Loss rate",
         "unit": "%", "direction": "-", "formula": "lost / concluded", "goalposts": [0.0, 0.5],
         "scoring": {"rule": "deduction", "basis": "lost", "threshold": 0, "per_unit": 0.5,
                     "cap": 1.2, "points": 2}},
        {"code": "B", "parent": "T", "weight": 40, "zh": "维度乙", "en": "Dimension B"},
        {"code": "B1", "parent": "B", "weight": 1, "zh": "每万人普法活动", "en": "Events per 10k",
         "unit": "场/万人", "direction": "+", "formula": "per10k(events)",
         "scoring": {"rule": "linear", "lower": 0, "upper": 20}},
        {"code": "B2", "parent": "B", "weight": 1, "zh": "满意率", "en": "Satisfaction",
         "unit": "%", "direction": "+", "formula": "satisfaction", "goalposts": [0.6, 1.0],
         "scoring": {"rule": "target_stepped", "steps": [[0.95, 100], [0.9, 80], [0.8, 60]],
                     "below": 0}},
        {"code": "B3", "parent": "B", "weight": 2, "zh": "考试合格率", "en": "Exam pass rate",
         "unit": "%", "direction": "+", "formula": "passed / takers", "goalposts": [0.0, 1.0],
         "scoring": {"rule": "all_or_nothing", "threshold": 1.0, "due": 2021}},
    ],
}

#: Bounds for B1 (the only toy indicator without goalposts), for goalposts-based methodologies.
TOY_BOUNDS = {"B1": [0.0, 20.0]}


def toy_framework_dict() -> dict[str, Any]:
    """A fresh deep copy of the toy framework's dict (edit it to build variants)."""
    return copy.deepcopy(_TOY)


def toy_framework(data: dict[str, Any] | None = None) -> Framework:
    """The toy framework (index → 2 dimensions → 5 indicators), or a variant built from ``data``."""
    return framework_from_dict(toy_framework_dict() if data is None else data, source="toy")


def toy_methodology(**changes: Any) -> Methodology:
    """Goalposts (B1 on :data:`TOY_BOUNDS`), expert weights, arithmetic means; plus ``changes``."""
    base = Methodology(name="toy").replace(
        normalise={"method": "goalposts", "params": {"bounds": TOY_BOUNDS}}
    )
    return base.replace(**changes) if changes else base


def toy_figures(
    seed: int = 0,
    n_districts: int = 6,
    years: tuple[int, ...] = (2020, 2021),
    missing_share: float = 0.0,
) -> pd.DataFrame:
    """Seeded raw figures of the toy framework: wide, indexed by (district, year), float columns.

    Districts are named ``"D01"``, ``"D02"``, …. ``missing_share`` is the share of cells (other
    than population) set to NaN at random. The reported ``closure_rate`` is only given where the
    counts are missing, as districts do. ``build_index`` accepts the frame directly.
    """
    if not 0.0 <= missing_share < 1.0:
        raise ValueError(f"missing_share must be in [0, 1), got {missing_share!r}")
    if n_districts < 1 or not years:
        raise ValueError("toy_figures needs at least one district and one year")
    rng = np.random.default_rng(seed)
    districts = [f"D{i:02d}" for i in range(1, n_districts + 1)]
    index = pd.MultiIndex.from_product([districts, list(years)], names=["district", "year"])
    n = len(index)
    received = rng.integers(20, 300, n).astype(float)
    concluded = rng.integers(20, 200, n).astype(float)
    takers = rng.integers(50, 500, n).astype(float)
    frame = pd.DataFrame(
        {
            "population": rng.integers(200_000, 1_500_000, n).astype(float),
            "received": received,
            "closed": np.floor(received * rng.uniform(0.5, 1.0, n)),
            "closure_rate": np.nan,
            "concluded": concluded,
            "lost": np.floor(concluded * rng.uniform(0.0, 0.3, n)),
            "events": rng.integers(10, 2_000, n).astype(float),
            "satisfaction": np.round(rng.uniform(0.7, 1.0, n), 4),
            "takers": takers,
            "passed": np.minimum(takers, np.floor(takers * rng.uniform(0.9, 1.02, n))),
        },
        index=index,
    )
    if missing_share > 0:
        cols = [c for c in frame.columns if c not in ("population", "closure_rate")]
        mask = rng.uniform(size=(n, len(cols))) < missing_share
        frame[cols] = frame[cols].mask(mask)
        # where the counts are missing, the district reports the closure rate instead
        gone = frame["closed"].isna() | frame["received"].isna()
        frame.loc[gone, "closure_rate"] = np.round(rng.uniform(0.5, 1.0, int(gone.sum())), 4)
    return frame.astype(float)


def toy_result(seed: int = 0, methodology: Methodology | None = None, **figure_kwargs: Any):
    """``build_index`` on :func:`toy_figures` with :func:`toy_methodology` (or ``methodology``)."""
    from .pipeline import build_index

    return build_index(
        toy_figures(seed, **figure_kwargs), toy_framework(), methodology or toy_methodology()
    )
