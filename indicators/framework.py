"""Frameworks: what is measured — the tree of nodes, raw figures, formulas and scoring rules.

A framework is a YAML file in ``data/frameworks/`` (see ``district_rol.yaml``). Loading it
validates everything and raises one :class:`~indicators.errors.FrameworkError` listing every
problem with its line in the file and node path. The loaded :class:`Framework` is immutable and
carries a content hash, recorded in every result.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from . import parsecache
from .configfile import config_loader, decode_config, read_config_bytes, yaml_error
from .errors import FormulaError, FrameworkError, ZeroWeightWarning, did_you_mean
from .formula import Formula, parse_formula

FIGURE_KINDS = ("count", "amount", "rate", "binary")
DEFAULT_RANGES = {"count": (0.0, None), "amount": (0.0, None), "rate": (0.0, 1.0), "binary": (0.0, 1.0)}
_TOP_KEYS = {"id", "version", "name", "unit_of_assessment", "scale", "figures", "checks", "nodes",
             "description", "source", "bonus", "veto"}
_FIGURE_KEYS = {"id", "zh", "en", "unit", "kind", "range", "required", "note", "extract"}
#: Keys of a figure's optional ``extract:`` vocabulary (read by :mod:`indicators.extract`).
EXTRACT_KEYS = {"before": "list", "after": "list", "context": "list", "exclude": "list",
                "exclude_segment": "list", "units": "list", "zero": "list", "gap": "int", "hint": "str"}
_NODE_KEYS = {"code", "parent", "weight", "zh", "en", "unit", "direction", "formula", "reported",
              "goalposts", "target", "scoring", "note", "denominator", "due", "advice"}
_LINE = "__line__"
_KEYLINES = "__keylines__"  # {key: line} of each mapping, so a problem names the key's own line
_META = {_LINE, _KEYLINES}
#: Kind of the framework entries in :mod:`indicators.parsecache`.
_CACHE_KIND = "framework"


@dataclass(frozen=True)
class FigureSpec:
    """A raw figure districts submit: id, bilingual name, unit, kind and valid range."""

    id: str
    zh: str
    en: str
    unit: str
    kind: str
    lower: float | None
    upper: float | None
    required: bool = False
    line: int | None = None
    #: How to find the figure in a narrative report (``extract:`` in the YAML): an immutable
    #: mapping of tuples, empty when the framework declares no vocabulary for it.
    extract: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)


@dataclass(frozen=True)
class Node:
    """A node of the tree: the index, an aggregate (dimension, ...) or an indicator (a leaf)."""

    code: str
    zh: str
    en: str
    parent: str | None
    weight: float
    level: int
    is_indicator: bool
    unit: str = ""
    direction: int = 1
    formula: Formula | None = None
    reported: str | None = None
    goalposts: tuple[float, float] | None = None
    target: float | None = None
    scoring: Mapping[str, Any] | None = None
    line: int | None = None
    #: A figure this indicator may be divided by (COINr's iMeta ``Denominator``). Declaring it does
    #: not divide anything: the methodology's ``denominate`` step chooses whether to apply it.
    denominator: str | None = None
    #: First year the indicator is assessed (a target with a deadline): earlier years score
    #: missing, "not yet due", under every normaliser — never 0.
    due: int | None = None
    #: 存在问题 / 整改建议 shown in reports when the data says so (:class:`indicators.adjustments.Advice`).
    advice: Any = None

    @property
    def label(self) -> str:
        """Bilingual label, Chinese first."""
        return f"{self.zh} / {self.en}"

    @property
    def due_year(self) -> int | None:
        """First year the node's target is assessed: its ``due``, else its scoring rule's ``due``."""
        if self.due is not None:
            return self.due
        due = (self.scoring or {}).get("due")
        return int(due) if due is not None else None


@dataclass(frozen=True)
class Framework:
    """An immutable, validated framework. Build with :func:`load_framework`."""

    id: str
    version: str
    zh: str
    en: str
    scale: float
    figures: Mapping[str, FigureSpec]
    checks: tuple[tuple[str, str], ...]
    nodes: Mapping[str, Node]
    root: str
    content_hash: str
    source: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: 加分 and 一票否决 items (:mod:`indicators.adjustments`).
    bonus: tuple = ()
    veto: tuple = ()

    # -- tree queries -------------------------------------------------------------------------
    @cached_property
    def _children(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {c: [] for c in self.nodes}
        for node in self.nodes.values():
            if node.parent is not None:
                out[node.parent].append(node.code)
        return {k: tuple(v) for k, v in out.items()}

    def children(self, code: str) -> tuple[str, ...]:
        """Codes of the direct children of ``code``, in file order."""
        return self._children[code]

    @cached_property
    def indicators(self) -> tuple[str, ...]:
        """Indicator codes (leaves), in file order."""
        return tuple(c for c, n in self.nodes.items() if n.is_indicator)

    @cached_property
    def aggregates(self) -> tuple[str, ...]:
        """Aggregate codes (the root included), bottom-up by level, then file order."""
        aggs = [c for c, n in self.nodes.items() if not n.is_indicator]
        return tuple(sorted(aggs, key=lambda c: self.nodes[c].level))

    @property
    def max_level(self) -> int:
        """Level of the root (indicators are level 1)."""
        return self.nodes[self.root].level

    def path(self, code: str) -> tuple[str, ...]:
        """Codes from the root down to ``code``."""
        out = [code]
        while self.nodes[out[-1]].parent is not None:
            out.append(self.nodes[out[-1]].parent)
        return tuple(reversed(out))

    def dimension_of(self, code: str) -> str:
        """The root's child that ``code`` sits under (the node itself for a dimension)."""
        path = self.path(code)
        return path[1] if len(path) > 1 else path[0]

    def label(self, code: str, lang: str = "zh") -> str:
        """Display name of a node or figure in ``lang`` ('zh', 'en' or 'both')."""
        item = self.nodes.get(code) or self.figures.get(code)
        if item is None:
            return code
        return {"zh": item.zh, "en": item.en}.get(lang, f"{item.zh} / {item.en}")

    @property
    def identity(self) -> dict[str, str]:
        """id, version and content hash: what a result records about the framework."""
        return {"id": self.id, "version": self.version, "content_hash": self.content_hash}

    def to_table(self) -> pd.DataFrame:
        """One row per node (tree order), for people who live in Excel."""
        rows = []
        for code in self.tree_order():
            n = self.nodes[code]
            rows.append({
                "code": n.code, "parent": n.parent or "", "level": n.level,
                "type": "indicator" if n.is_indicator else "aggregate",
                "name_zh": n.zh, "name_en": n.en, "weight": n.weight,
                "unit": n.unit, "direction": ("+" if n.direction > 0 else "-") if n.is_indicator else "",
                "formula": n.formula.text if n.formula else "", "reported": n.reported or "",
                "goalpost_lower": n.goalposts[0] if n.goalposts else None,
                "goalpost_upper": n.goalposts[1] if n.goalposts else None,
                "scoring": json.dumps(dict(n.scoring), ensure_ascii=False) if n.scoring else "",
            })
            if any(m.denominator for m in self.nodes.values()):  # only frameworks that declare them
                rows[-1]["denominator"] = n.denominator or ""
            if any(m.due for m in self.nodes.values()):
                rows[-1]["due"] = n.due
        return pd.DataFrame(rows)

    def figures_table(self) -> pd.DataFrame:
        """One row per raw figure."""
        return pd.DataFrame([{
            "id": f.id, "name_zh": f.zh, "name_en": f.en, "unit": f.unit, "kind": f.kind,
            "lower": f.lower, "upper": f.upper, "required": f.required,
        } for f in self.figures.values()])

    def tree_order(self) -> list[str]:
        """Node codes depth-first from the root, children in file order (the table's row order)."""
        out: list[str] = []
        stack = [self.root]
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(reversed(self.children(code)))
        return out


# ---------------------------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------------------------
@functools.cache
def _line_loader() -> type:
    """Strict config loader recording each mapping's (and key's) line, rejecting duplicate keys.

    Built on first use (yaml imported when used); aliases and anchors are refused
    (:func:`indicators.configfile.config_loader`). What it produces is kept in the parse cache:
    a change to it must bump :data:`indicators.parsecache.FORMAT`.
    """
    import yaml

    class _LineLoader(config_loader()):
        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark
                    )
                seen[key] = key_node.start_mark.line + 1
            mapping = super().construct_mapping(node, deep=True)
            mapping[_LINE] = node.start_mark.line + 1
            mapping[_KEYLINES] = seen
            return mapping

    return _LineLoader


def load_framework(path: str | Path) -> Framework:
    """Load and validate a framework YAML file; raise one error listing every problem.

    What the YAML parser produced for a file that loaded cleanly is kept in the parse cache
    (:mod:`indicators.parsecache`, keyed by the file's bytes), so the next load skips importing
    yaml and parsing; the data is validated again either way.
    """
    path = Path(path)
    raw = read_config_bytes(path, "framework file", FrameworkError)
    data = parsecache.load(_CACHE_KIND, raw)
    if data is not parsecache.MISS:
        return framework_from_dict(data, source=path.name)
    text = decode_config(raw, path.name, "framework file", FrameworkError)
    import yaml

    try:
        data = yaml.load(text, Loader=_line_loader())
    except yaml.YAMLError as exc:
        raise yaml_error(exc, path.name, FrameworkError) from None
    fw = framework_from_dict(data, source=path.name)
    parsecache.store(_CACHE_KIND, raw, data)  # only a framework that loaded without a problem
    return fw


def framework_from_dict(data: Any, source: str = "<dict>") -> Framework:
    """Build a :class:`Framework` from parsed YAML (a dict), validating everything."""
    problems: list[str] = []

    def at(obj: Any, what: str = "", key: str | None = None) -> str:
        line = obj.get(_LINE) if isinstance(obj, dict) else None
        if key is not None and isinstance(obj, dict):
            line = (obj.get(_KEYLINES) or {}).get(key, line)
            what = f"{what}, {key}" if what else key
        loc = f"{source} line {line}" if line else source
        return f"{loc}{' (' + what + ')' if what else ''}: "

    if not isinstance(data, dict):
        raise FrameworkError(f"{source}: a framework is a mapping with keys id, version, figures, nodes")
    for key in sorted(set(data) - _TOP_KEYS - _META):
        problems.append(f"{at(data)}unknown top-level key {key!r}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    for key in ("id", "version", "figures", "nodes"):
        if key not in data:
            problems.append(f"{at(data)}missing required top-level key {key!r}")
    name = data.get("name") or {}
    if not isinstance(name, dict) or not name.get("zh") or not name.get("en"):
        problems.append(f"{at(data)}'name' must give both zh and en")
        name = {}

    scale = data.get("scale", 100)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not (0 < scale < 1e9):
        problems.append(f"{at(data, key='scale')}量表上限必须是有限正数 / scale must be a finite positive number, "
                        f"got {scale!r}")
        scale = 100

    figures = _load_figures(data.get("figures") or [], at, problems)
    checks = _load_checks(data.get("checks") or [], figures, at, problems)
    zero_weights: list[str] = []
    nodes, root = _load_nodes(data.get("nodes") or [], figures, at, problems, zero_weights)
    from .adjustments import load_adjustments

    bonus, veto = load_adjustments(data, figures, at, problems)

    if problems:
        raise FrameworkError(f"框架无效 / framework {source} is invalid", problems)
    for where in zero_weights:  # only when the framework loads: a failed load's problems say enough
        warnings.warn(ZeroWeightWarning(
            f"{where}权重为 0，该节点不计入上级得分 / weight 0: the node does not count towards its parent"
        ), stacklevel=3)
    clean = _strip_lines(data)
    # The extraction vocabulary says how to find a figure in text, not what is measured: it is
    # left out of the content hash so that adding words never changes a published result's hash.
    measured = {**clean, "figures": [{k: v for k, v in f.items() if k != "extract"} if isinstance(f, dict) else f
                                     for f in clean.get("figures") or []]}
    digest = hashlib.sha256(json.dumps(measured, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return Framework(
        id=str(data["id"]), version=str(data["version"]), zh=name.get("zh", ""), en=name.get("en", ""),
        scale=float(scale), figures=MappingProxyType(figures), checks=tuple(checks),
        nodes=MappingProxyType(nodes), root=root, content_hash=digest, source=source, raw=clean,
        bonus=bonus, veto=veto,
    )


def _strip_lines(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_lines(v) for k, v in obj.items() if k not in _META}
    if isinstance(obj, list):
        return [_strip_lines(v) for v in obj]
    return obj


def _num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError  # .nan / .inf bounds or goalposts would make every score missing
    return float(value)


def _load_figures(items: Any, at, problems: list[str]) -> dict[str, FigureSpec]:
    figures: dict[str, FigureSpec] = {}
    if not isinstance(items, list):
        problems.append(f"{at(items)}'figures' must be a list")
        return figures
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(f"{at(item)}each figure needs an 'id'")
            continue
        fid = str(item["id"])
        where = at(item, f"figure {fid}")
        for key in sorted(set(item) - _FIGURE_KEYS - _META):
            problems.append(f"{where}unknown key {key!r}; allowed: {', '.join(sorted(_FIGURE_KEYS))}")
        if fid in figures:
            problems.append(f"{where}duplicate figure id {fid!r} (first on line {figures[fid].line})")
            continue
        kind = item.get("kind", "count")
        if kind not in FIGURE_KINDS:
            problems.append(f"{where}kind {kind!r} is not one of {', '.join(FIGURE_KINDS)}")
            kind = "count"
        lower, upper = DEFAULT_RANGES[kind]
        if "range" in item:
            rng = item["range"]
            try:
                if not isinstance(rng, list) or len(rng) != 2:
                    raise TypeError
                lower, upper = _num(rng[0]), _num(rng[1])
                if lower is not None and upper is not None and lower > upper:
                    raise TypeError
            except TypeError:
                problems.append(f"{where}range must be [lower, upper] with numbers or null, lower <= upper")
        if not item.get("zh") or not item.get("en"):
            problems.append(f"{where}needs both a Chinese (zh) and an English (en) name")
        extract = _load_extract(item.get("extract"), fid, where, at, problems) if "extract" in item else {}
        figures[fid] = FigureSpec(fid, str(item.get("zh", "")), str(item.get("en", "")),
                                  str(item.get("unit", "")), kind, lower, upper,
                                  bool(item.get("required", False)), item.get(_LINE),
                                  MappingProxyType(extract))
    return figures


def _load_extract(spec: Any, fid: str, where: str, at, problems: list[str]) -> dict[str, Any]:
    """Validate a figure's ``extract:`` vocabulary; lists become tuples (immutable)."""
    if not isinstance(spec, dict):
        problems.append(f"{where}extract must be a mapping with keys {', '.join(sorted(EXTRACT_KEYS))}")
        return {}
    loc = at(spec, f"figure {fid}, extract") if spec.get(_LINE) else where
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if key in _META:
            continue
        kind = EXTRACT_KEYS.get(key)
        if kind is None:
            problems.append(f"{loc}unknown extract key {key!r}{did_you_mean(str(key), EXTRACT_KEYS)}; "
                            f"allowed: {', '.join(sorted(EXTRACT_KEYS))}")
        elif kind == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                problems.append(f"{loc}extract {key} must be a list of non-empty strings, got {value!r}")
            else:
                out[key] = tuple(v.strip() for v in value)
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 40:
                problems.append(f"{loc}extract {key} must be an integer 0-40, got {value!r}")
            else:
                out[key] = value
        elif not isinstance(value, str):
            problems.append(f"{loc}extract {key} must be text, got {value!r}")
        else:
            out[key] = value
    return out




def _load_checks(items: Any, figures, at, problems: list[str]) -> list[tuple[str, str]]:
    out = []
    if not isinstance(items, list):
        problems.append(f"{at(items)}'checks' must be a list of {{part, whole}}")
        return out
    for item in items:
        if not isinstance(item, dict) or "part" not in item or "whole" not in item:
            problems.append(f"{at(item)}each check needs 'part' and 'whole'")
            continue
        ok = True
        for key in ("part", "whole"):
            if item[key] not in figures:
                problems.append(f"{at(item, 'check')}{key} {item[key]!r} is not a declared figure"
                                f"{did_you_mean(str(item[key]), figures)}")
                ok = False
        if ok:
            out.append((item["part"], item["whole"]))
    return out


def _load_nodes(items: Any, figures, at, problems: list[str],
                zero_weights: list[str]) -> tuple[dict[str, Node], str]:
    from .scoring import SCORING_RULES  # scoring rules are validated by name here

    raw: dict[str, dict] = {}
    if not isinstance(items, list) or not items:
        problems.append(f"{at(items)}'nodes' must be a non-empty list")
        return {}, ""
    for item in items:
        if not isinstance(item, dict) or not item.get("code"):
            problems.append(f"{at(item)}each node needs a 'code'")
            continue
        code = str(item["code"])
        if code in raw:
            problems.append(f"{at(item, 'node ' + code)}duplicate node code {code!r} "
                            f"(first on line {raw[code].get(_LINE)})")
            continue
        raw[code] = item
    roots = [c for c, i in raw.items() if i.get("parent") in (None, "")]
    if len(roots) != 1:
        problems.append(f"{at(items[0] if items else {})}exactly one node must have no parent (the index); "
                        f"found {len(roots)}: {', '.join(roots) or 'none'}")
    has_children = {str(i.get("parent")) for i in raw.values() if i.get("parent")}
    for code, item in raw.items():
        parent = item.get("parent")
        if parent not in (None, "") and str(parent) not in raw:
            problems.append(f"{at(item, 'node ' + code)}parent {parent!r} is not a node{did_you_mean(parent, raw)}")
    # cycles (a node that never reaches a root)
    for code in raw:
        seen, cur = set(), code
        while cur is not None and cur in raw and cur not in seen:
            seen.add(cur)
            p = raw[cur].get("parent")
            cur = str(p) if p not in (None, "") else None
        if cur is not None and cur in seen:
            problems.append(f"{at(raw[code], 'node ' + code)}parent chain loops back to {cur!r}")
            return {}, ""

    nodes: dict[str, Node] = {}
    levels: dict[str, int] = {}

    def level(code: str) -> int:
        if code not in levels:
            kids = [c for c, i in raw.items() if str(i.get("parent") or "") == code]
            levels[code] = 1 + max((level(k) for k in kids), default=0)
        return levels[code]

    for code, item in raw.items():
        where = at(item, "node " + code)
        for key in sorted(set(item) - _NODE_KEYS - _META):
            problems.append(f"{where}unknown key {key!r}; allowed: {', '.join(sorted(_NODE_KEYS))}")
        if not item.get("zh") or not item.get("en"):
            problems.append(f"{where}needs both a Chinese (zh) and an English (en) name")
        is_root = item.get("parent") in (None, "")
        weight = item.get("weight", 0.0 if is_root else None)
        if weight is None:
            problems.append(f"{where}needs a 'weight' (expert points)")
            weight = 0.0
        elif (isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight)
              or not 0 <= weight <= 1e9):
            problems.append(f"{at(item, 'node ' + code, 'weight')}权重必须是有限的非负数 / weight must be a "
                            f"finite non-negative number (at most 1e9), got {weight!r}")
            weight = 0.0
        elif weight == 0 and not is_root and "weight" in item:
            zero_weights.append(at(item, "node " + code, "weight"))
        is_indicator = code not in has_children
        formula = None
        direction = 1
        goalposts = None
        scoring = None
        reported = item.get("reported")
        if is_indicator:
            if is_root:
                problems.append(f"{where}the index has no children")
            if "formula" not in item:
                problems.append(f"{where}an indicator needs a 'formula' (an aggregate needs children)")
            else:
                try:
                    formula = parse_formula(str(item["formula"]))
                except FormulaError as exc:
                    problems.append(f"{at(item, 'node ' + code, 'formula')}{exc}")
                else:
                    for fig in formula.figures:
                        if fig not in figures:
                            problems.append(f"{where}formula names unknown figure {fig!r}{did_you_mean(fig, figures)}")
            if item.get("target") is not None and _safe_num(item["target"]) is None:
                problems.append(f"{at(item, 'node ' + code, 'target')}目标值必须是有限数 / target must be a finite "
                                f"number, got {item['target']!r}")
            d = str(item.get("direction", "")).strip()
            if d in ("+", "1", "+1"):
                direction = 1
            elif d in ("-", "-1"):
                direction = -1
            else:
                problems.append(f"{where}direction must be '+' or '-', got {item.get('direction')!r}")
            if reported is not None:
                if reported not in figures:
                    hint = did_you_mean(str(reported), figures)
                    problems.append(f"{where}reported figure {reported!r} is not declared{hint}")
                elif figures[reported].kind != "rate":
                    problems.append(f"{where}reported figure {reported!r} must be of kind 'rate'")
            if "goalposts" in item:
                gp = item["goalposts"]
                try:
                    if not isinstance(gp, list) or len(gp) != 2:
                        raise TypeError
                    lo, hi = _num(gp[0]), _num(gp[1])
                    if lo is None or hi is None or not lo < hi:
                        raise TypeError
                    goalposts = (lo, hi)
                except TypeError:
                    problems.append(f"{where}goalposts must be [lower, upper] with lower < upper")
            due = item.get("due")
            if due is not None and (isinstance(due, bool) or not isinstance(due, int) or not 1900 <= due <= 2200):
                problems.append(f"{where}due must be a year (first year assessed), got {due!r}")
            denominator = item.get("denominator")
            if denominator is not None and str(denominator) not in figures:
                problems.append(f"{where}denominator {denominator!r} is not a declared figure"
                                f"{did_you_mean(str(denominator), figures)}")
            if "scoring" in item:
                sc = item["scoring"]
                if not isinstance(sc, dict) or "rule" not in sc:
                    problems.append(f"{where}scoring must be a mapping with a 'rule'")
                else:
                    params = {k: v for k, v in sc.items() if k not in ("rule", *_META)}
                    for k, v in params.items():
                        if isinstance(v, float) and not math.isfinite(v):
                            problems.append(f"{at(sc, 'node ' + code + ', scoring', k)}参数必须是有限数 / "
                                            f"scoring parameter {k!r} must be a finite number, got {v!r}")
                    try:
                        method = SCORING_RULES.get(sc["rule"])
                        rule_params = {k: v for k, v in params.items() if k not in ("due", "basis")}
                        method.bind(rule_params, where="scoring rule ")
                        try:  # check parameter values now, not when the first district is scored
                            method.func(np.array([0.0, 0.5, 1.0, np.nan]), direction, **rule_params)
                        except (TypeError, ValueError, IndexError, KeyError) as exc:
                            raise FrameworkError(
                                f"scoring rule {sc['rule']!r}: bad parameter value(s): {exc}"
                            ) from None
                        if sc["rule"] == "target_linear" and (
                            (rule_params["target"] - rule_params["zero_at"]) * direction <= 0
                        ):
                            better = "above" if direction > 0 else "below"
                            raise FrameworkError(
                                f"target_linear: for a {'+' if direction > 0 else '-'} indicator the target "
                                f"must lie {better} zero_at (target={rule_params['target']}, "
                                f"zero_at={rule_params['zero_at']})"
                            )
                        basis = params.get("basis")
                        if basis is not None and basis not in figures:
                            raise FrameworkError(f"scoring basis {basis!r} is not a declared figure"
                                                 f"{did_you_mean(str(basis), figures)}")
                        if "due" in params and not isinstance(params["due"], int):
                            raise FrameworkError(f"scoring 'due' must be a year, got {params['due']!r}")
                        scoring = MappingProxyType({"rule": sc["rule"], **params})
                    except (FrameworkError, ValueError) as exc:
                        problems.append(f"{where}{str(exc).replace(chr(10) + '  - ', '; ')}")
        else:
            for key in ("formula", "direction", "reported", "goalposts", "scoring", "denominator", "due", "advice"):
                if key in item:
                    problems.append(f"{where}{key!r} is only allowed on indicators; {code} has children")
        from .adjustments import load_advice

        advice = load_advice(item.get("advice"), where, problems) if is_indicator else None
        nodes[code] = Node(
            code=code, zh=str(item.get("zh", "")), en=str(item.get("en", "")),
            parent=str(item["parent"]) if not is_root else None, weight=float(weight),
            level=level(code), is_indicator=is_indicator, unit=str(item.get("unit", "")),
            direction=direction, formula=formula, reported=reported, goalposts=goalposts,
            target=_safe_num(item.get("target")), scoring=scoring, line=item.get(_LINE),
            denominator=str(item["denominator"]) if is_indicator and item.get("denominator") is not None else None,
            due=item["due"] if is_indicator and isinstance(item.get("due"), int) and not isinstance(
                item.get("due"), bool) else None,
            advice=advice,
        )
    for code in has_children & set(raw):
        kids = [c for c, i in raw.items() if str(i.get("parent") or "") == code]
        if kids and all(isinstance(raw[k].get("weight"), int | float) and raw[k]["weight"] == 0 for k in kids):
            problems.append(f"{at(raw[code], 'node ' + code)}all children have weight 0")
    return nodes, roots[0] if len(roots) == 1 else ""


def _safe_num(v: Any) -> float | None:
    try:
        return _num(v)
    except TypeError:
        return None
