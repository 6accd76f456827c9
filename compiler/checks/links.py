"""Libraries a site's MPI needs the code linked against (ARCHER2's Cray MPICH: libxpmem)."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from .context import CodeContext


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    if target.model == "hybrid":
        return  # the container's own MPI
    missing = [name for name in target.mpi.requires_links if name not in target.links]
    if missing:
        report.error("E0509", f"MPI `{target.mpi_name}` of `{target.platform_name}` needs the code linked against "
                              f"{', '.join('lib' + m for m in missing)}", target.target_span("mpi"),
                     label="not linked by this build",
                     help=f'link it and say so: build {{ links = [{", ".join(chr(34) + m + chr(34) for m in missing)}] }} '
                          "(HPCSPEC_LINK_LIBS holds the -l flags for the build)")
