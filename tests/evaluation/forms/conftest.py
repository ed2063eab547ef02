"""Shared fixtures of the forms tests: the two frameworks, sample districts and blank forms."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from evaluation import paths
from evaluation.forms.districts import District, districts_from_panel, offices_from_sample, with_offices
from indicators.framework import load_framework

PANEL = paths.SUBMISSIONS / "synthetic_panel.csv"


@pytest.fixture(scope="session")
def fw():
    return load_framework(paths.DEFAULT_FRAMEWORK)


@pytest.fixture(scope="session")
def office_fw():
    return load_framework(paths.OFFICE_FRAMEWORK)


@pytest.fixture(scope="session")
def districts() -> list[District]:
    return districts_from_panel(PANEL)


@pytest.fixture(scope="session")
def office_districts(districts) -> list[District]:
    return with_offices(districts, offices_from_sample(paths.OFFICE_MAPPING, paths.OFFICE_SAMPLE))


@pytest.fixture(scope="session")
def blank_form(tmp_path_factory, fw, districts) -> Path:
    """A blank 2025 form of sample_01 (write it once; tests copy it before filling)."""
    from evaluation.forms.template import write_form

    return write_form(fw, districts[0], 2025, tmp_path_factory.mktemp("blank") / "sample_01.xlsx",
                      deadline="2026-01-31", contact="评估办 王老师 021-12345678")


def value_rows(ws, code_column: int = 1) -> dict[str, int]:
    """{figure id: sheet row} found by scanning column A for the framework's ids (independent of the layout module)."""
    return {ws.cell(r, code_column).value: r for r in range(1, ws.max_row + 1)
            if isinstance(ws.cell(r, code_column).value, str)}


def header_column(ws, text: str, row: int) -> int:
    """Column of the header cell whose text contains ``text`` on ``row``."""
    for c in range(1, ws.max_column + 1):
        if text in str(ws.cell(row, c).value or ""):
            return c
    raise AssertionError(f"no header {text!r} on row {row}")


def open_form(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)
