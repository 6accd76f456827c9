"""Writing is all or nothing: a failure leaves the complete old set, never a mix or temp files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hpcspec.backends.base import Artifact
from hpcspec import write as writer

from support import SITE, many_targets


def _set(version: str, extra: bool = False) -> list[Artifact]:
    items = [Artifact.text("demo/demo.def", f"def {version}\n"),
             Artifact.text("demo/t/job.slurm", f"#!/bin/bash\necho {version}\n", executable=True)]
    if extra:
        items.append(Artifact.text("demo/t/extra.txt", "extra\n"))
    return items


def _tree(path: Path) -> dict[str, str]:
    """Every file of the code directories (not the output root's lock and record)."""
    return {p.relative_to(path).as_posix(): p.read_text() for p in sorted(path.rglob("*"))
            if p.is_file() and p.parent != path}


def _leftovers(out: Path) -> list[str]:
    """Temporary files and unfinished commits (not the output root's lock and record)."""
    found = [p.name for p in out.iterdir() if p.name.startswith((".hpcspec-staging", ".hpcspec-old"))]
    found += [str(p.relative_to(out)) for p in out.glob("*/.hpcspec-*")]
    return found


def test_write_replace_and_remove_what_hpcspec_no_longer_writes(tmp_path):
    assert writer.write(tmp_path, _set("1", extra=True)).written == ["demo"]
    assert os.stat(tmp_path / "demo/t/job.slurm").st_mode & 0o111
    assert writer.write(tmp_path, _set("2")).written == ["demo"]
    tree = _tree(tmp_path)
    assert tree["demo/demo.def"] == "def 2\n" and "demo/t/extra.txt" not in tree
    assert not (tmp_path / "demo/t/extra.txt").exists()
    assert not _leftovers(tmp_path)


def test_unchanged_output_is_not_rewritten(tmp_path):
    writer.write(tmp_path, _set("1"))
    before = os.stat(tmp_path / "demo/demo.def").st_mtime_ns
    assert writer.write(tmp_path, _set("1")).written == []
    assert os.stat(tmp_path / "demo/demo.def").st_mtime_ns == before


def test_files_hpcspec_did_not_write_are_kept_and_never_replaced(tmp_path):
    writer.write(tmp_path, _set("1"))
    (tmp_path / "demo/demo.sif").write_bytes(b"\x7fELF an image")
    (tmp_path / "demo/t/run-1").mkdir()
    (tmp_path / "demo/t/run-1/slurm-1.out").write_text("job output\n")
    outcome = writer.write(tmp_path, _set("2", extra=True))
    assert outcome.written == ["demo"] and outcome.foreign == {"demo": ["demo.sif"]}
    assert (tmp_path / "demo/demo.sif").read_bytes() == b"\x7fELF an image"
    assert (tmp_path / "demo/t/run-1/slurm-1.out").read_text() == "job output\n"
    writer.write(tmp_path, _set("3"))  # extra.txt is hpcspec's: removed; the user's files stay
    assert (tmp_path / "demo/demo.sif").exists() and (tmp_path / "demo/t/run-1/slurm-1.out").exists()
    # a file of the user's where hpcspec now wants to write: refused, nothing written
    (tmp_path / "demo/t/extra.txt").write_text("mine\n")
    with pytest.raises(writer.WriteError, match="did not write"):
        writer.write(tmp_path, _set("4", extra=True))
    assert (tmp_path / "demo/t/extra.txt").read_text() == "mine\n"
    assert _tree(tmp_path)["demo/demo.def"] == "def 3\n"


def test_the_marker_cannot_be_a_symlink_or_point_outside(tmp_path):
    writer.write(tmp_path, _set("1"))
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("precious\n")
    marker = tmp_path / "demo" / writer.MARKER
    marker.write_text(marker.read_text() + f"../../{outside.name}\n/etc/hostname\nt/../../x\n")
    writer.write(tmp_path, _set("2"))
    assert outside.read_text() == "precious\n"
    marker.unlink()
    marker.symlink_to(outside)
    with pytest.raises(writer.WriteError, match="not a regular file"):
        writer.write(tmp_path, _set("3"))
    assert outside.read_text() == "precious\n"


def test_a_symlinked_directory_is_never_written_through(tmp_path):
    writer.write(tmp_path, _set("1"))
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(tmp_path / "demo/t")
    (tmp_path / "demo/t").symlink_to(elsewhere)
    with pytest.raises(writer.WriteError, match="symbolic link"):
        writer.write(tmp_path, _set("2"))
    assert not any(elsewhere.iterdir())


def _owned(version: str) -> list[Artifact]:
    return [Artifact.text("demo/demo.def", f"def {version}\n"),
            Artifact.text("demo/a/job.slurm", f"a {version}\n", target="a"),
            Artifact.text("demo/b/job.slurm", f"b {version}\n", target="b"),
            Artifact.text("other/other.def", f"other {version}\n"),
            Artifact.text("other/c/job.slurm", f"c {version}\n", target="c")]


def test_target_updates_only_the_named_targets(tmp_path):
    writer.write(tmp_path, _owned("1"))
    writer.write(tmp_path, [a for a in _owned("2") if a.target in (None, "a") and a.path.startswith("demo/")],
                 targets=["a"])
    tree = _tree(tmp_path)
    assert tree["demo/a/job.slurm"] == "a 2\n"
    assert tree["demo/b/job.slurm"] == "b 1\n", "another target's files are left as they are"
    assert tree["demo/demo.def"] == "def 1\n", "shared files wait for a full compile"
    assert tree["other/c/job.slurm"] == "c 1\n" and tree["other/other.def"] == "other 1\n"
    assert "b/job.slurm" in tree["demo/.hpcspec"], "the marker still lists the other targets"
    assert writer.check(tmp_path, _owned("1")).changes[0].path == "demo/a/job.slurm"


def test_stale_code_directory_of_a_renamed_code_is_reported(tmp_path):
    spec = tmp_path / "spec.hpcspec"
    spec.write_text("")
    out = tmp_path / "out"
    writer.write(out, _set("1"), sources={"demo": str(spec)})
    renamed = [Artifact(a.path.replace("demo/", "renamed/", 1), a.content, a.mode, a.target) for a in _set("1")]
    outcome = writer.write(out, renamed, sources={"renamed": str(spec)})
    assert outcome.stale == ["demo"] and (out / "demo").is_dir(), "reported, never deleted"
    check = writer.check(out, renamed, sources={"renamed": str(spec)})
    assert [c.kind for c in check.changes] == ["stale"]


@pytest.mark.parametrize("make", ["empty", "dangling", "file"])
def test_unusable_output_directories_are_refused_clearly(tmp_path, make):
    out = {"empty": "", "dangling": tmp_path / "link", "file": tmp_path / "file"}[make]
    if make == "dangling":
        out.symlink_to(tmp_path / "missing")
    elif make == "file":
        out.write_text("x")
    message = {"empty": "empty", "dangling": "does not exist", "file": "not a directory"}[make]
    with pytest.raises(writer.WriteError, match=message):
        writer.write(out, _set("1"))


FAULTS = {
    "disk-full": lambda: OSError(28, "No space left on device"),
    "ctrl-c": KeyboardInterrupt,
    "bug": lambda: RuntimeError("a fault in the middle of writing"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_failure_while_writing_keeps_the_complete_old_set(tmp_path, monkeypatch, fault):
    writer.write(tmp_path, _set("1"))
    old = _tree(tmp_path)
    real_create = writer._create
    calls = []

    def failing_create(path, content, mode, exist_ok=False):
        calls.append(path)
        if len(calls) == 2:  # the first file is written, the second fails
            raise FAULTS[fault]()
        return real_create(path, content, mode, exist_ok)

    monkeypatch.setattr(writer, "_create", failing_create)
    with pytest.raises((OSError, KeyboardInterrupt, RuntimeError)):
        writer.write(tmp_path, _set("2", extra=True))
    monkeypatch.undo()
    assert _tree(tmp_path) == old
    assert not _leftovers(tmp_path)


@pytest.mark.parametrize("at", [0, 1, 2])
def test_a_commit_that_fails_half_way_is_completed_by_the_next_run(tmp_path, monkeypatch, at):
    """Rename number `at` of the commit fails (0: publishing the journal). Before the journal the
    old set stays; after it, the next run finishes the new set before doing anything else."""
    writer.write(tmp_path, _set("1"))
    old = _tree(tmp_path)
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        if writer.STAGING in str(src):
            calls.append(src)
            if len(calls) == at + 1:
                raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", failing_replace)
    with pytest.raises(OSError):
        writer.write(tmp_path, _set("2", extra=True))
    monkeypatch.undo()
    if at == 0:
        assert _tree(tmp_path) == old and not _leftovers(tmp_path)
        return
    writer.write(tmp_path, _set("2", extra=True))
    assert _tree(tmp_path)["demo/t/extra.txt"] == "extra\n" and not _leftovers(tmp_path)


def test_a_run_killed_during_its_commit_is_completed_by_the_next(tmp_path):
    writer.write(tmp_path, _set("1"))
    update = writer._plan(tmp_path, _set("2", extra=True), None)[0]
    staged: list[Path] = []
    writer._stage_update(update, staged)
    # as if killed right after publishing the journal: nothing renamed yet
    renames = [(f"{i:06d}", rel) for i, rel in enumerate(sorted(update.writes))]
    (tmp_path / "demo" / writer.JOURNAL).write_text(json.dumps(
        {"format": 1, "renames": renames, "removes": update.removes, "marker": update.marker.decode()}))
    assert writer.check(tmp_path, _set("2", extra=True)).changes, "a reader sees the unfinished commit"
    writer.write(tmp_path, _set("1"))  # any later run first completes it, then does its own work
    assert _tree(tmp_path)["demo/demo.def"] == "def 1\n" and not _leftovers(tmp_path)


def test_legacy_interrupted_swap_is_recovered(tmp_path):
    writer.write(tmp_path, _set("1"))
    old = _tree(tmp_path)
    # as if hpcspec < 0.2 died between its two renames
    os.replace(tmp_path / "demo", tmp_path / ".hpcspec-old-demo.abc123")
    (tmp_path / ".hpcspec-staging-abc123").mkdir()
    writer.write(tmp_path, _set("1"))
    assert _tree(tmp_path) == old


def test_paths_cannot_leave_the_output_directory(tmp_path):
    for bad in ["../evil", "demo/../../evil", "/etc/passwd", "demo/./x", "demo/.hpcspec"]:
        with pytest.raises(writer.WriteError):
            writer.write(tmp_path, [Artifact.text(bad, "x\n")])
    assert not any(tmp_path.iterdir())


def test_check_reports_changes_without_writing(tmp_path):
    found = writer.changes(tmp_path, _set("1"))
    assert {c.path for c in found} == {"demo/demo.def", "demo/t/job.slurm", "demo/.hpcspec"}
    assert not any(tmp_path.iterdir())
    writer.write(tmp_path, _set("1"))
    assert writer.changes(tmp_path, _set("1")) == []
    os.chmod(tmp_path / "demo/t/job.slurm", 0o644)
    assert [c.kind for c in writer.changes(tmp_path, _set("1"))] == ["mode"]


def test_check_never_reads_a_file_hpcspec_did_not_write(tmp_path, monkeypatch):
    writer.write(tmp_path, _set("1"))
    big = tmp_path / "demo" / "demo.sif"
    with big.open("wb") as handle:
        handle.truncate(1 << 26)  # a sparse 64 MiB image (never read: its size does not matter)
    real = writer._read_regular
    read = []
    monkeypatch.setattr(writer, "_read_regular", lambda path, limit: read.append(path) or real(path, limit))
    outcome = writer.check(tmp_path, _set("1"))
    assert outcome.changes == [] and outcome.foreign == {"demo": ["demo.sif"]}
    assert big not in read


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_at_any_moment_leaves_old_or_new_and_no_temporary_files(tmp_path, signum):
    """Interrupt real compiles of 200 targets at spread-out moments: after each, the output holds
    the complete old set or the complete new set, and nothing else."""
    code = tmp_path / "demo.hpcspec"
    (tmp_path / "testsite.hpcspec").write_text(SITE)
    out = tmp_path / "out"
    trees = []
    command = [sys.executable, "-m", "hpcspec", "compile", str(code), "-o", str(out), "--no-cache"]
    for version in ("1.0", "2.0"):
        code.write_text(many_targets(200, version))
        started = time.perf_counter()
        assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 0
        whole = time.perf_counter() - started  # how long a whole run takes on this machine now
        trees.append(_tree(out))
    outcomes = set()
    # signals spread over a whole run (--no-cache: every attempt is one), up to the swap; not in
    # the interpreter's own start-up (before any hpcspec code runs, Python prints its traceback)
    for attempt, delay in enumerate([max(0.3, whole * f) for f in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95)]):
        code.write_text(many_targets(200, ("1.0", "2.0")[attempt % 2]))
        proc = subprocess.Popen(command,
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
        said = f"after a signal at {delay:.2f}s (exit {proc.returncode}, stderr {stderr!r})"
        assert "Traceback" not in stderr, said
        outcomes.add(proc.returncode)
        leftovers = _leftovers(out)
        assert not leftovers, f"{said}: {leftovers}"
        assert _tree(out) in trees, f"{said}: the output is a mix"
    assert 130 in outcomes, f"no attempt was interrupted ({outcomes}): the test proves nothing"
