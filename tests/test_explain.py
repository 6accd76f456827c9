"""`hpcspec explain`: every code explained; each example's fix compiles; the shipped data is current.

The explanations (diagnostics/explain.toml), the cases and their fixes (diagnostics/fixes) are
gathered into hpcspec/data/explain.json by `hpcspec.explain.generate`: `--update-goldens`
rewrites it, as it rewrites the expected diagnostics.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from hpcspec.api import compile_files
from hpcspec.diagnostics import CODES, Diagnostic, Severity, render_json, render_text
from hpcspec.explain import entries, explain, generate, normalise
from hpcspec.source import SourceFile

from support import ROOT, run_cli

DIAGNOSTICS = ROOT / "tests" / "diagnostics"
CASES = DIAGNOSTICS / "cases"
FIXES = sorted((DIAGNOSTICS / "fixes").glob("*.hpcspec"))
TEXTS = tomllib.loads((DIAGNOSTICS / "explain.toml").read_text())
SHIPPED = ROOT / "compiler" / "data" / "explain.json"


def test_the_shipped_data_is_up_to_date(update_goldens: bool):
    wanted = generate(DIAGNOSTICS)
    if update_goldens:
        SHIPPED.write_text(wanted, encoding="utf-8")
    assert SHIPPED.read_text(encoding="utf-8") == wanted, \
        "hpcspec/data/explain.json is out of date: run pytest tests/test_explain.py --update-goldens"
    assert entries() == json.loads(wanted)  # and installed


def test_every_code_is_explained():
    assert sorted(TEXTS) == sorted(CODES), "explain.toml and CODES list different codes"
    for code, entry in TEXTS.items():
        assert len(entry["text"].split()) >= 8, f"{code}: say more"
        assert set(entry) <= {"text", "case", "fix_still_reports"}, code


def test_every_code_with_a_case_has_a_fix():
    codes = {case.stem.split("-", 1)[0] for case in CASES.glob("*.hpcspec")}
    fixed = {fix.stem.split("-", 1)[0] for fix in FIXES}
    assert codes - fixed == set(), "write a corrected copy of one case in tests/diagnostics/fixes/"
    assert not [f.name for f in FIXES if not (CASES / f.name).is_file()], "a fix without its case"


@pytest.mark.parametrize("fix", FIXES, ids=[f.stem for f in FIXES])
def test_each_fix_compiles_without_its_code(fix: Path, tmp_path: Path, monkeypatch):
    """Compiled beside the cases and their support files, under the case's own name."""
    code = fix.stem.split("-", 1)[0]
    for other in CASES.iterdir():
        (tmp_path / other.name).symlink_to(other)
    (tmp_path / fix.name).unlink()
    shutil.copyfile(fix, tmp_path / fix.name)
    monkeypatch.chdir(tmp_path)
    diagnostics = compile_files([fix.name], environ={}).diagnostics
    allowed = set(TEXTS.get(code, {}).get("fix_still_reports", ()))
    assert code not in {d.code for d in diagnostics}
    assert not [d for d in diagnostics if d.severity is Severity.ERROR and d.code not in allowed], diagnostics


def test_an_explanation_has_its_meaning_example_error_and_fix():
    text = explain("E0601")
    assert text.startswith("E0601: job does not fit the node's cores\n\n")
    assert "Example (E0601-too-many-tasks.hpcspec)" in text
    assert "    error[E0601]: 128 tasks x 2 cpus per task need 256 cores" in text
    assert "    -      tasks_per_node = 128\n    +      tasks_per_node = 64\n" in text
    assert max(len(line) for line in text.splitlines() if not line.startswith(" ")) <= 100


def test_codes_without_a_case_still_have_their_meaning():
    missing = [code for code in CODES if "case" not in entries()[code]]
    for code in missing:
        assert explain(code).endswith("No example of this code yet.\n")


@pytest.mark.parametrize("given,code", [("E0601", "E0601"), ("e0601", "E0601"), ("601", "E0601"),
                                        ("w601", "W0601"), ("E9999", None), ("hello", None), ("", None)])
def test_codes_are_read_loosely(given, code):
    assert normalise(given) == code


def test_command_line():
    proc = run_cli("explain", "e0601")
    assert proc.returncode == 0 and proc.stdout == explain("E0601")
    listing = run_cli("explain")
    assert listing.returncode == 0
    assert all(f"{code}  {meaning}\n" in listing.stdout for code, meaning in CODES.items())
    unknown = run_cli("explain", "E0610")
    assert unknown.returncode == 2
    assert "no diagnostic code `E0610`; did you mean" in unknown.stderr


def test_every_rendered_diagnostic_says_where_to_read_more():
    source = SourceFile(Path("x.hpcspec"), "x.hpcspec", "code x {\n  nodes = 2\n}\n")
    located = Diagnostic("E0201", "unknown key", source.span(11, 16), help="remove it")
    assert render_text(located).splitlines()[-2:] == ["  = help: remove it", "  = see: hpcspec explain E0201"]
    assert render_text(Diagnostic("E0107", "cannot read")).splitlines()[-1] == " = see: hpcspec explain E0107"
    assert "see" not in render_json([located])
