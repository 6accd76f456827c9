"""Compiles running at the same time into one output directory (`make -j`, pre-commit's parallel
hooks): each round ends with every code's tree byte-equal to a serial compile, and no run ever
exits 0 with an incomplete set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import ROOT

ROUNDS = 16
CODES = ("ramses", "mpi-ring")
# per round: the processes started together (specs, extra arguments)
RUNS = [(["ramses"], ["--no-cache"]), (["ramses"], []), (["mpi-ring"], []), (["mpi-ring", "ramses"], []),
        (["ramses", "mpi-ring"], ["--no-cache"])]


def _variant(text: str, round_: int) -> str:
    """Two versions of a spec that differ in their output, alternating round by round."""
    return text.replace('description = "', f'description = "variant {round_ % 2}: ', 1)


def _write_specs(project: Path, round_: int) -> None:
    for code in CODES:
        original = (ROOT / "specs" / "codes" / f"{code}.hpcspec").read_text()
        (project / f"{code}.hpcspec").write_text(_variant(original, round_))


def _tree(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(directory).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _compile(project: Path, out: Path, codes: list[str], extra: list[str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPCSPEC_") or k == "HPCSPEC_CACHE_DIR"}
    return subprocess.Popen([sys.executable, "-m", "hpcspec", "compile", *[f"{c}.hpcspec" for c in codes],
                             "-o", str(out), *extra], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_concurrent_compiles_into_one_directory(tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "hpcspec.toml").write_text("")
    shutil.copytree(ROOT / "specs" / "codes" / "mpi-ring", project / "mpi-ring")
    references = []
    for round_ in (0, 1):  # what a serial compile makes, for each variant
        _write_specs(project, round_)
        reference = tmp_path / f"reference-{round_}"
        proc = _compile(project, reference, list(CODES), ["--no-cache"])
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        references.append({code: _tree(reference / code) for code in CODES})
    out = tmp_path / "out"
    waited = 0
    for round_ in range(ROUNDS):
        _write_specs(project, round_)
        running = [(_compile(project, out, codes, extra), codes) for codes, extra in RUNS]
        for proc, codes in running:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"round {round_}, {codes}: exit {proc.returncode}\n{err}"
            waited += "waiting for another hpcspec run" in err
        for code in CODES:
            assert _tree(out / code) == references[round_ % 2][code], f"round {round_}: {code} differs"
        assert not [p.name for p in out.iterdir() if p.name.startswith((".hpcspec-staging", ".hpcspec-old"))]
        assert not list(out.glob("*/.hpcspec-*")), f"round {round_}: a commit was left unfinished"
    print(f"{ROUNDS} rounds of {len(RUNS)} concurrent compiles; {waited} runs waited for the lock")
    assert waited, "no run ever had to wait: the test did not exercise the lock"
