"""The error of the forms package: bad input to a form writer or a refused returned form."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import EvaluationError


class FormError(EvaluationError, ValueError):
    """A form cannot be written or a returned form is refused; ``problems`` lists every reason.

    Messages are bilingual (Chinese first) and name the file, sheet and cell.
    """

    def __init__(self, summary: str, problems: Iterable[str] = ()) -> None:
        self.summary = summary
        self.problems = [str(p) for p in problems]
        n = len(self.problems)
        head = f"{summary}: {n} 个问题 / {n} problem{'s' if n != 1 else ''}" if n else summary
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))

    def __reduce__(self):
        return (type(self), (self.summary, self.problems))
