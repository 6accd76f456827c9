"""Stage 7, write: replace hpcspec's own files, and only them, all or nothing.

The files of one code live in ``OUT/<code>/``. Its marker ``.hpcspec`` lists the files hpcspec
wrote there, shared ones and each target's; a compile replaces exactly the files the marker
lists and leaves every other file alone (an image built there, job output, notes). A directory
without the marker is never written into unless it is empty. ``OUT/.hpcspec-output`` records
which spec made each code directory, so a directory left behind by a renamed code is reported.

Writers of one output directory take an OS lock (``flock`` on the directory itself): a second
compile into the same directory (``make -j``, parallel pre-commit hooks) waits, saying so, and
``--check`` takes the lock shared. Under the lock, anything a dead run left is finished first.

Nobody sees a mix of old and new files: every new file is written into a staging directory
(``OUT/<code>/.hpcspec-staging``) first; when every code's files are complete, a journal
(``.hpcspec-journal``) records the renames and removals, which are then done with Ctrl-C and
SIGTERM held. A failure before that (a full disk, an error, Ctrl-C) removes the staging files and
leaves the old set; a run killed outright in the middle leaves the journal, which the next run
completes before anything else. A new code directory is staged whole beside ``OUT/<code>`` and
renamed into place.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import json
import os
import posixpath
import shutil
import signal
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .files import read_or_none

MARKER = ".hpcspec"
OUTPUT_MARKER = ".hpcspec-output"
JOURNAL = ".hpcspec-journal"
STAGING = ".hpcspec-staging"  # inside a code directory
NEW_PREFIX = ".hpcspec-staging-"  # a new code directory, staged beside it
OLD_PREFIX = ".hpcspec-old-"  # left by hpcspec < 0.2, which swapped whole directories
MAX_DIFF_BYTES = 4 << 20  # a file larger than this is reported as different, not diffed
RESERVED = (MARKER, OUTPUT_MARKER, JOURNAL, STAGING)


class WriteError(Exception):
    """The output directory cannot be used as asked (a usage error: nothing was written)."""


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # "new", "changed", "removed", "mode", "stale"
    diff: str = ""


@dataclass
class Outcome:
    """What a write did, or a check found, beyond the files themselves."""

    written: list[str] = field(default_factory=list)  # code directories that changed
    changes: list[Change] = field(default_factory=list)  # --check: what writing would change
    foreign: dict[str, list[str]] = field(default_factory=dict)  # code -> entries hpcspec did not write
    stale: list[str] = field(default_factory=list)  # code directories a renamed code left behind


# ----------------------------------------------------------------------------------------------
# The marker


def marker_text(entries: dict[str, str | None]) -> bytes:
    """The marker: hpcspec's files, shared ones first, then each target's."""
    lines = ["# Written by hpcspec. The files listed here are hpcspec's: every compile replaces them",
             "# and leaves every other file in this directory alone.", "# shared"]
    lines += sorted(rel for rel, owner in entries.items() if owner is None)
    for owner in sorted({o for o in entries.values() if o is not None}):
        lines.append(f"# target {owner}")
        lines += sorted(rel for rel, o in entries.items() if o == owner)
    return ("\n".join(lines) + "\n").encode()


def _safe_relative(rel: str) -> bool:
    """A path that stays inside the directory it is relative to, in normal form."""
    return (bool(rel) and posixpath.normpath(rel) == rel and not rel.startswith("/")
            and ".." not in rel.split("/") and "\0" not in rel and "\\" not in rel
            and rel.split("/", 1)[0] not in RESERVED and not rel.startswith(NEW_PREFIX))


def parse_marker(data: bytes) -> dict[str, str | None]:
    """rel path -> owning target (None: shared). Entries that could point outside are dropped:
    a marker is never trusted to name what to delete beyond its own directory."""
    entries: dict[str, str | None] = {}
    owner: str | None = None
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("# target "):
            owner = line[len("# target "):].strip() or None
        elif line in ("# shared", "# Files:"):
            owner = None
        elif line and not line.startswith("#") and _safe_relative(line):
            entries[line] = owner
    return entries


# ----------------------------------------------------------------------------------------------
# Reading what is there, safely


def _lstat(path: Path):
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None


def _real_parents(root: Path, rel: str) -> bool:
    """Every directory between `root` and `rel` is a real directory or does not exist yet (a
    symlinked directory would take a write or a removal elsewhere)."""
    current = root
    for part in rel.split("/")[:-1]:
        current = current / part
        found = _lstat(current)
        if found is None:
            return True
        if not stat.S_ISDIR(found.st_mode):
            return False
    return True


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file, never through a symlink (see files.py)."""
    return read_or_none(path, limit, follow=False)


def _same(path: Path, content: bytes, mode: int) -> bool:
    found = _lstat(path)
    if found is None or not stat.S_ISREG(found.st_mode) or found.st_size != len(content):
        return False
    if (found.st_mode & 0o111 != 0) != (mode & 0o111 != 0):
        return False
    return _read_regular(path, len(content)) == content


# ----------------------------------------------------------------------------------------------
# What a compile would do to one code directory


@dataclass
class _Update:
    code: str
    directory: Path
    new: bool  # no code directory yet (or an empty one): staged whole and renamed into place
    writes: dict[str, tuple[bytes, int]]  # rel -> content, mode
    removes: list[str]
    marker: bytes
    old_marker: bytes | None
    foreign: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.writes or self.removes or self.marker != self.old_marker)


def _check_path(path: str, code: str) -> None:
    if not (path.startswith(code + "/") and _safe_relative(path) and _safe_relative(path[len(code) + 1:])):
        raise WriteError(f"refusing to write outside {code}/: {path!r}")


def group(artifacts) -> dict[str, list]:
    """Artifacts by code directory (their first path component)."""
    out: dict[str, list] = {}
    for artifact in artifacts:
        code = artifact.path.split("/", 1)[0]
        _check_path(artifact.path, code)
        out.setdefault(code, []).append(artifact)
    return out


def _update(out_dir: Path, code: str, items: list, targets: set[str] | None) -> _Update:
    directory = out_dir / code
    found = _lstat(directory)
    old_marker = None
    if found is not None:
        if not stat.S_ISDIR(found.st_mode):
            raise WriteError(f"{directory} exists and is not a directory hpcspec made; move it away")
        marker = _lstat(directory / MARKER)
        if marker is not None:
            if not stat.S_ISREG(marker.st_mode):
                raise WriteError(f"{directory / MARKER} is not a regular file, so {directory} cannot be "
                                 "trusted as hpcspec's; move it away")
            old_marker = _read_regular(directory / MARKER, 16 << 20)
            if old_marker is None:
                raise WriteError(f"cannot read {directory / MARKER}")
        elif any(directory.iterdir()):
            raise WriteError(f"{directory} exists and was not made by hpcspec (no {MARKER} file); "
                             "move it away or choose another output directory")
    new = old_marker is None
    listed = parse_marker(old_marker) if old_marker is not None else {}
    wanted = {a.path.split("/", 1)[1]: (a.content, a.mode, a.target) for a in items}
    if targets is not None and not new:
        # only the named targets' own files; everything shared stays as the last full compile left it
        in_scope = {rel for rel, (_, _, owner) in wanted.items() if owner in targets}
        old_scope = {rel for rel, owner in listed.items() if owner in targets}
        entries = {rel: owner for rel, owner in listed.items() if rel not in old_scope}
    else:
        in_scope = set(wanted)
        old_scope = set(listed)
        entries = {}
    entries.update({rel: wanted[rel][2] for rel in in_scope})
    writes: dict[str, tuple[bytes, int]] = {}
    conflicts: list[str] = []
    for rel in sorted(in_scope):
        content, mode, _ = wanted[rel]
        if not _real_parents(directory, rel):
            conflicts.append(f"{code}/{rel} (a directory on its way is a symbolic link or a file)")
            continue
        there = _lstat(directory / rel)
        if there is not None and (rel not in listed or not stat.S_ISREG(there.st_mode)):
            conflicts.append(f"{code}/{rel} (hpcspec did not write it)")
            continue
        if not _same(directory / rel, content, mode):
            writes[rel] = (content, mode)
    if conflicts:
        raise WriteError("hpcspec would replace files it did not write: " + ", ".join(conflicts[:10])
                         + ("..." if len(conflicts) > 10 else "") + "; move them away")
    removes = sorted(rel for rel in old_scope - in_scope
                     if _real_parents(directory, rel) and (there := _lstat(directory / rel)) is not None
                     and stat.S_ISREG(there.st_mode))
    foreign = []
    if found is not None:
        tops = {rel.split("/", 1)[0] for rel in (*listed, *wanted)} | set(RESERVED)
        foreign = sorted(name for name in os.listdir(directory) if name not in tops)
    return _Update(code, directory, new, writes, removes, marker_text(entries), old_marker, foreign)


# ----------------------------------------------------------------------------------------------
# Locking and recovery


def _prepare_output(out_dir: Path, create: bool) -> bool:
    """Check (and make) the output directory; False when it does not exist and `create` is off."""
    found = _lstat(out_dir)
    if found is not None and stat.S_ISLNK(found.st_mode) and not out_dir.exists():
        raise WriteError(f"{out_dir} is a symbolic link to {os.readlink(out_dir)}, which does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise WriteError(f"{out_dir} exists and is not a directory")
    if not out_dir.exists():
        if not create:
            return False
        out_dir.mkdir(parents=True, exist_ok=True)
    return True


@contextlib.contextmanager
def locked(out_dir: Path, shared: bool = False, waiting=None):
    """Hold the output directory's lock (``flock`` on the directory itself: no lock file, so
    ``--check`` writes nothing); `waiting(message)` is called before a wait. On a file system
    without locks (some network mounts), runs go on unlocked."""
    import fcntl

    try:
        handle = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise WriteError(f"cannot open {out_dir}: {exc.strerror or exc}") from None
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting(f"waiting for another hpcspec run to finish writing {out_dir}")
            fcntl.flock(handle, mode)
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                raise
        yield
    finally:
        os.close(handle)  # releases the lock


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM until the block ends (they are delivered right after it)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def recover(out_dir: Path) -> None:
    """Finish or undo what a run that died left (call with the lock held exclusively)."""
    for entry in sorted(out_dir.iterdir()):
        name = entry.name
        if name.startswith(NEW_PREFIX):
            _remove_tree(entry)  # a new code directory that was never renamed into place
        elif name.startswith(OLD_PREFIX):  # hpcspec < 0.2 died between its two renames
            target = out_dir / name[len(OLD_PREFIX):].rsplit(".", 1)[0]
            if not target.exists():
                os.replace(entry, target)
            else:
                _remove_tree(entry)
        elif entry.is_dir() and not entry.is_symlink():
            if (entry / JOURNAL).is_file() and not (entry / JOURNAL).is_symlink():
                _roll_forward(entry)
            elif (entry / STAGING).is_dir() and not (entry / STAGING).is_symlink():
                _remove_tree(entry / STAGING)


def _roll_forward(directory: Path) -> None:
    """Complete a commit whose journal was written: every step is safe to repeat."""
    try:
        journal = json.loads(_read_regular(directory / JOURNAL, 64 << 20) or b"")
        renames, removes, marker = journal["renames"], journal["removes"], journal["marker"]
    except (ValueError, KeyError, TypeError):
        _remove_tree(directory / STAGING)  # unreadable: the commit never started
        (directory / JOURNAL).unlink(missing_ok=True)
        return
    _apply(directory, [(a, b) for a, b in renames if _safe_relative(b)],
           [r for r in removes if _safe_relative(r)], marker.encode())


def _apply(directory: Path, renames: list[tuple[str, str]], removes: list[str], marker: bytes) -> None:
    staging = directory / STAGING
    staging.mkdir(exist_ok=True)
    made: set[Path] = set()
    for staged, final in renames:
        source = staging / staged
        if not source.exists():
            continue  # done before the run died
        parent = (directory / final).parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        os.replace(source, directory / final)
    for rel in removes:
        path = directory / rel
        found = _lstat(path)
        if found is not None and stat.S_ISREG(found.st_mode) and _real_parents(directory, rel):
            path.unlink()
            _prune_empty(directory, path.parent)
    _create(staging / MARKER, marker, 0o644, exist_ok=True)
    os.replace(staging / MARKER, directory / MARKER)
    _remove_tree(staging)
    (directory / JOURNAL).unlink(missing_ok=True)


def _prune_empty(top: Path, directory: Path) -> None:
    """Remove directories left empty by a removal, up to (not including) `top`."""
    while directory != top and top in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return  # not empty: it holds something else
        directory = directory.parent


# ----------------------------------------------------------------------------------------------
# Writing


def _create(path: Path, content: bytes, mode: int, exist_ok: bool = False) -> None:
    """A new file in a staging directory. Not fsynced: the journal keeps a crash or a kill of
    hpcspec from leaving a mixed set; after a power cut, `--check` finds any damaged file."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if exist_ok else os.O_EXCL) | os.O_NOFOLLOW
    handle = os.open(path, flags, 0o600)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view):]
        os.fchmod(handle, mode)
    finally:
        os.close(handle)


def _stage(root: Path, files: dict[str, tuple[bytes, int]], names: dict[str, str] | None = None) -> None:
    made: set[Path] = set()
    for rel, (content, mode) in sorted(files.items()):
        path = root / (names[rel] if names else rel)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        _create(path, content, mode)


def _stage_update(update: _Update, staged: list[Path]) -> None:
    if update.new:
        with _signals_deferred():  # a directory made is a directory known, for the cleanup
            root = Path(tempfile.mkdtemp(prefix=f"{NEW_PREFIX}{update.code}.", dir=update.directory.parent))
            staged.append(root)
        # staged one level down: mkdtemp's own directory is private (0700), a code directory is not
        _stage(root / update.code, {**update.writes, MARKER: (update.marker, 0o644)})
        return
    with _signals_deferred():
        (update.directory / STAGING).mkdir(exist_ok=False)
        staged.append(update.directory / STAGING)
    # flat names in the staging directory: renames never depend on its layout
    _stage(update.directory / STAGING, update.writes, {rel: f"{i:06d}" for i, rel in enumerate(sorted(update.writes))})


def _commit(update: _Update, staged: Path) -> None:
    if update.new:
        if update.directory.exists():  # an empty directory hpcspec adopts
            update.directory.rmdir()
        os.replace(staged / update.code, update.directory)
        _remove_tree(staged)
        return
    renames = [(f"{i:06d}", rel) for i, rel in enumerate(sorted(update.writes))]
    journal = json.dumps({"format": 1, "renames": renames, "removes": update.removes,
                          "marker": update.marker.decode()}).encode()
    _create(update.directory / STAGING / JOURNAL, journal, 0o644)
    os.replace(update.directory / STAGING / JOURNAL, update.directory / JOURNAL)
    _apply(update.directory, renames, update.removes, update.marker)


def _plan(out_dir: Path, artifacts, targets) -> list[_Update]:
    wanted_targets = set(targets) if targets else None
    updates = []
    for code, items in sorted(group(artifacts).items()):
        if wanted_targets is not None and not any(a.target in wanted_targets for a in items):
            continue  # a code without any named target is left as it is
        updates.append(_update(out_dir, code, items, wanted_targets))
    return updates


def write(out_dir: Path | str, artifacts, targets: list[str] | None = None,
          sources: dict[str, str] | None = None, waiting=None) -> Outcome:
    """Write every code's artifacts (with `targets`, only those targets' files).
    `sources` maps each code to the spec file that defines it (for stale directories)."""
    if str(out_dir) == "":
        raise WriteError("the output directory is empty: give -o DIR")
    out_dir = Path(out_dir)
    groups = group(artifacts)  # refuse bad paths before anything is touched
    _prepare_output(out_dir, create=True)
    outcome = Outcome()
    with locked(out_dir, waiting=waiting):
        recover(out_dir)
        updates = _plan(out_dir, [a for items in groups.values() for a in items], targets)
        changed = [u for u in updates if u.changed]
        staged: list[Path] = []
        committed = False
        try:
            for update in changed:
                _stage_update(update, staged)
            with _signals_deferred():  # every code's files are complete: now the renames
                for update, root in zip(changed, staged):
                    _commit(update, root)
                committed = True
        finally:
            if not committed:
                with _signals_deferred():  # a Ctrl-C now waits until no staging file is left
                    for root in staged:
                        if not (root.name == STAGING and (root.parent / JOURNAL).exists()):
                            _remove_tree(root)
                    try:
                        recover(out_dir)  # a commit that failed half-way: complete it now if possible
                    except Exception:  # noqa: BLE001 - the first error is the one to report
                        pass  # the journal stays; the next run completes it
        outcome.written = [u.code for u in changed]
        outcome.foreign = {u.code: u.foreign for u in updates if u.foreign}
        outcome.stale = _record_sources(out_dir, sources or {})
    return outcome


def check(out_dir: Path, artifacts, targets: list[str] | None = None, sources: dict[str, str] | None = None,
          waiting=None) -> Outcome:
    """What writing would change, with unified diffs; nothing is written."""
    out_dir = Path(out_dir)
    groups = group(artifacts)
    outcome = Outcome()
    exists = _prepare_output(out_dir, create=False)
    context = locked(out_dir, shared=True, waiting=waiting) if exists else contextlib.nullcontext()
    with context:
        for update in _plan(out_dir, [a for items in groups.values() for a in items], targets):
            outcome.changes += _describe(update)
            if update.foreign:
                outcome.foreign[update.code] = update.foreign
        if exists:
            for stale in _stale(out_dir, sources or {}, _read_sources(out_dir)):
                outcome.stale.append(stale)
                outcome.changes.append(Change(stale, "stale", f"stale: {out_dir / stale} was made from a spec "
                                                              "that now defines another code\n"))
    return outcome


def changes(out_dir: Path, artifacts, targets: list[str] | None = None) -> list[Change]:
    return check(out_dir, artifacts, targets).changes


def _describe(update: _Update) -> list[Change]:
    found = []
    code = update.code
    for rel, (content, mode) in sorted(update.writes.items()):
        path = f"{code}/{rel}"
        there = _lstat(update.directory / rel)
        if there is None:
            found.append(Change(path, "new", _diff(b"", content, path)))
            continue
        old = _read_regular(update.directory / rel, MAX_DIFF_BYTES)
        if old == content:
            found.append(Change(path, "mode", f"mode of {path}: {oct(there.st_mode & 0o777)} -> {oct(mode)}\n"))
        elif old is None:
            found.append(Change(path, "changed", f"{path} differs ({there.st_size} bytes on disk)\n"))
        else:
            found.append(Change(path, "changed", _diff(old, content, path)))
    for rel in update.removes:
        path = f"{code}/{rel}"
        old = _read_regular(update.directory / rel, MAX_DIFF_BYTES)
        found.append(Change(path, "removed", _diff(old, b"", path) if old is not None else f"{path} removed\n"))
    if update.marker != update.old_marker:
        path = f"{code}/{MARKER}"
        found.append(Change(path, "new" if update.old_marker is None else "changed",
                            _diff(update.old_marker or b"", update.marker, path)))
    return found


def _diff(old: bytes, new: bytes, path: str) -> str:
    try:
        a, b = old.decode().splitlines(keepends=True), new.decode().splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary files a/{path} and b/{path} differ\n"
    lines = difflib.unified_diff(a, b, f"a/{path}" if old else "/dev/null", f"b/{path}" if new else "/dev/null")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


# ----------------------------------------------------------------------------------------------
# Which spec made which code directory


def _read_sources(out_dir: Path) -> dict[str, str]:
    data = _read_regular(out_dir / OUTPUT_MARKER, 16 << 20)
    if data is None:
        return {}
    try:
        codes = json.loads(data).get("codes", {})
    except (ValueError, AttributeError):
        return {}
    return {k: v for k, v in codes.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(codes, dict) else {}


def _spec_key(spec: str) -> str:
    """Which spec file this is, without writing its path (no machine paths in the output)."""
    import hashlib

    return "sha256:" + hashlib.sha256(os.fsencode(os.path.realpath(spec))).hexdigest()[:32]


def _stale(out_dir: Path, sources: dict[str, str], recorded: dict[str, str]) -> list[str]:
    """Code directories recorded as made from one of `sources`' specs under another code name."""
    mine = {_spec_key(spec): code for code, spec in sources.items()}
    return sorted(code for code, spec in recorded.items()
                  if spec in mine and mine[spec] != code and _safe_relative(code) and "/" not in code
                  and (out_dir / code / MARKER).is_file())


def _record_sources(out_dir: Path, sources: dict[str, str]) -> list[str]:
    recorded = _read_sources(out_dir)
    stale = _stale(out_dir, sources, recorded)
    updated = {code: spec for code, spec in recorded.items()
               if _safe_relative(code) and "/" not in code and (out_dir / code / MARKER).is_file()}
    updated.update({code: _spec_key(spec) for code, spec in sources.items()})
    if updated != recorded:
        text = json.dumps({"format": 1, "comment": "written by hpcspec: the spec (a hash of its resolved path) "
                                                   "each code directory here was compiled from",
                           "codes": dict(sorted(updated.items()))}, indent=2) + "\n"
        temporary = out_dir / f"{OUTPUT_MARKER}.{os.getpid()}"
        with _signals_deferred():
            try:
                _create(temporary, text.encode(), 0o644, exist_ok=True)
                os.replace(temporary, out_dir / OUTPUT_MARKER)
            finally:
                if temporary.exists():
                    temporary.unlink()
    return stale
