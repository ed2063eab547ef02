"""Named registries of methods, one per step kind (normaliser, weighter, aggregator, ...).

Methods are plain functions registered with a decorator next to their definition. Looking up an
unknown name lists the choices and suggests the nearest; parameters are bound to the function's
keyword-only signature before anything is computed, so a typo is an error rather than ignored.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import MethodologyError

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Method:
    """A registered method: its name, function, one-line summary and extra metadata."""

    name: str
    func: Callable[..., Any]
    summary: str
    meta: Mapping[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def parameters(self) -> Mapping[str, inspect.Parameter]:
        """The keyword-only parameters a methodology may set (defaults included); read once."""
        sig = inspect.signature(self.func)
        return types.MappingProxyType({n: p for n, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY})

    def bind(self, params: Mapping[str, Any] | None, where: str = "") -> dict[str, Any]:
        """Check ``params`` against the signature; return them with defaults filled in."""
        params = dict(params or {})
        accepted = self.parameters
        problems = []
        for key in params:
            if key not in accepted:
                close = difflib.get_close_matches(key, accepted, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                choices = ", ".join(accepted) or "none"
                problems.append(
                    f"{where}{self.name!r} got unexpected parameter {key!r}{hint}; accepted: {choices}"
                )
        for key, p in accepted.items():
            if p.default is inspect.Parameter.empty and key not in params:
                problems.append(f"{where}{self.name!r} requires parameter {key!r}")
        if problems:
            raise MethodologyError("invalid method parameters", problems)
        out = {k: p.default for k, p in accepted.items() if p.default is not inspect.Parameter.empty}
        out.update(params)
        return out


class Registry:
    """Named implementations of one kind of step ('normaliser', 'weighter', ...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._methods: dict[str, Method] = {}

    def register(self, name: str, **meta: Any) -> Callable[[F], F]:
        """Decorator registering ``func`` under ``name``; ``meta`` is free-form method metadata."""

        def decorator(func: F) -> F:
            if name in self._methods:
                raise MethodologyError(f"{self.kind} {name!r} is registered twice")
            doc = inspect.getdoc(func) or ""
            self._methods[name] = Method(name, func, doc.splitlines()[0] if doc else "", meta)
            return func

        return decorator

    def get(self, name: str) -> Method:
        """Return the method called ``name`` or raise an error listing the choices."""
        try:
            return self._methods[name]
        except (KeyError, TypeError):
            pass
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
