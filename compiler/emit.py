"""Stage 6, emit: the plan -> artifacts (relative path, bytes, mode), through the backends."""

from __future__ import annotations

from dataclasses import replace

from .diagnostics import Diagnostic, SpecError
from .didyoumean import did_you_mean
from .ir import Plan


def _span(plan: Plan, where: tuple):
    """The span of the value at `where` in the code spec, else of the nearest block around it."""
    if plan.spans is None:
        return None
    return plan.spans.values.get(where) or plan.spans.block_head(where)


def _top(path: str) -> str:
    """The name a path takes directly in its code directory."""
    return path.split("/")[1]


def emit(plan: Plan) -> list:
    from hpcspec.backends.containers import UnsupportedFeature, emit_container, is_reserved

    from .registry import PluginError, registry

    try:
        backends = registry("backend")
    except PluginError as exc:
        raise SpecError([Diagnostic("E0409", str(exc), help="fix or uninstall the plug-in")]) from None
    problems: list[Diagnostic] = []
    try:
        artifacts = list(emit_container(plan))
    except UnsupportedFeature as exc:
        raise SpecError([Diagnostic("E0507", f"code `{plan.code}`: {exc}", _span(plan, exc.where),
                                    help=exc.help)]) from None
    # top-level name in the code directory -> what has its files there
    placed: dict[str, str] = {_top(a.path): "the container recipe" for a in artifacts}
    for target in plan.targets:
        cls = backends.get(target.backend)
        if cls is None:
            problems.append(Diagnostic("E0409", f"no backend named `{target.backend}` (platform `{target.platform}`)",
                                       _span(plan, ("target", target.name)),
                                       help=did_you_mean(target.backend, backends)
                                       or f"installed backends: {', '.join(sorted(backends))}"))
            continue
        backend = cls()
        found = backend.unsupported(target)
        if found:
            problems += [replace(d, span=d.span or _span(plan, ("target", target.name))) for d in found]
            continue
        own = [replace(a, target=target.name) for a in backend.emit_target(plan, target)]
        for top in sorted({_top(a.path) for a in own}):
            if top in placed or is_reserved(plan.code, top):  # a target's directory is its own
                problems.append(Diagnostic(
                    "E0802", f"target `{target.name}` would write its files into `{plan.code}/{top}`, where "
                             f"{placed.get(top, 'the container recipe')} has its files",
                    plan.spans.keys.get(("target", target.name)) if plan.spans else None,
                    label="this name is taken in the output",
                    help="rename the target (the code directory holds the definition file, the "
                         "Dockerfile and hpcspec/ beside one directory per target)"))
            placed.setdefault(top, f"target `{target.name}`")
        artifacts += own
    if problems:
        raise SpecError(problems)
    paths = [a.path for a in artifacts]
    duplicates = sorted({p for p in paths if paths.count(p) > 1})
    if duplicates:
        raise SpecError([Diagnostic("E0802", f"two artifacts would be written to `{duplicates[0]}`",
                                    _span(plan, ()), help="give the targets distinct names")])
    return sorted(artifacts, key=lambda a: a.path)
