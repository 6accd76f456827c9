"""`hpcspec init`: skeletons that check as they are and are already formatted; never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpcspec import probe, skeleton
from hpcspec.skeleton import BUILD_KINDS, Host

from support import run_in_process as run_cli




def _checks_and_is_formatted(path: Path) -> None:
    checked = run_cli("check", path.name, "--no-cache", cwd=path.parent)
    assert checked.returncode == 0, checked.stderr + path.read_text()
    formatted = run_cli("fmt", "--check", path.name, cwd=path.parent)
    assert formatted.returncode == 0, formatted.stdout
    assert "TODO" in path.read_text()


@pytest.mark.parametrize("build", BUILD_KINDS)
def test_a_code_skeleton_checks_as_it_is(tmp_path: Path, build: str):
    proc = run_cli("init", "code", "demo", "--build", build, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "wrote demo.hpcspec; next: hpcspec check demo.hpcspec" in proc.stderr
    spec = tmp_path / "demo.hpcspec"
    assert f"build {build} {{" in spec.read_text()
    _checks_and_is_formatted(spec)
    compiled = run_cli("compile", "demo.hpcspec", "-o", "out", "--no-cache", cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stderr


def test_existing_files_are_never_overwritten(tmp_path: Path):
    spec = tmp_path / "demo.hpcspec"
    spec.write_text("mine\n")
    proc = run_cli("init", "code", "demo", "--build", "make", cwd=tmp_path)
    assert proc.returncode == 2
    assert "demo.hpcspec already exists; hpcspec init never overwrites a file" in proc.stderr
    assert spec.read_text() == "mine\n"
    (tmp_path / "dangling.hpcspec").symlink_to(tmp_path / "nowhere")
    assert run_cli("init", "code", "demo", "--build", "make", "-o", "dangling.hpcspec", cwd=tmp_path).returncode == 2
    assert not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.hpcspec", "demo.hpcspec"]  # no temporary left


def test_output_to_stdout_and_another_file(tmp_path: Path):
    proc = run_cli("init", "code", "demo", "--build", "cmake", "-o", "-", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("# demo: TODO")
    assert list(tmp_path.iterdir()) == []
    proc = run_cli("init", "code", "demo", "--build", "cmake", "-o", "specs/x.hpcspec", cwd=tmp_path)
    assert proc.returncode == 2  # no such directory: nothing is created
    assert run_cli("init", "code", "demo", "--build", "cmake", "-o", "x.hpcspec", cwd=tmp_path).returncode == 0
    assert "hpcspec check x.hpcspec" in (tmp_path / "x.hpcspec").read_text()


@pytest.mark.parametrize("args", [("code", "bad name", "--build", "make"), ("code", "demo"),
                                  ("platform", "site", "--build", "make"), ("code", "demo", "--build", "scons")])
def test_usage_errors(tmp_path: Path, args):
    assert run_cli("init", *args, cwd=tmp_path).returncode == 2
    assert list(tmp_path.iterdir()) == []


HOST = Host(sockets=2, cores_per_socket=8, threads_per_core=2, numa_regions=2, memory_gib=64, microarch="zen2",
            cpu_model="AMD EPYC 7302", gcc="12.2.0", scheduler=("slurm", ["slurm"]),
            runtime=("apptainer", "1.3.4", ["apptainer", "singularity"]))
MPICH = probe.ProbeResult(
    name="mpi", library="/usr/lib/libmpich.so.12", real_path="/usr/lib/libmpich.so.12.3.0", soname="libmpich.so.12",
    abi="mpich", version="4.1", standard="4.0", version_text="MPICH Version: 4.1\nMPICH Release date: x",
    root="/usr", dependencies=[probe.Dependency("libhwloc.so.15", "/usr/lib/libhwloc.so.15.6.1")],
    skipped=["libc.so.6 (glibc: the container has its own)"], dest="/opt/hpcspec/host/mpi", plugin="pmi2")


def test_a_platform_skeleton_from_what_the_host_says(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(probe, "probe", lambda name, *a, **k: MPICH)
    monkeypatch.setattr(skeleton, "probe_host", lambda: HOST)
    proc = run_cli("init", "platform", "site", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    spec = tmp_path / "site.hpcspec"
    text = spec.read_text()
    assert 'scheduler slurm {}  # TODO: its version = "..."' in text and "launcher srun {}" in text
    assert 'runtime apptainer { version = "1.3.4" }' in text and "also found: singularity" in text
    assert "mpi mpich {" in text and '"/usr/lib/libhwloc.so.15.6.1:/opt/hpcspec/host/mpich/libhwloc.so.15",' in text
    assert "cores_per_socket = 8" in text and 'microarch        = "zen2"' in text
    _checks_and_is_formatted(spec)


def test_without_an_mpi_the_platform_skeleton_says_so(tmp_path: Path, monkeypatch):
    def nothing(*args, **kwargs):
        raise probe.ProbeError("no MPI library found by ldconfig")

    monkeypatch.setattr(probe, "probe", nothing)
    monkeypatch.setattr(skeleton, "probe_host", lambda: Host())
    proc = run_cli("init", "platform", "site", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no host MPI found (no MPI library found by ldconfig)" in proc.stderr
    text = (tmp_path / "site.hpcspec").read_text()
    assert "# TODO: no host MPI was found here (no MPI library found by ldconfig). Load" in text
    assert "scheduler (TODO: none found on PATH)" in text and "runtime (TODO: none found on PATH)" in text
    _checks_and_is_formatted(tmp_path / "site.hpcspec")


def test_a_platform_skeleton_of_this_machine(tmp_path: Path):
    proc = run_cli("init", "platform", "here", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _checks_and_is_formatted(tmp_path / "here.hpcspec")
