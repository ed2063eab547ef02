"""Combined weights (主客观组合赋权): a subjective and an objective weighting blended within each parent.

References: Ma, Fan & Huang (1999), *EJOR* 112(2), 397–404, https://doi.org/10.1016/S0377-2217(98)00141-6.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from ..errors import MethodologyError
from ..framework import Framework
from ..registry import Step
from ..tree import compile_tree
from .base import (
    WEIGHTERS,
    ExplainedWeights,
    normalise_within_parents,
    rest_weights,
    split_explain,
)
from .objective import combine


@WEIGHTERS.register("combined", zh="主客观组合赋权")
def combined(
    framework: Framework,
    data: pd.DataFrame,
    *,
    subjective: str | Mapping[str, Any],
    objective: str | Mapping[str, Any],
    alpha: float | None = 0.5,
    method: Literal["additive", "multiplicative"] = "additive",
) -> ExplainedWeights:
    """Subjective and objective weights blended within each parent (主客观组合赋权).

    ``subjective`` and ``objective`` are weight steps (a name, or ``{method, params}``), e.g.
    ``{method: ahp, params: {judgements: ...}}`` and ``{method: entropy}``. Each is rescaled within
    every parent, then ``α · w_subj + (1 − α) · w_obj`` (``method="additive"``) or the normalised
    product (``"multiplicative"``, no α) — :func:`indicators.weights.objective.combine`.

    References
    ----------
    Ma, Fan & Huang (1999), *EJOR* 112(2), 397–404, https://doi.org/10.1016/S0377-2217(98)00141-6.
    """
    parts = {}
    for role, spec in (("subjective", subjective), ("objective", objective)):
        step = Step.from_any(spec, f"weights.{role}")
        if step.method == "combined":
            raise MethodologyError(f"weights.{role}: cannot nest 'combined'")
        weighter = WEIGHTERS.get(step.method)
        raw, info = split_explain(weighter.func(framework, data, **weighter.bind(step.params,
                                                                                   where=f"weights.{role}: ")))
        parts[role] = (step, raw, info)
    active = set(compile_tree(framework, [c for c in framework.indicators if c in data.columns]).nodes)
    active.discard(framework.root)
    ws = normalise_within_parents(framework, parts["subjective"][1], active)
    wo = normalise_within_parents(framework, parts["objective"][1], active)
    raw = rest_weights(framework, "expert")
    rows = []
    for parent in framework.aggregates:
        kids = [c for c in framework.children(parent) if c in active]
        if not kids:
            continue
        w, _ = combine(ws[kids], wo[kids], alpha=alpha if method == "additive" else None, method=method)
        for k in kids:
            raw[k] = float(w[k])
            rows.append({"node": k, "parent": parent, "subjective": float(ws[k]), "objective": float(wo[k]),
                         "weight": float(w[k])})
    return ExplainedWeights(raw, {
        "method": "combined", "alpha": alpha, "combine": method, "table": pd.DataFrame(rows).set_index("node"),
        "subjective": {"step": parts["subjective"][0].to_dict(), **parts["subjective"][2]},
        "objective": {"step": parts["objective"][0].to_dict(), **parts["objective"][2]},
        "learned": raw.copy(),
    })

