"""Exceptions and warnings of the indicator library.

Every error a user can trigger derives from :class:`IndicatorsError` and from ``ValueError``, so
``except ValueError`` keeps working. Errors that collect several problems carry them as a list in
``problems`` and print one line per problem, each naming where it is (file, row, column, node).
"""

from __future__ import annotations

from collections.abc import Iterable


class IndicatorsError(Exception):
    """Base class of every error raised by :mod:`indicators`."""


class ProblemsError(IndicatorsError, ValueError):
    """An error that lists every problem found, not only the first."""

    def __init__(self, summary: str, problems: Iterable[str] = ()) -> None:
        self.summary = summary
        self.problems = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.problems:
            return self.summary
        n = len(self.problems)
        head = f"{self.summary}: {n} problem{'s' if n != 1 else ''}"
        return head + "".join(f"\n  - {p}" for p in self.problems)


class FrameworkError(ProblemsError):
    """A framework file is malformed or inconsistent."""


class MethodologyError(ProblemsError):
    """A methodology names an unknown method or passes parameters the method does not accept."""


class DataError(ProblemsError):
    """Submitted figures cannot be read or fail validation."""


class NonPositiveScoresError(DataError):
    """A geometric or harmonic mean met a zero or negative score; ``rows`` are the rows holding one.

    The aggregation step re-raises it naming the units (district, year) and the node.
    """

    def __init__(self, summary: str, problems: Iterable[str] = (), rows: Iterable[int] = ()) -> None:
        self.rows = [int(r) for r in rows]
        super().__init__(summary, problems)


class FormulaError(IndicatorsError, ValueError):
    """A framework formula uses something outside the whitelisted arithmetic."""


class IndicatorsWarning(UserWarning):
    """Base class of warnings raised by :mod:`indicators` (tests turn them into errors)."""


class ValidationWarning(IndicatorsWarning):
    """Submitted figures are usable but suspicious (e.g. a reported rate disagrees with its counts)."""


class ConstantIndicatorWarning(IndicatorsWarning):
    """An indicator is constant within a year, so a within-year normalisation is undefined."""


class ZeroWeightWarning(IndicatorsWarning):
    """A framework node has weight 0 (allowed: it is shown but does not count); names file and line."""


class JudgementError(ProblemsError):
    """An AHP pairwise-judgement matrix or judgement file is malformed (names file, row, column)."""


class InconsistentJudgementsWarning(IndicatorsWarning):
    """An AHP judgement matrix has a consistency ratio above the accepted threshold (Saaty: 0.1)."""


def did_you_mean(name: object, choices: Iterable[object]) -> str:
    """A ' (did you mean ...?)' hint naming the closest choice to a mistyped name, or ''."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class ExtractionError(ProblemsError):
    """A report cannot be read for extraction (unknown format, undecodable, too large, no text)."""
