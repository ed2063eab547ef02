"""The uncertainty spec: which methodology choices are uncertain (:class:`Choice`) and which weights
are perturbed (:class:`WeightNoise`), as a plain YAML-able :class:`UncertaintySpec`.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..configfile import SourceMarks, read_config_yaml
from ..errors import MethodologyError
from ..framework import Framework
from ..methodology import Methodology, Step

#: Methodology fields a :class:`Choice` can vary.
FIELDS = ("impute", "treat", "normalise", "weights", "aggregate", "missing", "exclude")
_DATA_FIELDS = ("impute", "treat", "normalise")
_LEVEL_FIELDS = ("aggregate", "missing")
Design = Literal["montecarlo", "sobol"]


def _error(message: str, key: str | None = None) -> MethodologyError:
    """A spec error; ``key`` (``options.1``, ``levels``) says which key of the input it is about, so
    that a spec read from a file can name the line (see :meth:`UncertaintySpec.load`)."""
    exc = MethodologyError(message)
    exc.key = key  # type: ignore[attr-defined]
    return exc


def _ints(values: Any, what: str, name: str) -> tuple[int, ...]:
    """``values`` as whole numbers (levels), or a spec error naming the key."""
    if isinstance(values, str | Mapping) or not isinstance(values, Sequence):
        raise _error(f"input {name!r}: {what} must be a list of whole numbers, got {values!r}", what)
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) and not (isinstance(v, float)
                                                                           and v.is_integer()):
            raise _error(f"input {name!r}: {what} must be whole numbers, got {v!r}", what)
        out.append(int(v))
    return tuple(out)


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
            raise _error(f"input {self.name!r}: unknown field {self.field!r}{hint}; "
                         f"choose one of {', '.join(FIELDS)}", "field")
        if isinstance(self.options, str | Mapping) or not isinstance(self.options, Sequence):
            raise _error(f"input {self.name!r}: options must be a list, got {self.options!r}", "options")
        opts = tuple(self.options)
        if not opts:
            raise _error(f"input {self.name!r}: give at least one option", "options")
        if self.field == "exclude":
            conv = []
            for i, o in enumerate(opts):
                if isinstance(o, str) or not isinstance(o, Sequence):
                    raise _error(f"input {self.name!r}: exclude options are lists of indicator codes, "
                                 f"got {o!r}", f"options.{i}")
                conv.append(tuple(str(c) for c in o))
            opts = tuple(conv)
        else:
            steps = []
            for i, o in enumerate(opts):
                try:
                    steps.append(Step.from_any(o, f"input {self.name!r} option {i + 1}"))
                except MethodologyError as exc:
                    raise _error(str(exc), f"options.{i}") from None
            opts = tuple(steps)
        object.__setattr__(self, "options", opts)
        lv = _ints(self.levels, "levels", self.name)
        if lv and self.field not in _LEVEL_FIELDS:
            raise _error(f"input {self.name!r}: levels only apply to aggregate and missing choices", "levels")
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
        object.__setattr__(self, "levels", _ints(self.levels, "levels", self.name))
        if isinstance(self.parents, str | Mapping) or not isinstance(self.parents, Sequence):
            raise _error(f"input {self.name!r}: parents must be a list of aggregate codes, got {self.parents!r}",
                         "parents")
        object.__setattr__(self, "parents", tuple(str(p) for p in self.parents))
        if (isinstance(self.noise, bool) or not isinstance(self.noise, int | float)
                or not 0 <= self.noise < 1):  # NaN fails the comparison too
            raise _error(f"input {self.name!r}: noise must be a number in [0, 1), got {self.noise!r}", "noise")
        if not self.levels and not self.parents:
            raise _error(f"input {self.name!r}: give the levels or parents whose weights are perturbed")
        if self.sets is not None and (isinstance(self.sets, bool) or not isinstance(self.sets, int)
                                      or self.sets < 1):
            raise _error(f"input {self.name!r}: sets must be a positive integer or null, got {self.sets!r}", "sets")

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
    """The uncertain inputs of an analysis (a plain list; converts to and from a dict / YAML).

    ``source`` (set by :meth:`load`) says where each key of the file is, so that the problems
    :meth:`validate` finds name the file, line and key like methodology errors do.
    """

    inputs: tuple[Input, ...]
    source: SourceMarks | None = field(default=None, compare=False, repr=False)

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
        spec, problems = cls._parse(data)
        if spec is None:
            raise MethodologyError("uncertainty spec is invalid", [message for _, message in problems])
        return spec

    @classmethod
    def _parse(cls, data: Any, source: SourceMarks | None = None
               ) -> tuple[UncertaintySpec | None, list[tuple[str | None, str]]]:
        """The spec, or None and every problem as (dotted key path or None, message)."""
        if not isinstance(data, Mapping):
            return None, [(None, f"uncertainty spec: expected a mapping {{inputs: [...]}}, got "
                                 f"{type(data).__name__}")]
        problems: list[tuple[str | None, str]] = [
            (str(k), f"uncertainty spec: unknown key {k!r}; the spec has only 'inputs'")
            for k in data if k != "inputs"]
        items = data.get("inputs")
        if not isinstance(items, list) or not items:
            problems.append(("inputs" if "inputs" in data else None,
                             "uncertainty spec: expected a mapping {inputs: [...]} with at least one input"))
            return None, problems
        inputs: list[Input] = []
        first: dict[str, int] = {}
        for pos, item in enumerate(items, start=1):
            key = f"inputs.{pos - 1}"
            try:
                inp = _input_from_dict(item, pos)
            except MethodologyError as exc:
                sub = getattr(exc, "key", None)
                for p in exc.problems or [exc.summary]:
                    problems.append((f"{key}.{sub}" if sub else key, p))
                continue
            if inp.name in first:
                problems.append((f"{key}.name", f"inputs[{pos}]: duplicate input name {inp.name!r} (also "
                                                f"inputs[{first[inp.name]}]); give each input its own name"))
            first.setdefault(inp.name, pos)
            inputs.append(inp)
        if problems:
            return None, problems
        return cls(tuple(inputs), source), []

    def to_yaml(self) -> str:
        from ..configfile import dump_config

        return dump_config(self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> UncertaintySpec:
        """Read a YAML spec file; every problem names the file, the line and the key."""
        path = Path(path)
        data, marks = read_config_yaml(path, "uncertainty spec", MethodologyError)
        spec, problems = cls._parse(data, marks)
        if spec is None:
            raise MethodologyError(f"{path.name}: 不确定性设定无效 / uncertainty spec is invalid",
                                   [_locate(marks, key, message) for key, message in problems])
        return spec

    def validate(self, framework: Framework, methodology: Methodology) -> None:
        """Check every option against its registry and the framework; raise listing all problems.

        For a spec read by :meth:`load` each problem names the file, line and key.
        """
        problems: list[tuple[str, str]] = []  # (key path, message)
        levels = {n.level for n in framework.nodes.values() if not n.is_indicator}
        seen: dict[tuple[str, int | None], str] = {}
        for k, inp in enumerate(self.inputs):  # one choice per field (per level for aggregate and missing)
            if not isinstance(inp, Choice):
                continue
            slots = ([(inp.field, lv) for lv in (inp.levels or sorted(levels))] if inp.field in _LEVEL_FIELDS
                     else [(inp.field, None)])
            clash = next(((seen[s], s) for s in slots if s in seen), None)
            if clash:
                where = f" at level {clash[1][1]}" if clash[1][1] is not None else ""
                problems.append((f"inputs.{k}.field", f"inputs {clash[0]!r} and {inp.name!r} both choose "
                                 f"{inp.field}{where}; merge their options into one choice"))
            seen.update(dict.fromkeys(slots, inp.name))
        for k, inp in enumerate(self.inputs):
            where, key = f"input {inp.name!r}", f"inputs.{k}"
            if isinstance(inp, WeightNoise):
                bad = [lv for lv in inp.levels if lv >= framework.max_level or lv < 1]
                if bad:
                    problems.append((f"{key}.levels", f"{where}: no weighted nodes at level(s) {bad}; levels are "
                                                      f"1..{framework.max_level - 1}"))
                for p in inp.parents:
                    if p not in framework.nodes or framework.nodes[p].is_indicator:
                        problems.append((f"{key}.parents", f"{where}: {p!r} is not an aggregate of {framework.id}"))
                continue
            for lv in inp.levels:
                if lv not in levels:
                    problems.append((f"{key}.levels", f"{where}: level {lv} has no aggregates; levels are "
                                                      f"{sorted(levels)}"))
            for i, opt in enumerate(inp.options):
                if inp.field == "exclude":
                    unknown = [c for c in opt if c not in framework.indicators]
                    if unknown:
                        problems.append((f"{key}.options.{i}", f"{where} option {i + 1}: not indicators of "
                                                               f"{framework.id}: {unknown}"))
                    continue
                trial = methodology.replace(**{inp.field: opt})
                try:
                    trial.validate(framework)
                except MethodologyError as exc:
                    problems.extend((f"{key}.options.{i}", f"{where} option {i + 1}: {p}")
                                    for p in (exc.problems or [exc.summary]))
        if problems:
            summary = "uncertainty spec does not fit the framework and methodology"
            if self.source is None:
                raise MethodologyError(summary, [message for _, message in problems])
            raise MethodologyError(f"{self.source.name}: 不确定性设定与框架或方法不符 / {summary}",
                                   [_locate(self.source, key, message) for key, message in problems])


def _locate(marks: SourceMarks, key: str | None, message: str) -> str:
    """``<file> line <n>: <key>: <message>`` (the line of ``key`` or its nearest ancestor in the file)."""
    if key is None:
        return f"{marks.name}: {message}"
    line = marks.line(key)
    return f"{marks.name} line {line}: {key}: {message}" if line else f"{marks.name}: {key}: {message}"


def _input_from_dict(item: Any, pos: int) -> Input:
    """One input of a spec's ``inputs`` list (``pos`` from 1); errors carry the key they are about."""
    where = f"inputs[{pos}]"
    if not isinstance(item, Mapping) or "name" not in item:
        raise _error(f"{where}: each input is a mapping with a name")
    where = f"{where} ({item['name']!r})"
    if "noise" in item:
        allowed = {"name", "noise", "levels", "parents", "sets"}
        extra = sorted(set(item) - allowed, key=str)
        if extra:
            raise _error(f"{where}: unknown key(s) {extra}; a weight-noise input has {sorted(allowed)}", str(extra[0]))
        return WeightNoise(str(item["name"]), item["noise"], item.get("levels") or (), item.get("parents") or (),
                           item.get("sets"))
    allowed = {"name", "field", "options", "levels", "method", "param", "values", "params"}
    extra = sorted(set(item) - allowed, key=str)
    if extra:
        raise _error(f"{where}: unknown key(s) {extra}; a choice has {sorted(allowed)} "
                     "(or noise/levels/parents/sets for weight noise)", str(extra[0]))
    if "field" not in item:
        raise _error(f"{where}: a choice needs 'field' (one of {', '.join(FIELDS)})")
    if "options" in item:
        both = sorted({"method", "param", "values"} & set(item))
        if both:
            raise _error(f"{where}: give either 'options' or 'method'/'param'/'values'", both[0])
        options = item["options"] if item["options"] is not None else ()
        return Choice(str(item["name"]), str(item["field"]), options, item.get("levels") or ())
    if not {"method", "param", "values"} <= set(item):
        raise _error(f"{where}: give 'options', or 'method', 'param' and 'values'")
    values, params = item["values"], item.get("params")
    if isinstance(values, str | Mapping) or not isinstance(values, Sequence):
        raise _error(f"{where}: values must be a list of the parameter's values, got {values!r}", "values")
    if params is not None and not isinstance(params, Mapping):
        raise _error(f"{where}: params must be a mapping of the other parameters, got {params!r}", "params")
    try:
        ch = Choice.over_param(str(item["name"]), str(item["field"]), str(item["method"]), str(item["param"]),
                               list(values), params)
    except MethodologyError as exc:
        raise _error(str(exc), getattr(exc, "key", None) or "method") from None
    return Choice(ch.name, ch.field, ch.options, item.get("levels") or ())
