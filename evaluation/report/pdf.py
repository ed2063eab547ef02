"""Print report pages to A4 PDF with headless Chromium (``rolindex report --pdf``).

One Chromium process prints a whole batch: :class:`PdfPrinter` starts it with
``--remote-debugging-pipe`` and speaks the DevTools protocol over that pipe (NUL-separated JSON
on file descriptors 3 and 4; no network port, no extra package), loads each page from disk,
waits for its load event and its fonts, and calls ``Page.printToPDF`` with the page's own CSS
page size (``@page { size: A4 }``, see ``templates/print.css``) — so the running header (district
and year) and page numbers come from the CSS ``@page`` margin boxes of ``templates/running.css``.
Starting Chromium once instead of once per page (``chromium --print-to-pdf``) is what makes the
step cheap: ``benchmarks/bench_reports.py`` prints both.

Chromium runs with the machine's own fonts (no private fontconfig): Chinese text comes from the
batch's ``@font-face`` font (:mod:`evaluation.report.fonts`), as on a reader's machine without a
CJK font, so a PDF made here carries its Chinese embedded and searchable.
"""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from ..browser import FLAGS, BrowserError, find_chromium
from ..fileio import atomic_write_bytes

__all__ = ["PdfError", "PdfPrinter", "print_pages"]


class PdfError(BrowserError):
    """A page could not be printed to PDF (Chromium failed, timed out or returned no data)."""


def _above(fd: int, low: int = 10) -> int:
    """``fd`` moved to a descriptor number >= ``low`` (close-on-exec), the old one closed."""
    import fcntl

    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, low)
    os.close(fd)
    return new


class PdfPrinter:
    """A headless Chromium driven over ``--remote-debugging-pipe`` that prints pages to PDF.

    Use as a context manager; :meth:`print` one page after another (not thread-safe).
    """

    def __init__(self, chromium: str | None = None, *, timeout: float = 60.0, env: dict[str, str] | None = None):
        self.chromium = chromium or find_chromium()
        if self.chromium is None:
            raise PdfError("未找到 Chromium / no Chromium found (install Debian's 'chromium' package)")
        self.timeout = timeout
        self.env = env
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._session = ""

    # -- process ---------------------------------------------------------------------------------
    def __enter__(self) -> PdfPrinter:
        self._tmp = tempfile.TemporaryDirectory(prefix="rolindex-pdf-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # the child's ends above fd 4 so that moving them to 3 and 4 cannot overwrite each other
        to_child_r, from_child_w = (_above(fd) for fd in (to_child_r, from_child_w))

        # in the child, before exec: the pipe ends go to fd 3 and 4 (dup2 makes them inheritable; every
        # other descriptor Python opens is close-on-exec, so close_fds=False leaks nothing)
        def fds() -> None:
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        cmd = [self.chromium, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._tmp.name}/profile",
               "about:blank"]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, preexec_fn=fds, close_fds=False,
                                      env=self.env)
        os.close(to_child_r)
        os.close(from_child_w)
        try:
            target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self._call("Page.enable", session=self._session)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._proc is not None:
            try:
                self._send("Browser.close", {}, None)
            except PdfError:
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        for fd in (getattr(self, "_to_child", None), getattr(self, "_from_child", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_child = self._from_child = None  # type: ignore[assignment]
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- protocol --------------------------------------------------------------------------------
    def _send(self, method: str, params: dict[str, Any], session: str | None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        except OSError as exc:  # a closed pipe: the browser is gone
            raise PdfError(f"Chromium 意外退出 / Chromium exited unexpectedly ({exc})") from exc
        return self._next_id

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PdfError(f"Chromium 无响应 / Chromium did not answer within {self.timeout:g} s")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise PdfError("Chromium 意外退出 / Chromium exited unexpectedly")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        wanted = self._send(method, params or {}, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise PdfError(f"Chromium {method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if "method" in msg:
                self._events.append(msg)

    def _wait_event(self, method: str, deadline: float) -> dict[str, Any]:
        while True:
            for i, ev in enumerate(self._events):
                if ev["method"] == method and ev.get("sessionId") == self._session:
                    return self._events.pop(i)
            msg = self._read(deadline)
            if "method" in msg:
                self._events.append(msg)

    # -- printing --------------------------------------------------------------------------------
    def print(self, page: str | Path, out: str | Path) -> Path:
        """Load ``page`` (an HTML file) and write it as PDF to ``out`` (atomically); return ``out``."""
        if self._proc is None:
            raise PdfError("PdfPrinter is not started (use it in a with block)")
        page = Path(page).absolute()
        if not page.is_file():
            raise PdfError(f"页面不存在 / page not found: {page}")
        deadline = time.monotonic() + self.timeout
        self._events.clear()
        nav = self._call("Page.navigate", {"url": page.as_uri()}, self._session)
        if nav.get("errorText"):
            raise PdfError(f"Chromium could not open {page}: {nav['errorText']}")
        self._wait_event("Page.loadEventFired", deadline)
        # the @font-face font loads when text needs it: wait until every font is ready
        self._call("Runtime.evaluate", {"expression": "document.fonts.ready.then(() => document.fonts.size)",
                                        "awaitPromise": True}, self._session)
        data = self._call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True,
                                              "displayHeaderFooter": False, "generateDocumentOutline": True},
                          self._session).get("data")
        if not data:
            raise PdfError(f"Chromium returned no PDF for {page}")
        return atomic_write_bytes(Path(out), base64.b64decode(data))


    def capture(self, page: str | Path, png: str | Path, *, width: int = 794, media: str = "print") -> Path:
        """Photograph ``page`` as laid out for ``media`` (``print``: A4 width, 794 px at 96 dpi) into ``png``.

        The whole height in one image, unpaginated; for people to look at the print layout
        (``scripts/screenshot_reports.py --print``).
        """
        page = Path(page).absolute()
        deadline = time.monotonic() + self.timeout
        self._call("Emulation.setEmulatedMedia", {"media": media}, self._session)
        self._call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 1123, "deviceScaleFactor": 1,
                                                          "mobile": False}, self._session)
        self._events.clear()
        self._call("Page.navigate", {"url": page.as_uri()}, self._session)
        self._wait_event("Page.loadEventFired", deadline)
        self._call("Runtime.evaluate", {"expression": "document.fonts.ready.then(() => 1)", "awaitPromise": True},
                   self._session)
        data = self._call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                          self._session)["data"]
        return atomic_write_bytes(Path(png), base64.b64decode(data))


def print_pages(pages: dict[str, Path], *, chromium: str | None = None, timeout: float = 60.0,
                env: dict[str, str] | None = None) -> tuple[dict[str, Path], dict[str, str]]:
    """Print each ``key -> page.html`` to ``page.pdf`` beside it with one Chromium.

    A page that fails does not stop the others; Chromium is restarted after a failure (it may
    have died). Returns (``key -> pdf``, ``key -> error message``).
    """
    done: dict[str, Path] = {}
    failed: dict[str, str] = {}
    keys = list(pages)
    while keys:
        try:
            with PdfPrinter(chromium, timeout=timeout, env=env) as printer:
                while keys:
                    key = keys[0]
                    try:
                        done[key] = printer.print(pages[key], Path(pages[key]).with_suffix(".pdf"))
                    except PdfError as exc:
                        failed[key] = str(exc)
                        keys.pop(0)
                        Path(pages[key]).with_suffix(".pdf").unlink(missing_ok=True)
                        break  # restart Chromium: it may be in a bad state
                    keys.pop(0)
        except PdfError as exc:  # Chromium did not start: every remaining page fails the same way
            for key in keys:
                failed[key] = str(exc)
            keys = []
    return done, failed
