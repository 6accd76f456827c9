"""The shape of a spec as it is being typed: blocks, keys and values, and what is at a cursor.

The compiler's parser stops at the first syntax error, but an editor asks about half-typed
text (``job { wall``, ``platform = "ar``, a block not closed yet). This scanner never fails:
it tokenises like the grammar (names, strings, numbers, ``=``/``+=``, brackets, comments) and
builds the nesting of blocks with their assignments, closing what is left open at the end of
the text. It decides nothing about meaning: hover and completion ask hpcspec.keydocs for that.
Offsets are indices into the text (Python characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\[^\n])*(?:"|(?=\n)|\Z))
  | (?P<assign>\+?=)
  | (?P<punct>[{}\[\],])
  | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<number>[0-9][0-9A-Za-z_.]*)
  | (?P<other>.)
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str  # string, assign, name, number, other, or the punctuation itself: { } [ ] ,
    start: int
    end: int
    text: str

    @property
    def closed(self) -> bool:
        """A string with its closing quote."""
        return self.kind != "string" or (len(self.text) > 1 and self.text.endswith('"')
                                          and not self.text.endswith('\\"'))

    def contains(self, offset: int) -> bool:
        """The cursor is inside (or at the end of) this token."""
        return self.start <= offset <= self.end

    def inside_string(self, offset: int) -> bool:
        """The cursor is between the quotes of this string."""
        return self.kind == "string" and self.start < offset and (offset < self.end if self.closed
                                                                   else offset <= self.end)

    @property
    def value(self) -> str:
        """A string's text without quotes (escapes undone); a name's or number's text."""
        if self.kind != "string":
            return self.text
        inner = self.text[1:-1] if self.closed else self.text[1:]
        return re.sub(r"\\(.)", r"\1", inner)


@dataclass
class Assignment:
    key: Token
    op: Token
    value: list[Token]  # the value's tokens (a list's brackets and items); empty when missing
    block: "Block | None"

    @property
    def end(self) -> int:
        return self.value[-1].end if self.value else self.op.end

    def strings(self) -> list[str]:
        return [t.value for t in self.value if t.kind == "string"]


@dataclass
class Block:
    kind: Token
    label: Token | None
    open: Token  # the `{`
    close: Token | None  # the `}`, None while it is not typed yet
    parent: "Block | None"
    items: list = field(default_factory=list)  # Assignment, Block, Partial

    def contains(self, offset: int) -> bool:
        """The cursor is in the body (between the braces)."""
        return self.open.start < offset and (self.close is None or offset <= self.close.start)

    def chain(self) -> list["Block"]:
        """This block and those around it, outermost first."""
        out, block = [], self
        while block is not None:
            out.append(block)
            block = block.parent
        return out[::-1]

    def get(self, key: str) -> Assignment | None:
        return next((i for i in self.items if isinstance(i, Assignment) and i.key.text == key), None)

    def children(self, kind: str) -> list["Block"]:
        return [i for i in self.items if isinstance(i, Block) and i.kind.text == kind]


@dataclass
class Partial:
    """Words that are not yet an assignment or a block: `wall`, `scheduler sl`."""

    words: list[Token]


@dataclass
class Import:
    keyword: Token
    target: Token | None


@dataclass(frozen=True)
class Context:
    """What the cursor is on. role: "key" (a key or block kind is being typed), "label" (a
    block's name, after its kind), "value" (the value of `key`), "import" (an import's name),
    or "none" (a comment, or nowhere useful)."""

    role: str
    blocks: tuple[Block, ...]  # the blocks the cursor is in, outermost first
    prefix: str = ""  # what is typed of the word or string before the cursor
    start: int = 0  # where that typed part starts (a completion replaces from here)
    end: int = 0  # where the word or string content ends
    key: str | None = None  # value: its key; label: the block's kind
    in_string: bool = False  # value or import: the cursor is between quotes
    token: Token | None = None  # the token under the cursor
    item: object = None  # the Assignment, Block, Partial or Import the token belongs to


def tokens(text: str) -> list[Token]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "punct":
            kind = match.group()
        out.append(Token(kind, match.start(), match.end(), match.group()))
    return out


class Outline:
    """The blocks, assignments and imports of a text, however unfinished."""

    def __init__(self, text: str) -> None:
        self.text = text
        every = tokens(text)
        self.comments = [t for t in every if t.kind == "comment"]
        self._tokens = [t for t in every if t.kind != "comment"]
        self._at = 0
        self.imports: list[Import] = []
        self.items: list = []
        while self._at < len(self._tokens):
            self.items += self._items(None)
            if self._at < len(self._tokens):  # a `}` too many at the top: skip it
                self._at += 1

    # -- building ------------------------------------------------------------------------------
    def _peek(self, ahead: int = 0) -> Token | None:
        index = self._at + ahead
        return self._tokens[index] if index < len(self._tokens) else None

    def _items(self, parent: Block | None) -> list:
        items: list = []
        while (token := self._peek()) is not None and token.kind != "}":
            if token.kind != "name":
                self._at += 1  # a stray value, bracket or character
                continue
            after = self._peek(1)
            if token.text == "import" and (after is None or after.kind in ("string", "name")) \
                    and not (self._peek(2) and self._peek(2).kind in ("{", "assign")):  # type: ignore[union-attr]
                self._at += 1 + (after is not None)
                item = Import(token, after)
                self.imports.append(item)
                items.append(item)
            elif after is not None and after.kind == "assign":
                self._at += 2
                items.append(Assignment(token, after, self._value(), parent))
            elif after is not None and after.kind == "{":
                items.append(self._block(token, None, parent))
            elif after is not None and after.kind in ("name", "string") and self._kind(2) == "{":
                items.append(self._block(token, after, parent))
            elif after is not None and after.kind in ("name", "string") and self._kind(2) != "assign" \
                    and "\n" not in self.text[token.end:after.start]:
                self._at += 2
                items.append(Partial([token, after]))
            else:
                self._at += 1
                items.append(Partial([token]))
        return items

    def _kind(self, ahead: int) -> str | None:
        token = self._peek(ahead)
        return token.kind if token is not None else None

    def _block(self, kind: Token, label: Token | None, parent: Block | None) -> Block:
        self._at += 2 if label is not None else 1
        block = Block(kind, label, self._tokens[self._at], None, parent)
        self._at += 1
        block.items = self._items(block)
        if self._kind(0) == "}":
            block.close = self._tokens[self._at]
            self._at += 1
        return block

    def _value(self) -> list[Token]:
        first = self._peek()
        if first is None or first.kind in ("{", "}", "assign", "]", ","):
            return []
        if first.kind == "name" and self._kind(1) in ("assign", "{") and first.text not in ("true", "false"):
            return []  # `key =` then the next statement: the value is missing
        if first.kind != "[":
            self._at += 1
            return [first]
        out, depth = [], 0
        while (token := self._peek()) is not None and token.kind not in ("{", "}"):
            if token.kind == "name" and self._kind(1) in ("assign", "{") and depth:
                break  # an unclosed list, followed by the next statement
            out.append(token)
            self._at += 1
            depth += {"[": 1, "]": -1}.get(token.kind, 0)
            if depth == 0:
                break
        return out

    # -- asking --------------------------------------------------------------------------------
    def blocks(self) -> list[Block]:
        """Every block, outermost first."""
        out: list[Block] = []
        stack = [i for i in self.items if isinstance(i, Block)]
        while stack:
            block = stack.pop(0)
            out.append(block)
            stack += [i for i in block.items if isinstance(i, Block)]
        return out

    def enclosing(self, offset: int) -> tuple[Block, ...]:
        """The blocks whose body holds `offset`, outermost first."""
        chain: list[Block] = []
        items = self.items
        while True:
            inner = next((i for i in items if isinstance(i, Block) and i.contains(offset)), None)
            if inner is None:
                return tuple(chain)
            chain.append(inner)
            items = inner.items

    def at(self, offset: int) -> Context:
        """What the cursor at `offset` is on (see :class:`Context`)."""
        offset = max(0, min(offset, len(self.text)))
        if any(c.start < offset <= c.end for c in self.comments):
            return Context("none", self.enclosing(offset))
        chain = self.enclosing(offset)
        items = chain[-1].items if chain else self.items
        for item in items:
            found = self._on(item, offset, chain)
            if found is not None:
                return found
        start = offset
        while start > 0 and (self.text[start - 1].isalnum() or self.text[start - 1] in "_-"):
            start -= 1
        return Context("key", chain, self.text[start:offset], start, offset)

    def _in_value(self, item: Assignment, offset: int) -> bool:
        """Between a value's tokens, or where a missing value goes (on the line of the `=`)."""
        if not item.value:
            return "\n" not in self.text[item.op.end:offset]
        first, last = item.value[0], item.value[-1]
        if first.kind != "[":
            return offset <= first.start
        if last.kind == "]":
            return offset < last.end
        return offset <= last.end or "\n" not in self.text[last.end:offset]  # a list not closed yet

    def _on(self, item, offset: int, chain: tuple[Block, ...]) -> Context | None:
        text = self.text
        if isinstance(item, Assignment):
            if item.key.contains(offset) and offset <= item.key.end:
                return Context("key", chain, text[item.key.start:offset], item.key.start, item.key.end,
                               token=item.key, item=item)
            for token in item.value:
                if token.inside_string(offset):
                    end = token.end - 1 if token.closed else token.end
                    return Context("value", chain, text[token.start + 1:offset], token.start + 1, end,
                                   item.key.text, True, token, item)
            bare = next((t for t in item.value if t.kind in ("name", "number") and t.contains(offset)), None)
            if bare is not None:
                return Context("value", chain, text[bare.start:offset], bare.start, bare.end, item.key.text,
                               token=bare, item=item)
            if offset >= item.op.end and self._in_value(item, offset):
                return Context("value", chain, "", offset, offset, item.key.text, item=item)
            return None
        if isinstance(item, Block):
            if item.kind.contains(offset):
                return Context("key", chain, text[item.kind.start:offset], item.kind.start, item.kind.end,
                               token=item.kind, item=item)
            if item.label is not None and item.label.contains(offset):
                inner = item.label.kind == "string"
                start = item.label.start + inner
                return Context("label", chain, text[start:offset], start, item.label.end - inner,
                               item.kind.text, inner, item.label, item)
            if item.label is None and item.kind.end < offset <= item.open.start:
                return Context("label", chain, "", offset, offset, item.kind.text, item=item)
            return None
        if isinstance(item, Partial):
            first = item.words[0]
            if first.contains(offset):
                return Context("key", chain, text[first.start:offset], first.start, first.end, token=first,
                               item=item)
            if len(item.words) > 1 and item.words[1].contains(offset):
                label = item.words[1]
                inner = label.kind == "string"
                return Context("label", chain, text[label.start + inner:offset], label.start + inner,
                               label.end - (inner and label.closed), first.text, inner, label, item)
            if len(item.words) == 1 and first.end < offset and text[first.end:offset].strip() == "" \
                    and "\n" not in text[first.end:offset]:
                return Context("label", chain, "", offset, offset, first.text, item=item)
            return None
        if isinstance(item, Import):
            if item.keyword.contains(offset):
                return Context("key", chain, text[item.keyword.start:offset], item.keyword.start,
                               item.keyword.end, token=item.keyword, item=item)
            target = item.target
            if target is not None and target.inside_string(offset):
                end = target.end - 1 if target.closed else target.end
                return Context("import", chain, text[target.start + 1:offset], target.start + 1, end, None,
                               True, target, item)
            if target is None and item.keyword.end < offset and "\n" not in text[item.keyword.end:offset]:
                return Context("import", chain, "", offset, offset, item=item)
        return None
