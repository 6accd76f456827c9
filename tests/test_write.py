"""Writing is all or nothing: a failure leaves the complete old set, never a mix or temp files."""

from __future__ import annotations

import os
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
    return {p.relative_to(path).as_posix(): p.read_text() for p in sorted(path.rglob("*")) if p.is_file()}


def test_write_replace_and_remove_stale(tmp_path):
    assert writer.write(tmp_path, _set("1", extra=True)) == ["demo"]
    assert os.stat(tmp_path / "demo/t/job.slurm").st_mode & 0o111
    assert writer.write(tmp_path, _set("2")) == ["demo"]
    tree = _tree(tmp_path)
    assert tree["demo/demo.def"] == "def 2\n" and "demo/t/extra.txt" not in tree
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hpcspec-")]


def test_unchanged_output_is_not_rewritten(tmp_path):
    writer.write(tmp_path, _set("1"))
    before = os.stat(tmp_path / "demo/demo.def").st_mtime_ns
    assert writer.write(tmp_path, _set("1")) == []
    assert os.stat(tmp_path / "demo/demo.def").st_mtime_ns == before


FAULTS = {
    "disk-full": lambda: OSError(28, "No space left on device"),
    "ctrl-c": KeyboardInterrupt,
    "bug": lambda: RuntimeError("a fault in the middle of writing"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("fail_at", ["write", "swap"])
def test_failure_keeps_the_complete_old_set(tmp_path, monkeypatch, fail_at, fault):
    writer.write(tmp_path, _set("1"))
    old = _tree(tmp_path)
    if fail_at == "write":
        real_create = writer._create
        calls = []

        def failing_create(path, content, mode):
            calls.append(path)
            if len(calls) == 2:  # the first file is written, the second fails
                raise FAULTS[fault]()
            return real_create(path, content, mode)

        monkeypatch.setattr(writer, "_create", failing_create)
    else:
        real_replace = os.replace

        def failing_replace(src, dst):
            if ".hpcspec-staging-" in str(src):
                raise FAULTS[fault]()
            return real_replace(src, dst)

        monkeypatch.setattr(writer.os, "replace", failing_replace)
    with pytest.raises((OSError, KeyboardInterrupt, RuntimeError)):
        writer.write(tmp_path, _set("2"))
    monkeypatch.undo()
    assert _tree(tmp_path) == old
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hpcspec-")]


def test_interrupted_swap_is_recovered(tmp_path):
    writer.write(tmp_path, _set("1"))
    old = _tree(tmp_path)
    # as if a run died between its two renames
    os.replace(tmp_path / "demo", tmp_path / ".hpcspec-old-demo.abc123")
    (tmp_path / ".hpcspec-staging-abc123").mkdir()
    writer.write(tmp_path, _set("1"))
    assert _tree(tmp_path) == old


def test_paths_cannot_leave_the_output_directory(tmp_path):
    for bad in ["../evil", "demo/../../evil", "/etc/passwd", "demo/./x"]:
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
        leftovers = [p.name for p in out.iterdir() if p.name.startswith(".hpcspec-")]
        assert not leftovers, f"{said}: {leftovers}"
        assert _tree(out) in trees, f"{said}: the output is a mix"
    assert 130 in outcomes, f"no attempt was interrupted ({outcomes}): the test proves nothing"
