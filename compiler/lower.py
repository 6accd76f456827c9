"""Stage 2, lower: lark tree -> :mod:`hpcspec.nodes`, with literals decoded and checked.

A lark ``Transformer`` with one method per grammar rule builds the nodes bottom-up (as
python-hcl2's transformer does); it is lark's non-recursive one, so that nesting up to the parser's
limit never approaches Python's recursion limit. Literals are read by two regular expressions:
the pieces of a string (text, escapes, ``$$``, ``${name}``) and the parts of a number, duration
or size. Comments, which the grammar ignores, are collected in a separate pass for the
formatter. Every problem found is collected before the stage fails.
"""

from __future__ import annotations

import os
import re

from . import inputs
from .diagnostics import Report, SpecError
from .files import read_regular
from .didyoumean import suggest
from .nodes import Assignment, Block, Comment, Duration, Import, Ref, Size, SpecFile, Value
from .source import SourceFile

DURATION_UNITS = {"d": 86400, "h": 3600, "min": 60, "s": 1}
SIZE_UNITS = {
    "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
}
MAX_INT = 2**53  # beyond any real node count, core count or byte size

# A number token (grammar: /[0-9][0-9A-Za-z_.]*/) is a run of these: an amount and its unit.
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")  # the grammar's NAME: keys, kinds, unquoted labels, ${refs}
# The body of a string token (between its quotes), piece by piece. `${` takes everything up to
# the first `}` (or the end) so that a malformed reference is reported whole.
_STRING_PIECE = re.compile(r"""
    (?P<text>[^\\$]+)
  | \\(?P<escape>.?)
  | (?P<dollar>\$\$)
  | \$\{(?P<ref>[^}]*)(?P<close>\})?
  | (?P<lone>\$)
""", re.VERBOSE | re.DOTALL)
# In a file that parses, `"` and `#` only occur in strings and comments: scanning for both in
# order finds every comment and never one inside a string.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def _whole(parts: list) -> list:
    """String pieces with adjacent text joined."""
    out: list = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return out


def _lowerer_class():
    """The transformer, made on first use: lark is imported only by runs that parse."""
    from lark import Token
    from lark.visitors import Transformer_NonRecursive

    class Lowerer(Transformer_NonRecursive):
        """One method per grammar rule, called as ``rule(meta, children)``."""

        def __init__(self, source: SourceFile) -> None:
            super().__init__(visit_tokens=False)
            self.source = source
            self.report = Report()

        def _call_userfunc(self, tree, new_children=None):
            # what `@v_args(meta=True)` does, without the wrapper lark builds on every call
            # (which took as long as the rest of lowering)
            return getattr(self, tree.data)(tree.meta, tree.children if new_children is None else new_children)

        def span(self, meta_or_token):
            return self.source.span(meta_or_token.start_pos, meta_or_token.end_pos)

        # -- statements ----------------------------------------------------------------------------
        def start(self, meta, children) -> list:
            return [child for child in children if child is not None]

        def import_stmt(self, meta, children) -> Import:
            text = self.string_token(children[0])
            return Import(text.value if isinstance(text.value, str) else "", text.span, self.span(meta))

        def assignment(self, meta, children) -> Assignment:
            name, op, value = children
            return Assignment(str(name), self.span(name), str(op), value, self.span(meta))

        def label(self, meta, children) -> Token:
            return children[0]

        def block(self, meta, children) -> Block:
            kind, label, *body = children
            label_text = label_span = None
            if label is not None:
                label_span = self.span(label)
                label_text = self.block_name(label)
            head_end = label.end_pos if label is not None else kind.end_pos
            head = self.source.span(kind.start_pos, head_end)
            items = tuple(item for item in body if item is not None)
            return Block(str(kind), self.span(kind), label_text, label_span, items, self.span(meta), head)

        def block_name(self, token) -> str:
            if token.type != "STRING":
                return str(token)
            value = self.string_token(token)
            if value.parts:
                self.report.error("E0105", "a block name cannot use `${...}`", value.span,
                                  help="write the name literally")
            return value.value if isinstance(value.value, str) else ""

        # -- values --------------------------------------------------------------------------------
        def string(self, meta, children) -> Value:
            return self.string_token(children[0])

        def number(self, meta, children) -> Value:
            return self.number_token(children[0])

        def true(self, meta, children) -> Value:
            return Value("bool", True, self.span(meta))

        def false(self, meta, children) -> Value:
            return Value("bool", False, self.span(meta))

        def list(self, meta, children) -> Value:
            return Value("list", tuple(child for child in children if child is not None), self.span(meta))

        def number_token(self, token) -> Value:
            return _number(str(token), self.span(token), self.report)

        def string_token(self, token) -> Value:
            return _string(str(token), token.start_pos, self.source, self.report)

    return Lowerer


_LOWERER = None


def _lowerer(source: SourceFile):
    global _LOWERER
    if _LOWERER is None:
        _LOWERER = _lowerer_class()
    return _LOWERER(source)


# -- literals ----------------------------------------------------------------------------------

def _number(text: str, span, report: Report) -> Value:
    """An integer, a duration (1h30min) or a size (64GiB)."""
    if text.isdigit():
        number = int(text)
        if number > MAX_INT:
            report.error("E0104", "number too large", span, help=f"the largest number is {MAX_INT}")
        return Value("int", number, span)
    parts = _PART.findall(text)
    if "".join(a + b for a, b in parts) != text or not parts or any(not unit for _, unit in parts):
        report.error("E0104", f"`{text}` is not a number, duration or size", span,
                     help="write an integer (128), a duration (1h30min) or a size (64GiB)")
        return Value("int", 0, span)
    units = [unit for _, unit in parts]
    if all(u in DURATION_UNITS for u in units):
        return _duration(text, parts, span, report)
    if len(parts) == 1 and units[0] in SIZE_UNITS:
        return _size(text, parts[0], span, report)
    _unknown_unit(text, units, span, report)
    return Value("int", 0, span)


def _duration(text: str, parts: list, span, report: Report) -> Value:
    if any("." in number for number, _ in parts):
        report.error("E0104", "durations use whole numbers", span, help="write 1h30min, not 1.5h")
        return Value("duration", Duration(0), span)
    order = [list(DURATION_UNITS).index(unit) for _, unit in parts]
    if order != sorted(set(order)):
        report.error("E0104", f"units of `{text}` out of order or repeated", span,
                     help="write the largest unit first, each once: 1d12h30min")
    seconds = sum(int(n) * DURATION_UNITS[u] for n, u in parts)
    return Value("duration", Duration(seconds), span)


def _size(text: str, part: tuple[str, str], span, report: Report) -> Value:
    number, unit = part
    amount = float(number) * SIZE_UNITS[unit]
    if amount != int(amount):
        report.error("E0104", f"`{text}` is not a whole number of bytes", span, help="use a smaller unit")
    if amount > MAX_INT:
        report.error("E0104", "size too large", span)
    return Value("size", Size(int(amount)), span)


# common spellings of units, and what they mean here
_UNIT_TYPOS = {"m": "min", "hr": "h", "hrs": "h", "mins": "min", "sec": "s", "days": "d"}


def _unknown_unit(text: str, units: list[str], span, report: Report) -> None:
    bad = next((u for u in units if u not in DURATION_UNITS and u not in SIZE_UNITS), units[0])
    guess = suggest(bad, [*DURATION_UNITS, *SIZE_UNITS, *_UNIT_TYPOS])
    guess = _UNIT_TYPOS.get(guess, guess) if guess else None
    help = f"did you mean `{guess}`? " if guess else ""
    help += "duration units: d, h, min, s; size units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB"
    report.error("E0104", f"unknown unit `{bad}` in `{text}`", span, help=help)


def _string(raw: str, start: int, source: SourceFile, report: Report) -> Value:
    """A string token: unescaped, split into text and ``${name}`` references."""
    base = start + 1  # the body starts after the opening quote
    body = raw[1:-1]
    parts: list = []
    for piece in _STRING_PIECE.finditer(body):
        kind = piece.lastgroup if piece.lastgroup != "close" else "ref"
        at = piece.start()
        if kind == "text" or kind == "lone":
            parts.append(piece.group())
        elif kind == "dollar":
            parts.append("$")
        elif kind == "escape":
            char = piece.group("escape")
            if char in ('"', "\\"):
                parts.append(char)
            else:
                report.error("E0105", f"unknown escape `\\{char}`", source.span(base + at, base + at + 2),
                             help='the only escapes are \\" and \\\\; strings cannot hold newlines or tabs')
        elif piece.group("close") is None or not NAME.fullmatch(piece.group("ref")):
            report.error("E0105", "malformed `${...}` interpolation", source.span(base + at, base + piece.end()),
                         help="write ${name} with a key of an enclosing block, or $$ for a literal `$`")
        else:
            parts.append(Ref(piece.group("ref"), source.span(base + at, base + piece.end())))
    span = source.span(start, start + len(raw))
    parts = _whole(parts)
    if any(isinstance(p, Ref) for p in parts):
        return Value("string", None, span, tuple(parts))
    return Value("string", "".join(parts), span)


def comments(source: SourceFile) -> tuple[Comment, ...]:
    """Every comment of a file that parses, with whether it stands on a line of its own."""
    out = []
    text = source.text
    for match in _STRING_OR_COMMENT.finditer(text):
        if match.group().startswith("#"):
            line_start = text.rfind("\n", 0, match.start()) + 1
            own_line = not text[line_start:match.start()].strip()
            out.append(Comment(match.group().rstrip(), source.span(match.start(), match.end()), own_line))
    return tuple(out)


def lower(source: SourceFile, tree) -> SpecFile:
    lowerer = _lowerer(source)
    items = lowerer.transform(tree)
    report = lowerer.report
    imports = tuple(i for i in items if isinstance(i, Import))
    blocks = tuple(i for i in items if isinstance(i, Block))
    seen_block = False
    for item in items:
        if isinstance(item, Assignment):
            report.error("E0212", f"`{item.key} = ...` outside any block", item.key_span,
                         help="put it inside the `code` or `platform` block")
        elif isinstance(item, Block):
            seen_block = True
        elif isinstance(item, Import) and seen_block:
            report.error("E0212", "imports belong at the top of the file", item.statement_span,
                         help="move this import above the first block")
    _check_nested_imports(blocks, report)
    report.raise_if_errors()
    return SpecFile(source, imports, blocks, tuple(items), comments(source))


def _check_nested_imports(blocks, report: Report) -> None:
    stack = list(blocks)
    while stack:
        block = stack.pop()
        for item in block.items:
            if isinstance(item, Import):
                report.error("E0212", "imports belong at the top of the file", item.statement_span,
                             help="move this import above the first block")
            elif isinstance(item, Block):
                stack.append(item)


def load_source(path, display: str) -> SourceFile:
    """Read a spec file as UTF-8; unreadable or undecodable files are located errors."""
    from pathlib import Path

    from .diagnostics import Diagnostic

    from .parse import MAX_FILE_BYTES, too_large

    path = Path(path)
    try:
        # never more than the limit: a huge file is refused unread; a FIFO is never waited on
        data = read_regular(path, MAX_FILE_BYTES, truncate=True)
        size = os.stat(path).st_size
    except OSError as exc:
        raise SpecError([Diagnostic("E0107", f"cannot read `{display}`: {exc.strerror or exc}")]) from None
    inputs.read(path, data)
    if len(data) > MAX_FILE_BYTES:
        head = data[:4096].decode("utf-8", "replace")  # enough to show the first line
        raise SpecError([too_large(SourceFile(path, display, head), max(size, len(data)))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        probe = SourceFile(path, display, data[: exc.start].decode("utf-8", "replace"))
        line, col = probe.position(len(probe.text))
        source = SourceFile(path, display, data.decode("utf-8", "replace"))
        from .source import Span

        raise SpecError([Diagnostic("E0107", "file is not valid UTF-8", Span(source, line, col, line, col + 1),
                                    help="save the file as UTF-8")]) from None
    return source_text(path, display, text)


def source_text(path, display: str, text: str) -> SourceFile:
    """A spec file's text as the stages read it: no byte-order mark, `\\n` line ends (CRLF and
    old Mac CR line endings read as lines, never as one long comment)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile(path, display, text)
