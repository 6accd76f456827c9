"""Which GPUs each rank of a node uses, and which cores it is bound to: derived from the node's
facts (the cores nearest each GPU, the cores the system keeps), never written per job.

Three ways a launcher gives ranks their GPUs (Launcher.gpu_binding):
- "scheduler": the launcher binds them itself: nothing to derive;
- "wrapper": rank i of a node gets GPU(s) i (in blocks when a rank has several, shared when
  several ranks have one), chosen by a wrapper from its local rank, and its CPUs are bound to
  the cores nearest those GPUs (LUMI-G: cores 49, 57, 17, 25, 1, 9, 33, 41 for ranks 0-7);
- "cores": the launcher binds CPUs in order and the wrapper gives each rank the GPU nearest
  its cores (Polaris: rank 0 on cores 0-7 gets GPU 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models.types import core_set

VISIBLE = {"nvidia": "CUDA_VISIBLE_DEVICES", "amd": "ROCR_VISIBLE_DEVICES", "intel": "ZE_AFFINITY_MASK"}


@dataclass(frozen=True)
class GpuUse:
    vendor: str | None  # None: the node's GPUs are not described (reported)
    per_node: int  # GPUs the job uses on each node
    per_task: int | None  # when the target asked per task
    binding: str  # "scheduler", "wrapper" or "cores"
    visible: str  # the variable that selects GPUs (CUDA_VISIBLE_DEVICES...)
    ranks: tuple[tuple[int, ...], ...]  # local rank -> its GPUs (wrapper and cores bindings)
    cpus: tuple[tuple[int, ...], ...]  # local rank -> the cores to bind it to (wrapper binding), or ()
    aware_mpi: bool  # GPU-aware MPI turned on

    @property
    def wrapper(self) -> bool:
        return self.binding in ("wrapper", "cores")


def usable_cores(node) -> list[int]:
    reserved = set(node.reserved_cores)
    return [core for core in range(node.cores) if core not in reserved]


def share(gpus: int, tasks: int) -> list[tuple[int, ...]]:
    """GPUs of each of `tasks` ranks on a node with `gpus` GPUs, in order."""
    if gpus >= tasks and gpus % tasks == 0:
        each = gpus // tasks
        return [tuple(range(i * each, (i + 1) * each)) for i in range(tasks)]
    per_gpu = max(1, -(-tasks // gpus))  # several ranks on one GPU
    return [(min(i // per_gpu, gpus - 1),) for i in range(tasks)]


def nearest_gpu(node, cores: list[int]) -> int | None:
    """The GPU whose nearest cores hold the first of `cores`."""
    if node.gpu is None or not node.gpu.cores or not cores:
        return None
    for index, near in enumerate(node.gpu.cores):
        if cores[0] in core_set(near):
            return index
    return None


def derive(node, job, binding: str, aware_mpi: bool) -> GpuUse | None:
    gpus = (job.gpus_per_task or 0) * job.tasks_per_node if job.gpus_per_task else job.gpus_per_node
    if not gpus:
        return None
    vendor = node.gpu.vendor if node.gpu is not None else None
    tasks, cpus = job.tasks_per_node, job.cpus_per_task
    ranks: list[tuple[int, ...]] = []
    bound: list[tuple[int, ...]] = []
    if binding == "wrapper":
        ranks = share(gpus, tasks)
        bound = _cores_near(node, ranks, cpus)
    elif binding == "cores":
        usable = usable_cores(node)
        fallback = share(gpus, tasks)
        for rank in range(tasks):
            near = nearest_gpu(node, usable[rank * cpus:(rank + 1) * cpus])
            ranks.append((near,) if near is not None and len(fallback[rank]) == 1 else fallback[rank])
    return GpuUse(vendor, gpus, job.gpus_per_task or None, binding, VISIBLE.get(vendor or "", "CUDA_VISIBLE_DEVICES"),
                  tuple(ranks), tuple(bound), aware_mpi)


def _cores_near(node, ranks: list[tuple[int, ...]], cpus: int) -> list[tuple[int, ...]]:
    """For each rank, `cpus` usable cores nearest its first GPU (ranks sharing a GPU take turns),
    or nothing when the node does not say which cores are near which GPU."""
    if node.gpu is None or not node.gpu.cores:
        return []
    reserved = set(node.reserved_cores)
    taken: dict[int, int] = {}
    out = []
    for gpus in ranks:
        near = [core for core in core_set(node.gpu.cores[gpus[0]]) if core not in reserved]
        start = taken.get(gpus[0], 0)
        chosen = near[start:start + cpus]
        if len(chosen) < cpus:
            return []  # not enough cores near the GPU: let the launcher place them
        taken[gpus[0]] = start + cpus
        out.append(tuple(chosen))
    return out
