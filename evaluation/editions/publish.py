"""``publish``: freeze a year's figures, scores, reports and index page as the next edition, and record it.

Steps (each edition in ``<out>/editions/<framework>/<year>/v<N>/``):

1. the ledger's figures of the year as of now — or as of ``as_of`` (``--as-of``: the same
   instants as ``rolindex export --as-of``; a date means the end of that day, UTC) — are exported
   (``figures.csv``, the long CSV format) and scored once;
2. every district's report fingerprint (:mod:`.fingerprint`) is compared with the previous
   edition's: an unchanged district's report (``<district>.html`` + ``.json``) is hard-linked
   (or copied) from the previous edition and still names the edition it was issued in; the others
   are rendered now by :func:`evaluation.report.run.run_reports`, stamped with this edition;
3. ``scores.csv`` and ``index.html`` (always this edition: ranks are re-stated every time), the
   changelog against the previous edition (v2 on), ``edition.json`` and, last, ``manifest.json``;
4. the folder, built under a hidden staging name, is renamed into place and the edition recorded
   in the ledger in one transaction (if that fails the folder is moved aside, never left as v<N>).

An existing edition folder is never written into, and a previous edition is never touched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import paths
from ..fileio import atomic_write_text
from . import changelog
from .archive import EDITION, EditionError, edition_folder, verify_manifest, write_manifest, year_folder

#: Files of a district's report carried from edition to edition.
REPORT_FILES = ("{}.html", "{}.json")


@dataclass
class Published:
    """What :func:`publish` did: the edition's number, folder, which reports were re-issued or carried."""

    year: int
    number: int
    folder: Path
    date: str
    reissued: list[str] = field(default_factory=list)
    carried: dict[str, int] = field(default_factory=dict)
    changelog: dict[str, Any] | None = None
    manifest_sha256: str = ""
    seconds: float = 0.0
    as_of: dt.datetime | None = None

    def summary(self) -> str:
        """What was published, in two languages."""
        lines = [f"{self.year} 年第 {self.number} 版已发布 / published edition v{self.number} of {self.year} "
                 f"({self.date}) in {self.seconds:.1f} s: {self.folder}",
                 f"  重新出具 / reports issued now: {len(self.reissued)}; "
                 f"沿用 / carried over unchanged: {len(self.carried)}"]
        if self.as_of is not None:
            from ..ledger.timeutil import instant_text

            lines.append(f"  数据截至 / figures as of: {instant_text(self.as_of)}")
        if self.changelog is not None:
            c = self.changelog
            moved = [s for s in c["scores"] if s["rank_move"]]
            lines.append(f"  更正 / figures changed: {len(c['figures'])}; 得分变动 / scores moved: {len(c['scores'])}; "
                         f"名次变动 / ranks moved: {len(moved)} (changelog.md)")
        lines.append(f"  索引页 / index: {self.folder / 'index.html'}")
        return "\n".join(lines)


def _provenance(ledger, current: pd.DataFrame) -> pd.DataFrame:
    """Who decided each current value and when: its 复核 review, else its submission (index district, figure)."""
    from sqlalchemy import select

    from ..ledger import schema as S

    sids = sorted({int(x) for x in current["submission_id"].dropna()})
    rids = sorted({int(x) for x in current["review_id"].dropna()})
    s, r = S.submissions, S.reviews
    with ledger.engine.connect() as conn:
        subs = {row.id: row for row in conn.execute(
            select(s.c.id, s.c.submitted_by, s.c.received_at, s.c.file_name).where(s.c.id.in_(sids)))}
        revs = {row.id: row for row in conn.execute(
            select(r.c.id, r.c.reviewer, r.c.decided_at, r.c.reason, r.c.decision).where(r.c.id.in_(rids)))} \
            if rids else {}
    rows = []
    for rec in current.itertuples(index=False):
        sub = subs.get(int(rec.submission_id))
        base = {"district": rec.district, "who": sub.submitted_by if sub else "",
                "when": sub.received_at.isoformat(sep=" ") if sub else "", "file": sub.file_name if sub else "",
                "reason": ""}
        rows.append({**base, "figure": ""})
        if pd.notna(rec.review_id) and int(rec.review_id) in revs:
            rv = revs[int(rec.review_id)]
            base = {**base, "who": f"{rv.reviewer} (复核 {rv.decision})", "when": rv.decided_at.isoformat(sep=" "),
                    "reason": rv.reason}
        rows.append({**base, "figure": rec.figure})
    frame = pd.DataFrame(rows, columns=["district", "figure", "who", "when", "file", "reason"])
    return frame.drop_duplicates(["district", "figure"]).set_index(["district", "figure"])


def _link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst`` (the same bytes, no second copy), or copy it where links are not possible."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _cutoff(as_of: str | dt.date | dt.datetime | None, at: dt.datetime, prev: dict[str, Any] | None) -> dt.datetime:
    """The instant the edition's figures stand at: ``as_of`` (checked) or ``at`` (now).

    Refused: a bound later than now (what comes after is not known yet, so the edition could not be
    rebuilt) or earlier than the previous edition's (editions follow the ledger forwards).
    """
    from ..ledger.timeutil import instant_text, parse_instant

    bound = parse_instant(as_of)
    if bound is None:
        return at
    if bound > at:
        raise EditionError(f"数据截至时间 {instant_text(bound)} 晚于现在（{instant_text(at)}），其后的数据尚不可知 / "
                           f"--as-of {as_of} ends after now ({instant_text(at)}): figures received later would "
                           "change what the edition froze; leave out --as-of to freeze the figures as of now")
    if prev is not None:
        before = dt.datetime.fromisoformat(prev["as_of"])
        if bound < before:
            raise EditionError(f"数据截至时间 {instant_text(bound)} 早于上一版 v{prev['number']} 的 "
                               f"{instant_text(before)} / --as-of {as_of} is before the figures of the previous "
                               f"edition v{prev['number']} ({instant_text(before)}): editions follow the ledger "
                               "forwards (use `rolindex export --as-of` to look at earlier figures)")
    return bound


def _previous(ledger, year: int, base: Path) -> tuple[int, Path | None, dict[str, Any] | None]:
    """The next edition number, the previous edition's folder and its ``edition.json`` (checked intact)."""
    from ..ledger.store import editions

    eds = editions(ledger, year)
    if eds.empty:
        return 1, None, None
    last = eds.iloc[-1]
    folder = Path(last["archive"])
    problems = (verify_manifest(folder, last["manifest_sha256"]) if folder.is_dir()
                else [f"文件夹不存在 / no folder {folder}"])
    if problems:
        raise EditionError(f"上一版 v{last['number']} 的存档不完整，不能在其上发布新版 / the archive of the previous "
                           f"edition v{last['number']} is not intact, so no new edition is built on it: "
                           + "; ".join(problems[:10]))
    state = json.loads((folder / EDITION).read_text(encoding="utf-8"))
    return int(last["number"]) + 1, folder, state


def publish(ledger_target: str | os.PathLike[str], year: int, *, framework: str | Path = paths.DEFAULT_FRAMEWORK,
            methodology: str | Path | None = None, out: str | Path = paths.REPORTS, note: str = "",
            created_by: str = "", workers: int | None = None, lang: str = "zh", progress: bool = False,
            scheduler: Any = None, as_of: str | dt.date | dt.datetime | None = None) -> Published:
    """Publish the next edition of ``year`` from the ledger at ``ledger_target`` (see the module docstring).

    ``as_of`` freezes the figures as they stood then (a ``YYYY-MM-DD`` date: the end of that day,
    UTC), as ``rolindex export --as-of`` reads them; it is recorded in the ledger, ``edition.json``
    and the manifest, and every page issued in the edition shows it beside the edition's date.

    Raises
    ------
    EditionError
        The edition folder exists already (never overwritten), the previous edition's archive is
        missing or altered, ``as_of`` is later than now or earlier than the previous edition's, or
        a report failed (then nothing is published).
    evaluation.ledger.LedgerError
        No ledger, or no accepted figures for ``year``.
    """
    from indicators import load_framework

    from ..ledger import open_ledger
    from ..ledger.store import EXPORT_COLUMNS, current_figures, record_edition
    from ..ledger.timeutil import instant_text, now
    from ..report import content, store
    from ..report.run import report_code_hash, run_reports, write_year_pages
    from .fingerprint import page_fingerprints

    t0 = time.perf_counter()
    content.check_lang(lang)
    fw_path = store.resolve_framework(framework).absolute()
    fw = load_framework(fw_path)
    meth = store.as_methodology(paths.resolve(methodology, paths.METHODOLOGIES) if isinstance(methodology, str)
                                else methodology)
    base = year_folder(out, fw.id, year).absolute()
    with open_ledger(ledger_target, create=False) as ledger:
        number, prev_folder, prev = _previous(ledger, year, base)
        final = edition_folder(out, fw.id, year, number).absolute()
        taken = sorted(p.name for p in base.glob("v*") if p.name[1:].isdigit() and int(p.name[1:]) >= number)
        if taken:
            raise EditionError(f"版次文件夹已存在，不会覆盖 / edition folder(s) {', '.join(taken)} already exist in "
                               f"{base} but the ledger's next edition is v{number}: an edition is never "
                               "overwritten (move the folder aside if it is left over from a failed publish)")
        at = now()
        cutoff = _cutoff(as_of, at, prev)
        current = current_figures(ledger, year, cutoff, fw.id)
        if current.empty:
            from ..ledger.errors import LedgerError

            when = "" if as_of is None else f" as of {instant_text(cutoff)}"
            raise LedgerError(f"账本中没有 {year} 年已接受的数据{when} / the ledger has no accepted figures for "
                              f"{year}{when}")
        provenance = _provenance(ledger, current)
        base.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".v{number}.partial-", dir=base))
        os.chmod(staging, 0o755)  # mkdtemp makes it private; an archive is for readers
        try:
            date = at.date().isoformat()
            edition = {"number": number, "date": date}
            if as_of is not None:
                edition["as_of"] = instant_text(cutoff)
            figures = staging / "figures.csv"
            atomic_write_text(figures, current[list(EXPORT_COLUMNS)].to_csv(index=False, lineterminator="\n"))
            result = store.load_result(figures, fw_path, meth)
            content.check_year(result, year)
            prints = page_fingerprints(result, year, lang, report_code_hash())
            prev_districts = (prev or {}).get("districts", {})
            carried = {d: int(prev_districts[d]["issued_in"]) for d, fp in prints.items()
                       if prev is not None and prev.get("lang") == lang and d in prev_districts
                       and prev_districts[d]["fingerprint"] == fp}
            reissued = [d for d in prints if d not in carried]
            for d in carried:
                for pattern in REPORT_FILES:
                    _link_or_copy(prev_folder / pattern.format(d), staging / pattern.format(d))
            if reissued:
                work = staging / ".work"
                (outcome,) = run_reports(year, figures, fw_path, meth, districts=reissued, out=work, workers=workers,
                                         scheduler=scheduler, lang=lang, progress=progress, edition=edition)
                if outcome.failed:
                    raise EditionError(f"{len(outcome.failed)} 份报告生成失败，未发布 / {len(outcome.failed)} "
                                       f"report(s) failed, nothing published:\n{outcome.summary()}")
                for d in reissued:
                    for pattern in REPORT_FILES:
                        os.replace(outcome.folder / pattern.format(d), staging / pattern.format(d))
                shutil.rmtree(work)
            reports = {d: staging / f"{d}.html" for d in prints}
            write_year_pages(result, year, staging, reports, {}, lang, edition=edition)
            log = None
            if prev is not None:
                dims = [c for c in fw.children(fw.root)]
                log = changelog.build(year, number, prev["number"], cutoff.isoformat(sep=" ", timespec="seconds"),
                                      prev_folder, staging, dims, provenance, reissued, carried)
                changelog.write(staging, log)
            ranking = result.ranking(year).set_index("district")
            state = {
                "year": int(year), "number": number, "date": date, "as_of": cutoff.isoformat(),
                "as_of_requested": None if as_of is None else str(as_of),
                "created_at": now().isoformat(), "created_by": created_by, "note": note, "lang": lang,
                "previous": None if prev is None else prev["number"], "ledger": ledger.url,
                "framework": {"id": fw.id, "version": fw.version, "content_hash": fw.content_hash},
                "methodology": {"name": meth.name, "content_hash": meth.content_hash},
                "districts": {d: {"fingerprint": fp, "issued_in": carried.get(d, number),
                                  "index": None if pd.isna(ranking.loc[d, "index"]) else float(ranking.loc[d, "index"]),
                                  "rank": None if pd.isna(ranking.loc[d, "rank"]) else int(ranking.loc[d, "rank"])}
                              for d, fp in prints.items()},
            }
            atomic_write_text(staging / EDITION, json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
            manifest_sha = write_manifest(staging, {"year": int(year), "edition": number, "framework": fw.id,
                                                    "date": date, "as_of": cutoff.isoformat(),
                                                    "as_of_requested": None if as_of is None else str(as_of)})
            if final.exists():
                raise EditionError(f"版次文件夹已存在，不会覆盖 / {final} appeared meanwhile: not overwritten")
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            record_edition(ledger, year, manifest_sha, as_of=cutoff, created_by=created_by, archive=str(final),
                           note=note, number=number)
        except BaseException:
            aside = base / f".v{number}.unrecorded-{dt.datetime.now():%Y%m%dT%H%M%S}"
            os.rename(final, aside)
            raise
    return Published(int(year), number, final, date, reissued, carried, log, manifest_sha,
                     time.perf_counter() - t0, None if as_of is None else cutoff)
