"""Shared fixtures: the project root, the read-only ``../shared`` reference folder and a private parse cache."""

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


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory):
    """Point the framework parse cache (:mod:`indicators.parsecache`) at a folder of this test session.

    The suite never reads or writes the user's ``~/.cache/rolindex``; subprocesses inherit the
    variable, so the CLI tests that spawn ``rolindex`` use the same folder.
    """
    from indicators.parsecache import DIR_ENV, DISABLE_ENV

    mp = pytest.MonkeyPatch()
    mp.setenv(DIR_ENV, str(tmp_path_factory.mktemp("parse-cache")))
    mp.delenv(DISABLE_ENV, raising=False)
    yield
    mp.undo()


@pytest.fixture
def shared():
    """The ``shared_path`` helper as a fixture."""
    return shared_path
