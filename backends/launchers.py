"""Launchers: the words that start one container per rank (registered in ``hpcspec.launchers``).

- srun (Slurm) [srun(1)]: ``--mpi=PLUGIN`` picks how ranks wire up (pmi2, pmix, cray_shasta).
- hydra: MPICH's and Intel MPI's ``mpiexec``/``mpirun`` (``-n``, ``-ppn``, ``-f HOSTFILE`` with
  ``host:slots`` lines); it wires up MPICH-ABI MPIs through PMI.
- openmpi: Open MPI's ``mpirun`` (``-n``, ``--map-by ppr:P:node:PE=C``, ``--hostfile`` with
  ``host slots=N`` lines); it starts Open MPI ranks only (its own PMIx), so an MPICH-ABI
  container started by it would run as singletons.
- pals: HPE Cray PALS ``mpiexec`` (``-n``, ``--ppn``, ``--depth``, ``--cpu-bind``; the hosts come
  from ``$PBS_NODEFILE`` by itself) [ALCF Polaris user guide]; it starts Cray MPICH.
- flux: ``flux run -N -n -c [-g] -o cpu-affinity=per-task`` [flux-run(1)], with ``-o pmi=`` for
  the PMI the MPI needs (``cray-pals`` for Cray MPICH [flux-coral2], ``simple`` for MPICH,
  ``pmix`` for Open MPI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from hpcspec.models.types import ABI_NAMES, Name

from .plugin import Launcher, LauncherOptions
from .shell import Raw

if TYPE_CHECKING:
    from hpcspec.ir import TargetPlan

MPICH_FAMILY = ("mpich", "mpi-abi")


def _total(target: "TargetPlan") -> Raw:
    return Raw(f'"$(( nodes * {target.job.tasks_per_node} ))"')


def cpu_bind(cpus: tuple[tuple[int, ...], ...]) -> str:
    """srun's --cpu-bind value for ranks bound to given cores: map_cpu for one core a rank,
    mask_cpu for several."""
    if all(len(cores) == 1 for cores in cpus):
        return "map_cpu:" + ",".join(str(cores[0]) for cores in cpus)
    return "mask_cpu:" + ",".join(hex(sum(1 << core for core in cores)) for cores in cpus)


class SrunOptions(LauncherOptions):
    gpu_binding: Literal["scheduler", "wrapper"] = Field(
        "scheduler", description='How ranks get their GPUs: `scheduler` (srun `--gpus-per-task`: Slurm binds '
                                 "them) or `wrapper` (a wrapper picks each rank's GPU by `SLURM_LOCALID`, CPUs "
                                 'bound to the cores nearest it, as on LUMI-G).')
    gpu_bind: Literal["closest"] | None = Field(
        None, description='With the `scheduler` binding: `closest` adds srun `--gpu-bind=closest`, each '
                          'task the GPU nearest the cores Slurm gave it (Frontier).')


class Srun(Launcher):
    name = "srun"
    summary = "Slurm's srun: one task per rank, wired up by an --mpi plugin"
    Options = SrunOptions
    command = "srun"
    schedulers = frozenset({"slurm"})
    local_rank = "SLURM_LOCALID"
    passes_env = ("SLURM_*", "PMI_*", "PMIX_*")

    def gpu_binding(self) -> str:
        return self.options.gpu_binding  # type: ignore[attr-defined]
    # what each srun MPI plugin can wire up
    PLUGINS = {"pmi2": ("mpich", "mpi-abi", "mpt", "openmpi"), "pmix": ("mpich", "mpi-abi", "openmpi"),
               "cray_shasta": ("mpich", "mpi-abi")}

    def wires(self, abi: str, plugin: str | None) -> str | None:
        if plugin in self.PLUGINS and abi not in self.PLUGINS[plugin]:
            return f"srun --mpi={plugin} does not wire up ranks of the {ABI_NAMES[abi]}"
        return None

    def words(self, target: "TargetPlan") -> list:
        words = [self.path]
        if target.mpi_plugin:
            words.append(f"--mpi={target.mpi_plugin}")
        gpu = target.gpu
        if gpu is not None and gpu.binding == "scheduler" and gpu.per_task:
            words.append(f"--gpus-per-task={gpu.per_task}")
            if self.options.gpu_bind:  # type: ignore[attr-defined]
                words.append(f"--gpu-bind={self.options.gpu_bind}")  # type: ignore[attr-defined]
        if gpu is not None and gpu.binding == "wrapper" and gpu.cpus:
            words.append(f"--cpu-bind={cpu_bind(gpu.cpus)}")
        return [tuple(words + list(self.options.flags))]  # type: ignore[attr-defined]

    def check(self, target, report) -> None:
        if target.model == "hybrid" and not target.mpi.plugin:
            report.error("E0506", "the hybrid model launches the container's MPI through the host's PMI",
                         target.target_span("model"), label="no PMI plugin for srun",
                         help=f"set `plugin` (pmi2 or pmix) for MPI `{target.mpi_name}` of "
                              f"`{target.platform_name}`, or in the target's override")

    @classmethod
    def offered_plugins(cls) -> list[str]:
        import re
        import shutil
        import subprocess

        srun = shutil.which("srun")
        if srun is None:
            return []
        try:
            proc = subprocess.run([srun, "--mpi=list"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return []
        text = proc.stdout + proc.stderr
        return sorted({m for m in re.findall(r"^\s*(?:srun: )?(\w+)\s*$", text, re.M)
                       if m not in ("none", "types", "are", "list")})

    @classmethod
    def preferred_plugin(cls, abi: str, offered: list[str]) -> str | None:
        preferred = {"mpich": "pmi2", "mpi-abi": "pmi2", "openmpi": "pmix", "mpt": "pmi2"}[abi]
        return preferred if any(p.startswith(preferred) for p in offered) else None


class Hydra(Launcher):
    name = "hydra"
    summary = "MPICH / Intel MPI mpiexec (Hydra): -n, -ppn, -f hostfile"
    command = "mpiexec"
    uses_node_count = True
    local_rank = "MPI_LOCALRANKID"
    passes_env = ("PMI_*", "HYDRA_*", "MPI_LOCALRANKID", "MPI_LOCALNRANKS")

    def wires(self, abi: str, plugin: str | None) -> str | None:
        if abi not in MPICH_FAMILY:
            return f"Hydra's mpiexec starts MPICH ABI ranks through PMI, not ranks of the {ABI_NAMES[abi]}"
        return None

    def words(self, target: "TargetPlan") -> list:
        words = [self.path, "-n", _total(target), "-ppn", str(target.job.tasks_per_node)]
        if self.wants_hostfile:
            words += ["-f", Raw('"${hostfile}"')]
        return [tuple(words + list(self.options.flags))]  # type: ignore[attr-defined]

    def hostfile_lines(self, hosts_var: str, hostfile_var: str) -> list[str]:
        return [f"awk '{{ print $1 \":\" $2 }}' \"${{{hosts_var}}}\" > \"${{{hostfile_var}}}\""]


class OpenMpi(Launcher):
    name = "openmpi"
    summary = "Open MPI mpirun: -n, --map-by ppr:P:node:PE=C, --hostfile"
    command = "mpirun"
    uses_node_count = True
    local_rank = "OMPI_COMM_WORLD_LOCAL_RANK"
    passes_env = ("OMPI_*", "PMIX_*")

    def wires(self, abi: str, plugin: str | None) -> str | None:
        if abi != "openmpi":
            return (f"Open MPI's mpirun wires up Open MPI ranks (PMIx); ranks of the {ABI_NAMES[abi]} "
                    "would each start alone, as singletons")
        return None

    def words(self, target: "TargetPlan") -> list:
        job = target.job
        words = [self.path, "-n", _total(target), "--map-by", f"ppr:{job.tasks_per_node}:node:PE={job.cpus_per_task}"]
        if self.wants_hostfile:
            words += ["--hostfile", Raw('"${hostfile}"')]
        return [tuple(words + list(self.options.flags))]  # type: ignore[attr-defined]

    def hostfile_lines(self, hosts_var: str, hostfile_var: str) -> list[str]:
        return [f"awk '{{ print $1 \" slots=\" $2 }}' \"${{{hosts_var}}}\" > \"${{{hostfile_var}}}\""]


class PalsOptions(LauncherOptions):
    cpu_bind: Literal["depth", "core", "numa", "none"] = Field(
        "depth", description="PALS mpiexec's `--cpu-bind`.")


class Pals(Launcher):
    name = "pals"
    summary = "HPE Cray PALS mpiexec: -n, --ppn, --depth, --cpu-bind (hosts from $PBS_NODEFILE)"
    Options = PalsOptions
    command = "mpiexec"
    uses_node_count = True
    local_rank = "PALS_LOCAL_RANKID"
    reserved_prefixes = ("PALS_",)
    passes_env = ("PALS_*", "PMI_*")

    def gpu_binding(self) -> str:
        return "cores"  # Cray MPICH cannot bind ranks to GPUs: --cpu-bind depth, then a wrapper [ALCF]

    def wires(self, abi: str, plugin: str | None) -> str | None:
        if abi not in MPICH_FAMILY:
            return f"PALS mpiexec starts Cray MPICH (MPICH ABI) ranks, not ranks of the {ABI_NAMES[abi]}"
        return None

    def words(self, target: "TargetPlan") -> list:
        job = target.job
        words = [self.path, "-n", _total(target), "--ppn", str(job.tasks_per_node), "--depth", str(job.cpus_per_task),
                 "--cpu-bind", self.options.cpu_bind]  # type: ignore[attr-defined]
        if self.wants_hostfile:
            words += ["--hostfile", Raw('"${hostfile}"')]
        return [tuple(words + list(self.options.flags))]  # type: ignore[attr-defined]

    def hostfile_lines(self, hosts_var: str, hostfile_var: str) -> list[str]:
        return [f"awk '{{ print $1 }}' \"${{{hosts_var}}}\" > \"${{{hostfile_var}}}\""]


class FluxRunOptions(LauncherOptions):
    pmi: list[Name] = Field(
        [], description='`-o pmi=LIST`: `cray-pals` for Cray MPICH, `simple` for MPICH, `pmix` for Open '
                        'MPI.')


class FluxRun(Launcher):
    name = "flux"
    summary = "flux run: -N, -n, -c, -o cpu-affinity=per-task, -o pmi="
    Options = FluxRunOptions
    command = "flux"
    schedulers = frozenset({"flux"})
    uses_node_count = True
    local_rank = "FLUX_TASK_LOCAL_ID"
    passes_env = ("FLUX_*", "PALS_*", "PMI_*")

    def gpu_binding(self) -> str:
        return "scheduler"  # -g per task with -o gpu-affinity=per-task
    PMI = {"cray-pals": ("mpich", "mpi-abi"), "simple": ("mpich", "mpi-abi"), "pmix": ("openmpi", "mpich")}

    def wires(self, abi: str, plugin: str | None) -> str | None:
        chosen = list(self.options.pmi) or ["simple"]  # type: ignore[attr-defined]
        if not any(abi in self.PMI.get(pmi, ()) for pmi in chosen):
            return f"flux run -o pmi={','.join(chosen)} does not wire up ranks of the {ABI_NAMES[abi]}"
        return None

    def words(self, target: "TargetPlan") -> list:
        job = target.job
        words = [self.path, "run", "-N", Raw('"${nodes}"'), "-n", _total(target), "-c", str(job.cpus_per_task)]
        if job.gpus_per_node and job.gpus_per_node % job.tasks_per_node == 0:
            words += ["-g", str(job.gpus_per_node // job.tasks_per_node)]
        words += ["-o", "cpu-affinity=per-task"]
        if job.gpus_per_node:
            words += ["-o", "gpu-affinity=per-task"]
        if self.options.pmi:  # type: ignore[attr-defined]
            words += ["-o", f"pmi={','.join(self.options.pmi)}"]  # type: ignore[attr-defined]
        return [tuple(words + list(self.options.flags))]  # type: ignore[attr-defined]
