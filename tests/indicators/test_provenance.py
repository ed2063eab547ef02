"""Provenance for citation: git commit of the running code, licence, data sources, CITATION.cff."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from indicators import build_index, provenance
from indicators.provenance import LICENCE, _git_commit, git_commit
from indicators.submission import Submission
from indicators.testing import toy_figures, toy_framework, toy_methodology

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
COMMIT = re.compile(r"^[0-9a-f]{40}(-dirty)?$")
in_checkout = pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not run from a git checkout")


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "commit.gpgsign=false", *args],
                          capture_output=True, text=True, check=True).stdout.strip()


@in_checkout
def test_commit_is_this_checkouts_head():
    commit = git_commit()
    assert commit is not None and COMMIT.match(commit), commit
    assert commit.removesuffix("-dirty") == _git(ROOT, "rev-parse", "HEAD")
    dirty = bool(_git(ROOT, "status", "--porcelain", "--untracked-files=no"))
    assert commit.endswith("-dirty") == dirty


def test_commit_is_cached_once_per_process():
    git_commit.cache_clear()
    first = git_commit()
    assert git_commit() == first and git_commit.cache_info().hits == 1 and git_commit.cache_info().misses == 1


def test_commit_of_a_fresh_repository_and_dirty_mark(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("one\n")
    _git(tmp_path, "add", "a.txt")
    _git(tmp_path, "commit", "-q", "-m", "first")
    head = _git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "untracked.txt").write_text("ignored\n")
    assert _git_commit(tmp_path) == head  # untracked files do not make it dirty
    (tmp_path / "a.txt").write_text("two\n")
    assert _git_commit(tmp_path) == head + "-dirty"


def test_commit_is_none_outside_a_checkout_or_without_git(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert _git_commit(tmp_path) is None

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance.subprocess, "run", no_git)
    assert _git_commit(ROOT) is None


def test_licence_matches_pyproject():
    assert LICENCE == PYPROJECT["project"]["license"]["text"] == "Apache-2.0"


def test_result_provenance_records_commit_licence_and_sources():
    wide = toy_figures(3, n_districts=2, years=(2020,))
    long = wide.reset_index().melt(id_vars=["district", "year"], var_name="figure").dropna(subset=["value"])
    long["source"] = ["report 2020 p.3" if i % 2 else "statistics bureau" for i in range(len(long))]
    r = build_index(Submission.from_frame(long), toy_framework(), toy_methodology())
    prov = r.provenance
    assert prov["commit"] == git_commit() and prov["licence"] == "Apache-2.0"
    assert prov["data_sources"] == ["report 2020 p.3", "statistics bureau"]
    # a wide frame has no source column: no data_sources claimed
    assert "data_sources" not in build_index(wide, toy_framework(), toy_methodology()).provenance


@in_checkout
def test_result_commit_is_hex_inside_this_checkout():
    r = build_index(toy_figures(1, n_districts=2, years=(2020,)), toy_framework(), toy_methodology())
    assert COMMIT.match(r.provenance["commit"])


def test_citation_cff_parses_with_required_keys():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # required by the Citation File Format 1.2.0 schema: cff-version, message, title, authors
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"].startswith("rolindex") and cff["abstract"]
    assert cff["authors"] == [{"name": "rolindex contributors"}]
    assert str(cff["version"]) == PYPROJECT["project"]["version"]
    assert cff["license"] == PYPROJECT["project"]["license"]["text"]
    assert "repository-code" not in cff  # not known; an invented URL would mislead

