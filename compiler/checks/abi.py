"""MPI ABI: can the code built in the container run with the host's MPI bound in?

The bind model swaps the container's MPI for the host's at run time; that only works inside
one ABI family (libmpi.so.12 for the MPICH family). Otherwise the ways out are a build on the
host against its MPI (``model = "host"``) or the hybrid model (the container's own MPI,
launched by the host's PMI: ``model = "hybrid"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..diagnostics import Report
from ..models.code import Code
from ..models.types import ABI_MEMBERS, ABI_NAMES, version_at_least
from ..schema import SpanMap

if TYPE_CHECKING:
    from ..check import TargetInfo


def check(info: "TargetInfo", code: Code, spans: SpanMap, report: Report) -> None:
    path = ("target", info.name)
    host = info.mpi
    model_span = spans.values.get(path + ("model",))
    mpi_span = spans.values.get(path + ("mpi",)) or spans.block_head(path)
    wanted = info.spec.model
    container = code.mpi
    if wanted in ("bind", "hybrid", None) and container is None:
        if wanted is None:
            info.model = "host"
            _needs_root(info, mpi_span, report)
            return
        report.error("E0506", f"the {wanted} model needs the MPI the container is built against",
                     model_span or mpi_span, label=f"model = \"{wanted}\"",
                     help='add `mpi { name = "mpich" abi = "mpich" version = "4.0.2" }` to the code, '
                          'or use model = "host"')
        return
    if wanted == "host":
        info.model = "host"
        _needs_root(info, model_span or mpi_span, report)
        return
    assert container is not None
    if wanted == "hybrid":
        info.model = "hybrid"
        if not host.plugin and (host.launcher or _only_launcher(info)) == "srun":
            report.error("E0506", "the hybrid model launches the container's MPI through the host's PMI",
                         model_span, label="no PMI plugin for srun",
                         help=f"set `plugin` (pmi2 or pmix) for MPI `{info.mpi_name}` of `{info.platform_name}`"
                              " or in the target's override")
        return
    info.model = "bind"
    if container.abi != host.abi:
        report.error(
            "E0501",
            f"the container's {container.name} ({ABI_NAMES[container.abi]}) cannot be swapped for "
            f"`{info.mpi_name}` ({ABI_NAMES[host.abi]}) at run time",
            mpi_span, label=f"{host.abi} ABI, the container is built for {container.abi}",
            help='set model = "host" to build this target on the host against its MPI (targeting), '
                 'or model = "hybrid" to run the container\'s own MPI launched by the host\'s PMI',
            notes=["the bind model swaps the container's MPI library for the host's: both must be of one "
                   "ABI family", f"{container.abi}: {ABI_MEMBERS[container.abi]}",
                   f"{host.abi}: {ABI_MEMBERS[host.abi]}"])
        return
    if container.standard and host.standard and not version_at_least(host.standard, container.standard):
        report.warning(
            "W0501", f"the container's {container.name} implements MPI {container.standard}, "
                     f"`{info.mpi_name}` only MPI {host.standard}",
            mpi_span, label="older MPI standard on the host",
            help="calls to newer MPI functions will fail to resolve at run time; "
                 "keep the code to the host's MPI standard")


def _only_launcher(info: "TargetInfo") -> str | None:
    kinds = sorted(info.platform.launcher)
    return kinds[0] if len(kinds) == 1 else None


def _needs_root(info: "TargetInfo", span, report: Report) -> None:
    if info.mpi.root is None:
        report.error("E0506", f"a host build needs the root of MPI `{info.mpi_name}` on `{info.platform_name}`",
                     span, label="no `root` for this MPI",
                     help="set `root` in the platform's MPI block, e.g. root = \"/opt/hpe/hpc/mpt/mpt-2.22\"")
