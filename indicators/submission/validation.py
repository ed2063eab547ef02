"""Validation of submitted figures against a framework: every problem at once, with its location.

Checks: unreadable values; unknown figure ids (with the nearest known id); values outside the
declared range (negative counts, a rate written as a percentage without ``%``); a part larger than
its whole; conflicting and identical duplicates; missing required figures; reported rates that
disagree with their counts beyond the rounding shown; inconsistent district names and units.
Vectorised: Problem objects are built only for failing rows.

References: the framework brief (``district-framework.md``), "Reported rates next to counts".
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, ValidationWarning
from ..framework import Framework
from .types import Layout, Problem, Submission
from .values import infer_decimals, normalise_text

__all__ = ["PROBLEM_COLUMNS", "ValidationReport", "problem_kind", "validate"]

#: Columns of the file written by :meth:`ValidationReport.write_problems`.
PROBLEM_COLUMNS = ("severity", "file", "row", "column", "district", "year", "figure", "kind", "message")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d_.,]*(?:[eE][-+]?\d+)?%?")


def problem_kind(message: str) -> str:
    """A problem's kind: its message with quoted text, and the numbers before any ``;``, as ``…``.

    ``value 'abc' is not a number`` and ``value 'x1' is not a number`` are one kind (the advice
    after ``;`` is the same for all and keeps its examples); the validation summary lists the
    first few problems of each kind and counts the rest.
    """
    head, sep, advice = _QUOTED.sub("…", message).partition(";")
    return _NUMBER.sub("…", head) + sep + advice


@dataclass
class ValidationReport:
    """Every problem found in a submission: errors (fail) and warnings (do not fail)."""

    errors: list[Problem]
    warnings: list[Problem]
    files: tuple[str, ...] = ()
    rows: int = 0
    district_years: int = 0

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not fail)."""
        return not self.errors

    def summary(self, limit: int | None = None) -> str:
        """Multi-line text: counts, then the errors, then the warnings.

        With ``limit`` at most that many problems of each kind (:func:`problem_kind`) are listed;
        the rest are counted per column and kind, so a file with a million bad values prints a
        screenful, not a million lines. Every problem stays in :attr:`errors`/:attr:`warnings`;
        :meth:`write_problems` writes them all. None lists everything.
        """
        e, w = len(self.errors), len(self.warnings)
        what = ", ".join(self.files) or "submitted figures"
        lines = [f"{what}: {self.rows} value{'s' if self.rows != 1 else ''}, "
                 f"{self.district_years} district-year{'s' if self.district_years != 1 else ''}; "
                 f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}"]
        hidden_total = 0
        for title, items in (("Errors", self.errors), ("Warnings", self.warnings)):
            if not items:
                continue
            lines.append(f"{title}:")
            if limit is None or len(items) <= limit:
                lines.extend(f"  - {p}" for p in items)
                continue
            shown_per_kind: dict[str, int] = {}
            hidden: dict[tuple[str, str], int] = {}
            for p in items:
                kind = problem_kind(p.message)
                n = shown_per_kind.get(kind, 0)
                if n < limit:
                    shown_per_kind[kind] = n + 1
                    lines.append(f"  - {p}")
                else:
                    key = (p.column or "-", kind)
                    hidden[key] = hidden.get(key, 0) + 1
            if hidden:
                n_hidden = sum(hidden.values())
                hidden_total += n_hidden
                lines.append(f"  未列出的另 {n_hidden} 条（按列和类型计数） / {n_hidden} more not listed "
                             f"(first {limit} of each kind shown), by column and kind:")
                for (column, kind), count in sorted(hidden.items(), key=lambda kv: (-kv[1], kv[0])):
                    lines.append(f"    {count:>9,} × column {column}: {kind}")
        if hidden_total:
            lines.append("完整列表可用 --problems-out 文件.csv 写出 / write the full list with "
                         "--problems-out FILE.csv")
        return "\n".join(lines)

    def write_problems(self, path: str | Path) -> Path:
        """Write every error and warning to a CSV file (atomically), one problem per row.

        Columns: severity, file, row, column, district, year, figure, kind, message (UTF-8 with
        BOM so that Excel opens Chinese text correctly), through :func:`indicators.outputs.write_csv`
        (atomic; text that a spreadsheet would run as a formula is neutralised).
        """
        from ..outputs import write_csv  # the one CSV writer: atomic, formula-leading text neutralised

        problems = [*self.errors, *self.warnings]
        frame = pd.DataFrame({
            "severity": [p.severity for p in problems], "file": [p.file for p in problems],
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "column": [p.column for p in problems], "district": [p.district for p in problems],
            "year": pd.array([p.year for p in problems], dtype="Int64"),
            "figure": [p.figure for p in problems], "kind": [problem_kind(p.message) for p in problems],
            "message": [p.message for p in problems]}, columns=list(PROBLEM_COLUMNS))
        return write_csv(frame, path, bom=True)

    def warn(self) -> None:
        """Issue one :class:`~indicators.errors.ValidationWarning` listing every warning, if any."""
        if self.warnings:
            n = len(self.warnings)
            lines = "".join(f"\n  - {p}" for p in self.warnings)
            warnings.warn(f"submitted figures: {n} warning{'s' if n != 1 else ''}{lines}",
                          ValidationWarning, stacklevel=2)

    def raise_if_errors(self) -> None:
        """Raise :class:`~indicators.errors.DataError` listing every error, if there is any."""
        if self.errors:
            n = len(self.errors)
            what = ", ".join(self.files) or "submitted figures"
            raise DataError(f"{what} failed validation with {n} error{'s' if n != 1 else ''}",
                            [str(p) for p in self.errors])


class _Rows:
    """Column arrays of the figures table, for building Problems at failing rows only."""

    def __init__(self, figures: pd.DataFrame) -> None:
        self._cats = {c: (figures[c].cat.codes.to_numpy(), figures[c].cat.categories)
                      for c in ("file", "column", "district", "figure", "text")}
        self.row = figures["row"].to_numpy()
        self.year = figures["year"].to_numpy()
        self.value = figures["value"].to_numpy(dtype=float)

    def get(self, column: str, i: int) -> str | None:
        """The text of categorical ``column`` at row position ``i`` (None when missing)."""
        codes, cats = self._cats[column]
        return cats[codes[i]] if codes[i] >= 0 else None

    def problem(self, i: int, severity: str, message: str, column: str | None = None) -> Problem:
        return Problem(severity, message, self.get("file", i), int(self.row[i]),
                       column or self.get("column", i), self.get("district", i),
                       int(self.year[i]), self.get("figure", i))

    def shown(self, i: int) -> str:
        """The value as written (the text when there is one)."""
        text = self.get("text", i)
        return text if text is not None else _fmt(self.value[i])

    def where(self, i: int, file: str | None = None) -> str:
        """'row 5' (or 'other.csv row 5' when in another file than ``file``)."""
        here = self.get("file", i)
        return f"row {self.row[i]}" if here == file else f"{here} row {self.row[i]}"


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:.12g}"


_KINDS = {"count": 1, "amount": 2, "rate": 3, "binary": 4}


def validate(submission: Submission, framework: Framework) -> ValidationReport:
    """Check submitted figures against ``framework``; collect every problem, never stop early.

    Checks: read-time problems; unknown figure ids (nearest known id); declared ranges (a rate
    written as 98.6 is said to look like a percentage); part ≤ whole for the framework's checks;
    duplicates; required figures per district-year; reported rates against their counts within
    the rounding shown; one name and one group per district; units and approximate values.
    Vectorised: Python only runs for rows that fail.
    """
    f = submission.figures
    lay = submission._layout
    rows = _Rows(f)
    errors: list[Problem] = [p for p in submission.problems if p.severity == "error"]
    warns: list[Problem] = [p for p in submission.problems if p.severity != "error"]
    fig_spec = framework.figures
    spec_of_col = [fig_spec.get(c) for c in lay.figures]
    v = rows.value

    # 2. unknown figure ids ---------------------------------------------------------------------
    known_col = np.array([s is not None for s in spec_of_col] + [True], dtype=bool)
    hints: dict[int, str] = {}
    for i in np.flatnonzero(~known_col[lay.fig]):
        j = int(lay.fig[i])
        fid = lay.figures[j]
        if j not in hints:
            close = difflib.get_close_matches(fid, list(fig_spec), n=1)
            hints[j] = f"; did you mean {close[0]!r}?" if close else ""
        column = "figure" if rows.get("column", i) != fid else None
        errors.append(rows.problem(i, "error", f"unknown figure id {fid!r}{hints[j]}", column))

    # 3. ranges ---------------------------------------------------------------------------------
    def per_col(get: Any, missing: Any, dtype: Any) -> np.ndarray:
        return np.array([missing if s is None else get(s) for s in spec_of_col] + [missing],
                        dtype=dtype)

    kind = per_col(lambda s: _KINDS[s.kind], 0, np.int8)
    lo = per_col(lambda s: np.nan if s.lower is None else s.lower, np.nan, float)
    hi = per_col(lambda s: np.nan if s.upper is None else s.upper, np.nan, float)
    percent = f["percent"].to_numpy(dtype=bool)
    # dense check of the first row of every cell, then per row for the rest (duplicates)
    bad_cell, frac_cell = _range_flags(lay.value, kind[:-1], lo[:-1], hi[:-1])
    range_bad = np.zeros(len(f), bool)
    fractional = np.zeros(len(f), bool)
    range_bad[lay.pos[bad_cell]] = True
    fractional[lay.pos[frac_cell]] = True
    if lay.counts.size and lay.counts.max() > 1:
        cell = lay.key * len(lay.figures) + lay.fig
        extra = np.flatnonzero(lay.pos.ravel()[cell] != np.arange(len(f)))
        fx = lay.fig[extra]
        bad_x, frac_x = _range_flags(v[extra], kind[fx], lo[fx], hi[fx])
        range_bad[extra[bad_x]] = True
        fractional[extra[frac_x]] = True
    pct = np.flatnonzero(percent)
    range_bad[pct[np.isin(kind[lay.fig[pct]], (1, 2))]] = True  # a count written as a percent
    fractional &= ~range_bad
    for i in np.flatnonzero(range_bad):
        spec = spec_of_col[lay.fig[i]]
        errors.append(rows.problem(i, "error", _range_message(i, rows, spec, bool(percent[i]))))
    for i in np.flatnonzero(fractional):
        spec = spec_of_col[lay.fig[i]]
        warns.append(rows.problem(i, "warning", (
            f"count {rows.shown(i)} is not a whole number ({spec.unit}); check it is not a rate "
            f"or an average")))

    # 4. part > whole -----------------------------------------------------------------------------
    for part, whole in framework.checks:
        pj, wj = lay.column(part), lay.column(whole)
        if pj < 0 or wj < 0:
            continue
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(lay.value[:, pj] > lay.value[:, wj])
        for k in bad:
            ip, iw = lay.pos[k, pj], lay.pos[k, wj]
            if range_bad[ip] or range_bad[iw]:
                continue
            errors.append(rows.problem(ip, "error", (
                f"{part} {rows.shown(ip)} is larger than its whole {whole} {rows.shown(iw)} "
                f"({rows.where(iw, rows.get('file', ip))}); a part cannot exceed its whole")))

    # 5. duplicates -------------------------------------------------------------------------------
    if lay.counts.size and lay.counts.max() > 1:
        cell = lay.key * len(lay.figures) + lay.fig
        first = lay.pos.ravel()[cell]
        for i in np.flatnonzero(lay.counts.ravel()[cell] > 1):
            j = first[i]
            if j == i or np.isnan(v[i]) or np.isnan(v[j]):  # unreadable: reported already
                continue
            where = rows.where(j, rows.get("file", i))
            if v[i] == v[j]:
                warns.append(rows.problem(i, "warning", (
                    f"duplicate of {where} (same value {rows.shown(i)}); keep one row")))
            else:
                errors.append(rows.problem(i, "error", (
                    f"conflicting duplicate: {rows.shown(i)} here but {rows.shown(j)} at {where} "
                    f"for the same district, year and figure; keep the right one")))

    # 6. required figures -------------------------------------------------------------------------
    first_row_of_key: np.ndarray | None = None
    for spec in fig_spec.values():
        if not spec.required:
            continue
        j = lay.column(spec.id)
        missing = np.arange(len(lay.districts)) if j < 0 else np.flatnonzero(lay.pos[:, j] < 0)
        if len(missing) and first_row_of_key is None:
            first_row_of_key = np.full(len(lay.districts), len(lay.key), dtype=np.int64)
            np.minimum.at(first_row_of_key, lay.key, np.arange(len(lay.key)))
        for k in missing:
            errors.append(Problem(
                "error", f"required figure {spec.id} ({spec.zh}, {spec.unit}) was not submitted "
                f"for this district-year; add a row with figure {spec.id}",
                rows.get("file", first_row_of_key[k]), None, None, lay.districts[k],
                int(lay.years[k]), spec.id))

    # 7. reported rates against their counts ------------------------------------------------------
    warns.extend(_check_reported(framework, lay, rows, f, range_bad))

    # 8. districts: one name, one group; units; approximations ------------------------------------
    warns.extend(_check_districts(f, rows))
    warns.extend(_check_units(f, rows, lay, spec_of_col))
    for i in np.flatnonzero(f["approx"].to_numpy(dtype=bool) & ~np.isnan(v)):
        warns.append(rows.problem(i, "warning", (
            f"{rows.shown(i)} is marked approximate; it is used as {_fmt(v[i])} (give the exact "
            f"figure if it is known)")))

    files = tuple(submission.files) or tuple(f["file"].cat.categories)
    order = {name: i for i, name in enumerate(files)}
    return ValidationReport(_sorted(errors, order), _sorted(warns, order), files,
                            rows=len(f), district_years=len(lay.districts))


def _range_flags(x: np.ndarray, kind: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise (outside range or not binary, count not whole) over broadcastable arrays."""
    with np.errstate(invalid="ignore"):
        bad = (x < lo) | (x > hi) | ((kind == 4) & (x != 0) & (x != 1) & ~np.isnan(x))
        fractional = (kind == 1) & ~bad & (x != np.floor(x)) & np.isfinite(x)
    return bad, fractional


def _sorted(problems: list[Problem], order: Mapping[str, int]) -> list[Problem]:
    """Sort problems by file, then row (problems without a row after the file's rows)."""
    def key(p: Problem) -> tuple:
        return (order.get(p.file or "", len(order)), p.file or "", p.row is None, p.row or 0,
                p.district or "", p.year or 0)
    return sorted(problems, key=key)


def _range_message(i: int, rows: _Rows, spec: Any, percent: bool) -> str:
    """Explain an out-of-range value: percentages written as plain numbers, units, bounds."""
    x, shown = rows.value[i], rows.shown(i)
    if spec.kind in ("count", "amount") and percent:
        return (f"{spec.kind} {shown} is written as a percentage; submit the {spec.kind} itself "
                f"({spec.unit})")
    if spec.kind == "binary":
        return f"binary figure {spec.id} must be 0 or 1, got {shown}"
    lo, hi = spec.lower, spec.upper
    if spec.kind == "rate" and lo == 0 and hi == 1 and not percent and 1 < x <= 100:
        return (f"rate {shown} is outside [0, 1]; it looks like a percentage — write {shown}% or "
                f"{_fmt(float(Decimal(repr(float(x))) / 100))}")
    if spec.kind == "rate" and lo == 0 and hi == 1:
        return f"rate {shown} is outside [0, 1] (0%–100%)"
    if spec.kind in ("count", "amount") and x < 0 and (lo is None or lo >= 0):
        return f"{spec.kind} {shown} is negative; a {spec.kind} cannot be below 0"
    bounds = f"[{_fmt(lo) if lo is not None else '-∞'}, {_fmt(hi) if hi is not None else '∞'}]"
    message = (f"{spec.kind} {shown} is outside the declared range {bounds} of {spec.id} "
               f"({spec.zh}, {spec.unit})")
    top = math.inf if hi is None else hi
    if lo is not None and lo > 0 and x < lo and lo <= x * 10_000 <= top:
        message += f"; if it is in 万{spec.unit}, write the full number ({_fmt(x * 10_000)})"
    return message


def _check_reported(framework: Framework, lay: Layout, rows: _Rows, f: pd.DataFrame,
                    range_bad: np.ndarray) -> list[Problem]:
    """Warn where a reported rate and the rate computed from its counts disagree.

    Only indicators whose formula is a ratio (a division at the top) are compared. The tolerance
    is half a unit of the last decimal shown (98.03% → ±0.005 percentage points; 98% or 约98% →
    ±0.5 pp); for numbers given without text the shortest decimal form is used (0.9803 → ±0.00005).
    """
    out: list[Problem] = []
    decimals_all = f["decimals"].to_numpy(dtype=float)
    percent_all = f["percent"].to_numpy(dtype=bool)
    for node in framework.nodes.values():
        if not node.is_indicator or node.reported is None or node.formula is None:
            continue
        tree = node.formula.tree
        if not (isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Div)):
            continue
        rj = lay.column(node.reported)
        cols = [lay.column(x) for x in node.formula.figures]
        if rj < 0 or min(cols, default=-1) < 0:
            continue
        have = lay.pos[:, rj] >= 0
        for c in cols:
            have &= lay.pos[:, c] >= 0
        keys = np.flatnonzero(have)
        if not len(keys):
            continue
        reported = lay.value[keys, rj]
        pos = lay.pos[keys, rj]
        index = pd.RangeIndex(len(keys))
        values = {x: pd.Series(lay.value[keys, c], index=index)
                  for x, c in zip(node.formula.figures, cols, strict=True)}
        computed, _ = node.formula.evaluate(values, index)
        computed = computed.to_numpy()
        decimals = decimals_all[pos]
        pct = percent_all[pos]
        unknown = np.isnan(decimals)
        if unknown.any():
            decimals[unknown] = infer_decimals(reported[unknown])
        tol = np.where(np.isnan(decimals), 0.0, 0.5 * 10.0 ** -np.nan_to_num(decimals))
        tol = np.where(pct, tol / 100, tol) * (1 + 1e-9) + 1e-12
        with np.errstate(invalid="ignore"):
            bad = np.abs(computed - reported) > tol
        bad &= ~np.isnan(computed) & ~np.isnan(reported) & ~range_bad[pos]
        for m in np.flatnonzero(bad):
            i = pos[m]
            parts = ", ".join(f"{x} {rows.shown(lay.pos[keys[m], c])} "
                              f"({rows.where(lay.pos[keys[m], c], rows.get('file', i))})"
                              for x, c in zip(node.formula.figures, cols, strict=True))
            shown = rows.shown(i)
            d = 6 if np.isnan(decimals[m]) else int(decimals[m])
            if pct[m]:
                got = f"{computed[m] * 100:.{d + 2}f}%"
                band = (f"{(reported[m] - tol[m]) * 100:.{d + 1}f}%–"
                        f"{(reported[m] + tol[m]) * 100:.{d + 1}f}%")
            else:
                got = f"{computed[m]:.{d + 2}f}"
                band = f"{reported[m] - tol[m]:.{d + 1}f}–{reported[m] + tol[m]:.{d + 1}f}"
            out.append(rows.problem(i, "warning", (
                f"reported {node.reported} {shown} disagrees with its counts: "
                f"{node.formula.text} = {got} from {parts}; {shown} allows {band}")))
    return out


def _check_districts(f: pd.DataFrame, rows: _Rows) -> list[Problem]:
    """Warn when a district is given two names or two groups (at the first row of each other)."""
    out: list[Problem] = []
    dcodes = f["district"].cat.codes.to_numpy().astype(np.int64)
    dcats = f["district"].cat.categories
    n_districts = len(dcats)
    folded: dict[str, int] = {}
    for d, name in enumerate(dcats):  # ids that differ only in case are probably one district
        other = folded.setdefault(name.casefold(), d)
        if other != d:
            i = int(np.argmax(dcodes == d))
            j = int(np.argmax(dcodes == other))
            out.append(rows.problem(i, "warning", (
                f"district id {name!r} differs only in case from {dcats[other]!r} "
                f"({rows.where(j, rows.get('file', i))}); ids are case-sensitive"), "district"))
    for col, what in (("district_name", "named"), ("group", "in group")):
        codes = f[col].cat.codes.to_numpy().astype(np.int64)
        have = codes >= 0
        if not have.any():
            continue
        some = np.full(n_districts, -1, dtype=np.int64)
        some[dcodes[have]] = codes[have]  # any one name per district
        odd = np.flatnonzero(have & (codes != some[dcodes]))
        if not len(odd):
            continue
        cats = f[col].cat.categories
        for d in np.unique(dcodes[odd]):  # only districts with more than one name
            idx = np.flatnonzero((dcodes == d) & have)
            _, first = np.unique(codes[idx], return_index=True)
            first = np.sort(idx[first])
            for i in first[1:]:
                j = first[0]
                out.append(rows.problem(i, "warning", (
                    f"district {rows.get('district', i)} is {what} {cats[codes[i]]!r} here but "
                    f"{cats[codes[j]]!r} at {rows.where(j, rows.get('file', i))}; use one"), col))
    return out


def _check_units(f: pd.DataFrame, rows: _Rows, lay: Layout, specs: list) -> list[Problem]:
    """Warn when a row's unit differs from the framework's unit for the figure."""
    out: list[Problem] = []
    ucodes = f["unit"].cat.codes.to_numpy().astype(np.int64)
    have = ucodes >= 0
    if not have.any() or not len(lay.figures):
        return out
    ucats = f["unit"].cat.categories
    pair = lay.fig * (len(ucats) + 1) + ucodes
    for p in pd.unique(pair[have]):
        j, u = divmod(int(p), len(ucats) + 1)
        spec = specs[j]
        if spec is None or ucats[u] == normalise_text(spec.unit) or (
                spec.kind == "rate" and ucats[u] in ("%", "百分比")):
            continue
        for i in np.flatnonzero(pair == p):
            out.append(rows.problem(i, "warning", (
                f"unit {ucats[u]!r} differs from the framework's unit {spec.unit!r} for "
                f"{spec.id}; submit the value in {spec.unit}"), "unit"))
    return out


