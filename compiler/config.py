"""Where platform specs are found: the import search path.

In order: ``specs/platforms`` of the project (the directory holding ``hpcspec.toml`` or a
``pyproject.toml`` with ``[tool.hpcspec]``, found upwards from the code spec; else the working
directory), the ``path`` list of that configuration (relative to it), ``HPCSPEC_PATH``
(separated by ``:``), then the platform specs shipped with hpcspec.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# This module is on the path of every run, including one that finds nothing to do
# (stamp.py): it imports only what such a run needs (not typing or dataclasses).


class SearchPath:
    __slots__ = ("root", "dirs")

    def __init__(self, root: Path, dirs: tuple[Path, ...]) -> None:
        self.root = root
        self.dirs = dirs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchPath) and (self.root, self.dirs) == (other.root, other.dirs)

    def __hash__(self) -> int:
        return hash((self.root, self.dirs))

    def __repr__(self) -> str:
        return f"SearchPath(root={self.root!r}, dirs={self.dirs!r})"


def shipped_platforms() -> Path:
    from importlib.util import find_spec

    spec = find_spec("hpcspec.specs")
    return Path(next(iter(spec.submodule_search_locations))) / "platforms"


def _read_config(path: Path, known: dict | None = None) -> dict | None:
    """The hpcspec configuration in `path` (None if it has none). `known` maps a path to
    [sha256, configuration] from an earlier run (see stamp.py): an unchanged file is not parsed
    again, and a parsed one is added."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest = None
    if known is not None:
        import hashlib

        digest = hashlib.sha256(data).hexdigest()
        if known.get(str(path), [None])[0] == digest:
            return known[str(path)][1]
    config = _parse_config(path, data)
    if known is not None:
        known[str(path)] = [digest, config]
    return config


def _parse_config(path: Path, data: bytes) -> dict | None:
    if path.name == "pyproject.toml" and b"hpcspec" not in data:
        return None  # no [tool.hpcspec] in any spelling: no need to parse it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        config = tomllib.loads(data.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError as exc:
        from .diagnostics import Diagnostic, SpecError  # not on the path of a run that finds nothing wrong

        raise SpecError([Diagnostic("E0107", f"cannot read `{path.name}`: {exc}")]) from None
    if path.name == "pyproject.toml":
        return config.get("tool", {}).get("hpcspec")
    return config


def find_project(start: Path, known: dict | None = None) -> tuple[Path, dict] | None:
    for directory in [start, *start.parents]:
        for name in ("hpcspec.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file():
                config = _read_config(candidate, known)
                if config is not None:
                    return directory, config
    return None


def search_path(spec_file: Path, environ: dict[str, str] | None = None, known: dict | None = None) -> SearchPath:
    environ = os.environ if environ is None else environ
    found = find_project(spec_file.resolve().parent, known)
    root, config = found if found else (Path.cwd(), {})
    dirs = [root / "specs" / "platforms"]
    extra = config.get("path", [])
    if not isinstance(extra, list) or not all(isinstance(p, str) for p in extra):
        from .diagnostics import Diagnostic, SpecError

        raise SpecError([Diagnostic("E0205", "`path` in the hpcspec configuration must be a list of strings",
                                    help='write path = ["platforms", "/shared/specs"]')])
    dirs += [(root / p) for p in extra]
    dirs += [Path(p) for p in environ.get("HPCSPEC_PATH", "").split(os.pathsep) if p]
    dirs.append(shipped_platforms())
    unique: list[Path] = []
    for directory in dirs:
        resolved = directory.resolve()
        if resolved not in unique:
            unique.append(resolved)
    return SearchPath(root.resolve(), tuple(unique))
