"""Schedulers and launchers beyond Slurm with srun: PBS Pro in ALCF's and NCI's dialects, Flux,
Grid Engine (the out-of-tree plug-in), and the mpiexec/mpirun launchers. Every script is checked
by shellcheck and run with stub commands that record how they were called."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hpcspec.api import compile_files

from support import SITE, minimal_code, shellcheck

NODE = """  node {
    sockets = 1
    cores_per_socket = 32
    threads_per_core = 2
    numa_regions = 4
    memory = 512GiB
    microarch = "zen3"
  }
  runtime apptainer { version = "1.4.1" }
  compiler gnu { family = "gcc" version = "12.3" }
"""
MPICH = """  mpi cray-mpich {{
    abi = "mpich"
    version = "8.1.28"
    binds = ["/opt/cray"]
    ld_library_path = ["/opt/cray/pe/mpich/8.1.28/ofi/gnu/12.3/lib-abi-mpich"]
    launcher = "{launcher}"
  }}
"""

SITES = {
    # ALCF Polaris' conventions: whole nodes by select with system=, filesystems mandatory
    "alcf": """platform alcf {
  scheduler pbs {
    chunk_cpus = false
    chunk = ["system=polaris"]
    required_resources = ["filesystems"]
  }
  account_required = true
  launcher mpiexec { kind = "pals" }
""" + NODE + MPICH.format(launcher="mpiexec") + """  partition debug { max_nodes = 2 max_walltime = 1h }
  job { partition = "debug" resources { filesystems = "home:eagle" } }
}
""",
    # NCI Gadi's conventions: whole-job amounts, -P project, jobfs and storage, -l wd
    "nci": """platform nci {
  scheduler pbs {
    select = false
    account_option = "-P"
    working_directory = true
  }
  launcher mpirun { kind = "hydra" command = "mpirun" hostfile = true }
""" + NODE + MPICH.format(launcher="mpirun") + """  partition normal { max_walltime = 48h }
  job { partition = "normal" }
}
""",
    "flux": """platform fluxsite {
  scheduler flux { }
  launcher flux { pmi = ["cray-pals"] }
""" + NODE + MPICH.format(launcher="flux") + """  partition pbatch { max_walltime = 24h }
  job { partition = "pbatch" }
}
""",
    "sge": """platform sgesite {
  scheduler gridengine { parallel_environment = "mpi" allocation_rule = 64 memory_resource = "h_vmem" }
  launcher mpiexec { kind = "hydra" hostfile = true }
""" + NODE + MPICH.format(launcher="mpiexec") + """  partition "all.q" { }
  job { partition = "all.q" }
}
""",
}
PLATFORM = {"alcf": "alcf", "nci": "nci", "flux": "fluxsite", "sge": "sgesite"}
SCRIPT = {"alcf": "job.pbs", "nci": "job.pbs", "flux": "job.flux", "sge": "job.sge"}


def _compile(tmp_path: Path, site: str, job: str, extra: str = ""):
    name = PLATFORM[site]
    (tmp_path / f"{name}.hpcspec").write_text(SITES[site])
    (tmp_path / "demo.hpcspec").write_text(minimal_code(site=name, target="t", extra=f"job {{ {job} }}\n{extra}"))
    return compile_files([str(tmp_path / "demo.hpcspec")])


def _script(result, site: str) -> str:
    assert result.ok, result.diagnostics
    return next(a for a in result.artifacts if a.path == f"demo/t/{SCRIPT[site]}").content.decode()


def _lint(tmp_path: Path, text: str) -> None:
    path = tmp_path / "lint.sh"
    path.write_text(text)
    proc = subprocess.run([shellcheck(), "--severity=style", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def _run(tmp_path: Path, text: str, env: dict[str, str], files: dict[str, str] = {}) -> list[list[str]]:
    """Run a batch script with stubs for every command it may call; return their argv lines."""
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    for command in ("mpiexec", "mpirun", "srun", "apptainer", "singularity", "module"):
        (stubs / command).write_text(f'#!/bin/sh\nprintf "%s\\n" "{command} $*" >> "{log}"\n')
        (stubs / command).chmod(0o755)
    (stubs / "flux").write_text(f'#!/bin/sh\n[ "$1 $2" = "getattr size" ] && {{ echo 2; exit 0; }}\n'
                                f'printf "%s\\n" "flux $*" >> "{log}"\n')
    (stubs / "flux").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "demo.sif").write_text("image\n")
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    script = tmp_path / "job.sh"
    script.write_text(text)
    full = {"PATH": f"{stubs}:/usr/bin:/bin", "HOME": str(tmp_path), **env}
    proc = subprocess.run(["bash", str(script), "ARG"], cwd=work, env=full, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines() if log.exists() else []
    hostfiles = [p for p in work.iterdir() if p.name.startswith(".hpcspec-")]
    assert not hostfiles, f"temporary files left behind: {hostfiles}"
    return [call.split() for call in calls]


def test_pbs_in_alcfs_dialect(tmp_path):
    text = _script(_compile(tmp_path, "alcf", 'nodes = 2 tasks_per_node = 4 cpus_per_task = 8 walltime = 30min '
                                              'account = "Proj1"'), "alcf")
    lines = text.splitlines()
    assert "#PBS -l select=2:system=polaris" in lines, "whole nodes: no ncpus/mpiprocs in the chunk"
    assert "#PBS -l place=scatter" in lines and "#PBS -l walltime=00:30:00" in lines
    assert "#PBS -l filesystems=home:eagle" in lines and "#PBS -A Proj1" in lines and "#PBS -q debug" in lines
    # PBS starts jobs in the home directory: the script goes to the submission directory, and
    # still runs (in the current one) outside PBS under `set -u`
    assert 'workdir="${PBS_O_WORKDIR:-${PWD}}"' in lines and 'cd "${workdir}"' in lines
    _lint(tmp_path, text)
    calls = _run(tmp_path, text, {"PBS_O_WORKDIR": str(tmp_path / "work"), "PBS_NODEFILE": str(tmp_path / "nodes")},
                 {"nodes": "x1\nx1\nx1\nx1\nx2\nx2\nx2\nx2\n"})
    [call] = calls
    assert call[:10] == ["mpiexec", "-n", "8", "--ppn", "4", "--depth", "8", "--cpu-bind", "depth", "apptainer"]
    assert call[-1] == "ARG"


def test_a_site_resource_left_out_is_a_located_error(tmp_path):
    (tmp_path / "alcf.hpcspec").write_text(SITES["alcf"].replace(' resources { filesystems = "home:eagle" }', ""))
    (tmp_path / "demo.hpcspec").write_text(minimal_code(site="alcf", extra="job { walltime = 30min }"))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert [d.code for d in result.diagnostics] == ["E0607"]
    span = result.diagnostics[0].span
    assert span.file.endswith("demo.hpcspec") and span.line == 14, "the target's own job block"


def test_pbs_in_ncis_dialect(tmp_path):
    text = _script(_compile(tmp_path, "nci", 'nodes = 2 tasks_per_node = 16 cpus_per_task = 2 walltime = 2h '
                                             'memory = 128GiB account = "ab12" '
                                             'resources { jobfs = "100GB" storage = "gdata/ab12+scratch/ab12" }'),
                   "nci")
    lines = text.splitlines()
    assert not any("select=" in line for line in lines)
    assert "#PBS -l ncpus=64" in lines and "#PBS -l mem=262144MB" in lines
    assert "#PBS -l jobfs=100GB" in lines and "#PBS -l storage=gdata/ab12+scratch/ab12" in lines
    assert "#PBS -l wd" in lines and "#PBS -P ab12" in lines and "#PBS -l walltime=02:00:00" in lines
    _lint(tmp_path, text)
    calls = _run(tmp_path, text, {"PBS_O_WORKDIR": str(tmp_path / "work"), "PBS_NODEFILE": str(tmp_path / "nodes")},
                 {"nodes": "n1\n" * 32 + "n2\n" * 32})
    [call] = calls
    assert call[:7] == ["mpirun", "-n", "32", "-ppn", "16", "-f", call[6]]


def test_hydra_gets_a_host_file_of_the_jobs_hosts(tmp_path):
    """The host file is written from the scheduler's node list, in the launcher's format, and
    removed after the job."""
    text = _script(_compile(tmp_path, "nci", "nodes = 2 tasks_per_node = 4 walltime = 1h"), "nci")
    recorder = text.replace('mpirun -n', 'cp "${hostfile}" "${PBS_O_WORKDIR}/../hosts.copy"; mpirun -n', 1)
    _run(tmp_path, recorder, {"PBS_O_WORKDIR": str(tmp_path / "work"), "PBS_NODEFILE": str(tmp_path / "nodes")},
         {"nodes": "n1\n" * 4 + "n2\n" * 4})
    assert (tmp_path / "hosts.copy").read_text() == "n1:4\nn2:4\n"


def test_flux(tmp_path):
    text = _script(_compile(tmp_path, "flux", "nodes = 2 tasks_per_node = 8 cpus_per_task = 4 walltime = 90min "
                                              'exclusive = true account = "guests"'), "flux")
    lines = text.splitlines()
    directives = [line for line in lines if line.startswith("# flux:")]
    assert directives == ["# flux: --job-name=demo-t", "# flux: -N 2", "# flux: -n 16", "# flux: -c 4",
                          "# flux: --exclusive", "# flux: -t 90m", "# flux: -q pbatch", "# flux: --bank=guests"]
    assert lines[1:1 + len(directives)] == directives, "directives are grouped at the top (RFC 36)"
    _lint(tmp_path, text)
    [call] = _run(tmp_path, text, {})
    assert call[:12] == ["flux", "run", "-N", "2", "-n", "16", "-c", "4", "-o", "cpu-affinity=per-task", "-o",
                         "pmi=cray-pals"]


def test_grid_engine(tmp_path):
    text = _script(_compile(tmp_path, "sge", "nodes = 2 tasks_per_node = 32 cpus_per_task = 2 walltime = 1h "
                                             "memory = 256GiB smt = true"), "sge")
    lines = text.splitlines()
    assert "#$ -pe mpi 128" in lines and "#$ -l h_rt=01:00:00" in lines and "#$ -q all.q" in lines
    assert "#$ -l h_vmem=4096M" in lines, "memory per slot"
    assert "#$ -cwd" in lines and "#$ -S /bin/bash" in lines
    _lint(tmp_path, text)
    (tmp_path / "pe").write_text("h1 64 all.q@h1 UNDEFINED\nh2 64 all.q@h2 UNDEFINED\n")
    [call] = _run(tmp_path, text, {"PE_HOSTFILE": str(tmp_path / "pe"), "SGE_O_WORKDIR": str(tmp_path / "work")})
    assert call[:5] == ["mpiexec", "-n", "64", "-ppn", "32"]


def test_grid_engine_checks_the_parallel_environment(tmp_path):
    result = _compile(tmp_path, "sge", "nodes = 2 tasks_per_node = 16 walltime = 1h")
    assert [d.code for d in result.diagnostics] == ["E0507"]
    assert "grants 64 slots per host" in result.diagnostics[0].message


@pytest.mark.parametrize("site, key", [("flux", "memory = 64GiB"), ("alcf", "gpus_per_node = 1")])
def test_what_a_scheduler_cannot_express_is_refused(tmp_path, site, key):
    result = _compile(tmp_path, site, f"walltime = 1h {key}")
    codes = [d.code for d in result.diagnostics]
    assert "E0507" in codes or "E0604" in codes


def test_srun_on_pbs_is_refused(tmp_path):
    site = SITES["alcf"].replace('launcher mpiexec { kind = "pals" }', "launcher srun { }").replace(
        'launcher = "mpiexec"', 'launcher = "srun"')
    (tmp_path / "alcf.hpcspec").write_text(site)
    (tmp_path / "demo.hpcspec").write_text(minimal_code(site="alcf", extra="job { walltime = 30min }"))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert not result.ok and not result.artifacts
    assert [d.code for d in result.diagnostics] == ["E0507"]
    assert "runs under slurm" in result.diagnostics[0].message


def test_open_mpi_mpirun_cannot_start_an_mpich_abi_mpi(tmp_path):
    site = SITE.replace('launcher = "srun"\n    plugin = "cray_shasta"', 'launcher = "mpirun"')
    (tmp_path / "testsite.hpcspec").write_text(site)
    (tmp_path / "demo.hpcspec").write_text(minimal_code(extra="job { walltime = 1h }"))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert [d.code for d in result.diagnostics] == ["E0508"]


def test_every_scheduler_and_launcher_is_a_registered_plugin():
    from hpcspec.registry import registry

    assert {"slurm", "pbs", "flux", "gridengine"} <= set(registry("scheduler"))
    assert {"srun", "hydra", "openmpi", "pals", "flux"} <= set(registry("launcher"))
    assert {"apptainer", "singularity", "charliecloud"} <= set(registry("runtime"))


@pytest.mark.parametrize("threads, smt, asked", [(True, False, 32), (False, False, 16), (True, True, 16)])
def test_slurm_counts_cpus_as_the_site_does(tmp_path, threads, smt, asked):
    # NERSC: a Slurm CPU is a hardware thread, so 16 cores a task is `-c 32`; elsewhere (or with
    # SMT, where the task's threads are its CPUs) -c is the task's CPUs as written
    site = SITE.replace("scheduler slurm {", "scheduler slurm {\n    cpus_are_threads = %s" % str(threads).lower(), 1)
    assert site != SITE
    (tmp_path / "testsite.hpcspec").write_text(site)
    job = f"tasks_per_node = 4 cpus_per_task = 16 walltime = 1h smt = {str(smt).lower()}"
    (tmp_path / "demo.hpcspec").write_text(minimal_code(extra=f"job {{ {job} }}\n"))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert result.ok, [d.message for d in result.diagnostics]
    script = next(a for a in result.artifacts if a.path == "demo/t/job.slurm").content.decode()
    assert f"#SBATCH --cpus-per-task={asked}\n" in script
    assert "export OMP_NUM_THREADS=16\n" in script, "threads follow cpus_per_task, not Slurm's count"
    assert 'export SRUN_CPUS_PER_TASK="${SLURM_CPUS_PER_TASK}"' in script
