"""The scheduler layer: directives from the job shape, and the few lines that differ per scheduler.

Like ReFrame's scheduler classes, a scheduler emits its preamble as a list of lines; the batch
template lays out the rest. A new scheduler is a subclass here plus an entry in SCHEDULERS.
"""

from __future__ import annotations

from hpcspec.ir import TargetPlan
from hpcspec.models.types import version_at_least


class Scheduler:
    name = ""
    script_name = ""
    submit = ""
    prefix = ""  # directive prefix
    submit_dir = ""  # variable holding the submission directory
    job_id = ""

    def directives(self, target: TargetPlan) -> list[str]:
        raise NotImplementedError

    def setup_lines(self, target: TargetPlan) -> list[str]:
        """Shell lines after the checks, before the launch (already quoted)."""
        return []

    def hostfile_lines(self, path_var: str) -> list[str]:
        raise NotImplementedError



class Slurm(Scheduler):
    name = "slurm"
    script_name = "job.slurm"
    submit = "sbatch"
    prefix = "#SBATCH"
    submit_dir = "SLURM_SUBMIT_DIR"
    job_id = "SLURM_JOB_ID"

    def directives(self, target: TargetPlan) -> list[str]:
        job = target.job
        options = [
            f"--job-name={job.name}",
            f"--nodes={job.nodes}",
            f"--ntasks-per-node={job.tasks_per_node}",
            f"--cpus-per-task={job.cpus_per_task}",
            f"--time={job.walltime.hms()}",
        ]
        if job.partition:
            options.append(f"--partition={job.partition}")
        if job.qos:
            options.append(f"--qos={job.qos}")
        if job.account:
            options.append(f"--account={job.account}")
        if job.exclusive:
            options.append("--exclusive")
        if job.gpus_per_node:
            options.append(f"--gres=gpu:{job.gpus_per_node}")
        if job.memory is not None:
            options.append(f"--mem={job.memory.mebibytes()}M")
        if job.smt and job.threads_per_core > 1:
            options.append(f"--threads-per-core={job.threads_per_core}")
        options += target.scheduler.directives
        return [f"{self.prefix} {option}" for option in options]

    def setup_lines(self, target: TargetPlan) -> list[str]:
        if target.scheduler.srun_cpus_per_task and target.launcher.kind == "srun":
            # Slurm 22.05+: srun no longer takes --cpus-per-task from the job
            return ['export SRUN_CPUS_PER_TASK="${SLURM_CPUS_PER_TASK}"']
        return []

    def hostfile_lines(self, path_var: str) -> list[str]:
        return [f'scontrol show hostnames "${{SLURM_JOB_NODELIST}}" > "${{{path_var}}}"']


class Pbs(Scheduler):
    name = "pbs"
    script_name = "job.pbs"
    submit = "qsub"
    prefix = "#PBS"
    submit_dir = "PBS_O_WORKDIR"
    job_id = "PBS_JOBID"

    def directives(self, target: TargetPlan) -> list[str]:
        job = target.job
        chunk = (f"select={job.nodes}:ncpus={job.tasks_per_node * job.cpus_per_task}"
                 f":mpiprocs={job.tasks_per_node}:ompthreads={job.cpus_per_task}")
        if job.gpus_per_node:
            chunk += f":ngpus={job.gpus_per_node}"
        if job.memory is not None:
            chunk += f":mem={job.memory.mebibytes()}mb"
        options = [f"-N {job.name}", f"-l {chunk}", f"-l walltime={job.walltime.total_hms()}",
                   f"-l place=scatter{':excl' if job.exclusive else ''}", "-j oe"]
        if job.partition:
            options.append(f"-q {job.partition}")
        if job.account:
            options.append(f"-A {job.account}")
        options += target.scheduler.directives
        return [f"{self.prefix} {option}" for option in options]

    def setup_lines(self, target: TargetPlan) -> list[str]:
        return ['cd "${PBS_O_WORKDIR}"', 'nodes="$(sort -u "${PBS_NODEFILE}" | wc -l)"']

    def hostfile_lines(self, path_var: str) -> list[str]:
        return [f'sort -u "${{PBS_NODEFILE}}" > "${{{path_var}}}"']


SCHEDULERS: dict[str, type[Scheduler]] = {"slurm": Slurm, "pbs": Pbs}


def srun_needs_cpus_per_task(version: str | None) -> bool:
    """Export SRUN_CPUS_PER_TASK unless the Slurm version is known to predate 22.05."""
    return version is None or version_at_least(version, "22.05")
