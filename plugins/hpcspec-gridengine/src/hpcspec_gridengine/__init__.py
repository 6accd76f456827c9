"""Grid Engine (SGE / Son of Grid Engine / Open Grid Engine) for hpcspec: a scheduler plug-in.

Facts [qsub(1), sge_pe(5), sge_complex(5), Son of Grid Engine 8.1.9]:
- directives are ``#$ OPTION`` lines; ``-S`` the shell, ``-cwd`` starts the job in the
  submission directory (also ``$SGE_O_WORKDIR``), ``-j y`` joins stderr to stdout;
- a parallel job asks a parallel environment for slots, ``-pe NAME SLOTS``; the PE's
  ``allocation_rule`` places them: ``$fill_up`` (fill each host), ``$round_robin`` (one per
  host in turn), ``$pe_slots`` (all on one host) or an integer (that many per host);
- ``$PE_HOSTFILE`` lists the granted hosts, one line each: ``HOST SLOTS QUEUE PROCESSORS``;
  ``$NSLOTS`` and ``$NHOSTS`` count them;
- ``-l h_rt=HH:MM:SS`` is the hard run-time limit (built in); memory and GPUs are site
  complexes (``h_vmem``, ``mem_free``, ``gpu``...), consumable per slot;
- ``-q`` a queue, ``-P`` a project.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hpcspec.backends.plugin import Scheduler, SchedulerOptions
from hpcspec.models.job import PositiveInt
from hpcspec.models.types import AbsPath, Name

__all__ = ["GridEngine", "GridEngineOptions"]


class GridEngineOptions(SchedulerOptions):
    # the descriptions are what editors show on hover and what the reference prints (a plug-in
    # documents its own keys; hpcspec's keys.toml knows nothing of it)
    parallel_environment: Name = Field(
        "mpi", description="The parallel environment that grants the job's slots (`qconf -spl`).")
    allocation_rule: Literal["fill_up", "round_robin", "pe_slots"] | PositiveInt = Field(
        "fill_up", description="That parallel environment's `allocation_rule` (`qconf -sp NAME`): "
                               "fill_up, round_robin, pe_slots, or a number of slots per host.")
    shell: AbsPath = Field("/bin/bash", description="The job's shell (`-S`).")
    memory_resource: Name | None = Field(
        None, description="The complex memory is asked with, per slot (h_vmem, mem_free); unset: a job "
                          "cannot ask for memory.")
    gpu_resource: Name | None = Field(
        None, description="The complex GPUs are asked with, per slot (often `gpu`); unset: a job cannot "
                          "ask for GPUs.")
    exclusive_resource: Name | None = Field(
        None, description="A boolean complex for whole hosts (often `exclusive`); unset: a job cannot "
                          "be exclusive.")


class GridEngine(Scheduler):
    name = "gridengine"
    summary = "Grid Engine (SGE, Son of Grid Engine): #$ directives, qsub -pe"
    Options = GridEngineOptions
    script_name = "job.sge"
    submit = "qsub"
    account_option = "-P "
    submit_dir = "SGE_O_WORKDIR"
    node_count = '"$(wc -l < "${PE_HOSTFILE}")"'
    reserved_env = {name: "Grid Engine sets it for the job" for name in
                    ("NSLOTS", "NHOSTS", "NQUEUES", "PE", "PE_HOSTFILE", "JOB_ID", "JOB_NAME", "QUEUE")}
    reserved_prefixes = ("SGE_",)

    @property
    def expresses(self) -> frozenset[str]:  # type: ignore[override]
        options = self.options
        return frozenset({"resources"} | ({"memory"} if options.memory_resource else set())
                         | ({"gpus_per_node"} if options.gpu_resource else set())
                         | ({"exclusive"} if options.exclusive_resource else set()))

    @staticmethod
    def slots(job) -> tuple[int, int]:
        """(slots of the job, slots per node): one slot per core (or hardware thread) the job uses."""
        per_node = job.tasks_per_node * job.cpus_per_task
        return job.nodes * per_node, per_node

    def directives(self, target) -> list[str]:
        job, options = target.job, self.options
        total, per_node = self.slots(job)
        lines = [f"-N {job.name}", f"-S {options.shell}", "-cwd", "-j y",
                 f"-pe {options.parallel_environment} {total}", f"-l h_rt={job.walltime.total_hms()}"]
        if job.partition:
            lines.append(f"-q {job.partition}")
        if job.account:
            lines.append(f"-P {job.account}")
        if job.memory is not None and options.memory_resource:
            lines.append(f"-l {options.memory_resource}={-(-job.memory.mebibytes() // per_node)}M")
        if job.gpus_per_node and options.gpu_resource:
            lines.append(f"-l {options.gpu_resource}={-(-job.gpus_per_node // per_node)}")
        if job.exclusive and options.exclusive_resource:
            lines.append(f"-l {options.exclusive_resource}=true")
        lines += [f"-l {name}={value}" for name, value in job.resources]
        lines += options.directives
        return [f"#$ {line}" for line in lines]

    def host_list_lines(self, target, path_var: str) -> list[str]:
        return [f"awk '{{ print $1, $2 }}' \"${{PE_HOSTFILE}}\" > \"${{{path_var}}}\""]

    def check(self, target, report) -> None:
        rule, job = self.options.allocation_rule, target.job
        _, per_node = self.slots(job)
        if rule == "pe_slots" and job.nodes > 1:
            report.error("E0507", f"the parallel environment `{self.options.parallel_environment}` puts all slots "
                                  f"on one host ($pe_slots); the job asks for {job.nodes} nodes",
                         target.job_span("nodes"), label="one node only with this PE",
                         help="use one node, or a parallel environment with $fill_up or a fixed number per host")
        elif isinstance(rule, int) and per_node != rule:
            report.error("E0507", f"the parallel environment `{self.options.parallel_environment}` grants {rule} "
                                  f"slots per host; the job uses {per_node} per node "
                                  f"({job.tasks_per_node} tasks x {job.cpus_per_task} cpus)",
                         target.job_span("tasks_per_node"), label=f"{per_node}, not {rule}",
                         help=f"shape the job to {rule} cores per node, or use another parallel environment")
