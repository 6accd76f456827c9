"""Schedulers: Slurm, PBS Pro and Flux (registered in ``hpcspec.schedulers``).

Like ReFrame's scheduler classes, a scheduler emits its preamble as a list of lines; the batch
template lays out the rest (see plugin.py for the contract).

- Slurm [sbatch(1)]: ``#SBATCH`` options; ``--time`` as ``[D-]HH:MM:SS``; Slurm 22.05+ no longer
  passes ``--cpus-per-task`` from the job to srun: ``SRUN_CPUS_PER_TASK`` is exported for it.
- PBS Pro [PBS Professional User's Guide; ALCF and NCI user guides]: ``#PBS`` options; either
  chunks (``-l select=N:ncpus=C:mpiprocs=P:ompthreads=T[:extra]`` with ``-l place=``; ALCF adds
  ``system=polaris`` and needs ``-l filesystems=``) or whole-job amounts (NCI Gadi:
  ``-l ncpus=``, ``-l mem=``, ``-l jobfs=``, ``-l storage=``, ``-l wd``, ``-P project``);
  ``-l walltime=HH:MM:SS``; the hosts are in ``$PBS_NODEFILE``, one line per MPI process.
- Flux [flux-batch(1), RFC 36]: ``# flux:`` directives grouped at the top (``-N``, ``-n`` slots,
  ``-c`` cores per slot, ``-g`` GPUs per slot, ``--exclusive``, ``-t`` minutes, ``-q``,
  ``--bank``, ``--job-name``); submitted with ``flux batch``; inside, ``flux getattr size`` is
  the number of nodes (one broker per node).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from hpcspec.models.types import Name, _pattern
from hpcspec.nodes import Duration

from .plugin import Scheduler, SchedulerOptions, version_at_least

if TYPE_CHECKING:
    from hpcspec.diagnostics import Report
    from hpcspec.facts import TargetFacts
    from hpcspec.ir import TargetPlan

# A PBS resource as `name=value` (a chunk resource, or a whole-job `-l` resource).
Resource = Annotated[str, Field(max_length=256), _pattern(
    "hpcspec_resource", r"[A-Za-z][A-Za-z0-9_]*=[A-Za-z0-9_.:+/@%=\-]+", "a resource `name=value`",
    'write one resource, e.g. "system=polaris"')]


class SlurmOptions(SchedulerOptions):
    srun_cpus_per_task: bool | None = Field(
        None, description='Export `SRUN_CPUS_PER_TASK` (Slurm 22.05+ no longer passes `--cpus-per-task` '
                          'on to srun). Unset: derived from the version (on when the version is not '
                          'given).')
    cpus_are_threads: bool = Field(
        False, description='Slurm counts a CPU as a hardware thread on these nodes (NERSC: `-c` is logical '
                           'CPUs): unless the job uses SMT, `--cpus-per-task` asks for threads_per_core x '
                           'cpus_per_task, so that each task has its cpus_per_task whole cores '
                           '(OMP_NUM_THREADS stays cpus_per_task).')
    gpu_option: Literal["gres", "gpus-per-node"] = Field(
        "gres", description='How a job asks for GPUs per node: `--gres=gpu:N` or `--gpus-per-node=N` (LUMI, '
                            'Perlmutter).')


class Slurm(Scheduler):
    name = "slurm"
    summary = "Slurm: #SBATCH directives, sbatch"
    Options = SlurmOptions
    script_name = "job.slurm"
    submit = "sbatch"
    account_option = "--account="
    submit_dir = "SLURM_SUBMIT_DIR"
    node_count = '"${SLURM_JOB_NUM_NODES}"'
    expresses = frozenset({"gpus_per_node", "memory", "exclusive"})
    reserved_env = {"SRUN_CPUS_PER_TASK": "hpcspec sets it from cpus_per_task",
                    "CUDA_VISIBLE_DEVICES": "Slurm and hpcspec's GPU binding set it per rank",
                    "ROCR_VISIBLE_DEVICES": "Slurm and hpcspec's GPU binding set it per rank"}
    reserved_prefixes = ("SLURM_",)

    def directives(self, target: "TargetPlan") -> list[str]:
        job = target.job
        options = [
            f"--job-name={job.name}",
            f"--nodes={job.nodes}",
            f"--ntasks-per-node={job.tasks_per_node}",
            f"--cpus-per-task={self.slurm_cpus(job)}",
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
        gpu = target.gpu
        if gpu is not None and gpu.per_task and gpu.binding == "scheduler":
            options.append(f"--gpus-per-task={gpu.per_task}")  # Slurm gives each task its own
        elif gpu is not None:
            # the job's wrapper picks each rank's GPUs among all of the node's: ask per node
            per_node = self.options.gpu_option  # type: ignore[attr-defined]
            options.append(f"--gres=gpu:{gpu.per_node}" if per_node == "gres"
                           else f"--gpus-per-node={gpu.per_node}")
        if job.memory is not None:
            options.append(f"--mem={job.memory.mebibytes()}M")
        if job.smt and job.threads_per_core > 1:
            options.append(f"--threads-per-core={job.threads_per_core}")
        options += target.runtime.job_options(target)  # e.g. Shifter's --image= and --module=
        options += self.options.directives  # type: ignore[attr-defined]
        return [f"#SBATCH {option}" for option in options]

    def slurm_cpus(self, job) -> int:
        """--cpus-per-task in Slurm's CPUs: hardware threads where the site counts those."""
        if self.options.cpus_are_threads and not job.smt:  # type: ignore[attr-defined]
            return job.cpus_per_task * job.threads_per_core
        return job.cpus_per_task

    def exports_srun_cpus(self) -> bool:
        chosen = self.options.srun_cpus_per_task  # type: ignore[attr-defined]
        if chosen is not None:
            return chosen
        version = self.options.version  # type: ignore[attr-defined]
        return version is None or version_at_least(version, "22.05")

    def launch_lines(self, target: "TargetPlan") -> list[str]:
        if self.exports_srun_cpus() and target.launcher.name == "srun":
            # Slurm 22.05+: srun no longer takes --cpus-per-task from the job
            return ['export SRUN_CPUS_PER_TASK="${SLURM_CPUS_PER_TASK}"']
        return []

    def host_list_lines(self, target: "TargetPlan", path_var: str) -> list[str]:
        return [f'scontrol show hostnames "${{SLURM_JOB_NODELIST}}" | '
                f"awk '{{ print $1, {target.job.tasks_per_node} }}' > \"${{{path_var}}}\""]


class PbsOptions(SchedulerOptions):
    select: bool = Field(
        True, description='Ask for chunks (`-l select=N:...`); false: amounts for the whole job (`-l '
                          'ncpus=`, `-l mem=`, as at NCI Gadi).')
    chunk_cpus: bool = Field(
        True, description='Give `ncpus`, `mpiprocs` and `ompthreads` in each chunk (false where the site '
                          'asks for whole nodes, `select=N` only, as at ALCF).')
    chunk: list[Resource] = Field(
        [], description='Extra resources of every chunk, e.g. "system=polaris".')
    place: Name | None = Field(
        "scatter", description='`-l place=` (with `:excl` for exclusive jobs).')
    required_resources: list[Name] = Field(
        [], description='Resources every job must give in its `job { resources { } }` (ALCF: file '
                        'systems); E0607 when one is missing.')
    account_option: Literal["-A", "-P"] = Field(
        "-A", description='The option that charges an account: `-A`, or `-P` for a project (NCI Gadi).')
    working_directory: bool = Field(
        False, description='Add `-l wd`: start the job in the submission directory (NCI).')


class Pbs(Scheduler):
    name = "pbs"
    summary = "PBS Pro / OpenPBS: #PBS directives, qsub; select chunks or whole-job amounts"
    Options = PbsOptions
    script_name = "job.pbs"
    submit = "qsub"
    passes_arguments = False  # qsub takes a script and no arguments for it (`-- ARGS` runs a program)
    submit_dir = "PBS_O_WORKDIR"
    node_count = '"$(sort -u "${PBS_NODEFILE}" | wc -l)"'
    reserved_prefixes = ("PBS_",)

    @property
    def account_option(self) -> str:  # type: ignore[override]
        return self.options.account_option + " "  # type: ignore[attr-defined]

    def directives(self, target: "TargetPlan") -> list[str]:
        job, options = target.job, self.options
        lines = [f"-N {job.name}"]
        if options.select:  # type: ignore[attr-defined]
            chunk = f"select={job.nodes}"
            if options.chunk_cpus:  # type: ignore[attr-defined]
                chunk += (f":ncpus={job.tasks_per_node * job.cpus_per_task}:mpiprocs={job.tasks_per_node}"
                          f":ompthreads={job.cpus_per_task}")
            if job.gpus_per_node:
                chunk += f":ngpus={job.gpus_per_node}"
            if job.memory is not None:
                chunk += f":mem={job.memory.mebibytes()}mb"
            chunk += "".join(f":{extra}" for extra in options.chunk)  # type: ignore[attr-defined]
            lines.append(f"-l {chunk}")
            if options.place:  # type: ignore[attr-defined]
                lines.append(f"-l place={options.place}{':excl' if job.exclusive else ''}")  # type: ignore
        else:
            lines.append(f"-l ncpus={job.nodes * job.tasks_per_node * job.cpus_per_task}")
            if job.gpus_per_node:
                lines.append(f"-l ngpus={job.nodes * job.gpus_per_node}")
            if job.memory is not None:
                lines.append(f"-l mem={job.nodes * job.memory.mebibytes()}MB")
        lines.append(f"-l walltime={job.walltime.total_hms()}")
        lines += [f"-l {name}={value}" for name, value in job.resources]
        if options.working_directory:  # type: ignore[attr-defined]
            lines.append("-l wd")
        if job.partition:
            lines.append(f"-q {job.partition}")
        if job.account:
            lines.append(f"{options.account_option} {job.account}")  # type: ignore[attr-defined]
        lines.append("-j oe")
        lines += options.directives  # type: ignore[attr-defined]
        return [f"#PBS {line}" for line in lines]

    def setup_lines(self, target: "TargetPlan") -> list[str]:
        # PBS starts a job in the home directory: go to the submission directory (`workdir` is
        # $PBS_O_WORKDIR, or the current directory when the script runs outside PBS)
        return ['cd "${workdir}"']

    def host_list_lines(self, target: "TargetPlan", path_var: str) -> list[str]:
        # $PBS_NODEFILE holds a host once per MPI process (or per CPU): count them
        return [f"sort \"${{PBS_NODEFILE}}\" | uniq -c | awk '{{ print $2, $1 }}' > \"${{{path_var}}}\""]

    def check(self, target: "TargetFacts", report: "Report") -> None:
        given = dict(target.job.resources)
        for name in self.options.required_resources:  # type: ignore[attr-defined]
            if name not in given:
                report.error(
                    "E0607", f"`{target.platform_name}` requires every job to give the resource `{name}`",
                    target.job_span("resources"), label=f"`{name}` missing",
                    help=f'add job {{ resources {{ {name} = "..." }} }} to the target (or to the platform\'s '
                         "job defaults); see the site's documentation for the values it takes")


def _minutes(duration: Duration) -> int:
    return max(1, math.ceil(duration.seconds / 60))


class Flux(Scheduler):
    name = "flux"
    summary = "Flux: # flux: directives, flux batch"
    script_name = "job.flux"
    submit = "flux batch"
    account_option = "--bank="
    node_count = '"$(flux getattr size)"'
    expresses = frozenset({"gpus_per_node", "exclusive"})
    reserved_prefixes = ("FLUX_",)

    def directives(self, target: "TargetPlan") -> list[str]:
        job = target.job
        lines = [f"--job-name={job.name}", f"-N {job.nodes}", f"-n {job.nodes * job.tasks_per_node}",
                 f"-c {job.cpus_per_task}"]
        if job.gpus_per_node and job.gpus_per_node % job.tasks_per_node == 0:
            lines.append(f"-g {job.gpus_per_node // job.tasks_per_node}")
        if job.exclusive:
            lines.append("--exclusive")
        lines.append(f"-t {_minutes(job.walltime)}m")
        if job.partition:
            lines.append(f"-q {job.partition}")
        if job.account:
            lines.append(f"--bank={job.account}")
        lines += self.options.directives  # type: ignore[attr-defined]
        return [f"# flux: {line}" for line in lines]

    def check(self, target: "TargetFacts", report: "Report") -> None:
        job = target.job
        if job.gpus_per_node and job.gpus_per_node % job.tasks_per_node:
            report.error("E0507", f"Flux gives GPUs per task: {job.gpus_per_node} GPUs per node do not divide "
                                  f"among {job.tasks_per_node} tasks", target.job_span("gpus_per_node"),
                         label="not a whole number per task",
                         help="ask for a multiple of tasks_per_node GPUs per node")

