"""Stage 4, validate: blocks -> pydantic models, every error mapped back to its span."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, PydanticUserError, TypeAdapter, ValidationError

from .diagnostics import Report
from .didyoumean import did_you_mean
from .nodes import Block
from .schema import Path, SpanMap, Walker, describe_kind, field_names, shape

M = typing.TypeVar("M", bound=BaseModel)

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "bool_type": "`true` or `false`",
    "list_type": "a list",
    "dict_type": "a block",
    "model_type": "a block",
    "model_attributes_type": "a block",
    "is_instance_of": "a block",
}


@dataclass(frozen=True)
class Validated(typing.Generic[M]):
    model: M
    spans: SpanMap


def validate_block(block: Block, model: type[M], report: Report, path: Path = (),
                   named: bool = False) -> Validated[M] | None:
    """Fit ``block`` to ``model``; report every problem; return the model and its spans, or None.

    Shape errors (unknown keys, ...) and value errors are all reported in one pass: the walk
    drops what does not fit and pydantic checks the rest. ``named``: the block's name is not one
    of its values (``scheduler slurm { }``: the name chose the model).
    """
    spans = SpanMap()
    data = Walker(report, spans).block(block, model, path, named=named)
    try:
        return Validated(model.model_validate(data), spans)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            _report(error, model, spans, report, path)
        return None


@dataclass(frozen=True)
class Partial(typing.Generic[M]):
    """A model whose fields were validated one by one; ``failed`` names those that did not pass."""

    model: M
    spans: SpanMap
    failed: frozenset[str]


_STRICT = ConfigDict(strict=True, arbitrary_types_allowed=True)


@lru_cache(maxsize=None)
def _adapter(annotation) -> TypeAdapter:
    try:
        return TypeAdapter(annotation, config=_STRICT)
    except PydanticUserError:  # a model carries its own config
        return TypeAdapter(annotation)


def _field_type(info):
    return typing.Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def validate_partial(block: Block, model: type[M], report: Report, path: Path = (),
                     deep: tuple[str, ...] = ()) -> Partial[M]:
    """Validate each field of ``block`` on its own, and each entry of a map of blocks on its own.

    The checks that follow can then use every part that is right, so that one mistake does not
    hide the others. Entries of the maps named in ``deep`` are validated field by field too.
    Model-level validators of the models validated this way are not run: use it only for
    models that have none.
    """
    spans = SpanMap()
    data = Walker(report, spans).block(block, model, path)
    failed: set[str] = set()
    built = _partial(data, model, (), model, spans, report, path, failed, deep)
    return Partial(built, spans, frozenset(failed))


def _partial(data: dict, model, loc: Path, top, spans, report, root, failed: set[str], deep) -> BaseModel:
    def run(annotation, value, where: Path):
        try:
            return True, _adapter(annotation).validate_python(value)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                error = dict(error)
                error["loc"] = where + tuple(error["loc"])
                _report(error, top, spans, report, root)
            return False, None

    values: dict = {}
    prefix = ".".join(str(p) for p in loc)
    for name, info in model.model_fields.items():
        key = info.alias or name
        label = f"{prefix}.{name}" if prefix else name
        if key not in data:
            if info.is_required():
                _report({"type": "missing", "loc": loc + (key,), "msg": ""}, top, spans, report, root)
                failed.add(label)
                values[name] = None
            else:
                values[name] = info.get_default(call_default_factory=True)
            continue
        kind, inner = shape(info.annotation)
        if kind == "map_model":
            key_type = typing.get_args(_unwrap_optional(info.annotation))[0]
            entries = {}
            for entry_name, entry in data[key].items():
                good_key, _ = run(key_type, entry_name, loc + (key, entry_name, "[key]"))
                if key in deep and isinstance(entry, dict):
                    before = len(failed)
                    value = _partial(entry, inner, loc + (key, entry_name), top, spans, report, root,
                                     failed, ())
                    good = len(failed) == before
                    if not good:
                        # the entry is still usable by the checks of its valid parts
                        entries[entry_name] = value
                else:
                    good, value = run(inner, entry, loc + (key, entry_name))
                if good_key and good:
                    entries[entry_name] = value
                else:
                    failed.add(f"{label}.{entry_name}")
            values[name] = entries
            continue
        good, value = run(_field_type(info), data[key], loc + (key,))
        if good:
            values[name] = value
        else:
            failed.add(label)
            # a failed field reads as its default, or None: the checks skip what they cannot use
            values[name] = None if info.is_required() else info.get_default(call_default_factory=True)
    return model.model_construct(**values)


def _unwrap_optional(annotation):
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1 \
        else annotation


def _model_at(model: type[BaseModel], loc: tuple) -> tuple[type[BaseModel] | None, str | None]:
    """The model owning the last key of ``loc`` and that key (for help texts)."""
    current: type[BaseModel] | None = model
    key = None
    for part in loc:
        if current is None or not isinstance(part, str):
            continue
        names = field_names(current)
        if part not in names:
            continue
        key = part
        kind, inner = shape(current.model_fields[names[part]].annotation)
        if kind in ("model", "map_model") and part != loc[-1]:
            current = inner  # type: ignore[assignment]
    return current, key


def _clean(loc: tuple) -> tuple:
    """Drop pydantic's internal parts of a location (validator and union branch names)."""
    return tuple(p for p in loc if isinstance(p, int) or ("[" not in p and not p.startswith("function-")))


def _report(error: dict, model, spans: SpanMap, report: Report, root: Path) -> None:
    is_key = "[key]" in error["loc"]
    loc = root + _clean(tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        if loc in spans.dropped:  # given, but already reported as written wrongly
            return
        owner = loc[:-1]
        key = loc[-1] if loc else ""
        span = spans.block_head(owner)
        owner_model, _ = _model_at(model, loc[len(root):])
        example = f"{key} = ..."
        if owner_model is not None and isinstance(key, str) and key in field_names(owner_model):
            sh, _ = shape(owner_model.model_fields[field_names(owner_model)[key]].annotation)
            example = {"model": f"{key} {{ ... }}", "map_model": f"{key} NAME {{ ... }}",
                       "patch": f"{key} {{ ... }}", "map_value": f"{key} {{ ... }}"}.get(sh, example)
        report.error("E0203", f"missing `{key}` in `{spans.where(owner)}`", span,
                     label=f"`{key}` is required here", help=f"add `{example}`")
        return
    span, found = spans.nearest(loc)
    if is_key and loc in spans.keys:
        span, found = spans.keys[loc], loc
    if "code" in ctx:
        # one of ours: message and help written for people
        message = error["msg"]
        key = next((p for p in reversed(loc) if isinstance(p, str)), "")
        if found != loc and found in spans.blocks:
            label = f"in `{spans.where(found)}`"
        else:
            label = ""
        if ctx["code"] in ("E0205", "E0204", "E0702", "E0701", "E0208") and key and found == loc[: len(found)]:
            message = f"`{spans.where(loc)}`: {message}"
        report.error(ctx["code"], message, span, label=label, help=ctx.get("help", ""))
        return
    found_kind = describe_kind(spans.kinds.get(loc))
    key = spans.where(loc)
    if kind in _EXPECTED:
        report.error("E0204", f"`{key}` must be {_EXPECTED[kind]}, not {found_kind}", span,
                     label=f"expected {_EXPECTED[kind]}",
                     help=_type_help(kind))
    elif kind == "literal_error":
        allowed = _literal_choices(ctx.get("expected", ""))
        given = error.get("input")
        hint = did_you_mean(str(given), allowed) if isinstance(given, str) else ""
        report.error("E0205", f"`{key}` cannot be {_show(given)}", span,
                     label=f"expected one of {ctx.get('expected', '')}",
                     help=hint or f"choose one of {ctx.get('expected', '')}")
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {"greater_than_equal": "at least", "greater_than": "more than",
                 "less_than_equal": "at most", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "")
        report.error("E0205", f"`{key}` must be {bound} {limit}", span, label=f"{bound} {limit}")
    elif kind in ("string_too_long", "string_too_short", "too_long", "too_short"):
        report.error("E0205", f"`{key}`: {error['msg'].lower()}", span)
    else:
        report.error("E0205", f"`{key}`: {error['msg']}", span)


def _literal_choices(expected: str) -> list[str]:
    return [part.strip().strip("'") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def _show(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _type_help(kind: str) -> str:
    return {
        "string_type": 'quote text: "value"',
        "int_type": "write a whole number without quotes, e.g. 128",
        "bool_type": "write true or false without quotes",
        "list_type": 'write a list: ["a", "b"]',
    }.get(kind, "")
