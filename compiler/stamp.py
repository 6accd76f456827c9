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

Also recorded: every path as given and as resolved (a spec or an output directory reached
through a symlink that is later retargeted is another run), and the Python environment: the
interpreter, and every directory on the import path with its modification time (installing,
upgrading or removing a dependency or a plug-in changes it), and the ARCHSPEC_* variables (the
CPU tables come from archspec; a table named by ARCHSPEC_CPU_DIR is recorded as a file read).

Stamps are machine-local state, never part of the output, and hold only JSON: nothing in the
cache can run code. They live in ``$HPCSPEC_CACHE_DIR/stamps`` (an absolute path; default
``$XDG_CACHE_HOME/hpcspec`` when that is absolute, else ``~/.cache/hpcspec``). The directory is
made private (0700) and not used at all when another user owns it or others can write to it.
``HPCSPEC_CACHE_DIR=off`` or ``--no-cache`` disables them.
"""

from __future__ import annotations

import json
import os

from . import __version__, filestate

FORMAT = 3
MAX_STAMP_BYTES = 64 << 20


def cache_dir(environ=os.environ) -> str | None:
    """hpcspec's cache directory, or None when turned off (HPCSPEC_CACHE_DIR= or =off, or not an
    absolute path). A relative XDG_CACHE_HOME is ignored, as the XDG base directory spec says."""
    chosen = environ.get("HPCSPEC_CACHE_DIR")
    if chosen is not None:
        return chosen if os.path.isabs(chosen) else None
    base = environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hpcspec")


def _private(directory: str, create: bool) -> bool:
    """Is `directory` ours alone (made so if `create`)? A directory another user owns or others
    can write to could hold stamps planted to make a run skip its work: it is not used."""
    import stat

    if create:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError:
            return False
    try:
        info = os.lstat(directory)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _stamps(environ, create: bool = False) -> str | None:
    directory = cache_dir(environ)
    if directory is None:
        return None
    stamps = os.path.join(directory, "stamps")
    if not (_private(directory, create) and _private(stamps, create)):
        return None
    return stamps


def _environment(environ) -> list:
    """The Python environment a run used: interpreter, the import path's directories with their
    modification times (a package installed, upgraded or removed there changes it; the working
    directory that `python -m` puts first is left out), and the ARCHSPEC_* variables."""
    import sys

    found: list = [sys.executable, sys.version]
    skip = {os.getcwd(), ""}
    for entry in sys.path[1:] if sys.path and os.path.abspath(sys.path[0] or ".") in skip else sys.path:
        try:
            found.append([entry, os.stat(entry).st_mtime_ns])
        except OSError:
            found.append([entry, None])
    found.append(sorted([k, v] for k, v in environ.items() if k.startswith("ARCHSPEC_")))
    return found


def _paths(specs: list[str], output: str | None) -> list:
    """The paths of the command as given and as resolved now."""
    return [[path, os.path.realpath(path)] for path in [*specs, *([output] if output is not None else [])]]


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


MARKER = ".hpcspec"  # write.MARKER (write.py is not imported on this path)


def _modes(directory: str, files) -> dict[str, int | None]:
    """The mode of each of hpcspec's files in a code directory (its marker and what the marker
    lists; files hpcspec did not write do not count): -1 for what is not a regular file."""
    import stat

    out: dict[str, int | None] = {}
    for rel in files:
        try:
            info = os.lstat(os.path.join(directory, rel))
        except OSError:
            out[rel] = None
            continue
        out[rel] = info.st_mode & 0o777 if stat.S_ISREG(info.st_mode) else -1
    return out


def _owned(directory: str) -> list[str]:
    """The marker and the files it lists."""
    from .write import parse_marker, _read_regular

    data = _read_regular(os.path.join(directory, MARKER), 16 << 20)
    return [MARKER, *sorted(parse_marker(data))] if data is not None else []


def load(command: list[str], specs: list[str], output: str | None = None, environ=os.environ) -> dict | None:
    """The stored result of `command` if nothing it depends on has changed, else None."""
    from .files import read_regular

    directory = _stamps(environ)
    if directory is None:
        return None
    what, name = _where(command)
    try:
        stamp = json.loads(read_regular(os.path.join(directory, name), MAX_STAMP_BYTES, follow=False))
    except (OSError, ValueError):
        return None
    refreshed = False
    try:
        if (stamp["format"] != FORMAT or stamp["what"] != what or stamp["paths"] != _paths(specs, output)
                or stamp["environment"] != _environment(environ) or stamp["installation"] != _installation()):
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
            if _modes(code_dir, files) != {rel: mode for rel, (mode, _) in files.items()}:
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


def save(command: list[str], specs: list[str], output: str | None, inputs, output_dirs: list, messages: dict,
         environ=os.environ) -> None:
    """Record a run that ended without errors. Best effort: a stamp that cannot be written
    only costs the next run its shortcut."""
    directory = _stamps(environ, create=True)
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
        owned = _owned(code_dir)
        outputs[code_dir] = {rel: [mode, filestate.entry(os.path.join(code_dir, rel))]
                             for rel, mode in sorted(_modes(code_dir, owned).items())}
    what, name = _where(command)
    _store(directory, name, {"format": FORMAT, "what": what, "version": __version__,
                             "paths": _paths(specs, output), "environment": _environment(environ),
                             "installation": _installation(), "search": search, "configs": configs,
                             "files": files, "missing": sorted(inputs.missing), "outputs": outputs,
                             "messages": messages})


def _store(directory: str, name: str, stamp: dict) -> None:
    import tempfile

    try:
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
