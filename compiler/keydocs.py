"""What every key and block of the language means: for hover, completion and the reference.

Descriptions are text, kept in one file (``data/keys.toml``); everything else about a key is
read from the model that validates it, so it cannot drift: its type in spec terms, whether it
is required, its default, the values a ``Literal`` allows, and which block a ``Patch`` is merged
into. Plug-ins are found through the registry: a scheduler, launcher or runtime block documents
the keys of the plug-in its name picks. A plug-in outside hpcspec may document its own keys
with pydantic's ``Field(description=...)``, which wins over the file.

Paths name blocks by kind, as they nest in a spec, without block names: ``("code", "target",
"job", "walltime")``, ``("platform", "partition", "node", "memory")``. A plug-in block may be
followed by the plug-in's name: ``("platform", "scheduler", "slurm", "srun_cpus_per_task")``;
without it, the keys every plug-in of that kind takes.

``missing()`` lists every key or block without a description and ``stale()`` every description
of a key that no longer exists; the tests require both to be empty, so a key cannot be added
undocumented.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pydantic import BaseModel

from .nodes import Block, Duration, Size
from .schema import is_model, unwrap

PLUGIN_KINDS = ("scheduler", "launcher", "runtime")


@dataclass(frozen=True)
class KeyDoc:
    """One key or block of the language."""

    key: str  # as a spec writes it ("from", not the Python name "from_")
    path: tuple[str, ...]  # where it sits; (key,) from model_docs()
    owner: str  # the block that holds it: a model's name ("Job") or a plug-in ("scheduler slurm")
    description: str  # one paragraph; "" when undocumented (see missing())
    shape: str  # "value", "block", "named blocks", "values block"
    type: str  # in spec terms: "duration", "list of strings", "block", ...
    syntax: str  # how it is written: "walltime = DURATION", "partition NAME { ... }"
    required: bool = False
    default: str | None = None  # in spec syntax, when there is one worth showing
    allowed: tuple[str, ...] = ()  # the values a Literal allows; for a block, the names it takes
    model: type | None = field(default=None, compare=False)  # the model of a block's body
    plugin: str | None = None  # "scheduler", "launcher" or "runtime": the block's name picks one

    def summary(self) -> str:
        """One line: the type, and required or the default."""
        parts = [self.type]
        if self.required:
            parts.append("required")
        elif self.default is not None:
            parts.append(f"default {self.default}")
        else:
            parts.append("optional")
        return ", ".join(parts)

    def markdown(self) -> str:
        """The hover text: how it is written, its facts, what it means, the values it takes."""
        lines = [f"```hpcspec\n{self.syntax}\n```", f"*{self.summary()}*"]
        if self.description:
            lines.append(self.description)
        if self.allowed:
            noun = "names" if self.shape != "value" else "values"
            lines.append(f"{noun.capitalize()}: " + ", ".join(f"`{a}`" for a in self.allowed))
        return "\n\n".join(lines)


@dataclass(frozen=True)
class BlockDoc:
    """One kind of block, for a reference page: what it is, its keys, and where it appears."""

    id: str  # the model's name ("Job") or the plug-in's ("scheduler slurm"; "scheduler": every scheduler)
    title: str  # how it is written: "job { ... }", "scheduler slurm { ... }"
    about: str
    keys: tuple[KeyDoc, ...]
    paths: tuple[tuple[str, ...], ...]  # where it can be written (plug-ins: under `platform`)
    model: type | None = field(default=None, compare=False)


# ----------------------------------------------------------------------------------------------
# The descriptions


@lru_cache(maxsize=1)
def texts() -> dict:
    """data/keys.toml, parsed once."""
    import tomllib
    from importlib.resources import files

    return tomllib.loads(files("hpcspec.data").joinpath("keys.toml").read_text(encoding="utf-8"))


def _text(section: str, name: str, key: str | None = None) -> str:
    """A description as one line: `about` of a block, one of its `keys`, or a plain entry."""
    entry = texts().get(section, {}).get(name, {})
    if isinstance(entry, str):
        text = entry if key is None else ""
    else:
        text = entry.get("about", "") if key is None else entry.get("keys", {}).get(key, "")
    return " ".join(str(text).split())


# ----------------------------------------------------------------------------------------------
# The language's blocks, read from the models


def roots() -> dict[str, type[BaseModel]]:
    """The top-level blocks: `code NAME { }` and `platform NAME { }`."""
    from .models.code import Code
    from .models.platform import Platform

    return {"code": Code, "platform": Platform}


def patched() -> dict[tuple[str, str], object]:
    """Blocks kept as syntax (``Patch``) and validated after merging: the model each is validated
    against, or the plug-in kind whose ``Options`` validate it. Every ``Patch`` field of a model
    must be here (a test checks): this is how hover and completion see inside them."""
    from .models.code import Build
    from .models.job import Job
    from .models.platform import Node, Platform

    return {
        ("Code", "build"): Build,
        ("Target", "build"): Build,
        ("Target", "job"): Job,
        ("Target", "override"): Platform,
        ("Platform", "job"): Job,
        ("Partition", "node"): Node,
        ("Platform", "scheduler"): "scheduler",
        ("Platform", "launcher"): "launcher",
        ("Platform", "runtime"): "runtime",
    }


_NOUNS = {str: "string", bool: "boolean", int: "integer", float: "number", Duration: "duration", Size: "size"}
_PLURALS = {"boolean": "booleans", "integer": "integers", "string": "strings", "duration": "durations",
            "size": "sizes", "number": "numbers"}


def _bounds(metadata: list) -> str:
    low = high = None
    for item in metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}" if high is not None else ""


def _value_type(annotation, metadata: list | None = None) -> tuple[str, tuple[str, ...]]:
    """(type in spec terms, the values a Literal allows)."""
    inner, more = unwrap(annotation)
    metadata = (metadata or []) + more
    origin = typing.get_origin(inner)
    if origin is typing.Literal:
        values = typing.get_args(inner)
        kinds = sorted({_NOUNS.get(type(v), "value") for v in values})
        return " or ".join(kinds), tuple(str(v) for v in values)
    if origin in (typing.Union, types.UnionType):
        texts_, allowed = [], []
        for arm in typing.get_args(inner):
            if arm is type(None):
                continue
            text, values = _value_type(arm)
            if text not in texts_:
                texts_.append(text)
            allowed += values
        return " or ".join(texts_), tuple(allowed)
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(inner)
        item, allowed = _value_type(args[0]) if args else ("value", ())
        noun, _, rest = item.partition(" (")
        return f"list of {_PLURALS.get(noun, noun + ' values')}" + (f" ({rest}" if rest else ""), allowed
    noun = _NOUNS.get(inner, "value")  # type: ignore[arg-type]
    bounds = _bounds(metadata) if noun == "integer" else ""
    return noun + (f" ({bounds})" if bounds else ""), ()


def _default(info) -> str | None:
    if info.is_required():
        return None
    value = info.get_default(call_default_factory=True)
    if value is None or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def _placeholder(type_text: str) -> str:
    """`walltime = DURATION`, `options = [STRING, ...]`."""
    if type_text.startswith("list of "):
        noun = type_text[len("list of "):].split(" ")[0].rstrip("s")
        return f"[{noun.upper()}, ...]"
    noun = type_text.split(" (")[0].split(" or ")[0]
    return {"string": '"..."', "boolean": "true|false"}.get(noun, noun.upper())


@dataclass(frozen=True)
class _Body:
    """What a block holds: the keys of a model, or of a plug-in (``name`` None: any of its kind)."""

    owner: str
    model: type[BaseModel] | None
    plugin: str | None = None
    name: str | None = None
    kind_is_name: bool = False  # `build cmake { }`: the model's `kind` is the block's name


def plugins(kind: str) -> dict[str, type]:
    """The installed plug-ins of a kind ("scheduler", "launcher", "runtime"), by name."""
    from .registry import PluginError, registry

    try:
        return registry(kind)
    except PluginError:  # a broken plug-in is reported where a spec uses it; document the rest
        return {}


def _plugin_base(kind: str):
    from importlib import import_module

    from .registry import GROUPS

    _, module, base = GROUPS[kind]
    return getattr(import_module(module), base)


def _plugin_body(kind: str, name: str | None) -> _Body:
    cls = plugins(kind).get(name or "")
    if cls is None:
        return _Body(kind, _plugin_base(kind).Options, kind)
    return _Body(f"{kind} {name}", cls.Options, kind, name)


def _description(body: _Body, key: str, info) -> str:
    if body.plugin is None:  # a model's own word, else that of the model it derives from
        return next(filter(None, (_text("models", c.__name__, key) for c in body.model.__mro__  # type: ignore[union-attr]
                                  if isinstance(c, type) and issubclass(c, BaseModel))), "")
    if info.description:  # a plug-in's own word
        return " ".join(info.description.split())
    for name in _plugin_lineage(body.plugin, body.name):
        found = _text("plugins", f"{body.plugin} {name}", key)
        if found:
            return found
    return _text("plugins", body.plugin, key)


def _plugin_lineage(kind: str, name: str | None) -> list[str]:
    """The plug-in's name, then those of registered plug-ins it derives from (their keys' words
    hold for it too, e.g. a Torque scheduler built on PBS)."""
    classes = plugins(kind)
    cls = classes.get(name or "")
    if cls is None:
        return []
    by_class = {c: n for n, c in classes.items()}
    return [by_class[c] for c in cls.__mro__ if c in by_class]


def _keydoc(body: _Body, key: str, info) -> KeyDoc:
    annotation = info.annotation
    inner, _ = unwrap(annotation)
    required = info.is_required()
    description = _description(body, key, info)
    common = dict(key=key, path=(key,), owner=body.owner, description=description, required=required)
    target = patched().get((body.owner, key)) if body.plugin is None else None
    origin = typing.get_origin(inner)
    if origin is dict:
        value, _ = unwrap(typing.get_args(inner)[1])
        if value is Block or is_model(value):
            sub = target if value is Block else value
            if isinstance(sub, str):  # plug-in blocks by name: `launcher srun { }`
                return KeyDoc(**common, shape="named blocks", type="named blocks",
                              syntax=f"{key} NAME {{ ... }}", allowed=tuple(sorted(plugins(sub))),
                              plugin=sub)
            return KeyDoc(**common, shape="named blocks", type="named blocks", syntax=f"{key} NAME {{ ... }}",
                          model=sub)  # type: ignore[arg-type]
        item, _ = _value_type(typing.get_args(inner)[1])
        return KeyDoc(**common, shape="values block", type=f"block of {item} values",
                      syntax=f"{key} {{ NAME = {_placeholder(item)} }}")
    if inner is Block or is_model(inner):
        sub = target if inner is Block else inner
        if isinstance(sub, str):  # `scheduler slurm { }`
            return KeyDoc(**common, shape="block", type="block", syntax=f"{key} NAME {{ ... }}",
                          allowed=tuple(sorted(plugins(sub))), plugin=sub)
        kinds = _kinds(sub)
        syntax = f"{key} KIND {{ ... }}" if kinds else f"{key} {{ ... }}"
        return KeyDoc(**common, shape="block", type="block", syntax=syntax, allowed=kinds,
                      model=sub)  # type: ignore[arg-type]
    text, allowed = _value_type(annotation, list(info.metadata))
    return KeyDoc(**common, shape="value", type=text, syntax=f"{key} = {_placeholder(text)}",
                  default=_default(info), allowed=allowed)


def _kinds(model) -> tuple[str, ...]:
    """The names a block takes when its model's `kind` is its name (`build cmake`)."""
    if model is None or "kind" not in model.model_fields:
        return ()
    return _value_type(model.model_fields["kind"].annotation)[1]


@lru_cache(maxsize=None)
def _keys(body: _Body) -> tuple[KeyDoc, ...]:
    if body.model is None:
        return ()
    return tuple(_keydoc(body, info.alias or name, info) for name, info in body.model.model_fields.items())


def _model_body(model: type[BaseModel], named: bool = True) -> _Body:
    return _Body(model.__name__, model, kind_is_name=not named and bool(_kinds(model)))


# ----------------------------------------------------------------------------------------------
# Paths


def _root(kind: str) -> KeyDoc | None:
    model = roots().get(kind)
    if model is None:
        if kind == "import":
            return KeyDoc("import", ("import",), "", _text("language", "import"), "statement", "statement",
                          'import "NAME"')
        return None
    return KeyDoc(kind, (kind,), "", _text("models", model.__name__), "named block", "named block",
                  f"{kind} NAME {{ ... }}", required=False, model=model)


def _body_of(doc: KeyDoc, path: tuple[str, ...], at: int) -> tuple[_Body | None, int]:
    """The body a block's doc opens, and how many elements of `path` its name used."""
    if doc.plugin is not None:
        name = path[at] if at < len(path) and path[at] in plugins(doc.plugin) else None
        return _plugin_body(doc.plugin, name), (1 if name else 0)
    if doc.model is None:
        return None, 0
    return _model_body(doc.model, named=doc.shape != "block"), 0


@lru_cache(maxsize=4096)  # hover and completion ask for the same few paths again and again
def _walk(path: tuple[str, ...]) -> tuple[KeyDoc, _Body | None] | None:
    if not path:
        return None
    doc = _root(path[0])
    if doc is None:
        return None
    body, _ = _body_of(doc, path, 1)
    at = 1
    while at < len(path):
        if body is None:
            return None
        found = next((d for d in _keys(body) if d.key == path[at]), None)
        if found is None:
            return None
        doc = found
        body, used = _body_of(doc, path, at + 1)
        at += 1 + used
    return replace(doc, path=tuple(path)), body


def lookup(path) -> KeyDoc | None:
    """The key or block at `path` (see the module's docstring), or None if the language has none."""
    walked = _walk(tuple(path))
    return walked[0] if walked else None


def children(path) -> list[KeyDoc]:
    """The keys and blocks that may be written inside the block at `path`; ``()`` gives the
    top level. The `kind` of a block named by it (`build cmake`) is left out."""
    path = tuple(path)
    if not path:
        return [d for d in (_root("import"), *(_root(k) for k in roots())) if d is not None]
    walked = _walk(path)
    if walked is None or walked[1] is None:
        return []
    body = walked[1]
    return [replace(d, path=path + (d.key,)) for d in _keys(body)
            if not (body.kind_is_name and d.key == "kind")]


def model_docs(model: type[BaseModel]) -> list[KeyDoc]:
    """Every key of a model, in declaration order. A plug-in's Options model is documented as
    the first plug-in registered with it (or as the keys every plug-in of its kind takes)."""
    for kind in PLUGIN_KINDS:
        for name, cls in sorted(plugins(kind).items()):
            if cls.Options is model:
                return plugin_docs(kind, name)
        if _plugin_base(kind).Options is model:
            return plugin_docs(kind, None)
    return list(_keys(_model_body(model)))


def plugin_docs(kind: str, name: str | None) -> list[KeyDoc]:
    """The keys of `kind NAME { }` (name None: the keys every plug-in of the kind takes)."""
    return list(_keys(_plugin_body(kind, name)))


# ----------------------------------------------------------------------------------------------
# The whole language, for the reference and the tests


def blocks() -> list[BlockDoc]:
    """Every kind of block: the models reachable from `code` and `platform` (each once, with
    every path that reaches it), then each plug-in kind and each registered plug-in."""
    found: dict[str, BlockDoc] = {}
    order: list[str] = []
    paths: dict[str, list[tuple[str, ...]]] = {}
    stack: list[tuple[type[BaseModel], tuple[str, ...], str]] = [
        (model, (kind,), f"{kind} NAME {{ ... }}") for kind, model in roots().items()]
    while stack:
        model, path, title = stack.pop(0)
        name = model.__name__
        paths.setdefault(name, []).append(path)
        if name in found:
            continue
        order.append(name)
        keys = tuple(replace(d, path=path + (d.key,)) for d in _keys(_model_body(model)))
        found[name] = BlockDoc(name, title, _text("models", name), keys, (), model)
        for doc in keys:
            if doc.model is not None:
                stack.append((doc.model, doc.path, doc.syntax))
    out = [replace(found[n], paths=tuple(paths[n])) for n in order]
    for kind in PLUGIN_KINDS:
        base = _plugin_body(kind, None)
        out.append(BlockDoc(kind, f"{kind} NAME {{ ... }}", _text("plugins", kind),
                            tuple(replace(d, path=("platform", kind, d.key)) for d in _keys(base)),
                            (("platform", kind),), base.model))
        for name, cls in sorted(plugins(kind).items()):
            body = _plugin_body(kind, name)
            about = " ".join(filter(None, [" ".join(cls.summary.split()), _text("plugins", f"{kind} {name}")]))
            out.append(BlockDoc(f"{kind} {name}", f"{kind} {name} {{ ... }}", about,
                                tuple(replace(d, path=("platform", kind, name, d.key)) for d in _keys(body)),
                                (("platform", kind, name),), body.model))
    return out


def missing() -> list[str]:
    """Every block and key without a description, as `Job.walltime` or `scheduler slurm.version`."""
    out = [] if _text("language", "import") else ["language.import"]
    for block in blocks():
        if not block.about:
            out.append(f"{block.id} (the block itself: `about`)")
        out += [f"{block.id}.{d.key}" for d in block.keys if not d.description]
    return out


def stale() -> list[str]:
    """Descriptions in keys.toml of blocks or keys that do not exist (any more)."""
    known: dict[str, set[str]] = {b.id: {d.key for d in b.keys} for b in blocks()}
    out = [f"language.{k}" for k in texts().get("language", {}) if k != "import"]
    for section in ("models", "plugins"):
        for name, table in sorted(texts().get(section, {}).items()):
            kind, _, plugin = name.partition(" ")
            if section == "plugins" and plugin and kind in PLUGIN_KINDS and plugin not in plugins(kind):
                continue  # a plug-in that is not installed here
            if name not in known:
                out.append(f"{section}.{name}")
                continue
            extra = set(table) - {"about", "keys"}
            out += [f"{section}.{name}.{k}" for k in sorted(extra)]
            out += [f"{section}.{name}.keys.{k}" for k in sorted(set(table.get("keys", {})) - known[name])]
    return out


def patch_fields() -> list[tuple[str, str]]:
    """(model, key) of every field kept as syntax, for the test that `patched()` covers them all."""
    out = []
    for block in blocks():
        if block.model is None or " " in block.id or block.id in PLUGIN_KINDS:
            continue
        for name, info in block.model.model_fields.items():
            inner, _ = unwrap(info.annotation)
            if typing.get_origin(inner) is dict:
                inner, _ = unwrap(typing.get_args(inner)[1])
            if inner is Block:
                out.append((block.id, info.alias or name))
    return out
