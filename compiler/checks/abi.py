"""MPI ABI: can the code built in the container run with the host's MPI bound in?

The bind model swaps the container's MPI for the host's at run time; that only works inside
one ABI family (libmpi.so.12 for the MPICH family). Otherwise the ways out are a build on the
host against its MPI (``model = "host"``) or the hybrid model (the container's own MPI,
launched by the host's PMI: ``model = "hybrid"``).
"""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from ..models.types import ABI_MEMBERS, ABI_NAMES, version_at_least
from .context import CodeContext


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    container = code.code.mpi
    model_span = target.target_span("model") if target.model_given else None
    mpi_span = target.target_span("mpi")
    if target.model in ("bind", "hybrid") and container is None:
        if "mpi" in code.failed:
            return  # its own error says what is wrong
        report.error("E0506", f"the {target.model} model needs the MPI the container is built against",
                     model_span or mpi_span, label=f'model = "{target.model}"',
                     help='add `mpi { name = "mpich" abi = "mpich" version = "4.0.2" }` to the code, '
                          'or use model = "host"')
        return
    if target.model == "host":
        if not target.model_given and "mpi" not in code.failed:
            report.warning("W0505", f"target `{target.name}` is built on the host: the code has no `mpi` block",
                           target.target_span(), label="host model, by default",
                           help='to build it in the image and bind the host MPI in, add `mpi { name = "mpich" '
                                'abi = "mpich" version = "4.0.2" }` (the MPI the image has); to keep the host '
                                'build and silence this, set model = "host"')
        if target.mpi.root is None:
            report.error("E0506", f"a host build needs the root of MPI `{target.mpi_name}` on "
                                  f"`{target.platform_name}`", model_span or mpi_span, label="no `root` for this MPI",
                         help='set `root` in the platform\'s MPI block, e.g. root = "/opt/hpe/hpc/mpt/mpt-2.22"')
        return
    assert container is not None
    host = target.mpi
    if target.model == "hybrid":
        return  # whether the launcher can start the container's MPI: checks/launch.py and the launcher
    if container.abi != host.abi:
        report.error(
            "E0501",
            f"the container's {container.name} ({ABI_NAMES[container.abi]}) cannot be swapped for "
            f"`{target.mpi_name}` ({ABI_NAMES[host.abi]}) at run time",
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
                     f"`{target.mpi_name}` only MPI {host.standard}",
            mpi_span, label="older MPI standard on the host",
            help="calls to newer MPI functions will fail to resolve at run time; "
                 "keep the code to the host's MPI standard")
