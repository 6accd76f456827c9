"""Stage 2, lower: lark tree -> :mod:`hpcspec.nodes`, with literals decoded and checked.

Numbers become integers, durations or sizes; strings are unescaped and split into text and
``${name}`` references. Every problem found is collected before the stage fails.
"""

from __future__ import annotations

import os
import re

from . import inputs
from .diagnostics import Report, SpecError
from .files import read_regular
from .didyoumean import suggest
from .nodes import Assignment, Block, Duration, Import, Ref, Size, SpecFile, Value
from .source import SourceFile

DURATION_UNITS = {"d": 86400, "h": 3600, "min": 60, "s": 1}
SIZE_UNITS = {
    "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
}
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)")
_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
MAX_INT = 2**53  # beyond any real node count, core count or byte size


class _Lowerer:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.report = Report()

    def span(self, meta_or_token):
        return self.source.span(meta_or_token.start_pos, meta_or_token.end_pos)

    # -- items ---------------------------------------------------------------------------------
    def items(self, children) -> list:
        from lark import Tree

        out = []
        for child in children:
            if not isinstance(child, Tree):
                continue
            if child.data == "import_stmt":
                token = child.children[0]
                text = self.string(token)
                out.append(Import(text.value if isinstance(text.value, str) else "",
                                  text.span, self.span(child.meta)))
            elif child.data == "assignment":
                out.append(self.assignment(child))
            elif child.data == "block":
                out.append(self.block(child))
        return out

    def assignment(self, tree) -> Assignment:
        name, op, value = tree.children
        return Assignment(str(name), self.span(name), str(op), self.value(value), self.span(tree.meta))

    def block(self, tree) -> Block:
        kind, label, *body = tree.children
        label_text = label_span = None
        if label is not None:
            token = label.children[0]
            label_span = self.span(token)
            if token.type == "STRING":
                value = self.string(token)
                label_text = value.value if isinstance(value.value, str) else ""
                if value.parts:
                    self.report.error("E0105", "a block name cannot use `${...}`", value.span,
                                      help="write the name literally")
            else:
                label_text = str(token)
        head_end = label.children[0].end_pos if label is not None else kind.end_pos
        head = self.source.span(kind.start_pos, head_end)
        return Block(str(kind), self.span(kind), label_text, label_span, tuple(self.items(body)),
                     self.span(tree.meta), head)

    # -- values --------------------------------------------------------------------------------
    def value(self, tree) -> Value:
        from lark import Token

        if isinstance(tree, Token):  # not produced by this grammar, kept for safety
            return self.string(tree)
        kind = tree.data
        span = self.span(tree.meta)
        if kind == "string":
            return self.string(tree.children[0])
        if kind == "number":
            return self.number(tree.children[0])
        if kind == "true":
            return Value("bool", True, span)
        if kind == "false":
            return Value("bool", False, span)
        items = tuple(self.value(child) for child in tree.children if child is not None)
        return Value("list", items, span)

    def number(self, token) -> Value:
        text = str(token)
        span = self.span(token)
        if text.isdigit():
            number = int(text)
            if number > MAX_INT:
                self.report.error("E0104", "number too large", span, help=f"the largest number is {MAX_INT}")
            return Value("int", number, span)
        parts = _PART.findall(text)
        if "".join(a + b for a, b in parts) != text or not parts or any(not unit for _, unit in parts):
            self.report.error("E0104", f"`{text}` is not a number, duration or size", span,
                              help="write an integer (128), a duration (1h30min) or a size (64GiB)")
            return Value("int", 0, span)
        units = [unit for _, unit in parts]
        if all(u in DURATION_UNITS for u in units):
            if any("." in number for number, _ in parts):
                self.report.error("E0104", "durations use whole numbers", span, help="write 1h30min, not 1.5h")
                return Value("duration", Duration(0), span)
            order = [list(DURATION_UNITS).index(u) for u in units]
            if order != sorted(set(order)):
                self.report.error("E0104", f"units of `{text}` out of order or repeated", span,
                                  help="write the largest unit first, each once: 1d12h30min")
            seconds = sum(int(n) * DURATION_UNITS[u] for n, u in parts)
            return Value("duration", Duration(seconds), span)
        if len(parts) == 1 and units[0] in SIZE_UNITS:
            number, unit = parts[0]
            amount = float(number) * SIZE_UNITS[unit]
            if amount != int(amount):
                self.report.error("E0104", f"`{text}` is not a whole number of bytes", span,
                                  help="use a smaller unit")
            if amount > MAX_INT:
                self.report.error("E0104", "size too large", span)
            return Value("size", Size(int(amount)), span)
        bad = next((u for u in units if u not in DURATION_UNITS and u not in SIZE_UNITS), units[0])
        guess = suggest(bad, [*DURATION_UNITS, *SIZE_UNITS, "m", "hr", "hrs", "mins", "sec", "days"])
        mapping = {"m": "min", "hr": "h", "hrs": "h", "mins": "min", "sec": "s", "days": "d"}
        guess = mapping.get(guess, guess) if guess else None
        help = f"did you mean `{guess}`? " if guess else ""
        help += "duration units: d, h, min, s; size units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB"
        self.report.error("E0104", f"unknown unit `{bad}` in `{text}`", span, help=help)
        return Value("int", 0, span)

    def string(self, token) -> Value:
        raw = str(token)
        base = token.start_pos + 1
        body = raw[1:-1]
        parts: list = []
        text: list[str] = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == "\\":
                nxt = body[i + 1] if i + 1 < len(body) else ""
                if nxt in ('"', "\\"):
                    text.append(nxt)
                else:
                    self.report.error("E0105", f"unknown escape `\\{nxt}`",
                                      self.source.span(base + i, base + i + 2),
                                      help='the only escapes are \\" and \\\\; strings cannot hold '
                                           "newlines or tabs")
                i += 2
                continue
            if ch == "$" and body[i + 1:i + 2] == "$":
                text.append("$")
                i += 2
                continue
            if ch == "$" and body[i + 1:i + 2] == "{":
                close = body.find("}", i + 2)
                name = body[i + 2:close] if close >= 0 else ""
                if close < 0 or not _REF.fullmatch(name):
                    end = base + (close + 1 if close >= 0 else len(body))
                    self.report.error("E0105", "malformed `${...}` interpolation",
                                      self.source.span(base + i, end),
                                      help="write ${name} with a key of an enclosing block, "
                                           "or $$ for a literal `$`")
                    i = close + 1 if close >= 0 else len(body)
                    continue
                if text:
                    parts.append("".join(text))
                    text = []
                parts.append(Ref(name, self.source.span(base + i, base + close + 1)))
                i = close + 1
                continue
            text.append(ch)
            i += 1
        if text:
            parts.append("".join(text))
        span = self.span(token)
        if any(isinstance(p, Ref) for p in parts):
            return Value("string", None, span, tuple(parts))
        return Value("string", "".join(p for p in parts if isinstance(p, str)), span)


def lower(source: SourceFile, tree) -> SpecFile:
    lowerer = _Lowerer(source)
    items = lowerer.items(tree.children)
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
    return SpecFile(source, imports, blocks, tuple(items))


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
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # CRLF and old Mac CR line endings read as lines, never as one long comment
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile(path, display, text)
