"""CPU tuning flags from archspec: the microarchitecture and compiler tables Spack uses."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

# hpcspec compiler families -> archspec compiler names
ARCHSPEC_COMPILERS = {
    "gcc": "gcc", "clang": "clang", "aocc": "aocc", "intel": "intel",
    "oneapi": "oneapi", "cce": "cce", "nvhpc": "nvhpc",
}


@dataclass(frozen=True)
class Flags:
    flags: tuple[str, ...]
    microarch: str  # the microarchitecture the flags are for (may be an ancestor)
    fallback_reason: str = ""  # why it is not the node's own microarchitecture


# Directories archspec reads its tables from instead of its own (archspec/cpu/schema.py).
TABLE_DIRS = ("ARCHSPEC_CPU_DIR", "ARCHSPEC_EXTENSION_CPU_DIR")


@lru_cache(maxsize=1)
def targets():
    import os

    import archspec.cpu

    from . import inputs
    from .files import read_regular

    for variable in TABLE_DIRS:  # tables named by the environment are inputs like any spec
        directory = os.environ.get(variable)
        if directory:
            for name in ("microarchitectures.json", "microarchitectures_schema.json"):
                path = os.path.join(directory, name)
                try:
                    inputs.read(path, read_regular(path, 64 << 20))
                except OSError:
                    inputs.looked_for(path, False)
    return archspec.cpu.TARGETS


def known_microarchs() -> list[str]:
    return sorted(targets())


def flags_for(microarch: str, family: str, version: str) -> Flags | None:
    """Flags for ``microarch`` with the compiler, else for its nearest supported ancestor.

    None when not even the generic family target is supported.
    """
    import archspec.cpu

    target = targets()[microarch]
    compiler = ARCHSPEC_COMPILERS[family]
    reason = ""
    candidates = [target] + sorted(target.ancestors, key=lambda t: -len(t.ancestors))
    for candidate in candidates:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text = candidate.optimization_flags(compiler, version)
        except archspec.cpu.UnsupportedMicroarchitecture as exc:
            reason = reason or str(exc)
            continue
        return Flags(tuple(text.split()), candidate.name, reason if candidate is not target else "")
    return None
