"""Bind mounts: ``"SRC[:DEST[:OPTS]]"`` strings, parsed and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from .types import _abs_path

BIND_OPTIONS = ("ro", "rw")


@dataclass(frozen=True, order=True)
class Bind:
    host: str
    container: str
    mode: str  # "ro" or "rw"
    file: bool = False  # a single file rather than a directory

    def spec(self) -> str:
        """The ``src[:dest[:opts]]`` form runtimes take (shortest that means the same)."""
        text = self.host
        if self.container != self.host or self.mode != "rw":
            text += f":{self.container}"
        if self.mode != "rw":
            text += f":{self.mode}"
        return text


def _side(value: str, which: str) -> str:
    try:
        return _abs_path(value)
    except PydanticCustomError as exc:
        raise PydanticCustomError(exc.type, f"{which} side of the bind: {exc.message()}",
                                  exc.context) from None


def parse_bind(text: str, file: bool = False) -> Bind:
    parts = text.split(":")
    if len(parts) > 3 or any(p == "" for p in parts):
        raise PydanticCustomError(
            "hpcspec_bind", f"`{text}` is not a bind", {
                "help": "write HOST_PATH, HOST_PATH:CONTAINER_PATH or HOST_PATH:CONTAINER_PATH:ro",
                "code": "E0702"})
    host = _side(parts[0], "host")
    container = _side(parts[1], "container") if len(parts) > 1 else host
    mode = parts[2] if len(parts) > 2 else "rw"
    if mode not in BIND_OPTIONS:
        from ..didyoumean import did_you_mean

        raise PydanticCustomError(
            "hpcspec_bind_option", f"unknown bind option `{mode}`", {
                "help": " ".join(filter(None, [did_you_mean(mode, BIND_OPTIONS),
                                               "bind options are `ro` and `rw`"])),
                "code": "E0702"})
    return Bind(host, container, mode, file)


BindDir = Annotated[str, Field(max_length=2048), AfterValidator(lambda v: parse_bind(v, False))]
BindFile = Annotated[str, Field(max_length=2048), AfterValidator(lambda v: parse_bind(v, True))]
