"""Whitelisted arithmetic over raw-figure ids, for indicator formulas declared in frameworks.

A formula is parsed once with :mod:`ast` (never ``eval``); only numbers, figure names, ``+ - * /``,
unary minus, parentheses and the functions in :data:`FUNCTIONS` are accepted, within bounds on
length, size and nesting (:data:`MAX_CHARS`, :data:`MAX_NODES`, :data:`MAX_DEPTH`) checked without
recursion before the recursive checker runs, and constants must be finite and of a sane magnitude
(:data:`MAX_CONSTANT`); a constant divisor of 0 is refused (the indicator would always be missing).
Evaluation is
vectorised over pandas Series and tracks *why* a value is missing: a ratio whose denominator is 0
is undefined (NaN with reason ``zero denominator``), never 0 or 100 %.

References: the framework brief (``district-framework.md``), "Ratios whose denominator is 0".
"""

from __future__ import annotations

import ast
import math
import re
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

#: Longest formula text accepted (the framework's longest is under 100 characters).
MAX_CHARS = 500
#: Most syntax-tree nodes in one formula (a 1,000-term sum is refused, not evaluated).
MAX_NODES = 200
#: Deepest nesting of operations (``- - - x`` or ``a+b+c+...`` nest one level per operator).
MAX_DEPTH = 40
#: Largest magnitude of a constant or of a constant sub-expression; the smallest nonzero is its
#: inverse. Beyond that a factor is a typo (``1e999`` is infinity; ``1e-400`` underflows to 0).
MAX_CONSTANT = 1e9


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
    if len(text) > MAX_CHARS:
        raise FormulaError(f"公式过长 / formula is too long: {len(text)} characters (at most {MAX_CHARS}); "
                           "split it into several indicators or figures")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, MemoryError, RecursionError) as exc:
        msg = getattr(exc, "msg", None) or "nested too deeply"
        raise FormulaError(f"formula {text!r} is not valid arithmetic: {msg}") from None
    _check_size(tree, text)
    names: list[str] = []
    _check(tree, text, names)
    _check_constants(tree, text)
    if any(isinstance(n, ast.Call) and n.func.id == "per10k" for n in ast.walk(tree)):
        names.append(POPULATION)
    return Formula(text, tree, tuple(dict.fromkeys(names)))


def _check_size(tree: ast.AST, text: str) -> None:
    """Refuse formulas with too many nodes or too deep a nesting, without recursing."""
    count, depth = 0, 0
    stack = [(tree, 1)]
    while stack:
        node, d = stack.pop()
        count += 1
        depth = max(depth, d)
        if count > MAX_NODES or depth > MAX_DEPTH:
            what = f"{MAX_NODES} terms" if count > MAX_NODES else f"{MAX_DEPTH} levels of nesting"
            raise FormulaError(f"公式过于复杂 / formula {text[:40]!r}… is too complex: more than {what} "
                               "(write a long sum as sum(a, b, …), or split it into several indicators)")
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node) if not isinstance(
            child, ast.operator | ast.unaryop | ast.expr_context))


def _constant(node: ast.AST) -> float | None:
    """Value of a sub-expression made only of numbers and + - * / (None if it reads a figure)."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        v = _constant(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp):
        a, b = _constant(node.left), _constant(node.right)
        if a is None or b is None:
            return None
        if isinstance(node.op, ast.Div):
            return float("nan") if b == 0 else a / b
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)]
    return None


def _check_constants(tree: ast.AST, text: str) -> None:
    """Refuse non-finite or absurd constants and constant zero divisors (checked after :func:`_check`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            v = float(node.value)
            literal = ast.get_source_segment(text.strip(), node) or repr(node.value)
            if not math.isfinite(v) or abs(v) > MAX_CONSTANT:
                raise FormulaError(f"常数 {literal} 非有限或过大 / formula {text!r}: constant {literal} is "
                                   f"{'not finite' if not math.isfinite(v) else 'absurdly large'} "
                                   f"(at most {MAX_CONSTANT:g} in magnitude)")
            if v == 0 and re.search(r"[1-9]", literal.split("e")[0].split("E")[0]):
                raise FormulaError(f"常数 {literal} 下溢为 0 / formula {text!r}: constant {literal} underflows "
                                   "to 0")
            if 0 < abs(v) < 1 / MAX_CONSTANT:
                raise FormulaError(f"常数 {literal} 过小 / formula {text!r}: constant {literal} is absurdly small "
                                   f"(at least {1 / MAX_CONSTANT:g} in magnitude, or 0)")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            d = _constant(node.right)
            if d is not None and (d == 0 or not math.isfinite(d)):
                raise FormulaError(f"除数恒为 0 / formula {text!r}: divides by the constant "
                                   f"{ast.unparse(node.right)} = 0: the indicator would always be missing")
    for node in ast.walk(tree):
        sub = _constant(node) if isinstance(node, ast.BinOp) else None
        if sub is not None and (not math.isfinite(sub) or abs(sub) > MAX_CONSTANT):
            raise FormulaError(f"常数表达式过大 / formula {text!r}: constant part {ast.unparse(node)} evaluates "
                               f"to {sub:g} (at most {MAX_CONSTANT:g} in magnitude)")


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
