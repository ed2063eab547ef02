"""Excel forms for the yearly assessment cycle: forms out, returned forms in, feedback.

- :func:`write_form` / :func:`write_forms` (:mod:`.template`): protected, self-identifying forms;
- :func:`read_form` (:mod:`.returned`): a returned form (or a plain CSV/XLSX submission) read back
  as a :class:`~indicators.submission.Submission` with every problem at once; evidence file names
  per value and :func:`collect_evidence` for the files returned beside it;
- :func:`write_feedback` (:mod:`.feedback`): the district's form with its problems marked;
- :func:`fill_form` (:mod:`.filling`): forms filled programmatically, for tests and the demo;
- :func:`prefill_form` (:mod:`.prefill`): a district's form pre-filled from report extraction, quotes beside values;
- :class:`District`, :func:`read_districts` (:mod:`.districts`): who gets a form.

The names are loaded lazily (openpyxl is imported only when a form is written or marked).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "write_form": "template", "write_forms": "template", "form_filename": "template",
    "is_office_framework": "template", "read_form": "returned", "ReturnedForm": "returned",
    "collect_evidence": "returned", "relabel_figures": "returned", "write_feedback": "feedback",
    "feedback_status": "feedback", "fill_form": "filling", "fill_from_panel": "filling", "MISTAKES": "filling",
    "District": "districts", "read_districts": "districts", "read_offices": "districts",
    "districts_from_panel": "districts", "with_offices": "districts", "Office": "layout",
    "TEMPLATE_VERSION": "layout", "FormError": "errors", "bilingual": "messages", "prefill_form": "prefill",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
