"""Kernel-side helper of :class:`evaluation.batch.execute.WarmKernel`: reset a kernel between runs.

This file is loaded *inside* the IPython kernel (by file path, under the module name
``_rolindex_kernel_reset``), so it imports nothing from the project and only the standard
library eagerly. :func:`capture` records the process state of the freshly started kernel;
:func:`reset` brings a used kernel back to it before the next notebook, keeping imported modules
(the point of a warm kernel). What it restores, and why:

- the IPython user namespace, In/Out history and execution counter
  (``InteractiveShell.reset(new_session=True)``), so no variable leaks and ``In [n]`` numbering
  restarts at 1 as in a fresh kernel;
- ``warnings.filters`` and every module's once-only warning registry, so a warning shown in an
  earlier run is shown again;
- ``os.environ``, the working directory, ``sys.path`` and the root logger's level and handlers;
- matplotlib, if imported: open figures are closed, ``rcParams`` go back to the rc-file defaults
  plus the inline backend's own rc, and the font lookup cache is cleared;
- pandas, if imported: every option back to its default.

After the reset everything still alive (imported modules, library caches) is moved to the
garbage collector's permanent generation with :func:`gc.freeze`, so the full collection of the
next reset, and the collector's passes while a notebook runs, only scan objects created since.
This cuts the reset from about 50 ms to about 2 ms once pandas and matplotlib are loaded. The
price: a frozen object that later becomes part of unreachable *cyclic* garbage is not reclaimed
(reference counting still frees everything else); kernel recycling bounds that drift.

References
----------
:meth:`IPython.core.interactiveshell.InteractiveShell.reset`; :func:`gc.freeze` (Python 3.7+,
"move them to a permanent generation and ignore all the future collections").

Not restored (documented in :mod:`evaluation.batch.execute`): other module-level state of imported
libraries (numpy print options and error state, random seeds, fonts added with ``addfont``,
IPython ``%config`` changes, monkey-patches).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import warnings

_BASELINE: dict[str, object] = {}


def capture() -> None:
    """Record the state of a freshly started kernel (called once, before the first notebook)."""
    root = logging.getLogger()
    _BASELINE.update(
        filters=list(warnings.filters),
        environ=dict(os.environ),
        path=list(sys.path),
        log_level=root.level,
        log_handlers=list(root.handlers),
    )


def reset(cwd: str) -> None:
    """Bring the kernel back to the captured state and change to ``cwd``.

    The change of folder comes first: the previous report's folder may be gone (a published
    edition's staging folder is renamed), and anything that asks for the working folder would fail.
    """
    from IPython import get_ipython

    os.chdir(cwd)
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # also garbage-collects (DisplayHook.flush)
    _reset_libraries(shell)
    _restore_process()
    gc.collect()
    gc.freeze()


def _restore_process() -> None:
    warnings.filters[:] = _BASELINE["filters"]
    mutated = getattr(warnings, "_filters_mutated", None) or getattr(
        warnings, "_filters_mutated_lock_held", None
    )
    if mutated is not None:  # invalidates every module's __warningregistry__ ("once" memory)
        mutated()
    environ = _BASELINE["environ"]
    if dict(os.environ) != environ:
        os.environ.clear()
        os.environ.update(environ)
    sys.path[:] = _BASELINE["path"]
    root = logging.getLogger()
    root.setLevel(_BASELINE["log_level"])
    root.handlers[:] = _BASELINE["log_handlers"]


def _reset_libraries(shell: object) -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "matplotlib" in sys.modules:
        matplotlib = sys.modules["matplotlib"]
        matplotlib.rc_file_defaults()
        inline_rc = _inline_backend_rc(shell)
        if inline_rc:
            matplotlib.rcParams.update(inline_rc)
        font_manager = sys.modules.get("matplotlib.font_manager")
        if font_manager is not None:
            font_manager.FontManager._findfont_cached.cache_clear()
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated options warn when reset
            sys.modules["pandas"].reset_option("all")


def _inline_backend_rc(shell: object) -> dict[str, object]:
    """The inline backend's configured rc (empty unless a user configured ``InlineBackend.rc``)."""
    config = sys.modules.get("matplotlib_inline.config")
    if config is None or shell is None:
        return {}
    return dict(config.InlineBackend.instance(parent=shell).rc)
