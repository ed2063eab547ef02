"""Returns in: read returned files, validate them, record each in the ledger, summarise per district.

A returned form (:mod:`evaluation.forms`) or a plain CSV/XLSX submission in the long or wide
format is read and validated against the framework (:func:`indicators.submission.validate`) in
worker processes; the ledger is written by the calling process, one transaction per file and
district-year, so a killed intake loses at most the file it was recording and a rerun picks up
(files already recorded are recognised by their sha256 and skipped).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .db import Ledger
from .store import NewSubmission, Recorded, current_figures, record_submission

#: File types intake reads (feedback files it wrote itself are skipped by name).
SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv", ".txt")
#: Suffix of the feedback workbooks intake writes (never read back as returns).
FEEDBACK_SUFFIX = ".feedback.xlsx"


@dataclass
class Prepared:
    """One file read and validated: its district-year submissions, ready to record, and a feedback file."""

    path: Path
    sha256: str
    records: list[NewSubmission] = field(default_factory=list)
    feedback: Path | None = None


@dataclass
class Outcome:
    """What intake did with one district-year of one file."""

    file: str
    district: str | None
    year: int | None
    status: str
    new: bool
    errors: int
    warnings: int
    submission_id: int | None
    feedback: str = ""
    first_problem: str = ""


def find_returns(items: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files to read: files as given, folders searched (not recursively) for CSV/XLSX returns.

    Feedback workbooks, temporary Office files (``~$…``) and hidden files are skipped.
    """
    from .errors import LedgerError

    out: list[Path] = []
    missing = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES
                              and not f.name.endswith(FEEDBACK_SUFFIX) and not f.name.startswith(("~$", "."))))
        elif p.is_file():
            out.append(p)
        else:
            missing.append(str(p))
    if missing:
        raise LedgerError("找不到文件 / no such file or folder: " + ", ".join(missing))
    return out


def _problem_dict(p: Any) -> dict[str, Any]:
    return {"severity": p.severity, "message": p.message, "file": p.file, "row": p.row, "column": p.column,
            "figure": p.figure, "district": p.district, "year": p.year}


def _status(problems: Sequence[dict[str, Any]]) -> str:
    if any(p["severity"] == "error" for p in problems):
        return "rejected"
    return "accepted_with_warnings" if problems else "accepted"


def prepare_file(path: Path, framework: Any, year: int | None, known: frozenset[str] | None,
                 feedback_dir: Path | None = None) -> Prepared:
    """Read and validate one returned file; split it into one :class:`NewSubmission` per district-year.

    The file is read by :func:`evaluation.forms.read_form` (a returned form, or a plain CSV/XLSX
    submission) and validated with :func:`indicators.submission.validate`. A file refused as a
    whole (another district or year, an older framework version, altered protected cells, damaged)
    and any problem with no district reject every district-year of the file; a file without any
    district-year is recorded once as rejected with its problems. ``year`` and ``known`` (the
    register's district codes) add errors for a return of another year or an unknown district.
    With ``feedback_dir`` the district's feedback workbook is written there
    (:func:`evaluation.forms.write_feedback`) when the file has any problem; a file accepted without
    one gets no workbook (the summary table says so) and an earlier feedback workbook of the same
    file name, now out of date, is removed. Writing a workbook costs about three times reading the
    form, so a year of clean returns is taken in at reading speed.
    """
    from evaluation.forms import collect_evidence, feedback_status, read_form, write_feedback
    from indicators.submission import Problem, validate

    rf = read_form(path, framework, expect_year=year, expect_district=_district_in_name(path, framework, year))
    sha = rf.sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    fw = framework
    forms = (rf.meta or {}).get("forms") or [{}]
    meta = {**(rf.meta or {}), **forms[0]}  # identity is per district sheet; one framework per workbook
    ident = {"framework_id": str(meta.get("framework_id") or fw.id),
             "framework_version": str(meta.get("framework_version") or fw.version),
             "framework_hash": str(meta.get("framework_hash") or fw.content_hash),
             "template_version": str(meta.get("template_version") or "")}
    kind = "form" if rf.meta else "csv" if path.suffix.lower() in (".csv", ".tsv", ".txt") else "xlsx"
    report = None if rf.rejected else validate(rf.submission, fw)
    found = list(rf.problems) if report is None else [*report.errors, *report.warnings]
    problems = [_problem_dict(p) for p in found]
    f = rf.submission.figures
    keys = sorted({(str(d), int(y)) for d, y in zip(f["district"], f["year"], strict=True) if isinstance(d, str)})
    if rf.rejected and rf.meta:  # refused before its values were read: one rejection per district sheet
        keys = sorted({(str(m["district"]), int(m["year"])) for m in forms
                       if m.get("district") is not None and isinstance(m.get("year"), int)})
    extra: list[dict[str, Any]] = []
    for d, y in keys:
        if known is not None and d not in known:
            from indicators.errors import did_you_mean

            extra.append(_problem_dict(Problem(
                "error", f"区代码不在区名册中 / district {d!r} is not in the districts register"
                         f"{did_you_mean(d, known)}", path.name, None, "district", d, y)))
    problems += extra
    general = [p for p in problems if p["district"] is None]
    ev_names = _evidence_names(rf)
    evidence = collect_evidence(path, {n for names in ev_names.values() for n in names}) if ev_names else {}
    records = []
    for d, y in keys:
        mine = [p for p in problems if p["district"] == d and p["year"] == y] + general
        rows = f if len(keys) == 1 else f[(f["district"] == d) & (f["year"] == y)]
        cols = {c: rows[c].tolist() for c in ("figure", "text", "value", "unit", "source", "quote", "note",
                                                "district_name", "group")}
        values = [{"figure": str(fig), "text": text if isinstance(text, str) else None, "value": float(value),
                   "unit": unit, "source": source, "quote": quote, "note": note,
                   "evidence": "; ".join(ev_names.get((d, y, str(fig)), ()))}
                  for fig, text, value, unit, source, quote, note in zip(
                      *(cols[c] for c in ("figure", "text", "value", "unit", "source", "quote", "note")), strict=True)]
        used = {n for v in values for n in ev_names.get((d, y, v["figure"]), ())}
        first = {"district_name": cols["district_name"][0], "group": cols["group"][0]} if values else None
        records.append(NewSubmission(
            d, y, kind=kind, file_name=path.name, file_sha256=sha, status=_status(mine), values=values,
            problems=mine, district_name=_s(first["district_name"]) if first is not None else "",
            peer_group=_s(first["group"]) if first is not None else "",
            evidence={n: p for n, p in evidence.items() if n in used}, **ident))
    if not records:
        problems = problems or [{"severity": "error", "message": "文件中没有数据 / the file holds no figures",
                                 "file": path.name}]
        records.append(NewSubmission(None, None, kind=kind, file_name=path.name, file_sha256=sha,
                                     status="rejected", problems=problems, **ident))
    feedback = None
    if feedback_dir is not None:
        target = Path(feedback_dir) / (path.stem + FEEDBACK_SUFFIX)
        if any(r.problems for r in records) or feedback_status(rf, report) != "ok":
            feedback = write_feedback(rf, report, target)
        else:  # accepted without a problem: a line in the summary, no workbook (nor an older one's verdict)
            target.unlink(missing_ok=True)
    return Prepared(path, sha, records, feedback)


def _district_in_name(path: Path, framework: Any, year: int | None) -> str | None:
    """The district a form's file name promises (``<framework>_<year>_<district>.xlsx``, as issued), or None.

    A form renamed to another district's name, or a district's file holding another district's
    form, is then refused instead of being recorded under the wrong district.
    """
    prefix = f"{framework.id}_{year if year is not None else ''}"
    stem = path.stem
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not stem.startswith(prefix):
        return None
    rest = stem[len(prefix):]
    if year is None:
        head, _, rest = rest.partition("_")
        if not head.isdigit():
            return None
    else:
        rest = rest.removeprefix("_")
    return rest or None


def _evidence_names(rf: Any) -> dict[tuple[str, int, str], list[str]]:
    """``{(district, year, figure): [evidence file names]}`` written on a returned form."""
    out: dict[tuple[str, int, str], list[str]] = {}
    ev = rf.evidence
    if ev is None or not len(ev):
        return out
    for r in ev.itertuples(index=False):
        out.setdefault((str(r.district), int(r.year), str(r.figure)), []).append(str(r.evidence))
    return out


def _s(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _prepare_star(args: tuple) -> Prepared:
    path, framework, year, known, feedback_dir = args
    fw = load_framework_cached(framework) if isinstance(framework, str) else framework
    return prepare_file(path, fw, year, known, feedback_dir)


_FRAMEWORKS: dict[str, Any] = {}


def load_framework_cached(path: str) -> Any:
    """Load a framework once per worker process."""
    if path not in _FRAMEWORKS:
        from indicators import load_framework

        _FRAMEWORKS[path] = load_framework(path)
    return _FRAMEWORKS[path]


def intake(ledger: Ledger, files: Sequence[Path], framework: Any, *, year: int | None = None,
           submitted_by: str = "", feedback_dir: Path | None = None, workers: int | None = None,
           progress: Any = None) -> list[Outcome]:
    """Read, validate and record ``files``; return one :class:`Outcome` per district-year (and per skipped file).

    ``framework`` is a framework path (each worker loads it once) or a loaded framework.

    Files already in the ledger (same sha256) are not read again. Reading and validating run in
    ``workers`` processes (default: the cores, at most the number of files); recording runs here,
    one transaction per district-year, in the order the files were given.
    """
    from sqlalchemy import select

    from . import schema as S
    from .store import district_register

    reg = district_register(ledger)
    known = frozenset(reg.index) if len(reg) else None
    shas = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    with ledger.engine.connect() as conn:
        seen = set(conn.execute(select(S.submissions.c.file_sha256).distinct()
                                .where(S.submissions.c.file_sha256.in_(list(set(shas.values()))))).scalars())
    outcomes: list[Outcome] = []
    todo = []
    for p in files:
        if shas[p] in seen:
            outcomes.extend(_already(ledger, p, shas[p]))
        else:
            todo.append(p)
    jobs = [(p, framework, year, known, feedback_dir) for p in todo]
    n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if n == 1:
        results: Iterable[Prepared] = map(_prepare_star, jobs)
        pool = None
    else:
        pool = ProcessPoolExecutor(n)
        results = pool.map(_prepare_star, jobs, chunksize=max(1, min(32, len(jobs) // (4 * n))))
    try:
        for prep in results:
            for rec in prep.records:
                done = record_submission(ledger, rec, submitted_by)
                outcomes.append(_outcome(prep, rec, done))
            if progress is not None:
                progress(prep)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return outcomes


def _outcome(prep: Prepared, rec: NewSubmission, done: Recorded) -> Outcome:
    errs = [p for p in rec.problems if p["severity"] == "error"]
    first = (errs or rec.problems or [{}])[0].get("message", "")
    return Outcome(prep.path.name, rec.district, rec.year, done.status, done.created, len(errs),
                   len(rec.problems) - len(errs), done.id, str(prep.feedback or ""), first)


def _already(ledger: Ledger, path: Path, sha: str) -> list[Outcome]:
    from sqlalchemy import select

    from . import schema as S

    s = S.submissions
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(s.c.id, s.c.district, s.c.year, s.c.status, s.c.n_errors, s.c.n_warnings)
                            .where(s.c.file_sha256 == sha).order_by(s.c.id)).all()
    return [Outcome(path.name, r.district, r.year, r.status, False, r.n_errors, r.n_warnings, r.id) for r in rows]


def summary(ledger: Ledger, outcomes: Sequence[Outcome], framework: Any, year: int | None) -> pd.DataFrame:
    """Per district: this intake's result, the ledger's current status, and what is still missing.

    Rows for every district of this intake and, with ``year`` and a register, every registered
    district without an accepted return (``no return / 未报送``). ``missing`` lists required figures
    the current accepted submission lacks; ``feedback`` names the district's feedback workbook, or says
    why there is none (:data:`NO_FEEDBACK_NEEDED` for a file accepted without any problem).
    """
    from .store import district_register

    rows = []
    years = sorted({o.year for o in outcomes if o.year is not None} | ({year} if year is not None else set()))
    required = [f for f, spec in framework.figures.items() if spec.required]
    current = {y: current_figures(ledger, y, framework_id=framework.id) for y in years}
    have = {y: cur.groupby("district")["figure"].agg(set).to_dict() for y, cur in current.items()}
    for o in outcomes:
        figs = have.get(o.year, {}).get(o.district)
        missing = [f for f in required if figs is not None and f not in figs]
        rows.append({"district": o.district or "?", "year": o.year, "file": o.file, "status": o.status,
                     "new": o.new, "errors": o.errors, "warnings": o.warnings,
                     "current": "accepted" if figs is not None else "none",
                     "missing": ", ".join(missing), "feedback": _feedback_note(o),
                     "first_problem": o.first_problem})
    if year is not None:
        reg = district_register(ledger)
        seen = set(have.get(year, {}))
        for code in reg.index:
            if code not in seen and reg.loc[code, "merged_into"] is None:
                rows.append({"district": code, "year": year, "file": "", "status": "no return / 未报送", "new": False,
                             "errors": 0, "warnings": 0, "current": "none", "missing": "", "feedback": "",
                             "first_problem": ""})
    return pd.DataFrame(rows, columns=["district", "year", "file", "status", "new", "errors", "warnings", "current",
                                       "missing", "feedback", "first_problem"])


#: The summary's ``feedback`` of a file accepted without any problem (it gets no feedback workbook).
NO_FEEDBACK_NEEDED = "无问题，不另附反馈表 / no problems: no feedback workbook"
#: The summary's ``feedback`` of a file recorded by an earlier intake (not read again).
RECORDED_BEFORE = "此前已收录，本次未重读 / recorded before, not read again"


def _feedback_note(o: Outcome) -> str:
    """The summary's ``feedback`` column: the workbook's file name, or why there is none."""
    if o.feedback:
        return Path(o.feedback).name
    if o.status == "accepted" and o.errors == 0 and o.warnings == 0:
        return NO_FEEDBACK_NEEDED
    return RECORDED_BEFORE if not o.new else ""
