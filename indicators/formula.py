"""Whitelisted arithmetic over raw-figure ids, for indicator formulas declared in frameworks.

A formula is parsed once with :mod:`ast` (never ``eval``); only numbers, figure names, ``+ - * /``,
unary minus, parentheses and the functions in :data:`FUNCTIONS` are accepted. Evaluation is
vectorised over pandas Series and tracks *why* a value is missing: a ratio whose denominator is 0
is undefined (NaN with reason ``zero denominator``), never 0 or 100 %.

References: the framework brief (``district-framework.md``), "Ratios whose denominator is 0".
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import FormulaError

#: Functions a formula may call, with their arity (None = one or more arguments).
FUNCTIONS: dict[str, int | None] = {
    "sum": None,  # sum of the arguments; missing if any is missing
    "min": None,
    "max": None,
    "coalesce": None,  # first argument that is present
    "per10k": 1,  # value per 10,000 residents: x / population * 10,000
}

#: Figure every ``per10k`` call divides by.
POPULATION = "population"

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


@dataclass(frozen=True)
class Formula:
    """A parsed, validated formula; ``figures`` lists the figure ids it reads."""

    text: str
    tree: ast.expr
    figures: tuple[str, ...]

    def evaluate(self, values: Mapping[str, pd.Series], index: pd.Index) -> tuple[pd.Series, pd.Series]:
        """Evaluate on aligned Series; return (value, reason) where reason explains each NaN."""
        val, why = _eval(self.tree, values, index)
        return pd.Series(val, index=index, dtype=float), pd.Series(why, index=index, dtype=object)

    def evaluate_arrays(self, values: Mapping[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate on float arrays of length ``n`` (no index alignment): (values, reasons)."""
        return _eval(self.tree, values, n)


def parse_formula(text: str) -> Formula:
    """Parse ``text``; raise :class:`FormulaError` naming the first construct that is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("formula is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"formula {text!r} is not valid arithmetic: {exc.msg}") from None
    names: list[str] = []
    _check(tree, text, names)
    if any(isinstance(n, ast.Call) and n.func.id == "per10k" for n in ast.walk(tree)):
        names.append(POPULATION)
    return Formula(text, tree, tuple(dict.fromkeys(names)))


def _check(node: ast.AST, text: str, names: list[str]) -> None:
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _BINOPS):
            raise FormulaError(
                f"formula {text!r}: operator {type(node.op).__name__} is not allowed; use + - * /"
            )
        _check(node.left, text, names)
        _check(node.right, text, names)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise FormulaError(f"formula {text!r}: unary {type(node.op).__name__} is not allowed")
        _check(node.operand, text, names)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"formula {text!r}: constant {node.value!r} is not a number")
    elif isinstance(node, ast.Name):
        names.append(node.id)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):  # e.g. os.system(...): name the construct
            raise FormulaError(
                f"formula {text!r}: calling {type(node.func).__name__} "
                f"{ast.unparse(node.func)!r} is not allowed; call one of {', '.join(FUNCTIONS)}"
            )
        fname = node.func.id
        if fname not in FUNCTIONS:
            allowed = ", ".join(FUNCTIONS)
            raise FormulaError(f"formula {text!r}: function {fname!r} is not allowed; use {allowed}")
        if node.keywords:
            raise FormulaError(f"formula {text!r}: keyword arguments are not allowed in {fname}()")
        arity = FUNCTIONS[fname]
        if (arity is not None and len(node.args) != arity) or not node.args:
            raise FormulaError(f"formula {text!r}: {fname}() takes {arity or 'one or more'} argument(s)")
        for arg in node.args:
            _check(arg, text, names)
    else:
        raise FormulaError(f"formula {text!r}: {type(node).__name__} is not allowed in a formula")


def _missing_reason(name: str) -> str:
    return f"missing figure {name}"


def _eval(node: ast.AST, values: Mapping[str, pd.Series | np.ndarray], index: pd.Index | int):
    """Return (float ndarray, object ndarray of reasons or None).

    ``values`` are Series aligned on ``index``, or arrays already in row order (``index`` = length)."""
    n = index if isinstance(index, int) else len(index)
    if isinstance(node, ast.Constant):
        return np.full(n, float(node.value)), np.full(n, None, dtype=object)
    if isinstance(node, ast.Name):
        s = values.get(node.id)
        if s is None:
            return np.full(n, np.nan), np.full(n, _missing_reason(node.id), dtype=object)
        arr = s if isinstance(s, np.ndarray) else s.reindex(index).to_numpy(dtype=float, na_value=np.nan)
        why = np.where(np.isnan(arr), _missing_reason(node.id), None).astype(object)
        return arr, why
    if isinstance(node, ast.UnaryOp):
        v, w = _eval(node.operand, values, index)
        return (-v if isinstance(node.op, ast.USub) else v), w
    if isinstance(node, ast.BinOp):
        a, wa = _eval(node.left, values, index)
        b, wb = _eval(node.right, values, index)
        why = _first(wa, wb)
        if isinstance(node.op, ast.Div):
            zero = (b == 0) & ~np.isnan(a)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.where(zero, np.nan, a / np.where(b == 0, 1.0, b))
            why = np.where(zero & _none(why), "zero denominator", why).astype(object)
            return out, why
        op = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}[type(node.op)]
        return op(a, b), why
    if isinstance(node, ast.Call):
        fname = node.func.id
        args = [_eval(a, values, index) for a in node.args]
        if fname == "per10k":
            v, w = args[0]
            pop, wp = _eval(ast.Name(POPULATION), values, index)
            out, why = v / np.where(pop > 0, pop, np.nan) * 10_000, _first(w, wp)
            why = np.where(_none(why) & ~(pop > 0), "zero denominator", why).astype(object)
            return out, why
        stack = np.vstack([a[0] for a in args])
        if fname == "coalesce":
            out = np.full(n, np.nan)
            for v, _ in reversed(args):
                out = np.where(~np.isnan(v), v, out)
            why = np.where(np.isnan(out), args[0][1], None).astype(object)
            return out, why
        func = {"sum": np.sum, "min": np.min, "max": np.max}[fname]
        why = _first(*[a[1] for a in args])
        return func(stack, axis=0), why
    raise FormulaError(f"cannot evaluate {ast.dump(node)}")  # unreachable after _check


def _none(why: np.ndarray) -> np.ndarray:
    return pd.isna(why)


def _first(*whys: np.ndarray) -> np.ndarray:
    out = whys[0].copy()
    for w in whys[1:]:
        fill = _none(out)
        out[fill] = w[fill]
    return out
