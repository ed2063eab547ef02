"""``rolindex report``: every district's assessment report for a year, batch-run, with an index page.

:func:`run_reports` does, for each requested year:

1. builds the year's index once in this process (:func:`evaluation.report.store.load_result`) to
   list the districts, and leaves the result in ``<folder>/.rolindex/results/`` so every kernel
   loads it in a fraction of a second instead of re-reading and re-building the figures (a
   standalone papermill run of the notebook computes the same numbers itself);
2. checks the notebook's parameters (unknown or missing ones are an error before anything runs)
   and runs one :class:`~evaluation.batch.engine.Task` per district through
   :func:`~evaluation.batch.engine.run_batch` — a local pool of warm kernels by default, a Dask cluster
   with ``scheduler`` — with a progress bar, resume by input hash and a crash-safe manifest;
3. writes the year's score table ``scores.csv`` and ``index.html`` (a sortable ranking linking
   every district with an up-to-date report, failed districts marked, the year's summary charts).

Outputs (``<out>/<framework id>/<year>/``): ``<district>.html`` (+ ``<district>.ipynb`` with
``keep_notebooks``), the sidecar ``<district>.json`` written by the notebook, ``index.html``,
``scores.csv``, ``manifest.json`` (+ its journal ``manifest.jsonl``) and ``.rolindex/`` (lock,
kernel logs, result cache, code fingerprint). Every file is written atomically.

A failing district does not stop the others: its error (cell, error name, message) is in the
manifest and in :meth:`ReportsOutcome.summary`, and ``exit_code`` is 1. A rerun skips districts
whose report is complete and whose inputs are unchanged — the notebook, its parameters
(methodology included), the figures and framework files and the code that computes and draws
the report (:func:`evaluation.report.store.code_fingerprint` plus the report modules) — and redoes
the rest; ``force=True`` redoes all.

With ``uncertainty`` every report also shows the district's rank interval over the uncertainty
analysis' replications, and every index page the year's uncertainty and sensitivity charts
(:mod:`evaluation.report.uncertainty`). Several years in one call run on one local Dask cluster
whose workers keep their warm kernels from year to year (a process pool would start again for
every year).
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indicators import IndexResult, Methodology
from indicators.io import sha256_file
from indicators.outputs import write_csv

from .. import paths
from ..batch.engine import MANIFEST, BatchOutcome, Task, default_workers, run_batch
from ..batch.execute import check_parameters
from ..errors import ReportDataError
from ..fileio import atomic_write_bytes, atomic_write_text, file_stem
from . import content as report_data
from . import fonts, index_page, store, templating

__all__ = ["NOTEBOOK", "ReportsOutcome", "refresh_landing_page", "report_code_hash", "report_folder", "run_reports",
           "write_landing_page", "write_year_pages"]

#: The report template every district runs.
NOTEBOOK = paths.ROOT / "notebooks" / "district_report.ipynb"
#: Per-report time limit in seconds (a cold kernel building a national index needs ~25 s).
TIMEOUT_S = 900.0
#: Warm kernels are replaced after this many reports (bounds memory drift; a replacement costs
#: about 2 s: kernel start, imports, loading the cached result).
RECYCLE_EVERY = 500
#: Code that decides what a report shows, beyond :func:`store.code_fingerprint`.
_REPORT_CODE = ("report/content.py", "report/cells.py", "report/html.py", "report/charts.py", "report/templating.py",
                "batch/execute.py", "batch/_kernel_reset.py", "batch/_kernel_runner.py", "report/uncertainty.py",
                "report/uncertainty_plots.py", "report/profile.py", "report/wording.py", "report/fonts.py",
                "report/assessment.py", "report/assessment_html.py")
_CODE_FILE = Path(".rolindex") / "code.sha256"


@dataclass
class ReportsOutcome:
    """What :func:`run_reports` did for one year.

    ``reports`` maps every district of the year with an up-to-date report (made now or skipped
    as unchanged) to its HTML file; ``failed`` maps each district whose report failed to its
    error (``cell_index``, ``ename``, ``evalue``, ...), as recorded in the manifest.
    """

    framework: str
    year: int
    folder: Path
    index_page: Path
    scores: Path
    manifest: Path
    batch: BatchOutcome
    districts: list[str]
    reports: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Input files that changed while the batch ran (every page still shows the snapshot taken at start).
    inputs_changed: list[Path] = field(default_factory=list)
    #: For each changed input: (sha256 at the start, sha256 at the end or None when the file is gone).
    inputs_sha256: dict[Path, tuple[str, str | None]] = field(default_factory=dict)
    font: Path | None = None
    pdfs: dict[str, Path] = field(default_factory=dict)
    pdf_failed: dict[str, str] = field(default_factory=dict)
    pdf_s: float | None = None

    @property
    def exit_code(self) -> int:
        """0 when every requested district has its report (and its PDF, when asked for), else 1."""
        return 1 if self.batch.failed or self.pdf_failed else 0

    def summary(self) -> str:
        """Counts, every failure (district, cell, error name, message) and the files to open."""
        b = self.batch
        lines = [f"{self.framework} {self.year}: {len(b.ok)} made, {len(b.skipped)} unchanged (skipped), "
                 f"{len(b.failed)} failed of {len(b.tasks)} in {b.wall_s:.1f} s "
                 f"({b.mode}, workers={b.workers})"]
        for task in b.failed:
            err = task.error
            if err is None:
                continue
            where = "before any cell ran" if err.cell_index is None else f"cell {err.cell_index}"
            message = (err.evalue or "").strip().splitlines()
            lines.append(f"  FAILED {task.task_id}: {where}: {err.ename}: {message[0] if message else ''}")
        if b.failed:
            lines.append(f"  (details, tracebacks and the failed notebooks: {self.manifest})")
        for path in self.inputs_changed:
            lines.append("  " + _changed_note(path, *self.inputs_sha256.get(path, ("?", "?"))))
        if self.pdf_s is not None:
            lines.append(f"  PDF: {len(self.pdfs)} printed or unchanged, {len(self.pdf_failed)} failed "
                         f"in {self.pdf_s:.1f} s")
        for district, message in self.pdf_failed.items():
            lines.append(f"  PDF FAILED {district}: {message}")
        lines.append(f"  index: {self.index_page}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def report_folder(out: str | Path, framework_id: str, year: int) -> Path:
    """``<out>/<framework id>/<year>``: where a year's reports, index page and manifest go."""
    return Path(out) / report_data.safe_name(framework_id) / str(int(year))


def report_code_hash() -> str:
    """SHA-256 of the code that computes and draws a report (and the notebook): a report's input."""
    h = hashlib.sha256(store.code_fingerprint().encode())
    here = Path(__file__).resolve().parents[1]  # evaluation/
    for name in _REPORT_CODE:
        h.update(f"\0{name}\0".encode() + (here / name).read_bytes())
    h.update(b"\0" + NOTEBOOK.read_bytes())
    return h.hexdigest()


def _code_fingerprint_file(folder: Path) -> Path:
    """Write the fingerprint of the report code (only when it changed); a task input of every report."""
    text = report_code_hash() + "\n"
    path = folder / _CODE_FILE
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)
    return path


def _select(result: IndexResult, year: int, districts: Sequence[str] | None) -> list[str]:
    """The year's districts in ranking order, or the requested ones (checked) in the given order."""
    available = [str(d) for d in result.ranking(year)["district"]]
    if not districts:
        chosen = available
    else:
        known = set(available)
        bad = []
        for d in districts:
            if d not in known:
                near = difflib.get_close_matches(d, available, n=1)
                bad.append(f"{d!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        if bad:
            shown = ", ".join(available[:20]) + (" …" if len(available) > 20 else "")
            raise ReportDataError(f"no figures for {year} for district(s) {', '.join(bad)}; districts that year: "
                                  f"{shown}")
        chosen = list(dict.fromkeys(districts))
    unsafe = []
    for d in chosen:
        try:
            report_data.safe_name(d)
        except ReportDataError:
            unsafe.append(repr(d))
    if unsafe:
        raise ReportDataError(f"district id(s) {', '.join(unsafe)} cannot be used as file names "
                              "(no path separators, reserved characters or leading dot)")
    return chosen


def _params(district: str, year: int, framework: Path | str, methodology: dict[str, Any], figures: Path | str,
            folder: Path | str, lang: str, uncertainty: Path | str | None = None,
            edition: Mapping[str, Any] | None = None, districts_table: Path | str | None = None) -> dict[str, Any]:
    return {"district": district, "year": int(year), "framework": str(framework), "methodology": methodology,
            "figures": str(figures), "output_dir": str(folder), "lang": lang,
            "uncertainty": None if uncertainty is None else str(uncertainty),
            "edition": dict(edition) if edition else None,
            "districts_table": None if districts_table is None else str(districts_table)}


#: Snapshots of a batch's input files, by content, relative to a year folder (the kernels' cwd).
_INPUTS_DIR = Path(".rolindex") / "inputs"


@dataclass(frozen=True)
class _Snapshot:
    """One input file's bytes as read once at the start of :func:`run_reports`."""

    source: Path
    data: bytes
    sha256: str

    @classmethod
    def take(cls, source: Path) -> _Snapshot:
        data = source.read_bytes()
        return cls(source, data, hashlib.sha256(data).hexdigest())

    def relpath(self) -> Path:
        """``.rolindex/inputs/<sha256>/<name>``: content-addressed, keeps the file's own name."""
        return _INPUTS_DIR / self.sha256 / self.source.name

    def write(self, folder: Path) -> Path:
        """Place the snapshot under ``folder`` (once; an existing copy is checked by hash)."""
        path = folder / self.relpath()
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != self.sha256:
            atomic_write_bytes(path, self.data)
        return path

    def current(self) -> str | None:
        """The source file's sha256 now (None when it is gone or unreadable)."""
        try:
            return sha256_file(self.source)
        except OSError:
            return None

    def changed(self) -> bool:
        """Whether the source file no longer holds the snapshot's bytes (or is gone)."""
        return self.current() != self.sha256


def _changed_note(path: Path, old: str, new: str | None) -> str:
    """The bilingual note that an input changed during the run, with its sha256 before and after."""
    now = new or "文件已不存在 / gone"
    return (f"注意：{path} 在运行期间被修改（sha256 {old} → {now}）；本批报告与索引页均基于开始时的快照，"
            f"重新运行以采用新数据 / note: {path} changed while the batch ran (sha256 {old} → {now}); every "
            "report and the index page show the snapshot taken at the start — rerun to use the new file")


def _links_and_failures(folder: Path, expected: Mapping[str, dict[str, Any]]
                        ) -> tuple[dict[str, Path], dict[str, dict[str, Any]]]:
    """From ``manifest.json``: districts with a report made with the expected parameters, and failures.

    A report from an earlier batch with other parameters (another methodology, language …) is
    not linked: the index page must describe one set of choices.
    """
    try:
        records = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("tasks", {})
    except (OSError, ValueError):
        records = {}
    reports: dict[str, Path] = {}
    failed: dict[str, dict[str, Any]] = {}
    for district, params in expected.items():
        record = records.get(district)
        if not record or record.get("parameters") != params:
            continue
        if record.get("status") in ("ok", "skipped"):
            html = folder / f"{file_stem(district)}.html"
            if html.is_file():
                reports[district] = html
        elif record.get("status") == "failed":
            failed[district] = dict(record.get("error") or {})
    return reports, failed


def _year_nav(out_fw: Path, year: int, years: Sequence[int], lang: str) -> list[tuple[str, str]]:
    """Links to the other years' index pages (those written or about to be written)."""
    have = set(years)
    for p in out_fw.glob("*/index.html"):
        if p.parent.name.isdigit():
            have.add(int(p.parent.name))
    label = "{}年" if lang == "zh" else "{}"
    return [(label.format(y), f"../{y}/index.html") for y in sorted(have) if y != year]


def write_year_pages(
    result: IndexResult, year: int, folder: Path, reports: Mapping[str, Path],
    failed: Mapping[str, Mapping[str, Any]], lang: str, nav: Sequence[tuple[str, str]] = (),
    uncertainty: Path | None = None, edition: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``scores.csv`` (the year's ranking table) and ``index.html`` into ``folder``.

    With ``uncertainty`` (a saved analysis folder) the index page also shows every district's
    rank interval, the year's stability summary and the Sobol sensitivity indices. ``edition``
    (``{"number", "date"}``) is the published edition the page names.
    """
    from .uncertainty import year_html

    table = result.ranking(year)
    scores = write_csv(table, folder / "scores.csv")  # neutralised: opened in Excel (indicators.outputs)
    failures = {d: f"{e.get('ename', '')}: {e.get('evalue', '')}".strip(": ") for d, e in failed.items()}
    page = index_page.render_index_page(
        result, year, {d: p.name for d, p in reports.items()}, index_page.summary_charts(result, year, lang),
        folder / "index.html", lang, failed=failures, nav=nav, extra_html=year_html(uncertainty, result, year, lang),
        font_css=fonts.font_face_css(), edition=edition,
    )
    return scores, page


def ship_font(folder: Path) -> Path:
    """Subset the CJK font for the characters of every page in ``folder`` into ``folder/_fonts/``.

    Pages name the font file by a fixed name, so they are never rewritten after the batch (the batch
    engine verifies each report by its content hash) and every page of the folder, from this run or
    an earlier one, is covered.
    """
    chars: set[str] = set()
    for page in sorted(folder.glob("*.html")):
        chars |= fonts.page_chars(page.read_text(encoding="utf-8"))
    return fonts.subset_font(chars, folder)


#: Per-page record of the PDF step: the HTML's sha256 each PDF was printed from, or the error.
PDF_RECORD = Path(".rolindex") / "pdf.json"


def print_pdfs(folder: Path, pages: Mapping[str, Path], *, force: bool = False
               ) -> tuple[dict[str, Path], dict[str, str]]:
    """Print every page to PDF beside it, skipping pages whose PDF was printed from the same HTML.

    Failures are returned per page (and recorded in ``.rolindex/pdf.json``); they do not stop
    the others.
    """
    from .pdf import print_pages

    record_path = folder / PDF_RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    hashes = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in pages.items()}
    todo = {k: p for k, p in pages.items()
            if force or record.get(k, {}).get("html_sha256") != hashes[k] or not p.with_suffix(".pdf").is_file()
            or record.get(k, {}).get("status") != "ok"}
    done, failed = print_pages(todo)
    for k in pages:
        if k in done:
            record[k] = {"status": "ok", "html_sha256": hashes[k], "pdf": done[k].name}
        elif k in failed:
            record[k] = {"status": "failed", "html_sha256": hashes[k], "error": failed[k]}
    atomic_write_text(record_path, json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    ok = {k: p.with_suffix(".pdf") for k, p in pages.items() if k not in failed}
    return ok, failed


# ---------------------------------------------------------------------------------------------
# the batch
# ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def shared_local_cluster(workers: int) -> Iterator[Any]:
    """A Dask ``LocalCluster`` of ``workers`` single-threaded processes on 127.0.0.1, and its client.

    Used when one call runs several years: each year is its own batch (folder, manifest, lock),
    and a local process pool would start its workers and their kernels again for every year,
    while Dask workers keep their warm kernels (and the memoised result) from batch to batch.
    """
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def run_reports(
    years: int | Sequence[int],
    figures: str | Path = "synthetic_panel",
    framework: str | Path = paths.DEFAULT_FRAMEWORK,
    methodology: str | Path | Mapping[str, Any] | Methodology | None = None,
    *,
    districts: Sequence[str] | None = None,
    out: str | Path = paths.REPORTS,
    workers: int | None = None,
    scheduler: Any = None,
    mode: str = "warm",
    force: bool = False,
    lang: str = "zh",
    keep_notebooks: bool = False,
    progress: bool = True,
    notebook: str | Path = NOTEBOOK,
    timeout: float | None = TIMEOUT_S,
    uncertainty: str | Path | None = None,
    replications: int = 256,
    templates: str | Path | None = None,
    pdf: bool = False,
    edition: Mapping[str, Any] | None = None,
    districts_table: str | Path | None = None,
) -> list[ReportsOutcome]:
    """Produce every district's report for each year, with the year's index page and score table.

    Parameters
    ----------
    years : a year or several (each its own batch, folder and manifest).
    figures : CSV/XLSX submission, or a sample name (``synthetic_panel``, ``seed_districts``).
    framework : framework YAML, or a name in ``data/frameworks``.
    methodology : YAML path, a name in ``data/methodologies``, a ``Methodology.to_dict()`` dict, a
        Methodology, or None for the baseline. Passed to every notebook as a dict.
    districts : only these districts (each must have figures in every requested year);
        default: every district of the year.
    out : base folder; reports go to ``<out>/<framework id>/<year>/``.
    workers : local worker processes, each with one warm kernel (default: the cores); ``0``
        runs in this process. Ignored with ``scheduler``.
    scheduler : Dask scheduler address (``tcp://host:8786``) or ``distributed.Client``: run there
        (the output folder must be on a file system the workers share).
    mode : ``warm`` (reused kernels) or ``isolated`` (a fresh papermill kernel per report).
    force : redo every report even when it is up to date.
    lang : ``zh`` (bilingual, Chinese first) or ``en``.
    keep_notebooks : also keep each executed notebook (``<district>.ipynb``).
    progress : show the progress bar on stderr.
    notebook : the report template (default ``notebooks/district_report.ipynb``).
    timeout : time limit per report in seconds (None: no limit).
    uncertainty : uncertainty analysis to show — each district's rank interval in its report, the
        year's uncertainty and sensitivity charts on the index page: a folder saved by
        ``UncertaintyResult.save``, or a spec (YAML path or a name in ``data/uncertainty``) run
        now with a Sobol design of base size ``replications`` (see
        :func:`evaluation.report.uncertainty.prepare`). None: no such sections.
    replications : base sample size of an analysis run from a spec.
    templates : a deployment's template folder whose files replace the shipped templates by name
        (and its ``branding.yaml``); put first in ``ROLINDEX_TEMPLATES`` while the batch runs, so
        the report kernels use it (see :mod:`evaluation.report.templating`).
    pdf : also print every page to ``<district>.pdf`` (and ``index.pdf``) with headless Chromium
        (see :mod:`evaluation.report.pdf`); a district whose PDF fails is a failed district.
    edition : the published edition (``{"number": 2, "date": "2025-03-01"}``) every report and the
        index page show (``rolindex publish``); None for plain reports.
    districts_table : districts CSV (``district,name_zh,name_en,city,peer_group``) giving each
        district its peer group (peer medians and ranks within the group) and names; None: the
        submission's ``group`` column (a ``--ledger`` export fills it from the districts register).

    Returns
    -------
    list of ReportsOutcome
        One per year, in the order given.

    Raises
    ------
    ReportDataError
        Unknown year, district, language or input file — before anything runs.
    evaluation.errors.NotebookParameterError, evaluation.errors.TaskError
        The notebook's parameters do not match (unknown or missing ones) — before anything runs.
    """
    report_data.check_lang(lang)
    if mode not in ("warm", "isolated"):
        raise ReportDataError(f"mode must be 'warm' or 'isolated', got {mode!r}")
    if templates is not None:  # a missing folder or a bad branding.yaml: an error before anything runs
        templating.branding([templates])
    year_list = [years] if isinstance(years, int) else list(dict.fromkeys(years))
    if not year_list:
        raise ReportDataError("give at least one year")
    notebook = Path(notebook).absolute()
    # every page of the call comes from these bytes, read once: a file changed meanwhile cannot mix in
    snapshots = (_Snapshot.take(store.resolve_figures(figures).absolute()),
                 _Snapshot.take(store.resolve_framework(framework).absolute()))
    table_snap = None
    if districts_table is not None:
        store.read_district_table(districts_table)  # a bad table: an error naming file and row, before anything runs
        table_snap = _Snapshot.take(Path(districts_table).absolute())
    meth = store.as_methodology(methodology)
    meth_dict = meth.to_dict()
    with tempfile.TemporaryDirectory(prefix="rolindex-inputs-") as staging:
        fig_path, fw_path = (snap.write(Path(staging)) for snap in snapshots)
        # the notebook's parameters, checked before the (possibly long) build
        check_parameters(notebook, _params("d", year_list[0], fw_path, meth_dict, fig_path, Path("."), lang, None))
        result = store.load_result(fig_path, fw_path, meth)
        if table_snap is not None:
            result = store.with_district_table(result, table_snap.write(Path(staging)))
        for y in year_list:
            report_data.check_year(result, y)
        plans = []
        for y in year_list:
            plans.append((int(y), _select(result, int(y), districts)))
        out_fw = Path(out).absolute() / report_data.safe_name(result.framework.id)
        analysis = None
        if uncertainty is not None:
            from . import uncertainty as report_uncertainty

            analysis = report_uncertainty.prepare(uncertainty, fig_path, fw_path, meth, out_fw,
                                                  replications=replications)
            for y, chosen in plans:
                report_uncertainty.check_matches(analysis, result, y, chosen)

    outcomes: list[ReportsOutcome] = []
    with contextlib.ExitStack() as stack:
        secret = store.new_cache_key()  # signs the result cache; only in this process and its kernels
        stack.enter_context(_environ(store.CACHE_KEY_ENV, secret.hex()))
        stack.enter_context(templating.using([templates] if templates is not None else None))
        if scheduler is None and mode == "warm" and len(plans) > 1 and (workers is None or workers > 0):
            n = workers or max(1, min(default_workers(), max(len(c) for _, c in plans)))
            scheduler = stack.enter_context(shared_local_cluster(n))
        for year, chosen in plans:
            outcomes.append(_run_year(
                result, year, chosen, [y for y, _ in plans], out, out_fw, snapshots, meth, meth_dict,
                notebook, secret, workers=workers, scheduler=scheduler, mode=mode, force=force, lang=lang,
                keep_notebooks=keep_notebooks, progress=progress, timeout=timeout, uncertainty=analysis,
                pdf=pdf, edition=edition, table=table_snap))
    return outcomes


@contextlib.contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    """Set an environment variable for the duration (inherited by workers and kernels started meanwhile)."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _run_year(
    result: IndexResult, year: int, chosen: list[str], all_years: list[int], out: str | Path, out_fw: Path,
    snapshots: tuple[_Snapshot, _Snapshot], meth: Methodology, meth_dict: dict[str, Any], notebook: Path,
    secret: bytes, *, workers: int | None, scheduler: Any, mode: str, force: bool, lang: str, keep_notebooks: bool,
    progress: bool, timeout: float | None, uncertainty: Path | None, pdf: bool = False,
    edition: Mapping[str, Any] | None = None, table: _Snapshot | None = None,
) -> ReportsOutcome:
    """One year: input snapshots, result cache, tasks, the batch, then scores.csv and index.html.

    Kernels run in the year folder and every parameter is relative to it and content-addressed
    (``.rolindex/inputs/<sha256>/<name>``), so a task's input hash depends on content only: a
    copied folder resumes, and any change of the figures or framework is a new snapshot.
    """
    fw_id = result.framework.id
    folder = report_folder(out, fw_id, year).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    fig_snap, fw_snap = snapshots
    fig_path, fw_path = fig_snap.write(folder), fw_snap.write(folder)
    table_path = table.write(folder) if table is not None else None
    for old in (folder / _INPUTS_DIR).iterdir():  # snapshots of earlier inputs
        if old.name not in (fig_snap.sha256, fw_snap.sha256, table.sha256 if table is not None else ""):
            _remove_tree(old)
    cache = store.write_result_cache(folder / store.RESULT_CACHE_DIR, fig_path, fw_path, meth, secret)
    _code_fingerprint_file(folder)
    unc = None if uncertainty is None else os.path.relpath(uncertainty, folder)
    all_params = {d: _params(d, year, fw_snap.relpath(), meth_dict, fig_snap.relpath(), ".", lang, unc, edition,
                             table.relpath() if table is not None else None)
                  for d in _select(result, year, None)}
    inputs = (fig_path, fw_path, folder / _CODE_FILE) + ((table_path,) if table_path is not None else ())
    if uncertainty is not None:
        from .uncertainty import input_files

        inputs += input_files(uncertainty)
    tasks = [
        Task(d, notebook, all_params[d], out_html=folder / f"{file_stem(d)}.html",
             out_ipynb=folder / f"{file_stem(d)}.ipynb" if keep_notebooks else None,
             inputs=inputs, cwd=folder, timeout=timeout)
        for d in chosen
    ]
    if progress:
        print(f"{fw_id} {year}: {len(tasks)} district report(s) -> {folder}", file=sys.stderr)
    batch = run_batch(tasks, output_dir=folder, workers=workers, scheduler=scheduler, mode=mode, force=force,
                      progress=progress, recycle_every=RECYCLE_EVERY)
    for stale in cache.parent.glob("*.pickle"):  # results of earlier inputs or code
        if stale != cache:
            stale.unlink(missing_ok=True)
    reports, failed = _links_and_failures(folder, all_params)
    scores, page = write_year_pages(result, year, folder, reports, failed, lang,
                                    _year_nav(out_fw, year, all_years, lang), uncertainty, edition)
    hashes = {snap.source: (snap.sha256, snap.current()) for snap in snapshots}
    hashes = {path: pair for path, pair in hashes.items() if pair[0] != pair[1]}
    changed = list(hashes)
    for path, (old, new) in hashes.items():
        print(f"rolindex report: {_changed_note(path, old, new)}", file=sys.stderr)
    font = ship_font(folder)
    outcome = ReportsOutcome(fw_id, year, folder, page, scores, batch.manifest_path, batch, chosen, reports, failed,
                             changed, hashes, font=font)
    if pdf:
        t0 = time.perf_counter()
        wanted = {d: reports[d] for d in chosen if d in reports}
        outcome.pdfs, outcome.pdf_failed = print_pdfs(folder, {**wanted, "index": page}, force=force)
        outcome.pdf_s = time.perf_counter() - t0
    return outcome


def _remove_tree(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def write_landing_page(sections: Sequence[tuple[str, Sequence[ReportsOutcome]]], out_path: str | Path,
                       lang: str = "zh") -> Path:
    """One page linking the index page of every (data set, year) made, e.g. ``reports/index.html``.

    ``sections`` are (heading, outcomes) pairs; links are relative to ``out_path``'s folder. Year
    folders already beside the page that no section names (``<name>/<framework>/<year>/index.html``
    or ``<framework>/<year>/index.html``, e.g. from ``rolindex report --figures mine.csv``) are
    linked too, grouped by data set and framework, so no report folder is left unreachable.
    """
    from . import templating
    from .html import HTML_LANG

    report_data.check_lang(lang)
    base = Path(out_path).absolute().parent
    parts = []
    linked = set()
    for heading, outcomes in sections:
        rows = []
        for o in outcomes:
            page = Path(o.index_page).absolute()
            linked.add(page)
            rows.append({
                "href": _href(page, base), "year": o.year,
                "count": report_data.bi(f"{len(o.reports)} 份报告", f"{len(o.reports)} reports", lang),
                "failed": (report_data.bi(f"{len(o.failed)} 个失败", f"{len(o.failed)} failed", lang)
                           if o.failed else ""),
            })
        parts.append({"heading": heading, "rows": rows})
    for heading, pages in _other_year_pages(base, linked).items():
        rows = []
        for page in pages:
            n = sum(1 for p in page.parent.glob("*.html") if p.name != "index.html")
            rows.append({"href": _href(page, base), "year": page.parent.name,
                         "count": report_data.bi(f"{n} 份报告", f"{n} reports", lang), "failed": ""})
        parts.append({"heading": heading, "rows": rows})
    title = report_data.bi("区级法治建设评估报告", "District rule-of-law assessment reports", lang)
    page = templating.render("landing.html", title=title, lang=lang, html_lang=HTML_LANG[lang], script="",
                             font_css="", sections=parts) + "\n"
    return atomic_write_text(Path(out_path), page)


def refresh_landing_page(out: str | Path, lang: str = "zh") -> Path:
    """Rewrite the reports root's ``index.html`` so it links every year folder under it; return its path.

    Called at the end of every ``rolindex report`` run. The root is ``reports/`` when ``out`` is that
    folder or inside it (``-o reports/mine`` makes ``reports/mine/<framework>/<year>/``), else ``out``.
    Links are relative to the root and percent-encoded; names on the page are escaped by the template.
    """
    out = Path(out).absolute()
    root = paths.REPORTS.absolute()
    base = root if out == root or root in out.parents else out
    return write_landing_page([], base / "index.html", lang)


def _href(page: Path, base: Path) -> str:
    """``page`` relative to ``base``, percent-encoded for an ``href`` (a folder may be named ``a#b`` or ``数据``)."""
    from urllib.parse import quote

    return quote(page.relative_to(base).as_posix())


def _other_year_pages(base: Path, linked: set[Path]) -> dict[str, list[Path]]:
    """Year index pages under ``base`` not in ``linked``: ``"<name> / <framework>"`` -> pages by year."""
    found: dict[str, list[Path]] = {}
    for pattern in ("*/*/*/index.html", "*/*/index.html"):
        for page in base.glob(pattern):
            rel = page.relative_to(base).parts
            if page in linked or not rel[-2].isdigit() or any(p.startswith(".") for p in rel):
                continue
            found.setdefault(" / ".join(rel[:-2]), []).append(page)
    return {k: sorted(v, key=lambda p: int(p.parent.name)) for k, v in sorted(found.items())}


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------
