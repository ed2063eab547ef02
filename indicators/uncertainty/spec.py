"""The uncertainty spec: which methodology choices are uncertain (:class:`Choice`) and which weights
are perturbed (:class:`WeightNoise`), as a plain YAML-able :class:`UncertaintySpec`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import MethodologyError
from ..framework import Framework
from ..io import read_yaml
from ..methodology import Methodology, Step

#: Methodology fields a :class:`Choice` can vary.
FIELDS = ("impute", "treat", "normalise", "weights", "aggregate", "missing", "exclude")
_DATA_FIELDS = ("impute", "treat", "normalise")
_LEVEL_FIELDS = ("aggregate", "missing")
Design = Literal["montecarlo", "sobol"]


# ------------------------------------------------------------------------------------------------
# the spec


@dataclass(frozen=True)
class Choice:
    """An uncertain methodology choice: ``field`` takes one of ``options``, equally likely.

    Parameters
    ----------
    name : str
        Label of the input in tables and charts.
    field : str
        One of :data:`FIELDS`.
    options : sequence
        Steps (a method name or ``{method, params}``) for the step fields; lists of indicator
        codes for ``exclude`` (``[]`` = keep every indicator).
    levels : sequence of int, optional
        For ``aggregate`` and ``missing``: the aggregate levels an option applies to (default:
        every level, replacing any per-level setting of the methodology).
    """

    name: str
    field: str
    options: tuple[Any, ...]
    levels: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.field not in FIELDS:
            close = difflib.get_close_matches(str(self.field), FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise MethodologyError(f"input {self.name!r}: unknown field {self.field!r}{hint}; "
                                   f"choose one of {', '.join(FIELDS)}")
        opts = tuple(self.options)
        if not opts:
            raise MethodologyError(f"input {self.name!r}: give at least one option")
        if self.field == "exclude":
            conv = []
            for o in opts:
                if isinstance(o, str) or not isinstance(o, Sequence):
                    raise MethodologyError(f"input {self.name!r}: exclude options are lists of indicator codes, "
                                           f"got {o!r}")
                conv.append(tuple(str(c) for c in o))
            opts = tuple(conv)
        else:
            opts = tuple(Step.from_any(o, f"input {self.name!r} option {i + 1}") for i, o in enumerate(opts))
        object.__setattr__(self, "options", opts)
        lv = tuple(int(v) for v in self.levels)
        if lv and self.field not in _LEVEL_FIELDS:
            raise MethodologyError(f"input {self.name!r}: levels only apply to aggregate and missing choices")
        object.__setattr__(self, "levels", lv)

    @classmethod
    def over_param(cls, name: str, field: str, method: str, param: str, values: Sequence[Any],
                   params: Mapping[str, Any] | None = None) -> Choice:
        """Options that differ in one parameter, e.g. winsorisation limits 1–5."""
        return cls(name, field, tuple(Step(method, {**dict(params or {}), param: v}) for v in values))

    def label(self, i: int) -> str:
        """Short text of option ``i`` for tables."""
        o = self.options[i]
        if self.field == "exclude":
            return "none" if not o else "−" + ",".join(o)
        ps = ", ".join(f"{k}={v}" for k, v in o.params.items())
        return f"{o.method}({ps})" if ps else o.method

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "field": self.field}
        out["options"] = [list(o) if self.field == "exclude" else o.to_dict() for o in self.options]
        if self.levels:
            out["levels"] = list(self.levels)
        return out


@dataclass(frozen=True)
class WeightNoise:
    """Multiplicative noise on weights: ``w · (1 + U(−noise, +noise))``, then rescaled per parent.

    Parameters
    ----------
    name : str
    noise : float
        Half-width of the relative perturbation, in [0, 1) (0.25 = ±25 %).
    levels : sequence of int
        Levels of the perturbed nodes (1 = indicators, 2 = dimensions, ...).
    parents : sequence of str
        Or: perturb the children of these aggregates (both may be given; the union is used).
    sets : int, optional
        ``None``: fresh noise for every replication and node. ``k``: draw ``k`` noisy weight sets
        once; each replication picks one (a single discrete factor, as in COINr).
    """

    name: str
    noise: float
    levels: tuple[int, ...] = ()
    parents: tuple[str, ...] = ()
    sets: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(int(v) for v in self.levels))
        object.__setattr__(self, "parents", tuple(str(p) for p in self.parents))
        if isinstance(self.noise, bool) or not isinstance(self.noise, int | float) or not 0 <= self.noise < 1:
            raise MethodologyError(f"input {self.name!r}: noise must be a number in [0, 1), got {self.noise!r}")
        if not self.levels and not self.parents:
            raise MethodologyError(f"input {self.name!r}: give the levels or parents whose weights are perturbed")
        if self.sets is not None and (isinstance(self.sets, bool) or not isinstance(self.sets, int)
                                      or self.sets < 1):
            raise MethodologyError(f"input {self.name!r}: sets must be a positive integer or null, got {self.sets!r}")

    def nodes(self, framework: Framework) -> list[str]:
        """Perturbed nodes, in framework order."""
        return [c for c, n in framework.nodes.items() if c != framework.root
                and (n.level in self.levels or n.parent in self.parents)]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "noise": self.noise}
        if self.levels:
            out["levels"] = list(self.levels)
        if self.parents:
            out["parents"] = list(self.parents)
        out["sets"] = self.sets
        return out


Input = Choice | WeightNoise


@dataclass(frozen=True)
class UncertaintySpec:
    """The uncertain inputs of an analysis (a plain list; converts to and from a dict / YAML)."""

    inputs: tuple[Input, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        names = [i.name for i in self.inputs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise MethodologyError(f"uncertainty spec: duplicate input names {dup}")
        if not self.inputs:
            raise MethodologyError("uncertainty spec: declare at least one input")

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.inputs]

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": [i.to_dict() for i in self.inputs]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UncertaintySpec:
        """Build from ``{"inputs": [...]}``; a choice may give ``method``, ``param``, ``values``
        (and optional ``params``) instead of ``options``."""
        if not isinstance(data, Mapping) or set(data) - {"inputs"} or not isinstance(data.get("inputs"), list):
            raise MethodologyError("uncertainty spec: expected a mapping {inputs: [...]}")
        inputs: list[Input] = []
        problems = []
        for pos, item in enumerate(data["inputs"], start=1):
            try:
                inputs.append(_input_from_dict(item, pos))
            except MethodologyError as exc:
                problems.extend(exc.problems or [exc.summary])
        if problems:
            raise MethodologyError("uncertainty spec is invalid", problems)
        return cls(tuple(inputs))

    def to_yaml(self) -> str:
        from ..configfile import dump_config

        return dump_config(self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> UncertaintySpec:
        """Read a YAML spec file."""
        path = Path(path)
        data = read_yaml(path, "uncertainty spec", MethodologyError)
        try:
            return cls.from_dict(data)
        except MethodologyError as exc:
            raise MethodologyError(f"{path.name}: {exc.summary}", exc.problems) from None

    def validate(self, framework: Framework, methodology: Methodology) -> None:
        """Check every option against its registry and the framework; raise listing all problems."""
        problems: list[str] = []
        levels = {n.level for n in framework.nodes.values() if not n.is_indicator}
        seen: dict[tuple[str, int | None], str] = {}
        for inp in self.inputs:  # one choice per field (per level for aggregate and missing)
            if not isinstance(inp, Choice):
                continue
            slots = ([(inp.field, lv) for lv in (inp.levels or sorted(levels))] if inp.field in _LEVEL_FIELDS
                     else [(inp.field, None)])
            clash = next(((seen[s], s) for s in slots if s in seen), None)
            if clash:
                where = f" at level {clash[1][1]}" if clash[1][1] is not None else ""
                problems.append(f"inputs {clash[0]!r} and {inp.name!r} both choose {inp.field}{where}; "
                                "merge their options into one choice")
            seen.update(dict.fromkeys(slots, inp.name))
        for inp in self.inputs:
            where = f"input {inp.name!r}"
            if isinstance(inp, WeightNoise):
                bad = [lv for lv in inp.levels if lv >= framework.max_level or lv < 1]
                if bad:
                    problems.append(f"{where}: no weighted nodes at level(s) {bad}; levels are "
                                    f"1..{framework.max_level - 1}")
                for p in inp.parents:
                    if p not in framework.nodes or framework.nodes[p].is_indicator:
                        problems.append(f"{where}: {p!r} is not an aggregate of {framework.id}")
                continue
            for lv in inp.levels:
                if lv not in levels:
                    problems.append(f"{where}: level {lv} has no aggregates; levels are {sorted(levels)}")
            for i, opt in enumerate(inp.options):
                if inp.field == "exclude":
                    unknown = [c for c in opt if c not in framework.indicators]
                    if unknown:
                        problems.append(f"{where} option {i + 1}: not indicators of {framework.id}: {unknown}")
                    continue
                trial = methodology.replace(**{inp.field: opt})
                try:
                    trial.validate(framework)
                except MethodologyError as exc:
                    problems.extend(f"{where} option {i + 1}: {p}" for p in (exc.problems or [exc.summary]))
        if problems:
            raise MethodologyError("uncertainty spec does not fit the framework and methodology", problems)


def _input_from_dict(item: Any, pos: int) -> Input:
    where = f"inputs[{pos}]"
    if not isinstance(item, Mapping) or "name" not in item:
        raise MethodologyError(f"{where}: each input is a mapping with a name")
    where = f"{where} ({item['name']!r})"
    if "noise" in item:
        allowed = {"name", "noise", "levels", "parents", "sets"}
        extra = sorted(set(item) - allowed)
        if extra:
            raise MethodologyError(f"{where}: unknown key(s) {extra}; a weight-noise input has {sorted(allowed)}")
        return WeightNoise(str(item["name"]), item["noise"], tuple(item.get("levels") or ()),
                           tuple(item.get("parents") or ()), item.get("sets"))
    allowed = {"name", "field", "options", "levels", "method", "param", "values", "params"}
    extra = sorted(set(item) - allowed)
    if extra:
        raise MethodologyError(f"{where}: unknown key(s) {extra}; a choice has {sorted(allowed)} "
                               "(or noise/levels/parents/sets for weight noise)")
    if "field" not in item:
        raise MethodologyError(f"{where}: a choice needs 'field' (one of {', '.join(FIELDS)})")
    if "options" in item:
        if {"method", "param", "values"} & set(item):
            raise MethodologyError(f"{where}: give either 'options' or 'method'/'param'/'values'")
        return Choice(str(item["name"]), str(item["field"]), tuple(item["options"] or ()),
                      tuple(item.get("levels") or ()))
    if not {"method", "param", "values"} <= set(item):
        raise MethodologyError(f"{where}: give 'options', or 'method', 'param' and 'values'")
    ch = Choice.over_param(str(item["name"]), str(item["field"]), str(item["method"]), str(item["param"]),
                           list(item["values"]), item.get("params"))
    return Choice(ch.name, ch.field, ch.options, tuple(item.get("levels") or ()))

