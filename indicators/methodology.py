"""Methodologies: how indicators are combined — named steps chosen from registries.

A :class:`Methodology` is a frozen value, separate from the framework (what is measured). It
converts to and from a plain dict (so it travels as a papermill parameter and is saved beside every
result) and to YAML files in ``data/methodologies/``. :meth:`Methodology.validate` resolves every
method name in its registry and binds parameters to the method's signature before anything is
computed, reporting every problem at once.

A methodology loaded from a file (:func:`load_methodology`) privately keeps where each of its keys
is in that file (:class:`~indicators.configfile.SourceMarks`), so every problem found then or later
— in :meth:`Methodology.validate` against a framework — names the file, line and key. The marks are
not a field: equality, hashing and :meth:`Methodology.to_dict` ignore them, and a modified copy
(:meth:`Methodology.replace`) drops them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import MethodologyError
from .registry import Step
from .steps import OPTIONAL_STEP_KEYS as _OPTIONAL_STEP_KEYS
from .steps import OVERRIDE_KEYS as _OVERRIDE_KEYS
from .steps import STEP_KEYS as _STEP_KEYS
from .steps import methodology_steps, step_kind

__all__ = ["DEFAULT_GRADES", "GradeBand", "Methodology", "Step", "as_methodology", "load_methodology"]

# Steps in _OPTIONAL_STEP_KEYS (see indicators.steps) are written by Methodology.to_dict only when
# they do something, so the content hash of a methodology that predates them is unchanged.
_KEYS = {"name", "description", *_STEP_KEYS, *_OPTIONAL_STEP_KEYS, *_OVERRIDE_KEYS, "grades", "exclude"}


@dataclass(frozen=True)
class GradeBand:
    """A grade band (等次): scores at or above ``min`` get this grade (bands checked top-down)."""

    min: float
    zh: str
    en: str


DEFAULT_GRADES = (
    GradeBand(90, "优秀", "Excellent"),
    GradeBand(80, "良好", "Good"),
    GradeBand(60, "合格", "Pass"),
    GradeBand(float("-inf"), "不合格", "Fail"),
)


@dataclass(frozen=True)
class Methodology:
    """A named recipe: denominate → impute → treat → normalise → weights → aggregate, plus grades.

    ``screen`` drops district-years with too little data, before or after imputing (its
    ``stage`` parameter); ``denominate`` divides indicators by the denominators the framework
    declares; ``unsubmitted`` says whether an unsubmitted item is skipped (``redistribute``) or
    scores 0 (``zero``); ``grading`` says when a district-year is graded at all
    (:mod:`indicators.grading`). Left at their defaults they are left out of :meth:`to_dict`, so
    the content hash of an older methodology is unchanged.
    """

    name: str = "baseline"
    description: str = ""
    impute: Step = Step("none")
    treat: Step = Step("none")
    normalise: Step = Step("goalposts")
    normalise_overrides: Mapping[str, Step] = field(default_factory=dict)
    weights: Step = Step("expert")
    aggregate: Step = Step("arithmetic")
    aggregate_levels: Mapping[int, Step] = field(default_factory=dict)
    missing: Step = Step("skip", {"min_coverage": 0.0})
    missing_levels: Mapping[int, Step] = field(default_factory=dict)
    grades: tuple[GradeBand, ...] = DEFAULT_GRADES
    exclude: tuple[str, ...] = ()
    denominate: Step = Step("none")
    screen: Step = Step("none")
    unsubmitted: Step = Step("redistribute")
    grading: Step = Step("none")

    def __post_init__(self) -> None:
        # steps may be given as names or {method, params} dicts, here as in from_dict and replace
        for name in (*_OPTIONAL_STEP_KEYS, *_STEP_KEYS):
            object.__setattr__(self, name, Step.from_any(getattr(self, name), name))
        for name in ("normalise_overrides", "aggregate_levels", "missing_levels"):
            steps = {k: Step.from_any(v, f"{name}.{k}") for k, v in dict(getattr(self, name)).items()}
            object.__setattr__(self, name, MappingProxyType(steps))
        # bands as floats, so a methodology and its from_dict(to_dict()) copy hash alike (90 vs 90.0)
        bands = (GradeBand(float(g.min), g.zh, g.en) for g in self.grades)
        object.__setattr__(self, "grades", tuple(sorted(bands, key=lambda g: -g.min)))
        object.__setattr__(self, "exclude", tuple(self.exclude))

    # -- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON/YAML-able dict; ``Methodology.from_dict`` inverts it exactly."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        for key in _OPTIONAL_STEP_KEYS:
            step = getattr(self, key)
            if step != Step(step_kind(key).default):
                out[key] = step.to_dict()
        for key in _STEP_KEYS:
            out[key] = getattr(self, key).to_dict()
        if self.normalise_overrides:
            out["normalise_overrides"] = {k: s.to_dict() for k, s in self.normalise_overrides.items()}
        if self.aggregate_levels:
            out["aggregate_levels"] = {int(k): s.to_dict() for k, s in self.aggregate_levels.items()}
        if self.missing_levels:
            out["missing_levels"] = {int(k): s.to_dict() for k, s in self.missing_levels.items()}
        out["grades"] = [
            {"min": None if g.min == float("-inf") else g.min, "zh": g.zh, "en": g.en}
            for g in self.grades
        ]
        if self.exclude:
            out["exclude"] = list(self.exclude)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Methodology:
        """Build from a plain dict (as written by :meth:`to_dict` or read from YAML)."""
        if not isinstance(data, Mapping):
            raise MethodologyError(f"a methodology is a mapping, got {type(data).__name__}")
        unknown = set(data) - _KEYS
        if unknown:
            raise MethodologyError(
                f"methodology: unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(_KEYS))}"
            )
        kw: dict[str, Any] = {}
        problems: list[str] = []

        def step(value: Any, where: str) -> Step | None:
            try:
                return Step.from_any(value, where)
            except MethodologyError as exc:
                problems.append(exc.summary)
                return None

        def mapping(key: str) -> Mapping[Any, Any]:
            value = data[key] or {}
            if not isinstance(value, Mapping):
                problems.append(f"{key}: 应为映射 / must be a mapping of keys to steps, got {value!r}")
                return {}
            return value

        for key in ("name", "description"):
            if key in data:
                kw[key] = str(data[key])
        for key in (*_OPTIONAL_STEP_KEYS, *_STEP_KEYS):
            if key in data and (s := step(data[key], key)) is not None:
                kw[key] = s
        if "normalise_overrides" in data:
            kw["normalise_overrides"] = {
                str(k): s for k, v in mapping("normalise_overrides").items()
                if (s := step(v, f"normalise_overrides.{k}")) is not None
            }
        for key in ("aggregate_levels", "missing_levels"):
            if key in data:
                levels = {}
                for k, v in mapping(key).items():
                    try:
                        lvl = _level(k, f"{key}.{k}")
                    except MethodologyError as exc:
                        problems.append(exc.summary)
                        continue
                    if (s := step(v, f"{key}.{k}")) is not None:
                        levels[lvl] = s
                kw[key] = levels
        if "grades" in data:
            bands = []
            grades = data["grades"] or []
            if not isinstance(grades, list):
                problems.append(f"grades: 应为列表 / must be a list of bands, got {grades!r}")
                grades = []
            for i, g in enumerate(grades):
                try:
                    lo = float("-inf") if g.get("min") is None else float(g["min"])
                    if isinstance(g.get("min"), bool) or math.isnan(lo) or lo == float("inf"):
                        raise ValueError
                    bands.append(GradeBand(lo, str(g["zh"]), str(g["en"])))
                except (AttributeError, KeyError, TypeError, ValueError):
                    problems.append(
                        f"grades[{i}]: each band is {{min: finite number or null, zh: ..., en: ...}}, got {g!r}"
                    )
            kw["grades"] = tuple(bands)
        if "exclude" in data:
            exclude = data["exclude"] or ()
            if isinstance(exclude, str) or not isinstance(exclude, list | tuple):
                problems.append(f"exclude: 应为指标代码列表 / must be a list of indicator codes, got {exclude!r}")
                exclude = ()
            kw["exclude"] = tuple(str(c) for c in exclude)
        if problems:
            raise MethodologyError("方法无效 / methodology is invalid", problems)
        return cls(**kw)

    def to_yaml(self) -> str:
        """YAML text of :meth:`to_dict` (Chinese kept readable)."""
        from .configfile import dump_config

        return dump_config(self.to_dict())

    def save(self, path: str | Path) -> Path:
        """Write the methodology to a YAML file atomically; return the path."""
        from .io import atomic_write_text

        return atomic_write_text(Path(path), self.to_yaml())

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`to_dict` (name and description excluded)."""
        d = self.to_dict()
        d.pop("name", None)
        d.pop("description", None)
        return hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def replace(self, **changes: Any) -> Methodology:
        """A modified copy (steps may be given as names or dicts)."""
        for key in (*_OPTIONAL_STEP_KEYS, *_STEP_KEYS):
            if key in changes:
                changes[key] = Step.from_any(changes[key], key)
        return replace(self, **changes)

    # -- validation ---------------------------------------------------------------------------
    def validate(self, framework: Any | None = None) -> None:
        """Resolve every method in its registry and bind its parameters; raise listing all problems."""
        problems: list[str] = []
        for where, kind, step, _scope in methodology_steps(self):
            try:
                kind.registry.get(step.method).bind(step.params, where=f"{where}: ")
            except MethodologyError as exc:
                problems.extend(exc.problems or [f"{where}: {exc.summary}"])
        from .screen import STAGES

        stage = self.screen.params.get("stage", STAGES[0])
        if stage not in STAGES:
            problems.append(f"screen: stage must be one of {', '.join(STAGES)}, got {stage!r}")
        if not self.grades or self.grades[-1].min != float("-inf"):
            problems.append("grades: the lowest band needs min: null so every score gets a grade "
                            "(e.g. {min: null, zh: 不合格, en: Fail})")
        if framework is not None:
            for code in self.normalise_overrides:
                if code not in framework.indicators:
                    problems.append(f"normalise_overrides.{code}: {code!r} is not an indicator of {framework.id}")
            levels = {n.level for n in framework.nodes.values() if not n.is_indicator}
            for key in ("aggregate_levels", "missing_levels"):
                for lvl in getattr(self, key):
                    if lvl not in levels:
                        problems.append(f"{key}.{lvl}: level {lvl} has no aggregates; levels are {sorted(levels)}")
            names = {g.zh for g in self.grades} | {g.en for g in self.grades}
            for v in getattr(framework, "veto", ()):
                if v.cap_grade not in names:
                    problems.append(f"veto {v.id!r} of {framework.id}: cap_grade {v.cap_grade!r} is not a grade band "
                                    f"of this methodology; bands: {', '.join(g.zh for g in self.grades)}")
            for i, code in enumerate(self.exclude):
                if code not in framework.indicators:
                    problems.append(f"exclude[{i}]: {code!r} is not an indicator of {framework.id}")
            if self.denominate.method == "declared":
                from .denominate import denominators_used

                try:
                    denominators_used(framework, by=self.denominate.params.get("by"))
                except MethodologyError as exc:
                    problems.extend(f"denominate: {p}" for p in exc.problems)
        if problems:
            marks = self.__dict__.get("_marks")
            if marks is not None:  # loaded from a file: name its line for each problem
                raise MethodologyError(f"方法文件无效 / methodology {self.name!r} is invalid ({marks.name})",
                                       marks.locate_all(problems))
            raise MethodologyError(f"方法无效 / methodology {self.name!r} is invalid", problems)


def _level(key: Any, where: str) -> int:
    try:
        return int(key)
    except (TypeError, ValueError):
        raise MethodologyError(f"{where}: level keys are integers (2 = dimensions), got {key!r}") from None


def as_methodology(value: Methodology | Mapping[str, Any] | str | Path | None,
                   default: Methodology | None = None) -> Methodology:
    """A :class:`Methodology` from itself, its dict (``to_dict()``) or a YAML path.

    ``None`` gives ``default`` (the built-in default methodology when that is None too). The one
    conversion every caller uses, so a methodology given in any form means the same everywhere.
    """
    if value is None:
        return default if default is not None else Methodology()
    if isinstance(value, Methodology):
        return value
    if isinstance(value, Mapping):
        return Methodology.from_dict(value)
    if isinstance(value, str | Path):
        return load_methodology(value)
    raise MethodologyError("a methodology is a Methodology, its dict (to_dict()), a YAML path or None; "
                           f"got {type(value).__name__}")


def load_methodology(path: str | Path) -> Methodology:
    """Read and validate a methodology YAML file; every problem names the file, line and key.

    The file is parsed strictly (:func:`indicators.configfile.read_config_yaml`) and its key lines
    are kept on the returned value (not a field), so :meth:`Methodology.validate` against a
    framework later still names them.
    """
    from .configfile import read_config_yaml

    path = Path(path)
    data, marks = read_config_yaml(path, "methodology file", MethodologyError)
    try:
        meth = Methodology.from_dict(data)
    except MethodologyError as exc:
        raise MethodologyError(f"{path.name}: {exc.summary}", marks.locate_all(exc.problems)) from None
    object.__setattr__(meth, "_marks", marks)
    meth.validate()
    return meth
