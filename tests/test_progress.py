"""The progress line of long runs (hpcspec/progress.py): on a terminal only, cleared before
anything else is said, never on the no-op path, never changing what a run says or returns."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hpcspec import cli, console, progress
from hpcspec.progress import CLEAR, Progress

from support import CODES, SPECS, run_cli


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Stderr:
    """What was written to stderr so far (pytest's capsys, read as it accumulates)."""

    def __init__(self, capsys) -> None:
        self.capsys, self.text = capsys, ""

    def getvalue(self) -> str:
        self.text += self.capsys.readouterr().err
        return self.text


@pytest.fixture
def stderr(capsys) -> Stderr:
    return Stderr(capsys)


@pytest.mark.parametrize("terminal, environ, shown", [
    (True, {"TERM": "xterm-256color"}, True),
    (True, {}, True),
    (False, {"TERM": "xterm"}, False),  # a pipe or a file
    (True, {"TERM": "xterm", "CI": "true"}, False),  # CI logs
    (True, {"TERM": "xterm", "CI": ""}, False),
    (True, {"TERM": "dumb"}, False),
])
def test_only_on_a_terminal_outside_ci(monkeypatch, terminal, environ, shown):
    monkeypatch.setattr(console, "is_terminal", lambda name="stderr": terminal)
    assert progress.wanted(environ) is shown


def test_counts_after_a_delay_at_most_every_interval_and_clears(stderr):
    clock = Clock()
    seen = []
    with Progress(5, enabled=True, delay=0.5, interval=0.1, clock=clock) as bar:
        for item in bar.iterate("abcde"):
            seen.append((item, stderr.getvalue()))
            clock.now += 0.3
    assert [item for item, _ in seen] == list("abcde")
    assert seen[0][1] == seen[1][1] == "", "nothing in the first half second"
    assert stderr.getvalue() == "".join(f"{CLEAR}hpcspec: {n}/5 specs" for n in (2, 3, 4, 5)) + CLEAR


def test_throttled_but_the_last_count_is_always_drawn(stderr):
    clock = Clock()
    bar = Progress(3, enabled=True, delay=0, interval=10, clock=clock)
    for _ in bar.iterate(range(3)):
        pass
    assert stderr.getvalue() == f"{CLEAR}hpcspec: 0/3 specs{CLEAR}hpcspec: 3/3 specs"
    bar.clear()
    bar.clear()
    assert stderr.getvalue().endswith(f"3/3 specs{CLEAR}") and stderr.getvalue().count(CLEAR) == 3


def test_nothing_for_one_spec_or_when_disabled(stderr):
    for bar in (Progress(1, enabled=True, delay=0), Progress(9, enabled=False, delay=0)):
        with bar:
            list(bar.iterate(range(bar.total)))
    assert stderr.getvalue() == ""


def _run_in_process(monkeypatch, capsys, argv: list[str], terminal: bool) -> tuple[int, str, str]:
    class Immediate(Progress):
        def __init__(self, total, **kwargs):
            super().__init__(total, delay=0, interval=0, **kwargs)

    monkeypatch.setattr(progress, "Progress", Immediate)
    monkeypatch.setattr(console, "is_terminal", lambda name="stderr": terminal)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("NO_COLOR", "1")
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [
    ["check", *map(str, CODES), "--no-cache"],
    ["check", *map(str, CODES), "--no-cache", "--format", "json"],
    ["check", *map(str, CODES), str(Path(__file__).parent / "diagnostics" / "cases" / "E0601-too-many-tasks.hpcspec"),
     "--no-cache"],
], ids=["clean", "json", "errors"])
def test_a_run_with_the_line_says_and_returns_what_a_run_without_it_does(monkeypatch, capsys, argv):
    plain = _run_in_process(monkeypatch, capsys, argv, terminal=False)
    code, out, err = _run_in_process(monkeypatch, capsys, argv, terminal=True)
    total = len(argv) - argv.count("--no-cache") - 1 - (2 if "--format" in argv else 0)
    counts = [f"{CLEAR}hpcspec: {n}/{total} specs" for n in range(total + 1)]
    assert err.startswith("".join(counts) + CLEAR), err[:300]
    assert (code, out, err[len("".join(counts) + CLEAR):]) == plain


def test_the_no_op_path_never_imports_it(tmp_path: Path):
    shutil.copyfile(SPECS / "codes" / "mpi-ring.hpcspec", tmp_path / "ring.hpcspec")
    shutil.copytree(SPECS / "codes" / "mpi-ring", tmp_path / "mpi-ring")
    env = {"HPCSPEC_CACHE_DIR": str(tmp_path / ".stamps")}
    assert run_cli("compile", "ring.hpcspec", "-o", "out", cwd=tmp_path, env=env).returncode == 0
    probe = ("import sys; from hpcspec.cli import main; code = main(sys.argv[1:]); "
             "print(code, 'hpcspec.progress' in sys.modules, 'hpcspec.api' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", probe, "compile", "ring.hpcspec", "-o", "out"], cwd=tmp_path,
                          env={**os.environ, **env, "TERM": "xterm"}, capture_output=True, text=True, timeout=60)
    assert proc.stdout.splitlines()[-1] == "0 False False", proc.stdout + proc.stderr


def test_a_terminal_run_ends_with_a_clean_line(tmp_path: Path):
    """A whole process on a pseudo-terminal: whatever it drew is erased, and the run's own
    messages follow unchanged."""
    import pty

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(TERM="xterm", NO_COLOR="1", HPCSPEC_CACHE_DIR=str(tmp_path / ".stamps"))
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "hpcspec", "check", *map(str, CODES)], stderr=secondary,
                              stdout=subprocess.PIPE, env=env, timeout=120)
        os.close(secondary)
        secondary = -1
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
        if secondary >= 0:
            os.close(secondary)
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    assert proc.returncode == 0
    drawn, _, said = text.rpartition(CLEAR)
    assert said == f"hpcspec: {len(CODES)} specs OK\n", text
    assert all(part.startswith("hpcspec: ") and part.endswith(" specs") for part in drawn.split(CLEAR) if part)
