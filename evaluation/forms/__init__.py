"""Excel forms for the yearly assessment cycle: forms out, returned forms in, feedback.

- :func:`write_form` / :func:`write_forms` (:mod:`.template`): protected, self-identifying forms;
- :func:`read_form` (:mod:`.returned`): a returned form (or a plain CSV/XLSX submission) read back
  as a :class:`~indicators.submission.Submission` with every problem at once;
- :func:`write_feedback` (:mod:`.feedback`): the district's form with its problems marked;
- :func:`fill_form` (:mod:`.filling`): forms filled programmatically, for tests and the demo.

openpyxl is imported by the submodules, so import them only where forms are needed.
"""
