"""Skip a compile whose inputs and outputs have not changed since the last clean one.

`hpcspec compile --check` runs in pre-commit hooks and CI on every change, and nearly always
finds nothing to do. After a compile or check that ends without errors, a stamp records what
it depended on: the command, the working directory, the hpcspec installation (every file of
the package, by size and mtime), the import search path of each spec, every file read, every
import candidate that did not exist, and every file of the output with its mode (files by
sha256, with their stat as a shortcut once settled: see filestate.py).
The next run with the same command first checks the stamp, importing nothing heavy; if
everything still holds it repeats the stored messages and exits without parsing anything.
Any difference, or any doubt (an unreadable or malformed stamp), means a full run.

Stamps are machine-local state, never part of the output: they live in
``$HPCSPEC_CACHE_DIR/stamps`` (default ``$XDG_CACHE_HOME/hpcspec``, else ``~/.cache/hpcspec``;
``templates/`` beside it holds Jinja's compiled templates);
``HPCSPEC_CACHE_DIR=off`` or ``--no-cache`` disables them.
"""

from __future__ import annotations

import json
import os

from . import __version__, filestate

FORMAT = 2


def cache_dir(environ=os.environ) -> str | None:
    """hpcspec's cache directory, or None when turned off (HPCSPEC_CACHE_DIR= or =off)."""
    chosen = environ.get("HPCSPEC_CACHE_DIR")
    if chosen is not None:
        return None if chosen in ("", "off") else chosen
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hpcspec")


def _stamps(environ) -> str | None:
    directory = cache_dir(environ)
    return None if directory is None else os.path.join(directory, "stamps")


def _installation() -> list:
    """The installed package as (file, size, mtime) triples: an upgrade or an edit (editable
    installs) changes it."""
    root = os.path.dirname(os.path.realpath(__file__))
    found = [__version__]
    for directory, subdirs, names in sorted(os.walk(root)):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(names):
            if not name.endswith((".pyc", ".pyo")):
                stat = os.stat(os.path.join(directory, name))
                found.append([os.path.join(directory, name), stat.st_size, stat.st_mtime_ns])
    return found


def _where(command: list[str]) -> tuple[str, str]:
    """(what the run was, the stamp's file name): the command line and where it ran (messages
    show paths as typed). The name is a 64-bit FNV-1a of the first; the stamp holds the first
    too, so a collision costs a full run, never a wrong answer."""
    what = json.dumps([FORMAT, os.getcwd(), command])
    value = 0xCBF29CE484222325
    for byte in what.encode():
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return what, f"{value:016x}"


def _search_dirs(specs: list[str], environ, configs: dict) -> list[list[str]] | None:
    """The import search path of each spec; `configs` holds the project configurations
    already read (see config.py), so an unchanged one is not parsed again."""
    from .config import search_dirs

    try:
        return [search_dirs(spec, environ, configs)[1] for spec in specs]
    except Exception:  # a broken configuration: the full run reports it
        return None


def _tree(directory: str) -> dict[str, list] | None:
    """Every file under an output directory: relative path -> mode (symlinks: -1)."""
    if not os.path.isdir(directory):
        return None
    out = {}
    for parent, subdirs, names in os.walk(directory):
        for name in subdirs + names:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                out[os.path.relpath(path, directory)] = -1
            elif name in names:
                out[os.path.relpath(path, directory)] = os.stat(path).st_mode & 0o777
    return out


def load(command: list[str], specs: list[str], environ=os.environ) -> dict | None:
    """The stored result of `command` if nothing it depends on has changed, else None."""
    directory = _stamps(environ)
    if directory is None:
        return None
    what, name = _where(command)
    try:
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            stamp = json.load(handle)
    except (OSError, ValueError):
        return None
    refreshed = False
    try:
        if stamp["format"] != FORMAT or stamp["what"] != what or stamp["installation"] != _installation():
            return None
        configs = stamp["configs"]
        before = json.dumps(configs, sort_keys=True)
        if stamp["search"] != _search_dirs(specs, environ, configs):
            return None
        refreshed = json.dumps(configs, sort_keys=True) != before
        if any(os.path.lexists(path) for path in stamp["missing"]):
            return None
        entries = list(stamp["files"].items())
        for code_dir, files in stamp["outputs"].items():
            if _tree(code_dir) != {rel: mode for rel, (mode, _) in files.items()}:
                return None
            entries += [(os.path.join(code_dir, rel), entry) for rel, (_, entry) in files.items()]
        for path, recorded in entries:
            same, newer = filestate.check(path, recorded)
            if not same:
                return None
            if newer is not None:
                recorded[:] = newer  # the entry now holds its settled stat: later checks skip hashing
                refreshed = True
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    if refreshed:
        _store(directory, name, stamp)
    return stamp


def save(command: list[str], specs: list[str], inputs, output_dirs: list, messages: dict,
         environ=os.environ) -> None:
    """Record a run that ended without errors. Best effort: a stamp that cannot be written
    only costs the next run its shortcut."""
    directory = _stamps(environ)
    if directory is None:
        return
    configs: dict = {}
    search = _search_dirs(specs, environ, configs)
    if search is None:
        return
    files = {}
    for path, digest in sorted(inputs.files.items()):
        now = filestate.entry(path)  # as read by the run, or a content check will fail later
        files[path] = now if now is not None and now[0] == digest else [digest, None]
    outputs = {}
    for code_dir in output_dirs:
        code_dir = os.path.realpath(code_dir)
        outputs[code_dir] = {rel: [mode, filestate.entry(os.path.join(code_dir, rel))]
                             for rel, mode in sorted((_tree(code_dir) or {}).items())}
    what, name = _where(command)
    _store(directory, name, {"format": FORMAT, "what": what, "version": __version__,
                             "installation": _installation(), "search": search, "configs": configs,
                             "files": files, "missing": sorted(inputs.missing), "outputs": outputs,
                             "messages": messages})


def _store(directory: str, name: str, stamp: dict) -> None:
    import tempfile

    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".stamp-", dir=directory)
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(stamp, file)
        os.replace(temporary, os.path.join(directory, name))
        _prune(directory)
    except OSError:
        pass
    finally:  # an interrupted or failed write leaves no temporary file behind
        if os.path.exists(temporary):
            os.unlink(temporary)


def _prune(directory: str, keep: int = 256) -> None:
    """One stamp per command line and place: keep the newest `keep` of them."""
    entries = list(os.scandir(directory))
    if len(entries) > 2 * keep:
        entries.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
        for entry in entries[keep:]:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
