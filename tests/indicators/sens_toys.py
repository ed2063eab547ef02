"""Tiny frameworks and wide frames for the weighting, importance and uncertainty tests.

``tree_framework({"T": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]})`` builds a validated framework
whose indicator ``a1`` is the raw figure ``x_a1`` (formula = the figure), with goalposts [0, 100]
so that the ``goalposts`` normaliser leaves values in [0, 100] unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from indicators.framework import Framework, framework_from_dict


def fig(code: str) -> str:
    """Figure id of indicator ``code``."""
    return "x_" + code.replace(".", "_")


def tree_framework(
    tree: Mapping[str, Sequence[str]],
    *,
    weights: Mapping[str, float] | None = None,
    directions: Mapping[str, str] | None = None,
    goalposts: tuple[float, float] | None = (0.0, 100.0),
    fid: str = "toy_sens",
) -> Framework:
    """A framework from ``{parent: [children]}``; the first key is the root."""
    weights = dict(weights or {})
    directions = dict(directions or {})
    parents = {c: p for p, kids in tree.items() for c in kids}
    root = next(iter(tree))
    leaves = [c for c in parents if c not in tree]
    nodes = [{"code": root, "zh": "根", "en": "root"}]
    for code, parent in parents.items():
        node = {"code": code, "parent": parent, "weight": weights.get(code, 1), "zh": code, "en": code}
        if code in leaves:
            node.update({"formula": fig(code), "direction": directions.get(code, "+")})
            if goalposts is not None:
                node["goalposts"] = list(goalposts)
        nodes.append(node)
    figures = [{"id": fig(c), "zh": c, "en": c, "kind": "amount", "range": [None, None]} for c in leaves]
    return framework_from_dict({"id": fid, "version": "1", "name": {"zh": "玩具", "en": "toy"},
                                "figures": figures, "nodes": nodes})


def wide(values: Mapping[str, Sequence[float]], *, years: Sequence[int] | None = None,
         districts: Sequence[str] | None = None) -> pd.DataFrame:
    """Wide figures frame indexed by (district, year) from ``{indicator: values}``."""
    n = len(next(iter(values.values())))
    years = list(years) if years is not None else [2024] * n
    districts = list(districts) if districts is not None else [f"d{i:03d}" for i in range(n)]
    idx = pd.MultiIndex.from_arrays([districts, years], names=["district", "year"])
    return pd.DataFrame({fig(c): np.asarray(v, dtype=float) for c, v in values.items()}, index=idx)


def hadamard8() -> np.ndarray:
    """Sylvester's 8x8 Hadamard matrix: its columns 1..7 are centred, orthogonal, equal norm."""
    h = np.array([[1.0]])
    for _ in range(3):
        h = np.block([[h, h], [h, -h]])
    return h
