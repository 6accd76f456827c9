"""Fit a block to a model: the shape check before pydantic checks the values.

The walk follows the model's fields, so that each structural mistake gets its own located
error: an unknown key (with a suggestion), a key given twice, a block where a value belongs,
a block name where none is taken or missing where one is needed. It produces the plain data
that pydantic validates and a :class:`SpanMap` that maps every data path back to the source.

Shapes of fields, read from the annotations:
- a model: a block ``key { ... }``; if the model has a ``kind`` field the block's name is it
  (``build cmake { ... }``);
- ``dict[str, Model]``: named blocks ``key NAME { ... }``, any number;
- ``dict[str, Patch]``: named blocks kept as syntax (a plug-in validates them later);
- ``dict[str, scalar]``: a block of assignments ``env { NAME = "value" }``;
- :data:`~hpcspec.models.types.Patch`: a block kept as syntax, merged later;
- anything else: a value ``key = value``.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field

from pydantic import BaseModel

from .diagnostics import Report
from .didyoumean import suggest
from .nodes import KIND_NAMES, Assignment, Block, Value
from .source import Span

Path = tuple[typing.Union[str, int], ...]


@dataclass
class SpanMap:
    """Where each data path came from."""

    values: dict[Path, Span] = field(default_factory=dict)  # path -> value span
    keys: dict[Path, Span] = field(default_factory=dict)  # path -> key (or block name) span
    blocks: dict[Path, Span] = field(default_factory=dict)  # path of a block -> its head
    kinds: dict[Path, str] = field(default_factory=dict)  # path -> literal kind
    dropped: set[Path] = field(default_factory=set)  # keys given but already reported as wrong
    root: str = ""  # what the top block is called in messages, e.g. "code gromacs"

    def where(self, path: Path) -> str:
        return where(path, self.root)

    def nearest(self, path: Path) -> tuple[Span | None, Path]:
        """The span of the longest known prefix of ``path``."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            for table in (self.values, self.blocks):
                if prefix in table:
                    return table[prefix], prefix
        return None, ()

    def block_head(self, path: Path) -> Span | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.blocks:
                return self.blocks[path[:end]]
        return None


def unwrap(annotation) -> tuple[object, list]:
    """The annotation without Optional[...] and Annotated[...], and the metadata Annotated carried
    (used here to fit blocks to models, and by keydocs to describe them)."""
    metadata: list = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            for extra in args[1:]:
                metadata += [extra, *getattr(extra, "metadata", [])]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, metadata


def _unwrap(annotation):
    return unwrap(annotation)[0]


def is_model(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def shape(annotation) -> tuple[str, object]:
    """One of ("patch", None), ("model", M), ("map_model", M), ("map_patch", None), ("map_value", None),
    ("value", None)."""
    inner = _unwrap(annotation)
    if inner is Block:
        return "patch", None
    if is_model(inner):
        return "model", inner
    if typing.get_origin(inner) is dict:
        value_type = _unwrap(typing.get_args(inner)[1])
        if is_model(value_type):
            return "map_model", value_type
        if value_type is Block:
            return "map_patch", None
        return "map_value", None
    return "value", None


def field_names(model: type[BaseModel]) -> dict[str, str]:
    """Spec key -> Python field name (aliases such as `from` included)."""
    return {(info.alias or name): name for name, info in model.model_fields.items()}


def where(path: Path, root: str = "") -> str:
    return ".".join(str(p) for p in path if isinstance(p, str)) or root or "the file"


class Walker:
    def __init__(self, report: Report, spans: SpanMap | None = None) -> None:
        self.report = report
        self.spans = spans or SpanMap()

    def where(self, path: Path) -> str:
        return self.spans.where(path)

    # -- entry points --------------------------------------------------------------------------
    def block(self, block: Block, model: type[BaseModel], path: Path, named: bool = False) -> dict:
        """``named``: the block's name is its key in a map (``partition standard``), not its kind."""
        if not path and not self.spans.root:
            self.spans.root = f"{block.kind} {block.label}" if block.label else block.kind
        self.spans.blocks[path] = block.head_span
        data: dict = {}
        keys = field_names(model)
        if block.label is not None and not named:
            if "kind" in keys:
                data["kind"] = block.label
                self.spans.values[path + ("kind",)] = block.label_span  # type: ignore[assignment]
                self.spans.kinds[path + ("kind",)] = "string"
            elif path:
                self.report.error("E0207", f"`{block.kind}` takes no name", block.label_span,
                                  label="unexpected name", help=f"write `{block.kind} {{ ... }}`")
        seen: dict[str, Span] = {}
        for item in block.items:
            if isinstance(item, Assignment):
                self._assignment(item, model, keys, path, data, seen)
            elif isinstance(item, Block):
                self._child_block(item, model, keys, path, data, seen)
        return data

    def values_block(self, block: Block, path: Path) -> dict:
        """A block of plain assignments (``env { A = "1" }``)."""
        self.spans.blocks[path] = block.head_span
        data: dict = {}
        seen: dict[str, Span] = {}
        for item in block.items:
            if isinstance(item, Block):
                self.report.error("E0206", f"`{item.kind}` is a block, but `{self.where(path)}` holds values only",
                                  item.kind_span, label="not a value",
                                  help=f"write `{item.kind} = ...`")
                continue
            if isinstance(item, Assignment):
                if self._duplicate(item.key, item.key_span, seen):
                    continue
                if item.op == "+=":
                    self._bad_append(item)
                    continue
                data[item.key] = self._plain(item.value, path + (item.key,))
                self.spans.keys[path + (item.key,)] = item.key_span
        return data

    # -- pieces --------------------------------------------------------------------------------
    def _duplicate(self, key: str, span: Span, seen: dict[str, Span]) -> bool:
        if key in seen:
            first = seen[key]
            self.report.error("E0202", f"`{key}` is given twice", span, label="given again here",
                              help=f"keep one of them (first given at {first.file}:{first.line})")
            return True
        seen[key] = span
        return False

    def _bad_append(self, item: Assignment) -> None:
        self.report.error("E0211", f"`{item.key} +=` has nothing to append to", item.key_span,
                          label="nothing inherited here",
                          help="`+=` appends to a list inherited from a platform or the code "
                               "(in a target's `build`, `job` or `override`); use `=` here")

    def _unknown(self, key: str, span: Span, keys: dict[str, str], path: Path, is_block: bool) -> None:
        owner = self.where(path)
        label = "not a known block" if is_block else f"not a key of `{owner}`"
        guess = suggest(key, keys)
        if guess is not None:  # the missing-value error for the key it stands for would repeat this
            self.spans.dropped.add(path + (guess,))
        self.report.error("E0201", f"unknown {'block' if is_block else 'key'} `{key}` in `{owner}`", span,
                          label=label, help=f"did you mean `{guess}`?" if guess else
                          f"the keys of `{owner}` are: {', '.join(sorted(keys))}")

    def _assignment(self, item: Assignment, model, keys, path, data, seen) -> None:
        if item.key not in keys:
            self._unknown(item.key, item.key_span, keys, path, False)
            return
        if self._duplicate(item.key, item.key_span, seen):
            return
        info = model.model_fields[keys[item.key]]
        kind, _ = shape(info.annotation)
        if kind != "value":
            example = f"{item.key} {{ ... }}" if kind != "map_model" else f"{item.key} NAME {{ ... }}"
            self.spans.dropped.add(path + (item.key,))
            self.report.error("E0206", f"`{item.key}` is a block, not a value", item.key_span,
                              label="written as a value", help=f"write it as a block: `{example}`")
            return
        if item.op == "+=":
            self.spans.dropped.add(path + (item.key,))
            self._bad_append(item)
            return
        self.spans.keys[path + (item.key,)] = item.key_span
        data[item.key] = self._plain(item.value, path + (item.key,))

    def _child_block(self, item: Block, model, keys, path, data, seen) -> None:
        if item.kind not in keys:
            self._unknown(item.kind, item.kind_span, keys, path, True)
            return
        info = model.model_fields[keys[item.kind]]
        kind, inner = shape(info.annotation)
        if kind == "value":
            self.spans.dropped.add(path + (item.kind,))
            self.report.error("E0206", f"`{item.kind}` is a value, not a block", item.kind_span,
                              label="written as a block", help=f"write `{item.kind} = ...`")
            return
        if kind in ("map_model", "map_patch"):
            if item.label is None:
                self.spans.dropped.add(path + (item.kind,))
                self.report.error("E0207", f"`{item.kind}` needs a name", item.head_span,
                                  label="name missing", help=f"write `{item.kind} NAME {{ ... }}`")
                return
            table = data.setdefault(item.kind, {})
            if self._duplicate(f"{item.kind} {item.label}", item.head_span, seen):
                return
            sub = path + (item.kind, item.label)
            self.spans.keys[sub] = item.label_span  # type: ignore[assignment]
            if kind == "map_patch":
                self.spans.blocks[sub] = item.head_span
                table[item.label] = item
            else:
                table[item.label] = self.block(item, inner, sub, named=True)  # type: ignore[arg-type]
            self.spans.blocks.setdefault(path + (item.kind,), item.head_span)
            return
        if self._duplicate(item.kind, item.head_span, seen):
            return
        sub = path + (item.kind,)
        self.spans.keys[sub] = item.kind_span
        if item.label is not None and kind == "map_value":
            self.report.error("E0207", f"`{item.kind}` takes no name", item.label_span,
                              label="unexpected name", help=f"write `{item.kind} {{ ... }}`")
        if kind == "patch":  # a name, if any, is checked when the patched block is validated
            self.spans.blocks[sub] = item.head_span
            data[item.kind] = item
        elif kind == "map_value":
            data[item.kind] = self.values_block(item, sub)
        else:
            data[item.kind] = self.block(item, inner, sub)  # type: ignore[arg-type]

    def _plain(self, value: Value, path: Path):
        self.spans.values[path] = value.span
        self.spans.kinds[path] = value.kind
        if value.kind == "list":
            return [self._plain(item, path + (i,)) for i, item in enumerate(value.value)]  # type: ignore
        return value.value


def describe_kind(kind: str | None) -> str:
    return KIND_NAMES.get(kind or "", "a value")
