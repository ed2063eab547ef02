"""Interactive dimension-weight tuning (the logic behind ``notebooks/weight_tuning.ipynb``).

:class:`WeightTuner` holds one built index and lets a researcher move the weights of the index's
children (the dimensions) and see at once the ranking of one year, each district's rank change
against the baseline (the methodology's own weights), a chart of the scores and the uncertainty
band of each district's rank for the current weights (ranks under ±``noise`` multiplicative noise
on the dimension weights). A method picker sets the sliders from expert points, equal weights, AHP
judgements or data-driven weights (entropy, CRITIC, SD, PCA among the dimensions). The chosen
weights are saved as a methodology file — the file, not the notebook, is the source of truth —
and building the index from that file reproduces the tuned ranking exactly.

Speed: moving a slider re-aggregates only the dimension scores, which are cached (the indicator
weights do not change), with :func:`indicators.tree.aggregate_many` — the pipeline's arithmetic —
for the current weights and every noise draw at once; table and chart are plain HTML/SVG strings.
``benchmarks/bench_tuning.py`` measures the time per slider move.

Everything here is testable headless: construct the tuner, call :meth:`WeightTuner.set_weights`
or set a slider's ``value``, read :attr:`WeightTuner.table`, call :meth:`WeightTuner.save`.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators import Methodology, Step, build_index, load_framework, load_methodology
from indicators.errors import InconsistentJudgementsWarning, IndicatorsError, MethodologyError
from indicators.framework import Framework
from indicators.io import atomic_write_text, temp_path_for
from indicators.methodology import as_methodology
from indicators.tree import aggregate_many, compile_tree, level_steps, rank_within_years, upper_tree, weight_matrix
from indicators.weights import WEIGHTERS, split_explain

from . import paths
from .errors import OverwriteRefusedError

__all__ = ["METHODS", "WeightTuner"]

#: Methods offered by the picker: label -> weight step for the dimensions (None = the baseline).
METHODS: dict[str, dict[str, Any] | None] = {
    "基准 baseline": None,
    "专家 expert": {"method": "expert"},
    "等权 equal": {"method": "equal"},
    "层次分析 AHP": {"method": "ahp", "params": {"judgements": "data/judgements/district_dimensions.yaml"}},
    "熵权 entropy": {"method": "entropy", "params": {"levels": [2]}},
    "CRITIC": {"method": "critic", "params": {"levels": [2]}},
    "标准差 SD": {"method": "sd", "params": {"levels": [2]}},
    "主成分 PCA": {"method": "pca", "params": {"levels": [2]}},
}


class WeightTuner:
    """Dimension weights, live ranking, score chart, uncertainty band and a save button.

    Parameters
    ----------
    figures : anything :func:`~indicators.build_index` accepts (a submission path, a frame).
    framework : Framework or path.
    methodology : the baseline methodology (any accepted form).
    year : int, optional
        The year shown (default: the latest).
    noise : float
        Half-width of the relative noise on the dimension weights for the uncertainty band.
    n_band : int
        Noise draws for the band (fixed seed, so the band is a function of the weights).
    save_to : str or Path, optional
        Default path of the saved methodology file.
    names : mapping, optional
        District display names (default: the submission's names).
    """

    def __init__(self, figures: Any, framework: Framework | str | Path,
                 methodology: Methodology | Mapping[str, Any] | str | Path | None = None, *,
                 year: int | None = None, noise: float = 0.25, n_band: int = 200, seed: int = 0,
                 save_to: str | Path | None = None, names: Mapping[str, str] | None = None) -> None:
        self.framework = framework if isinstance(framework, Framework) else load_framework(framework)
        fw = self.framework
        self.base = as_methodology(methodology)
        self.result = build_index(figures, fw, self.base)
        years = self.result.years
        self.year = years[-1] if year is None else int(year)
        if self.year not in years:
            raise MethodologyError(f"year {self.year} is not in the data; years are {years}")
        self.save_to = Path(save_to) if save_to else paths.METHODOLOGIES / f"{self.base.name}_tuned.yaml"
        tree = compile_tree(fw, list(self.result.normalised.columns))
        self._up = upper_tree(tree, fw.max_level - 1)
        self.dimensions = [c for c in fw.children(fw.root) if c in self._up.position]
        if list(self._up.indicators) != self.dimensions:
            raise MethodologyError("weight tuning needs the index's children to be aggregates of the same level")
        sel = self.result.index.index.get_level_values("year") == self.year
        self.rows = self.result.index.index[sel]
        self._dims = self.result.scores.loc[sel, self.dimensions].to_numpy(dtype=float)
        self._years = np.full(len(self.rows), self.year)
        agg, miss = level_steps(self.base, self._up)
        self._agg, self._miss = agg, miss
        weighter = WEIGHTERS.get(self.base.weights.method)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InconsistentJudgementsWarning)  # already shown by build_index
            raw, _ = split_explain(weighter.func(fw, self.result.normalised, **weighter.bind(self.base.weights.params)))
        self._raw = raw.astype(float)
        self.baseline_points = self._points(raw[self.dimensions])
        self.weights = dict(self.baseline_points)
        rng = np.random.default_rng(seed)
        self.noise = float(noise)
        self._mult = 1.0 + self.noise * (2.0 * rng.random((int(n_band), len(self.dimensions))) - 1.0)
        base_index = self._index(np.array([self.baseline_points[d] for d in self.dimensions])[None, :])[0]
        self.baseline_ranks = rank_within_years(base_index[None, :], self._years)[0]
        dn = self.result.districts["district_name"] if names is None else pd.Series(names)
        districts = self.rows.get_level_values("district")
        self.names = [str(dn.get(d, d)) if hasattr(dn, "get") else str(d) for d in districts]
        self.method = next(iter(METHODS))
        self._widgets: dict[str, Any] | None = None
        self._hold = False
        self._recompute()

    # -- numbers -------------------------------------------------------------------------------
    @staticmethod
    def _points(w: pd.Series) -> dict[str, float]:
        total = float(w.sum())
        return {k: round(100.0 * float(v) / total, 6) for k, v in w.items()}

    def _index(self, dim_weights: np.ndarray) -> np.ndarray:
        """Index of the year's districts for rows of dimension weights (R, n_dims) -> (R, n)."""
        w = np.repeat(weight_matrix(self._up, self._raw), len(dim_weights), axis=0)
        for j, d in enumerate(self.dimensions):
            w[:, self._up.position[d]] = dim_weights[:, j]
        out = aggregate_many(self._up, self._dims, w, self._agg, self._miss)[self._up.root]
        return np.broadcast_to(out, (len(dim_weights), len(self.rows)))

    def _recompute(self) -> None:
        wv = np.array([self.weights[d] for d in self.dimensions], dtype=float)
        if not (wv > 0).any():
            raise MethodologyError("at least one dimension needs a positive weight")
        self.index = self._index(wv[None, :])[0].copy()
        self.ranks = rank_within_years(self.index[None, :], self._years)[0]
        band_w = wv[None, :] * self._mult
        band_scores = self._index(band_w)
        band_ranks = rank_within_years(band_scores, self._years).astype(float)
        band_ranks[band_ranks == 0] = np.nan
        self.band = _percentiles(band_ranks)
        self.score_band = _percentiles(band_scores)

    @property
    def table(self) -> pd.DataFrame:
        """The year's ranking under the current weights, best first.

        Columns: ``rank``, ``district``, ``name``, ``index``, ``baseline_rank``, ``change``
        (places gained against the baseline), ``band_low``/``band_high`` (5–95 % rank interval
        under the weight noise), ``dimension`` scores.
        """
        t = pd.DataFrame({
            "rank": pd.array(np.where(self.ranks > 0, self.ranks, pd.NA), dtype="Int64"),
            "district": self.rows.get_level_values("district"), "name": self.names, "index": self.index,
            "baseline_rank": pd.array(np.where(self.baseline_ranks > 0, self.baseline_ranks, pd.NA), dtype="Int64"),
            "band_low": self.band[0], "band_high": self.band[1],
        })
        t["change"] = t["baseline_rank"] - t["rank"]
        for j, d in enumerate(self.dimensions):
            t[d] = self._dims[:, j]
        return t.sort_values(["rank", "district"], na_position="last").reset_index(drop=True)

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """Set some or all dimension weights (points; relative) and recompute."""
        unknown = [k for k in weights if k not in self.dimensions]
        if unknown:
            raise MethodologyError(f"not dimensions of the index: {unknown}; dimensions are {self.dimensions}")
        bad = {k: v for k, v in weights.items() if not np.isfinite(v) or v < 0}
        if bad:
            raise MethodologyError(f"weights must be non-negative numbers, got {bad}")
        self.weights.update({k: float(v) for k, v in weights.items()})
        if self._widgets is not None:
            self._hold = True
            try:
                for d in self.dimensions:
                    self._widgets["sliders"][d].value = self.weights[d]
            finally:
                self._hold = False
        self._recompute()
        self._refresh()

    def method_weights(self, label: str) -> dict[str, float]:
        """Dimension weights (points summing to 100) a picker method gives on this data."""
        if label not in METHODS:
            raise MethodologyError(f"unknown method {label!r}; choose one of {list(METHODS)}")
        spec = METHODS[label]
        if spec is None:
            return dict(self.baseline_points)
        step = Step.from_any(spec, "method")
        weighter = WEIGHTERS.get(step.method)
        params = dict(step.params)
        if "levels" in params:
            params["year"] = self.year
        raw, _ = split_explain(weighter.func(self.framework, self.result.normalised, **weighter.bind(params)))
        return self._points(raw[self.dimensions])

    def select_method(self, label: str) -> None:
        """Set the sliders from a picker method."""
        w = self.method_weights(label)
        self.method = label
        if self._widgets is not None:
            self._hold = True
            try:
                self._widgets["method"].value = label
            finally:
                self._hold = False
        self.set_weights(w)

    def methodology(self, name: str | None = None) -> Methodology:
        """The baseline methodology with the current weights (as ``expert`` weights).

        Its ``description`` records what the weights were tuned on (data files and their sha256,
        the year shown) and when (UTC); the description is not part of the content hash.
        """
        if self.base.weights.method == "expert":
            overrides = dict(self.base.weights.params.get("overrides") or {})
        else:  # learned weights are frozen so the file reproduces what is shown
            overrides = {c: float(self._raw[c]) for c in self._raw.index if c not in self.dimensions}
        overrides.update({d: float(self.weights[d]) for d in self.dimensions})
        points = ", ".join(f"{d} {self.weights[d]:g}" for d in self.dimensions)
        return self.base.replace(
            name=name or f"{self.base.name}_tuned",
            description=(f"权重交互调整自 {self.base.name} / dimension weights tuned from {self.base.name}: {points}; "
                         f"{self.tuned_on()}"),
            weights=Step("expert", {"overrides": overrides}),
        )

    def tuned_on(self) -> str:
        """What and when the weights were tuned on: data files (sha256) or data sources, year, UTC time."""
        prov = self.result.provenance
        inputs = prov.get("inputs") or {}
        if inputs:
            data = ", ".join(f"{name} (sha256 {digest})" for name, digest in inputs.items())
        else:
            sources = prov.get("data_sources") or []
            data = "内存数据 in-memory data" + (f" (sources: {', '.join(sources)})" if sources else "")
        when = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        return f"数据 data: {data}; 年份 year: {self.year}; 调整时间 tuned at (UTC): {when}"

    def save(self, path: str | Path | None = None, *, overwrite: bool = False) -> Path:
        """Write :meth:`methodology` as a YAML methodology file atomically; returns its path.

        An existing file is kept (:class:`OverwriteRefusedError`) unless ``overwrite`` is true: a
        methodology file is the source of truth of published scores and must not vanish silently.
        """
        path = Path(path) if path else self.save_to
        meth = self.methodology(name=path.stem)
        meth.validate(self.framework)
        if overwrite:
            out = meth.save(path)
        else:
            out = _create(path, meth.to_yaml())
        if self._widgets is not None:
            self._widgets["status"].value = f"已保存 saved: {html.escape(str(out))}"
        return out

    # -- widgets ---------------------------------------------------------------------------------
    @property
    def widget(self) -> Any:
        """The ipywidgets box (built on first access)."""
        if self._widgets is None:
            self._build_widgets()
        return self._widgets["box"]

    @property
    def sliders(self) -> dict[str, Any]:
        """Dimension code -> its slider (builds the widgets)."""
        self.widget  # noqa: B018 - builds them
        return self._widgets["sliders"]

    def _build_widgets(self) -> None:
        import ipywidgets as W

        fw = self.framework
        sliders = {}
        for d in self.dimensions:
            s = W.FloatSlider(value=self.weights[d], min=0.0, max=100.0, step=0.5, continuous_update=True,
                              description=f"{d} {fw.nodes[d].zh}", readout_format=".1f",
                              style={"description_width": "14em"}, layout=W.Layout(width="34em"))
            s.observe(self._on_slider(d), names="value")
            sliders[d] = s
        method = W.Dropdown(options=list(METHODS), value=self.method, description="方法 method")
        method.observe(self._on_method, names="value")
        path = W.Text(value=str(self.save_to), description="文件 file", layout=W.Layout(width="40em"))
        button = W.Button(description="保存方法文件 save", icon="save", button_style="primary")
        overwrite = W.Checkbox(value=False, description="覆盖已有文件 overwrite", indent=False)
        button.on_click(lambda _b: self._on_save())
        status = W.HTML()
        table, chart = W.HTML(), W.HTML()
        box = W.VBox([W.HTML(f"<b>{html.escape(fw.zh)} / {html.escape(fw.en)} — {self.year}</b> "
                             f"（基准 baseline: {html.escape(self.base.name)}）"),
                      method, *sliders.values(), W.HBox([path, overwrite, button]), status, W.HBox([chart, table])])
        self._widgets = {"box": box, "sliders": sliders, "method": method, "path": path, "overwrite": overwrite,
                         "button": button,
                         "status": status, "table": table, "chart": chart}
        self._refresh()

    def _on_slider(self, code: str):
        def handler(change: Mapping[str, Any]) -> None:
            if self._hold:
                return
            self.weights[code] = float(change["new"])
            try:
                self._recompute()
            except MethodologyError as exc:
                self._widgets["status"].value = f"<span style='color:#c33'>{html.escape(str(exc))}</span>"
                return
            self._refresh()
        return handler

    def _on_save(self) -> None:
        w = self._widgets
        try:
            self.save(w["path"].value, overwrite=w["overwrite"].value)
        except (OverwriteRefusedError, IndicatorsError, OSError) as exc:  # shown to the user in the widget
            w["status"].value = f"<span style='color:#c33'>{html.escape(str(exc))}</span>"
            return
        w["overwrite"].value = False  # each overwrite is asked for anew

    def _on_method(self, change: Mapping[str, Any]) -> None:
        if self._hold:
            return
        try:
            self.select_method(change["new"])
        except IndicatorsError as exc:  # shown to the user in the widget
            self._widgets["status"].value = f"<span style='color:#c33'>{html.escape(str(exc))}</span>"

    def _refresh(self) -> None:
        if self._widgets is None:
            return
        t = self.table
        self._widgets["table"].value = self.table_html(t)
        self._widgets["chart"].value = self.chart_svg(t)
        total = sum(self.weights.values())
        shares = " · ".join(f"{d} {100 * self.weights[d] / total:.1f}%" for d in self.dimensions) if total else ""
        self._widgets["status"].value = f"权重占比 shares: {shares}"

    def table_html(self, t: pd.DataFrame | None = None, max_rows: int = 60) -> str:
        """The ranking as an HTML table (rank, name, index, change, band)."""
        t = self.table if t is None else t
        rows = []
        for r in t.head(max_rows).itertuples(index=False):
            ch = r.change
            arrow = "" if pd.isna(ch) or ch == 0 else (f"<span style='color:#2a2'>▲{ch}</span>" if ch > 0
                                                       else f"<span style='color:#c33'>▼{-ch}</span>")
            band = "" if np.isnan(r.band_low) else f"{r.band_low:.0f}–{r.band_high:.0f}"
            rows.append(f"<tr><td>{'' if pd.isna(r.rank) else r.rank}</td><td>{html.escape(str(r.name))}</td>"
                        f"<td>{r.index:.2f}</td><td>{arrow}</td><td>{band}</td></tr>")
        head = ("<tr><th>排名<br>rank</th><th>区<br>district</th><th>指数<br>index</th>"
                "<th>变动<br>change</th><th>区间<br>5–95%</th></tr>")
        return ("<table style='font-size:12px;border-collapse:collapse' class='rolindex-tuning'>"
                f"{head}{''.join(rows)}</table>")

    def chart_svg(self, t: pd.DataFrame | None = None, max_rows: int = 60) -> str:
        """Horizontal bars of the index (best first) with the 5–95 % score band under weight noise."""
        t = (self.table if t is None else t).head(max_rows)
        order = {d: i for i, d in enumerate(self.rows.get_level_values("district"))}
        lo = np.nanmin(np.r_[t["index"].to_numpy(dtype=float), self.score_band[0]])
        hi = np.nanmax(np.r_[t["index"].to_numpy(dtype=float), self.score_band[1]])
        lo = min(0.0, lo) if np.isfinite(lo) else 0.0
        hi = hi if np.isfinite(hi) and hi > lo else lo + 1
        width, bar, left = 360, 14, 110
        scale = (width - left - 10) / (hi - lo)
        parts = []
        for i, r in enumerate(t.itertuples(index=False)):
            y = 4 + i * (bar + 3)
            parts.append(f"<text x='{left - 4}' y='{y + bar - 3}' font-size='10' text-anchor='end'>"
                         f"{html.escape(str(r.name))[:14]}</text>")
            if np.isfinite(r.index):
                parts.append(f"<rect x='{left}' y='{y}' width='{(r.index - lo) * scale:.1f}' height='{bar}' "
                             "fill='#9ab'/>")
                j = order[r.district]
                b0, b1 = self.score_band[0][j], self.score_band[1][j]
                if np.isfinite(b0):
                    parts.append(f"<line x1='{left + (b0 - lo) * scale:.1f}' x2='{left + (b1 - lo) * scale:.1f}' "
                                 f"y1='{y + bar / 2}' y2='{y + bar / 2}' stroke='#247' stroke-width='2'/>")
        height = 8 + len(t) * (bar + 3)
        return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
                f"class='rolindex-tuning-chart'>{''.join(parts)}</svg>")

    @classmethod
    def from_files(cls, figures: str | Path | Sequence[str | Path], framework: str | Path = paths.DEFAULT_FRAMEWORK,
                   methodology: str | Path = "baseline", **kwargs: Any) -> WeightTuner:
        """Build from a submission file, a framework file and a methodology name or file.

        Relative paths that do not exist from the working directory are taken from the project
        root, so the notebook's defaults work wherever JupyterLab was started.
        """
        from indicators.submission import read_figures

        files = [figures] if isinstance(figures, str | Path) else list(figures)
        files = [_project_path(f) for f in files]
        meth = load_methodology(_project_path(paths.resolve(methodology, paths.METHODOLOGIES)))
        return cls(read_figures(*files), _project_path(framework), meth, **kwargs)


def _create(path: Path, text: str) -> Path:
    """Write ``text`` to a new file ``path`` atomically; refuse if ``path`` exists (even if it appears meanwhile).

    The text goes to a temporary file first, then is hard-linked to ``path`` (which fails if the
    name is taken); on file systems without hard links, an existence check and a rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    refused = OverwriteRefusedError(f"{path} 已存在，未覆盖；如需覆盖请勾选“覆盖已有文件”或传 overwrite=True / {path} "
                                    "already exists and was not overwritten; tick 'overwrite' or pass overwrite=True")
    if path.exists():
        raise refused
    tmp = atomic_write_text(temp_path_for(path), text)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise refused from None
        except OSError:  # no hard links here
            if path.exists():
                raise refused from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _percentiles(a: np.ndarray) -> np.ndarray:
    """5th and 95th percentiles per column; NaN (unranked) left out, all-NaN columns NaN."""
    if not np.isnan(a).any():
        return np.percentile(a, [5, 95], axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        return np.nanpercentile(a, [5, 95], axis=0)


def _project_path(p: str | Path) -> Path:
    """A path as given, else relative to the project root (notebooks run from ``notebooks/``)."""
    p = Path(p)
    return p if p.exists() or p.is_absolute() else paths.ROOT / p
