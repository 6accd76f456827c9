"""Job shape: fill the defaults, then check the shape against the node and the limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..diagnostics import Report
from ..schema import SpanMap

if TYPE_CHECKING:
    from ..check import TargetInfo


def check(info: "TargetInfo", spans: SpanMap, report: Report) -> None:
    job, node = info.job, info.node
    job_spans = info.job_spans
    root = ("target", info.name, "job")

    def span(key: str):
        return job_spans.values.get(root + (key,)) or job_spans.block_head(root) or spans.block_head(
            ("target", info.name))

    smt = bool(job.smt)
    per_node = node.cores * (node.threads_per_core if smt else 1)
    unit = "hardware threads" if smt else "cores"
    cpus = job.cpus_per_task or 1
    tasks = job.tasks_per_node or max(1, per_node // cpus)
    nodes = job.nodes or 1
    gpus = job.gpus_per_node or 0
    info.job = job.model_copy(update={
        "nodes": nodes, "tasks_per_node": tasks, "cpus_per_task": cpus, "smt": smt,
        "gpus_per_node": gpus, "exclusive": bool(job.exclusive),
        "partition": info.partition_name, "qos": info.qos_name,
    })
    if job.walltime is None and ("target", info.name, "job") not in spans.dropped:
        where = spans.blocks.get(root) or spans.block_head(("target", info.name))
        report.error("E0606", f"target `{info.name}` has no walltime", where,
                     label="walltime missing",
                     help="add `job { walltime = 1h }` to the target (or a default to the platform's `job`)")
    if tasks * cpus > per_node:
        help = f"at most {per_node // cpus} tasks of {cpus} cpus fit a node"
        if not smt and node.threads_per_core > 1 and tasks * cpus <= node.cores * node.threads_per_core:
            help += f"; or set smt = true to use the {node.threads_per_core} hardware threads per core"
        report.error("E0601", f"{tasks} tasks x {cpus} cpus per task need {tasks * cpus} {unit}; "
                              f"a node of `{info.platform_name}` has {per_node}",
                     span("tasks_per_node") if job.tasks_per_node else span("cpus_per_task"),
                     label=f"{tasks * cpus} > {per_node} {unit}", help=help)
    for limit_name, limits in (("partition", info.partition), ("QoS", info.qos)):
        if limits is None:
            continue
        owner = info.partition_name if limit_name == "partition" else info.qos_name
        if limits.max_nodes is not None and nodes > limits.max_nodes:
            report.error("E0602", f"{nodes} nodes exceed the {limits.max_nodes} of {limit_name} `{owner}`",
                         span("nodes"), label=f"at most {limits.max_nodes}",
                         help=f"ask for fewer nodes or use another {limit_name}")
        minimums = (getattr(limits, "min_nodes", None), getattr(limits, "min_walltime", None))
        if minimums[0] is not None and nodes < minimums[0]:
            report.error("E0602", f"{nodes} node{'s' if nodes > 1 else ''} is below the minimum of "
                                  f"{minimums[0]} for {limit_name} `{owner}`", span("nodes"),
                         label=f"at least {minimums[0]}", help=f"use another {limit_name} for smaller jobs")
        if minimums[1] is not None and job.walltime is not None and job.walltime.seconds < minimums[1].seconds:
            report.error("E0603", f"walltime {job.walltime} is below the minimum of {minimums[1]} for "
                                  f"{limit_name} `{owner}`", span("walltime"), label=f"at least {minimums[1]}",
                         help=f"use another {limit_name} for shorter jobs")
        if limits.max_walltime is not None and job.walltime is not None \
                and job.walltime.seconds > limits.max_walltime.seconds:
            report.error("E0603", f"walltime {job.walltime} exceeds the {limits.max_walltime} of "
                                  f"{limit_name} `{owner}`", span("walltime"),
                         label=f"at most {limits.max_walltime}",
                         help=f"shorten the job or use another {limit_name}")
    if gpus > node.gpus:
        where = f" in partition `{info.partition_name}`" if info.partition_name else ""
        report.error("E0604", f"{gpus} GPU{'s' if gpus > 1 else ''} per node asked for; "
                              f"`{info.platform_name}` nodes{where} have {node.gpus}", span("gpus_per_node"),
                     label=f"at most {node.gpus}", help="use a GPU partition, or drop gpus_per_node")
    if job.memory is not None and job.memory.bytes > node.memory.bytes:
        report.error("E0605", f"{job.memory} of memory asked for, a node has {node.memory}", span("memory"),
                     label=f"at most {node.memory}", help="ask for less, or use a high-memory partition")
    per_numa = node.cores // node.numa_regions * (node.threads_per_core if smt else 1)
    if cpus > 1 and cpus > per_numa:
        report.warning("W0601", f"{cpus} threads per task span NUMA regions of {per_numa} {unit}",
                       span("cpus_per_task"), label="crosses NUMA regions",
                       help=f"use {per_numa} cpus per task or fewer for memory locality")
