"""Has a file changed? Content hashes, with the file's stat as a shortcut once it has settled.

An entry is ``[sha256, signature]``. The signature (size, mtime, ctime, inode) is recorded
only for a file that has not changed for a second: a write within the file system's timestamp
granularity could leave all four as they were (git calls such entries "racily clean"), so for
a younger file only its content counts. A later check that finds the content unchanged and the
file settled returns a refreshed entry with the signature, so that from then on a check costs
one `stat` and no reading or hashing (nor importing hashlib).
"""

from __future__ import annotations

import os
import time

SETTLED_NS = 1_000_000_000


def _signature(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def _settled(stat: os.stat_result) -> bool:
    return time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED_NS


def sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


MAX_BYTES = 256 << 20  # beyond any file a compile reads (spec files are capped at 2 MiB)


def entry(path: str, data: bytes | None = None) -> list | None:
    """The entry for `path` as it is now (its bytes if already read); None if unreadable or
    not a regular file (a FIFO there is never opened for reading)."""
    try:
        stat = os.stat(path)
        if data is None:
            from .files import read_regular

            data = read_regular(path, MAX_BYTES)
    except OSError:
        return None
    return [sha256(data), _signature(stat) if _settled(stat) else None]


def check(path: str, recorded) -> tuple[bool, list | None]:
    """(unchanged?, a refreshed entry to record instead, or None)."""
    try:
        stat = os.stat(path)
    except OSError:
        return False, None
    if not isinstance(recorded, list) or len(recorded) != 2:
        return False, None
    digest, signature = recorded
    if signature is not None and signature == _signature(stat):
        return True, None
    now = entry(path)
    if now is None or now[0] != digest:
        return False, None
    return True, (now if now[1] is not None else None)
