"""Deep merge of blocks: the one mechanism behind every override and default.

``merge(base, patch)``: a patch's ``key = value`` replaces the base's; ``key += [..]`` appends
to the base's list; a patch block merges into the base block of the same kind and name, or is
added. Used for a platform's job defaults under a target's ``job``, the code's ``build`` under
a target's ``build``, a platform under a target's ``override``, a partition's ``node`` over the
platform's ``node``, and a platform over the platform it ``extends``. Spans are kept, so
errors in merged values still point at the file and line that wrote them.

A platform has one scheduler and one runtime, named by the block's label: a patch's
``runtime charliecloud { }`` over a base's ``runtime apptainer { }`` replaces it whole (the two
take different keys), while ``runtime apptainer { version = ... }`` merges into it.
"""

from __future__ import annotations

from dataclasses import replace

from .diagnostics import Report
from .nodes import Assignment, Block, Value

# blocks of which a platform has one, whose label picks the implementation
ONE_IMPLEMENTATION = frozenset({"scheduler", "runtime"})


def merge(base: Block | None, patch: Block | None, report: Report) -> Block | None:
    if patch is None:
        return base
    if base is None:
        base = replace(patch, items=())
    items = list(base.items)
    for change in patch.items:
        if isinstance(change, Assignment):
            index = next((i for i, item in enumerate(items)
                          if isinstance(item, Assignment) and item.key == change.key), None)
            if change.op == "+=":
                if index is None:
                    items.append(replace(change, op="="))
                    continue
                old = items[index]
                assert isinstance(old, Assignment)
                if old.value.kind != "list" or change.value.kind != "list":
                    report.error("E0211", f"`{change.key} +=` needs a list on both sides",
                                 change.key_span, label="cannot append here",
                                 help=f"`{change.key}` was set at {old.value.span.file}:"
                                      f"{old.value.span.line} to {old.value.kind}; use `=` to replace it")
                    continue
                joined = Value("list", tuple(old.value.value) + tuple(change.value.value),  # type: ignore
                               change.value.span)
                items[index] = replace(change, op="=", value=joined)
            elif index is None:
                items.append(change)
            else:
                items[index] = change
        elif isinstance(change, Block):
            index = next((i for i, item in enumerate(items) if isinstance(item, Block)
                          and item.kind == change.kind and item.label == change.label), None)
            if index is None and change.kind in ONE_IMPLEMENTATION:
                other = next((i for i, item in enumerate(items)
                              if isinstance(item, Block) and item.kind == change.kind), None)
                if other is not None:
                    items[other] = merge(None, change, report)
                    continue
            if index is None:
                items.append(merge(None, change, report))
            else:
                old_block = items[index]
                assert isinstance(old_block, Block)
                items[index] = merge(old_block, change, report)
        else:
            items.append(change)
    if patch.label is not None and patch.label != base.label:  # `build make { }` changes the kind
        return replace(base, items=tuple(items), label=patch.label, label_span=patch.label_span)
    return replace(base, items=tuple(items))
