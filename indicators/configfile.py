"""Configuration files (frameworks, methodologies, specs) read as strictly as submitted data.

Three rules, each turning what used to be a traceback or a silent acceptance into an error that
names the file and line:

- **UTF-8 only** (a BOM is allowed). A file that is not UTF-8 is refused with the line of the first
  bad byte, the encoding it looks like (GBK/GB18030, UTF-16) and how to save it as UTF-8 —
  guessing would make the content hash, and so the recorded identity of the framework, depend on
  the machine's locale.
- **No YAML aliases or anchors.** We refuse them rather than cap their expansion: configuration
  files are short and hand-written, so an alias saves little, while one node reachable under two
  key paths makes "file, line and key" ambiguous, and a capped expansion still lets a 1 kB file
  grow into a shared structure that JSON hashing expands exponentially (the "billion laughs").
- **Key lines kept.** :func:`read_config_yaml` composes the node tree once and returns, beside the
  data, a :class:`SourceMarks` mapping every dotted key path (``missing.params.min_coverage``,
  ``grades.2``) to its line, so a problem found later — when parameters are bound to a method —
  still points at the line to fix.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ProblemsError

__all__ = ["SourceMarks", "config_loader", "decode_config", "dump_config", "read_config_bytes",
           "read_config_text", "read_config_yaml", "yaml_error"]


@functools.cache
def config_loader() -> type:
    """A safe loader class that refuses aliases (``*name``, ``<<: *name``) and anchors (``&name``).

    The check runs over the event stream before anything is composed or expanded, so an alias bomb
    fails on its first alias in microseconds instead of after gigabytes. libyaml's C parser is used
    when PyYAML has it (about 10x faster on the district framework, which every command loads);
    the pure-Python parser otherwise. Built on first use, so ``import indicators`` does not import yaml.
    """
    import yaml

    base = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader

    class ConfigLoader(base):
        def __init__(self, stream: Any) -> None:
            if not isinstance(stream, str | bytes):
                stream = stream.read()
            for event in yaml.parse(stream, Loader=base):
                _allowed(event)
            super().__init__(stream)

    return ConfigLoader


def _allowed(event: Any) -> bool:
    """True for an event without alias or anchor; raise a ComposerError naming it otherwise."""
    import yaml

    if isinstance(event, yaml.AliasEvent):
        raise yaml.composer.ComposerError(
            None, None,
            f"配置文件中不允许使用 YAML 别名 *{event.anchor} / YAML aliases (*{event.anchor}) are not "
            "allowed in configuration files; write the value out in full",
            event.start_mark,
        )
    anchor = getattr(event, "anchor", None)
    if anchor is not None:
        raise yaml.composer.ComposerError(
            None, None,
            f"配置文件中不允许使用 YAML 锚点 &{anchor} / YAML anchors (&{anchor}) are not allowed in "
            "configuration files; write the value out in full",
            event.start_mark,
        )
    return True


@functools.cache
def _config_dumper() -> type:
    import yaml

    class ConfigDumper(yaml.SafeDumper):
        """A SafeDumper that never writes anchors or aliases, so what we save the loader reads."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    return ConfigDumper


def dump_config(data: Any) -> str:
    """YAML text of ``data`` (Chinese kept readable, key order kept, no anchors or aliases)."""
    import yaml

    return yaml.dump(data, Dumper=_config_dumper(), allow_unicode=True, sort_keys=False)


def _guess_encoding(data: bytes) -> str | None:
    """Name of an encoding ``data`` decodes in without error, for the hint (None if none fits)."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "UTF-16"
    for encoding, label in (("gb18030", "GBK/GB18030"), ("big5", "Big5")):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return label
    return None


def decode_config(data: bytes, name: str, what: str, error: type[ProblemsError]) -> str:
    """Decode a configuration file's bytes as UTF-8 (BOM allowed) or raise ``error`` saying how to fix it."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = _guess_encoding(data)
        zh_guess = f"（看起来是 {guess}）" if guess else ""
        en_guess = f" (it looks like {guess})" if guess else ""
        src = guess.split("/")[0] if guess else "GBK"
        raise error(
            f"{name} line {line}: 文件不是 UTF-8 编码{zh_guess}，请另存为 UTF-8 / the {what} is not UTF-8"
            f"{en_guess}: save it as UTF-8 (an editor's 'Save as… UTF-8', or "
            f"`iconv -f {src} -t UTF-8 {name} > utf8-{name}`)"
        ) from None


def read_config_bytes(path: str | Path, what: str, error: type[ProblemsError]) -> bytes:
    """A configuration file's bytes; an unreadable file raises ``error`` naming it."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise error(f"无法读取 / cannot read {what} {path}: {exc.strerror}") from None


def read_config_text(path: str | Path, what: str, error: type[ProblemsError]) -> str:
    """Read a configuration file as strict UTF-8; errors name the file (``what`` says what it is)."""
    path = Path(path)
    return decode_config(read_config_bytes(path, what, error), path.name, what, error)


def yaml_error(exc: Exception, name: str, error: type[ProblemsError]) -> ProblemsError:
    """``error`` naming the file and line of a YAML syntax (or alias) error."""
    mark = getattr(exc, "problem_mark", None)
    where = f" line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return error(f"{name}{where}: YAML 无效 / not valid YAML: {problem}")


@dataclass(frozen=True)
class SourceMarks:
    """Where each key of a configuration file is: file name and dotted key path → line (1-based)."""

    name: str
    lines: Mapping[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """Line of ``path`` (``a.b.2``, ``grades[2]``) or of its nearest ancestor present; None if unknown."""
        parts = [p for p in re.split(r"[.\[\]]+", path) if p]
        while parts:
            line = self.lines.get(".".join(parts))
            if line is not None:
                return line
            parts.pop()
        return None

    def locate(self, problem: str) -> str:
        """``problem`` (``"<dotted.key.path>: message"``) prefixed with ``"<file> line <n>: "``.

        A problem that names an unexpected or required parameter (``missing: 'skip' got unexpected
        parameter 'x'``) points at that parameter's line when it is in the file.
        """
        m = re.match(r"([^\s:]+):\s", problem)
        line = None
        if m:
            key = m.group(1)
            param = re.search(r"parameter '([^']+)'", problem)
            if param:
                line = self.lines.get(f"{key}.params.{param.group(1)}")
            line = line or self.line(key)
        return f"{self.name} line {line}: {problem}" if line else f"{self.name}: {problem}"

    def locate_all(self, problems: Iterable[str]) -> list[str]:
        """:meth:`locate` applied to every problem."""
        return [self.locate(p) for p in problems]


def _key_lines(node: Any) -> dict[str, int]:
    import yaml

    out: dict[str, int] = {}
    stack: list[tuple[str, Any]] = [("", node)]
    while stack:
        prefix, cur = stack.pop()
        if isinstance(cur, yaml.MappingNode):
            for key_node, value in cur.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                path = f"{prefix}.{key}" if prefix else str(key)
                out.setdefault(path, key_node.start_mark.line + 1)
                stack.append((path, value))
        elif isinstance(cur, yaml.SequenceNode):
            for i, value in enumerate(cur.value):
                path = f"{prefix}.{i}" if prefix else str(i)
                out.setdefault(path, value.start_mark.line + 1)
                stack.append((path, value))
    return out


def read_config_yaml(path: str | Path, what: str, error: type[ProblemsError],
                     loader: type | None = None) -> tuple[Any, SourceMarks]:
    """Parse a configuration YAML file strictly; return (data, :class:`SourceMarks`).

    The node tree is composed once: the data is constructed from it and the key lines read off it.
    """
    import yaml

    path = Path(path)
    text = read_config_text(path, what, error)
    try:
        ldr = (loader or config_loader())(text)  # the alias check runs here
        try:
            node = ldr.get_single_node()
            data = ldr.construct_document(node) if node is not None else None
        finally:
            ldr.dispose()
    except yaml.YAMLError as exc:
        raise yaml_error(exc, path.name, error) from None
    return data, SourceMarks(path.name, _key_lines(node) if node is not None else {})
