"""The command line as users run it: exit codes, --check, --format json, --version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hpcspec import __version__

from support import CODES, ROOT, run_cli, tool

GROMACS = "specs/codes/gromacs.hpcspec"


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"hpcspec {__version__}"


def test_usage_errors_exit_2(tmp_path: Path):
    assert run_cli().returncode == 2
    assert run_cli("compile").returncode == 2
    assert run_cli("frobnicate", GROMACS).returncode == 2
    missing = run_cli("compile", str(tmp_path / "nope.hpcspec"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_unknown_target_is_a_usage_error(tmp_path: Path):
    proc = run_cli("compile", GROMACS, "-o", str(tmp_path), "--target", "archer3")
    assert proc.returncode == 2
    assert "E0407" in proc.stderr and "did you mean `archer2`?" in proc.stderr
    assert not any(tmp_path.iterdir())


def test_compile_then_check_round_trip(tmp_path: Path):
    out = tmp_path / "out"
    first = run_cli("compile", GROMACS, "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert "written" in first.stdout
    assert run_cli("compile", GROMACS, "-o", str(out), "--check").returncode == 0
    again = run_cli("compile", GROMACS, "-o", str(out))
    assert "unchanged" in again.stdout
    script = next(out.glob("gromacs/*/job.slurm"))
    assert script.stat().st_mode & 0o111, "batch scripts are executable"
    script.write_text(script.read_text() + "# edited by hand\n")
    mine = out / "gromacs" / "notes.txt"
    mine.write_text("the user's own file\n")
    check = run_cli("compile", GROMACS, "-o", str(out), "--check")
    assert check.returncode == 1
    assert "-# edited by hand" in check.stdout
    assert "notes.txt" not in check.stdout and "(left alone): notes.txt" in check.stderr, \
        "a file hpcspec did not write is named, never diffed"
    assert "# edited by hand" in script.read_text(), "--check never writes"
    assert run_cli("compile", GROMACS, "-o", str(out)).returncode == 0
    assert "# edited by hand" not in script.read_text(), "hpcspec's own file is replaced"
    assert mine.read_text() == "the user's own file\n", "a file hpcspec did not write is kept"


def test_check_on_empty_output_lists_every_file(tmp_path: Path):
    proc = run_cli("compile", GROMACS, "-o", str(tmp_path / "none"), "--check")
    assert proc.returncode == 1
    assert "+++ b/gromacs/gromacs.def" in proc.stdout
    assert not (tmp_path / "none").exists()


def test_spec_errors_exit_1_and_write_nothing(tmp_path: Path):
    bad = tmp_path / "bad.hpcspec"
    bad.write_text((ROOT / GROMACS).read_text().replace("tasks_per_node = 128", "tasks_per_node = 999"))
    out = tmp_path / "out"
    proc = run_cli("compile", str(bad), "-o", str(out))
    assert proc.returncode == 1
    assert "error[E0601]" in proc.stderr
    assert not out.exists()


def test_json_diagnostics(tmp_path: Path):
    bad = tmp_path / "bad.hpcspec"
    bad.write_text((ROOT / GROMACS).read_text().replace("tasks_per_node = 128", "tasks_per_node = 999"))
    proc = run_cli("check", str(bad), "--format", "json")
    assert proc.returncode == 1
    document = json.loads(proc.stdout)  # one object on stdout (tests/test_formats.py: the whole of it)
    assert document["format"] == "hpcspec-diagnostics" and document["valid"] is False
    data = document["diagnostics"]
    assert isinstance(data, list) and data
    first = next(d for d in data if d["code"] == "E0601")
    assert first["file"] == str(bad) and first["line"] > 0 and first["column"] > 0
    assert first["severity"] == "error" and first["message"] and "help" in first


def test_check_command_accepts_platform_specs():
    proc = run_cli("check", *[str(p.relative_to(ROOT)) for p in sorted((ROOT / "specs/platforms").glob("*.hpcspec"))])
    assert proc.returncode == 0, proc.stderr


def test_every_shipped_code_checks():
    proc = run_cli("check", *[str(c.relative_to(ROOT)) for c in CODES])
    assert proc.returncode == 0, proc.stderr


def test_refuses_to_replace_a_foreign_directory(tmp_path: Path):
    out = tmp_path / "out"
    (out / "gromacs").mkdir(parents=True)
    (out / "gromacs" / "precious.txt").write_text("mine\n")
    proc = run_cli("compile", GROMACS, "-o", str(out))
    assert proc.returncode == 2 and "not made by hpcspec" in proc.stderr
    assert (out / "gromacs" / "precious.txt").read_text() == "mine\n"


def test_python_dash_m_and_console_script_agree(tmp_path: Path):
    import subprocess

    exe = tool("hpcspec")

    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert proc.stdout == run_cli("--version").stdout


PLAIN = [
    ["compile", "a.hpcspec"], ["compile", "a.hpcspec", "b.hpcspec", "-o", "out", "--check"],
    ["compile", "-o", "out", "a.hpcspec"], ["compile", "--output=out", "a.hpcspec", "--format", "json"],
    ["compile", "a.hpcspec", "--target", "x", "--target", "y", "--no-cache"], ["check", "a.hpcspec"],
    ["check", "--format=json", "a.hpcspec", "b.hpcspec"], ["compile", "a.hpcspec", "-o", "o1", "-o", "o2"],
    # argparse reads these differently or refuses them: the plain reader must step aside
    ["compile", "a.hpcspec", "-o", "out", "b.hpcspec"], ["compile"], ["check", "--check", "a.hpcspec"],
    ["compile", "a.hpcspec", "--format", "yaml"], ["compile", "a.hpcspec", "-o"], ["compile", "a.hpcspec", "--chec"],
    ["compile", "-oout", "a.hpcspec"], ["compile", "a.hpcspec", "-o", "--check"], ["compile", "-h"],
    ["compile", "--check=1", "a.hpcspec"], ["check", "a.hpcspec", "-o", "out"], ["probe"], ["compile", "-", "x"],
    ["compile", "a.hpcspec", "--target"], ["compile", "--", "a.hpcspec"], [], ["--version"],
]


@pytest.mark.parametrize("argv", PLAIN, ids=[" ".join(a) or "empty" for a in PLAIN])
def test_the_plain_reader_agrees_with_argparse_wherever_it_answers(argv, capsys):
    from hpcspec.cli import _parser, _plain_args

    plain = _plain_args(argv)
    try:
        full = vars(_parser().parse_args(argv))
        full.pop("run", None)  # the command's function, which the plain reader leaves to its caller
    except SystemExit:
        full = None
    capsys.readouterr()
    if PLAIN.index(argv) < 8:  # plain command lines: the reader must answer them
        assert plain is not None
    if plain is not None:
        assert full is not None and vars(plain) == full


def test_python_dash_m_works_beside_a_clone_named_hpcspec(tmp_path: Path):
    """`python -m hpcspec` from a directory that holds a clone called `hpcspec`: the clone is not
    a package, and must not shadow the installed one."""
    import subprocess
    import sys

    clone = tmp_path / "hpcspec"
    shutil.copytree(ROOT / "compiler", clone / "compiler")
    (clone / "pyproject.toml").write_text("")
    proc = subprocess.run([sys.executable, "-m", "hpcspec", "--version"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"hpcspec {__version__}", proc.stderr
