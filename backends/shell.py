"""Quoting for every context generated text lands in.

- :func:`quote`: one word of a POSIX shell command (``shlex.quote``).
- :class:`Raw`: shell text written by hpcspec itself (``"$image"``, ``"$@"``), never user text.
- :func:`env_line`: a ``NAME='value'`` line of an env file; Apptainer and Singularity evaluate
  env files with a shell interpreter, so the value is single-quoted to stay literal.
- :func:`def_text`: free text in a definition-file section, which must never start a line with
  ``%`` (that would open a new section); the lexer already keeps newlines out of values.
"""

from __future__ import annotations

import re
import shlex
from typing import Iterable, Union


class Raw(str):
    """Shell text that hpcspec wrote itself; passed through unquoted."""


Word = Union[str, Raw]

_SAFE = re.compile(r"[A-Za-z0-9_./=:,@%+\-]+")


def quote(word: Word) -> str:
    if isinstance(word, Raw):
        return str(word)
    text = str(word)
    return text if _SAFE.fullmatch(text) else shlex.quote(text)


def command(words: Iterable, width: int = 96, indent: str = "  ") -> str:
    """Words as one command, continued over lines with `` \\`` where it gets long.

    An item may be a tuple of words that stay on one line (an option and its value).
    """
    groups = [" ".join(quote(w) for w in item) if isinstance(item, tuple) else quote(item)
              for item in words]
    lines: list[str] = []
    current = ""
    for group in groups:
        candidate = f"{current} {group}" if current else group
        if current and len(candidate) > width:
            lines.append(current)
            current = indent + group
        else:
            current = candidate
    lines.append(current)
    return " \\\n".join(lines)


def env_line(name: str, value: str) -> str:
    return f"{name}={shlex.quote(value)}" if value else f"{name}=''"


def double_quoted_literal(value: str) -> str:
    """`value` escaped so that a shell reading it inside double quotes gives it back unchanged
    (the quotes themselves are escaped by whoever adds them)."""
    return value.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")


def export_line(name: str, value: str) -> str:
    return f"export {name}={shlex.quote(value) if value else chr(39) * 2}"


def def_text(text: str) -> str:
    """Text for a definition-file section line (indented by the template)."""
    if "\n" in text or "\r" in text:
        raise ValueError("definition-file text cannot hold line breaks")
    return text
