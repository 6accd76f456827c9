"""Where platform specs are found: the import search path.

In order: ``specs/platforms`` of the project (the directory holding ``hpcspec.toml`` or a
``pyproject.toml`` with ``[tool.hpcspec]``, found upwards from the code spec; else the working
directory), the ``path`` list of that configuration (relative to it), ``HPCSPEC_PATH``
(separated by ``:``), then the platform specs shipped with hpcspec.
"""

from __future__ import annotations

import os
import sys

# This module is on the path of every run, including one that finds nothing to do
# (stamp.py): it imports only what such a run needs (not typing or dataclasses).


class SearchPath:
    __slots__ = ("root", "dirs")

    def __init__(self, root, dirs) -> None:  # pathlib.Path and a tuple of them
        self.root = root
        self.dirs = dirs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchPath) and (self.root, self.dirs) == (other.root, other.dirs)

    def __hash__(self) -> int:
        return hash((self.root, self.dirs))

    def __repr__(self) -> str:
        return f"SearchPath(root={self.root!r}, dirs={self.dirs!r})"


def shipped_platforms():
    from pathlib import Path

    return Path(_shipped())


def _shipped() -> str:
    from importlib.util import find_spec

    spec = find_spec("hpcspec.specs")
    return os.path.join(next(iter(spec.submodule_search_locations)), "platforms")


def _read_config(path: str, known: dict | None = None) -> dict | None:
    """The hpcspec configuration in `path` (None if it has none). `known` maps a path to
    [file entry, configuration] from an earlier run (see stamp.py and filestate.py): an
    unchanged file is not parsed again, and a newly parsed one is added."""
    if known is not None and path in known:
        from . import filestate

        recorded, config = known[path]
        same, newer = filestate.check(path, recorded)
        if same:
            if newer is not None:
                known[path] = [newer, config]
            return config
    from .files import read_regular

    try:
        data = read_regular(path, MAX_CONFIG_BYTES)
    except OSError:
        return None
    config = _parse_config(path, data)
    if known is not None:
        from . import filestate

        known[path] = [filestate.entry(path, data), config]
    return config


MAX_CONFIG_BYTES = 1 << 20
KEYS = {"path": "the directories searched for platform specs, after specs/platforms of the project"}


def _parse_config(path: str, data: bytes) -> dict | None:
    name = os.path.basename(path)
    if name == "pyproject.toml" and b"hpcspec" not in data:
        return None  # no [tool.hpcspec] in any spelling: no need to parse it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    text = data.decode("utf-8", "replace")
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _config_error(path, text, "E0107", f"cannot read `{name}`: {exc}", None,
                      "fix the TOML syntax (https://toml.io)")
    if name == "pyproject.toml":
        tool = config.get("tool")
        if not isinstance(tool, dict) or "hpcspec" not in tool:
            return None  # not a project that configures hpcspec
        config = tool["hpcspec"]
        if not isinstance(config, dict):
            _config_error(path, text, "E0204", "`[tool.hpcspec]` in pyproject.toml must be a table, "
                          f"not {type(config).__name__}", "hpcspec", "write `[tool.hpcspec]` with `path = [...]` "
                          "below it (not `[[tool.hpcspec]]` or `hpcspec = ...`)")
    for key in config:
        if key not in KEYS:
            from .didyoumean import did_you_mean

            _config_error(path, text, "E0201", f"unknown key `{key}` in the hpcspec configuration", key,
                          did_you_mean(key, KEYS) or
                          "the keys are: " + "; ".join(f"`{k}`: {v}" for k, v in KEYS.items()))
    extra = config.get("path", [])
    if not isinstance(extra, list) or not all(isinstance(p, str) and p for p in extra):
        _config_error(path, text, "E0204", "`path` in the hpcspec configuration must be a list of directories",
                      "path", 'write path = ["platforms", "/shared/specs"]')
    return config


def _config_error(path: str, text: str, code: str, message: str, key: str | None, help: str):
    """A located error in a configuration file (tomllib gives no positions: the key's first
    line is found in the text)."""
    import re

    from .diagnostics import Diagnostic, SpecError
    from .source import SourceFile

    source = SourceFile(path, _display(path), text)
    span = None
    if key is not None:
        found = re.search(rf"^[ \t]*\[*[ \t]*(?:[\w.\"]*\.)?\"?{re.escape(key)}\"?\b", text, re.M)
        if found:
            start = found.start() + len(found.group(0)) - len(key) - (1 if found.group(0).endswith('"') else 0)
            span = source.span(start, start + len(key))
    raise SpecError([Diagnostic(code, message, span or source.span(0, 0), help=help)])


def _display(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def _find_project(start: str, known: dict | None = None) -> tuple[str, dict] | None:
    directory = start
    while True:
        for name in ("hpcspec.toml", "pyproject.toml"):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                config = _read_config(candidate, known)
                if config is not None:
                    return directory, config
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def search_dirs(spec_file: str, environ=None, known: dict | None = None) -> tuple[str, list[str]]:
    """(project root, search directories), resolved, as strings: the form stamp.py compares
    without importing pathlib."""
    environ = os.environ if environ is None else environ
    found = _find_project(os.path.dirname(os.path.realpath(spec_file)), known)
    root, config = found if found else (os.getcwd(), {})
    dirs = [os.path.join(root, "specs", "platforms")]
    dirs += [os.path.join(root, p) for p in config.get("path", [])]
    dirs += [p for p in environ.get("HPCSPEC_PATH", "").split(os.pathsep) if p]
    dirs.append(_shipped())
    unique: list[str] = []
    for directory in dirs:
        resolved = os.path.realpath(directory)
        if resolved not in unique:
            unique.append(resolved)
    return os.path.realpath(root), unique


def search_path(spec_file, environ=None, known: dict | None = None) -> SearchPath:
    from pathlib import Path

    root, dirs = search_dirs(str(spec_file), environ, known)
    return SearchPath(Path(root), tuple(Path(d) for d in dirs))
