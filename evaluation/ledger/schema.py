"""The ledger's tables (SQLAlchemy Core): districts register, submissions, values, evidence, reviews, editions.

The model is append-only. Submitted data is never updated or deleted: a corrected return is a new
submission that supersedes the old one, a reviewer's 复核 decision is a new ``reviews`` row, a
renamed or merged district is a new ``districts`` row with a later ``valid_from``. What is
"current" is computed when read (:mod:`evaluation.ledger.store`).

Timestamps are naive UTC (``DateTime`` without zone) so SQLite and PostgreSQL compare them alike.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: Constraint names follow one convention so migrations name them the same on every database.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

#: Submission statuses.
STATUSES = ("accepted", "accepted_with_warnings", "rejected")
#: Review (复核) decisions.
DECISIONS = ("accept", "adjust", "reject")

#: The districts register: one row per version of a district (a rename or merge adds a row).
districts = Table(
    "districts", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("name_zh", Text, nullable=False, server_default=""),
    Column("name_en", Text, nullable=False, server_default=""),
    Column("city", Text, nullable=False, server_default=""),
    Column("peer_group", Text, nullable=False, server_default=""),
    # A merged district points to the district it became part of (its history stays under its code).
    Column("merged_into", String(64), nullable=True),
    Column("recorded_at", DateTime, nullable=False),
    Column("recorded_by", Text, nullable=False, server_default=""),
    Column("source_file", Text, nullable=False, server_default=""),
    Column("source_sha256", String(64), nullable=False, server_default=""),
    Index("ix_districts_code_valid_from", "code", "valid_from"),
)

#: Offices of a district version (judicial-office framework: 司法所).
district_offices = Table(
    "district_offices", metadata,
    Column("id", Integer, primary_key=True),
    Column("district_id", Integer, ForeignKey("districts.id"), nullable=False, index=True),
    Column("office", String(64), nullable=False),
    Column("name_zh", Text, nullable=False, server_default=""),
    Column("name_en", Text, nullable=False, server_default=""),
    UniqueConstraint("district_id", "office", name="uq_district_offices_district_office"),
)

#: One returned file for one district-year (a plain file with several district-years gives several).
submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True),
    # sha256|district|year: the same file for the same district-year is one submission.
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("district", String(64), nullable=True, index=True),
    Column("year", Integer, nullable=True, index=True),
    Column("district_name", Text, nullable=False, server_default=""),
    Column("peer_group", Text, nullable=False, server_default=""),
    Column("framework_id", String(64), nullable=False),
    Column("framework_version", String(32), nullable=False),
    Column("framework_hash", String(64), nullable=False),
    Column("template_version", String(32), nullable=False, server_default=""),
    Column("kind", String(16), nullable=False),  # form | csv | xlsx
    Column("received_at", DateTime, nullable=False, index=True),
    Column("submitted_by", Text, nullable=False, server_default=""),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("n_values", Integer, nullable=False),
    Column("n_errors", Integer, nullable=False),
    Column("n_warnings", Integer, nullable=False),
)

#: Problems found in a submission (errors reject it, warnings do not).
problems = Table(
    "problems", metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False, index=True),
    Column("severity", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("file", Text, nullable=True),
    Column("row", Integer, nullable=True),
    Column("column", Text, nullable=True),
    Column("figure", String(64), nullable=True),
)

#: The figures of a submission, as written and as parsed.
figure_values = Table(
    "figure_values", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False, index=True),
    Column("figure", String(64), nullable=False),
    Column("text", Text, nullable=True),  # the value as written ("95%", "2,162")
    Column("value", Float, nullable=True),  # parsed (NaN is stored as NULL)
    Column("unit", Text, nullable=False, server_default=""),
    Column("source", Text, nullable=False, server_default=""),
    Column("quote", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("evidence", Text, nullable=False, server_default=""),  # the file name(s) as written
)

#: Evidence files (佐证材料), stored content-addressed in ``<ledger dir>/evidence/ab/abcdef…``.
evidence = Table(
    "evidence", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("file_name", Text, nullable=False),  # the name it first arrived under
    Column("stored_at", DateTime, nullable=False),
)

#: Which evidence file supports which value (a file may support many values and vice versa).
value_evidence = Table(
    "value_evidence", metadata,
    Column("value_id", BigInteger().with_variant(Integer, "sqlite"), ForeignKey("figure_values.id"),
           primary_key=True),
    Column("sha256", String(64), ForeignKey("evidence.sha256"), primary_key=True),
    Column("file_name", Text, nullable=False),  # the name it had beside this submission
)

#: Review (复核) decisions on one figure of the current submission of a district-year.
reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False, index=True),
    Column("district", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("figure", String(64), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("text", Text, nullable=True),  # an adjusted value as written
    Column("value", Float, nullable=True),  # an adjusted value, parsed
    Column("reviewer", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_at", DateTime, nullable=False, index=True),
    Index("ix_reviews_district_year", "district", "year"),
)

#: Published editions (``rolindex publish``): the figures of a year frozen as of ``as_of``.
editions = Table(
    "editions", metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("as_of", DateTime, nullable=False),  # the figures are those current at this instant
    Column("created_at", DateTime, nullable=False),
    Column("created_by", Text, nullable=False, server_default=""),
    Column("manifest_sha256", String(64), nullable=False),
    Column("archive", Text, nullable=False, server_default=""),  # where its files were written
    Column("note", Text, nullable=False, server_default=""),
    UniqueConstraint("year", "number", name="uq_editions_year_number"),
)
