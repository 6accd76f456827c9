"""Reading files that hpcspec did not make: only regular files, never blocking, never unbounded.

A spec, a local source file, a project configuration, a stamp or an output file can be replaced
by a FIFO (opening it would wait forever), a device, a directory or a file of gigabytes. Every
read of such a file goes through :func:`read_regular`: the file is opened without blocking,
checked to be a regular file, and read up to a limit.
"""

from __future__ import annotations

import errno
import os
import stat


class TooLarge(OSError):
    """The file is larger than the limit the caller set; `size` is its size."""

    def __init__(self, path, size: int, limit: int) -> None:
        super().__init__(errno.EFBIG, f"file is too large ({size} bytes; the limit is {limit})", str(path))
        self.size = size
        self.limit = limit


def read_regular(path, limit: int, follow: bool = True, truncate: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Raises OSError (with a readable strerror) for anything else: a missing file, a FIFO, socket
    or device ("not a regular file"), a directory, a symlink when `follow` is off, and
    :class:`TooLarge` for a file over the limit (nothing past the limit is read). With
    `truncate`, a larger file gives its first `limit + 1` bytes instead (the caller tells).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    handle = os.open(path, flags)
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit and not truncate:
            raise TooLarge(path, info.st_size, limit)
        chunks = []
        total = 0
        while total <= limit:
            chunk = os.read(handle, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit and not truncate:  # it grew while being read
            raise TooLarge(path, total, limit)
        return b"".join(chunks)
    finally:
        os.close(handle)


def read_or_none(path, limit: int, follow: bool = True) -> bytes | None:
    try:
        return read_regular(path, limit, follow)
    except OSError:
        return None
