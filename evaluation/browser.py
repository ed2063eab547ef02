"""Headless Chromium for checking and photographing the HTML reports (tests and screenshots).

Reports are meant for people's browsers, so the checks open them in one: Debian's ``chromium``
package, run headless. :func:`check_page` serves a report folder on ``127.0.0.1`` (a free port,
a background thread), loads a same-origin checker page that opens the report in an iframe, and
reads back what a reader would get: the page's title and language, how much Chinese text the
rendered DOM holds, every image's natural size, whether each link answers, whether the
sortable table sorts — plus every console message Chromium logged (a clean page logs none) and
every request the server could not answer. :func:`screenshot` photographs a page for humans
(``scripts/screenshot_reports.py``).

Fonts: a bare Linux machine has no CJK font. Chromium runs here with the machine's fonts only, as
on such a reader's machine: a report's Chinese must come from the font its batch ships
(``@font-face``, :mod:`evaluation.report.fonts`), and :meth:`PageCheck.problems` reports a page
whose Chinese has no loaded font (it would print as boxes). :func:`font_env` (mplfonts' Noto Sans
CJK SC through a private fontconfig file) remains for screenshots of pages without the font.

Chromium is started with a fresh profile and without background networking (this machine's
closed network refuses those connections), as root with ``--no-sandbox``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .errors import EvaluationError

__all__ = ["BrowserError", "PageCheck", "check_page", "find_chromium", "font_env", "screenshot", "serve"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
)
CHECK_PATH = "/__rolindex_check__.html"
_RESULT_ID = "rolindex-check"
#: Width of the frame a page is checked in (a common laptop screen).
FRAME_WIDTH = 1280
#: The family of the report's ``@font-face`` rule (:mod:`evaluation.report.fonts`).
CJK_FAMILY = "Noto Sans CJK SC"
_CONSOLE = re.compile(r":CONSOLE(?:\(\d+\))?:?\d*\]\s*(.*)")


class BrowserError(EvaluationError):
    """Chromium is missing, did not start, or the checker page produced no result."""


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable on ``PATH`` (``chromium`` first), or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def font_env(folder: str | Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment whose fontconfig also sees the CJK fonts shipped by ``mplfonts``.

    Writes ``fonts.conf`` (the system configuration plus mplfonts' font folder, cache inside
    ``folder``) and returns ``base`` (default ``os.environ``) with ``FONTCONFIG_FILE`` set to it.
    """
    from .report.charts import cjk_font_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "fonts.conf"
    fonts_dir = cjk_font_path().parent
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{_xml(str(fonts_dir))}</dir>\n  <cachedir>{_xml(str(folder / 'cache'))}</cachedir>\n"
        "</fontconfig>\n", encoding="utf-8")
    env = dict(os.environ if base is None else base)
    env["FONTCONFIG_FILE"] = str(conf)
    return env


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------
# serving a folder
# ---------------------------------------------------------------------------------------------
CHECKER_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rolindex page check</title></head>
<body><pre id="%(result_id)s">pending</pre>
<script>
(function () {
  var out = document.getElementById("%(result_id)s");
  var target = new URLSearchParams(location.search).get("target");
  var frame = document.createElement("iframe");
  frame.style.width = "%(width)dpx"; frame.style.height = "900px"; frame.style.border = "0";
  function column(table, col) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      return r.cells[col].getAttribute("data-v");
    });
  }
  frame.onload = function () { frame.contentDocument.fonts.ready.then(inspect); };
  function inspect() {
    var d = frame.contentDocument, res = {};
    try {
      res.webfonts = Array.prototype.map.call(Array.from(d.fonts), function (f) {
        return [f.family.replace(/["']/g, ""), f.status];
      });
      var text = d.body ? d.body.innerText : "";
      var cjk = text.match(/[\\u4e00-\\u9fff]/g) || [];
      res.title = d.title;
      res.lang = d.documentElement.getAttribute("lang");
      res.cjk_chars = cjk.length;
      res.cjk_sample = cjk.slice(0, 40).join("");
      res.text_chars = text.length;
      res.scroll_height = d.documentElement.scrollHeight;
      res.client_width = d.documentElement.clientWidth;
      res.scroll_width = d.documentElement.scrollWidth;
      res.tables = Array.prototype.map.call(d.querySelectorAll("table.rol-table"), function (t) {
        var box = t.parentElement.classList.contains("rol-scroll") ? t.parentElement : t;
        return {cls: t.className, scroll_width: box.scrollWidth, client_width: box.clientWidth};
      });
      res.images = Array.prototype.map.call(d.images, function (i) {
        return {width: i.naturalWidth, height: i.naturalHeight, complete: i.complete,
                alt: i.getAttribute("alt"), shown_width: i.width, external: !/^data:/.test(i.src)};
      });
      res.scripts_external = d.querySelectorAll("script[src], link[rel=stylesheet]").length;
      var table = d.querySelector("table.rol-sortable");
      if (table) {
        var heads = table.tHead.rows[0].cells, col = -1;
        for (var k = 0; k < heads.length; k++) {
          if (heads[k].getAttribute("data-sort") === "num" && k > 0) { col = k; break; }
        }
        if (col >= 0) {
          heads[col].click();
          var up = column(table, col);
          heads[col].click();
          var down = column(table, col);
          res.sort = {column: col, ascending: up, descending: down};
        }
      }
      var hrefs = Array.prototype.map.call(d.querySelectorAll("a[href]"), function (a) {
        return a.getAttribute("href");
      });
      res.links = [];
      var base = frame.contentWindow.location.href;
      Promise.all(hrefs.map(function (h) {
        return fetch(new URL(h, base), {method: "HEAD"}).then(function (r) {
          res.links.push([h, r.status]);
        }, function (e) { res.links.push([h, String(e)]); });
      })).then(function () {
        out.textContent = JSON.stringify(res); document.title = "done";
      });
    } catch (e) {
      res.error = String(e); out.textContent = JSON.stringify(res);
    }
  }
  frame.src = target;
  document.body.appendChild(frame);
})();
</script></body></html>
"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder, plus the checker page; records requests it could not answer."""

    failures: list[str]

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == CHECK_PATH:
            body = (CHECKER_HTML % {"result_id": _RESULT_ID, "width": FRAME_WIDTH}).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404 or not self.path.endswith("favicon.ico"):
            self.failures.append(f"{code} {self.command} {self.path}")
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
        pass  # quiet


@contextlib.contextmanager
def serve(folder: str | Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a background thread.

    Yields the base URL (``http://127.0.0.1:<port>/``) and the list that collects requests the
    server could not answer (e.g. ``404 GET /missing.png``).
    """
    failures: list[str] = []
    handler = type("Handler", (_Handler,), {"failures": failures})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="rolindex-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", failures
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------------------------------------
# running Chromium
# ---------------------------------------------------------------------------------------------
def _run(chromium: str | None, args: list[str], timeout: float, private_fonts: bool = False
         ) -> subprocess.CompletedProcess[str]:
    exe = chromium or find_chromium()
    if exe is None:
        raise BrowserError("no Chromium found (install Debian's 'chromium' package)")
    with tempfile.TemporaryDirectory(prefix="rolindex-chromium-") as tmp:
        env = font_env(Path(tmp) / "fontconfig") if private_fonts else None
        cmd = [exe, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", *args]
        try:
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"chromium did not finish within {timeout} s: {' '.join(cmd)}") from exc


@dataclass
class PageCheck:
    """What headless Chromium saw of one page (see :func:`check_page`)."""

    url: str
    result: dict[str, Any]
    console: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    @property
    def images(self) -> list[dict[str, Any]]:
        """Every ``<img>``: natural ``width``/``height``, ``complete``, ``alt``, ``external``."""
        return list(self.result.get("images", []))

    @property
    def links(self) -> dict[str, Any]:
        """Every link's href and the HTTP status a HEAD request for it got."""
        return {h: s for h, s in self.result.get("links", [])}

    @property
    def tables(self) -> list[dict[str, Any]]:
        """Every ``table.rol-table``: its ``cls`` and the ``scroll_width``/``client_width`` of its scroll box.

        The box is the table's ``.rol-scroll`` wrapper when it has one (where a too-wide table
        scrolls sideways), else the table; measured in a 1280 px wide frame.
        """
        return list(self.result.get("tables", []))

    def overflowing(self) -> list[str]:
        """Tables (and the page) whose content is wider than their box at 1280 px: readers scroll sideways."""
        out = [f"table {t['cls']!r} scrolls sideways at {FRAME_WIDTH} px: {t['scroll_width']} px of content in "
               f"{t['client_width']} px" for t in self.tables if t["scroll_width"] > t["client_width"]]
        if self.result.get("scroll_width", 0) > self.result.get("client_width", FRAME_WIDTH):
            out.append(f"the page scrolls sideways at {FRAME_WIDTH} px: {self.result['scroll_width']} px wide")
        return out

    def problems(self) -> list[str]:
        """Console messages, failed requests, broken images or links, a page without Chinese, sideways scrolling."""
        out = [f"console: {c}" for c in self.console]
        out += [f"request failed: {r}" for r in self.failed_requests]
        if "error" in self.result:
            out.append(f"checker error: {self.result['error']}")
        for i, img in enumerate(self.images):
            if not img.get("complete") or not img.get("width") or not img.get("height"):
                out.append(f"image {i} ({img.get('alt')!r}) has no size: {img}")
        out += [f"link {h!r} answered {s}" for h, s in self.links.items() if s != 200]
        out += self.overflowing()
        if not self.result.get("cjk_chars"):
            out.append("no Chinese text in the rendered page")
        elif not any(f == CJK_FAMILY and s == "loaded" for f, s in self.result.get("webfonts", [])):
            out.append(f"Chinese text without a loaded {CJK_FAMILY!r} font (@font-face): it renders as boxes "
                       f"where no CJK font is installed; fonts: {self.result.get('webfonts')}")
        return out


def check_page(folder: str | Path, page: str, *, chromium: str | None = None, timeout: float = 60.0) -> PageCheck:
    """Load ``folder/page`` in headless Chromium over HTTP and report what it rendered.

    Console output is collected from Chromium's log (``--enable-logging=stderr``): a page
    that loads cleanly logs nothing (an uncaught error logs "Uncaught …", a missing resource
    "Failed to load resource …").
    """
    with serve(folder) as (base, failures):
        url = f"{base}{CHECK_PATH}?target={quote(page)}"
        proc = _run(chromium, ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000", "--dump-dom", url],
                    timeout)
    match = re.search(rf'<pre id="{_RESULT_ID}">(.*?)</pre>', proc.stdout, re.S)
    if match is None or match.group(1) == "pending":
        raise BrowserError(f"the checker page produced no result for {page!r} (exit {proc.returncode}); "
                           f"stderr: {proc.stderr[-2000:]}")
    import html as _html

    result = json.loads(_html.unescape(match.group(1)))
    console = [m.group(1) for line in proc.stderr.splitlines() if (m := _CONSOLE.search(line))]
    return PageCheck(url=f"{base}{page}", result=result, console=console, failed_requests=list(failures))


def screenshot(target: str, png: str | Path, *, width: int = 1280, height: int = 2000, chromium: str | None = None,
               timeout: float = 60.0, private_fonts: bool = False) -> Path:
    """Photograph ``target`` (a URL or a file path) at ``width`` × ``height`` pixels into ``png``.

    With the machine's fonts only, unless ``private_fonts`` (mplfonts' CJK font through :func:`font_env`).
    """
    url = target if re.match(r"^[a-z]+://", target) else Path(target).absolute().as_uri()
    png = Path(png).absolute()
    png.parent.mkdir(parents=True, exist_ok=True)
    proc = _run(chromium, [f"--window-size={int(width)},{int(height)}", f"--screenshot={png}",
                           "--virtual-time-budget=5000", url], timeout, private_fonts)
    if not png.is_file():
        raise BrowserError(f"chromium wrote no screenshot of {target} (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return png
