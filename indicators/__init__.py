"""rolindex indicator library: frameworks, methodologies and the composite-index pipeline."""

from .errors import (
    DataError,
    FormulaError,
    FrameworkError,
    IndicatorsError,
    IndicatorsWarning,
    MethodologyError,
)
from .framework import Framework, load_framework
from .methodology import GradeBand, Methodology, Step, load_methodology
from .pipeline import build_index
from .result import IndexResult

__all__ = [
    "DataError", "FormulaError", "Framework", "FrameworkError", "GradeBand", "IndexResult",
    "IndicatorsError", "IndicatorsWarning", "Methodology", "MethodologyError", "Step",
    "build_index", "load_framework", "load_methodology",
]
