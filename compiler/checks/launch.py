"""Can the target be launched: its launcher starting this MPI in this model, and (host model) a
runtime that can rebuild the image on the host."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from .context import CodeContext


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    launcher = target.launcher  # (that it runs under the scheduler is a platform check)
    # who speaks to the launcher: the host's MPI (bind, host), or the container's (hybrid)
    container = code.code.mpi
    started = container if target.model == "hybrid" and container is not None else target.mpi
    abi = started.abi
    why = launcher.wires(abi, target.mpi.plugin)
    if why:
        whose = f"the container's {container.name}" if started is container else f"MPI `{target.mpi_name}`"
        report.error("E0508", f"launcher `{launcher.block_name}` cannot start {whose} ({target.model} model)",
                     target.target_span("model") if target.model_given else target.target_span("mpi"),
                     label=why, help="use a launcher that wires up this MPI (the scheduler's own with a PMI "
                                     "plugin for it, or the MPI's own mpirun), or another model")
    if target.model == "host" and not target.runtime.can_build_on_host():
        report.error("E0507", f"target `{target.name}`: {target.runtime.name} cannot rebuild an image on the host "
                              "(host model)", target.target_span("model") or target.target_span(),
                     label="no writable sandbox", help="use an MPICH-ABI host MPI with the bind model, or the hybrid model")
