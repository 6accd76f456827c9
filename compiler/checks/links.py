"""Libraries a site's MPI needs the code linked against (ARCHER2's Cray MPICH: libxpmem)."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from .context import CodeContext


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    if target.model == "hybrid":
        return  # the container's own MPI
    for code_, level, names, need in (("E0509", report.error, target.mpi.requires_links, "needs"),
                                      ("W0506", report.warning, target.mpi.recommends_links, "runs faster with")):
        missing = [name for name in names if name not in target.links]
        if missing:
            quoted = ", ".join(f'"{m}"' for m in missing)
            level(code_, f"MPI `{target.mpi_name}` of `{target.platform_name}` {need} the code linked against "
                         f"{', '.join('lib' + m for m in missing)}", target.target_span("mpi"),
                  label="not linked by this build",
                  help=f"link it and say so: build {{ links = [{quoted}] }} (the build gets the flags in LDFLAGS and "
                       "HPCSPEC_LINK_LIBS; a library with a `soname` is linked as a generated stub)")
