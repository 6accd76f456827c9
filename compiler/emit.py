"""Stage 6, emit: the plan -> artifacts (relative path, bytes, mode), through the backends."""

from __future__ import annotations

from .diagnostics import Diagnostic, SpecError
from .didyoumean import did_you_mean
from .ir import Plan


def emit(plan: Plan) -> list:
    from hpcspec.backends.base import BackendError, registry
    from hpcspec.backends.containers import UnsupportedFeature, emit_container

    try:
        backends = registry()
    except BackendError as exc:
        raise SpecError([Diagnostic("E0507", str(exc), help="fix or uninstall the plugin")]) from None
    problems: list[Diagnostic] = []
    try:
        artifacts = list(emit_container(plan))
    except UnsupportedFeature as exc:
        raise SpecError([Diagnostic("E0507", f"code `{plan.code}`: {exc}", help=exc.help)]) from None
    for target in plan.targets:
        cls = backends.get(target.backend)
        if cls is None:
            problems.append(Diagnostic("E0507", f"no backend named `{target.backend}` (platform `{target.platform}`)",
                                       help=did_you_mean(target.backend, backends)
                                       or f"installed backends: {', '.join(sorted(backends))}"))
            continue
        backend = cls()
        found = backend.unsupported(target)
        if found:
            problems += found
            continue
        artifacts += backend.emit_target(plan, target)
    if problems:
        raise SpecError(problems)
    paths = [a.path for a in artifacts]
    duplicates = sorted({p for p in paths if paths.count(p) > 1})
    if duplicates:
        raise SpecError([Diagnostic("E0802", f"two artifacts would be written to `{duplicates[0]}`",
                                    help="give the targets distinct names")])
    return sorted(artifacts, key=lambda a: a.path)
