"""Golden files: the full output of every shipped code spec, byte for byte.

`pytest --update-goldens` rewrites them. A golden file that is not produced any more fails the
test as much as a produced file without a golden.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from hpcspec.api import compile_files

from support import CODES, ROOT

GOLDEN = Path(__file__).parent / "golden"


def _compile(code: Path) -> dict[str, bytes]:
    result = compile_files([code.relative_to(ROOT).as_posix()])
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert not errors, f"{code.name} does not compile: {errors}"
    return {a.path: a.content for a in result.artifacts}


@pytest.mark.parametrize("code", CODES, ids=[c.stem for c in CODES])
def test_golden(code: Path, update_goldens: bool, monkeypatch):
    monkeypatch.chdir(ROOT)
    produced = _compile(code)
    assert produced, "no artifacts"
    name = next(iter(produced)).split("/", 1)[0]
    folder = GOLDEN / name
    if update_goldens:
        shutil.rmtree(folder, ignore_errors=True)
        for path, content in produced.items():
            target = GOLDEN / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file()}
    missing = sorted(set(produced) - set(expected))
    unused = sorted(set(expected) - set(produced))
    assert not missing, f"no golden file for {missing}: run pytest --update-goldens and review the diff"
    assert not unused, f"golden files no longer produced: {unused}: run pytest --update-goldens"
    for path in sorted(produced):
        if produced[path] != expected[path]:
            diff = "".join(difflib.unified_diff(
                expected[path].decode(errors="replace").splitlines(True),
                produced[path].decode(errors="replace").splitlines(True), f"golden/{path}", f"output/{path}"))
            pytest.fail(f"{path} differs from its golden file:\n{diff}")


def test_every_shipped_code_has_goldens():
    names = {p.name for p in GOLDEN.iterdir() if p.is_dir()}
    produced = set()
    for code in CODES:
        result = compile_files([str(code)])
        produced |= {a.path.split("/", 1)[0] for a in result.artifacts}
    assert names == produced, f"golden folders {sorted(names)} != shipped codes {sorted(produced)}"
