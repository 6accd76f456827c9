"""The launcher layer: the words that start one container per rank."""

from __future__ import annotations

from hpcspec.ir import TargetPlan

from .shell import Raw, Word


def launch_words(target: TargetPlan, hostfile: Word | None) -> list:
    """The launcher and its options, as one group of words."""
    launcher, job = target.launcher, target.job
    if launcher.kind == "srun":
        words: list[Word] = ["srun"]
        if launcher.plugin:
            words.append(f"--mpi={launcher.plugin}")
        return [tuple(words + list(launcher.flags))]
    # mpirun / mpiexec started inside the allocation
    total = Raw(f'"$(( {_nodes_var(target)} * {job.tasks_per_node} ))"')
    words = [launcher.kind, "-n", total]
    if launcher.flavour == "openmpi":
        words += ["--map-by", f"ppr:{job.tasks_per_node}:node:PE={job.cpus_per_task}"]
        if hostfile is not None:
            words += ["--hostfile", hostfile]
    else:  # Hydra: MPICH, Intel MPI, MVAPICH2
        words += ["-ppn", str(job.tasks_per_node)]
        if hostfile is not None:
            words += ["-f", hostfile]
    return [tuple(words + list(launcher.flags))]


def _nodes_var(target: TargetPlan) -> str:
    return {"slurm": "SLURM_JOB_NUM_NODES", "pbs": "nodes"}.get(target.scheduler.kind, "nodes")
