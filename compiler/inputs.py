"""What a compile depends on: the files it read and the paths it looked for and did not find.

The stages that touch the file system report here (`lower.load_source` for spec files,
`resolve` for import candidates, `plan` for a code's local source files; project
configuration is followed by `stamp.py` through the search path itself); `stamp.py` keeps the record so that a later run with the same inputs can
skip the work. Outside `recording()` the calls do nothing.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Iterator

from . import filestate


@dataclass
class Inputs:
    files: dict[str, str] = field(default_factory=dict)  # absolute path -> sha256 of its bytes
    missing: set[str] = field(default_factory=set)  # absolute paths looked for and not found


_recording: list[Inputs] = []


@contextlib.contextmanager
def recording() -> Iterator[Inputs]:
    inputs = Inputs()
    _recording.append(inputs)
    try:
        yield inputs
    finally:
        _recording.remove(inputs)


def read(path, data: bytes) -> None:
    if _recording:
        digest = filestate.sha256(data)
        for inputs in _recording:
            inputs.files[os.path.abspath(path)] = digest


def looked_for(path, found: bool) -> None:
    if _recording and not found:
        for inputs in _recording:
            inputs.missing.add(os.path.abspath(path))
