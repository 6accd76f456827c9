"""Bind destinations an image must hold because a target's runtime cannot create them at run
time (writable images, host builds, Singularity 3.7+ without overlay or underlay): the build
makes them as empty directories and empty files.

An empty file is harmless where the runtime mounts a host file over it, and fatal where a
library search finds it unmounted: the dynamic loader stops at it ("file too short") instead of
going on to the next directory. So a placeholder made for one target must not lie in a
directory on the LD_LIBRARY_PATH of another target built into the same image, unless that
target binds the same file (checks/image.py)."""

from __future__ import annotations

import posixpath

# merged-/usr images (Debian, Ubuntu, RHEL 8+): these are symbolic links to their /usr twins
_MERGED = (("/lib64", "/usr/lib64"), ("/lib", "/usr/lib"), ("/bin", "/usr/bin"), ("/sbin", "/usr/sbin"))


def destinations(target) -> tuple[set[str], set[str]]:
    """(directories, files) the image must hold for `target` (TargetFacts or TargetPlan)."""
    dirs: set[str] = set()
    files: set[str] = set()
    runtime = target.runtime
    if runtime.needs_bind_destinations() or target.model == "host":
        for bind in target.binds:
            (files if bind.file else dirs).add(bind.container)
        if runtime.workdir_mount not in (None, "same"):
            dirs.add(runtime.workdir_mount)
    return dirs, files


def canonical(path: str) -> str:
    """`path` as a merged-/usr image resolves it (/lib64/x -> /usr/lib64/x), normalised."""
    path = posixpath.normpath(path)
    for short, long in _MERGED:
        if path == short or path.startswith(short + "/"):
            return long + path[len(short):]
    return path
