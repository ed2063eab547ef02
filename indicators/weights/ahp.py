"""Analytic Hierarchy Process: pairwise judgements -> weights, with Saaty's consistency check.

A judgement matrix ``A`` for the children of one parent holds ``a_ij`` = how many times more
important child ``i`` is than child ``j`` on Saaty's 1–9 scale (and reciprocals), with
``a_ii = 1`` and ``a_ji = 1 / a_ij``. The weights are the principal right eigenvector of ``A``
normalised to sum 1; ``λmax`` is its eigenvalue, ``CI = (λmax - n) / (n - 1)``,
``CR = CI / RI(n)`` with Saaty's random index ``RI``; ``CR > 0.1`` is conventionally too
inconsistent and raises :class:`~indicators.errors.InconsistentJudgementsWarning`.

Several experts' matrices are combined element-wise by the (weighted) geometric mean, the only
synthesis that keeps the reciprocal property (aggregation of individual judgements, AIJ).

Judgement files (YAML) hold one entry per parent::

    judgements:
      - parent: D1
        items: [D1.1, D1.2, D1.3]
        matrix:                 # full matrix, rows and columns in the order of ``items``
          - [1, 3, 5]
          - [1/3, 1, 2]
          - [1/5, 1/2, 1]
      - parent: D2
        items: [D2.1, D2.2, D2.3]
        upper: [2, 4, 2]        # a_12, a_13, a_23: the upper triangle row by row
      - parent: D3
        items: [D3.1, D3.2]
        experts:                # several experts: each gives ``matrix`` or ``upper``
          expert_a: {upper: [3]}
          expert_b: {upper: [1/2]}

A CSV file holds one parent (named after the file stem): a square table whose header row and
first column both list the items. Values may be numbers or fractions such as ``1/3``.

References: Saaty (1980), *The Analytic Hierarchy Process*, McGraw-Hill (scale, eigenvector,
CI, RI table); Saaty (1990), "How to make a decision: the analytic hierarchy process", *EJOR*
48(1), 9–26, https://doi.org/10.1016/0377-2217(90)90057-I; Aczél & Saaty (1983), "Procedures
for synthesizing ratio judgements", *J. Math. Psych.* 27(1), 93–102,
https://doi.org/10.1016/0022-2496(83)90028-7; Forman & Peniwati (1998), "Aggregating individual
judgments and priorities with the AHP", *EJOR* 108(1), 165–169,
https://doi.org/10.1016/S0377-2217(97)00244-0; OECD/JRC (2008) *Handbook on Constructing
Composite Indicators* §6.1.5 (AHP), https://doi.org/10.1787/9789264043466-en.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import InconsistentJudgementsWarning, JudgementError
from ..framework import Framework
from .base import (
    WEIGHTERS,
    ExplainedWeights,
    Rest,
    resolve_data_path,
    rest_weights,
)

__all__ = [
    "RANDOM_INDEX_SAATY",
    "AHPResult",
    "Judgements",
    "ahp_weights",
    "group_judgements",
    "load_judgements",
    "validate_judgements",
]

#: Saaty's random consistency index RI(n), n = 1..15: mean CI of random reciprocal matrices
#: with entries drawn from the 1/9..9 scale (Saaty 1980, *The Analytic Hierarchy Process*,
#: Table of RI; n <= 10 as reprinted in Saaty 1990, *EJOR* 48, 9–26). CR is undefined for
#: n <= 2 (every 1x1 or 2x2 reciprocal matrix is consistent) and reported as 0.
RANDOM_INDEX_SAATY: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}

_SCALE_MIN, _SCALE_MAX = 1.0 / 9.0, 9.0


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of one judgement matrix (see :func:`ahp_weights`)."""

    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float
    cr_threshold: float

    @property
    def consistent(self) -> bool:
        """``CR <= cr_threshold``."""
        return self.cr <= self.cr_threshold

    def explain(self) -> dict[str, Any]:
        """Plain dict for explain tables: n, λmax, CI, RI, CR, threshold and verdict."""
        return {
            "n": len(self.weights),
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "ri": self.ri,
            "cr": self.cr,
            "cr_threshold": self.cr_threshold,
            "consistent": self.consistent,
        }


def validate_judgements(
    matrix: ArrayLike | pd.DataFrame,
    *,
    items: Sequence[str] | None = None,
    reciprocal_tol: float = 1e-2,
    where: str = "",
) -> pd.DataFrame:
    """Check a pairwise judgement matrix and return it as a labelled float DataFrame.

    Every problem is collected: not square, labels of rows and columns differ, non-numeric or
    non-positive or non-finite entries, diagonal not 1, entries outside Saaty's 1/9..9 scale,
    and ``a_ji`` not the reciprocal of ``a_ij`` (``|a_ij * a_ji - 1| > reciprocal_tol``).

    Parameters
    ----------
    matrix : array-like or pandas.DataFrame
        Square matrix; a DataFrame carries the item labels (index must equal columns).
    items : sequence of str, optional
        Item labels for an unlabelled matrix (default ``0..n-1``); for a DataFrame they must
        match its labels.
    reciprocal_tol : float, default 0.01
        Tolerance on ``a_ij * a_ji = 1`` and on the scale bounds (accepts ``0.333`` for 1/3).
    where : str
        Prefix for messages (e.g. ``"judgements.yaml, parent 'D1': "``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    JudgementError
        Listing every problem with its row and column labels.

    References
    ----------
    Saaty (1980), *The Analytic Hierarchy Process*, McGraw-Hill, ch. 1–2 (scale, reciprocity).
    """
    if isinstance(reciprocal_tol, bool) or not (
        isinstance(reciprocal_tol, (int, float)) and 0 <= reciprocal_tol < 1
    ):
        raise JudgementError(f"{where}reciprocal_tol must be in [0, 1), got {reciprocal_tol!r}")
    if isinstance(matrix, pd.DataFrame):
        if list(matrix.index) != list(matrix.columns):
            raise JudgementError(
                f"{where}row labels {list(matrix.index)} differ from column labels "
                f"{list(matrix.columns)}; both must list the items in the same order"
            )
        labels = [str(c) for c in matrix.columns]
        if items is not None and list(items) != labels:
            raise JudgementError(f"{where}items {list(items)} differ from the labels {labels}")
        raw = matrix.to_numpy(dtype=object)
    else:
        raw = np.asarray(matrix, dtype=object)
        if raw.ndim != 2 or raw.shape[0] != raw.shape[1]:
            raise JudgementError(f"{where}judgement matrix must be square, got shape {raw.shape}")
        labels = [str(i) for i in (items if items is not None else range(raw.shape[0]))]
        if len(labels) != raw.shape[0]:
            raise JudgementError(
                f"{where}{len(labels)} items for a {raw.shape[0]}x{raw.shape[0]} matrix"
            )
    if len(set(labels)) != len(labels):
        dup = sorted({x for x in labels if labels.count(x) > 1})
        raise JudgementError(f"{where}duplicate item labels {dup}")
    n = len(labels)
    if n == 0:
        raise JudgementError(f"{where}judgement matrix is empty")

    problems: list[str] = []
    a = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            cell = f"a[{labels[i]}, {labels[j]}]"
            try:
                val = _to_float(raw[i, j])
            except ValueError:
                problems.append(
                    f"{where}{cell} = {raw[i, j]!r} is not a number or fraction like 1/3"
                )
                continue
            if not math.isfinite(val) or val <= 0:
                problems.append(f"{where}{cell} = {val!r} must be a positive finite number")
                continue
            a[i, j] = val
    for i in range(n):
        if not np.isnan(a[i, i]) and abs(a[i, i] - 1.0) > 1e-12:
            problems.append(f"{where}diagonal a[{labels[i]}, {labels[i]}] = {a[i, i]:g} must be 1")
    lo, hi = _SCALE_MIN * (1 - reciprocal_tol), _SCALE_MAX * (1 + reciprocal_tol)
    for i in range(n):
        for j in range(n):
            v = a[i, j]
            if i != j and not np.isnan(v) and not lo <= v <= hi:
                problems.append(
                    f"{where}a[{labels[i]}, {labels[j]}] = {v:g} is outside Saaty's scale 1/9..9"
                )
    for i in range(n):
        for j in range(i + 1, n):
            v, w = a[i, j], a[j, i]
            if np.isnan(v) or np.isnan(w):
                continue
            if abs(v * w - 1.0) > reciprocal_tol:
                problems.append(
                    f"{where}a[{labels[j]}, {labels[i]}] = {w:g} is not the reciprocal of "
                    f"a[{labels[i]}, {labels[j]}] = {v:g} (expected {1 / v:.4g}; "
                    f"a_ij * a_ji must be 1 within {reciprocal_tol:g})"
                )
    if problems:
        raise JudgementError("invalid judgement matrix", problems)
    return pd.DataFrame(a, index=labels, columns=labels)


def ahp_weights(
    matrix: ArrayLike | pd.DataFrame,
    *,
    items: Sequence[str] | None = None,
    cr_threshold: float = 0.1,
    random_index: float | None = None,
    reciprocal_tol: float = 1e-2,
    where: str = "",
) -> AHPResult:
    """Principal-eigenvector weights and consistency ratio of a judgement matrix.

    Parameters
    ----------
    matrix : array-like or pandas.DataFrame
        Pairwise judgement matrix, validated by :func:`validate_judgements`.
    items : sequence of str, optional
        Labels of an unlabelled matrix.
    cr_threshold : float, default 0.1
        Consistency ratios above it raise :class:`InconsistentJudgementsWarning`.
    random_index : float, optional
        RI to use instead of :data:`RANDOM_INDEX_SAATY` (required for n > 15).
    reciprocal_tol : float, default 0.01
        See :func:`validate_judgements`.
    where : str
        Prefix for messages (file, parent, expert).

    Returns
    -------
    AHPResult
        ``weights`` (Series over the items, sum 1), ``lambda_max``, ``ci``, ``ri``, ``cr``.

    Raises
    ------
    JudgementError
        Invalid matrix or parameters, or n > 15 without ``random_index``.

    Warns
    -----
    InconsistentJudgementsWarning
        When ``CR > cr_threshold``.

    References
    ----------
    Saaty (1980), *The Analytic Hierarchy Process*, McGraw-Hill; Saaty (1990), *EJOR* 48(1),
    9–26, https://doi.org/10.1016/0377-2217(90)90057-I (eigenvector method, CI, CR < 0.1).
    """
    if isinstance(cr_threshold, bool) or not (
        isinstance(cr_threshold, (int, float)) and cr_threshold >= 0
    ):
        raise JudgementError(f"{where}cr_threshold must be a number >= 0, got {cr_threshold!r}")
    a = validate_judgements(matrix, items=items, reciprocal_tol=reciprocal_tol, where=where)
    n = a.shape[0]
    if random_index is not None:
        if isinstance(random_index, bool) or not (
            isinstance(random_index, (int, float)) and random_index > 0
        ):
            raise JudgementError(f"{where}random_index must be positive, got {random_index!r}")
        ri = float(random_index)
    elif n in RANDOM_INDEX_SAATY:
        ri = RANDOM_INDEX_SAATY[n]
    else:
        raise JudgementError(
            f"{where}no random index for n = {n} (Saaty's table covers 1..15); "
            "pass random_index= or split the parent into smaller groups"
        )
    values, vectors = np.linalg.eig(a.to_numpy())
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    vec = np.abs(vectors[:, k].real)  # Perron vector: one sign, real for a positive matrix
    w = vec / vec.sum()
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0  # λmax >= n; clip rounding noise
    cr = ci / ri if n > 2 else 0.0
    result = AHPResult(
        weights=pd.Series(w, index=a.index, name="weight"),
        lambda_max=lam,
        ci=ci,
        ri=ri,
        cr=cr,
        cr_threshold=float(cr_threshold),
    )
    if cr > cr_threshold:
        warnings.warn(
            f"{where}consistency ratio CR = {cr:.3f} exceeds {cr_threshold:g} "
            f"(λmax = {lam:.3f}, n = {n}, CI = {ci:.3f}, RI = {ri:g}); revisit the judgements",
            InconsistentJudgementsWarning,
            stacklevel=2,
        )
    return result


def group_judgements(
    matrices: Sequence[ArrayLike | pd.DataFrame] | Mapping[str, ArrayLike | pd.DataFrame],
    *,
    expert_weights: Sequence[float] | Mapping[str, float] | None = None,
    items: Sequence[str] | None = None,
    reciprocal_tol: float = 1e-2,
    where: str = "",
) -> pd.DataFrame:
    """Combine several experts' judgement matrices by the element-wise weighted geometric mean.

    ``g_ij = Π_k a_ij^(k) ^ (v_k)`` with expert weights ``v`` rescaled to sum 1 (equal by
    default). The result is again reciprocal with unit diagonal.

    Parameters
    ----------
    matrices : sequence or mapping of matrices
        One judgement matrix per expert (a mapping names the experts in messages). All must
        have the same items in the same order.
    expert_weights : sequence or mapping of float, optional
        Non-negative relative importance of the experts (same keys / order as ``matrices``).
    items : sequence of str, optional
        Labels of unlabelled matrices.
    reciprocal_tol, where
        See :func:`validate_judgements`.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    JudgementError
        No matrices, an invalid matrix (named by expert), different items, or invalid weights.

    References
    ----------
    Aczél & Saaty (1983), *J. Math. Psych.* 27(1), 93–102,
    https://doi.org/10.1016/0022-2496(83)90028-7; Aczél & Alsina (1986), "On synthesis of
    judgements", *Socio-Economic Planning Sciences* 20(6), 333–339 (weighted version);
    Forman & Peniwati (1998),
    *EJOR* 108(1), 165–169, https://doi.org/10.1016/S0377-2217(97)00244-0.
    """
    if isinstance(matrices, Mapping):
        names = [str(k) for k in matrices]
        mats = list(matrices.values())
    else:
        mats = list(matrices)
        names = [str(i + 1) for i in range(len(mats))]
    if not mats:
        raise JudgementError(f"{where}group_judgements needs at least one matrix")
    problems: list[str] = []
    checked: list[pd.DataFrame] = []
    for name, m in zip(names, mats, strict=True):
        try:
            checked.append(
                validate_judgements(
                    m, items=items, reciprocal_tol=reciprocal_tol, where=f"expert {name}: "
                )
            )
        except JudgementError as exc:
            problems.extend(exc.problems or [exc.summary])
    if problems:
        raise JudgementError(f"{where}invalid expert judgements", problems)
    ref = list(checked[0].index)
    for name, m in zip(names, checked, strict=True):
        if list(m.index) != ref:
            problems.append(f"expert {name}: items {list(m.index)} differ from {ref}")
    if problems:
        raise JudgementError(f"{where}experts judged different items", problems)

    if expert_weights is None:
        v = np.full(len(checked), 1.0 / len(checked))
    else:
        if isinstance(expert_weights, Mapping):
            if not isinstance(matrices, Mapping) or set(map(str, expert_weights)) != set(names):
                raise JudgementError(
                    f"{where}expert_weights keys {sorted(map(str, expert_weights))} must match "
                    f"the experts {names}"
                )
            lookup = {str(k): val for k, val in expert_weights.items()}
            raw = [lookup[nm] for nm in names]
        else:
            raw = list(expert_weights)
            if len(raw) != len(checked):
                raise JudgementError(
                    f"{where}{len(raw)} expert weights for {len(checked)} matrices"
                )
        try:
            v = np.asarray(raw, dtype=float)
        except (TypeError, ValueError):
            raise JudgementError(f"{where}expert weights must be numbers, got {raw!r}") from None
        if not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
            raise JudgementError(
                f"{where}expert weights must be finite, non-negative and not all 0, got {raw!r}"
            )
        v = v / v.sum()
    logs = np.stack([np.log(m.to_numpy()) for m in checked])
    g = np.exp(np.tensordot(v, logs, axes=1))
    return pd.DataFrame(g, index=ref, columns=ref)


@dataclass(frozen=True)
class Judgements:
    """The judgements on the children of one parent, from one or several experts."""

    parent: str
    items: tuple[str, ...]
    experts: Mapping[str, pd.DataFrame] = field(repr=False)
    source: str = ""

    @property
    def matrix(self) -> pd.DataFrame:
        """The single expert's matrix, or the experts' geometric mean."""
        if len(self.experts) == 1:
            return next(iter(self.experts.values()))
        return group_judgements(dict(self.experts))


def load_judgements(path: str | Path) -> dict[str, Judgements]:
    """Read a YAML or CSV judgement file (format in the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        ``.yaml`` / ``.yml`` (any number of parents) or ``.csv`` (one parent, the file stem).

    Returns
    -------
    dict of str to Judgements
        Keyed by parent, in file order; every matrix validated.

    Raises
    ------
    JudgementError
        Every problem found, each naming the file, parent, expert, row and column.

    References
    ----------
    Saaty (1980), *The Analytic Hierarchy Process*; file format specific to this library.
    """
    path = Path(path)
    if not path.is_file():
        raise JudgementError(f"judgement file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _load_csv(path)
    if suffix not in (".yaml", ".yml"):
        raise JudgementError(
            f"{path}: unsupported judgement file type {suffix!r}; use .yaml, .yml or .csv"
        )
    from ..configfile import read_config_yaml

    doc = read_config_yaml(path, "judgement file", JudgementError)[0]  # strict UTF-8, no aliases
    if isinstance(doc, Mapping) and set(doc) == {"judgements"}:
        entries = doc["judgements"]
    elif isinstance(doc, Mapping) and "parent" in doc:
        entries = [doc]
    else:
        entries = doc
    if not isinstance(entries, list) or not entries:
        raise JudgementError(
            f"{path}: expected a non-empty list of entries under 'judgements:' "
            "(each with parent, items and matrix / upper / experts)"
        )
    problems: list[str] = []
    out: dict[str, Judgements] = {}
    for pos, entry in enumerate(entries, start=1):
        try:
            j = _parse_entry(entry, f"{path}, entry {pos}", str(path))
        except JudgementError as exc:
            problems.extend(exc.problems or [exc.summary])
            continue
        if j.parent in out:
            problems.append(f"{path}, entry {pos}: parent {j.parent!r} appears twice")
            continue
        out[j.parent] = j
    if problems:
        raise JudgementError(f"{path}: invalid judgements", problems)
    return out


# --------------------------------------------------------------------------------------------
# internals

_NUMBER = re.compile(r"^\s*[0-9]+(\.[0-9]*)?\s*(/\s*[0-9]+(\.[0-9]*)?\s*)?$")
_ENTRY_KEYS = {"parent", "items", "matrix", "upper", "experts"}
_EXPERT_KEYS = {"matrix", "upper"}


def _to_float(value: Any) -> float:
    """Number or fraction string (``"1/3"``, ``"0.5"``) to float; ValueError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value):
        num, _, den = value.partition("/")
        num_f = float(Fraction(num.strip()))
        if not den:
            return num_f
        den_f = float(Fraction(den.strip()))
        if den_f == 0:
            raise ValueError(value)
        return num_f / den_f
    raise ValueError(value)


def _matrix_from_spec(spec: Mapping[str, Any], items: list[str], where: str) -> pd.DataFrame:
    n = len(items)
    has_m, has_u = "matrix" in spec, "upper" in spec
    if has_m == has_u:
        raise JudgementError(f"{where}: give exactly one of 'matrix' or 'upper'")
    if has_m:
        rows = spec["matrix"]
        if not isinstance(rows, list) or len(rows) != n:
            got = len(rows) if isinstance(rows, list) else type(rows).__name__
            raise JudgementError(f"{where}: 'matrix' must have {n} rows (one per item), got {got}")
        problems = [
            f"{where}: row {items[i]!r} has {len(r) if isinstance(r, list) else 'no list of'} "
            f"values, expected {n}"
            for i, r in enumerate(rows)
            if not isinstance(r, list) or len(r) != n
        ]
        if problems:
            raise JudgementError(f"{where}: malformed matrix", problems)
        raw = np.array(rows, dtype=object)
    else:
        upper = spec["upper"]
        need = n * (n - 1) // 2
        if not isinstance(upper, list) or len(upper) != need:
            got = len(upper) if isinstance(upper, list) else type(upper).__name__
            raise JudgementError(
                f"{where}: 'upper' must list the {need} values above the diagonal row by row "
                f"(a_12, a_13, ..., a_{n - 1}{n}), got {got}"
            )
        raw = np.empty((n, n), dtype=object)
        problems = []
        pos = 0
        for i in range(n):
            raw[i, i] = 1.0
            for j in range(i + 1, n):
                raw[i, j] = upper[pos]
                try:
                    raw[j, i] = 1.0 / _to_float(upper[pos])
                except (ValueError, ZeroDivisionError):
                    raw[j, i] = 1.0  # the problem is reported on a[i, j] by the validation
                pos += 1
    return validate_judgements(pd.DataFrame(raw, index=items, columns=items), where=f"{where}: ")


def _parse_entry(entry: Any, where: str, source: str) -> Judgements:
    if not isinstance(entry, Mapping):
        raise JudgementError(f"{where}: expected a mapping with parent, items, matrix/upper")
    unknown = sorted(set(map(str, entry)) - _ENTRY_KEYS)
    if unknown:
        raise JudgementError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_ENTRY_KEYS)}")
    parent = entry.get("parent")
    if not isinstance(parent, str) or not parent.strip():
        raise JudgementError(f"{where}: 'parent' must be a non-empty string, got {parent!r}")
    where = f"{where} (parent {parent!r})"
    items = entry.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise JudgementError(f"{where}: 'items' must be a non-empty list of strings")
    if len(set(items)) != len(items):
        raise JudgementError(f"{where}: duplicate items in {items}")
    if "experts" in entry:
        if "matrix" in entry or "upper" in entry:
            raise JudgementError(f"{where}: give either 'experts' or 'matrix'/'upper', not both")
        experts = entry["experts"]
        if not isinstance(experts, Mapping) or not experts:
            raise JudgementError(f"{where}: 'experts' must map expert names to matrix/upper")
        problems: list[str] = []
        mats: dict[str, pd.DataFrame] = {}
        for name, spec in experts.items():
            w = f"{where}, expert {str(name)!r}"
            if not isinstance(spec, Mapping) or set(map(str, spec)) - _EXPERT_KEYS:
                problems.append(f"{w}: expected a mapping with 'matrix' or 'upper' only")
                continue
            try:
                mats[str(name)] = _matrix_from_spec(spec, items, w)
            except JudgementError as exc:
                problems.extend(exc.problems or [exc.summary])
        if problems:
            raise JudgementError(f"{where}: invalid expert judgements", problems)
    else:
        mats = {"": _matrix_from_spec(entry, items, where)}
    return Judgements(parent=parent, items=tuple(items), experts=mats, source=source)


def _load_csv(path: Path) -> dict[str, Judgements]:
    try:
        table = pd.read_csv(path, index_col=0, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise JudgementError(f"{path}: cannot read CSV ({exc})") from None
    table.index = [str(i).strip() for i in table.index]
    table.columns = [str(c).strip() for c in table.columns]
    if list(table.index) != list(table.columns):
        raise JudgementError(
            f"{path}: first column {list(table.index)} must list the same items in the same "
            f"order as the header {list(table.columns)}"
        )
    parent = path.stem
    m = validate_judgements(table, where=f"{path} (parent {parent!r}): ")
    return {
        parent: Judgements(parent=parent, items=tuple(m.index), experts={"": m}, source=str(path))
    }


# -- the registered weighter --------------------------------------------------------------

@WEIGHTERS.register("ahp", zh="层次分析法（专家两两比较）")
def ahp(
    framework: Framework,
    data: pd.DataFrame,
    *,
    judgements: str,
    cr_threshold: float = 0.1,
    rest: Rest = "expert",
) -> ExplainedWeights:
    """AHP (层次分析法): principal-eigenvector weights from a pairwise-judgement file per parent.

    ``judgements`` is a YAML/CSV judgement file (format in :mod:`indicators.weights.ahp`), relative to
    the working directory or the project root (e.g. ``data/judgements/district_dimensions.yaml``).
    Each entry's ``items`` must be exactly the children of its ``parent``; parents without an
    entry take ``rest`` weights. Several experts are combined by the element-wise geometric mean
    before the eigenvector is taken; each expert's own consistency is reported too. A matrix with
    CR > ``cr_threshold`` raises :class:`~indicators.errors.InconsistentJudgementsWarning`
    naming the file, parent and expert. Explain ``consistency``: n, λmax, CI, RI, CR per parent
    and expert (``expert = "group"`` for the geometric mean).

    References
    ----------
    Saaty (1980), *The Analytic Hierarchy Process*, McGraw-Hill; Saaty (1990), *EJOR* 48(1), 9–26,
    https://doi.org/10.1016/0377-2217(90)90057-I; Aczél & Saaty (1983),
    https://doi.org/10.1016/0022-2496(83)90028-7 (geometric mean of judgements).
    """
    path = resolve_data_path(judgements, "weights ahp: judgements")
    entries = load_judgements(path)
    raw = rest_weights(framework, rest)
    problems = []
    for parent, j in entries.items():
        if parent not in framework.nodes or framework.nodes[parent].is_indicator:
            problems.append(f"{path}: parent {parent!r} is not an aggregate of framework {framework.id}")
            continue
        kids = set(framework.children(parent))
        if set(j.items) != kids:
            problems.append(
                f"{path}: parent {parent!r}: items {list(j.items)} must be exactly its children "
                f"{list(framework.children(parent))} (missing {sorted(kids - set(j.items))}, "
                f"unknown {sorted(set(j.items) - kids)})")
    if problems:
        raise JudgementError("weights ahp: judgements do not match the framework", problems)
    cons_rows = []
    node_rows = []
    for parent, j in entries.items():
        where = f"{path}, parent {parent!r}"
        experts = dict(j.experts)
        results = {}
        for name, m in experts.items():
            label = name or "single"
            results[label] = ahp_weights(m, cr_threshold=cr_threshold,
                                         where=f"{where}{', expert ' + repr(name) if name else ''}: ")
        if len(experts) > 1:
            results["group"] = ahp_weights(group_judgements(experts), cr_threshold=cr_threshold,
                                           where=f"{where}, geometric mean of {len(experts)} experts: ")
        final = results["group"] if len(experts) > 1 else results["single"]
        for label, r in results.items():
            cons_rows.append({"parent": parent, "expert": label, **r.explain()})
        for item, w in final.weights.items():
            raw[item] = float(w)
            node_rows.append({"node": item, "parent": parent, "weight": float(w),
                              **{f"weight_{lab}": float(r.weights[item]) for lab, r in results.items()
                                 if lab not in ("single", "group")}})
    return ExplainedWeights(raw, {
        "method": "ahp", "judgements": str(path), "consistency": pd.DataFrame(cons_rows),
        "table": pd.DataFrame(node_rows).set_index("node"), "learned": raw.copy(),
    })

