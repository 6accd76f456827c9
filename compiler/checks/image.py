"""Across the targets built into one image: no target's library search meets an empty file the
image holds for another target (see placeholders.py)."""

from __future__ import annotations

import posixpath

from ..diagnostics import Report
from ..placeholders import canonical, destinations


def _library_dirs(target) -> set[str]:
    value = dict(target.environment).get("LD_LIBRARY_PATH", "")
    return {canonical(entry) for entry in value.split(":") if entry.startswith("/")}


def check_code(targets: list, report: Report) -> None:
    by_arch: dict[str, list] = {}
    for target in targets:
        by_arch.setdefault(target.arch, []).append(target)
    for group in by_arch.values():
        made = {t.name: {canonical(f) for f in destinations(t)[1]} for t in group}
        for target in group:
            searched = _library_dirs(target)
            bound = {canonical(b.container) for b in target.binds if b.file}
            covered = tuple(canonical(b.container) + "/" for b in target.binds if not b.file)  # host dirs hide them
            for other in group:
                if other is target:
                    continue
                clash = sorted(f for f in made[other.name] - bound
                               if posixpath.dirname(f) in searched and not f.startswith(covered))
                if clash:
                    report.error(
                        "E0704", f"the image holds an empty `{clash[0]}` for target `{other.name}`, in a "
                                 f"directory on target `{target.name}`'s LD_LIBRARY_PATH",
                        target.target_span(), label="its library search would stop at the empty file",
                        help=f"`{other.runtime.name}` of `{other.platform_name}` cannot create bind destinations, "
                             "so the image has them as empty files: bind that library for this target too, "
                             "build the two targets into separate images (separate code specs), or set "
                             '`bind_destinations = "runtime"` in its runtime block if the site\'s runtime '
                             "creates missing bind destinations (overlay or underlay)",
                        notes=[f"{len(clash)} such file{'s' if len(clash) > 1 else ''}: {', '.join(clash[:6])}"
                               + ("..." if len(clash) > 6 else "")])
