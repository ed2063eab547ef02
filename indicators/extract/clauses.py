"""Sentences, segments and clauses of a text, as character spans, so every quote is a verbatim slice.

A *sentence* ends at 。！？!? or a line break; a *segment* also ends at ；; (reports list several
facts in one sentence separated by semicolons); a *clause* also ends at ，,、：: and brackets. The
spans index the original text, so ``text[start:end]`` is always the quote, character for character.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["Segmenter", "SENTENCE_ENDS", "SEGMENT_ENDS", "CLAUSE_ENDS"]

SENTENCE_ENDS = "。！？!?\n"
SEGMENT_ENDS = SENTENCE_ENDS + "；;"
CLAUSE_ENDS = SEGMENT_ENDS + "，,、：:（）()"


def _boundaries(text: str, chars: str) -> list[int]:
    """Offsets just after each boundary character, with 0 first and len(text) last."""
    cls = "[" + re.escape(chars) + "]"
    return [0] + [m.end() for m in re.finditer(cls, text)] + [len(text)]


@dataclass(frozen=True)
class Segmenter:
    """Span look-ups for one text: the sentence, segment or clause around a character offset."""

    text: str
    sentence_bounds: tuple[int, ...]
    segment_bounds: tuple[int, ...]
    clause_bounds: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Segmenter:
        """Index ``text`` once (linear time)."""
        return cls(text, tuple(_boundaries(text, SENTENCE_ENDS)), tuple(_boundaries(text, SEGMENT_ENDS)),
                   tuple(_boundaries(text, CLAUSE_ENDS)))

    def _span(self, bounds: tuple[int, ...], pos: int, strip: bool = True) -> tuple[int, int]:
        i = bisect.bisect_right(bounds, pos) - 1
        start, end = bounds[i], bounds[min(i + 1, len(bounds) - 1)]
        if not strip:
            return start, end
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def sentence(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding ``pos``, end mark included, whitespace stripped."""
        return self._span(self.sentence_bounds, pos)

    def segment(self, pos: int) -> tuple[int, int]:
        """(start, end) of the segment (sentence part between semicolons) holding ``pos``."""
        return self._span(self.segment_bounds, pos)

    def clause(self, pos: int) -> tuple[int, int]:
        """(start, end) of the clause holding ``pos``."""
        return self._span(self.clause_bounds, pos)

    def evidence(self, first: int, last: int) -> tuple[int, int]:
        """The shortest run of whole clauses covering offsets ``first`` .. ``last`` (end exclusive)."""
        start = self.clause(first)[0]
        end = self.clause(max(first, last - 1))[1]
        return start, end

    def line(self, pos: int) -> tuple[int, int]:
        """(start, end) of the line holding ``pos``."""
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        return start, len(self.text) if end < 0 else end
