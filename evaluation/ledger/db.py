"""Open a ledger: one SQLite file per assessment by default, PostgreSQL for teams, upgraded to the head revision.

``open_ledger("out/ledger.sqlite")`` or ``open_ledger("postgresql+psycopg://user@host/db")``: the
same SQLAlchemy Core code runs on both. SQLite is opened in WAL mode with a busy timeout and every
write transaction starts with ``BEGIN IMMEDIATE``, so concurrent intakes queue instead of failing;
a process killed mid-transaction leaves the file as it was at the last commit. Alembic migrations
(``evaluation/ledger/migrations``) are configured here in code: no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LedgerError, LedgerSchemaError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: Seconds a writer waits for another writer's lock on a SQLite ledger.
BUSY_TIMEOUT = 120
#: Default ledger file name inside an assessment folder.
DEFAULT_NAME = "ledger.sqlite"
#: Environment variable naming the evidence folder of a server ledger (PostgreSQL).
EVIDENCE_ENV = "ROLINDEX_EVIDENCE_DIR"


@dataclass(frozen=True)
class Ledger:
    """An open ledger: its engine, URL (password hidden) and the folder of its evidence files."""

    engine: Engine
    url: str
    evidence_dir: Path

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ledger_url(target: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of ``target``: a URL as is; a path (file or folder) as a SQLite file URL.

    A folder means ``<folder>/ledger.sqlite``. ``postgresql://`` is read as ``postgresql+psycopg://``
    (psycopg 3, the driver rolindex pins).
    """
    text = os.fspath(target)
    if "://" in text:
        if text.startswith("postgresql://") or text.startswith("postgres://"):
            text = "postgresql+psycopg://" + text.split("://", 1)[1]
        return text
    path = Path(text)
    if path.is_dir() or (not path.suffix and not path.exists()):
        path = path / DEFAULT_NAME
    return "sqlite:///" + str(path.resolve())


def _sqlite_events(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT * 1000}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # Take the write lock at once: a read-then-write transaction never deadlocks another writer.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with this version of rolindex."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the ledger's schema to the head revision (creating it in an empty database)."""
    from alembic import command
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise LedgerSchemaError(f"账本版本 {current} 比本程序新或未知 / the ledger is at revision {current!r}, "
                                f"unknown to this rolindex (head {head!r}): upgrade rolindex")
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.begin() as conn:  # one transaction (BEGIN IMMEDIATE on SQLite): concurrent openers queue
            command.upgrade(_alembic_config(conn), "head")
    except DBAPIError:
        # Another process created or upgraded the schema at the same moment (a server database has
        # no BEGIN IMMEDIATE): fine if the ledger is now at head, else the error stands.
        with engine.connect() as conn:
            if MigrationContext.configure(conn).get_current_revision() != head:
                raise


def open_ledger(target: str | os.PathLike[str], evidence_dir: str | os.PathLike[str] | None = None,
                *, create: bool = True) -> Ledger:
    """Open (and upgrade) the ledger at ``target``: a SQLite path/folder or a database URL.

    Evidence files go to ``evidence_dir``, by default ``evidence/`` beside a SQLite file, or
    ``$ROLINDEX_EVIDENCE_DIR`` (else ``./evidence``) for a server database. ``create=False`` refuses
    a SQLite file that does not exist yet (for the reading commands).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    url = ledger_url(target)
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except ArgumentError as exc:
        raise LedgerError(f"无法识别的账本地址 / not a ledger path or database URL: {target!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not create and not path.is_file():
            raise LedgerError(f"账本不存在 / no ledger at {path} (run `rolindex intake` first)")
        path.parent.mkdir(parents=True, exist_ok=True)
        default_evidence = path.parent / "evidence"
        try:
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})
        except NoSuchModuleError as exc:  # pragma: no cover - sqlite is built in
            raise LedgerError(str(exc)) from exc
        _sqlite_events(engine)
    else:
        default_evidence = Path(os.environ.get(EVIDENCE_ENV, "evidence"))
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (NoSuchModuleError, ArgumentError) as exc:
            raise LedgerError(f"不支持的数据库 / unsupported ledger database {parsed.get_backend_name()!r} "
                              f"(use a SQLite path or postgresql+psycopg://…): {exc}") from exc
    from sqlalchemy.exc import OperationalError

    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise LedgerError(f"无法打开账本 / cannot open the ledger {parsed.render_as_string(hide_password=True)}: "
                          f"{exc.orig}") from exc
    return Ledger(engine, parsed.render_as_string(hide_password=True),
                  Path(evidence_dir) if evidence_dir is not None else default_evidence)
