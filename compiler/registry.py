"""Open registries of plug-ins, fed by entry-point groups (like sqlglot's dialects).

Built-in schedulers, launchers, runtimes and the generic backend register themselves through
hpcspec's own entry points (pyproject.toml); a third-party package adds its classes to the same
groups. Every class is checked on load: it must subclass the base of its kind and carry the
name it is registered under; two classes under one name are refused. The compiler looks plug-ins
up by the names platform specs write, and suggests the nearest when a name is unknown.
"""

from __future__ import annotations

from functools import lru_cache

GROUPS = {
    "scheduler": ("hpcspec.schedulers", "hpcspec.backends.plugin", "Scheduler"),
    "launcher": ("hpcspec.launchers", "hpcspec.backends.plugin", "Launcher"),
    "runtime": ("hpcspec.runtimes", "hpcspec.backends.plugin", "Runtime"),
    "backend": ("hpcspec.backends", "hpcspec.backends.base", "Backend"),
}


class PluginError(Exception):
    """A plug-in that cannot be used: it fails to load, or is not what its entry point says."""


@lru_cache(maxsize=None)
def registry(kind: str) -> dict[str, type]:
    """Every plug-in of `kind`, by name."""
    from importlib import import_module
    from importlib.metadata import entry_points

    group, module, base_name = GROUPS[kind]
    base = getattr(import_module(module), base_name)
    found: dict[str, type] = {}
    origins: dict[str, str] = {}
    for entry in sorted(entry_points(group=group), key=lambda e: (e.name, e.value)):
        if entry.name in found and origins[entry.name] == entry.value:
            continue  # the same class seen through two installations of one distribution
        try:
            cls = entry.load()
        except Exception as exc:  # a broken plug-in must not take hpcspec down
            raise PluginError(f"{kind} `{entry.name}` ({entry.value}) failed to load: {exc}") from None
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise PluginError(f"{kind} `{entry.name}` ({entry.value}) is not a hpcspec {base_name} class")
        if cls.name != entry.name:
            raise PluginError(f"{kind} `{entry.name}` ({entry.value}) calls itself `{cls.name}`")
        if entry.name in found:
            raise PluginError(f"two {kind}s are named `{entry.name}`: {origins[entry.name]} and {entry.value}")
        found[entry.name] = cls
        origins[entry.name] = entry.value
    return found


def names(kind: str) -> list[str]:
    try:
        return sorted(registry(kind))
    except PluginError:
        return []
