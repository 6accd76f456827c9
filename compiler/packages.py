"""The packages the generated recipe itself needs (downloaders, unpackers, build tools).

A code spec lists what the code needs; hpcspec adds what its own %post steps call, named as
each package manager names them.
"""

from __future__ import annotations

from .ir import SourcePlan

# tool -> package name, per package manager
_NAMES = {
    "apt": {"curl": "curl", "certs": "ca-certificates", "git": "git", "cmake": "cmake", "make": "make",
            "xz": "xz-utils", "bzip2": "bzip2", "tar": "tar", "gzip": "gzip"},
    "dnf": {"curl": "curl", "certs": "ca-certificates", "git": "git", "cmake": "cmake", "make": "make",
            "xz": "xz", "bzip2": "bzip2", "tar": "tar", "gzip": "gzip"},
    "zypper": {"curl": "curl", "certs": "ca-certificates", "git": "git", "cmake": "cmake", "make": "make",
               "xz": "xz", "bzip2": "bzip2", "tar": "tar", "gzip": "gzip"},
    "apk": {"curl": "curl", "certs": "ca-certificates", "git": "git", "cmake": "cmake", "make": "make",
            "xz": "xz", "bzip2": "bzip2", "tar": "tar", "gzip": "gzip"},
}
_NAMES["yum"] = _NAMES["dnf"]


def tools(source: SourcePlan, build_kinds: list[str]) -> list[str]:
    needed: list[str] = []
    if source.kind == "url":
        needed += ["curl", "certs", "tar", "gzip"]
        archive = source.archive or ""
        if archive.endswith((".xz", ".txz")):
            needed.append("xz")
        if archive.endswith((".bz2", ".tbz2", ".tbz")):
            needed.append("bzip2")
    elif source.kind == "git":
        needed += ["git", "certs"]
    if "cmake" in build_kinds:
        needed += ["cmake", "make"]
    if {"make", "autotools"} & set(build_kinds):
        needed.append("make")
    return needed


def tools_for(manager: str | None, source: SourcePlan, build_kinds: list[str]) -> list[str]:
    if manager is None:
        return []
    names = _NAMES[manager]
    return [names[tool] for tool in tools(source, build_kinds)]
