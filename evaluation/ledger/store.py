"""Write to and read from a ledger: submissions, the districts register, reviews, editions, current figures.

Every write is one transaction and only inserts rows. "Current" is computed when read: for each
district of a year, the latest accepted submission received up to the as-of instant, then the
latest review decision per figure of that submission (adjust replaces the value, reject removes
it, accept keeps it). A later submission supersedes earlier ones and their reviews; nothing is
overwritten, so every earlier state can be rebuilt (:func:`current_figures` with ``as_of``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import schema as S
from .db import Ledger
from .errors import LedgerError
from .evidence_store import store_file
from .timeutil import now, parse_instant

#: Statuses whose values count.
ACCEPTED = ("accepted", "accepted_with_warnings")
#: Columns of :func:`current_figures` (the long CSV format, plus where each value came from).
EXPORT_COLUMNS = ("district", "year", "figure", "value", "district_name", "group", "unit", "source", "quote",
                  "note")
_EVIDENCE_SPLIT = re.compile(r"\s*[;；,，、\n]\s*")


@dataclass
class NewSubmission:
    """One returned file's figures for one district-year, validated, ready to record.

    ``values`` are dicts with ``figure, text, value`` and optionally ``unit, source, quote, note,
    evidence``; ``problems`` dicts with ``severity, message`` and optionally ``file, row, column,
    figure``; ``evidence`` maps a file name (as a value's ``evidence`` cell names it) to its path.
    ``district``/``year`` are None for a file so broken that they are unknown (recorded rejected).
    """

    district: str | None
    year: int | None
    framework_id: str
    framework_version: str
    framework_hash: str
    kind: str
    file_name: str
    file_sha256: str
    status: str
    values: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    district_name: str = ""
    peer_group: str = ""
    template_version: str = ""
    evidence: Mapping[str, Path] = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        """``sha256|district|year``: the same file for the same district-year is one submission."""
        return f"{self.file_sha256}|{self.district or ''}|{self.year if self.year is not None else ''}"


@dataclass(frozen=True)
class Recorded:
    """What :func:`record_submission` did: the submission's id and whether it is new."""

    id: int
    created: bool
    status: str


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def record_submission(ledger: Ledger, new: NewSubmission, submitted_by: str = "",
                      received_at: dt.datetime | None = None) -> Recorded:
    """Record ``new`` in one transaction; a file already recorded for its district-year is not added again.

    Evidence files are copied into the content-addressed store first (idempotent), then the
    submission, its values, problems and evidence links are inserted together: either all are
    there or, if the process dies, none.
    """
    if new.status not in S.STATUSES:
        raise LedgerError(f"unknown status {new.status!r}; one of {', '.join(S.STATUSES)}")
    stored = {name: store_file(ledger.evidence_dir, Path(path)) for name, path in new.evidence.items()}
    received_at = received_at or now()
    for attempt in range(3):
        try:
            with ledger.engine.begin() as conn:
                return _record(conn, new, submitted_by, received_at, stored)
        except IntegrityError:  # another process recorded the same file or evidence just now
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _record(conn, new: NewSubmission, submitted_by: str, received_at: dt.datetime,
            stored: Mapping[str, tuple[str, int]]) -> Recorded:
    row = conn.execute(select(S.submissions.c.id, S.submissions.c.status)
                       .where(S.submissions.c.dedup_key == new.dedup_key)).first()
    if row is not None:
        return Recorded(row.id, False, row.status)
    n_err = sum(p["severity"] == "error" for p in new.problems)
    sid = conn.execute(S.submissions.insert().values(
        dedup_key=new.dedup_key, district=new.district, year=new.year, district_name=new.district_name or "",
        peer_group=new.peer_group or "", framework_id=new.framework_id, framework_version=new.framework_version,
        framework_hash=new.framework_hash, template_version=new.template_version or "", kind=new.kind,
        received_at=received_at, submitted_by=submitted_by or "", file_name=new.file_name,
        file_sha256=new.file_sha256, status=new.status, n_values=len(new.values), n_errors=n_err,
        n_warnings=len(new.problems) - n_err,
    )).inserted_primary_key[0]
    if new.problems:
        conn.execute(S.problems.insert(), [
            {"submission_id": sid, "severity": p["severity"], "message": p["message"],
             "file": p.get("file"), "row": p.get("row"), "column": p.get("column"), "figure": p.get("figure")}
            for p in new.problems])
    if new.values:
        rows = [{"submission_id": sid, "figure": v["figure"], "text": _clean(v.get("text")),
                 "value": _clean(v.get("value")), "unit": _text(v.get("unit")), "source": _text(v.get("source")),
                 "quote": _text(v.get("quote")), "note": _text(v.get("note")),
                 "evidence": _text(v.get("evidence"))} for v in new.values]
        if stored and any(r["evidence"] for r in rows):
            ids = conn.execute(S.figure_values.insert().returning(S.figure_values.c.id, sort_by_parameter_order=True),
                               rows).scalars().all()
            _link_evidence(conn, rows, ids, stored, received_at)
        else:
            conn.execute(S.figure_values.insert(), rows)
    return Recorded(sid, True, new.status)


def _link_evidence(conn, rows: list[dict], ids: list[int], stored: Mapping[str, tuple[str, int]],
                   at: dt.datetime) -> None:
    known = set(conn.execute(select(S.evidence.c.sha256)
                             .where(S.evidence.c.sha256.in_([s for s, _ in stored.values()]))).scalars())
    for name, (sha, size) in stored.items():
        if sha not in known:
            conn.execute(S.evidence.insert().values(sha256=sha, size=size, file_name=name, stored_at=at))
            known.add(sha)
    links = []
    for row, vid in zip(rows, ids, strict=True):
        seen = set()
        for name in _EVIDENCE_SPLIT.split(row["evidence"]):
            if name in stored and stored[name][0] not in seen:
                seen.add(stored[name][0])
                links.append({"value_id": vid, "sha256": stored[name][0], "file_name": name})
    if links:
        conn.execute(S.value_evidence.insert(), links)


# ---------------------------------------------------------------------------------------------
# districts register
# ---------------------------------------------------------------------------------------------
REGISTER_COLUMNS = ("code", "name_zh", "name_en", "city", "peer_group", "merged_into")


def import_districts(ledger: Ledger, table: pd.DataFrame, valid_from: dt.date, recorded_by: str = "",
                     source_file: str = "", source_sha256: str = "",
                     offices: Mapping[str, Iterable[tuple[str, str, str]]] | None = None) -> int:
    """Add a register version for every district in ``table`` that is new or differs from its current one.

    ``table`` has the :data:`REGISTER_COLUMNS` (all but ``code`` may be empty); ``offices`` maps a
    code to its ``(office, name_zh, name_en)``. Unchanged districts add nothing, so importing the
    same file twice adds nothing. Returns the number of versions added.
    """
    at = now()
    with ledger.engine.begin() as conn:
        current = _register(conn, None)
        cur_offices = _offices(conn, current["id"].tolist() if len(current) else [])
        added = 0
        for rec in table.to_dict("records"):
            code = str(rec["code"])
            fields = {c: ("" if rec.get(c) is None or (isinstance(rec.get(c), float) and math.isnan(rec[c]))
                          else str(rec[c])) for c in REGISTER_COLUMNS[1:]}
            fields["merged_into"] = fields["merged_into"] or None
            new_offices = sorted(tuple(o) for o in (offices or {}).get(code, ()))
            if code in current.index:
                old = current.loc[code]
                same = all((old[c] or None) == (fields[c] or None) for c in REGISTER_COLUMNS[1:])
                if same and cur_offices.get(int(old["id"]), []) == new_offices:
                    continue
            did = conn.execute(S.districts.insert().values(
                code=code, valid_from=valid_from, recorded_at=at, recorded_by=recorded_by,
                source_file=source_file, source_sha256=source_sha256, **fields)).inserted_primary_key[0]
            if new_offices:
                conn.execute(S.district_offices.insert(), [
                    {"district_id": did, "office": o, "name_zh": zh, "name_en": en} for o, zh, en in new_offices])
            added += 1
    return added


def _register(conn, as_of: dt.datetime | None, history: bool = False) -> pd.DataFrame:
    d = S.districts
    q = select(d)
    if as_of is not None:
        q = q.where(d.c.valid_from <= as_of.date())  # the real-world date a version took effect
    rows = pd.DataFrame(conn.execute(q.order_by(d.c.code, d.c.valid_from, d.c.id)).mappings().all(),
                        columns=[c.name for c in d.columns])
    if history:
        return rows
    return rows.groupby("code", sort=True).tail(1).set_index("code")


def _offices(conn, ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    out: dict[int, list[tuple[str, str, str]]] = {}
    if not ids:
        return out
    o = S.district_offices
    for r in conn.execute(select(o).where(o.c.district_id.in_(ids)).order_by(o.c.office)):
        out.setdefault(r.district_id, []).append((r.office, r.name_zh, r.name_en))
    return out


def district_register(ledger: Ledger, as_of: str | dt.datetime | None = None, *,
                      history: bool = False) -> pd.DataFrame:
    """The register: each district's current version as of ``as_of`` (or every version, ``history=True``).

    Columns: ``code`` (index unless ``history``), the :data:`REGISTER_COLUMNS`, ``valid_from``,
    ``recorded_at``, ``recorded_by``, ``offices`` (count).
    """
    with ledger.engine.connect() as conn:
        reg = _register(conn, parse_instant(as_of), history)
        offices = _offices(conn, reg["id"].tolist() if len(reg) else [])
    reg["offices"] = [len(offices.get(int(i), [])) for i in reg["id"]]
    return reg


def district_label(zh: str, en: str) -> str:
    """``"静安区 / Jing'an District"`` (the long format's ``district_name``), or whichever is given."""
    return " / ".join(x for x in (zh, en) if x)


# ---------------------------------------------------------------------------------------------
# reviews and editions
# ---------------------------------------------------------------------------------------------
def current_submission_ids(conn, year: int, as_of: dt.datetime | None, framework_id: str | None = None):
    """A subquery: the current submission per district of ``year`` (id, district) as of ``as_of``."""
    s = S.submissions
    rn = func.row_number().over(partition_by=s.c.district, order_by=(s.c.received_at.desc(), s.c.id.desc()))
    q = select(s.c.id, s.c.district, rn.label("rn")).where(
        s.c.year == year, s.c.status.in_(ACCEPTED), s.c.district.is_not(None))
    if as_of is not None:
        q = q.where(s.c.received_at <= as_of)
    if framework_id is not None:
        q = q.where(s.c.framework_id == framework_id)
    ranked = q.subquery()
    return select(ranked.c.id, ranked.c.district).where(ranked.c.rn == 1).subquery()


def add_review(ledger: Ledger, district: str, year: int, figure: str, decision: str, *, reviewer: str,
               reason: str, text: str | None = None, value: float | None = None,
               decided_at: dt.datetime | None = None) -> int:
    """Record a 复核 decision on ``figure`` of the current submission of ``district``/``year``.

    ``decision`` is ``accept``, ``adjust`` (with the new value as written, ``text``, and parsed,
    ``value``) or ``reject``. Refused with a bilingual message when the district-year has no accepted
    submission, the figure was not submitted (except for ``adjust``, which may supply it) or the
    reviewer or reason is empty. Returns the review's id.
    """
    if decision not in S.DECISIONS:
        raise LedgerError(f"复核决定应为 accept/adjust/reject / decision must be one of {', '.join(S.DECISIONS)}, "
                          f"not {decision!r}")
    problems = []
    if not (reviewer or "").strip():
        problems.append("复核人不能为空 / --reviewer is required")
    if not (reason or "").strip():
        problems.append("复核理由不能为空 / --reason is required")
    if decision == "adjust" and (value is None or math.isnan(value)):
        problems.append(f"调整值无法识别 / the adjusted value {text!r} is not a number")
    if problems:
        raise LedgerError("; ".join(problems))
    with ledger.engine.begin() as conn:
        cur = current_submission_ids(conn, year, None)
        sid = conn.execute(select(cur.c.id).where(cur.c.district == district)).scalar()
        if sid is None:
            raise LedgerError(f"{district} {year}: 没有已接受的报送可复核 / no accepted submission to review")
        has = conn.execute(select(func.count()).select_from(S.figure_values).where(
            S.figure_values.c.submission_id == sid, S.figure_values.c.figure == figure)).scalar()
        if not has and decision != "adjust":
            figs = conn.execute(select(S.figure_values.c.figure).where(
                S.figure_values.c.submission_id == sid)).scalars().all()
            from indicators.errors import did_you_mean

            raise LedgerError(f"{district} {year}: 报送中没有指标 {figure!r} / figure {figure!r} is not in the "
                              f"current submission{did_you_mean(figure, figs)}")
        return conn.execute(S.reviews.insert().values(
            submission_id=sid, district=district, year=year, figure=figure, decision=decision, text=text,
            value=value if decision == "adjust" else None, reviewer=reviewer.strip(), reason=reason.strip(),
            decided_at=decided_at or now())).inserted_primary_key[0]


def record_edition(ledger: Ledger, year: int, manifest_sha256: str, *, as_of: dt.datetime | None = None,
                   created_by: str = "", archive: str = "", note: str = "", number: int | None = None) -> int:
    """Record the next edition of ``year`` (number = previous + 1) frozen at ``as_of`` (now); return its number.

    ``number``, when given, is the number the caller already wrote the edition under: if another
    edition took it meanwhile, :class:`LedgerError` and nothing is recorded.
    """
    at = now()
    with ledger.engine.begin() as conn:
        last = conn.execute(select(func.max(S.editions.c.number)).where(S.editions.c.year == year)).scalar()
        if number is not None and number != (last or 0) + 1:
            raise LedgerError(f"{year} 年第 {number} 版已被占用 / edition v{number} of {year} cannot be recorded: "
                              f"the ledger's latest is v{last or 0}")
        number = (last or 0) + 1
        conn.execute(S.editions.insert().values(year=year, number=number, as_of=as_of or at, created_at=at,
                                                created_by=created_by, manifest_sha256=manifest_sha256,
                                                archive=archive, note=note))
    return number


def editions(ledger: Ledger, year: int | None = None) -> pd.DataFrame:
    """The recorded editions (of ``year``), oldest first."""
    e = S.editions
    q = select(e).order_by(e.c.year, e.c.number)
    if year is not None:
        q = q.where(e.c.year == year)
    with ledger.engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=[c.name for c in e.columns])


def resolve_point(ledger: Ledger, year: int, text: str | None) -> dt.datetime | None:
    """An as-of instant from ``--from``/``--to``: an edition (``v2``, ``edition:2``) or a date/time."""
    if text is None:
        return None
    m = re.fullmatch(r"(?:v|edition:?)(\d+)", str(text).strip(), re.IGNORECASE)
    if m:
        eds = editions(ledger, year)
        hit = eds[eds["number"] == int(m.group(1))]
        if hit.empty:
            have = ", ".join(f"v{n}" for n in eds["number"]) or "none yet"
            raise LedgerError(f"{year} 年没有第 {m.group(1)} 版 / no edition {text!r} of {year} (editions: {have})")
        return hit["as_of"].iloc[0].to_pydatetime()
    return parse_instant(text)


# ---------------------------------------------------------------------------------------------
# current figures
# ---------------------------------------------------------------------------------------------
def current_figures(ledger: Ledger, year: int, as_of: str | dt.datetime | None = None,
                    framework_id: str | None = None) -> pd.DataFrame:
    """The figures current for ``year`` as of ``as_of``: latest accepted submission per district, reviews applied.

    One row per district and figure with the :data:`EXPORT_COLUMNS` (``value`` as written, or the
    reviewer's value) plus ``parsed`` (the number), ``submission_id`` and ``review_id`` (the
    deciding review, or NA). ``district_name``/``group`` come from the register when the district
    is in it, else from the submission.
    """
    bound = parse_instant(as_of)
    v, s, r = S.figure_values, S.submissions, S.reviews
    with ledger.engine.connect() as conn:
        cur = current_submission_ids(conn, year, bound, framework_id)
        q = (select(v.c.submission_id, v.c.figure, v.c.text, v.c.value, v.c.unit, v.c.source, v.c.quote, v.c.note)
             .join(cur, cur.c.id == v.c.submission_id))
        vals = _frame(conn.execute(q), ["submission_id", "figure", "text", "parsed", "unit", "source", "quote",
                                        "note"])
        rq = select(r.c.id, r.c.submission_id, r.c.figure, r.c.decision, r.c.text, r.c.value, r.c.decided_at,
                    r.c.district).join(cur, cur.c.id == r.c.submission_id)
        if bound is not None:
            rq = rq.where(r.c.decided_at <= bound)
        revs = pd.DataFrame(conn.execute(rq).all(), columns=["review_id", "submission_id", "figure", "decision",
                                                             "rtext", "rvalue", "decided_at", "district"])
        reg = _register(conn, bound)
        subs = _frame(conn.execute(select(s.c.id, s.c.district, s.c.district_name, s.c.peer_group)
                                   .join(cur, cur.c.id == s.c.id)), ["submission_id", "district", "district_name",
                                                                     "group"])
    meta = subs.set_index("submission_id")
    for col in ("district", "district_name", "group"):
        vals[col] = vals["submission_id"].map(meta[col])
    vals["year"] = year
    vals["review_id"] = pd.array([pd.NA] * len(vals), dtype="Int64")
    if len(revs):
        revs = revs.sort_values(["decided_at", "review_id"]).groupby(["submission_id", "figure"]).tail(1)
        vals = _apply_reviews(vals, revs, subs, year)
    if len(reg) and len(vals):
        known = vals["district"].isin(reg.index)
        names = reg["name_zh"].combine(reg["name_en"], district_label)
        vals.loc[known, "district_name"] = vals.loc[known, "district"].map(names)
        vals.loc[known, "group"] = vals.loc[known, "district"].map(reg["peer_group"])
    written = vals["text"].astype(object)
    has_text = written.map(lambda t: isinstance(t, str) and t != "", na_action="ignore").fillna(False).astype(bool)
    numbers = vals["parsed"].astype(float)
    vals["value"] = written.where(has_text, numbers.map(repr).where(numbers.notna(), ""))
    vals = vals.sort_values(["district", "figure"], kind="stable").reset_index(drop=True)
    return vals[[*EXPORT_COLUMNS, "parsed", "submission_id", "review_id"]]


def _frame(result, columns: list[str]) -> pd.DataFrame:
    """A DataFrame from a result of plain columns (ints, floats, text: no result processing), built column-wise.

    Fetches the DBAPI rows directly: building 140,000 SQLAlchemy ``Row`` objects and letting pandas
    probe each one cost more than the query.
    """
    rows = result.cursor.fetchall() if result.cursor is not None else []
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)))


def _apply_reviews(vals: pd.DataFrame, revs: pd.DataFrame, subs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Apply the deciding review per figure: adjust replaces (or supplies) the value, reject drops it."""
    key = vals.set_index(["submission_id", "figure"]).index
    for rec in revs.itertuples(index=False):
        pos = key.get_indexer([(rec.submission_id, rec.figure)])[0]
        if rec.decision == "reject":
            if pos >= 0:
                vals.loc[vals.index[pos], "text"] = "\0drop"
            continue
        if pos < 0:
            if rec.decision != "adjust":
                continue
            meta = subs[subs["submission_id"] == rec.submission_id].iloc[0]
            vals.loc[len(vals)] = {"district": meta["district"], "year": year, "figure": rec.figure,
                                   "text": None, "parsed": None, "district_name": meta["district_name"],
                                   "group": meta["group"], "unit": "", "source": "", "quote": "", "note": "",
                                   "submission_id": rec.submission_id, "review_id": pd.NA}
            pos = len(vals) - 1
        i = vals.index[pos]
        vals.loc[i, "review_id"] = int(rec.review_id)
        if rec.decision == "adjust":
            vals.loc[i, "text"] = rec.rtext
            vals.loc[i, "parsed"] = rec.rvalue
    return vals[vals["text"] != "\0drop"].reset_index(drop=True)


def figures_from_ledger(ledger: Ledger | str | Path, year: int, as_of: str | dt.datetime | None = None,
                        framework_id: str | None = None):
    """The current figures of ``year`` as a :class:`~indicators.submission.Submission` — how commands read a ledger.

    ``ledger`` is an open :class:`Ledger` or its path/URL. Values are passed as written, so decimals
    shown and percent signs are validated exactly as from the exported CSV.
    """
    from indicators.submission import Submission

    if not isinstance(ledger, Ledger):
        from .db import open_ledger

        with open_ledger(ledger, create=False) as opened:
            return figures_from_ledger(opened, year, as_of, framework_id)
    cur = current_figures(ledger, year, as_of, framework_id)
    if cur.empty:
        when = f" as of {as_of}" if as_of is not None else ""
        raise LedgerError(f"账本中没有 {year} 年已接受的数据{when} / "
                          f"the ledger has no accepted figures for {year}{when}")
    frame = cur[list(EXPORT_COLUMNS)].copy()
    frame["row"] = range(2, len(frame) + 2)
    tag = f"ledger {year}" + (f" as of {as_of}" if as_of is not None else "")
    return Submission.from_frame(frame, name=tag)


# ---------------------------------------------------------------------------------------------
# history
# ---------------------------------------------------------------------------------------------
def history(ledger: Ledger, district: str, year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every version of every figure of ``district`` (and every submission, rejected ones too).

    Returns ``(submissions, events)``: ``submissions`` one row per submission (id, year, status,
    received_at, submitted_by, file_name, file_sha256, problems as text, ``current``);
    ``events`` one row per submitted value or review decision, oldest first (year, figure, kind
    ``submitted``/``accept``/``adjust``/``reject``, value, who, when, file, reason, submission_id).
    """
    s, v, r, p = S.submissions, S.figure_values, S.reviews, S.problems
    with ledger.engine.connect() as conn:
        q = select(s).where(s.c.district == district)
        if year is not None:
            q = q.where(s.c.year == year)
        subs = pd.DataFrame(conn.execute(q.order_by(s.c.year, s.c.received_at, s.c.id)).mappings().all(),
                            columns=[c.name for c in s.columns])
        if subs.empty:
            known = conn.execute(select(S.districts.c.code).distinct()).scalars().all()
            known += conn.execute(select(s.c.district).distinct().where(s.c.district.is_not(None))).scalars().all()
            from indicators.errors import did_you_mean

            what = f" in {year}" if year is not None else ""
            raise LedgerError(f"账本中没有区 {district!r} 的报送{what} / no submission of district {district!r}{what}"
                              f"{did_you_mean(district, sorted(set(known)))}")
        ids = subs["id"].tolist()
        probs = conn.execute(select(p.c.submission_id, p.c.severity, p.c.message)
                             .where(p.c.submission_id.in_(ids)).order_by(p.c.id)).all()
        vals = conn.execute(select(v.c.submission_id, v.c.figure, v.c.text, v.c.value, v.c.source, v.c.note)
                            .where(v.c.submission_id.in_(ids))).all()
        revs = conn.execute(select(r).where(r.c.submission_id.in_(ids)).order_by(r.c.decided_at, r.c.id)
                            ).mappings().all()
        currents = set()
        for y in subs["year"].dropna().unique():
            cur = current_submission_ids(conn, int(y), None)
            currents |= set(conn.execute(select(cur.c.id).where(cur.c.district == district)).scalars())
    by_sub: dict[int, list[str]] = {}
    for sid, sev, msg in probs:
        by_sub.setdefault(sid, []).append(f"[{sev}] {msg}")
    subs["problems"] = [by_sub.get(i, []) for i in subs["id"]]
    subs["current"] = subs["id"].isin(currents)
    meta = subs.set_index("id")
    events = []
    for sid, fig, text, value, _source, note in vals:
        m = meta.loc[sid]
        events.append({"year": m["year"], "figure": fig, "kind": "submitted", "value": text if text else value,
                       "parsed": value, "who": m["submitted_by"], "when": m["received_at"], "file": m["file_name"],
                       "status": m["status"], "reason": note or "", "submission_id": sid, "current": m["current"]})
    for rv in revs:
        m = meta.loc[rv["submission_id"]]
        events.append({"year": rv["year"], "figure": rv["figure"], "kind": rv["decision"],
                       "value": rv["text"] if rv["decision"] == "adjust" else "", "parsed": rv["value"],
                       "who": rv["reviewer"], "when": rv["decided_at"], "file": m["file_name"], "status": "review",
                       "reason": rv["reason"], "submission_id": rv["submission_id"], "current": m["current"]})
    ev = pd.DataFrame(events, columns=["year", "figure", "kind", "value", "parsed", "who", "when", "file", "status",
                                       "reason", "submission_id", "current"])
    ev = ev.sort_values(["year", "figure", "when", "submission_id"], kind="stable").reset_index(drop=True)
    return subs, ev


def submissions_table(ledger: Ledger, year: int | None = None) -> pd.DataFrame:
    """Every submission (of ``year``), oldest first, without values: for summaries and tests."""
    s = S.submissions
    q = select(s).order_by(s.c.received_at, s.c.id)
    if year is not None:
        q = q.where(s.c.year == year)
    with ledger.engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=[c.name for c in s.columns])


def counts(ledger: Ledger) -> dict[str, int]:
    """Rows per table (what tests compare before and after a failed write)."""
    with ledger.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in S.metadata.sorted_tables}


__all__ = ["ACCEPTED", "EXPORT_COLUMNS", "NewSubmission", "Recorded", "add_review", "counts",
           "current_figures", "district_register", "editions", "figures_from_ledger", "history",
           "import_districts", "record_edition", "record_submission", "resolve_point", "submissions_table"]
