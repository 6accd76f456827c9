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
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    config = _parse_config(path, data)
    if known is not None:
        from . import filestate

        known[path] = [filestate.entry(path, data), config]
    return config


def _parse_config(path: str, data: bytes) -> dict | None:
    name = os.path.basename(path)
    if name == "pyproject.toml" and b"hpcspec" not in data:
        return None  # no [tool.hpcspec] in any spelling: no need to parse it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        config = tomllib.loads(data.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError as exc:
        from .diagnostics import Diagnostic, SpecError  # not on the path of a run that finds nothing wrong

        raise SpecError([Diagnostic("E0107", f"cannot read `{name}`: {exc}")]) from None
    if name == "pyproject.toml":
        return config.get("tool", {}).get("hpcspec")
    return config


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
    extra = config.get("path", [])
    if not isinstance(extra, list) or not all(isinstance(p, str) for p in extra):
        from .diagnostics import Diagnostic, SpecError

        raise SpecError([Diagnostic("E0205", "`path` in the hpcspec configuration must be a list of strings",
                                    help='write path = ["platforms", "/shared/specs"]')])
    dirs += [os.path.join(root, p) for p in extra]
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
