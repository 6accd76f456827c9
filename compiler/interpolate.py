"""``${name}`` interpolation: a string may use the values of its own and enclosing blocks.

Lookup is lexical: the block the string is in, then each enclosing block; a top-level block's
name is ``${name}``. Only strings and integers can be interpolated.

A platform is interpolated after everything that changes it is merged: the platform it
``extends``, and a target's ``override``. So ``root = "/opt/cray/pe/mpich/${version}"`` follows
a version that an override or a derived platform sets. A code block is interpolated where it
is written, except its targets' ``override`` blocks, which are interpolated in the platform
they patch.
"""

from __future__ import annotations

from dataclasses import replace

from .diagnostics import Report
from .didyoumean import did_you_mean
from .nodes import Assignment, Block, Ref, SpecFile, Value
from .source import Span

MAX_LENGTH = 65536
MAX_CHAIN = 64  # ${a} -> ${b} -> ...: deeper than any real spec, and well within Python's stack


class _Scope:
    def __init__(self, block: Block, parent: "_Scope | None", top: bool) -> None:
        self.parent = parent
        self.values: dict[str, Value] = {}
        if top and block.label is not None and block.label_span is not None:
            self.values["name"] = Value("string", block.label, block.label_span)
        self.blocks: set[str] = set()
        for item in block.items:
            if isinstance(item, Assignment) and item.op == "=":
                self.values.setdefault(item.key, item.value)
            elif isinstance(item, Block):
                self.blocks.add(item.kind)

    def lookup(self, name: str) -> tuple[Value | None, "_Scope | None"]:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name], scope
            scope = scope.parent
        return None, None

    def is_block(self, name: str) -> bool:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.blocks:
                return True
            scope = scope.parent
        return False

    def names(self) -> set[str]:
        out: set[str] = set()
        scope: _Scope | None = self
        while scope is not None:
            out |= set(scope.values)
            scope = scope.parent
        return out


class _Interpolator:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.done: dict[int, Value] = {}
        self.failed: set[int] = set()  # values whose interpolation failed (already reported)
        self.active: list[tuple[int, str, Span]] = []

    def block(self, block: Block, parent: _Scope | None, keep: str | None = None) -> Block:
        """`keep`: a kind of nested block left as written (interpolated once merged elsewhere)."""
        scope = _Scope(block, parent, parent is None)
        items = []
        for item in block.items:
            if isinstance(item, Assignment):
                items.append(replace(item, value=self.value(item.value, scope)))
            elif isinstance(item, Block):
                items.append(item if item.kind == keep else self.block(item, scope, keep))
            else:
                items.append(item)
        return replace(block, items=tuple(items))

    def value(self, value: Value, scope: _Scope) -> Value:
        if value.kind == "list":
            return value.with_value(tuple(self.value(v, scope) for v in value.value))  # type: ignore
        if not value.parts:
            return value
        key = id(value)
        if key in self.done:
            return self.done[key]
        out: list[str] = []
        failed = False
        for part in value.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            text = self.ref(part, scope)
            if text is None:
                failed = True
            else:
                out.append(text)
        text = "".join(out)
        if len(text) > MAX_LENGTH:
            self.report.error("E0209", "interpolated string is too long", value.span,
                              help=f"strings are limited to {MAX_LENGTH} characters")
            failed = True
        if failed:
            self.failed.add(key)
            self.report.poison(value.span)
        result = value.with_value("" if failed else text)
        self.done[key] = result
        return result

    def ref(self, ref: Ref, scope: _Scope) -> str | None:
        target, owner = scope.lookup(ref.name)
        if target is None and scope.is_block(ref.name):
            self.report.error("E0209", f"`{ref.name}` is a block, not a value", ref.span,
                              label="only strings and integers can be interpolated",
                              help=f"interpolate one of its values, or make `{ref.name}` a value")
            return None
        if target is None or owner is None:
            self.report.error("E0209", f"unknown name `{ref.name}` in `${{...}}`", ref.span,
                              label="not a key of this block or an enclosing one",
                              help=did_you_mean(ref.name, scope.names())
                              or "interpolate a key set with `=` in this block or an enclosing one; "
                                 "write $$ for a literal `$`")
            return None
        if target.kind not in ("string", "int"):
            self.report.error("E0209", f"`{ref.name}` is {target.kind}, not text", ref.span,
                              label="only strings and integers can be interpolated")
            return None
        if target.kind == "int":
            return str(target.value)
        key = id(target)
        if any(active == key for active, _, _ in self.active):
            chain = " -> ".join(name for _, name, _ in self.active) + f" -> {ref.name}"
            self.report.error("E0210", f"interpolation cycle: {chain}", ref.span,
                              label="refers back to itself", help="break the cycle with a literal value")
            return None
        if len(self.active) >= MAX_CHAIN:
            self.report.error("E0108", f"`${{{ref.name}}}` is reached through more than {MAX_CHAIN} "
                                       "interpolations", ref.span, label="too deep",
                              help="write the value literally somewhere along the chain")
            return None
        self.active.append((key, ref.name, ref.span))
        try:
            resolved = self.value(target, owner)
        finally:
            self.active.pop()
        if key in self.failed or resolved.parts or not isinstance(resolved.value, str):
            return None
        return resolved.value


def interpolate(spec: SpecFile, report: Report) -> SpecFile:
    """Interpolate a file's code blocks (not their targets' overrides); platforms are left to
    :func:`interpolate_block`, once their `extends` is merged."""
    worker = _Interpolator(report)
    blocks = tuple(worker.block(block, None, keep="override") if block.kind == "code" else block
                   for block in spec.blocks)
    return replace(spec, blocks=blocks)


def interpolate_block(block: Block, report: Report) -> Block:
    """A whole top-level block, as merged."""
    return _Interpolator(report).block(block, None)
