"""The parse cache of frameworks: a hit equals a fresh parse, and a bad cache never hurts."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import parsecache
from indicators.errors import FrameworkError, ZeroWeightWarning
from indicators.framework import Framework, load_framework

from .test_framework import D1_LINE, DISTRICT, MINI, edit, write


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A fresh, enabled cache folder for one test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(parsecache.DIR_ENV, str(folder))
    monkeypatch.delenv(parsecache.DISABLE_ENV, raising=False)
    return folder


@pytest.fixture
def yaml_loads(monkeypatch) -> list[int]:
    """Counts the calls of ``yaml.load`` (one per framework actually parsed)."""
    calls: list[int] = []
    real = yaml.load

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(yaml, "load", counting)
    return calls


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("framework-*.json")) if folder.exists() else []


def comparable(fw: Framework) -> tuple:
    """Everything a framework says, formulas as their text and syntax tree dump.

    (Two parses of one file are not ``==``: a formula's ``ast`` nodes compare by identity.)
    """
    nodes = {code: (dataclasses.replace(n, formula=None),
                    None if n.formula is None else (n.formula.text, n.formula.figures, ast.dump(n.formula.tree)))
             for code, n in fw.nodes.items()}
    figures = {fid: (f, dict(f.extract)) for fid, f in fw.figures.items()}
    return (dataclasses.replace(fw, nodes={}, figures={}), json.dumps(fw.raw, sort_keys=True), nodes, figures)


def same(a, b) -> bool:
    """Equal values of the same types, all the way down (1 == 1.0 == True would not do)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_hit_equals_a_fresh_parse_of_the_district_framework(cache, yaml_loads):
    fresh = load_framework(DISTRICT)
    assert len(entries(cache)) == 1 and len(yaml_loads) == 1
    hit = load_framework(DISTRICT)
    assert len(yaml_loads) == 1  # read back, not parsed
    assert comparable(hit) == comparable(fresh)
    assert hit.identity == fresh.identity and hit.content_hash == fresh.content_hash
    assert same(dict(hit.raw), dict(fresh.raw))
    assert [n.line for n in hit.nodes.values()] == [n.line for n in fresh.nodes.values()]
    assert [f.line for f in hit.figures.values()] == [f.line for f in fresh.figures.values()]
    assert hit.bonus == fresh.bonus and hit.veto == fresh.veto
    assert [n.advice for n in hit.nodes.values()] == [n.advice for n in fresh.nodes.values()]
    assert any(n.advice for n in hit.nodes.values())  # the comparison covers advice


def test_the_entry_keeps_the_line_markers(cache, tmp_path):
    load_framework(write(tmp_path, MINI))
    (entry,) = entries(cache)
    value = json.loads(entry.read_text())["value"]
    assert value["__line__"] == 1
    assert value["nodes"][2]["__keylines__"]["scoring"] == 12


def test_a_changed_file_misses(cache, tmp_path, yaml_loads):
    path = write(tmp_path, MINI)
    before = load_framework(path)
    write(tmp_path, edit("weight: 60", "weight: 70"))
    after = load_framework(path)
    assert len(yaml_loads) == 2 and len(entries(cache)) == 2
    assert after.nodes["D1"].weight == 70 and before.nodes["D1"].weight == 60
    assert after.content_hash != before.content_hash


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
    lambda p: p.write_bytes(b""),
    lambda p: p.write_bytes(b"\xff\xfe not json"),
    lambda p: p.write_text("[1, 2, 3]"),
    lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "format": -1})),
    lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "key": "0" * 64})),
    lambda p: p.write_text("[" * 100_000 + "]" * 100_000),  # deeper than the JSON parser recurses
], ids=["truncated", "empty", "binary", "not-an-entry", "other-format", "other-key", "too-deep"])
def test_a_damaged_entry_falls_back_silently_and_is_rewritten(cache, tmp_path, yaml_loads, damage):
    path = write(tmp_path, MINI)
    fresh = load_framework(path)
    (entry,) = entries(cache)
    damage(entry)
    assert comparable(load_framework(path)) == comparable(fresh)
    assert len(yaml_loads) == 2
    assert json.loads(entry.read_text())["format"] == parsecache.FORMAT  # repaired by the parse
    assert comparable(load_framework(path)) == comparable(fresh) and len(yaml_loads) == 2


def test_a_framework_whose_value_is_wrong_in_the_cache_is_still_validated(cache, tmp_path):
    path = write(tmp_path, MINI)
    load_framework(path)
    (entry,) = entries(cache)
    doc = json.loads(entry.read_text())
    doc["value"]["nodes"][1]["weight"] = -5  # what a tampered entry could say
    entry.write_text(json.dumps(doc))
    with pytest.raises(FrameworkError) as info:  # checked again, and the problem still names its line
        load_framework(path)
    assert info.value.problems[0].startswith(f"mini.yaml line {D1_LINE} (node D1, weight): 权重必须是")


def test_an_unwritable_cache_folder_is_ignored(tmp_path, monkeypatch, yaml_loads):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(parsecache.DIR_ENV, str(blocker / "rolindex"))
    path = write(tmp_path, MINI)
    first = load_framework(path)
    assert comparable(load_framework(path)) == comparable(first)
    assert len(yaml_loads) == 2
    assert blocker.read_text().startswith("a file")


def test_the_cache_can_be_turned_off(cache, tmp_path, monkeypatch, yaml_loads):
    path = write(tmp_path, MINI)
    load_framework(path)
    monkeypatch.setenv(parsecache.DISABLE_ENV, "1")
    assert parsecache.cache_dir() is None
    entries(cache)[0].unlink()
    load_framework(path)
    load_framework(path)
    assert len(yaml_loads) == 3 and entries(cache) == []  # neither read nor written
    monkeypatch.setenv(parsecache.DISABLE_ENV, "0")
    assert parsecache.cache_dir() == cache


def test_the_default_folder_follows_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv(parsecache.DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert parsecache.cache_dir() == tmp_path / "xdg" / "rolindex"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert parsecache.cache_dir() == tmp_path / "home" / ".cache" / "rolindex"
    monkeypatch.setattr(parsecache.os.path, "expanduser", lambda path: path)  # no home folder at all
    assert parsecache.cache_dir() is None


def test_yaml_that_json_cannot_keep_exactly_is_parsed_each_time(cache, tmp_path, yaml_loads):
    # int keys would come back as strings, .nan would not equal itself: not cached, still loaded
    text = edit("version: \"1\"", "version: \"1\"\ndescription: {2024: 修订, 2025: .nan}")
    path = write(tmp_path, text)
    first = load_framework(path)
    assert first.raw["description"][2024] == "修订" and math.isnan(first.raw["description"][2025])
    second = load_framework(path)
    assert len(yaml_loads) == 2 and entries(cache) == []
    assert comparable(second) == comparable(first) and 2024 in second.raw["description"]


def test_an_invalid_framework_is_not_cached(cache, tmp_path):
    with pytest.raises(FrameworkError, match="invalid"):
        load_framework(write(tmp_path, edit("formula: closed / cases", "formula: closed / nothing")))
    assert entries(cache) == []


def test_a_hit_still_warns(cache, tmp_path):
    path = write(tmp_path, edit("weight: 60", "weight: 0"))
    for _ in range(2):  # parsed, then read back: the check runs on the data both times
        with pytest.warns(ZeroWeightWarning, match="权重为 0"):
            load_framework(path)
    assert len(entries(cache)) == 1


def test_old_entries_are_pruned(cache, monkeypatch):
    monkeypatch.setattr(parsecache, "KEEP", 3)
    for i in range(5):
        assert parsecache.store("framework", f"file {i}".encode(), {"i": i})
    assert len(entries(cache)) == 3


def test_kinds_do_not_share_entries(cache):
    assert parsecache.store("framework", b"same bytes", {"a": 1})
    assert parsecache.load("methodology", b"same bytes") is parsecache.MISS
    assert parsecache.load("framework", b"same bytes") == {"a": 1}


def test_shared_or_cyclic_containers_are_not_exact():
    shared: list = [1]
    assert not parsecache.json_exact({"a": shared, "b": shared})
    cyclic: list = []
    cyclic.append(cyclic)
    assert not parsecache.json_exact(cyclic)


# -- property: what is stored comes back with the same types and values, or not at all ---------
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(),
    st.dates(), st.binary(max_size=4),
)


def _containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    """Lists, dicts (string keys and the int and bool keys YAML also allows) and tuples of ``inner``."""
    keys = st.one_of(st.text(max_size=5), st.integers(), st.booleans())
    return st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4), st.tuples(inner))


_values = st.recursive(_scalars, _containers, max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(value=_values, data=st.binary(max_size=16))
def test_store_then_load_is_exact_or_a_miss(tmp_path_factory, value, data):
    folder = tmp_path_factory.mktemp("prop")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(parsecache.DIR_ENV, str(folder))
        stored = parsecache.store("framework", data, value)
        back = parsecache.load("framework", data)
    assert stored == parsecache.json_exact(value)
    if stored:
        assert same(back, value)
    else:
        assert back is parsecache.MISS


def test_dates_are_not_exact():
    assert not parsecache.json_exact({"when": dt.date(2024, 5, 1)})
    assert not parsecache.json_exact({"x": float("inf")})
    assert parsecache.json_exact({"x": [1, 1.5, True, None, "字"]})
