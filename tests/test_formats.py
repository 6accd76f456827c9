"""Machine output of `compile` and `check` (hpcspec/formats.py): --format json, github and sarif.

Each format is one document on stdout; out-of-date output files are diagnostics of their own
(E0803); a run that finds nothing changed prints exactly what the full run printed, without
importing the pipeline. SARIF is validated against the published SARIF 2.1.0 schema
(tests/data/README.md says where it comes from).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from hpcspec import __version__, formats
from hpcspec.diagnostics import CODES

from support import ROOT, SPECS, run_cli

GROMACS = ROOT / "specs" / "codes" / "gromacs.hpcspec"
CASES = ROOT / "tests" / "diagnostics" / "cases"
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """GROMACS with a job too wide for an ARCHER2 node: one E0601."""
    spec = tmp_path / "bad.hpcspec"
    spec.write_text(GROMACS.read_text().replace("tasks_per_node = 128", "tasks_per_node = 999", 1))
    return spec


@pytest.fixture
def ring(tmp_path: Path) -> Path:
    """A project with the mpi-ring code, compiled into out/ (its stamps in the project)."""
    shutil.copyfile(SPECS / "codes" / "mpi-ring.hpcspec", tmp_path / "ring.hpcspec")
    shutil.copytree(SPECS / "codes" / "mpi-ring", tmp_path / "mpi-ring")
    proc = run_cli("compile", "ring.hpcspec", "-o", "out", cwd=tmp_path, env=_cache(tmp_path))
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def _cache(project: Path) -> dict:
    return {"HPCSPEC_CACHE_DIR": str(project / ".stamps")}


def _line(spec_text: str, needle: str) -> int:
    return next(i for i, line in enumerate(spec_text.splitlines(), 1) if needle in line)


# ----------------------------------------------------------------------------------------------
# json


def test_json_is_one_versioned_object_on_stdout(bad: Path):
    proc = run_cli("check", bad.name, "--format", "json", "--no-cache", cwd=bad.parent)
    assert proc.returncode == 1
    assert proc.stderr == "", "machine formats say nothing else"
    document = json.loads(proc.stdout)
    assert list(document) == ["format", "version", "hpcspec", "command", "valid", "counts", "diagnostics", "files"]
    assert document["format"] == "hpcspec-diagnostics" and document["version"] == 1
    assert document["hpcspec"] == __version__ and document["command"] == "check"
    assert document["valid"] is False and document["counts"] == {"error": 1, "warning": 0}
    assert document["files"] == []
    (only,) = document["diagnostics"]
    assert only["code"] == "E0601" and only["severity"] == "error" and only["file"] == "bad.hpcspec"
    assert only["line"] == _line(bad.read_text(), "tasks_per_node = 999") and only["column"] > 0
    assert set(only) >= {"message", "end_line", "end_column", "label", "help"}


def test_json_of_a_compile_says_what_was_written(ring: Path):
    env = _cache(ring)
    (ring / "out2").mkdir()
    first = run_cli("compile", "ring.hpcspec", "-o", "out2", "--format", "json", cwd=ring, env=env)
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)
    assert document["valid"] is True and document["command"] == "compile" and document["diagnostics"] == []
    (entry,) = document["files"]
    assert entry["path"] == "out2/mpi-ring" and entry["code"] == "mpi-ring" and entry["state"] == "written"
    assert entry["targets"] >= 1 and entry["artifacts"] == len(
        [p for p in (ring / "out2" / "mpi-ring").rglob("*") if p.is_file()]) - 1  # not the marker
    again = json.loads(run_cli("compile", "ring.hpcspec", "-o", "out2", "--format", "json", "--no-cache",
                               cwd=ring, env=env).stdout)
    assert again["files"][0]["state"] == "unchanged"


def test_out_of_date_files_are_diagnostics_in_every_machine_format(ring: Path):
    env = _cache(ring)
    edited = ring / "out" / "mpi-ring" / "localhost" / "env.sh"
    edited.write_text(edited.read_text() + "# edited\n")
    (ring / "out" / "mpi-ring" / "localhost" / "binds.txt").unlink()
    text = run_cli("compile", "ring.hpcspec", "-o", "out", "--check", cwd=ring, env=env)
    assert text.returncode == 1 and "-# edited" in text.stdout, "text keeps the diff"

    proc = run_cli("compile", "ring.hpcspec", "-o", "out", "--check", "--format", "json", cwd=ring, env=env)
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    assert document["command"] == "compile --check" and document["valid"] is False
    assert document["counts"] == {"error": 2, "warning": 0}
    found = {d["file"]: d for d in document["diagnostics"]}
    assert set(found) == {"out/mpi-ring/localhost/binds.txt", "out/mpi-ring/localhost/env.sh"}
    assert all(d["code"] == "E0803" and d["severity"] == "error" and "line" not in d for d in found.values())
    assert "missing" in found["out/mpi-ring/localhost/binds.txt"]["message"]
    assert "differs" in found["out/mpi-ring/localhost/env.sh"]["message"]
    states = {f["path"]: f for f in document["files"]}
    assert states["out/mpi-ring/localhost/env.sh"]["state"] == "changed"
    assert "-# edited" in states["out/mpi-ring/localhost/env.sh"]["diff"]
    assert states["out/mpi-ring/localhost/binds.txt"]["state"] == "new"

    github = run_cli("compile", "ring.hpcspec", "-o", "out", "--check", "--format", "github", cwd=ring, env=env)
    assert github.returncode == 1
    assert github.stdout.splitlines() == [
        f"::error file={path},title=E0803::{formats.escape_data(formats._text(found[path]))}" for path in sorted(found)]

    sarif = run_cli("compile", "ring.hpcspec", "-o", "out", "--check", "--format", "sarif", cwd=ring, env=env)
    assert sarif.returncode == 1
    log = _valid_sarif(sarif.stdout)
    results = log["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == set(found)
    assert all(r["ruleId"] == "E0803" and "region" not in r["locations"][0]["physicalLocation"] for r in results)


def test_a_stale_code_directory_is_a_diagnostic(ring: Path):
    env = _cache(ring)
    spec = ring / "ring.hpcspec"
    spec.write_text(re.sub(r"^code mpi-ring\b", "code ring2", spec.read_text(), flags=re.M))
    assert run_cli("compile", "ring.hpcspec", "-o", "out", cwd=ring, env=env).returncode == 0
    proc = run_cli("compile", "ring.hpcspec", "-o", "out", "--check", "--format", "json", cwd=ring, env=env)
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    stale = [d for d in document["diagnostics"] if d["file"] == "out/mpi-ring"]
    assert len(stale) == 1 and stale[0]["code"] == "E0803" and "another code" in stale[0]["message"]
    assert {"path": "out/mpi-ring", "code": "mpi-ring", "state": "stale"}.items() <= document["files"][0].items()


# ----------------------------------------------------------------------------------------------
# github


def test_github_escaping_is_what_the_runner_reads():
    assert formats.escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert formats.escape_property("dir:a,b%\n") == "dir%3Aa%2Cb%25%0A"


def test_github_annotation_from_a_real_run(bad: Path):
    proc = run_cli("check", bad.name, "--format", "github", "--no-cache", cwd=bad.parent)
    assert proc.returncode == 1 and proc.stderr == ""
    line = _line(bad.read_text(), "tasks_per_node = 999")
    column = bad.read_text().splitlines()[line - 1].index("999") + 1
    assert proc.stdout == (
        f"::error file=bad.hpcspec,line={line},col={column},endLine={line},endColumn={column + 2},title=E0601::"
        "999 tasks x 1 cpus per task need 999 cores; a node of `archer2` has 128"
        "%0Ahelp: at most 128 tasks of 1 cpus fit a node\n")


def test_github_locations_and_levels():
    diagnostics = [
        {"code": "W0601", "severity": "warning", "message": "a, b: c", "file": "/ws/sub/x.hpcspec", "line": 3,
         "column": 5, "end_line": 3, "end_column": 5},
        {"code": "E0106", "severity": "error", "message": "m", "file": "x,y.hpcspec", "line": 2, "column": 9,
         "end_line": 4, "end_column": 1, "notes": ["first"], "help": "fix it"},
        {"code": "E0407", "severity": "error", "message": "no target named `t`"},
        {"code": "E0409", "severity": "error", "message": "m", "file": "<hpcspec>/platforms/a.hpcspec", "line": 7,
         "column": 3, "end_line": 7, "end_column": 9},
    ]
    lines = formats.render_github(diagnostics, {"GITHUB_WORKSPACE": "/ws"}).splitlines()
    assert lines == [
        "::warning file=sub/x.hpcspec,line=3,col=5,endLine=3,endColumn=5,title=W0601::a, b: c",
        "::error file=x%2Cy.hpcspec,line=2,endLine=4,title=E0106::m%0Anote: first%0Ahelp: fix it",
        "::error title=E0407::no target named `t`",
        "::error title=E0409::<hpcspec>/platforms/a.hpcspec:7:3: m",
    ], "columns only within one line; a zero-width span is one column; names relative to the workspace; " \
       "a spec shipped with hpcspec is not a file of the repository"


def test_github_names_files_outside_the_workspace_as_given(tmp_path: Path):
    outside = str(tmp_path / "elsewhere.hpcspec")
    text = formats.render_github([{"code": "E0101", "severity": "error", "message": "m", "file": outside}],
                                 {"GITHUB_WORKSPACE": str(tmp_path / "ws")})
    assert text == f"::error file={formats.escape_property(outside)},title=E0101::m\n"


# ----------------------------------------------------------------------------------------------
# sarif


def _uri(value: str) -> bool:
    """An absolute URI (RFC 3986): what SARIF's `format: uri` asks for. jsonschema checks this
    format only with an optional package, so the test says it itself."""
    parts = urlsplit(value)
    return bool(parts.scheme) and not re.search(r"[\s<>\"{}|\\^`]", value)


def _uri_reference(value: str) -> bool:
    return not re.search(r"[\s<>\"{}|\\^`]", value)


def _valid_sarif(text: str) -> dict:
    checker = jsonschema.FormatChecker()
    checker.checks("uri")(_uri)
    checker.checks("uri-reference")(_uri_reference)
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    log = json.loads(text)
    errors = sorted(jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=checker).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return log


def test_sarif_is_valid_against_the_published_schema(bad: Path):
    proc = run_cli("check", bad.name, "--format", "sarif", "--no-cache", cwd=bad.parent)
    assert proc.returncode == 1 and proc.stderr == ""
    log = _valid_sarif(proc.stdout)
    assert log["version"] == "2.1.0" and log["$schema"] == SARIF_SCHEMA["id"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "hpcspec" and driver["version"] == __version__ and _uri(driver["informationUri"])
    assert [rule["id"] for rule in driver["rules"]] == sorted(CODES), "one rule per stable code"
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] == CODES[rule["id"]]
        assert _uri(rule["helpUri"]) and rule["helpUri"].endswith("#" + rule["id"].lower())
        assert rule["defaultConfiguration"]["level"] == ("warning" if rule["id"].startswith("W") else "error")
    (result,) = run["results"]
    assert result["ruleId"] == "E0601" and driver["rules"][result["ruleIndex"]]["id"] == "E0601"
    assert result["level"] == "error" and result["message"]["text"].startswith("999 tasks")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "bad.hpcspec", "uriBaseId": "%SRCROOT%"}
    line = _line(bad.read_text(), "tasks_per_node = 999")
    column = bad.read_text().splitlines()[line - 1].index("999") + 1
    assert location["region"] == {"startLine": line, "startColumn": column, "endLine": line,
                                  "endColumn": column + 3, "message": {"text": "999 > 128 cores"}}
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_of_warnings_and_of_clean_runs(tmp_path: Path):
    proc = run_cli("compile", "W0601-numa.hpcspec", "-o", str(tmp_path / "out"), "--format", "sarif",
                   "--no-cache", cwd=CASES)
    assert proc.returncode == 0, proc.stderr
    log = _valid_sarif(proc.stdout)
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels.get("W0601") == "warning"
    clean = run_cli("check", str(GROMACS), "--format", "sarif", "--no-cache")
    assert clean.returncode == 0 and _valid_sarif(clean.stdout)["runs"][0]["results"] == []


def test_sarif_names_files_relative_to_the_working_directory(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a b").mkdir()
    inside = {"code": "E0101", "severity": "error", "message": "m", "file": str(tmp_path / "a b" / "x.hpcspec"),
              "line": 1, "column": 1, "end_line": 1, "end_column": 2}
    outside = {**inside, "file": "/elsewhere/y.hpcspec"}
    shipped = {**inside, "file": "<hpcspec>/platforms/archer2.hpcspec"}
    log = _valid_sarif(formats.render_sarif([inside, outside, shipped], __version__))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert uris == [{"uri": "a%20b/x.hpcspec", "uriBaseId": "%SRCROOT%"}, {"uri": "file:///elsewhere/y.hpcspec"},
                    {"uri": "platforms/archer2.hpcspec", "uriBaseId": "HPCSPEC"}]


# ----------------------------------------------------------------------------------------------
# the same words from a skipped run, and the command line


PROBE = """import json, sys
from hpcspec.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("hpcspec.api", "pydantic", "lark", "jinja2", "hpcspec.progress") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _probe(project: Path, *args: str) -> tuple[int, list, str, str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=project, capture_output=True, text=True,
                          env={**os.environ, **_cache(project)}, timeout=120)
    *out, last = proc.stdout.splitlines()
    found = json.loads(last)
    return found["code"], found["heavy"], "".join(line + "\n" for line in out), proc.stderr


@pytest.mark.parametrize("fmt", ["json", "github", "sarif"])
@pytest.mark.parametrize("argv", [["compile", "W0601-numa.hpcspec", "-o", "out"],
                                  ["compile", "W0601-numa.hpcspec", "-o", "out", "--check"],
                                  ["check", "W0601-numa.hpcspec"]], ids=["compile", "compile-check", "check"])
def test_a_skipped_run_prints_what_the_full_run_printed(tmp_path: Path, fmt: str, argv: list[str]):
    shutil.copyfile(CASES / "W0601-numa.hpcspec", tmp_path / "W0601-numa.hpcspec")
    (tmp_path / "support").mkdir()
    shutil.copyfile(CASES / "support" / "testsite.hpcspec", tmp_path / "support" / "testsite.hpcspec")
    assert run_cli("compile", "W0601-numa.hpcspec", "-o", "out", cwd=tmp_path, env=_cache(tmp_path)).returncode == 0
    first = _probe(tmp_path, *argv, "--format", fmt, "--no-cache")
    assert first[0] == 0 and first[1], first
    _probe(tmp_path, *argv, "--format", fmt)  # a full run that leaves a stamp
    again = _probe(tmp_path, *argv, "--format", fmt)
    assert again[1] == [], f"a skipped run imported {again[1]}"
    assert (again[0], again[2], again[3]) == (first[0], first[2], first[3])
    assert "W0601" in again[2], "the warning is said again"


@pytest.mark.parametrize("argv", [["compile", "a.hpcspec", "--format", "github"], ["check", "--format=sarif", "a"],
                                  ["compile", "a.hpcspec", "--format", "xml"]])
def test_the_plain_reader_knows_the_formats(argv, capsys):
    from hpcspec.cli import _parser, _plain_args

    plain = _plain_args(argv)
    try:
        full = vars(_parser().parse_args(argv))
        full.pop("run", None)
    except SystemExit:
        full = None
    capsys.readouterr()
    assert (plain is None) == (full is None) and (plain is None or vars(plain) == full)


def test_out_of_date_is_a_documented_code():
    assert formats.OUT_OF_DATE in CODES
