"""Backends: the per-site emitters, registered through the ``hpcspec.backends`` entry points.

A backend is a class with a ``name``, capability flags and hooks. The generic backend does
what every site needs from its platform spec alone; a site backend subclasses it and
overrides a hook (calling ``super()``) where a site needs something no spec can say.
"""

from __future__ import annotations

from dataclasses import dataclass

from hpcspec.diagnostics import Diagnostic
from hpcspec.ir import Plan, TargetPlan

@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the output directory, "/"-separated
    content: bytes
    mode: int = 0o644
    target: str | None = None  # the target it belongs to; None: shared by the code's targets

    @classmethod
    def text(cls, path: str, text: str, executable: bool = False, target: str | None = None) -> "Artifact":
        return cls(path, text.encode("utf-8"), 0o755 if executable else 0o644, target)


class Backend:
    """A site backend: emits each target's artifacts (registered in ``hpcspec.backends``)."""

    name = ""
    # the schedulers, launchers and runtimes it can emit for (None: any registered one)
    schedulers: frozenset[str] | None = None
    runtimes: frozenset[str] | None = None
    launchers: frozenset[str] | None = None

    def unsupported(self, target: TargetPlan) -> list[Diagnostic]:
        """What this backend cannot emit for ``target``: collected as errors, never a crash."""
        problems = []
        for what, value, known in (("scheduler", target.scheduler.name, self.schedulers),
                                   ("runtime", target.runtime.name, self.runtimes),
                                   ("launcher", target.launcher.name, self.launchers)):
            if known is not None and value not in known:
                problems.append(Diagnostic(
                    "E0507", f"backend `{self.name}` cannot emit the {what} `{value}` of target `{target.name}`",
                    help=f"supported {what}s: {', '.join(sorted(known))}"))
        return problems

    def emit_target(self, plan: Plan, target: TargetPlan) -> list[Artifact]:
        raise NotImplementedError
