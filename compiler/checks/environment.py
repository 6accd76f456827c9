"""Environment and binds of a target: names that belong to hpcspec, the scheduler, the launcher
or the runtime; values the runtime would evaluate; binds that clash or cannot be expressed."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from .context import CodeContext

# Set by hpcspec itself: a spec that set them would silently lose or break the bind model.
RESERVED = {
    "LD_LIBRARY_PATH": "list the directories in `ld_library_path`; hpcspec builds the variable",
    "OMP_NUM_THREADS": "it follows the job's cpus_per_task",
    "HPCSPEC_TARGET": "hpcspec uses it to select a target's build",
}


def reserved(plugins) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(name -> (who sets it, why), prefix -> owner) for hpcspec and the given plug-ins."""
    names = {name: ("hpcspec", why) for name, why in RESERVED.items()}
    prefixes: dict[str, str] = {}
    for plugin in plugins:
        names.update({k: (f"the {plugin.kind} {plugin.name}", v) for k, v in plugin.reserved_env.items()})
        prefixes.update({p: f"{plugin.kind} {plugin.name}" for p in plugin.reserved_prefixes})
    return names, prefixes


def check_name(name: str, span, names: dict[str, tuple[str, str]], prefixes: dict[str, str],
               report: Report) -> None:
    if name in names:
        who, why = names[name]
        report.error("E0705", f"`{name}` is set by {who}", span, label="reserved", help=why)
        return
    owner = next((owner for prefix, owner in prefixes.items() if name.startswith(prefix)), None)
    if owner is not None:
        report.error("E0705", f"`{name}` is for the {owner}, not the container", span, label="reserved prefix",
                     help="set the variable itself; hpcspec adds the runtime's prefix where needed")


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    runtime = target.runtime
    names, prefixes = reserved((target.scheduler, target.launcher, runtime))
    for source in target.env_sources:
        check_name(source.name, source.span, names, prefixes, report)
        why = runtime.unescapable(source.value) if source.passed else None
        if why:
            report.error("E0706", f"`{source.name}`: {why}", source.value_span or source.span,
                         label="cannot be passed literally",
                         help="remove `$` and backquotes from the value (hpcspec resolves `${name}` itself), "
                              "or use Apptainer 1.1 or newer, where hpcspec escapes them")
    for conflict in target.bind_conflicts:
        report.error("E0704", f"two binds onto `{conflict.bind.container}` for target `{target.name}`", conflict.span,
                     label=f"also bound from `{conflict.other.host}`" if conflict.other.host != conflict.bind.host
                     else "bound again with other options", help="bind each container path once")
    modes = sorted({b.mode for b in target.binds} - set(runtime.bind_modes))
    if modes:
        report.error("E0507", f"target `{target.name}`: {runtime.name} cannot make `{modes[0]}` binds",
                     target.target_span(), label=f"{runtime.name} binds are {', '.join(runtime.bind_modes)}",
                     help=f"drop `:{modes[0]}` from the binds of this target's platform, MPI and target")
