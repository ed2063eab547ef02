"""Weighting: a weight for every node relative to its siblings.

Registered in :data:`WEIGHTERS` as ``func(framework, data, **params) -> Series`` returning a raw
(non-negative) weight per non-root node; the pipeline rescales them to sum to 1 within each
parent. ``data`` is the normalised indicator table, for data-driven methods (entropy, PCA, …).
A weighter that learns something worth reporting (AHP consistency ratios, entropy values, PCA
variance explained) returns :class:`ExplainedWeights` instead of a bare Series; the pipeline puts
its ``explain`` into ``IndexResult.explain["weights"]`` (see :func:`split_explain`).

References: OECD/JRC (2008) Handbook §6 "Weighting and aggregation".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, MethodologyError
from ..framework import Framework
from ..registry import Registry

WEIGHTERS = Registry("weighter")


@dataclass(frozen=True)
class ExplainedWeights:
    """A weighter's raw weights together with what it learned (for ``IndexResult.explain``).

    ``raw`` is what a plain weighter returns (a raw weight per non-root node); ``explain`` is a
    plain mapping of tables and values (e.g. ``{"method": "ahp", "consistency": DataFrame}``).
    """

    raw: pd.Series
    explain: Mapping[str, Any] = field(default_factory=dict)


def split_explain(out: pd.Series | ExplainedWeights) -> tuple[pd.Series, Mapping[str, Any]]:
    """``(raw weights, explain)`` of a weighter's return value (explain is empty for a Series)."""
    if isinstance(out, ExplainedWeights):
        return out.raw, out.explain
    return out, {}


def _point_overrides(value: Any) -> str | None:
    """Overrides are ``{node: non-negative finite number}`` (or None)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return f"须为 {{节点: 分值}} / must be a mapping {{node: points}}, got {value!r}"
    bad = {k: v for k, v in value.items()
           if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0}
    if bad:
        shown = ", ".join(f"{k}={v!r}" for k, v in bad.items())
        return f"分值须为非负有限数 / points must be non-negative finite numbers, got {shown}"
    return None


@WEIGHTERS.register("expert", zh="专家权重（框架规定的分值）", checks={"overrides": _point_overrides})
def expert(
    framework: Framework, data: pd.DataFrame, *, overrides: Mapping[str, float] | None = None
) -> pd.Series:
    """Expert weights (points) declared in the framework, optionally overriding some nodes.

    ``overrides`` maps node codes to new points, e.g. ``{"D1": 25, "D2": 25}`` — what the weight
    tuning notebook saves.
    """
    w = pd.Series({c: n.weight for c, n in framework.nodes.items() if c != framework.root}, dtype=float)
    for code, value in (overrides or {}).items():
        if code not in w.index:
            raise MethodologyError(f"weights.overrides: {code!r} is not a node of {framework.id}")
        if not np.isfinite(value) or value < 0:
            raise MethodologyError(f"weights.overrides: {code} must be a non-negative number, got {value!r}")
        w[code] = float(value)
    return w


@WEIGHTERS.register("equal", zh="同一上级下各指标等权")
def equal(framework: Framework, data: pd.DataFrame) -> pd.Series:
    """Equal weights among the children of every node."""
    return pd.Series(1.0, index=[c for c in framework.nodes if c != framework.root])


def normalise_within_parents(framework: Framework, raw: pd.Series, active: set[str]) -> pd.Series:
    """Rescale raw weights to sum to 1 over the active children of each parent.

    Raises :class:`MethodologyError` naming every parent whose active children all weigh 0 (the
    framework forbids it; weight overrides or exclusions must not bring it back silently).
    """
    out = {}
    zero = []
    for parent in framework.aggregates:
        kids = [c for c in framework.children(parent) if c in active]
        total = float(sum(raw[c] for c in kids))
        if kids and not total > 0:
            zero.append(f"{parent}: children {', '.join(kids)} have total weight {total:g}")
        for c in kids:
            out[c] = raw[c] / total if total > 0 else np.nan
    if zero:
        raise MethodologyError("weights must give every aggregate a positive total", zero)
    return pd.Series(out, dtype=float)


# -- shared by the weighting methods -------------------------------------------------------
#: The project root (where ``data/`` lives): relative judgement paths are also looked up here.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

Rest = Literal["expert", "equal"]


def resolve_data_path(path: str | Path, what: str) -> Path:
    """A file named in a methodology: as given (relative to the working directory), else
    relative to the project root, so ``data/judgements/x.yaml`` works from anywhere."""
    p = Path(path)
    if p.is_file():
        return p
    if not p.is_absolute() and (PROJECT_ROOT / p).is_file():
        return PROJECT_ROOT / p
    tried = [str(p)] + ([] if p.is_absolute() else [str(PROJECT_ROOT / p)])
    raise MethodologyError(f"{what}: file {str(path)!r} not found (tried {', '.join(tried)})")


def rest_weights(framework: Framework, rest: str) -> pd.Series:
    """Weights of the nodes a method does not weight: the framework's expert points, or equal."""
    if rest == "expert":
        return pd.Series({c: n.weight for c, n in framework.nodes.items() if c != framework.root}, dtype=float)
    if rest == "equal":
        return pd.Series(1.0, index=[c for c in framework.nodes if c != framework.root])
    raise MethodologyError(f"weights: rest must be 'expert' or 'equal', got {rest!r}")


def year_rows(data: pd.DataFrame, year: int | None, method: str) -> pd.DataFrame:
    """The rows of one ``year`` (all rows when None) a data-driven method learns from."""
    if year is None:
        return data
    if "year" not in (data.index.names or []):
        raise DataError(f"weights {method}: year={year} needs data indexed by (district, year)")
    years = data.index.get_level_values("year")
    if year not in set(years):
        raise DataError(f"weights {method}: no rows for year {year}; years are {sorted(set(years))}")
    return data[years == year]


def weighted_levels(levels: Sequence[int] | int, method: str) -> list[int]:
    """The levels a method weights, checked (integers >= 1, 1 = indicators), sorted."""
    lv = [levels] if isinstance(levels, int) else list(levels)
    if not lv or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in lv):
        raise MethodologyError(f"weights {method}: levels must be integers >= 1 (1 = indicators), got {levels!r}")
    return sorted(set(lv))
