"""Published editions (公开发布版次): a year's figures, scores, reports and index page frozen in an archive.

:func:`~.publish.publish` writes ``<out>/editions/<framework>/<year>/v<N>/`` with a manifest of
SHA-256 hashes (:mod:`.archive`), reuses the previous edition's report of every district whose
page would not change (:mod:`.fingerprint`), writes the changelog from the previous edition
(:mod:`.changelog`) and records the edition in the ledger. Imports SQLAlchemy and the report
machinery: import it only inside the commands that use it.
"""

from __future__ import annotations

from .archive import EditionError, verify_manifest
from .publish import Published, publish

__all__ = ["EditionError", "Published", "publish", "verify_manifest"]
