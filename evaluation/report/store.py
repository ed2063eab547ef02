"""The result store of the district reports: loading, caches, fingerprints and resolving inputs.

:func:`load_result` memoises the year's index in the process, so a warm kernel that renders many
districts computes it once, while a fresh kernel computes the same numbers from scratch; the batch
runner writes the result once to disk (:func:`write_result_cache`) for every kernel to load. Cache
keys include :func:`code_fingerprint`, so upgraded code never reuses old numbers. Inputs are
resolved here (sample and file names, :func:`as_methodology`); what a report says from a result is
:mod:`evaluation.report.content`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import os
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators import (
    Framework,
    IndexResult,
    Methodology,
    MethodologyError,
    build_index,
    load_framework,
    load_methodology,
)
from indicators.io import sha256_file
from indicators.methodology import as_methodology as _as_methodology
from indicators.submission import Submission, read_figures

from .. import paths
from ..errors import ReportDataError
from ..fileio import atomic_write_bytes

SYNTHETIC_PREFIX = "synthetic:"

__all__ = [
    "CACHE_KEY_ENV", "RESULT_CACHE_DIR", "PeerView", "as_methodology", "clear_cache", "code_fingerprint",
    "district_peers", "group_of", "is_synthetic", "load_result", "new_cache_key", "peer_view",
    "read_district_table", "resolve_figures", "resolve_framework", "with_district_table", "with_sources",
    "write_result_cache",
]


# ---------------------------------------------------------------------------------------------
# loading, memoised in the process
# ---------------------------------------------------------------------------------------------
_CACHE_SIZE = 4
_RESULTS: OrderedDict[tuple, IndexResult] = OrderedDict()
_FILE_HASHES: dict[tuple, str] = {}
_FRAMEWORKS: dict[tuple, Framework] = {}
_LOCK = threading.Lock()


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _file_hash(path: Path) -> str:
    """SHA-256 of a file, re-read only when its size, mtime, inode or device change."""
    key = _stat_key(path)
    with _LOCK:
        digest = _FILE_HASHES.get(key)
    if digest is None:
        digest = sha256_file(path)
        with _LOCK:
            if len(_FILE_HASHES) > 64:
                _FILE_HASHES.clear()
            _FILE_HASHES[key] = digest
    return digest


def _framework(path: Path) -> Framework:
    key = _stat_key(path)
    with _LOCK:
        fw = _FRAMEWORKS.get(key)
    if fw is None:
        fw = load_framework(path)
        with _LOCK:
            if len(_FRAMEWORKS) > 16:
                _FRAMEWORKS.clear()
            _FRAMEWORKS[key] = fw
    return fw


def _existing(path: str | Path, what: str, hint: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise ReportDataError(f"{what} file {str(p)!r} does not exist (working directory {os.getcwd()}); {hint}")
    return p


def resolve_figures(figures: str | Path) -> Path:
    """A figures file path, or a sample name (``synthetic_panel``, ``seed_districts``)."""
    if str(figures) in paths.SAMPLE_SUBMISSIONS:
        return paths.SAMPLE_SUBMISSIONS[str(figures)]
    return _existing(figures, "figures", "give a CSV/XLSX path or one of "
                     + ", ".join(paths.SAMPLE_SUBMISSIONS))


def resolve_framework(framework: str | Path) -> Path:
    """A framework YAML path, or a name in ``data/frameworks`` (``district_rol``)."""
    return _existing(paths.resolve(framework, paths.FRAMEWORKS), "framework",
                     "give a YAML path or a name in data/frameworks")


def as_methodology(methodology: Methodology | Mapping[str, Any] | str | Path | None) -> Methodology:
    """:func:`indicators.methodology.as_methodology`, with None meaning the baseline file and bare names
    looked up in ``data/methodologies``."""
    if isinstance(methodology, str | Path):
        methodology = paths.resolve(methodology, paths.METHODOLOGIES)
    try:
        return _as_methodology(methodology, default=load_methodology(paths.DEFAULT_METHODOLOGY)
                               if methodology is None else None)
    except MethodologyError as exc:
        raise ReportDataError(str(exc)) from None


def _memo_key(fig: Path, fw: Framework, meth: Methodology) -> tuple:
    return (_file_hash(fig), fw.content_hash, meth.content_hash, meth.name, meth.description)


def load_result(
    figures_path: str | Path,
    framework_path: str | Path,
    methodology: Methodology | Mapping[str, Any] | None,
    *,
    cache_dir: str | Path | None = None,
) -> IndexResult:
    """Validate the figures and build the index for every district-year, memoised in-process.

    The memo key is (SHA-256 of the figures file, the framework's content hash, the
    methodology's content hash, name and description), so a kernel reused across districts
    builds the year's index once and any change to an input rebuilds it. A file's hash is
    recomputed only when its size, mtime, inode or device change (hashing a national panel
    per report would cost more than the report). The last four results are kept. The returned
    result records where the figures came from (:func:`with_sources`).

    Parameters
    ----------
    figures_path : CSV/XLSX submission, or a sample name (``synthetic_panel``, ``seed_districts``).
    framework_path : framework YAML, or a name in ``data/frameworks`` (``district_rol``).
    methodology : a dict as written by ``Methodology.to_dict()``, a Methodology, or None for the
        baseline (``data/methodologies/baseline.yaml``).
    cache_dir : folder of result caches written by :func:`write_result_cache` (the batch runner
        writes one into ``<output_dir>/.rolindex/results/``). When it holds the cache for the
        same inputs, code and library versions, signed with the batch's key (environment
        variable :data:`CACHE_KEY_ENV`), the result is loaded from it (~0.05 s for 2,850
        districts × 6 years instead of ~10–25 s reading and building) — the same numbers, since
        the cache is the pickled result of this very function. Without a key the cache is not
        read and the index is built; a cache whose signature does not verify is refused with
        :class:`ReportDataError` before anything in it is unpickled.
    """
    fig = resolve_figures(figures_path)
    fw = _framework(resolve_framework(framework_path))
    meth = as_methodology(methodology)
    key = _memo_key(fig, fw, meth)
    with _LOCK:
        hit = _RESULTS.get(key)
        if hit is not None:
            _RESULTS.move_to_end(key)
            return hit
    result = _read_result_cache(Path(cache_dir), key, fw, meth) if cache_dir is not None else None
    if result is None:
        submission = read_figures(fig)
        result = with_sources(build_index(submission, fw, meth), submission)
        _remember_notes(key[0], submission_notes(submission))  # figure_notes need not read it again
    with _LOCK:
        _RESULTS[key] = result
        while len(_RESULTS) > _CACHE_SIZE:
            _RESULTS.popitem(last=False)
    return result


# ---------------------------------------------------------------------------------------------
# result cache on disk (written once by the batch parent, read by every kernel)
# ---------------------------------------------------------------------------------------------
#: Where the batch runner keeps result caches, relative to a report folder (beside its lock).
RESULT_CACHE_DIR = Path(".rolindex") / "results"
_CACHE_FORMAT = "rolindex-result-cache-v1"
#: Sources whose code decides a result's numbers: a change invalidates every cache.
_CODE_GLOBS = (("indicators", "**/*.py"), ("evaluation/report", "store.py"))


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the code that computes results and of the Python/numpy/pandas versions.

    Part of every result-cache key and of the batch runner's task inputs, so upgraded code
    never reuses numbers or reports made by older code.
    """
    import platform

    h = hashlib.sha256(f"{platform.python_version()}\0{np.__version__}\0{pd.__version__}\0".encode())
    root = Path(__file__).resolve().parents[2]
    for folder, pattern in _CODE_GLOBS:  # sub-packages too (indicators/submission/, ...)
        for path in sorted((root / folder).glob(pattern)):
            h.update(f"{path.relative_to(root).as_posix()}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _cache_file(cache_dir: Path, key: tuple) -> Path:
    text = json.dumps([_CACHE_FORMAT, code_fingerprint(), *key], ensure_ascii=False)
    return cache_dir / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}.pickle"


_NOT_CACHED = ("framework", "methodology")  # rebuilt from their files (and hold mappingproxies)
#: Environment variable holding the batch's result-cache key (hex); set by the batch runner for
#: its kernels only, never written to disk.
CACHE_KEY_ENV = "ROLINDEX_RESULT_CACHE_KEY"
_SIGNED = b"rolindex-signed-cache-v1\n"
_MAC_BYTES = 32


def _cache_key() -> bytes | None:
    """The batch's cache key from :data:`CACHE_KEY_ENV`, or None when unset or not hex."""
    text = os.environ.get(CACHE_KEY_ENV, "")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        return None
    return key if len(key) >= 16 else None


def _read_result_cache(cache_dir: Path, key: tuple, fw: Framework, meth: Methodology) -> IndexResult | None:
    """The cached result for ``key``, with this process's framework and methodology, or None.

    Why signed, not a data format: an :class:`IndexResult` holds many tables with MultiIndexes,
    categoricals, dicts and provenance; a pickle reproduces it bit for bit, and pyarrow (for
    Parquet) is not a dependency. A pickle runs code when loaded, so anyone able to write into
    the output folder (a shared Dask folder) could run code in every kernel; the file is
    therefore signed with HMAC-SHA256 under a random per-batch key that lives only in the batch
    process and its kernels' environment, and verified *before* unpickling. No key (a standalone
    papermill run): the cache is not read (None). A missing cache: None. Present but unsigned,
    torn or tampered with: :class:`ReportDataError`, nothing loaded from it.

    References
    ----------
    RFC 2104 (HMAC); Python docs, ``pickle``: "Only unpickle data you trust ... consider signing
    data with hmac if you need to ensure that it has not been tampered with".
    """
    secret = _cache_key()
    if secret is None:
        return None
    path = _cache_file(cache_dir, key)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    head = len(_SIGNED) + _MAC_BYTES
    body = blob[head:]
    mac = hmac.new(secret, body, hashlib.sha256).digest()
    if not blob.startswith(_SIGNED) or not hmac.compare_digest(blob[len(_SIGNED):head], mac):
        raise ReportDataError(
            f"结果缓存 {path} 未签名或已被改动，拒绝加载 / result cache {path} is unsigned or has been "
            "altered (its HMAC-SHA256 does not verify under this batch's key); refused, nothing loaded "
            "from it — rerun the batch, which rewrites it")
    payload = pickle.loads(body)  # signed by this batch: trusted
    if (payload.get("format"), payload.get("code"), tuple(payload.get("key", ()))) != (
            _CACHE_FORMAT, code_fingerprint(), key):
        return None
    if payload.get("notes") is not None:
        _remember_notes(key[0], payload["notes"])
    return IndexResult(framework=fw, methodology=meth, **payload["fields"])


def new_cache_key() -> bytes:
    """A fresh random 256-bit key for one batch's result cache."""
    import secrets

    return secrets.token_bytes(32)


def write_result_cache(
    cache_dir: str | Path,
    figures_path: str | Path,
    framework_path: str | Path,
    methodology: Methodology | Mapping[str, Any] | None,
    secret: bytes,
) -> Path:
    """Build (or take from the memo) the result and write its signed cache into ``cache_dir``.

    :func:`load_result` called with the same inputs and ``cache_dir``, with ``secret`` (hex) in
    :data:`CACHE_KEY_ENV`, then loads it instead of building. Always rewritten (atomically: temp
    file + rename), since every batch signs with its own key.
    """
    fig = resolve_figures(figures_path)
    fw = _framework(resolve_framework(framework_path))
    meth = as_methodology(methodology)
    result = load_result(fig, framework_path, meth)
    key = _memo_key(fig, fw, meth)
    path = _cache_file(Path(cache_dir), key)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name not in _NOT_CACHED}
    payload = {"format": _CACHE_FORMAT, "code": code_fingerprint(), "key": list(key), "fields": fields,
               "notes": figure_notes(fig)}  # a kernel's sources and evidence without re-reading the file
    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    atomic_write_bytes(path, _SIGNED + hmac.new(secret, body, hashlib.sha256).digest() + body)
    return path


_NOTES: OrderedDict = OrderedDict()
_SENSITIVITY: dict[Any, tuple[weakref.ref, Any]] = {}


def _per_result(cache: dict[Any, tuple[weakref.ref, Any]], key: Any, result: IndexResult,
                compute: Any, limit: int | None = None) -> Any:
    """``compute()`` once per result object and ``key`` (``key`` starts with ``id(result)``).

    Held beside a weak reference, so an entry of a result that has gone is never handed out for a
    new object at the same address; such entries are dropped on the next store (all of them past
    ``limit``).
    """
    with _LOCK:
        entry = cache.get(key)
    if entry is not None and entry[0]() is result:
        return entry[1]
    value = compute()
    with _LOCK:
        for k in [k for k, (ref, _) in cache.items() if ref() is None]:
            del cache[k]
        if limit is not None and len(cache) > limit:
            cache.clear()
        cache[key] = (weakref.ref(result), value)
    return value


def unsubmitted_sensitivity(result: IndexResult) -> pd.DataFrame:
    """:func:`indicators.unsubmitted.unsubmitted_sensitivity` of ``result``, once per result object."""
    from indicators.unsubmitted import unsubmitted_sensitivity as compute

    return _per_result(_SENSITIVITY, id(result), result, lambda: compute(result))


def submission_notes(submission: Any) -> pd.DataFrame:
    """``source``, ``quote`` and ``note`` of every submitted figure, indexed by (district, year, figure)."""
    df = submission.figures
    cols = [c for c in ("source", "quote", "note") if c in df.columns]
    out = df[["district", "year", "figure", *cols]].copy()
    for c in ("source", "quote", "note"):
        if c not in out:
            out[c] = None
    out["year"] = out["year"].astype(int)
    out = out.astype({c: object for c in ("district", "figure", "source", "quote", "note")})
    return _by_district_year(out.drop_duplicates(["district", "year", "figure"], keep="last")
                             .set_index(["district", "year", "figure"]))


def _by_district_year(notes: pd.DataFrame) -> pd.DataFrame:
    """Notes grouped by district and year, figures in file order within each group.

    A district-year's notes are then found by binary search: 0.4 ms instead of 8 ms on a national
    file, and a report looks them up several times.
    """
    return notes.sort_index(level=["district", "year"], sort_remaining=False, kind="stable")


def figure_notes(figures_path: str | Path | None) -> pd.DataFrame | None:
    """``source``, ``quote``, ``note`` of every figure of a submission file, memoised by file hash.

    Indexed by (district, year, figure); None without a file. See
    :func:`submission_notes`.
    """
    if figures_path is None or str(figures_path) == "":
        return None
    fig = resolve_figures(figures_path)
    key = _file_hash(fig)
    with _LOCK:
        hit = _NOTES.get(key)
    if hit is not None:
        return hit
    notes = submission_notes(read_figures(fig))
    _remember_notes(key, notes)
    return notes


def _remember_notes(file_hash: str, notes: pd.DataFrame) -> None:
    """Memoise a submission file's notes by its SHA-256 (the last few files)."""
    with _LOCK:
        _NOTES[file_hash] = notes
        _NOTES.move_to_end(file_hash)
        while len(_NOTES) > _CACHE_SIZE:
            _NOTES.popitem(last=False)


def clear_cache() -> None:
    """Forget memoised results, file hashes, frameworks and per-year tables."""
    with _LOCK:
        _RESULTS.clear()
        _FILE_HASHES.clear()
        _FRAMEWORKS.clear()
        _VIEWS.clear()
        _NOTES.clear()
        _SENSITIVITY.clear()
        _GROUPS.clear()
        _WITH_TABLE.clear()


# ---------------------------------------------------------------------------------------------
# synthetic data
# ---------------------------------------------------------------------------------------------
def _sources_of(obj: Submission | Iterable[str]) -> list[str]:
    if isinstance(obj, Submission):
        col = obj.figures["source"] if "source" in obj.figures.columns else pd.Series([], dtype=object)
        values: Iterable[Any] = col.dropna().unique()
    else:
        values = obj
    return sorted({str(v) for v in values if v is not None and str(v).strip()})


def with_sources(result: IndexResult, sources: Submission | Iterable[str]) -> IndexResult:
    """A copy of ``result`` whose provenance records its data sources and whether any is synthetic.

    ``sources`` is the submission the result was built from, or its ``source`` labels. Data is
    synthetic when a source label starts with ``synthetic:`` (the generator's mark).
    """
    labels = _sources_of(sources)
    prov = dict(result.provenance)
    prov["data_sources"] = labels
    prov["synthetic"] = any(s.startswith(SYNTHETIC_PREFIX) for s in labels)
    return replace(result, provenance=prov)


def is_synthetic(obj: Submission | IndexResult) -> bool:
    """Whether a submission, or the result built from it, contains synthetic (fictional) data.

    A result knows only if it was made by :func:`load_result` or :func:`with_sources`; for any
    other result this raises rather than guess.
    """
    if isinstance(obj, Submission):
        return any(s.startswith(SYNTHETIC_PREFIX) for s in _sources_of(obj))
    if isinstance(obj, IndexResult):
        if "synthetic" not in obj.provenance:
            raise ReportDataError("this result does not record its data sources; build it with "
                                  "load_result() or mark it with with_sources(result, submission)")
        return bool(obj.provenance["synthetic"])
    raise ReportDataError(f"is_synthetic takes a Submission or an IndexResult, got {type(obj).__name__}")


# ---------------------------------------------------------------------------------------------
# one year's peer statistics, cached per result object
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeerView:
    """One year's peer statistics: scores, medians, ranks and counts over that year's districts.

    ``group`` is the peer group the statistics are over (``""``: every district of the year).
    """

    scores: pd.DataFrame        # district × node (indicators, aggregates) scores
    values: pd.DataFrame        # district × indicator, natural units before imputation
    medians: pd.Series          # node -> median score over districts with a score
    value_medians: pd.Series    # indicator -> median natural value
    ranks: pd.DataFrame         # district × node, 1 = best score, ties share the best rank
    counts: pd.Series           # node -> districts with a score
    group: str = ""


_VIEWS: dict[tuple[int, int, str], tuple[weakref.ref, PeerView]] = {}
_VIEW_LIMIT = 8192  # entries before the views are dropped (a few MB at most)


def _view(scores: pd.DataFrame, values: pd.DataFrame, group: str) -> PeerView:
    return PeerView(scores=scores, values=values, medians=scores.median(), value_medians=values.median(),
                    ranks=scores.rank(method="min", ascending=False), counts=scores.notna().sum(), group=group)


def peer_view(result: IndexResult, year: int, group: str | None = None) -> PeerView:
    """The year's :class:`PeerView` over every district, or over peer ``group`` only (weakly cached).

    ``group`` is a value of ``result.districts["group"]`` (see :func:`group_of`); None or ``""``
    means every district of the year.
    """
    group = group or ""

    def compute() -> PeerView:
        if group:
            every = peer_view(result, year)
            members = every.scores.index.isin(result.districts.index[_groups(result) == group])
            return _view(every.scores[members], every.values.reindex(every.scores.index[members]), group)
        return _view(result.node_scores().xs(year, level="year"), result.indicators.xs(year, level="year"), "")

    # a national batch has ~180 groups x 6 years; views are small (a group's rows), so keep them all
    return _per_result(_VIEWS, (id(result), int(year), group), result, compute, limit=_VIEW_LIMIT)


_GROUPS: dict[Any, tuple[weakref.ref, Any]] = {}


def _groups(result: IndexResult) -> pd.Series:
    """Each district's peer group as text (``""``: none), once per result object."""
    def compute() -> pd.Series:
        if "group" not in result.districts.columns:
            return pd.Series("", index=result.districts.index, dtype=object)
        return result.districts["group"].map(_text, na_action=None).astype(object)

    return _per_result(_GROUPS, id(result), result, compute)


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def group_of(result: IndexResult, district: str) -> str:
    """The district's peer group (from the districts table or the submission's ``group``), ``""`` if none."""
    if district not in result.districts.index or "group" not in result.districts.columns:
        return ""
    return _text(result.districts.at[district, "group"])


def district_peers(result: IndexResult, district: str, year: int) -> PeerView:
    """The peers a district is compared with: its peer group that year, or every district when it has none."""
    return peer_view(result, year, group_of(result, district))


# ---------------------------------------------------------------------------------------------
# the districts table: names and peer groups
# ---------------------------------------------------------------------------------------------
def read_district_table(path: str | Path) -> pd.DataFrame:
    """A districts table (CSV ``district,name_zh,name_en,city,peer_group``) indexed by district.

    Read by :func:`evaluation.forms.districts.read_districts` (every problem at once, file and
    row named); returns ``name_zh``, ``name_en``, ``city`` and ``peer_group`` (``""`` where blank).
    """
    from ..forms.districts import read_districts

    rows = read_districts(_existing(path, "districts table", "give the districts CSV "
                                    "(district,name_zh,name_en,city,peer_group)"))
    return pd.DataFrame({"name_zh": [d.name_zh for d in rows], "name_en": [d.name_en for d in rows],
                         "city": [d.city for d in rows], "peer_group": [d.peer_group for d in rows]},
                        index=pd.Index([d.code for d in rows], name="district"), dtype=object)


def with_district_table(result: IndexResult, table: pd.DataFrame | str | Path | None) -> IndexResult:
    """A copy of ``result`` whose districts take their peer group (and names) from a districts table.

    The table (:func:`read_district_table`, or its path) decides for every district it lists: its
    ``peer_group`` (blank: no group — the district is compared with all) and, where given, its
    names. Districts it does not list keep what the submission said. None returns ``result``.
    Memoised per result object and file, so warm kernels share one copy (and its peer views).
    """
    if table is None or (isinstance(table, str) and table == ""):
        return result
    if isinstance(table, pd.DataFrame):
        return _apply_district_table(result, table)
    path = _existing(table, "districts table", "give the districts CSV (district,name_zh,name_en,city,"
                     "peer_group)")
    return _per_result(_WITH_TABLE, (id(result), _file_hash(path)), result,
                       lambda: _apply_district_table(result, read_district_table(path)))


def _apply_district_table(result: IndexResult, table: pd.DataFrame) -> IndexResult:
    districts = result.districts.copy()
    if "group" not in districts.columns:
        districts["group"] = ""
    districts["group"] = districts["group"].astype(object)
    listed = districts.index[districts.index.isin(table.index)]
    districts.loc[listed, "group"] = table.loc[listed, "peer_group"].map(_text).to_numpy()
    for d in listed:
        zh, en = _text(table.at[d, "name_zh"]), _text(table.at[d, "name_en"])
        if zh or en:
            districts.at[d, "district_name"] = " / ".join(x for x in (zh, en) if x)
    return replace(result, districts=districts)


_WITH_TABLE: dict[tuple[int, str], tuple[weakref.ref, IndexResult]] = {}
