"""Exceptions of the evaluation layer."""

from __future__ import annotations


class EvaluationError(Exception):
    """Base class of every error raised by :mod:`evaluation`."""


class ReportDataError(EvaluationError, ValueError):
    """Bad input to a report: unknown district or year, language, output name or input file.

    Raised before anything is rendered, with the allowed values in the message.
    """
