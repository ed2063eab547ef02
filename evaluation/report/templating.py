"""Jinja2 templates of the report pages, and the deployment folder that restyles them.

Every page and section is a template in ``evaluation/report/templates/`` (shipped as package
data), rendered with autoescaping on: a value from the data is escaped unless the code marks it
as trusted HTML (:class:`markupsafe.Markup`: fragments this package built, inline PNG data).

A deployment restyles the reports without touching Python by putting files in a folder given as
``rolindex report --templates DIR`` or in ``ROLINDEX_TEMPLATES`` (several folders separated by
``os.pathsep``; the first that has a file wins): a file there replaces the shipped template of
the same name (``style.css``, ``base.html``, ``headline.html`` …), and ``branding.yaml`` names
the issuing bureau (zh/en), a logo (PNG or JPEG beside it), the colours and whether reports get a
cover page. The search path is read from the environment at each render, so report kernels and
batch workers started by ``rolindex report`` (which sets the variable for them) use it too.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EvaluationError

if TYPE_CHECKING:
    from markupsafe import Markup

__all__ = ["ENV_VAR", "SHIPPED", "Branding", "TemplateConfigError", "branding", "environment", "render",
           "search_path", "template_fingerprint", "using"]

#: Environment variable with the deployment's template folder(s) (``os.pathsep``-separated).
ENV_VAR = "ROLINDEX_TEMPLATES"
#: The shipped templates (package data).
SHIPPED = Path(__file__).resolve().parent / "templates"
BRANDING_FILE = "branding.yaml"
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
#: branding.yaml ``colors`` keys -> the CSS custom properties of style.css they set.
COLOUR_KEYS = ("ink", "muted", "line", "accent", "warn")
_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class TemplateConfigError(EvaluationError, ValueError):
    """A template folder or its ``branding.yaml`` is unusable (missing folder, bad key or value)."""


@dataclass(frozen=True)
class Branding:
    """The issuing bureau's identity on every page (from ``branding.yaml``)."""

    issuer_zh: str = ""
    issuer_en: str = ""
    logo_data_uri: str = ""
    colours: tuple[tuple[str, str], ...] = ()
    cover: bool = False

    def issuer(self, lang: str) -> str:
        """The issuer's name in the page's language (Chinese first, then English, in ``zh``)."""
        if lang == "en":
            return self.issuer_en or self.issuer_zh
        return " / ".join(x for x in (self.issuer_zh, self.issuer_en) if x)


def search_path(extra: Sequence[str | Path] = ()) -> tuple[Path, ...]:
    """Template folders searched in order: ``extra``, then ``ROLINDEX_TEMPLATES``, then the shipped ones.

    A folder that does not exist is an error (a typo would silently fall back to the defaults).
    """
    dirs: list[Path] = [Path(d) for d in extra]
    dirs += [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    bad = [str(d) for d in dirs if not d.is_dir()]
    if bad:
        raise TemplateConfigError(f"模板文件夹不存在 / template folder(s) not found: {', '.join(bad)} "
                                  f"(from --templates or {ENV_VAR})")
    return (*dict.fromkeys(d.resolve() for d in dirs), SHIPPED)


@functools.lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...]) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        auto_reload=True,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(value: Any) -> Markup:
    """``value`` as a quoted CSS string: every character but letters, digits and spaces hex-escaped.

    HTML escaping does not protect CSS (``</style>`` or a quote would end the rule), so text put
    into a style sheet (the running header's district and year) goes through this filter.
    """
    from markupsafe import Markup

    out = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in str(value))
    return Markup(f'"{out}"')


def environment(extra: Sequence[str | Path] = ()) -> Any:
    """The ``jinja2.Environment`` over :func:`search_path` (autoescaping, strict undefined), cached."""
    return _environment(search_path(extra))


def render(name: str, /, *, template_dirs: Sequence[str | Path] = (), **context: Any) -> str:
    """Render template ``name`` with ``context`` (plus ``branding``), searching :func:`search_path`."""
    import jinja2

    dirs = search_path(template_dirs)
    try:
        template = _environment(dirs).get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise TemplateConfigError(f"模板缺失 / template {name!r} not found in {', '.join(map(str, dirs))}") from exc
    context.setdefault("branding", _branding(dirs))
    return template.render(**context)


def branding(extra: Sequence[str | Path] = ()) -> Branding:
    """The :class:`Branding` of the first folder in :func:`search_path` that has ``branding.yaml``."""
    return _branding(search_path(extra))


def _branding(dirs: tuple[Path, ...]) -> Branding:
    for d in dirs:
        path = d / BRANDING_FILE
        if path.is_file():
            stat = path.stat()
            return _read_branding(path, stat.st_mtime_ns, stat.st_size)
    return Branding()


@functools.lru_cache(maxsize=8)
def _read_branding(path: Path, _mtime: int, _size: int) -> Branding:
    """Parse and check ``branding.yaml``; every problem is listed at once."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateConfigError(f"无法读取 / cannot read {path}: {exc}") from exc
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise TemplateConfigError(f"{path}: 应为键值表 / expected a mapping of keys, got {type(data).__name__}")
    known = {"issuer", "logo", "colors", "cover"}
    problems += [f"未知键 / unknown key {k!r} (expected one of {', '.join(sorted(known))})"
                 for k in data if k not in known]
    issuer = data.get("issuer") or {}
    if not isinstance(issuer, Mapping) or any(not isinstance(issuer.get(k, ""), str) for k in ("zh", "en")):
        problems.append("issuer: 应为 {zh: 文本, en: text} / expected {zh: text, en: text}")
        issuer = {}
    logo_uri = ""
    if data.get("logo"):
        logo = path.parent / str(data["logo"])
        mime = _LOGO_TYPES.get(logo.suffix.lower())
        if mime is None:
            problems.append(f"logo: 仅支持 PNG/JPEG / only PNG or JPEG files, got {data['logo']!r}")
        elif not logo.is_file():
            problems.append(f"logo: 文件不存在 / file not found: {logo}")
        else:
            logo_uri = f"data:{mime};base64," + base64.b64encode(logo.read_bytes()).decode("ascii")
    colours = data.get("colors") or {}
    pairs: list[tuple[str, str]] = []
    if not isinstance(colours, Mapping):
        problems.append("colors: 应为键值表 / expected a mapping")
    else:
        for k, v in colours.items():
            if k not in COLOUR_KEYS:
                problems.append(f"colors.{k}: 未知颜色 / unknown colour (expected one of {', '.join(COLOUR_KEYS)})")
            elif not isinstance(v, str) or not _COLOUR.match(v):
                problems.append(f"colors.{k}: 应为 #rgb 或 #rrggbb / expected #rgb or #rrggbb, got {v!r}")
            else:
                pairs.append((k, v))
    cover = data.get("cover", False)
    if not isinstance(cover, bool):
        problems.append(f"cover: 应为 true 或 false / expected true or false, got {cover!r}")
    if problems:
        raise TemplateConfigError(f"{path}:\n  " + "\n  ".join(problems))
    return Branding(issuer_zh=issuer.get("zh", ""), issuer_en=issuer.get("en", ""), logo_data_uri=logo_uri,
                    colours=tuple(pairs), cover=bool(cover))


@contextlib.contextmanager
def using(folders: Sequence[str | Path] | None) -> Iterator[None]:
    """Put ``folders`` first in ``ROLINDEX_TEMPLATES`` for the duration (workers and kernels started inside inherit it).

    Each folder is checked first (:class:`TemplateConfigError` if one does not exist or its
    ``branding.yaml`` is invalid).
    """
    if not folders:
        yield
        return
    dirs = [str(Path(d).absolute()) for d in folders]
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = os.pathsep.join([*dirs, *([before] if before else [])])
    try:
        branding()  # check it now, before any report runs
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before


def template_fingerprint(extra: Sequence[str | Path] = ()) -> str:
    """sha256 over every file of the search path (names and bytes): a rerun redoes reports when it changes."""
    h = hashlib.sha256()
    for i, d in enumerate(search_path(extra)):
        for f in sorted(p for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(f"\0{i}\0{f.relative_to(d).as_posix()}\0".encode() + f.read_bytes())
    return h.hexdigest()
