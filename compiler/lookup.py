"""Which launcher starts an MPI of a platform, and the error when none does."""

from __future__ import annotations

from .diagnostics import Report
from .didyoumean import did_you_mean, one_of
from .facts import Site
from .registry import names


def launcher_of(site: Site, mpi):
    """(the launcher an MPI uses, or None; why not): its own `launcher`, else the platform's
    only one. Why: "unknown" (it names no launcher block), "unsaid" (several, none named),
    "broken" (the block is wrong: reported where it is)."""
    if mpi.launcher is not None:
        if mpi.launcher in site.launchers:
            return site.launchers[mpi.launcher], ""
        return None, "broken" if mpi.launcher in site.platform.launcher else "unknown"
    if len(site.platform.launcher) == 1:
        only = next(iter(site.platform.launcher))
        return site.launchers.get(only), ("" if only in site.launchers else "broken")
    return None, "unsaid"


def launcher_problem(site: Site, mpi_name: str, mpi, why: str, report: Report) -> None:
    launchers = site.platform.launcher
    if why == "unknown":
        report.error("E0406", f"MPI `{mpi_name}` uses launcher `{mpi.launcher}`, which `{site.name}` does not define",
                     site.span(("mpi", mpi_name, "launcher")), label="no such launcher block",
                     help=did_you_mean(mpi.launcher, launchers) or
                     f"add `launcher {mpi.launcher} {{ }}` to the platform, or use {one_of(launchers)}")
    else:
        report.error("E0406", f"MPI `{mpi_name}` of `{site.name}` does not say which launcher starts it",
                     site.spans.block_head(("mpi", mpi_name)), label="launcher missing",
                     help=f"set launcher = one of {one_of(launchers)}" if launchers
                     else "add a `launcher NAME { }` block to the platform (NAME one of: "
                     + ", ".join(names("launcher")) + ")")


