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
    runtime = target.runtime
    if target.model not in runtime.models:
        report.error("E0506", f"{runtime.name} cannot run the {target.model} model", model_span or mpi_span,
                     label=f"{runtime.name} runs the {', '.join(sorted(runtime.models))} model"
                           f"{'s' if len(runtime.models) > 1 else ''}",
                     help=f'set model = "{sorted(runtime.models)[0]}" for this target')
        return
    if target.model in ("bind", "hybrid", "hook") and container is None:
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
    if target.model == "hook":
        _hook(target, code, container, model_span or mpi_span, report)
        return
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


def _hook(target: TargetFacts, code: CodeContext, container, span, report: Report) -> None:
    """The container's MPI with the host's network libraries swapped in by the runtime's hook:
    the MPI must be built on libfabric, and the image glibc-based (the hooks run glibc's
    ldconfig) [CSCS Container Engine docs]."""
    if container.transport != "ofi":
        report.error("E0506", f"the hook model swaps in the host's libfabric: the container's {container.name} must "
                              "be built on it", code.spans.values.get(("mpi", "transport")) or span,
                     label="not a libfabric (ch4:ofi) MPI",
                     help='build MPICH --with-device=ch4:ofi --with-libfabric in the image and say so: '
                          'mpi { transport = "ofi" }')
    if code.image is not None and code.image.libc != "glibc":
        report.error("E0502", f"`{code.code.image.from_}` uses {code.image.libc}: the runtime's hooks need glibc",
                     code.spans.values.get(("image", "from")), label=f"target `{target.name}`: hook model",
                     help="use a glibc-based image (Debian, Ubuntu, Rocky Linux)")
