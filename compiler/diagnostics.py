"""Diagnostics: what went wrong, where, and how to fix it.

Every stage reports problems as :class:`Diagnostic` values collected in a :class:`Report`;
a stage that cannot go on raises :class:`SpecError` carrying everything found so far.
Codes are stable: they are listed in :data:`CODES` and documented in the README.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import Enum
from typing import Iterable

from .source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


# Stable diagnostic codes. The README's table is checked against this one by the tests.
CODES: dict[str, str] = {
    # E01xx: the text does not parse
    "E0101": "unexpected token",
    "E0102": "unterminated string",
    "E0103": "invalid character",
    "E0104": "invalid number, duration or size",
    "E0105": "invalid escape or interpolation syntax in a string",
    "E0106": "unexpected end of file",
    "E0107": "file cannot be read or decoded",
    "E0108": "input too large or too deeply nested",
    # E02xx: the structure does not fit the schema
    "E0201": "unknown key",
    "E0202": "duplicate key or block",
    "E0203": "missing required value",
    "E0204": "wrong type",
    "E0205": "invalid value",
    "E0206": "block where a value is expected, or the reverse",
    "E0207": "missing or unexpected block name",
    "E0208": "invalid name",
    "E0209": "unknown name in ${...} interpolation",
    "E0210": "interpolation cycle",
    "E0211": "`+=` where nothing can be appended to",
    "E0212": "misplaced statement",
    "E0213": "conflicting keys",
    # E03xx: imports and files
    "E0301": "import not found",
    "E0302": "import cycle",
    "E0303": "unknown platform",
    "E0304": "file does not define what it should",
    "E0305": "duplicate definition",
    "E0306": "platform `extends` problem",
    # E04xx: references between specs
    "E0401": "unknown MPI",
    "E0402": "unknown compiler",
    "E0403": "unknown partition",
    "E0404": "unknown QoS",
    "E0405": "QoS not allowed in partition",
    "E0406": "unknown launcher",
    "E0407": "unknown target",
    "E0408": "unknown library",
    "E0409": "unknown scheduler, launcher, runtime or backend",
    # E05xx: compatibility between the container and the site
    "E0501": "MPI ABI mismatch",
    "E0502": "container glibc older than the platform needs",
    "E0503": "unknown CPU microarchitecture",
    "E0504": "compiler cannot target the microarchitecture",
    "E0505": "unknown base image facts",
    "E0506": "model not possible on this platform",
    "E0507": "runtime or scheduler feature not supported",
    "E0508": "launcher cannot start this MPI",
    "E0509": "library the site requires is not linked",
    "E0510": "GPUs cannot be used as asked",
    "E0511": "the image's GPU user space does not fit the host",
    # E06xx: job shape
    "E0601": "job does not fit the node's cores",
    "E0602": "too many nodes for the partition or QoS",
    "E0603": "walltime beyond the partition or QoS limit",
    "E0604": "GPUs the node does not have",
    "E0605": "memory beyond the node's",
    "E0606": "job shape incomplete",
    "E0607": "resource the site requires is missing",
    # E07xx: binds and environment
    "E0701": "bind path not absolute",
    "E0702": "malformed bind",
    "E0703": "invalid environment variable name",
    "E0704": "conflicting bind destinations",
    "E0705": "reserved environment variable",
    "E0706": "environment value the runtime would evaluate",
    # E08xx: output
    "E0801": "two targets install into the same prefix",
    "E0802": "output path conflict",
    "E0803": "output not up to date",
    # W: warnings (do not change the exit code)
    "W0501": "container MPI implements a newer MPI standard than the host MPI",
    "W0504": "CPU flags fall back to an older microarchitecture",
    "W0505": "target built on the host because the code has no container MPI",
    "W0506": "library the site recommends is not linked",
    "W0507": "the image's GPU user space is not known",
    "W0601": "threads span NUMA regions",
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    label: str = ""
    help: str = ""
    notes: tuple[str, ...] = ()
    severity: Severity = Severity.ERROR

    def sort_key(self) -> tuple:
        where = self.span.key() if self.span else ("", 0, 0, 0, 0)
        return (where, self.code, self.message)

    def to_dict(self) -> dict:
        data: dict = {"code": self.code, "severity": self.severity.value, "message": self.message}
        if self.span is not None:
            data.update(
                file=self.span.file,
                line=self.span.line,
                column=self.span.column,
                end_line=self.span.end_line,
                end_column=self.span.end_column,
            )
        if self.label:
            data["label"] = self.label
        if self.help:
            data["help"] = self.help
        if self.notes:
            data["notes"] = list(self.notes)
        return data


class Report:
    """Collects diagnostics from a stage; duplicates (same code, place, message) are dropped."""

    def __init__(self) -> None:
        self._items: dict[tuple, Diagnostic] = {}
        self._poisoned: set[tuple] = set()

    def poison(self, span: Span) -> None:
        """Errors already explain this value: later errors at exactly this span are dropped."""
        self._poisoned.add(span.key())

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic.span is not None and diagnostic.span.key() in self._poisoned:
            return
        # one diagnostic per code and place: a value merged into several targets is reported once
        key = (diagnostic.code, diagnostic.span.key()) if diagnostic.span else diagnostic.sort_key()
        self._items.setdefault(key, diagnostic)

    def error(self, code: str, message: str, span: Span | None = None, *, label: str = "",
              help: str = "", notes: Iterable[str] = ()) -> None:
        self.add(Diagnostic(code, message, span, label, help, tuple(notes)))

    def warning(self, code: str, message: str, span: Span | None = None, *, label: str = "",
                help: str = "", notes: Iterable[str] = ()) -> None:
        self.add(Diagnostic(code, message, span, label, help, tuple(notes), Severity.WARNING))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.add(diagnostic)

    @property
    def items(self) -> list[Diagnostic]:
        return sorted(self._items.values(), key=Diagnostic.sort_key)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self._items.values())

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise SpecError(self.items)


class SpecError(Exception):
    """Raised by a stage that found errors; carries every diagnostic found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        first = next((d for d in self.diagnostics if d.severity is Severity.ERROR), None)
        super().__init__(first.message if first else "errors in specs")


# ----------------------------------------------------------------------------------------------
# Rendering


MAX_SHOWN = 100  # characters of a source line shown around a span


def _printable(text: str) -> str:
    """Replace control characters one-for-one so that carets stay aligned and terminals safe."""
    return "".join(
        ch if (ch >= " " and ch != "\x7f" and not 0x80 <= ord(ch) < 0xA0) else "\ufffd" for ch in text
    )


class _Style:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text


def use_colour(stream=None) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org) or TERM=dumb."""
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    if stream is None:
        from .console import is_terminal

        return is_terminal("stderr")
    return hasattr(stream, "isatty") and stream.isatty()


def render_text(diagnostic: Diagnostic, colour: bool = False) -> str:
    style = _Style(colour)
    head_colour = "1;31" if diagnostic.severity is Severity.ERROR else "1;33"
    lines = [
        style(f"{diagnostic.severity.value}[{diagnostic.code}]", head_colour)
        + style(f": {_printable(diagnostic.message)}", "1")
    ]
    span = diagnostic.span
    if span is not None:
        number = str(span.line)
        pad = " " * len(number)
        raw = span.source.line(span.line)
        start = min(span.column - 1, len(raw))
        end = span.end_column - 1 if span.end_line == span.line else len(raw)
        if len(raw) > MAX_SHOWN:  # a window of a very long line around the span: linear, not quadratic
            left = max(0, start - MAX_SHOWN // 4)
            right = min(len(raw), left + MAX_SHOWN)
            text = ("…" if left else "") + _printable(raw[left:right].replace("\t", " ")) + \
                ("…" if right < len(raw) else "")
            shift = left - (1 if left else 0)
            start, end = start - shift, min(end, right) - shift
        else:
            text = _printable(raw.replace("\t", " "))
        width = max(1, min(end, len(text)) - start)
        caret = " " * start + "^" * width
        label = f" {_printable(diagnostic.label)}" if diagnostic.label else ""
        lines += [
            f"{pad}{style('-->', '1;34')} {_printable(span.file)}:{span.line}:{span.column}",
            f"{pad} {style('|', '1;34')}",
            f"{style(number, '1;34')} {style('|', '1;34')} {text}".rstrip(),
            f"{pad} {style('|', '1;34')} {style(caret + label, head_colour)}",
        ]
    for note in diagnostic.notes:
        lines.append(f"{' ' * (len(str(span.line)) if span else 0)} = note: {_printable(note)}")
    if diagnostic.help:
        lines.append(f"{' ' * (len(str(span.line)) if span else 0)} = help: {_printable(diagnostic.help)}")
    # where to read more: every code has an explanation, an example and its fix (explain.py)
    lines.append(f"{' ' * (len(str(span.line)) if span else 0)} = see: hpcspec explain {diagnostic.code}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], colour: bool = False) -> str:
    diagnostics = list(diagnostics)
    blocks = [render_text(d, colour) for d in diagnostics]
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    if errors or warnings:
        parts = []
        if errors:
            parts.append(f"{errors} error{'s' if errors != 1 else ''}")
        if warnings:
            parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        blocks.append(" and ".join(parts) + (" found" if errors else ""))
    return "\n\n".join(blocks) + "\n"


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
