"""External validators: shellcheck on every generated script, spython on every definition file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hpcspec.api import compile_files

from support import CODES, shellcheck

EXPECTED_SECTIONS = {"labels", "help", "files", "post", "environment", "runscript", "test"}


def _artifacts(code: Path):
    result = compile_files([str(code)])
    assert result.ok, result.diagnostics
    return result.artifacts


def _is_shell(artifact) -> bool:
    return artifact.content.startswith(b"#!/bin/") or artifact.path.endswith((".sh", ".slurm", ".pbs"))


@pytest.mark.parametrize("code", CODES, ids=[c.stem for c in CODES])
def test_shellcheck_clean(code: Path, tmp_path: Path):
    scripts = []
    for artifact in _artifacts(code):
        if _is_shell(artifact):
            target = tmp_path / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(artifact.content)
            scripts.append(str(target))
    assert scripts, "no scripts generated"
    proc = subprocess.run([shellcheck(), "--severity=style", "--external-sources", *scripts],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("code", CODES, ids=[c.stem for c in CODES])
def test_definition_parses_with_spython(code: Path):
    definitions = [a for a in _artifacts(code) if a.path.endswith(".def")]
    names = sorted(Path(a.path).name for a in definitions)
    assert names and set(names) <= {f"{code.stem}.def", f"{code.stem}.aarch64.def"}, "one per architecture"
    for definition in definitions:
        _parses(definition.content.decode(), code.stem)


def _parses(text: str, code: str) -> None:
    from spython.main.parse.parsers import SingularityParser

    sections = {line[1:].split()[0] for line in text.splitlines() if line.startswith("%")}
    assert sections == EXPECTED_SECTIONS
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".def", delete=False) as handle:
        handle.write(text)
    stages = SingularityParser(handle.name).recipe
    Path(handle.name).unlink()
    assert list(stages) == ["spython-base"], "one stage"
    recipe = stages["spython-base"]
    header = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("From:"))
    assert recipe.fromHeader == header
    assert recipe.cmd == 'exec /bin/sh /opt/hpcspec/run.sh "$@"'
    assert recipe.files == ["hpcspec /opt/hpcspec"]
    assert "set -eu" in recipe.install and any(line.startswith("sh /opt/hpcspec/build/") or
                                                 "build-on-host" in text for line in recipe.install)
    labels = dict(label.split(" ", 1) for label in recipe.labels)
    assert len(labels["org.hpcspec.inputs-sha256"]) == 64
    assert labels["org.hpcspec.code"] == code
    assert recipe.test, "%test parsed to nothing"
