"""Helpers shared by the tests (importable: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
CODES = sorted((SPECS / "codes").glob("*.hpcspec"))
PLATFORMS = sorted((SPECS / "platforms").glob("*.hpcspec"))


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m hpcspec` as users do, in a clean environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HPCSPEC_") or k == "HPCSPEC_CACHE_DIR"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "hpcspec", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def run_in_process(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The command line in this process (as `python -m hpcspec` runs it, without its start-up)."""
    from hpcspec import cli

    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(args))
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


BIN = Path(sys.executable).parent  # the environment the tests run in (not resolved: a venv's bin)


def tool(name: str) -> str:
    """A command installed into the environment the tests run in (scripts/test installs the
    test dependencies there), never one the machine happens to have on PATH."""
    found = shutil.which(name, path=str(BIN))
    if not found:
        pytest.fail(f"`{name}` is not installed in {BIN}: run scripts/test (or scripts/bootstrap test)")
    return found


def shellcheck() -> str:
    return tool("shellcheck")


# A small site and a minimal code for tests that need a whole program; the tests patch them.
SITE = (Path(__file__).parent / "diagnostics" / "cases" / "support" / "testsite.hpcspec").read_text()
MINIMAL_CODE = """import "./{site}.hpcspec"
code demo {{
  version = "1.0"
  source {{ url = "https://example.org/demo.tar.gz"
           sha256 = "5f2b1c0ab7a50a6e4f3ef2b8b6c4a1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8" }}
  image {{ from = "debian:bookworm" }}
  mpi {{ name = "mpich" abi = "mpich" version = "4.0.2" }}
  build cmake {{ }}
  run {{ executable = "bin/demo" }}
  target {target} {{
    platform = "{site}"
    mpi = "{mpi}"
    compiler = "gnu"
    {extra}
  }}
}}
"""


def minimal_code(site: str = "testsite", target: str = "t", mpi: str = "cray-mpich", extra: str = "") -> str:
    return MINIMAL_CODE.format(site=site, target=target, mpi=mpi, extra=extra)


def many_targets(count: int, version: str = "1.0", site: str = "testsite") -> str:
    """A code spec with `count` targets on the test site (for limits and interruption tests)."""
    head, _, _ = minimal_code(site=site).partition("  target t {")
    targets = "".join(f'  target t{i} {{ platform = "{site}" mpi = "cray-mpich" compiler = "gnu" prefix = "/opt/t{i}" '
                      f"job {{ walltime = 1h }} }}\n" for i in range(count))
    return head.replace('version = "1.0"', f'version = "{version}"') + targets + "}\n"


def _another_slurm():
    from hpcspec.backends.schedulers import Slurm

    class AnotherSlurm(Slurm):
        """A second class registered as `slurm` (tests/test_seam.py: duplicates are refused)."""

    return AnotherSlurm


AnotherSlurm = _another_slurm()
