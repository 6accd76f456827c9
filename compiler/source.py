"""Source files and spans: where every value of a spec came from."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """A spec file's text and the name it is shown under in diagnostics."""

    path: Path  # resolved path on disk (never shown in output)
    display: str  # the name shown in diagnostics and provenance
    text: str
    lines: tuple[str, ...] = field(init=False, repr=False, compare=False)
    starts: tuple[int, ...] = field(init=False, repr=False, compare=False)  # offset of each line

    def __post_init__(self) -> None:
        lines = tuple(self.text.split("\n"))
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "starts", (0, *accumulate(len(line) + 1 for line in lines[:-1])))

    def line(self, number: int) -> str:
        """The text of 1-based line ``number`` (empty past the end)."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1].rstrip("\r")
        return ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset)  # O(log n): a spec has many spans
        return line, offset - self.starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(max(start, end))
        return Span(self, line, col, end_line, end_col)


@dataclass(frozen=True)
class Span:
    """A range of a source file; lines and columns are 1-based, the end column exclusive."""

    source: SourceFile
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def file(self) -> str:
        return self.source.display

    def key(self) -> tuple[str, int, int, int, int]:
        return (self.file, self.line, self.column, self.end_line, self.end_column)

    def __repr__(self) -> str:  # keep test failure output short
        return f"Span({self.file}:{self.line}:{self.column}-{self.end_line}:{self.end_column})"
