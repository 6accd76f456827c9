"""Stage 1, parse: source text -> lark tree, or a located syntax diagnostic.

The LALR parser is made once per process, lazily, from the parse table built ahead of time
into ``hpcspec.grammar.table`` (or from the grammar, while it is being edited). Lark's own
on-disk cache is not used: it unpickles a file from the shared temporary directory, which
another user could plant.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache

from .diagnostics import Diagnostic, SpecError
from .source import SourceFile, Span

# Limits that keep hostile input bounded (documented in the README).
MAX_FILE_BYTES = 2 * 1024 * 1024  # 500 times the largest shipped spec; bounds parse time and memory
MAX_DEPTH = 64

_TOKEN_NAMES = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "ASSIGN": "`=`",
    "EQUAL": "`=`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "COMMA": "`,`",
    "IMPORT": "`import`",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "$END": "the end of the file",
}


OPTIONS = dict(parser="lalr", propagate_positions=True, maybe_placeholders=True)
GRAMMAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grammar", "hpcspec.lark")


def _grammar() -> bytes:
    with open(GRAMMAR, "rb") as handle:
        return handle.read()


@lru_cache(maxsize=1)
def parser():
    """The LALR parser: from the parse table built ahead of time (``hpcspec.grammar.table``, a
    Python module of this package) when it was built from this grammar, else from the grammar."""
    from lark import Lark

    grammar = _grammar()
    try:
        from .grammar import table
    except ImportError:
        table = None
    if table is not None and table.GRAMMAR_SHA256 == hashlib.sha256(grammar).hexdigest():
        return Lark._load_from_dict(table.DATA, table.MEMO)  # how lark's standalone parsers load
    return Lark(grammar.decode("utf-8"), **OPTIONS)


def table_source() -> str:
    """The text of ``grammar/table.py``: the parse table of the grammar, as Python literals."""
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    grammar = _grammar()
    data, memo = Lark(grammar.decode("utf-8"), **OPTIONS).memo_serialize([TerminalDef, Rule])
    data["parser"]["parser"] = _canonical(data["parser"]["parser"])
    return ('"""The LALR parse table of hpcspec.lark, built ahead of time by `python -m hpcspec.parse\n'
            '--table grammar/table.py` (tests/test_parse_table.py keeps it current). Data only."""\n\n'
            f"GRAMMAR_SHA256 = {hashlib.sha256(grammar).hexdigest()!r}\n"
            f"DATA = {data!r}\n"
            f"MEMO = {memo!r}\n")


def _canonical(table: dict) -> dict:
    """The LALR table with its numbering made canonical. lark numbers tokens and states in the
    order it meets them in sets of objects hashed by identity, so two builds of one grammar give
    equal tables under different numbers. Tokens are renumbered by name; states in breadth-first
    order from the start states, following each state's shifts in token-name order."""
    names = table["tokens"]  # id -> name
    token = {old: new for new, old in enumerate(sorted(names, key=names.get))}
    states = table["states"]
    order: dict[int, int] = {}
    queue = [table["start_states"][name] for name in sorted(table["start_states"])]
    while queue:
        state = queue.pop(0)
        if state in order:
            continue
        order[state] = len(order)
        for tok in sorted(states[state], key=names.get):
            kind, arg = states[state][tok]
            if kind == 0:  # shift (or goto): arg is the next state
                queue.append(arg)
    for state in sorted(states):  # states no shift reaches (none in an LALR table; kept all the same)
        order.setdefault(state, len(order))

    def action(kind, arg):
        return (kind, order[arg]) if kind == 0 else (kind, arg)

    return {"tokens": {token[old]: names[old] for old in sorted(names, key=token.get)},
            "states": {order[old]: {token[t]: action(*states[old][t]) for t in sorted(states[old], key=token.get)}
                       for old in sorted(states, key=order.get)},
            "start_states": {name: order[st] for name, st in sorted(table["start_states"].items())},
            "end_states": {name: order[st] for name, st in sorted(table["end_states"].items())}}


def _describe(expected: set[str]) -> str:
    names = sorted({_TOKEN_NAMES.get(name, f"`{name.lower()}`") for name in expected})
    if not names:
        return "something else"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _control(char: str) -> bool:
    return char < " " or "\x7f" <= char <= "\x9f" or char in "\u2028\u2029"


def _char_span(source: SourceFile, offset: int) -> Span:
    return source.span(offset, offset + 1)


def too_large(source: SourceFile, size: int) -> Diagnostic:
    return Diagnostic("E0108", f"file is too large ({size} bytes; the limit is {MAX_FILE_BYTES})",
                      source.span(0, 0), help="split the spec, or check that this is the file you meant")


def parse(source: SourceFile):
    """Parse a whole file; raise :class:`SpecError` with one located diagnostic on failure."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    size = len(source.text.encode("utf-8", "surrogatepass"))  # files are checked as they are read
    if size > MAX_FILE_BYTES:  # this catches text handed to the API
        raise SpecError([too_large(source, size)])
    try:
        tree = parser().parse(source.text)
    except UnexpectedCharacters as exc:
        raise SpecError([_bad_character(source, exc.pos_in_stream)]) from None
    except UnexpectedToken as exc:
        raise SpecError([_bad_token(source, exc)]) from None
    except UnexpectedEOF:
        end = len(source.text)
        raise SpecError([_unclosed(source) or Diagnostic("E0106", "unexpected end of file", source.span(end, end),
                                                         help="a block or list is not closed")]) from None
    _check_depth(source, tree)
    return tree


def _bad_character(source: SourceFile, offset: int) -> Diagnostic:
    char = source.text[offset]
    if char == '"':
        end = source.text.find("\n", offset)
        end = len(source.text) if end < 0 else end
        rest = source.text[offset + 1:end]
        bad = next((i for i, c in enumerate(rest) if _control(c)), None)
        if bad is not None and '"' in rest[bad:]:
            where = offset + 1 + bad
            return Diagnostic("E0103", f"control character U+{ord(source.text[where]):04X} in a string",
                              _char_span(source, where), label="not allowed here",
                              help="strings hold printable text only; remove the character")
        return Diagnostic("E0102", "unterminated string", source.span(offset, end),
                          label="this string is not closed on its line",
                          help='add the closing `"` (strings cannot span lines; escape a quote as \\")')
    if _control(char):
        label = f"control character U+{ord(char):04X}"
    else:
        label = f"`{char}` is not part of the language here"
    help = "remove it"
    if char in "-+" and offset + 1 < len(source.text) and source.text[offset + 1].isdigit():
        help = "numbers are never negative in hpcspec"
    elif char == "'":
        help = 'strings use double quotes: "..."'
    elif char == ":":
        help = "assign with `=`, e.g. `nodes = 2`"
    elif char == "/" or char.isalpha() or char == ".":
        help = 'text values are quoted strings, e.g. "/opt/cray"'
    return Diagnostic("E0103", "invalid character", _char_span(source, offset), label=label, help=help)


def _bad_token(source: SourceFile, exc) -> Diagnostic:
    token = exc.token
    expected = set(getattr(exc, "accepts", None) or exc.expected or ())
    if len(expected) > 1:
        expected.discard("IMPORT")  # accepted by the grammar anywhere, useful only at the top
    if token.type == "$END":
        end = len(source.text.rstrip())
        return _unclosed(source) or Diagnostic("E0106", "unexpected end of file", source.span(end, end),
                                               label=f"expected {_describe(expected)}",
                                               help="a block `{ ... }` or a list `[ ... ]` is not closed")
    start = token.start_pos if token.start_pos is not None else 0
    end = token.end_pos if token.end_pos is not None else start + len(str(token))
    span = source.span(start, end)
    if expected == {"LBRACE"}:
        # `key "value"` parses as the head of a block `kind name { ... }` that never opens
        before = re.search(r'([A-Za-z_][A-Za-z0-9_\-]*)([ \t]+)("[^"\n]*"|[A-Za-z0-9_\-]+)\s*$',
                           source.text[:start])
        if before:
            gap = before.start(2)
            return Diagnostic("E0101", f"`{before.group(1)}` needs `=` before its value",
                              source.span(gap, before.end(2)), label="expected `=` here",
                              help=f"write `{before.group(1)} = {before.group(3)}`; a block would be "
                                   f"`{before.group(1)} {before.group(3)} {{ ... }}`")
    help = ""
    text = str(token)
    if "ASSIGN" in expected and token.type in {"STRING", "NUMBER", "TRUE", "FALSE", "LSQB"}:
        help = "a value needs a key and `=` before it: `key = value`"
    elif token.type == "NAME" and ("STRING" in expected or "NUMBER" in expected):
        help = f'text values are quoted strings: "{text}"; booleans are `true` and `false`'
    elif token.type == "LBRACE":
        help = "a block is written `kind name { ... }` with at most one name"
    elif token.type == "RBRACE" and "COMMA" not in expected:
        help = "a value is missing before `}`"
    elif "COMMA" in expected and "RSQB" in expected:
        help = "separate list items with `,`"
    noun = _TOKEN_NAMES.get(token.type, f"`{text}`").removeprefix("a ")
    return Diagnostic("E0101", f"unexpected {noun}",
                      span, label=f"expected {_describe(expected)}", help=help)


def _openers(text: str):
    """Yield (offset, char) of every bracket outside strings and comments."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif char == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
        elif char in "{}[]":
            yield i, char
        i += 1


def _indent(source: SourceFile, offset: int) -> int:
    line = source.lines[source.position(offset)[0] - 1]
    return len(line) - len(line.lstrip(" \t"))


def _unclosed(source: SourceFile) -> Diagnostic | None:
    """The block (or list) a missing `}` (`]`) belongs to, rather than the end of the file: the
    first opener whose closer is indented less than the line that opened it (that closer belongs
    to an outer block), else the innermost opener left open."""
    stack: list[int] = []
    suspect = None
    for offset, char in _openers(source.text):
        if char in "{[":
            stack.append(offset)
        elif stack:
            opened = stack.pop()
            if suspect is None and _indent(source, offset) < _indent(source, opened) \
                    and source.position(offset)[0] != source.position(opened)[0]:
                suspect = opened
    if not stack:
        return None
    opened = suspect if suspect is not None else stack[-1]
    line_start = source.starts[source.position(opened)[0] - 1]
    head = source.text[line_start:opened].strip()
    bracket = source.text[opened]
    what = f"block `{head}`" if bracket == "{" and head else ("list" if bracket == "[" else "block")
    closer = "}" if bracket == "{" else "]"
    return Diagnostic("E0106", f"{what} is not closed", source.span(opened, opened + 1),
                      label=f"this `{bracket}` has no matching `{closer}`",
                      help=f"add `{closer}` where the {'block' if bracket == '{' else 'list'} ends "
                           "(the file ended while it was still open)")


def _check_depth(source: SourceFile, tree) -> None:
    from lark import Tree

    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            span = source.span(meta.start_pos, meta.start_pos + 1) if not meta.empty else source.span(0, 0)
            raise SpecError([Diagnostic("E0108", f"nesting deeper than {MAX_DEPTH} levels", span,
                                        help="flatten the spec: no real spec nests this deep")])
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth + (child.data in ("block", "list"))))


def main(argv=None) -> int:
    import argparse

    parser_ = argparse.ArgumentParser(prog="python -m hpcspec.parse")
    parser_.add_argument("--table", metavar="FILE", required=True, help="write the parse table module")
    args = parser_.parse_args(argv)
    with open(args.table, "w", encoding="utf-8") as handle:
        handle.write(table_source())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
