"""Run one command as a whole process: its wall time and its own peak memory.

Linux charges a process, at exec, with the peak RSS of the memory it replaces: a child forked
(or vforked) from a big benchmark process reports at least the parent's size in `ru_maxrss`.
So the command is started by a small intermediary (`python -S`, only `os` and `time`
imported, about 5 MB), which forks, execs the command, times it from fork to reap and
writes "seconds max_rss_kib" to a pipe. The command's numbers are then its own, with a floor
of the intermediary's few MB, below any Python program.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SPAWN = """import os, sys, time
fd = int(sys.argv[1])
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(fd, f"{time.perf_counter() - start} {usage.ru_maxrss}".encode())
os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


@dataclass
class Sample:
    seconds: float
    max_rss_kib: int  # ru_maxrss is in KiB on Linux


class ProcessFailed(RuntimeError):
    pass


def run_process(argv: list[str], cwd: Path, expect: int | None = 0) -> tuple[Sample, int, bytes]:
    """Run argv to completion with stdout discarded; (sample, exit code, stderr)."""
    read, write = os.pipe()
    try:
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen([sys.executable, "-S", "-c", _SPAWN, str(write), *argv], cwd=cwd,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                                    pass_fds=(write,))
            os.close(write)
            write = -1
            report = os.read(read, 256).decode()
            code = proc.wait()
            errors.seek(0)
            stderr = errors.read()
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)
    if not report or (expect is not None and code != expect):
        raise ProcessFailed(f"`{shlex.join(argv)}` (in {cwd}) exited {code}, expected {expect}:\n"
                            f"{stderr.decode(errors='replace')[-2000:]}")
    seconds, rss = report.split()
    return Sample(float(seconds), int(rss)), code, stderr
