"""A platform on its own: everything it refers to must exist, whether or not a code uses it yet.

`hpcspec check site.hpcspec` runs these, so a platform that would fail as soon as a code uses
it (an undefined default QoS, an unknown microarchitecture, an MPI naming a launcher the
platform lacks, a reserved variable in an `env`) fails on its own line first.
"""

from __future__ import annotations

from ..diagnostics import Report
from ..didyoumean import did_you_mean, one_of
from ..facts import Site
from ..lookup import launcher_problem
from ..nodes import Block
from .environment import check_name, reserved


def check_site(site: Site, block: Block, report: Report) -> None:
    _partitions(site, block, report)
    _job_defaults(site, report)
    _microarch(site, ("node", "microarch"), site.platform.node.microarch, report)
    for name, mpi in sorted(site.platform.mpi.items()):
        if mpi.launcher is not None and mpi.launcher not in site.platform.launcher:
            launcher_problem(site, name, mpi, "unknown", report)
        elif mpi.launcher is None and len(site.platform.launcher) != 1:
            launcher_problem(site, name, mpi, "unsaid", report)
    _environment(site, report)
    _launchers(site, report)


def _known_qos(site: Site, name: str, span, report: Report) -> bool:
    qos = site.platform.qos
    if not qos or name in qos:
        return True
    report.error("E0404", f"platform `{site.name}` has no QoS `{name}`", span, label="unknown QoS",
                 help=did_you_mean(name, qos) or f"QoS: {one_of(qos)}")
    return False


def _partitions(site: Site, block: Block, report: Report) -> None:
    from ..derive import node_block
    from ..models.platform import Node
    from ..validate import validate_block

    for name, partition in sorted(site.platform.partition.items()):
        root = ("partition", name)
        for index, qos in enumerate(partition.qos):
            _known_qos(site, qos, site.span(root + ("qos", index)), report)
        default = partition.default_qos
        if default is not None and _known_qos(site, default, site.span(root + ("default_qos",)), report) \
                and partition.qos and default not in partition.qos:
            report.error("E0405", f"the default QoS `{default}` of partition `{name}` is not one it allows",
                         site.span(root + ("default_qos",)), label=f"not in `qos` of `{name}`",
                         help=f"add it to the partition's `qos`, or choose one of {one_of(partition.qos)}")
        if partition.node is not None:
            merged = node_block(block, partition.node, report)
            node = validate_block(merged, Node, report, ("node",)) if merged is not None else None
            if node is not None and node.model.microarch != site.platform.node.microarch:
                _microarch(site, None, node.model.microarch, report, node.spans.values.get(("node", "microarch")))


def _job_defaults(site: Site, report: Report) -> None:
    from ..models.job import Job
    from ..validate import validate_block

    if site.job_defaults is None:
        return
    job = validate_block(site.job_defaults, Job, report, ("job",))
    if job is None:
        return
    partitions = site.platform.partition
    name = job.model.partition
    if name is not None and partitions and name not in partitions:
        report.error("E0403", f"platform `{site.name}` has no partition `{name}`",
                     job.spans.values.get(("job", "partition")), label="unknown partition",
                     help=did_you_mean(name, partitions) or f"partitions: {one_of(partitions)}")
    if job.model.qos is not None:
        _known_qos(site, job.model.qos, job.spans.values.get(("job", "qos")), report)


def _microarch(site: Site, path, name: str, report: Report, span=None) -> None:
    from ..cpuflags import known_microarchs

    if name in known_microarchs():
        return
    report.error("E0503", f"unknown CPU microarchitecture `{name}`", span or site.span(path),
                 label="not an archspec microarchitecture",
                 help=did_you_mean(name, known_microarchs())
                 or "use an archspec name such as zen2, zen3, broadwell, skylake_avx512")


def _environment(site: Site, report: Report) -> None:
    platform = site.platform
    plugins = [p for p in (site.scheduler, site.runtime, *site.launchers.values()) if p is not None]
    names, prefixes = reserved(plugins)
    tables = [(("env",), platform.env)]
    tables += [(("mpi", name, "env"), mpi.env) for name, mpi in sorted(platform.mpi.items())]
    tables += [(("library", name, "env"), library.env) for name, library in sorted(platform.library.items())]
    for root, env in tables:
        for key, value in sorted(env.items()):
            span = site.spans.keys.get(root + (key,)) or site.span(root + (key,))
            check_name(key, span, names, prefixes, report)
            why = site.runtime.unescapable(value) if site.runtime is not None else None
            if why:
                report.error("E0706", f"`{key}`: {why}", site.span(root + (key,)), label="cannot be passed literally",
                             help="remove `$` and backquotes from the value, or use Apptainer 1.1 or newer, where "
                                  "hpcspec escapes them")


def _launchers(site: Site, report: Report) -> None:
    scheduler, runtime = site.scheduler, site.runtime
    if scheduler is None:
        return
    if runtime is not None and runtime.schedulers is not None and scheduler.name not in runtime.schedulers:
        report.error("E0507", f"runtime `{runtime.name}` works with {', '.join(sorted(runtime.schedulers))}, not "
                              f"{scheduler.name}", site.spans.keys.get(("runtime",)) or site.span(("runtime",)),
                     label=f"`{site.name}` schedules with {scheduler.name}", help="use another runtime here")
    if runtime is not None and runtime.launchers is not None:
        for name, launcher in sorted(site.launchers.items()):
            if launcher.name not in runtime.launchers:
                report.error("E0507", f"runtime `{runtime.name}` is started by {', '.join(sorted(runtime.launchers))}, "
                                      f"not by launcher `{name}`", site.spans.keys.get(("launcher", name)),
                             label="cannot start this runtime", help=f"use {', '.join(sorted(runtime.launchers))}")
    for name, launcher in sorted(site.launchers.items()):
        if launcher.schedulers is not None and scheduler.name not in launcher.schedulers:
            report.error("E0507", f"launcher `{name}` runs under {', '.join(sorted(launcher.schedulers))}, "
                                  f"not {scheduler.name}", site.spans.keys.get(("launcher", name)),
                         label=f"`{site.name}` schedules with {scheduler.name}",
                         help="use a launcher that runs under this scheduler (an MPI's own mpiexec or mpirun)")
