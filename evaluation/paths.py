"""Where the project's shipped data lives (frameworks, methodologies, sample submissions)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FRAMEWORKS = DATA / "frameworks"
METHODOLOGIES = DATA / "methodologies"
SUBMISSIONS = DATA / "submissions"
REPORTS = ROOT / "reports"

DEFAULT_FRAMEWORK = FRAMEWORKS / "district_rol.yaml"
DEFAULT_METHODOLOGY = METHODOLOGIES / "baseline.yaml"
SAMPLE_SUBMISSIONS = {
    "seed_districts": SUBMISSIONS / "seed_districts.csv",
    "synthetic_panel": SUBMISSIONS / "synthetic_panel.csv",
}
#: The second framework (judicial-office standardisation), its synthetic offices and their districts.
OFFICE_FRAMEWORK = FRAMEWORKS / "judicial_office_std.yaml"
OFFICE_SAMPLE = SUBMISSIONS / "synthetic_offices.csv"
OFFICE_MAPPING = SUBMISSIONS / "synthetic_offices_districts.csv"


def resolve(value: str | Path, folder: Path, suffix: str = ".yaml") -> Path:
    """A path as given, or a bare name looked up in ``folder`` (``baseline`` → baseline.yaml)."""
    p = Path(value)
    if p.exists() or p.suffix:
        return p
    return folder / f"{p.name}{suffix}"


def in_checkout(relative: str | Path) -> str:
    """``relative`` taken from the repository checkout's root (absolute paths are returned as given).

    Notebooks use it for their default paths so that papermill runs them from any working directory
    (the repository root or ``notebooks/``); paths passed as parameters stay relative to the caller.
    """
    return os.path.normpath(ROOT / relative)
