"""Names a target uses: its platform, the platform's MPI and compiler, partition and QoS."""

from __future__ import annotations

from typing import TypeVar

from ..diagnostics import Report
from ..didyoumean import did_you_mean, one_of
from ..models.code import Target
from ..models.job import Job
from ..models.platform import Partition, Platform, Qos
from ..nodes import Block
from ..resolve import Program
from ..schema import Path, SpanMap

T = TypeVar("T")


def platform_block(target: Target, path: Path, spans: SpanMap, program: Program,
                   report: Report) -> Block | None:
    name = target.platform
    if name in program.platforms:
        return program.platforms[name]
    span = spans.values.get(path + ("platform",))
    on_path = program.search is not None and any(
        (d / f"{name}.hpcspec").is_file() for d in program.search.dirs)
    if on_path:
        help = f'add `import "{name}"` at the top of the file'
    else:
        help = did_you_mean(name, program.platforms) or (
            f"imported platforms: {one_of(program.platforms)}" if program.platforms
            else 'import a platform spec first, e.g. `import "archer2"`')
    report.error("E0303", f"unknown platform `{name}`", span,
                 label="not imported" if on_path else "no such platform", help=help)
    return None


def lookup(table: dict[str, T], name: str, code: str, what: str, path: Path, spans: SpanMap,
           report: Report, platform: str) -> tuple[str, T | None]:
    if name in table:
        return name, table[name]
    report.error(code, f"platform `{platform}` has no {what} `{name}`", spans.values.get(path),
                 label=f"not {'an' if what[0] in 'AEIMO' else 'a'} {what} of `{platform}`",
                 help=did_you_mean(name, table) or f"`{platform}` defines {one_of(table)}")
    return name, None


def partition_and_qos(platform: Platform, job: Job, spans: SpanMap, report: Report, platform_name: str
                      ) -> tuple[str | None, Partition | None, str | None, Qos | None]:
    partition = qos = None
    partition_name, qos_name = job.partition, job.qos
    path = spans.block_head(())
    if partition_name is not None:
        if partition_name in platform.partition:
            partition = platform.partition[partition_name]
        elif platform.partition:
            key = next((k for k in spans.values if k[-1:] == ("partition",)), None)
            report.error("E0403", f"platform `{platform_name}` has no partition `{partition_name}`",
                         spans.values.get(key) if key else path, label="unknown partition",
                         help=did_you_mean(partition_name, platform.partition)
                         or f"partitions: {one_of(platform.partition)}")
    if qos_name is None and partition is not None:
        qos_name = partition.default_qos
    if qos_name is not None:
        key = next((k for k in spans.values if k[-1:] == ("qos",)), None)
        span = spans.values.get(key) if key else path
        if qos_name in platform.qos:
            qos = platform.qos[qos_name]
        elif platform.qos:
            report.error("E0404", f"platform `{platform_name}` has no QoS `{qos_name}`", span,
                         label="unknown QoS",
                         help=did_you_mean(qos_name, platform.qos) or f"QoS: {one_of(platform.qos)}")
        if qos is not None and partition is not None and partition.qos and qos_name not in partition.qos:
            report.error("E0405", f"QoS `{qos_name}` is not allowed in partition `{partition_name}`", span,
                         label=f"not a QoS of `{partition_name}`",
                         help=did_you_mean(qos_name, partition.qos)
                         or f"partition `{partition_name}` allows {one_of(partition.qos)}")
    return partition_name, partition, qos_name, qos


def launcher(platform: Platform, mpi, mpi_name: str, platform_name: str, spans: SpanMap,
             report: Report) -> str | None:
    """The launcher an MPI uses: its own `launcher`, else the platform's only one."""
    if mpi.launcher is not None:
        if mpi.launcher in platform.launcher:
            return mpi.launcher
        report.error("E0406", f"MPI `{mpi_name}` uses launcher `{mpi.launcher}`, which `{platform_name}` "
                              "does not define", spans.values.get(("mpi", mpi_name, "launcher")),
                     label="no such launcher block",
                     help=f"add `launcher {mpi.launcher} {{ }}` to the platform, or use "
                          f"{one_of(platform.launcher)}")
        return None
    if len(platform.launcher) == 1:
        return next(iter(platform.launcher))
    report.error("E0406", f"MPI `{mpi_name}` of `{platform_name}` does not say which launcher starts it",
                 spans.block_head(("mpi", mpi_name)), label="launcher missing",
                 help=f"set launcher = one of {one_of(platform.launcher)}" if platform.launcher
                 else "add a `launcher srun { }` block to the platform")
    return None
