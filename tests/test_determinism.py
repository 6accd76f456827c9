"""Same inputs, same bytes: across runs, working directories, hash seeds, locales and umasks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import CODES, ROOT, run_cli


def _files(directory: Path):
    """The code directories' files: not the output root's own bookkeeping (its lock, and the
    record of which spec made which code directory, which names specs by their location)."""
    return [p for p in sorted(directory.rglob("*")) if p.is_file() and p.parent != directory]


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in _files(directory)}


def _modes(directory: Path) -> dict[str, int]:
    return {p.relative_to(directory).as_posix(): p.stat().st_mode & 0o777 for p in _files(directory)}


# Each variant is an environment a CI runner or a colleague's laptop may have.
VARIANTS = {
    "hashseed-0": {"PYTHONHASHSEED": "0"},
    "hashseed-1": {"PYTHONHASHSEED": "1"},
    "hashseed-random": {"PYTHONHASHSEED": "random"},
    "C": {"LC_ALL": "C", "LANG": "C"},
    "C.UTF-8": {"LC_ALL": "C.UTF-8"},
    "POSIX-ascii": {"LC_ALL": "POSIX", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii:backslashreplace"},
    "tr_TR": {"LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8"},  # dotless i: case mapping traps
    "timezone": {"TZ": "Pacific/Kiritimati", "SOURCE_DATE_EPOCH": "1"},
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, int], str]:
    out = tmp_path_factory.mktemp("reference")
    proc = run_cli("compile", *[str(c) for c in CODES], "-o", str(out / "tree"))
    assert proc.returncode == 0, proc.stderr
    return _tree(out / "tree"), _modes(out / "tree"), _bad_input_report()


def _bad_input_report(env: dict | None = None) -> str:
    """The diagnostics for a spec with several errors (ordering of a report is output too)."""
    bad = ROOT / "tests" / "diagnostics" / "cases"
    cases = sorted(bad.glob("*.hpcspec"))[:12]
    proc = run_cli("check", *[str(c) for c in cases], "--format", "json", env=env)
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_same_bytes_whatever_the_environment(tmp_path: Path, variant: str, reference) -> None:
    tree, modes, report = reference
    env = VARIANTS[variant]
    proc = run_cli("compile", *[str(c) for c in CODES], "-o", str(tmp_path / "tree"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert _tree(tmp_path / "tree") == tree
    assert _modes(tmp_path / "tree") == modes
    assert _bad_input_report(env) == report


def test_same_bytes_and_modes_under_a_strict_umask(tmp_path: Path, reference) -> None:
    tree, modes, _ = reference
    code = ("import os, sys; os.umask(0o077); from hpcspec.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", code, "compile", *[str(c) for c in CODES], "-o",
                           str(tmp_path / "tree")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _tree(tmp_path / "tree") == tree
    assert _modes(tmp_path / "tree") == modes


def test_same_bytes_twice_and_from_another_directory(tmp_path: Path):
    specs = [str(c) for c in CODES]  # absolute paths
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert run_cli("compile", *specs, "-o", str(first)).returncode == 0
    assert run_cli("compile", *specs, "-o", str(second), env={"PYTHONHASHSEED": "12345"}).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    relative = [os.path.relpath(c, elsewhere) for c in CODES]
    proc = run_cli("compile", *relative, "-o", str(third), cwd=elsewhere, env={"LC_ALL": "C"})
    assert proc.returncode == 0, proc.stderr
    a, b, c = _tree(first), _tree(second), _tree(third)
    assert a and a == b == c


def test_no_machine_paths_or_times_in_output(tmp_path: Path):
    assert run_cli("compile", *[str(c) for c in CODES], "-o", str(tmp_path)).returncode == 0
    for path, content in _tree(tmp_path).items():
        text = content.decode(errors="replace")
        assert str(ROOT) not in text, f"{path} mentions the checkout path"
        assert str(tmp_path) not in text, f"{path} mentions the output path"
