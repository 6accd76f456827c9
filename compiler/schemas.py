"""JSON Schemas of the language (its JSON form) and of manifest.json, generated from the code.

**The language.** Specs are not JSON; the schema describes their *JSON form*, for editors and
tools that hold a spec as data: a file is an object with
`import` (the imported names and paths), `code` (at most one code, by name) and `platform`
(platforms, by name). Inside, a block is an object, `key = value` a member, a named block
(`target archer2 { }`) a member of an object keyed by name (`"target": {"archer2": {...}}`),
and a block whose name is its kind (`build cmake`, `scheduler slurm`, `runtime apptainer`) an
object with `"kind": "cmake"`. Values are what the compiler validates: interpolation done
(`${version}` replaced), durations and sizes as their literals (`"1h30min"`, `"64GiB"`). The
JSON form has no `+=`: a patch (a target's `build`, `job` and `override`, a partition's `node`)
gives whole values, and its keys are all optional. Platforms that `extends` another need none
of the keys the base provides.

The schema is generated from the pydantic models (hpcspec.models) and from each registered
plug-in's options model (hpcspec.registry: one `oneOf` branch per scheduler, launcher and
runtime). String rules the models check with regular expressions (names, versions, URLs...) are
carried over as `pattern`s; other checks (paths, cross references, job shapes) stay the
compiler's.

**manifest.json** (backends/generic.py, `GenericBackend.manifest`): its fields and their types.

`schemas/` at the top of the repository holds both as generated for hpcspec's own plug-ins
(`hpcspec schema language --builtin -o schemas/hpcspec.schema.json`, `hpcspec schema manifest
-o schemas/manifest.schema.json`); tests/test_schemas.py checks they are current.
"""

from __future__ import annotations

import copy
import json
import re
import typing

DIALECT = "https://json-schema.org/draft/2020-12/schema"
PLUGIN_KINDS = ("scheduler", "launcher", "runtime")


def dumps(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------------------------
# From the models


def _regex(function) -> str | None:
    """The regular expression a `types._pattern` validator checks (held in its closure)."""
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, re.Pattern):
            return f"^(?:{value.pattern})$"  # the validator uses fullmatch; JSON Schema searches
    return None


def _literals() -> dict:
    """The JSON form of the value types that are not plain JSON (by their validator)."""
    from .lower import DURATION_UNITS, SIZE_UNITS
    from .models import types

    duration = "".join(f"([0-9]+{unit})?" for unit in DURATION_UNITS)
    sizes = "|".join(sorted(SIZE_UNITS, key=lambda u: (-len(u), u)))
    return {
        types._abs_path: {"pattern": "^/", "description": "an absolute, normalised path"},  # the rest: the compiler's
        types._duration: {"type": "string", "pattern": f"^(?=[0-9]){duration}$",
                          "description": "a duration, largest unit first: 90s, 45min, 1h30min, 2d"},
        types._size: {"type": "string", "pattern": f"^[0-9]+(\\.[0-9]+)?({sizes})$",
                      "description": "a size: 512MiB, 64GiB, 1.5TB"},
        types._patch: {"x-hpcspec-patch": True},  # replaced by what each field patches (_PATCHES)
    }


def _generator():
    from pydantic.json_schema import GenerateJsonSchema

    literals = _literals()

    class Generator(GenerateJsonSchema):
        def function_plain_schema(self, schema):
            found = literals.get(schema["function"]["function"])
            return copy.deepcopy(found) if found is not None else super().function_plain_schema(schema)

        def function_after_schema(self, schema):
            out = super().function_after_schema(schema)
            function = schema["function"]["function"]
            pattern = _regex(function)
            if pattern is not None and out.get("type") == "string":
                out = {**out, "pattern": pattern}
            elif function in literals and out.get("type") == "string":
                out = {**out, **literals[function]}
            return out

    return Generator


def _type_schema(annotation) -> dict:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation).json_schema(schema_generator=_generator())


def _tidy(node):
    """Drop what the JSON form cannot hold or does not need: `null` (the language has no null;
    an absent key is None), null defaults and pydantic's property titles."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _tidy({k: v for k, v in prop.items() if k != "title"}) for name, prop in value.items()}
        elif key == "default" and value is None:
            continue
        else:
            out[key] = _tidy(value)
    patterns = out.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in out:
        # keys that must match: pydantic's form lets any other key through with any value
        (pattern, value), = patterns.items()
        del out["patternProperties"]
        out["propertyNames"] = {"pattern": pattern}
        out["additionalProperties"] = value
    if "anyOf" in out:
        branches = [b for b in out["anyOf"] if b != {"type": "null"}]
        if len(branches) == 1:
            rest = {k: v for k, v in out.items() if k != "anyOf"}
            out = {**branches[0], **rest}
        else:
            out["anyOf"] = branches
    return out


def _plugins(kind: str, builtin_only: bool) -> dict[str, type]:
    from .registry import registry

    found = registry(kind)
    return {name: cls for name, cls in sorted(found.items())
            if not builtin_only or cls.__module__.startswith("hpcspec.")}


# Which model each patch field stands for: (model, field) -> the def it is, or is a patch of.
_PATCHES = {
    ("Code", "build"): ("Build", False),
    ("Target", "build"): ("Build", True),
    ("Target", "job"): ("Job", False),
    ("Target", "override"): ("Platform", True),
    ("Platform", "job"): ("Job", False),
    ("Partition", "node"): ("Node", True),
}


def language(builtin_only: bool = False) -> dict:
    """The JSON Schema of the JSON form of spec files (see the module's docstring).
    `builtin_only`: describe only hpcspec's own plug-ins, not those installed beside it."""
    from pydantic.json_schema import models_json_schema

    from .models.code import Build, Code
    from .models.job import Job
    from .models.platform import Platform
    from .models.types import Name

    plugins = {kind: _plugins(kind, builtin_only) for kind in PLUGIN_KINDS}
    options = {cls.Options for found in plugins.values() for cls in found.values()}
    models = [Code, Platform, Build, Job, *sorted(options, key=lambda m: (m.__module__, m.__qualname__))]
    _, generated = models_json_schema([(m, "validation") for m in models], schema_generator=_generator())
    defs = _tidy(generated["$defs"])
    name = _tidy(_type_schema(Name))

    for kind, found in plugins.items():
        for plugin_name, cls in found.items():
            body = copy.deepcopy(defs[cls.Options.__name__])
            body["title"] = f"{kind} {plugin_name}"
            if cls.summary:
                body["description"] = cls.summary
            body["properties"] = {"kind": {"const": plugin_name}, **{k: v for k, v in body["properties"].items()
                                                                      if k != "kind"}}
            defs[f"{kind}.{plugin_name}"] = body
        defs[kind] = {"description": f"a registered {kind}, named by `kind`", "type": "object", "required": ["kind"],
                      "oneOf": [{"$ref": f"#/$defs/{kind}.{n}"} for n in found]}
    for found_name in {cls.Options.__name__ for found in plugins.values() for cls in found.values()}:
        defs.pop(found_name, None)  # each plug-in has its own copy, with its `kind`

    # a launcher block is named by its launcher (`launcher srun { }`) or says `kind = "..."`
    launchers = {"type": "object", "propertyNames": name,
                 "properties": {n: {"anyOf": [{"$ref": f"#/$defs/launcher.{n}"}, {"$ref": "#/$defs/launcher"}]}
                                for n in plugins["launcher"]},
                 "additionalProperties": {"$ref": "#/$defs/launcher"}}
    plugin_fields = {"scheduler": {"$ref": "#/$defs/scheduler"}, "runtime": {"$ref": "#/$defs/runtime"},
                     "launcher": launchers}
    for field, schema in plugin_fields.items():
        defs["Platform"]["properties"][field] = schema
    for whole in (True, False):  # fields that are whole models first: patches copy them
        for (model, field), (target, partial) in _PATCHES.items():
            if partial != whole:
                prop = {k: v for k, v in defs[model]["properties"][field].items() if k != "x-hpcspec-patch"}
                ref = _patch_def(defs, target) if partial else target
                defs[model]["properties"][field] = {**prop, "$ref": f"#/$defs/{ref}"}
    # a platform that extends another gets the rest from it
    required = defs["Platform"].pop("required", [])
    defs["Platform"]["if"] = {"not": {"required": ["extends"]}}
    defs["Platform"]["then"] = {"required": required}

    leftover = [f"{m}.{f}" for m, d in defs.items() for f, p in d.get("properties", {}).items()
                if p.get("x-hpcspec-patch")]
    if leftover:
        raise AssertionError(f"patch fields without a model in schemas._PATCHES: {leftover}")
    root = {
        "$schema": DIALECT,
        "title": "hpcspec specification (JSON form)",
        "description": "A .hpcspec file as JSON: `import`, at most one `code` and any `platform`s, by name. "
                       "Values after interpolation; durations and sizes as literals (\"1h30min\", \"64GiB\").",
        "type": "object",
        "properties": {
            "import": {"type": "array", "items": {"type": "string", "minLength": 1},
                       "description": "platform specs by name (\"archer2\") or by path (\"./sites/x.hpcspec\")"},
            "code": {"type": "object", "propertyNames": name, "additionalProperties": {"$ref": "#/$defs/Code"},
                     "maxProperties": 1},
            "platform": {"type": "object", "propertyNames": name, "additionalProperties": {"$ref": "#/$defs/Platform"}},
        },
        "additionalProperties": False,
        "anyOf": [{"required": ["code"]}, {"required": ["platform"]}],
    }
    root["$defs"] = {key: defs[key] for key in sorted(_reachable(root, defs))}
    return root


def _reachable(root: dict, defs: dict) -> set[str]:
    """The defs a schema refers to, directly or through others."""
    found: set[str] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/") and ref[len("#/$defs/"):] not in found:
                found.add(ref[len("#/$defs/"):])
                todo.append(defs[ref[len("#/$defs/"):]])
            todo += list(node.values())
        elif isinstance(node, list):
            todo += node
    return found


def _patch_def(defs: dict, name: str) -> str:
    """A def of `name` with every key optional, nested blocks patches too (a merge fills in the
    rest); plug-in blocks in a patch are checked after the merge, so any object will do."""
    patch = f"{name}Patch"
    if patch in defs:
        return patch
    body = copy.deepcopy(defs[name])
    body.pop("required", None)
    body.pop("if", None)
    body.pop("then", None)
    body["title"] = f"{body.get('title', name)} (patch)"
    defs[patch] = body

    def walk(node):
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            target = ref[len("#/$defs/"):]
            if target.split(".")[0] in PLUGIN_KINDS:
                return {"type": "object"}
            if target.endswith("Patch") or "required" not in defs.get(target, {}):
                return node  # every key optional already
            return {**node, "$ref": f"#/$defs/{_patch_def(defs, target)}"}
        return {key: walk(value) for key, value in node.items()}

    body["properties"] = {key: walk(value) for key, value in body["properties"].items()}
    for key in ("scheduler", "runtime", "launcher"):
        if name == "Platform" and key in body["properties"]:
            body["properties"][key] = {"type": "object"}
    return patch


# ----------------------------------------------------------------------------------------------
# manifest.json


def manifest() -> dict:
    """The JSON Schema of a target's manifest.json (backends/generic.py)."""
    from .models.binds import BIND_OPTIONS
    from .models.code import Model_
    from .models.platform import GpuVendor
    from .models.types import AbsPath, EnvName, Name, Version

    name, version, env_name = (_tidy(_type_schema(t)) for t in (Name, Version, EnvName))
    path = _tidy(_type_schema(AbsPath))
    text = {"type": "string"}
    strings = {"type": "array", "items": text}
    count = {"type": "integer", "minimum": 0}

    def record(description: str, **properties) -> dict:
        return {"type": "object", "description": description, "properties": properties,
                "required": list(properties), "additionalProperties": False}

    return {
        "$schema": DIALECT,
        "title": "hpcspec bind manifest (manifest.json)",
        **record(
            "one target's bind manifest",
            hpcspec={**version, "description": "the hpcspec version that wrote it"},
            inputs_sha256={"type": "string", "pattern": "^[0-9a-f]{64}$",
                           "description": "a hash of the input files' contents and the hpcspec version"},
            code=name, version=version, target=name, platform=name, mpi=name, compiler=name,
            model={"enum": list(typing.get_args(Model_)), "description": "how the code meets the host MPI"},
            runtime=record("the container runtime", kind={**name, "description": "a registered runtime"},
                           version=version, command=text, env_file={"type": "boolean"}, env_prefix=text,
                           bind_variable=text),
            executable=path,
            binds={"type": "array", "items": record(
                "a bind: host path, its place in the container, mode, file or directory",
                host=path, container=path, mode={"enum": list(BIND_OPTIONS)}, type={"enum": ["file", "directory"]})},
            bind_list={**text, "description": "the binds as the runtime's --bind takes them"},
            environment={"type": "array", "items": record("a variable, in order", name=env_name, value=text)},
            ld_library_path={"type": "array", "items": path, "description": "LD_LIBRARY_PATH, in order"},
            modules=strings, runtime_modules=strings,
            image={**text, "description": "the image the batch script runs, relative to the job's directory"},
            architecture=text,
            gpus={"anyOf": [{"type": "null"}, record(
                "the GPUs the job uses and how ranks get them",
                vendor={"anyOf": [{"enum": list(typing.get_args(GpuVendor))}, {"type": "null"}]},
                per_node=count, per_task={"anyOf": [count, {"type": "null"}]},
                binding={"enum": ["scheduler", "wrapper", "cores"]}, variable=env_name,
                by_local_rank={"type": "array", "items": {"type": "array", "items": count}},
                cores_by_local_rank={"type": "array", "items": {"type": "array", "items": count}},
                gpu_aware_mpi={"type": "boolean"})]},
            notes=strings,
        ),
        "description": "What a target binds from the host, the environment of its container and how its runtime "
                       "takes them; one per target, written by hpcspec compile.",
    }
