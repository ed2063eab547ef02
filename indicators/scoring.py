"""评分细则 scoring rules: the way Chinese assessments turn an indicator into points.

Each rule maps an indicator's value (natural units) to a score on [0, 100] and is declared per
indicator in the framework (``scoring: {rule: target_linear, target: 0.9, zero_at: 0.4}``), so the
parameters belong to the indicator. Rules take the indicator's direction (+1 / −1) so that
"at or below target" works for rates where lower is better.

References: framework brief, "Scoring practice the framework must be able to express":
"达到100%得满分", "每少一次扣0.5分，累计扣分不超过1.2分", "全扣全得".
"""

from __future__ import annotations

import numpy as np

from .registry import Registry

SCORING_RULES = Registry("scoring rule")

_EPS = 1e-12  # rates like 12/12 are exact, but 0.1 + 0.2 style noise must not cost full points


@SCORING_RULES.register("target_linear", zh="达到目标得满分，零分点以下不得分，其间线性")
def target_linear(x: np.ndarray, direction: int, *, target: float, zero_at: float) -> np.ndarray:
    """Full points at or beyond ``target``, 0 at or beyond ``zero_at``, linear in between.

    ``score = 100 * clip((x - zero_at) / (target - zero_at), 0, 1)``; the same formula serves
    both directions (for a − indicator ``target < zero_at``).
    """
    if target == zero_at:
        raise ValueError("target_linear: target and zero_at must differ")
    with np.errstate(invalid="ignore"):
        return 100.0 * np.clip((x - zero_at) / (target - zero_at), 0.0, 1.0)


@SCORING_RULES.register("linear", zh="在上下限之间线性赋分")
def linear(x: np.ndarray, direction: int, *, lower: float, upper: float) -> np.ndarray:
    """Min-max on fixed bounds (goalposts) with clipping; direction − scores ``upper`` as 0."""
    if not lower < upper:
        raise ValueError("linear: lower must be below upper")
    with np.errstate(invalid="ignore"):
        s = (x - lower) / (upper - lower)
        if direction < 0:
            s = 1.0 - s
        return 100.0 * np.clip(s, 0.0, 1.0)


@SCORING_RULES.register("target_stepped", zh="按达成目标的档次赋分")
def target_stepped(
    x: np.ndarray, direction: int, *, steps: list, below: float = 0.0
) -> np.ndarray:
    """Stepped points: the best step whose threshold is met (x ≥ t, or x ≤ t for −), else ``below``.

    ``steps`` is a list of ``[threshold, points]`` with points on the 0–100 scale.
    """
    if not all(0.0 <= float(p) <= 100.0 for _, p in steps) or not 0.0 <= float(below) <= 100.0:
        raise ValueError("target_stepped: points and below must be on the 0–100 scale")
    out = np.full(np.shape(x), float(below))
    met_any = np.zeros(np.shape(x), dtype=bool)
    for threshold, points in sorted(steps, key=lambda s: s[1]):
        met = (x >= threshold - _EPS) if direction > 0 else (x <= threshold + _EPS)
        out = np.where(met, float(points), out)
        met_any |= met
    return np.where(np.isnan(x), np.nan, out)


@SCORING_RULES.register("deduction", zh="按次扣分")
def deduction(
    x: np.ndarray, direction: int, *, threshold: float, per_unit: float, cap: float, points: float
) -> np.ndarray:
    """Per-shortfall deductions with a cap: "每少一次扣 per_unit 分，累计扣分不超过 cap 分".

    Shortfall is ``threshold − x`` (or ``x − threshold`` for −), floored at 0; the item is worth
    ``points`` and scores ``100 * (points − min(cap, points, per_unit * shortfall)) / points``: an
    item never loses more than it is worth, so a cap above ``points`` cannot score below 0.
    """
    if points <= 0 or cap < 0 or per_unit < 0:
        raise ValueError("deduction: points must be > 0, cap and per_unit >= 0")
    short = np.maximum(0.0, (threshold - x) if direction > 0 else (x - threshold))
    lost = np.minimum(min(cap, points), per_unit * short)
    return np.clip(100.0 * (points - lost) / points, 0.0, 100.0)  # 100 * p / p can be 100 + 1ulp


@SCORING_RULES.register("all_or_nothing", zh="达标得满分，否则不得分")
def all_or_nothing(x: np.ndarray, direction: int, *, threshold: float) -> np.ndarray:
    """全扣全得: 100 if the threshold is met (x ≥ t, or x ≤ t for −), otherwise 0."""
    met = (x >= threshold - _EPS) if direction > 0 else (x <= threshold + _EPS)
    return np.where(np.isnan(x), np.nan, np.where(met, 100.0, 0.0))
