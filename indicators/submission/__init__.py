"""Submitted figures: read them from CSV or XLSX and validate them against a framework.

District justice bureaus submit yearly raw figures (counts, amounts, rates) in a *long* table with
columns ``district, year, figure, value`` (optional ``district_name, group, unit, source, quote,
note``) or a *wide* table, one row per district-year with one column per figure id. Files are
read as written by Excel in China (UTF-8 with or without BOM, GBK/GB18030, XLSX), values such as
``98.6%``, ``2,162`` and full-width ``１２３`` are understood, and everything else is reported
with its file, row and column. Checking them against a framework is :mod:`indicators.submission.validation`
(:func:`validate`), which collects every problem at once.

Decisions (see the module functions for details):

- Approximate markers (``约98%``, ``大约``, ``~``, ``≈``, ``98%左右``) are accepted: the value is
  used as written, ``approx`` is set, the precision comes from the digits shown (``约98%`` means
  98 % ± 0.5 percentage points) and validation warns that an approximation is used as exact.
- Qualified numbers (``>98%``, ``230余``, ``40多``, ``230+``, ``超过200``) are errors: submit the
  number and put the qualifier in ``note``. Numbers with a unit or ``万`` (``200件``, ``2.5万``)
  and placeholders (``—``, ``无``, ``N/A``) are errors with a hint.
- Years are four-digit integers 1949–2100 written as ``2020``, ``2020.0`` (Excel numbers) or
  ``2020年``; anything else (``20``, ``2020-2021``, ``二〇二〇``) is an error.
- An empty value is an error in long format and in :meth:`Submission.from_frame` (NaN): a figure
  that was not reported is left out, not submitted blank. In wide format an empty cell simply
  means "not submitted".
- Unreadable values stay in :attr:`Submission.figures` with value NaN (so the row still counts as
  submitted); rows without a usable district, year or figure id are left out, with an error.

References: the framework brief (``district-framework.md``), "Reported rates next to counts".

The package: :mod:`~indicators.submission.values` (parsing single cells),
:mod:`~indicators.submission.reading` (CSV/XLSX, long/wide), :mod:`~indicators.submission.types`
(:class:`Submission`, :class:`Problem`, :func:`to_wide`) and :mod:`~indicators.submission.validation`.
"""

from .reading import SUFFIXES, read_figures
from .types import (
    FIGURE_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    WIDE_META_COLUMNS,
    Layout,
    Problem,
    Submission,
    to_wide,
)
from .validation import ValidationReport, validate
from .values import YEAR_RANGE, ParsedValue, XlsxNumber, infer_decimals, normalise_text, parse_value, parse_year

__all__ = [
    "FIGURE_COLUMNS", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "SUFFIXES", "WIDE_META_COLUMNS", "YEAR_RANGE",
    "Layout", "ParsedValue", "Problem", "Submission", "ValidationReport", "XlsxNumber", "infer_decimals",
    "normalise_text", "parse_value", "parse_year", "read_figures", "to_wide", "validate",
]
