"""pyproject.toml is the source of truth for dependencies; environment.yml must mirror it."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT


def _pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"]) + list(data["project"]["optional-dependencies"]["dev"])
    pins = {}
    for req in reqs:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[a-z0-9,_-]+\])?==([^;\s]+)", req.strip())
        assert m, f"pyproject dependency {req!r} is not an exact pin"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for item in dep.get("pip", []):
                if "==" in item:
                    name, ver = item.split("==")
                    pins[name.split("[")[0].lower()] = ver  # psycopg[binary]: the extra is pip's
            continue
        name, _, ver = dep.partition("=")
        if name not in ("python", "pip"):
            pins[name.lower()] = ver
    return pins


def test_environment_mirrors_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_environment_python_matches_requires_python():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert data["project"]["requires-python"].startswith(">=3.11")
    assert "python=3.11" in env
