"""Backends: the per-site emitters, registered through the ``hpcspec.backends`` entry points.

A backend is a class with a ``name``, capability flags and hooks. The generic backend does
what every site needs from its platform spec alone; a site backend subclasses it and
overrides a hook (calling ``super()``) where a site needs something no spec can say.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hpcspec.diagnostics import Diagnostic
from hpcspec.ir import Plan, TargetPlan

ENTRY_POINT_GROUP = "hpcspec.backends"


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
    name = ""
    schedulers: frozenset[str] = frozenset()
    runtimes: frozenset[str] = frozenset()
    launchers: frozenset[str] = frozenset()

    def unsupported(self, target: TargetPlan) -> list[Diagnostic]:
        """What this backend cannot emit for ``target``: collected as errors, never a crash."""
        problems = []
        for what, value, known in (("scheduler", target.scheduler.kind, self.schedulers),
                                   ("runtime", target.runtime.kind, self.runtimes),
                                   ("launcher", target.launcher.kind, self.launchers)):
            if value not in known:
                problems.append(Diagnostic(
                    "E0507", f"backend `{self.name}` cannot emit the {what} `{value}` of target `{target.name}`",
                    help=f"supported {what}s: {', '.join(sorted(known))}"))
        return problems

    def emit_target(self, plan: Plan, target: TargetPlan) -> list[Artifact]:
        raise NotImplementedError


class BackendError(Exception):
    pass


@lru_cache(maxsize=1)
def registry() -> dict[str, type[Backend]]:
    """Every backend, from the entry-point group; each checked on load, duplicates refused."""
    from importlib.metadata import entry_points

    from .generic import GenericBackend

    found: dict[str, type[Backend]] = {}
    origins: dict[str, str] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        try:
            cls = entry.load()
        except Exception as exc:  # a broken plugin must not take hpcspec down
            raise BackendError(f"backend `{entry.name}` ({entry.value}) failed to load: {exc}") from None
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            raise BackendError(f"backend `{entry.name}` ({entry.value}) is not a hpcspec Backend class")
        if cls.name != entry.name:
            raise BackendError(f"backend `{entry.name}` ({entry.value}) calls itself `{cls.name}`")
        if entry.name in found and origins[entry.name] != entry.value:
            raise BackendError(f"two backends are named `{entry.name}`: {origins[entry.name]} and {entry.value}")
        found[entry.name] = cls
        origins[entry.name] = entry.value
    # the built-in backend, also when hpcspec runs from a source tree without its metadata
    found.setdefault(GenericBackend.name, GenericBackend)
    return found
