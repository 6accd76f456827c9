"""``hpcspec show`` and ``hpcspec list``: specs as the compiler sees them.

``show`` prints a code spec in hpcspec syntax once everything is resolved the way the compiler
resolves it: imports read, interpolation done, each target's ``build`` merged onto the code's and
its ``job`` onto the platform's job defaults (``+=`` appended), and each platform merged with
what it ``extends`` and the target's ``override`` (resolve.py, interpolate.py, merge.py and the
same ``derive`` functions the checks use). With ``blame``, every value and block says in a comment
which file and line wrote it, as ``spack config blame`` does. The text is laid out by the formatter,
so it is a valid, formatted spec.

``list`` prints one line per target from the derived facts (facts.TargetFacts).
"""

from __future__ import annotations

from dataclasses import replace

from .check import Checked
from .diagnostics import Report
from .merge import merge
from .nodes import Assignment, Block, Value
from .resolve import Program
from .source import Span


def show(checked: Checked, only: list[str] | None = None, blame: bool = False, title: str = "") -> str:
    """A code spec resolved: the code (its targets resolved), then each platform as its targets
    see it."""
    program = checked.program
    assert program.code is not None
    names = [name for name in checked.code.target if only is None or name in only]
    targets = {}
    platforms: dict[int, tuple[Block, list[str]]] = {}  # one entry per distinct merged platform
    for name in names:
        target, platform = resolve_target(checked, name)
        targets[name] = target
        platforms.setdefault(id(platform), (platform, []))[1].append(name)
    items = []
    for item in program.code.items:
        if isinstance(item, Block) and item.kind == "target":
            if item.label in targets:
                items.append(targets[item.label])
        else:
            items.append(item)
    out = _Text(blame)
    out.comment(f"{title or program.code_file.source.display}, as hpcspec compiles it: imports, interpolation, "
                "extends, override and += resolved")
    out.block(replace(program.code, items=tuple(items)))
    for platform, users in platforms.values():
        out.blank()
        seen = "target" + ("s " if len(users) > 1 else " ") + ", ".join(users)
        out.comment(f"platform `{platform.label}` as {seen} {'see' if len(users) > 1 else 'sees'} it")
        out.block(platform)
    return out.formatted()


def show_platforms(program: Program, blame: bool = False, title: str = "") -> str:
    """A file of platform specs: each platform merged with what it extends, interpolated."""
    out = _Text(blame)
    out.comment(f"{title or program.code_file.source.display}, as hpcspec reads it: imports, interpolation and "
                "extends resolved")
    defined = [b.label for b in program.code_file.blocks if b.kind == "platform"]
    for index, name in enumerate(n for n in defined if n in program.platforms):
        if index:
            out.blank()
        out.block(program.platforms[name])
    return out.formatted()


def resolve_target(checked: Checked, name: str) -> tuple[Block, Block]:
    """A target with its `build` and `job` merged as derive.py merges them (its `override` left
    out: it is merged into the platform), and the platform as this target sees it."""
    from .derive import platform_block

    program = checked.program
    assert program.code is not None
    report = Report()  # anything wrong was reported by the check that made `checked`
    platform = platform_block(checked.code.target[name], ("target", name), checked.spans, program, report)
    assert platform is not None
    target = program.code.child("target", name)
    assert target is not None
    code_build = next((b for b in program.code.blocks() if b.kind == "build"), None)
    defaults = platform.child("job")
    items = []
    for item in target.items:
        if isinstance(item, Block) and item.kind == "override":
            continue
        if isinstance(item, Block) and item.kind == "job":
            item = merge(defaults, item, report)
            defaults = None
        elif isinstance(item, Block) and item.kind == "build":
            item = merge(code_build, item, report)
            code_build = None
        items.append(item)
    items += [block for block in (code_build, defaults) if block is not None]  # inherited as they are
    return replace(target, items=tuple(items)), platform


# -- writing hpcspec text ------------------------------------------------------------------------

class _Text:
    """Spec text, one item per line, with `# file:line` after each line when blaming; then laid
    out by the formatter."""

    def __init__(self, blame: bool) -> None:
        self.blame = blame
        self.lines: list[str] = []

    def formatted(self) -> str:
        from .fmt import format_text

        text = format_text("\n".join(self.lines) + "\n", "<show>")
        return _align_comments(text) if self.blame else text

    def comment(self, text: str) -> None:
        self.lines.append("# " + " ".join(text.split()))

    def blank(self) -> None:
        self.lines.append("")

    def line(self, text: str, span: Span | None) -> None:
        self.lines.append(f"{text}  # {span.file}:{span.line}" if self.blame and span is not None else text)

    def block(self, block: Block) -> None:
        head = block.kind + (f" {_label(block.label)}" if block.label is not None else "")
        if not block.items:
            self.line(head + " {}", block.head_span)
            return
        if _one_line(block):  # as it was written, and from nothing else
            body = "  ".join(f"{a.key} {a.op} {literal(a.value)}" for a in block.items)  # type: ignore[union-attr]
            self.line(f"{head} {{ {body} }}", block.head_span)
            return
        self.line(head + " {", block.head_span)
        for item in block.items:
            if isinstance(item, Block):
                self.block(item)
            elif isinstance(item, Assignment):
                self.assignment(item)
        self.lines.append("}")

    def assignment(self, item: Assignment) -> None:
        value = item.value
        if value.kind == "list" and self.blame and not _one_place(value):
            self.lines.append(f"{item.key} {item.op} [")
            for element in value.value:  # type: ignore[union-attr]
                self.line(literal(element) + ",", element.span)
            self.lines.append("]")
            return
        self.line(f"{item.key} {item.op} {literal(value)}", value.span)


def _align_comments(text: str, width: int = 100) -> str:
    """Comments at the ends of consecutive lines start in one column (where that stays within
    `width`), so that the blame reads as a column."""
    from pathlib import Path

    from .lower import comments
    from .source import SourceFile

    lines = text.split("\n")
    where = {c.span.line - 1: c.span.column - 1 for c in comments(SourceFile(Path("<show>"), "<show>", text))
             if not c.own_line}
    groups: list[list[int]] = []
    for index in sorted(where):
        if groups and groups[-1][-1] == index - 1:
            groups[-1].append(index)
        else:
            groups.append([index])
    for group in groups:
        code = {i: lines[i][:where[i]].rstrip() for i in group}
        fitting = [len(c) for i, c in code.items() if len(c) + 2 + len(lines[i]) - where[i] <= width]
        column = max(fitting, default=0) + 2
        for i in group:
            comment = lines[i][where[i]:]
            pad = column - len(code[i]) if len(code[i]) + 2 <= column else 2
            lines[i] = code[i] + " " * pad + comment
    return "\n".join(lines)


def _one_line(block: Block) -> bool:
    """A block of assignments written on one line, every value of it from that line."""
    where = (block.span.file, block.span.line)
    return block.span.line == block.span.end_line and all(
        isinstance(i, Assignment) and (i.value.span.file, i.value.span.end_line) == where for i in block.items)


def _one_place(value: Value) -> bool:
    """Every item of a list written on the list's own line (else each item is blamed apart)."""
    where = (value.span.file, value.span.line)
    return all((v.span.file, v.span.line) == where and (v.kind != "list" or _one_place(v))
               for v in value.value)  # type: ignore[union-attr]


def literal(value: Value) -> str:
    """A value in hpcspec syntax: strings as resolved (quoted again), others as written."""
    if value.kind == "list":
        return "[" + ", ".join(literal(v) for v in value.value) + "]"  # type: ignore[union-attr]
    if value.kind == "string":
        return quote(str(value.value))
    source = value.span.source
    start = source.starts[value.span.line - 1] + value.span.column - 1
    end = source.starts[value.span.end_line - 1] + value.span.end_column - 1
    return source.text[start:end]


def quote(text: str) -> str:
    """A string literal that reads back as `text`: `$` doubled where it would start `${` or `$$`."""
    out = []
    for index, char in enumerate(text):
        if char in '"\\':
            out.append("\\" + char)
        elif char == "$" and text[index + 1:index + 2] in ("{", "$"):
            out.append("$$")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _label(label: str) -> str:
    from .lower import NAME

    return label if NAME.fullmatch(label) and label not in ("true", "false", "import") else quote(label)


# -- hpcspec list --------------------------------------------------------------------------------

COLUMNS = ("CODE", "TARGET", "PLATFORM", "SCHEDULER", "RUNTIME", "MPI", "MODEL", "JOB")


def target_rows(checked: Checked) -> list[tuple[str, ...]]:
    """One row per target, from its derived facts."""
    rows = []
    for facts in checked.targets:
        job = facts.job
        shape = f"{job.nodes} x {job.tasks_per_node} x {job.cpus_per_task}"
        where = "/".join(p for p in (job.partition, job.qos) if p)
        runtime = facts.runtime
        version = getattr(runtime.options, "version", None)
        rows.append((checked.name, facts.name, facts.platform_name, facts.scheduler.name,
                     f"{runtime.name} {version}" if version else runtime.name,
                     f"{facts.mpi_name} ({facts.mpi.abi})", facts.model,
                     ", ".join(p for p in (shape, str(job.walltime) if job.walltime else "no walltime", where) if p)))
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n"
                   for row in [header, *rows])
