"""rolindex indicator library: frameworks, methodologies and the composite-index pipeline.

The public names below are loaded on first use (PEP 562, as SciPy's SPEC 1 lazy loading), so
``import indicators`` stays cheap for tools that need one submodule; ``from indicators import
build_index`` imports pandas and the pipeline then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    DataError,
    FormulaError,
    FrameworkError,
    IndicatorsError,
    IndicatorsWarning,
    MethodologyError,
)

if TYPE_CHECKING:
    from .framework import Framework, load_framework
    from .methodology import GradeBand, Methodology, Step, load_methodology
    from .pipeline import build_index
    from .result import IndexResult

_LAZY = {
    "Framework": ".framework", "load_framework": ".framework",
    "GradeBand": ".methodology", "Methodology": ".methodology", "Step": ".methodology",
    "load_methodology": ".methodology",
    "build_index": ".pipeline",
    "IndexResult": ".result",
}

__all__ = [
    "DataError", "FormulaError", "Framework", "FrameworkError", "GradeBand", "IndexResult",
    "IndicatorsError", "IndicatorsWarning", "Methodology", "MethodologyError", "Step",
    "build_index", "load_framework", "load_methodology",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first access and cache the name here."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
