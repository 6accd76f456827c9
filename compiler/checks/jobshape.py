"""Job shape: the job against the node, the partition and QoS limits, and the scheduler."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from .context import CodeContext


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    _walltime_given(target, report)
    _fits_the_node(target, report)
    for kind, limits, owner in (("partition", target.partition, target.partition_name),
                                ("QoS", target.qos, target.qos_name)):
        if limits is not None:
            _within_limits(target, kind, limits, owner, report)
    _devices_and_memory(target, report)
    _numa(target, report)
    _expressible(target, report)


def _walltime_given(target: TargetFacts, report: Report) -> None:
    root = target.path + ("job",)
    if target.job.walltime is not None:
        return
    if root + ("walltime",) in target.job_spans.dropped or root in target.spans.dropped:
        return  # `waltime` or `job = 2`: reported as the mistake it is, not as its consequence
    report.error("E0606", f"target `{target.name}` has no walltime",
                 target.spans.blocks.get(root) or target.target_span(), label="walltime missing",
                 help="add `job { walltime = 1h }` to the target (or a default to the platform's `job`)")


def _per_node(target: TargetFacts) -> tuple[int, str]:
    """What a job can use of a node: its cores (or hardware threads), without those the system keeps."""
    node, smt = target.node, target.job.smt
    unit = "hardware threads" if smt else "cores"
    return node.usable_cores * (node.threads_per_core if smt else 1), (f"usable {unit}" if node.reserved_cores else unit)


def _fits_the_node(target: TargetFacts, report: Report) -> None:
    job, node = target.job, target.node
    per_node, unit = _per_node(target)
    need = job.tasks_per_node * job.cpus_per_task
    if need <= per_node:
        return
    help = f"at most {per_node // job.cpus_per_task} tasks of {job.cpus_per_task} cpus fit a node"
    if not job.smt and node.threads_per_core > 1 and need <= node.usable_cores * node.threads_per_core:
        help += f"; or set smt = true to use the {node.threads_per_core} hardware threads per core"
    report.error("E0601", f"{job.tasks_per_node} tasks x {job.cpus_per_task} cpus per task need {need} {unit}; "
                          f"a node of `{target.platform_name}` has {per_node}",
                 target.job_span("tasks_per_node" if "tasks_per_node" in job.given else "cpus_per_task"),
                 label=f"{need} > {per_node} {unit}", help=help)


def _within_limits(target: TargetFacts, kind: str, limits, owner, report: Report) -> None:
    job = target.job
    min_nodes, min_walltime = getattr(limits, "min_nodes", None), getattr(limits, "min_walltime", None)
    if limits.max_nodes is not None and job.nodes > limits.max_nodes:
        report.error("E0602", f"{job.nodes} nodes exceed the {limits.max_nodes} of {kind} `{owner}`",
                     target.job_span("nodes"), label=f"at most {limits.max_nodes}",
                     help=f"ask for fewer nodes or use another {kind}")
    if min_nodes is not None and job.nodes < min_nodes:
        report.error("E0602", f"{job.nodes} node{'s' if job.nodes > 1 else ''} is below the minimum of "
                              f"{min_nodes} for {kind} `{owner}`", target.job_span("nodes"),
                     label=f"at least {min_nodes}", help=f"use another {kind} for smaller jobs")
    walltime = job.walltime
    if walltime is None:
        return
    if min_walltime is not None and walltime.seconds < min_walltime.seconds:
        report.error("E0603", f"walltime {walltime} is below the minimum of {min_walltime} for {kind} `{owner}`",
                     target.job_span("walltime"), label=f"at least {min_walltime}",
                     help=f"use another {kind} for shorter jobs")
    if limits.max_walltime is not None and walltime.seconds > limits.max_walltime.seconds:
        report.error("E0603", f"walltime {walltime} exceeds the {limits.max_walltime} of {kind} `{owner}`",
                     target.job_span("walltime"), label=f"at most {limits.max_walltime}",
                     help=f"shorten the job or use another {kind}")


def _devices_and_memory(target: TargetFacts, report: Report) -> None:
    job, node = target.job, target.node
    if {"gpus_per_node", "gpus_per_task"} <= job.given and job.gpus_per_node != (job.gpus_per_task or 0) * job.tasks_per_node:
        report.error("E0213", f"gpus_per_node = {job.gpus_per_node} and gpus_per_task = {job.gpus_per_task} disagree for "
                              f"{job.tasks_per_node} tasks a node", target.job_span("gpus_per_task"),
                     label="give one of them", help="keep gpus_per_task (each rank its own GPUs) or gpus_per_node")
    if job.gpus_per_node > node.gpus:
        where = f" in partition `{target.partition_name}`" if target.partition_name else ""
        report.error("E0604", f"{job.gpus_per_node} GPU{'s' if job.gpus_per_node > 1 else ''} per node asked for; "
                              f"`{target.platform_name}` nodes{where} have {node.gpus}",
                     target.job_span("gpus_per_task" if "gpus_per_task" in job.given else "gpus_per_node"),
                     label=f"at most {node.gpus}",
                     help="use a GPU partition, or drop gpus_per_node")
    if job.memory is not None and job.memory.bytes > node.memory.bytes:
        report.error("E0605", f"{job.memory} of memory asked for, a node has {node.memory}",
                     target.job_span("memory"), label=f"at most {node.memory}",
                     help="ask for less, or use a high-memory partition")


def _numa(target: TargetFacts, report: Report) -> None:
    job, node = target.job, target.node
    _, unit = _per_node(target)
    per_numa = node.cores // node.numa_regions * (node.threads_per_core if job.smt else 1)  # (reserved cores aside)
    if job.cpus_per_task > 1 and job.cpus_per_task > per_numa:
        report.warning("W0601", f"{job.cpus_per_task} threads per task span NUMA regions of {per_numa} {unit}",
                       target.job_span("cpus_per_task"), label="crosses NUMA regions",
                       help=f"use {per_numa} cpus per task or fewer for memory locality")


def _expressible(target: TargetFacts, report: Report) -> None:
    scheduler = target.scheduler
    asked = target.job.given & {"gpus_per_node", "gpus_per_task", "memory", "exclusive", "resources"}
    for key in sorted({k.replace("gpus_per_task", "gpus_per_node") for k in asked} - scheduler.expresses):
        report.error("E0507", f"{scheduler.name} jobs here cannot say `{key}`", target.job_span(key),
                     label=f"not expressible with {scheduler.name}",
                     help="remove it, or pass the scheduler's own option through the platform's "
                          "`scheduler { directives = [...] }`")
