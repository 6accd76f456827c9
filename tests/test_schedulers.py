"""The scheduler layer beyond Slurm: a PBS Pro site with mpiexec."""

from __future__ import annotations

import subprocess

from hpcspec.api import compile_files

from support import SITE, minimal_code, shellcheck

PBS_SITE = (SITE.replace("platform testsite", "platform pbssite")
            .replace('scheduler slurm { version = "23.02" }', 'scheduler pbs { directives = ["-m n"] }')
            .replace('launcher srun { flags = ["--hint=nomultithread"] }', 'launcher mpiexec { kind = "hydra" hostfile = true }')
            .replace('launcher = "srun"\n    plugin = "cray_shasta"', 'launcher = "mpiexec"')
            .replace('launcher = "srun"', 'launcher = "mpiexec"'))
CODE = minimal_code(site="pbssite", target="pbs", extra=(
    'job { nodes = 4 tasks_per_node = 32 cpus_per_task = 4 walltime = 20h exclusive = true account = "e123" }'))


def test_pbs_directives_and_launch(tmp_path):
    (tmp_path / "pbssite.hpcspec").write_text(PBS_SITE)
    (tmp_path / "demo.hpcspec").write_text(CODE)
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert result.ok, result.diagnostics
    job = next(a for a in result.artifacts if a.path == "demo/pbs/job.pbs").content.decode()
    lines = job.splitlines()
    assert "#PBS -l select=4:ncpus=128:mpiprocs=32:ompthreads=4" in lines
    assert "#PBS -l walltime=20:00:00" in lines
    assert "#PBS -l place=scatter:excl" in lines
    assert "#PBS -A e123" in lines and "#PBS -q standard" in lines and "#PBS -m n" in lines
    assert 'cd "${PBS_O_WORKDIR}"' in lines
    assert any(line.startswith('mpiexec -n "$(( nodes * 32 ))" -ppn 32 -f "${hostfile}"') for line in lines)
    script = tmp_path / "job.pbs"
    script.write_bytes(job.encode())
    proc = subprocess.run([shellcheck(), "--severity=style", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_srun_on_pbs_is_refused(tmp_path):
    site = PBS_SITE.replace('launcher mpiexec { kind = "hydra" hostfile = true }', "launcher srun { }").replace(
        'launcher = "mpiexec"', 'launcher = "srun"')
    (tmp_path / "pbssite.hpcspec").write_text(site)
    (tmp_path / "demo.hpcspec").write_text(CODE)
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert not result.ok and not result.artifacts
    assert [d.code for d in result.diagnostics] == ["E0507"]
