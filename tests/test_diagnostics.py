"""Bad input, paired with the diagnostic it must produce (rendered as users see it).

Each `diagnostics/cases/<CODE>-<what>.hpcspec` is compiled from that directory; its rendered
diagnostics must equal `<CODE>-<what>.err`, and must include <CODE>. `--update-goldens`
rewrites the .err files; an .err file without its case fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hpcspec.api import compile_files
from hpcspec.diagnostics import CODES, Severity, render_all

from support import run_cli

CASES = Path(__file__).parent / "diagnostics" / "cases"
INPUTS = sorted(CASES.glob("*.hpcspec"))


def _render(case: Path, monkeypatch) -> tuple[str, list]:
    monkeypatch.chdir(CASES)
    result = compile_files([case.name])
    return render_all(result.diagnostics), result.diagnostics


@pytest.mark.parametrize("case", INPUTS, ids=[c.stem for c in INPUTS])
def test_case(case: Path, update_goldens: bool, monkeypatch):
    text, diagnostics = _render(case, monkeypatch)
    code = case.stem.split("-", 1)[0]
    assert code in CODES, f"{case.name}: no such diagnostic code"
    assert any(d.code == code for d in diagnostics), f"{case.name} did not report {code}:\n{text}"
    if code.startswith("E"):
        assert any(d.severity is Severity.ERROR for d in diagnostics)
    else:
        assert not any(d.severity is Severity.ERROR for d in diagnostics), text
    for diagnostic in diagnostics:
        if diagnostic.code == code:
            assert diagnostic.span is not None, f"{code} has no location"
            assert diagnostic.help or diagnostic.label, f"{code} says nothing about a fix"
    expected = case.with_suffix(".err")
    if update_goldens:
        expected.write_text(text)
    assert expected.exists(), f"no {expected.name}: run pytest --update-goldens and review it"
    assert text == expected.read_text()


def test_no_orphan_expectations():
    orphans = [p.name for p in CASES.glob("*.err") if not p.with_suffix(".hpcspec").exists()]
    assert not orphans


def test_enough_distinct_error_classes():
    codes = {c.stem.split("-", 1)[0] for c in INPUTS}
    assert len(codes) >= 30, sorted(codes)


def test_cli_renders_the_same_and_exits_1():
    case = CASES / "E0601-too-many-tasks.hpcspec"
    proc = run_cli("check", case.name, cwd=CASES)
    assert proc.returncode == 1
    assert proc.stderr == case.with_suffix(".err").read_text()
    proc = run_cli("check", case.name, "--format", "json", cwd=CASES)
    data = json.loads(proc.stdout)["diagnostics"]
    assert [d["code"] for d in data if d["severity"] == "error"] == ["E0601"]


def test_warnings_do_not_fail(tmp_path):
    case = CASES / "W0601-numa.hpcspec"
    proc = run_cli("compile", case.name, "-o", str(tmp_path), cwd=CASES)
    assert proc.returncode == 0, proc.stderr
    assert "warning[W0601]" in proc.stderr
