"""Skip a compile whose inputs and outputs have not changed since the last clean one.

`hpcspec compile --check` runs in pre-commit hooks and CI on every change, and nearly always
finds nothing to do. After a compile or check that ends without errors, a stamp records what
it depended on: the command, the working directory, the hpcspec installation (every file of
the package, by size and mtime), the import search path of each spec, every file read (sha256),
every import candidate that did not exist, and every file of the output (sha256 and mode).
The next run with the same command first checks the stamp, importing nothing heavy; if
everything still holds it repeats the stored messages and exits without parsing anything.
Any difference, or any doubt (an unreadable or malformed stamp), means a full run.

Stamps are machine-local state, never part of the output: they live in
``$HPCSPEC_CACHE_DIR/stamps`` (default ``$XDG_CACHE_HOME/hpcspec``, else ``~/.cache/hpcspec``;
``templates/`` beside it holds Jinja's compiled templates);
``HPCSPEC_CACHE_DIR=off`` or ``--no-cache`` disables them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from . import __version__

FORMAT = 1


def cache_dir(environ=os.environ) -> Path | None:
    chosen = environ.get("HPCSPEC_CACHE_DIR")
    if chosen is not None:
        return None if chosen in ("", "off") else Path(chosen)
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hpcspec"


def _installation() -> str:
    """A fingerprint of the installed package: an upgrade or an edit (editable installs)
    changes it. Sizes and mtimes, not contents: it is read on every run."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for directory, subdirs, names in sorted(os.walk(root)):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(names):
            if not name.endswith((".pyc", ".pyo")):
                stat = os.stat(os.path.join(directory, name))
                digest.update(f"{directory}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _key(command: list[str]) -> str:
    """The stamp's file name: the command line and where it runs (messages show paths as
    typed, so the working directory is part of what they mean)."""
    return hashlib.sha256(json.dumps([FORMAT, os.getcwd(), command]).encode()).hexdigest()


def _search_dirs(specs: list[str], environ, configs: dict) -> list[list[str]] | None:
    """The import search path of each spec; `configs` holds the project configurations
    already parsed (by path and sha256), so an unchanged one is not parsed again."""
    from .config import search_path

    try:
        return [[str(d) for d in search_path(Path(spec), environ, configs).dirs] for spec in specs]
    except Exception:  # a broken configuration: the full run reports it
        return None


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _tree(directory: Path) -> dict[str, list]:
    """Every file under an output directory: relative path -> [sha256, mode]."""
    out = {}
    for path in sorted(directory.rglob("*")):
        if path.is_symlink() or not path.is_file():
            if path.is_symlink():
                out[path.relative_to(directory).as_posix()] = ["symlink", 0]
            continue
        out[path.relative_to(directory).as_posix()] = [_sha256(str(path)), path.stat().st_mode & 0o777]
    return out


def load(command: list[str], specs: list[str], environ=os.environ) -> dict | None:
    """The stored result of `command` if nothing it depends on has changed, else None."""
    directory = cache_dir(environ)
    if directory is None:
        return None
    try:
        stamp = json.loads((directory / "stamps" / _key(command)).read_text())
    except (OSError, ValueError):
        return None
    try:
        if stamp["format"] != FORMAT or stamp["installation"] != _installation():
            return None
        if stamp["search"] != _search_dirs(specs, environ, dict(stamp["configs"])):
            return None
        if any(_sha256(path) != digest for path, digest in stamp["files"].items()):
            return None
        if any(os.path.lexists(path) for path in stamp["missing"]):
            return None
        for code_dir, files in stamp["outputs"].items():
            if _tree(Path(code_dir)) != files:
                return None
    except (KeyError, TypeError, AttributeError):
        return None
    return stamp


def save(command: list[str], specs: list[str], inputs, output_dirs: list[Path], messages: dict,
         environ=os.environ) -> None:
    """Record a run that ended without errors. Best effort: a stamp that cannot be written
    only costs the next run its shortcut."""
    directory = cache_dir(environ)
    if directory is None:
        return
    directory = directory / "stamps"
    configs: dict = {}
    search = _search_dirs(specs, environ, configs)
    if search is None:
        return
    stamp = {"format": FORMAT, "version": __version__, "installation": _installation(), "search": search,
             "configs": configs,
             "files": dict(sorted(inputs.files.items())), "missing": sorted(inputs.missing),
             "outputs": {str(d.resolve()): _tree(d) for d in output_dirs}, "messages": messages}
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".stamp-", dir=directory)
        with os.fdopen(handle, "w") as file:
            json.dump(stamp, file)
        os.replace(temporary, directory / _key(command))
        _prune(directory)
    except OSError:
        return


def _prune(directory: Path, keep: int = 256) -> None:
    """One stamp per command line and place: keep the newest `keep` of them."""
    entries = list(os.scandir(directory))
    if len(entries) > 2 * keep:
        entries.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
        for entry in entries[keep:]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
