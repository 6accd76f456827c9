"""Messages to the terminal that can never crash the tool once its work is done.

Standard output may be a closed pipe (``hpcspec check x | head -1``), a full device
(``> /dev/full``), or an ASCII-only stream (``PYTHONIOENCODING=ascii``); standard error may be
closed altogether. None of that changes what hpcspec did: a message that cannot be written is
dropped (characters the stream cannot encode are escaped), and the exit code still tells what
happened. Every message of the command line goes through :func:`out` and :func:`err`.
"""

from __future__ import annotations

import os
import sys

_broken: set[str] = set()


def setup() -> None:
    """Escape what a stream cannot encode instead of failing on it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _write(name: str, text: str) -> None:
    stream = getattr(sys, name)
    if stream is None or name in _broken or not text:
        return
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # EPIPE, ENOSPC, a closed stream
        _silence(name)


def _silence(name: str) -> None:
    """Drop everything still to come on this stream, including what the interpreter would flush
    at exit (which would otherwise print its own error and change the exit code)."""
    _broken.add(name)
    stream = getattr(sys, name)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    try:
        setattr(sys, name, open(os.devnull, "w"))
    except OSError:
        setattr(sys, name, None)


def out(text: str) -> None:
    _write("stdout", text)


def err(text: str) -> None:
    _write("stderr", text)


def finish() -> None:
    """Flush both streams now, while a failure can still be absorbed."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and name not in _broken:
            try:
                stream.flush()
            except (OSError, ValueError):
                _silence(name)


def is_terminal(name: str = "stderr") -> bool:
    stream = getattr(sys, name)
    try:
        return stream is not None and name not in _broken and stream.isatty()
    except (ValueError, OSError):
        return False
