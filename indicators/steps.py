"""The step table: every kind of methodology step, its registry, pipeline order and bilingual label.

One row per step kind, in pipeline order (denominate → screen → impute → treat → normalise →
unsubmitted → weights → aggregate → missing → grading).
:meth:`Methodology.validate <indicators.methodology.Methodology.validate>`,
the pipeline, ``rolindex methods`` and the reports' methodology note all read this table, so a new
step kind is added here once; a new method registers itself (with its own bilingual label) in its
kind's registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .aggregate import AGGREGATORS, MISSING_POLICIES
from .denominate import DENOMINATORS
from .grading import GRADING, UNSUBMITTED
from .impute import IMPUTERS
from .normalise import NORMALISERS
from .registry import Registry, Step
from .scoring import SCORING_RULES
from .screen import SCREENS
from .treat_step import TREATMENTS
from .weights import WEIGHTERS


@dataclass(frozen=True)
class StepKind:
    """One kind of step: its methodology key, registry, bilingual label and where overrides live.

    ``optional`` steps are written by ``Methodology.to_dict`` only when they do something (their
    method is not ``default``, ``none`` for most); ``overrides`` names the methodology field holding per-indicator or
    per-level steps of this kind (``normalise_overrides``, ``aggregate_levels``, ...).
    """

    key: str
    registry: Registry
    zh: str
    en: str
    optional: bool = False
    overrides: str = ""
    default: str = "none"

    @property
    def order(self) -> int:
        """Position in the pipeline (0 = first)."""
        return STEPS.index(self)


#: Methodology steps in pipeline order.
STEPS: tuple[StepKind, ...] = (
    StepKind("denominate", DENOMINATORS, "分母换算", "Denomination", optional=True),
    StepKind("screen", SCREENS, "数据筛查", "Screening", optional=True),
    StepKind("impute", IMPUTERS, "缺失值插补", "Imputation"),
    StepKind("treat", TREATMENTS, "异常值处理", "Outlier treatment"),
    StepKind("normalise", NORMALISERS, "标准化", "Normalisation", overrides="normalise_overrides"),
    StepKind("unsubmitted", UNSUBMITTED, "未报送项计分", "Unsubmitted items", optional=True,
             default="redistribute"),
    StepKind("weights", WEIGHTERS, "权重", "Weights"),
    StepKind("aggregate", AGGREGATORS, "加总", "Aggregation", overrides="aggregate_levels"),
    StepKind("missing", MISSING_POLICIES, "缺失数据规则", "Missing-data rule", overrides="missing_levels"),
    StepKind("grading", GRADING, "评定等次规则", "Grading rule", optional=True),
)

#: Registries used inside a step rather than as one (per-indicator scoring rules of ``normalise:
#: scoring_rules``), listed by ``rolindex methods`` after the steps.
PARTS: tuple[StepKind, ...] = (
    StepKind("scoring_rules", SCORING_RULES, "评分细则", "Scoring rules"),
)

_BY_KEY = {k.key: k for k in (*STEPS, *PARTS)}

#: Keys of the steps every methodology writes, and of those written only when used.
STEP_KEYS: tuple[str, ...] = tuple(k.key for k in STEPS if not k.optional)
OPTIONAL_STEP_KEYS: tuple[str, ...] = tuple(k.key for k in STEPS if k.optional)
OVERRIDE_KEYS: tuple[str, ...] = tuple(k.overrides for k in STEPS if k.overrides)


def step_kind(key: str) -> StepKind:
    """The row of the step table for ``key`` (``"normalise"``, ``"weights"``, ...)."""
    return _BY_KEY[key]


def methodology_steps(meth: Any, *, used_only: bool = False) -> Iterator[tuple[str, StepKind, Step, str]]:
    """``(key path, kind, step, scope)`` of every step of a methodology, overrides after each kind.

    The key path is where the step sits in the methodology file (``"aggregate_levels.2"``); the
    scope says what an override applies to (an indicator code or ``"level 2"``). ``used_only``
    leaves out optional steps left at their default (``none``; ``redistribute`` for unsubmitted).
    """
    for kind in STEPS:
        step = getattr(meth, kind.key)
        if not (used_only and kind.optional and step.method == kind.default):
            yield kind.key, kind, step, ""
    for kind in STEPS:
        if kind.overrides:
            for k, s in getattr(meth, kind.overrides).items():
                scope = f"level {k}" if kind.overrides.endswith("_levels") else str(k)
                yield f"{kind.overrides}.{k}", kind, s, scope
