"""Named registries of methods, one per step kind (normaliser, weighter, aggregator, ...).

Methods are plain functions registered with a decorator next to their definition, with their own
bilingual label (``zh=``, ``en=``; English defaults to the docstring's first line). Looking up an
unknown name lists the choices and suggests the nearest; parameters are bound to the function's
keyword-only signature before anything is computed, so a typo is an error rather than ignored, and
their values are checked then too (``checks=``: per-parameter checks such as :func:`number` and
:func:`one_of`; any float must be finite). A :class:`Step` is one choice of a method and its
parameters, as a methodology writes it.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import MethodologyError

F = TypeVar("F", bound=Callable[..., Any])

#: A parameter check: the value -> a problem message (bilingual, Chinese first) or None when fine.
Check = Callable[[Any], "str | None"]


def number(lo: float | None = None, hi: float | None = None, *, integer: bool = False,
           optional: bool = False) -> Check:
    """A check that a parameter is a finite number (an integer), within ``[lo, hi]`` when given.

    ``optional`` also accepts None.
    """
    if lo is not None and hi is not None:
        span_zh, span_en = f" [{lo:g}, {hi:g}] 内的", f" in [{lo:g}, {hi:g}]"
    elif lo is not None:
        span_zh, span_en = f"不小于 {lo:g} 的", f" >= {lo:g}"
    elif hi is not None:
        span_zh, span_en = f"不大于 {hi:g} 的", f" <= {hi:g}"
    else:
        span_zh, span_en = "有限的", " (finite)"
    kind_zh, kind_en = ("整数", "an integer") if integer else ("数", "a number")

    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
        if ok and integer:
            ok = float(value).is_integer()
        if ok and lo is not None:
            ok = value >= lo
        if ok and hi is not None:
            ok = value <= hi
        return None if ok else f"须为{span_zh}{kind_zh} / must be {kind_en}{span_en}, got {value!r}"

    return check


def one_of(*choices: Any) -> Check:
    """A check that a parameter is one of ``choices``."""
    shown = ", ".join(repr(c) for c in choices)

    def check(value: Any) -> str | None:
        try:
            ok = value in choices
        except TypeError:  # unhashable values compare unequal to every choice
            ok = False
        return None if ok else f"须为 {shown} 之一 / must be one of {shown}, got {value!r}"

    return check


def _finite_float(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"须为有限的数 / must be a finite number, got {value!r}"
    return None


def _default_check(parameter: inspect.Parameter) -> Check:
    """A parameter without a declared check: a float default asks for a finite number, else any float is finite."""
    if isinstance(parameter.default, float):
        return number(optional=True)  # None stays possible where the method allows it (e.g. alpha)
    return _finite_float


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


@dataclass(frozen=True)
class Step:
    """One methodology step: a registered method name and its keyword parameters."""

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", types.MappingProxyType(dict(self.params)))

    def to_dict(self) -> dict[str, Any]:
        """Plain ``{"method": ..., "params": {...}}`` (params omitted when empty)."""
        out: dict[str, Any] = {"method": self.method}
        if self.params:
            out["params"] = _plain(self.params)
        return out

    @classmethod
    def from_any(cls, value: Any, where: str) -> Step:
        """Accept ``"name"``, ``{"method": name, "params": {...}}`` or a Step."""
        if isinstance(value, Step):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping) and "method" in value:
            extra = set(value) - {"method", "params"}
            if extra:
                raise MethodologyError(
                    f"{where}: unexpected key(s) {sorted(extra)}; a step is {{method, params}}"
                )
            return cls(str(value["method"]), dict(value.get("params") or {}))
        raise MethodologyError(f"{where}: a step is a method name or {{method, params}}, got {value!r}")


@dataclass(frozen=True)
class Method:
    """A registered method: its name, function, one-line summary, labels, parameter checks, metadata.

    ``summary`` is the English label (the docstring's first line unless registered with ``en=``);
    ``zh`` the Chinese one (the method name when none was registered); ``checks`` maps parameter
    names to :data:`Check` callables run by :meth:`bind`.
    """

    name: str
    func: Callable[..., Any]
    summary: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    zh: str = ""
    checks: Mapping[str, Check] = field(default_factory=dict)

    @property
    def en(self) -> str:
        """The English label (same as :attr:`summary`)."""
        return self.summary

    @property
    def label_zh(self) -> str:
        """The Chinese label, or the method name when none was registered."""
        return self.zh or self.name

    @functools.cached_property
    def parameters(self) -> Mapping[str, inspect.Parameter]:
        """The keyword-only parameters a methodology may set (defaults included); read once."""
        sig = inspect.signature(self.func)
        return types.MappingProxyType({n: p for n, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY})

    def bind(self, params: Mapping[str, Any] | None, where: str = "") -> dict[str, Any]:
        """Check ``params`` against the signature and their values; return them with defaults filled in.

        A value is checked by the method's registered check for it; without one, a parameter whose
        default is a float must be a finite number, and any float value must be finite.

        ``where`` is the step's key path followed by ``": "`` (e.g. ``"missing: "``,
        ``"aggregate_levels.2: "``); a bad value is reported as ``"<key>.params.<name>: message"``.
        """
        params = dict(params or {})
        accepted = self.parameters
        problems = []
        for key in params:
            if key not in accepted:
                import difflib  # only for a misspelt parameter: not on every start-up

                close = difflib.get_close_matches(key, accepted, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                choices = ", ".join(accepted) or "none"
                problems.append(
                    f"{where}{self.name!r} got unexpected parameter {key!r}{hint}; accepted: {choices}"
                )
        for key, p in accepted.items():
            if p.default is inspect.Parameter.empty and key not in params:
                problems.append(f"{where}{self.name!r} requires parameter {key!r}")
        key_path = where.rstrip().rstrip(":")
        prefix = f"{key_path}.params." if key_path else "params."
        for key, value in params.items():
            if key not in accepted:
                continue
            check = self.checks.get(key) or _default_check(accepted[key])
            message = check(value) or _finite_float(value)
            if message:
                problems.append(f"{prefix}{key}: {message}")
        if problems:
            raise MethodologyError("invalid method parameters", problems)
        out = {k: p.default for k, p in accepted.items() if p.default is not inspect.Parameter.empty}
        out.update(params)
        return out


class Registry:
    """Named implementations of one kind of step ('normaliser', 'weighter', ...)."""

    def __init__(self, kind: str, *, zh: str = "", en: str = "") -> None:
        self.kind = kind
        #: Bilingual label of the kind, for registries outside the step table (indicators.steps).
        self.zh, self.en = zh or kind, en or kind
        self._methods: dict[str, Method] = {}

    def register(self, name: str, *, zh: str = "", en: str = "",
                 checks: Mapping[str, Check] | None = None, **meta: Any) -> Callable[[F], F]:
        """Decorator registering ``func`` under ``name`` with its bilingual label and parameter checks.

        ``en`` defaults to the docstring's first line; ``checks`` maps keyword parameters to
        :data:`Check` callables (e.g. ``{"p": number()}``); ``meta`` is free-form method metadata.
        """

        def decorator(func: F) -> F:
            if name in self._methods:
                raise MethodologyError(f"{self.kind} {name!r} is registered twice")
            doc = inspect.getdoc(func) or ""
            summary = en or (doc.splitlines()[0] if doc else "")
            self._methods[name] = Method(name, func, summary, meta, zh, types.MappingProxyType(dict(checks or {})))
            return func

        return decorator

    def get(self, name: str) -> Method:
        """Return the method called ``name`` or raise an error listing the choices."""
        try:
            return self._methods[name]
        except (KeyError, TypeError):
            pass
        import difflib

        close = difflib.get_close_matches(str(name), self._methods, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise MethodologyError(
            f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}.{hint}"
        )

    def names(self) -> list[str]:
        """Sorted names of every registered method."""
        return sorted(self._methods)

    def __contains__(self, name: object) -> bool:
        return name in self._methods

    def __iter__(self):
        return iter(self.names())

    def describe(self) -> list[tuple[str, str]]:
        """(name, summary) pairs, for CLIs, reports and widgets."""
        return [(n, self._methods[n].summary) for n in self.names()]

    def methods(self) -> list[Method]:
        """Every registered :class:`Method`, sorted by name."""
        return [self._methods[n] for n in self.names()]
