"""Exceptions of the evaluation layer."""

from __future__ import annotations


class EvaluationError(Exception):
    """Base class of every error raised by :mod:`evaluation`."""
