"""Where platform specs are found: the import search path.

In order: ``specs/platforms`` of the project (the directory holding ``hpcspec.toml`` or a
``pyproject.toml`` with ``[tool.hpcspec]``, found upwards from the code spec; else the working
directory), the ``path`` list of that configuration (relative to it), ``HPCSPEC_PATH``
(separated by ``:``), then the platform specs shipped with hpcspec.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class SearchPath:
    root: Path
    dirs: tuple[Path, ...]


def shipped_platforms() -> Path:
    from importlib.resources import files

    return Path(str(files("hpcspec.specs") / "platforms"))


def _read_config(path: Path) -> dict | None:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError:
        return None
    except tomllib.TOMLDecodeError as exc:
        from .diagnostics import Diagnostic, SpecError  # not on the path of a run that finds nothing wrong

        raise SpecError([Diagnostic("E0107", f"cannot read `{path.name}`: {exc}")]) from None
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("hpcspec")
    return data


def find_project(start: Path) -> tuple[Path, dict] | None:
    for directory in [start, *start.parents]:
        for name in ("hpcspec.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file():
                config = _read_config(candidate)
                if config is not None:
                    return directory, config
    return None


def search_path(spec_file: Path, environ: dict[str, str] | None = None) -> SearchPath:
    environ = os.environ if environ is None else environ
    found = find_project(spec_file.resolve().parent)
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
