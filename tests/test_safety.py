"""Regression tests for faults found by testing from a fresh clone: hangs, internal errors,
unbounded input, and messages that must never crash the tool."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import ROOT, SITE, minimal_code, run_cli

RING = ROOT / "specs" / "codes" / "mpi-ring.hpcspec"


@pytest.fixture
def ring(tmp_path: Path) -> Path:
    """A copy of the mpi-ring example (a code with local source files)."""
    import shutil

    shutil.copytree(RING.parent / "mpi-ring", tmp_path / "mpi-ring")
    spec = tmp_path / "mpi-ring.hpcspec"
    spec.write_text(RING.read_text())
    return spec


def _no_internal_error(proc) -> None:
    assert proc.returncode != 3 and "Traceback" not in proc.stderr and "internal error" not in proc.stderr, \
        proc.stderr


# -- inputs that are not regular files, or too large --------------------------------------------

def test_a_fifo_listed_as_a_source_file_is_refused_not_waited_on(ring: Path):
    fifo = ring.parent / "mpi-ring" / "ring.c"
    fifo.unlink()
    os.mkfifo(fifo)
    started = time.monotonic()
    proc = run_cli("check", str(ring), "--no-cache")
    assert time.monotonic() - started < 30
    assert proc.returncode == 1 and "E0301" in proc.stderr and "not a regular file" in proc.stderr


def test_a_huge_source_file_is_refused_with_its_limit(ring: Path):
    with (ring.parent / "mpi-ring" / "ring.c").open("r+b") as handle:
        handle.truncate(3 << 30)  # sparse: 3 GiB without using the disk
    proc = run_cli("check", str(ring), "--no-cache")
    assert proc.returncode == 1 and "E0108" in proc.stderr and "16 MiB" in proc.stderr, proc.stderr


def test_a_fifo_given_as_the_spec_is_refused(tmp_path: Path):
    os.mkfifo(tmp_path / "spec.hpcspec")
    proc = run_cli("check", str(tmp_path / "spec.hpcspec"))
    assert proc.returncode == 2 and "not a regular file" in proc.stderr


def test_a_directory_given_as_the_spec_says_so(tmp_path: Path):
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2 and "is a directory" in proc.stderr


@pytest.mark.parametrize("output, message", [("", "empty"), ("dangling", "does not exist")])
def test_unusable_output_directories(ring: Path, output: str, message: str):
    if output == "dangling":
        (ring.parent / "dangling").symlink_to(ring.parent / "nowhere")
    proc = run_cli("compile", str(ring), "-o", output, cwd=ring.parent)
    assert proc.returncode == 2 and message in proc.stderr
    assert not (ring.parent / "mpi-ring" / ".hpcspec").exists(), "nothing written into the working directory"


# -- bounds ----------------------------------------------------------------------------------------

def test_an_interpolation_chain_500_deep_is_a_located_error(tmp_path: Path):
    chain = "\n".join(f'  c{i} = "${{c{i + 1}}}"' for i in range(500))
    spec = tmp_path / "deep.hpcspec"
    spec.write_text(f"platform deep {{\n{chain}\n  c500 = \"x\"\n}}\n")
    proc = run_cli("check", str(spec), "--no-cache")
    _no_internal_error(proc)
    assert proc.returncode == 1 and "E0108" in proc.stderr and "deep.hpcspec:" in proc.stderr


def test_a_walltime_beyond_any_scheduler_is_refused(tmp_path: Path):
    (tmp_path / "testsite.hpcspec").write_text(SITE)
    spec = tmp_path / "demo.hpcspec"
    spec.write_text(minimal_code(extra="job { walltime = 9007199254740992d }"))
    proc = run_cli("check", str(spec), "--no-cache")
    _no_internal_error(proc)
    assert proc.returncode == 1 and ("E0205" in proc.stderr or "E0104" in proc.stderr)
    spec.write_text(minimal_code(extra="job { walltime = 400d }"))
    proc = run_cli("check", str(spec), "--no-cache")
    assert proc.returncode == 1 and "E0205" in proc.stderr and "longer than any scheduler" in proc.stderr


def test_a_long_line_of_errors_renders_in_linear_time(tmp_path: Path):
    spec = tmp_path / "long.hpcspec"
    spec.write_text("platform p { sources = [" + ", ".join(["1"] * 20000) + "] }\n")
    started = time.monotonic()
    proc = run_cli("check", str(spec), "--no-cache")
    assert proc.returncode == 1 and proc.stderr.count("error[E0204]") == 20000
    assert time.monotonic() - started < 60, "rendering is quadratic in the line length again"


# -- configuration ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, code", [
    ('[tool]\nhpcspec = "s"\n', "E0204"), ("[[tool.hpcspec]]\npath = []\n", "E0204"),
    ('[tool.hpcspec]\npaht = ["x"]\n', "E0201"), ('[tool.hpcspec]\npath = "x"\n', "E0204"),
])
def test_a_malformed_tool_hpcspec_table_is_a_located_error(ring: Path, text: str, code: str):
    (ring.parent / "pyproject.toml").write_text(text)
    proc = run_cli("check", str(ring), "--no-cache")
    _no_internal_error(proc)
    assert proc.returncode == 1 and code in proc.stderr and "pyproject.toml:" in proc.stderr


def test_a_typo_in_hpcspec_toml_is_reported(ring: Path):
    (ring.parent / "hpcspec.toml").write_text('paths = ["platforms"]\n')
    proc = run_cli("check", str(ring), "--no-cache")
    assert proc.returncode == 1 and "E0201" in proc.stderr and "did you mean `path`?" in proc.stderr


# -- reading specs ---------------------------------------------------------------------------------

def test_cr_line_endings_are_lines(tmp_path: Path, ring: Path):
    ring.write_text(ring.read_text().replace("\n", "\r"))
    proc = run_cli("check", str(ring), "--no-cache")
    assert proc.returncode == 0, proc.stderr
    text = RING.read_text().replace('version     = "1.0"', 'version     = 1.0')
    line = text[:text.index("version     = 1.0")].count("\n") + 1
    ring.write_text(text.replace("\n", "\r\n"))
    proc = run_cli("check", str(ring), "--no-cache")
    assert proc.returncode == 1 and f"mpi-ring.hpcspec:{line}:" in proc.stderr, proc.stderr


def test_an_absolute_import_of_a_non_spec_file_never_shows_its_contents(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password = hunter2\n")
    spec = tmp_path / "x.hpcspec"
    spec.write_text(f'import "{secret}"\nplatform x {{}}\n')
    proc = run_cli("check", str(spec), "--no-cache")
    assert proc.returncode == 1 and "E0301" in proc.stderr and "hunter2" not in proc.stderr


def test_an_override_cannot_change_extends(tmp_path: Path):
    (tmp_path / "testsite.hpcspec").write_text(SITE)
    spec = tmp_path / "demo.hpcspec"
    spec.write_text(minimal_code(extra='job { walltime = 1h }\n override { extends = "nonexistent" }'))
    proc = run_cli("check", str(spec), "--no-cache")
    assert proc.returncode == 1 and "E0306" in proc.stderr and "demo.hpcspec:" in proc.stderr


def test_compiler_flags_cannot_be_expanded_by_make(tmp_path: Path):
    (tmp_path / "testsite.hpcspec").write_text(SITE)
    spec = tmp_path / "demo.hpcspec"
    for flag in ("$(shell touch /tmp/x)", "`id`"):
        spec.write_text(minimal_code(extra=f'job {{ walltime = 1h }}\n build {{ cflags = ["{flag.replace("$", "$$")}"] }}'))
        proc = run_cli("check", str(spec), "--no-cache")
        assert proc.returncode == 1 and "E0205" in proc.stderr and "make and the shell" in proc.stderr


# -- messages ----------------------------------------------------------------------------------------

def test_ascii_only_output_with_non_ascii_text(tmp_path: Path, ring: Path):
    out = tmp_path / "out"
    assert run_cli("compile", str(ring), "-o", str(out)).returncode == 0
    ring.write_text(RING.read_text().replace('description = "', 'description = "Ünïcødé ✓ '))
    proc = run_cli("compile", str(ring), "-o", str(out), "--check", "--no-cache",
                   env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C"})
    _no_internal_error(proc)
    assert proc.returncode == 1 and "\\xdc" in proc.stdout, proc.stdout[-500:]


def _raw(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPCSPEC_") or k == "HPCSPEC_CACHE_DIR"}
    return subprocess.run([sys.executable, "-m", "hpcspec", *args], cwd=cwd, env=env, timeout=120, **kwargs)


def test_stdout_on_a_full_device_does_not_change_the_outcome(tmp_path: Path, ring: Path):
    with open("/dev/full", "w") as full:
        proc = _raw(["compile", str(ring), "-o", str(tmp_path / "out")], tmp_path, stdout=full,
                    stderr=subprocess.PIPE, text=True)
    _no_internal_error(proc)
    assert proc.returncode == 0 and (tmp_path / "out" / "mpi-ring" / ".hpcspec").is_file()


def test_a_closed_stderr_does_not_change_the_outcome(tmp_path: Path, ring: Path):
    bad = tmp_path / "bad.hpcspec"
    bad.write_text(RING.read_text().replace('version     = "1.0"', "version = 1.0"))
    for spec, expected in ((ring, 0), (bad, 1)):
        proc = _raw(["check", str(spec), "--no-cache"], tmp_path, stdout=subprocess.PIPE,
                    preexec_fn=lambda: os.close(2))
        assert proc.returncode == expected


def test_a_reader_that_stops_early_does_not_change_the_outcome(tmp_path: Path, ring: Path):
    out = tmp_path / "out"
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-m", "hpcspec", "compile", str(ring), str(RING), "-o", str(out),
                                 "--check", "--no-cache"], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.stdout.close()  # like `| head -0`: every write to stdout fails with EPIPE
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1 and b"internal error" not in err and b"Traceback" not in err
    proc = subprocess.run(f"{sys.executable} -m hpcspec check {RING} | head -c 1", shell=True, cwd=tmp_path,
                          capture_output=True, text=True, executable="/bin/bash")
    assert "internal error" not in proc.stderr


def test_no_colour_for_a_dumb_terminal():
    from hpcspec.diagnostics import use_colour

    class Terminal:
        def isatty(self):
            return True

    old = dict(os.environ)
    try:
        os.environ.pop("NO_COLOR", None)
        os.environ["TERM"] = "dumb"
        assert not use_colour(Terminal())
        os.environ["TERM"] = "xterm-256color"
        assert use_colour(Terminal())
    finally:
        os.environ.clear()
        os.environ.update(old)
