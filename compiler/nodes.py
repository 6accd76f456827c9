"""The syntax tree after lowering: typed nodes that carry their source spans."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Union

from .source import SourceFile, Span


@dataclass(frozen=True)
class Duration:
    """A walltime literal such as ``1h30min``; compared and stored in seconds."""

    seconds: int

    def hms(self) -> str:
        """``[D-]HH:MM:SS``, the form Slurm and PBS accept."""
        days, rest = divmod(self.seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
        return f"{days}-{clock}" if days else clock

    def total_hms(self) -> str:
        """``HH:MM:SS`` with hours beyond 24 (PBS ``walltime``)."""
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}"

    def __str__(self) -> str:
        units = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
        rest, out = self.seconds, ""
        for unit, size in units:
            count, rest = divmod(rest, size)
            if count:
                out += f"{count}{unit}"
        return out or "0s"


@dataclass(frozen=True)
class Size:
    """A memory literal such as ``256GiB``; stored in bytes."""

    bytes: int

    def mebibytes(self) -> int:
        return -(-self.bytes // (1 << 20))

    def __str__(self) -> str:
        for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
            if self.bytes % size == 0 and self.bytes >= size:
                return f"{self.bytes // size}{unit}"
        return f"{self.bytes}B"


@dataclass(frozen=True)
class Ref:
    """A ``${name}`` inside a string."""

    name: str
    span: Span


@dataclass(frozen=True)
class Value:
    """A literal: kind is one of string, int, bool, duration, size, list."""

    kind: str
    value: object  # str | int | bool | Duration | Size | tuple[Value, ...]
    span: Span
    parts: tuple[Union[str, Ref], ...] = ()  # strings with interpolation, before it is resolved

    def with_value(self, value: object) -> "Value":
        return replace(self, value=value, parts=())

    def plain(self) -> object:
        """The Python value (lists become lists of plain values)."""
        if self.kind == "list":
            return [item.plain() for item in self.value]  # type: ignore[union-attr]
        return self.value


KIND_NAMES = {
    "string": "a string",
    "int": "an integer",
    "bool": "a boolean",
    "duration": "a duration",
    "size": "a size",
    "list": "a list",
    "block": "a block",
}


@dataclass(frozen=True)
class Assignment:
    key: str
    key_span: Span
    op: str  # "=" or "+="
    value: Value
    span: Span


@dataclass(frozen=True)
class Import:
    target: str
    span: Span  # the string
    statement_span: Span


@dataclass(frozen=True)
class Block:
    kind: str
    kind_span: Span
    label: str | None
    label_span: Span | None
    items: tuple["Item", ...]
    span: Span  # the whole block
    head_span: Span  # kind and label: where "missing value" errors point

    def assignments(self) -> list[Assignment]:
        return [i for i in self.items if isinstance(i, Assignment)]

    def blocks(self) -> list["Block"]:
        return [i for i in self.items if isinstance(i, Block)]

    def get(self, key: str) -> Assignment | None:
        for item in self.items:
            if isinstance(item, Assignment) and item.key == key:
                return item
        return None

    def child(self, kind: str, label: str | None = None) -> "Block | None":
        for item in self.items:
            if isinstance(item, Block) and item.kind == kind and item.label == label:
                return item
        return None


Item = Union[Assignment, Block, Import]


@dataclass(frozen=True)
class Comment:
    """A ``# ...`` comment, kept for the formatter (the grammar ignores comments)."""

    text: str  # from `#` to the end of its line, trailing blanks removed
    span: Span
    own_line: bool  # alone on its line; else it ends a line of code


@dataclass(frozen=True)
class SpecFile:
    source: SourceFile
    imports: tuple[Import, ...]
    blocks: tuple[Block, ...]
    items: tuple[Item, ...] = field(repr=False, default=())
    comments: tuple[Comment, ...] = field(repr=False, default=())
