"""Binds, environment and install prefixes of each target."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from ..diagnostics import Report
from ..models.binds import Bind
from ..models.code import Code
from ..models.platform import Runtime
from ..models.types import version_at_least
from ..schema import SpanMap

if TYPE_CHECKING:
    from ..check import TargetInfo

# Set by hpcspec itself; a spec that sets them would silently lose or break the bind model.
RESERVED = {
    "LD_LIBRARY_PATH": "list the directories in `ld_library_path`; hpcspec builds the variable",
    "OMP_NUM_THREADS": "it follows the job's cpus_per_task",
    "SRUN_CPUS_PER_TASK": "hpcspec sets it from cpus_per_task",
    "HPCSPEC_TARGET": "hpcspec uses it to select a target's build",
}
RESERVED_PREFIXES = ("APPTAINER_", "APPTAINERENV_", "SINGULARITY_", "SINGULARITYENV_", "SLURM_", "PBS_")


def _evaluates_unescapably(runtime: Runtime) -> bool:
    """Singularity 3.6+ and Apptainer 1.0 evaluate every passed value once more inside the
    container, quoted with Go's %q: a `$` or a backquote there cannot be made literal."""
    return ((runtime.kind == "singularity" and version_at_least(runtime.version, "3.6"))
            or (runtime.kind == "apptainer" and not version_at_least(runtime.version, "1.1")))


def _env_checks(env: dict[str, str], path, spans: SpanMap, report: Report,
                runtime: Runtime | None = None) -> None:
    for name in sorted(env):
        span = spans.keys.get(path + (name,)) or spans.values.get(path + (name,))
        if runtime is not None and _evaluates_unescapably(runtime) and re.search(r"[$`]", env[name]):
            report.error("E0706", f"{runtime.kind} {runtime.version} would evaluate `$` and backquotes "
                         f"in the value of `{name}` inside the container", spans.values.get(path + (name,)) or span,
                         label="cannot be passed literally",
                         help="remove `$` and backquotes from the value (hpcspec resolves `${name}` itself), "
                              "or use Apptainer 1.1 or newer, where hpcspec escapes them")
        if name in RESERVED:
            report.error("E0705", f"`{name}` is set by hpcspec", span, label="reserved",
                         help=RESERVED[name])
        elif name.startswith(RESERVED_PREFIXES):
            report.error("E0705", f"`{name}` is for the runtime or the scheduler, not the container",
                         span, label="reserved prefix",
                         help="set the variable itself; hpcspec adds the runtime's prefix where needed")


def check(info: "TargetInfo", code: Code, spans: SpanMap, report: Report) -> None:
    platform, mpi, target = info.platform, info.mpi, info.spec
    path = ("target", info.name)
    runtime = platform.runtime
    _env_checks(code.env, ("env",), spans, report)  # %environment of the image: not passed by the runtime
    _env_checks(target.env, path + ("env",), spans, report, runtime)
    _env_checks(platform.env, ("env",), info.platform_spans, report, runtime)
    _env_checks(mpi.env, ("mpi", info.mpi_name, "env"), info.platform_spans, report, runtime)
    binds: list[Bind] = []
    groups = [
        (platform.binds, ("binds",), info.platform_spans), (platform.bind_files, ("bind_files",), info.platform_spans),
        (mpi.binds, ("mpi", info.mpi_name, "binds"), info.platform_spans),
        (mpi.bind_files, ("mpi", info.mpi_name, "bind_files"), info.platform_spans),
        (target.binds, path + ("binds",), spans), (target.bind_files, path + ("bind_files",), spans),
    ]
    if info.model == "hybrid":  # the container keeps its own MPI: bind only the site's files
        groups = [g for g in groups if "mpi" not in g[1]]
    by_dest: dict[str, Bind] = {}
    for group, where, table in groups:
        for index, bind in enumerate(group):
            assert isinstance(bind, Bind)
            span = table.values.get(where + (index,))
            seen = by_dest.get(bind.container)
            if seen is not None:
                if seen == bind:
                    continue
                report.error("E0704", f"two binds onto `{bind.container}` for target `{info.name}`", span,
                             label=f"also bound from `{seen.host}`" if seen.host != bind.host
                             else "bound again with other options",
                             help="bind each container path once")
                continue
            by_dest[bind.container] = bind
            binds.append(bind)
    info.binds = binds


def check_prefixes(targets: list["TargetInfo"], code_name: str, version: str, spans: SpanMap,
                   report: Report) -> None:
    """Default prefixes (/opt/app/CODE/VERSION/PLATFORM/MPI/COMPILER); no two targets share one."""
    owners: dict[str, str] = {}
    for info in targets:
        info.prefix = info.spec.prefix or "/".join(
            ["/opt/app", code_name, version, info.platform_name, info.mpi_name, info.compiler_name])
        if info.prefix in owners:
            span = spans.values.get(("target", info.name, "prefix")) or spans.block_head(("target", info.name))
            report.error("E0801", f"targets `{owners[info.prefix]}` and `{info.name}` install into "
                                  f"`{info.prefix}`", span, label="same prefix",
                         help="give one of them its own `prefix`")
        owners.setdefault(info.prefix, info.name)
