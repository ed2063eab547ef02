"""Shared fixtures: the project root and the read-only ``../shared`` reference folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """Path inside ``../shared``; skip when absent on a user's machine, fail when CI=true."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is not available (../shared is only beside the checkout in CI and dev)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)
    return path


@pytest.fixture
def shared():
    """The ``shared_path`` helper as a fixture."""
    return shared_path
