"""Same inputs, same bytes: across runs, working directories and hash seeds."""

from __future__ import annotations

import os
from pathlib import Path

from support import CODES, ROOT, run_cli


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


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
