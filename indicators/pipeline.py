"""``build_index(figures, framework, methodology) -> IndexResult``: the whole recipe in one call.

derive → denominate → (screen) → impute → (screen) → treat → normalise → weight → aggregate
(bottom-up, per level) → rank → grade, for any number of districts and years at once, vectorised
over rows. What each step changed is kept in ``IndexResult.explain`` (denominators applied,
district-years screened out, imputed cells, winsorised points).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .adjustments import apply_bonus, apply_veto
from .aggregate import AGGREGATORS, MISSING_POLICIES, name_units
from .denominate import DENOMINATORS
from .derive import derive_indicators
from .errors import DataError, did_you_mean
from .framework import Framework, load_framework
from .grading import GRADING, NOT_GRADED, UNSUBMITTED, grading_facts
from .impute import IMPUTERS, ImputeContext
from .methodology import Methodology, as_methodology
from .normalise import normalise_all
from .provenance import LICENCE, git_commit, package_version
from .result import IndexResult
from .screen import SCREENS
from .treat_step import TREATMENTS
from .weights import WEIGHTERS, normalise_within_parents, split_explain

#: Tolerance at grade-band boundaries: weighted means of scores that are all exactly 90 can come
#: out as 89.99999999999999 (e.g. weights 6/30, 4/30, ...), which must still be graded 优秀.
_GRADE_EPS = 1e-9

FiguresLike = Any  # Submission | long DataFrame | wide DataFrame indexed by (district, year) | path


def build_index(
    figures: FiguresLike,
    framework: Framework | str | Path,
    methodology: Methodology | Mapping[str, Any] | str | Path | None = None,
    *,
    validate: bool = True,
    districts: pd.DataFrame | None = None,
    inputs: Mapping[str, str] | None = None,
) -> IndexResult:
    """Build the index for every district-year in ``figures``.

    Parameters
    ----------
    figures : a :class:`~indicators.submission.Submission`, a path to a CSV/XLSX submission, a
        long DataFrame (``district, year, figure, value``) or a wide DataFrame indexed by
        (district, year) with one column per figure id.
    framework : a :class:`Framework` or the path of a framework YAML file.
    methodology : a :class:`Methodology`, its dict, a YAML path, or None for the default
        (goalposts → expert weights → arithmetic means).
    validate : validate the submission first and raise :class:`DataError` listing every error.
    districts : with a wide DataFrame, the districts table (indexed by district, with
        ``district_name``, ``group`` and any further grouping columns, e.g. from
        :func:`indicators.coinr.read_coinr`); by default every district is its own name, group "".
    inputs : ``{file name: sha256}`` of the files ``figures`` was read from, recorded in the
        provenance (a submission read from files records its own).
    """
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    meth = as_methodology(methodology)
    meth.validate(fw)
    wide, table, hashes, sources = _prepare(figures, fw, validate)
    if districts is not None:
        table = _districts_table(districts, wide)
    return _build(wide, table, fw, meth, {**hashes, **dict(inputs or {})}, sources)


def _districts_table(districts: pd.DataFrame, wide: pd.DataFrame) -> pd.DataFrame:
    """Check a caller's districts table covers every district of ``wide``; fill the standard columns."""
    names = wide.index.get_level_values("district").unique()
    missing = [str(d) for d in names if d not in districts.index]
    if missing:
        raise DataError("the districts table lacks district(s) of the figures",
                        [f"district {d!r} has figures but no row in the districts table" for d in missing])
    out = districts.loc[names].copy()
    out.index.name = "district"
    if "district_name" not in out.columns:
        out.insert(0, "district_name", list(names))
    if "group" not in out.columns:
        out["group"] = ""
    return out


def _prepare(figures: Any, fw: Framework, validate: bool):
    if isinstance(figures, pd.DataFrame) and list(figures.index.names) == ["district", "year"]:
        unknown = [c for c in figures.columns if c not in fw.figures]
        if unknown:
            raise DataError(f"wide figures have columns that are not figures of framework {fw.id}", [
                f"column {c!r}{did_you_mean(str(c), fw.figures)}" for c in unknown])
        wide = figures.reindex(columns=list(fw.figures)).astype(float).sort_index()
        names = wide.index.get_level_values("district").unique()
        districts = pd.DataFrame(
            {"district_name": names, "group": ""}, index=pd.Index(names, name="district")
        )
        return wide, districts, {}, None
    from . import submission as sub_mod

    if isinstance(figures, str | Path) or (
        isinstance(figures, list | tuple) and figures and isinstance(figures[0], str | Path)
    ):
        paths = [figures] if isinstance(figures, str | Path) else list(figures)
        figures = sub_mod.read_figures(*paths)
    if isinstance(figures, pd.DataFrame) and {"figure", "value"} <= set(figures.columns):
        figures = sub_mod.Submission.from_frame(figures)
    if isinstance(figures, sub_mod.Submission):
        if validate:
            sub_mod.validate(figures, fw).raise_if_errors()
        wide = sub_mod.to_wide(figures, fw)
        districts = figures.districts
        inputs = dict(figures.files)
        sources = _sources(figures.figures)
    else:
        raise DataError(
            "figures must be a Submission, a CSV/XLSX path, a long DataFrame with columns "
            "district, year, figure, value, or a wide DataFrame indexed by (district, year)"
        )
    if wide.empty:
        raise DataError("the submission holds no district-year with figures of this framework")
    return wide, districts, inputs, sources


def _sources(figures: pd.DataFrame) -> list[str] | None:
    """The distinct ``source`` labels of a submission's figures (None when it has no source column)."""
    if "source" not in figures.columns:
        return None
    return sorted({str(v) for v in figures["source"].dropna().unique() if str(v).strip()})


def _build(
    wide: pd.DataFrame, districts: pd.DataFrame, fw: Framework, meth: Methodology, inputs: Mapping,
    sources: list[str] | None = None,
) -> IndexResult:
    idx = wide.index
    years = pd.Series(idx.get_level_values("year").astype(int), index=idx)
    dnames = pd.Series(idx.get_level_values("district"), index=idx)
    explain: dict[str, Any] = {}

    # derive
    derived, source = derive_indicators(wide, fw)
    active = [c for c in fw.indicators if c not in meth.exclude]
    derived = derived[active]
    source = source[active]

    # denominate
    denominator = DENOMINATORS.get(meth.denominate.method)
    den = denominator.func(derived, wide, fw, **denominator.bind(meth.denominate.params))
    derived = den.values
    source = source.mask(den.reasons.notna(), den.reasons)
    if meth.denominate.method != "none":
        explain["denominate"] = den.details

    # screen (before or after imputation) and impute
    screener = SCREENS.get(meth.screen.method)
    screen_params = screener.bind(meth.screen.params)
    screen_after = screen_params.get("stage") == "after_impute"
    if not screen_after:
        wide, derived, source = _screen(screener, screen_params, derived, (wide, derived, source), explain,
                                        meth.screen.method)
    idx = wide.index
    years = pd.Series(idx.get_level_values("year").astype(int), index=idx)
    dnames = pd.Series(idx.get_level_values("district"), index=idx)
    groups = pd.Series(districts["group"].reindex(dnames.to_numpy()).to_numpy(), index=idx)
    attributes = districts.reindex(dnames.to_numpy()).set_axis(idx)
    imputer = IMPUTERS.get(meth.impute.method)
    imputed = imputer.func(derived, ImputeContext(years, groups, dnames, attributes),
                           **imputer.bind(meth.impute.params))
    was_imputed = derived.isna() & imputed.notna()
    source = source.mask(was_imputed, "imputed:" + meth.impute.method)
    if meth.impute.method != "none":
        explain["impute"] = _imputed_cells(imputed, was_imputed, meth.impute.method)
    if screen_after:
        wide, derived, source, imputed = _screen(screener, screen_params, imputed,
                                                 (wide, derived, source, imputed), explain, meth.screen.method)
        idx = wide.index
        years, dnames = years.loc[idx], dnames.loc[idx]
    if meth.screen.method != "none":
        districts = districts.loc[districts.index.isin(dnames.unique())]

    # treat
    treater = TREATMENTS.get(meth.treat.method)
    treat_out = treater.func(imputed, **treater.bind(meth.treat.params))
    treated, treat_details = treat_out[0], treat_out[1]
    explain["treat"] = treat_details
    if len(treat_out) > 2:
        explain["treated_points"] = treat_out[2]

    # normalise
    # Normalisers see flat (RangeIndex) columns: per-call MultiIndex copies cost more than the maths.
    normed = normalise_all(treated.reset_index(drop=True), pd.Series(years.to_numpy()), wide.reset_index(drop=True),
                           fw, meth.normalise, meth.normalise_overrides, active, pd.Series(dnames.to_numpy()))
    norm_cols, learned = normed.values, normed.learned
    for code, reasons in normed.reasons.items():
        hit = pd.notna(reasons) & source[code].isin(["counts", "reported"]).to_numpy()
        # an item not yet due was not owed: that, not the unsubmitted figure, is why it is missing
        not_due = pd.Series(reasons, dtype=object).astype(str).str.startswith("not yet due").to_numpy()
        hit |= not_due & source[code].astype(str).str.startswith("missing figure ").to_numpy()
        source.loc[hit, code] = reasons[hit]
    normalised = pd.DataFrame(np.column_stack([norm_cols[c] for c in active]) if active else None,
                              index=idx, columns=active)
    explain["normalise"] = pd.DataFrame.from_dict(learned, orient="index")

    # unsubmitted items: skipped (weights redistributed) or scored 0
    unsub = UNSUBMITTED.get(meth.unsubmitted.method)
    normalised, source = unsub.func(normalised, source, **unsub.bind(meth.unsubmitted.params))
    for code in active:
        norm_cols[code] = normalised[code].to_numpy(dtype=float)

    # weights
    weighter = WEIGHTERS.get(meth.weights.method)
    raw_w, weights_explain = split_explain(weighter.func(fw, normalised, **weighter.bind(meth.weights.params)))
    if weights_explain:
        explain["weights"] = weights_explain
    active_nodes = _active_nodes(fw, set(active))
    weights = normalise_within_parents(fw, raw_w, active_nodes)

    # aggregate, bottom-up
    values = dict(norm_cols)
    scores: dict[str, np.ndarray] = {}
    for parent in fw.aggregates:
        kids = [c for c in fw.children(parent) if c in active_nodes]
        level = fw.nodes[parent].level
        if not kids:
            scores[parent] = values[parent] = np.full(len(idx), np.nan)
            continue
        x = np.column_stack([values[k] for k in kids])
        w = weights[kids].to_numpy(dtype=float)
        agg_step = meth.aggregate_levels.get(level, meth.aggregate)
        miss_step = meth.missing_levels.get(level, meth.missing)
        agg = AGGREGATORS.get(agg_step.method)
        miss = MISSING_POLICIES.get(miss_step.method)
        try:
            out = agg.func(x, w, **agg.bind(agg_step.params))
        except DataError as exc:
            raise name_units(exc, parent, level, idx, x, kids) from None
        ok = miss.func(~np.isnan(x), w, **miss.bind(miss_step.params))
        out = np.where(ok, out, np.nan)
        scores[parent] = values[parent] = out
    score_df = pd.DataFrame({c: scores[c] for c in fw.aggregates}, index=idx)

    index = score_df[fw.root].rename("index")
    if fw.bonus:  # 加分项: added to the index, never above the scale
        index, explain["bonus"] = apply_bonus(index, wide, fw.bonus, fw.scale)
        index = index.rename("index")
        score_df[fw.root] = index
    grader = GRADING.get(meth.grading.method)
    facts = grading_facts(fw, derived, source, score_df, index)
    grading = grader.func(facts, **grader.bind(meth.grading.params))
    graded = grading["graded"].to_numpy(dtype=bool)
    # a district-year below the grading rule is neither graded nor ranked (its index is still shown)
    ranks = index.where(graded).groupby(level="year").rank(method="min", ascending=False).astype("Int64")
    grades = _grades(index, meth)
    not_graded = index.notna() & ~graded
    grades.loc[not_graded, "zh"], grades.loc[not_graded, "en"] = NOT_GRADED["zh"], NOT_GRADED["en"]
    if fw.veto:  # 一票否决: the grade of a graded row is capped as declared
        grades, explain["veto"] = apply_veto(grades, graded, wide, fw.veto, meth.grades)
    eff = _effective_weights(fw, weights, active)
    contrib = _contributions(fw, weights, values, index.to_numpy(), active_nodes, active, idx)
    coverage = _coverage(derived, eff)
    grading = pd.concat([grading, facts[["indicators_used", "dimensions_scored", "dimensions_total"]]], axis=1)
    provenance = {
        "package": "rolindex",
        "version": package_version(),
        "commit": git_commit(),
        "licence": LICENCE,
        "framework": fw.identity,
        "methodology": {"name": meth.name, "content_hash": meth.content_hash},
        "inputs": dict(sorted(dict(inputs).items())),
        **({"data_sources": list(sources)} if sources is not None else {}),
        "environment": _environment(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    return IndexResult(
        framework=fw, methodology=meth, districts=districts, figures=wide, indicators=derived,
        indicator_source=source, imputed=imputed, treated=treated, normalised=normalised,
        scores=score_df, index=index, ranks=ranks, grades=grades, weights=weights,
        effective_weights=eff, contributions=contrib, coverage=coverage, explain=explain,
        provenance=provenance, grading=grading,
    )


def _screen(screener, params: dict, data: pd.DataFrame, frames: tuple, explain: dict, method: str) -> tuple:
    """Run the screen on ``data``; drop the rows it excludes from every frame in ``frames``."""
    summary = screener.func(data, **params)
    if method != "none":
        explain["screen"] = summary
    keep = summary["included"].to_numpy(dtype=bool)
    if keep.all():
        return frames
    if not keep.any():
        raise DataError(f"screen {method!r} excluded every district-year; lower its thresholds")
    return tuple(f[keep] for f in frames)


def _imputed_cells(imputed: pd.DataFrame, was_imputed: pd.DataFrame, method: str) -> pd.DataFrame:
    """Long table of imputed cells: district, year, indicator, value, method."""
    r, c = np.nonzero(was_imputed.to_numpy(dtype=bool))
    rows = imputed.index[r]
    return pd.DataFrame({
        "district": rows.get_level_values("district"), "year": rows.get_level_values("year"),
        "indicator": imputed.columns[c], "value": imputed.to_numpy(dtype=float)[r, c], "method": method,
    })


def _environment() -> dict[str, str]:
    """Versions of Python and the numerical stack: what a score depends on besides the inputs."""
    import platform

    import scipy

    return {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
            "scipy": scipy.__version__}


def _active_nodes(fw: Framework, active_indicators: set[str]) -> set[str]:
    out = set(active_indicators)
    for parent in fw.aggregates:  # bottom-up: a parent is active if any child is
        if any(c in out for c in fw.children(parent)):
            out.add(parent)
    return out


def _grades(index: pd.Series, meth: Methodology) -> pd.DataFrame:
    zh = pd.Series(pd.NA, index=index.index, dtype=object)
    en = zh.copy()
    assigned = index.isna()
    for band in meth.grades:  # sorted top-down
        # a score of exactly 90 must not lose its band to float noise (89.99999999999999)
        hit = ~assigned & (index >= band.min - _GRADE_EPS)
        zh[hit], en[hit] = band.zh, band.en
        assigned |= hit
    return pd.DataFrame({"zh": zh, "en": en})


def _effective_weights(fw: Framework, weights: pd.Series, active: list[str]) -> pd.Series:
    out = {}
    for code in active:
        w = 1.0
        for node in fw.path(code)[1:]:
            w *= weights[node]
        out[code] = w
    return pd.Series(out, dtype=float, name="effective_weight")


def _contributions(fw, weights, values, index, active_nodes, active, idx) -> pd.DataFrame:
    """Allocate each parent's score to its children in proportion to ``w' * score``.

    For arithmetic means (with weights rescaled over present children) this is exactly each
    child's term, so the indicator contributions add up to the index. Shares are taken whenever
    the weighted total is non-zero, also when it is negative (z-scores), so they still sum to 1.
    """
    contrib = {fw.root: index}
    for parent in reversed(fw.aggregates):  # top-down
        kids = [c for c in fw.children(parent) if c in active_nodes]
        if not kids:
            continue
        x = np.column_stack([values[k] for k in kids])
        w = weights[kids].to_numpy(dtype=float)
        term = np.where(np.isnan(x), 0.0, x * w)
        total = term.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total != 0, term / total, 0.0)
        base = contrib[parent][:, None]
        for j, k in enumerate(kids):
            contrib[k] = np.where(np.isnan(base[:, 0]), np.nan, base[:, 0] * share[:, j])
    return pd.DataFrame({c: contrib[c] for c in active}, index=idx)


def _coverage(derived: pd.DataFrame, eff: pd.Series) -> pd.DataFrame:
    present = derived.notna()
    return pd.DataFrame({
        "indicators_present": present.sum(axis=1).astype(int),
        "indicators_total": derived.shape[1],
        "coverage": present.mean(axis=1),
        "weighted_coverage": (present * eff.reindex(derived.columns).to_numpy()).sum(axis=1),
    })


