"""Where the project's shipped data lives (frameworks, methodologies, sample submissions)."""

from __future__ import annotations

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
