"""The Apptainer definition and the Dockerfile of a code are two renderings of one plan: same base,
same files, same build steps line for line, same labels and environment."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from hpcspec.api import compile_files

from support import CODES

import functools


@functools.lru_cache(maxsize=None)
def _outputs(code: Path) -> dict[str, str]:
    result = compile_files([str(code)])
    assert result.ok, result.diagnostics
    return {a.path.split("/", 1)[1]: a.content.decode() for a in result.artifacts}


def _def_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("%"):
            current = line[1:].split()[0]
            sections[current] = []
        elif current is not None:
            sections[current].append(line[4:] if line.startswith("    ") else line)
    return sections


def _commands(lines: list[str]) -> list[str]:
    """Shell lines without comments and blank lines, continuation lines joined."""
    out, pending = [], ""
    for line in lines:
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.strip() if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip() + " "
            continue
        out.append(pending)
        pending = ""
    return out


def _docker_runs(text: str) -> list[str]:
    runs = re.findall(r"^RUN (.*?)(?=\n\n|\n#|\n[A-Z]+ |\Z)", text, re.M | re.S)
    lines = []
    for run in runs:
        body = run.strip()
        if body.startswith("set -eu; \\\n"):
            body = body[len("set -eu; \\\n"):]
            lines += [" ".join(part.replace("\\\n", " ").split()) for part in re.split(r"; \\\n", body)]
        else:
            lines.append(" ".join(body.split()))
    return lines


# (code, architecture suffix) of every image that is written both ways
PAIRS = [(c, suffix) for c in CODES for suffix in ("", ".aarch64") if f"Dockerfile{suffix}" in _outputs(c)]


def test_most_shipped_images_have_a_dockerfile():
    assert len(PAIRS) >= 5, [(c.stem, s) for c, s in PAIRS]


@pytest.mark.parametrize("code, suffix", PAIRS, ids=[c.stem + s for c, s in PAIRS])
def test_definition_and_dockerfile_agree(code: Path, suffix: str):
    out = _outputs(code)
    definition, docker = out[f"{code.stem}{suffix}.def"], out[f"Dockerfile{suffix}"]
    sections = _def_sections(definition)
    base = re.search(r"^From: (.+)$", definition, re.M).group(1)
    assert f"\nFROM {base}\n" in docker
    assert sections["files"][0].split() == ["hpcspec", "/opt/hpcspec"]
    assert "\nCOPY hpcspec /opt/hpcspec\n" in docker
    post = [" ".join(c.split()) for c in _commands(sections["post"])]
    assert post[0] == "set -eu"
    assert post[1:] + [f"sh /opt/hpcspec/test{suffix}.sh"] == _docker_runs(docker)
    def_labels = dict(line.strip().split(" ", 1) for line in sections["labels"] if line.strip())
    docker_labels = {k: shlex.split(v)[0] for k, v in re.findall(r"^LABEL ([\w.\-]+)=(.*)$", docker, re.M)}
    assert def_labels == docker_labels
    def_env = dict(shlex.split(line.split(" ", 1)[1])[0].split("=", 1)
                   for line in sections["environment"] if line.strip().startswith("export "))
    docker_env = {k: shlex.split(v)[0] for k, v in re.findall(r"^ENV (\w+)=(.*)$", docker, re.M)}
    assert def_env == docker_env
    assert 'exec /bin/sh /opt/hpcspec/run.sh "$@"' in definition
    assert 'ENTRYPOINT ["/bin/sh", "/opt/hpcspec/run.sh"]' in docker
