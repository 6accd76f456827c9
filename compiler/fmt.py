"""``hpcspec fmt``: one canonical layout for spec files.

The layout (README, "Formatting"):

- two spaces of indentation per block level; one statement per line; no trailing blanks; `\\n`
  line endings and one final newline;
- `=` (and `+=`) aligned within each run of consecutive one-line assignments of a block; a
  blank line, a comment line, a block or an assignment printed on several lines ends a run; a
  run is not aligned when the padding would push a line past 100 columns;
- a list on one line (`[a, b]`) when that line (without alignment padding) fits in 100 columns
  and no comment is inside it, else one item per line, each followed by a comma, and `]` on a
  line of its own;
- a block on one line (`qos short { max_nodes = 32  max_walltime = 20min }`, statements two
  spaces apart) only when it was written on one line, holds assignments only and fits in 100
  columns; consecutive such blocks are laid out as a table (their `{` and their statements
  aligned in columns, unless that would pass 100 columns); an empty block is `kind name {}`;
  every other block is `kind name {`, its items one level deeper, and `}`;
- blank lines between items kept, several collapsed into one; none after `{` or `[`, none
  before `}` or `]`, none at the start or end of the file;
- every comment kept: a comment on its own line stays before the item that follows it, at that
  item's indentation; a comment after code stays at the end of that code's line, two spaces
  after it (two such comments that end up on one line, from a statement split over lines with
  a comment on each, are joined);
- strings, numbers, durations, sizes, names and labels printed exactly as written.

The result is checked before it is returned: it must lower to the same values and blocks and
keep the same comments in the same order, or :class:`FormatError` (a bug) is raised. Formatting
is idempotent: ``format(format(x)) == format(x)``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from pathlib import Path

from .nodes import Assignment, Block, Comment, Import, SpecFile, Value
from .source import SourceFile, Span

WIDTH = 100  # columns (characters) a line may take
INDENT = "  "


class FormatError(Exception):
    """The formatted text would not mean what the original meant: a bug in the formatter."""


def format_source(source: SourceFile) -> str:
    """The canonical layout of a spec file; raises :class:`~hpcspec.diagnostics.SpecError` when
    it does not parse or lower."""
    from .lower import lower
    from .parse import parse

    spec = lower(source, parse(source))
    text = _Printer(spec).print()
    _check_size(source, text)
    _check_same(spec, text)
    return text


def _check_size(source: SourceFile, text: str) -> None:
    """Lists split one item a line take more room: never write a file hpcspec would refuse."""
    from .diagnostics import Diagnostic, SpecError
    from .parse import MAX_FILE_BYTES

    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise SpecError([Diagnostic("E0108", f"formatted, the file would be too large ({size} bytes; the limit "
                                             f"is {MAX_FILE_BYTES})", source.span(0, 0),
                                    help="split the spec; it is left as it is")])


def format_text(text: str, display: str = "<text>") -> str:
    return format_source(SourceFile(Path(display), display, text))


# -- what must not change ----------------------------------------------------------------------

def meaning(spec: SpecFile) -> tuple:
    """What a spec says, without where it says it: imports, and blocks with their statements."""
    return (tuple(i.target for i in spec.imports), tuple(_item_meaning(i) for i in spec.items))


def _item_meaning(item) -> tuple:
    if isinstance(item, Block):
        return ("block", item.kind, item.label, tuple(_item_meaning(i) for i in item.items))
    if isinstance(item, Assignment):
        return ("set", item.key, item.op, _value_meaning(item.value))
    return ("import", item.target)


def _value_meaning(value: Value) -> tuple:
    if value.kind == "list":
        return ("list", tuple(_value_meaning(v) for v in value.value))  # type: ignore[union-attr]
    parts = tuple(p if isinstance(p, str) else ("ref", p.name) for p in value.parts)
    return (value.kind, value.value, parts)


def _check_same(spec: SpecFile, text: str) -> None:
    from .diagnostics import SpecError
    from .lower import lower
    from .parse import parse

    source = SourceFile(spec.source.path, spec.source.display, text)
    try:
        again = lower(source, parse(source))
    except SpecError as exc:
        raise FormatError(f"the formatted text does not parse: {exc}") from None
    if meaning(again) != meaning(spec):
        raise FormatError("the formatted text means something else")
    if comment_text(again) != comment_text(spec):
        raise FormatError("the formatted text lost or reordered a comment")


def comment_text(spec: SpecFile) -> str:
    """The text of all comments in order, blanks left out (two comments that end up on one
    line become one)."""
    return "".join("".join(c.text.split()) for c in spec.comments)


# -- the printer -------------------------------------------------------------------------------

class _Printer:
    """Prints nodes in source order, with the comments found between them.

    Own-line comments are printed before the first line that starts after them; a comment at the
    end of a line goes to the output line holding the last token written before it (tokens are
    printed in source order, so that line is found by bisection).
    """

    def __init__(self, spec: SpecFile) -> None:
        self.spec = spec
        self.source = spec.source
        self.text = spec.source.text
        self.own: list[Comment] = [c for c in spec.comments if c.own_line]
        self.own_next = 0
        self.trailing: list[Comment] = [c for c in spec.comments if not c.own_line]
        self.comment_offsets = [self.start(c.span) for c in spec.comments]
        self.own_offsets = [self.start(c.span) for c in self.own]
        self.own_lines: list[int] = []  # the output line of each own-line comment printed
        self.lines: list[str] = []
        self.current: list[str] | None = None
        self.anchor_offsets: list[int] = []  # source offset of each token printed, in order
        self.anchor_lines: list[int] = []  # the output line it went to
        self.last_line = 0  # source line where the last thing printed ends
        self.fresh = True  # at the start of the file, a block or a list: no blank line here

    # -- positions -----------------------------------------------------------------------------
    def start(self, span: Span) -> int:
        return self.source.starts[span.line - 1] + span.column - 1

    def end(self, span: Span) -> int:
        return self.source.starts[span.end_line - 1] + span.end_column - 1

    def raw(self, span: Span) -> str:
        return self.text[self.start(span):self.end(span)]

    def has_comment(self, span: Span) -> bool:
        """A comment inside the span (which then cannot be printed on one line)."""
        index = bisect_right(self.comment_offsets, self.start(span))
        return index < len(self.comment_offsets) and self.comment_offsets[index] < self.end(span)

    def comment_between(self, start: int, end: int) -> bool:
        """An own-line comment between two offsets (it ends a run of aligned lines)."""
        index = bisect_right(self.own_offsets, start)
        return index < len(self.own_offsets) and self.own_offsets[index] < end

    def blank_between(self, after_line: int, before_line: int) -> bool:
        return any(not self.source.line(n).strip() for n in range(after_line + 1, before_line))

    # -- output --------------------------------------------------------------------------------
    def begin(self, depth: int) -> None:
        self.current = [INDENT * depth]

    def put(self, text: str, offset: int | None = None) -> None:
        assert self.current is not None
        if offset is not None:
            self.anchor_offsets.append(offset)
            self.anchor_lines.append(len(self.lines))
        self.current.append(text)

    def finish(self) -> None:
        assert self.current is not None
        self.lines.append("".join(self.current))
        self.current = None

    def blank_before(self, line: int) -> None:
        if not self.fresh and self.blank_between(self.last_line, line):
            self.lines.append("")

    def flush(self, before: int, depth: int) -> None:
        """Own-line comments that come before `before`, at this depth."""
        while self.own_next < len(self.own) and self.own_offsets[self.own_next] < before:
            comment = self.own[self.own_next]
            self.own_next += 1
            self.blank_before(comment.span.line)
            self.own_lines.append(len(self.lines))
            self.lines.append(INDENT * depth + comment.text)
            self.last_line = max(self.last_line, comment.span.line)
            self.fresh = False

    def print(self) -> str:
        self.items(list(self.spec.items), 0, len(self.text))
        for comment in self.trailing:
            offset = self.start(comment.span)
            at = bisect_left(self.anchor_offsets, offset) - 1
            line = self.anchor_lines[at] if at >= 0 else 0
            # an own-line comment before it may have been moved past its token (a comment inside
            # a statement goes to the next line start): stay after that one
            before = bisect_left(self.own_offsets, offset) - 1
            if before >= 0:
                line = max(line, self.own_lines[before])
            self.lines[line] += "  " + comment.text
        return "".join(line.rstrip() + "\n" for line in self.lines)

    # -- items ---------------------------------------------------------------------------------
    def items(self, items: list, depth: int, close: int) -> None:
        layout = _Layout(self, items, depth)
        for index, item in enumerate(items):
            span = item.statement_span if isinstance(item, Import) else item.span
            self.flush(self.start(span), depth)
            self.blank_before(span.line)
            self.begin(depth)
            if isinstance(item, Assignment):
                self.assignment(item, depth, layout.key_width[index], layout.flat[index])
            elif isinstance(item, Block):
                self.block(item, depth, layout.rows.get(index))
            else:
                self.put("import ", self.start(span))
                self.put(self.raw(item.span), self.start(item.span))
            self.finish()
            self.last_line = max(self.last_line, span.end_line)
            self.fresh = False
        self.flush(close, depth)

    def assignment(self, item: Assignment, depth: int, width: int, flat: bool) -> None:
        pad = " " * (width - len(item.key) - len(item.op) + 1)
        self.put(item.key, self.start(item.key_span))
        self.put(f"{pad}{item.op} ")
        self.value(item.value, depth, flat)

    def block(self, block: Block, depth: int, row: "_Row | None") -> None:
        self.put(block.kind, self.start(block.kind_span))
        if block.label_span is not None:
            self.put(" " + self.raw(block.label_span), self.start(block.label_span))
        close = self.end(block.span) - 1  # the `}`
        if row is not None:
            self.put(row.head_pad + " { " + row.body + " }", close)
            return
        if not block.items and not self.has_comment(block.span):
            self.put(" {}", close)
            return
        self.put(" {")
        self.finish()
        self.fresh = True
        self.items(list(block.items), depth + 1, close)
        self.begin(depth)
        self.put("}", close)

    # -- values --------------------------------------------------------------------------------
    def value(self, value: Value, depth: int, flat: bool) -> None:
        if value.kind != "list" or flat:
            self.put(self.flat(value), self.start(value.span))
            return
        self.put("[", self.start(value.span))
        self.finish()
        self.fresh = True
        for item in value.value:  # type: ignore[union-attr]
            self.flush(self.start(item.span), depth + 1)
            self.blank_before(item.span.line)
            self.begin(depth + 1)
            width = len(INDENT) * (depth + 1) + len(self.flat(item)) + 1
            self.value(item, depth + 1, self.fits_flat(item, width))
            self.put(",")
            self.finish()
            self.last_line = max(self.last_line, item.span.end_line)
            self.fresh = False
        close = self.end(value.span) - 1  # the `]`
        self.flush(close, depth + 1)
        self.begin(depth)
        self.put("]", close)

    def flat(self, value: Value) -> str:
        if value.kind == "list":
            return "[" + ", ".join(self.flat(v) for v in value.value) + "]"  # type: ignore[union-attr]
        return self.raw(value.span)

    def fits_flat(self, value: Value, width: int) -> bool:
        """A value printed on one line taking `width` columns: lists only when they fit and hold
        no comment."""
        return value.kind != "list" or (width <= WIDTH and not self.has_comment(value.span))


class _Row:
    """A one-line block as printed in its table: padding after the head, and the statements."""

    def __init__(self, head_pad: str, body: str) -> None:
        self.head_pad = head_pad
        self.body = body


class _Layout:
    """The decisions for the items of one block: which assignments are printed flat, how wide
    their keys are padded, and how one-line blocks are laid out."""

    def __init__(self, printer: _Printer, items: list, depth: int) -> None:
        self.printer = printer
        self.items = items
        self.indent = len(INDENT) * depth
        self.flat: dict[int, bool] = {}
        self.key_width: dict[int, int] = {}
        self.rows: dict[int, _Row] = {}
        self.breaks = [index == 0 or self._break(items[index - 1], item) for index, item in enumerate(items)]
        self._assignments()
        self._tables()

    def _break(self, previous, item) -> bool:
        """A blank line or an own-line comment between two items ends a run."""
        printer = self.printer
        before, after = _span(previous), _span(item)
        return (printer.comment_between(printer.start(before), printer.start(after))
                or printer.blank_between(before.end_line, after.line))

    def _runs(self, member) -> list[list[int]]:
        runs: list[list[int]] = []
        for index in range(len(self.items)):
            if not member(index):
                continue
            if runs and runs[-1][-1] == index - 1 and not self.breaks[index]:
                runs[-1].append(index)
            else:
                runs.append([index])
        return runs

    def _assignments(self) -> None:
        """A list is printed flat when it fits on its line without alignment padding and no
        comment is inside it (a decision of its own, so a second run makes the same one); a run
        is aligned unless the padding would push a line that fits past the width."""
        printer = self.printer
        for index, item in enumerate(self.items):
            if isinstance(item, Assignment):
                own = len(item.key) + len(item.op)
                self.key_width[index] = own
                self.flat[index] = printer.fits_flat(item.value, self.indent + own + 2 + len(printer.flat(item.value)))
        for run in self._runs(lambda i: self.flat.get(i, False)):
            width = max(self.key_width[i] for i in run)
            lines = {i: self.indent + 2 + len(printer.flat(self.items[i].value)) for i in run}
            if all(lines[i] + width <= WIDTH or lines[i] + self.key_width[i] > WIDTH for i in run):
                for index in run:
                    self.key_width[index] = width

    def _one_line(self, index: int) -> str | None:
        """The statements of a block that stays on one line, or None."""
        block = self.items[index]
        if not isinstance(block, Block) or not block.items or block.span.line != block.span.end_line:
            return None
        if not all(isinstance(i, Assignment) for i in block.items):
            return None
        body = "  ".join(f"{i.key} {i.op} {self.printer.flat(i.value)}" for i in block.items)
        if self.indent + len(_head(self.printer, block)) + len(body) + 5 > WIDTH:
            return None
        return body

    def _tables(self) -> None:
        bodies = {i: body for i in range(len(self.items)) if (body := self._one_line(i)) is not None}
        for run in self._runs(lambda i: i in bodies):
            heads = {i: _head(self.printer, self.items[i]) for i in run}
            cells = {i: [f"{a.key} {a.op} {self.printer.flat(a.value)}" for a in self.items[i].items] for i in run}
            head_width = max(len(h) for h in heads.values())
            columns: dict[int, int] = {}
            for i in run:
                for column, cell in enumerate(cells[i][:-1]):  # a row's last cell is not padded
                    columns[column] = max(columns.get(column, 0), len(cell))
            rows = {}
            for i in run:
                padded = [cell.ljust(columns[c]) if c < len(cells[i]) - 1 else cell for c, cell in enumerate(cells[i])]
                rows[i] = _Row(" " * (head_width - len(heads[i])), "  ".join(padded))
            aligned = len(run) > 1 and all(self.indent + head_width + len(r.body) + 5 <= WIDTH for r in rows.values())
            for i in run:
                self.rows[i] = rows[i] if aligned else _Row("", bodies[i])


def _span(item) -> Span:
    return item.statement_span if isinstance(item, Import) else item.span


def _head(printer: _Printer, block: Block) -> str:
    return block.kind + (" " + printer.raw(block.label_span) if block.label_span is not None else "")


# -- files -------------------------------------------------------------------------------------

def write_atomically(path: Path, text: str) -> None:
    """Replace a file by a complete new version: a temporary file in the same directory, with
    the old file's mode, renamed over it (a reader sees the old file or the new one)."""
    import os
    import tempfile

    target = Path(os.path.realpath(path))  # a symlink keeps pointing at the formatted file
    mode = os.stat(target).st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
