"""The README keeps up with the code: diagnostic codes, commands, shipped specs."""

from __future__ import annotations

import re

from hpcspec.diagnostics import CODES

from support import PLATFORMS, ROOT

README = (ROOT / "README.md").read_text()


def test_every_code_is_documented_with_its_meaning():
    rows = dict(re.findall(r"^\| ([EW]\d{4}) \| (.+?) \|$", README, re.M))
    assert rows == CODES


def test_fresh_machine_commands_exist_and_ci_runs_the_test_command():
    for script in ("scripts/example", "scripts/test"):
        assert f"\n{script}\n" in README
        assert (ROOT / script).stat().st_mode & 0o111
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_shipped_platforms_are_listed():
    for platform in PLATFORMS:
        assert f"| `{platform.stem}` |" in README
