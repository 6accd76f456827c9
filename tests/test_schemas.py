"""The JSON Schemas (hpcspec/schemas.py, `hpcspec schema`): the committed files in schemas/ are
current, every manifest.json hpcspec writes fits the manifest schema, and the JSON form of every
shipped spec fits the language schema (while broken ones do not)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from hpcspec import schemas
from hpcspec.api import compile_files
from hpcspec.diagnostics import Report
from hpcspec.interpolate import interpolate, interpolate_block
from hpcspec.lower import lower
from hpcspec.nodes import Assignment, Block, Duration, Size
from hpcspec.parse import parse
from hpcspec.registry import registry
from hpcspec.source import SourceFile

from support import CODES, PLATFORMS, ROOT, run_cli

COMMITTED = {
    "hpcspec.schema.json": (lambda: schemas.language(builtin_only=True), "language --builtin"),
    "manifest.schema.json": (schemas.manifest, "manifest"),
}


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_schemas_are_current(name: str):
    make, args = COMMITTED[name]
    path = ROOT / "schemas" / name
    fresh = schemas.dumps(make())
    assert path.is_file() and path.read_text() == fresh, (
        f"schemas/{name} is not what this tree generates: run `hpcspec schema {args} -o schemas/{name}` "
        "and commit it")


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_schemas_are_valid_json_schemas(name: str):
    jsonschema.Draft202012Validator.check_schema(json.loads((ROOT / "schemas" / name).read_text()))


def test_the_command_prints_and_writes_them(tmp_path: Path):
    printed = run_cli("schema", "manifest")
    assert printed.returncode == 0 and printed.stdout == schemas.dumps(schemas.manifest())
    target = tmp_path / "language.json"
    written = run_cli("schema", "language", "--builtin", "-o", str(target))
    assert written.returncode == 0 and written.stdout == ""
    assert target.read_text() == (ROOT / "schemas" / "hpcspec.schema.json").read_text()
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert run_cli("schema", "language", "-o", str(tmp_path / "missing" / "x.json")).returncode == 2
    assert run_cli("schema", "yaml").returncode == 2


# ----------------------------------------------------------------------------------------------
# manifest.json


def _manifests() -> list[tuple[str, dict]]:
    found = []
    for spec in CODES:
        result = compile_files([spec])
        assert result.ok, [d.to_dict() for d in result.diagnostics]
        found += [(a.path, json.loads(a.content)) for a in result.artifacts if a.path.endswith("/manifest.json")]
    return found


MANIFESTS = _manifests()


def test_manifests_cover_the_shipped_codes_and_gpus():
    assert {path.split("/")[0] for path, _ in MANIFESTS} == {spec.stem for spec in CODES}
    assert any(data["gpus"] is not None for _, data in MANIFESTS), "a GPU target's manifest is checked too"


@pytest.mark.parametrize("path, data", MANIFESTS, ids=[path for path, _ in MANIFESTS])
def test_every_manifest_fits_the_schema(path: str, data: dict):
    validator = jsonschema.Draft202012Validator(schemas.manifest())
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("change", [
    lambda m: m.update(extra=1), lambda m: m.pop("binds"), lambda m: m.update(model="teleport"),
    lambda m: m["binds"].append({"host": "lib", "container": "/x", "mode": "rw", "type": "file"}),
    lambda m: m["runtime"].update(env_file="yes"), lambda m: m.update(inputs_sha256="abc"),
], ids=["extra key", "missing key", "model", "relative bind", "runtime type", "digest"])
def test_a_broken_manifest_does_not(change):
    data = copy.deepcopy(MANIFESTS[0][1])
    change(data)
    assert not jsonschema.Draft202012Validator(schemas.manifest()).is_valid(data)


# ----------------------------------------------------------------------------------------------
# the language: the JSON form of specs


KINDED = ("build", "scheduler", "runtime")  # blocks whose name is their kind (README: Blocks)


def _value(value):
    if value.kind == "list":
        return [_value(item) for item in value.value]
    return str(value.value) if isinstance(value.value, (Duration, Size)) else value.value


def _object(block: Block) -> dict:
    out: dict = {}
    for item in block.items:
        if isinstance(item, Assignment):
            out[item.key] = _value(item.value)  # `+=` gives the appended values: a patch's own
        elif isinstance(item, Block):
            body = _object(item)
            if item.label is not None and item.kind in KINDED:
                out[item.kind] = {"kind": item.label, **body}
            elif item.label is not None:
                out.setdefault(item.kind, {})[item.label] = body
            else:
                out[item.kind] = body
    return out


def json_form(path: Path) -> dict:
    """A spec file as the language schema describes it (what `hpcspec show --json` would print)."""
    source = SourceFile(path, str(path), path.read_text())
    report = Report()
    spec = interpolate(lower(source, parse(source)), report)
    out: dict = {"import": [item.target for item in spec.imports]} if spec.imports else {}
    for block in spec.blocks:
        done = interpolate_block(block, report) if block.kind == "platform" else block
        out.setdefault(block.kind, {})[block.label] = _object(done)
    assert not report.has_errors
    return out


@pytest.fixture(scope="module")
def language() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schemas.language())  # the plug-ins installed here


@pytest.mark.parametrize("spec", CODES + PLATFORMS, ids=[p.name for p in CODES + PLATFORMS])
def test_every_shipped_spec_fits_the_language_schema(spec: Path, language):
    errors = sorted(language.iter_errors(json_form(spec)), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])


def _code(doc):
    return next(iter(doc["code"].values()))


def _platform(doc):
    return next(iter(doc["platform"].values()))


def _target(doc):
    return next(iter(_code(doc)["target"].values()))


BROKEN = {
    "unknown key": ("gromacs", lambda d: _code(d).update(memroy=1)),
    "duration": ("gromacs", lambda d: _target(d).setdefault("job", {}).update(walltime="90 minutes")),
    "integer as text": ("gromacs", lambda d: _target(d).setdefault("job", {}).update(nodes="2")),
    "target name": ("gromacs", lambda d: _code(d)["target"].update({"a b": dict(_target(d))})),
    "build kind": ("gromacs", lambda d: _code(d)["build"].update(kind="bazel")),
    "missing run": ("gromacs", lambda d: _code(d).pop("run")),
    "null": ("gromacs", lambda d: _code(d).update(mpi=None)),
    "two codes": ("gromacs", lambda d: d["code"].update(other=_code(d))),
    "scheduler kind": ("archer2", lambda d: _platform(d)["scheduler"].update(kind="slurmm")),
    "key of another scheduler": ("archer2", lambda d: _platform(d)["scheduler"].update(select=True)),
    "missing node": ("archer2", lambda d: _platform(d).pop("node")),
    "unnamed launcher kind": ("archer2", lambda d: _platform(d)["launcher"].update(mpirun={"flags": []})),
    "launcher option of another": ("archer2", lambda d: _platform(d)["launcher"]["srun"].update(pmi=["x"])),
    "size": ("archer2", lambda d: _platform(d)["node"].update(memory="256 GB")),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_json_forms_do_not_fit(case: str, language):
    seed, change = BROKEN[case]
    path = next(p for p in CODES + PLATFORMS if p.stem == seed)
    data = json_form(path)
    change(data)
    assert not language.is_valid(data)


@pytest.mark.parametrize("change", [
    lambda d: _platform(d).update(extends="archer2") or _platform(d).pop("node"),
    lambda d: _platform(d)["launcher"].update(mpirun={"kind": "hydra", "flags": ["-l"]}),
    lambda d: _platform(d)["partition"]["standard"].update(node={"memory": "512GiB"}),
], ids=["extends leaves keys to the base", "launcher named by kind", "partition node patch"])
def test_what_the_language_allows_fits(change, language):
    data = json_form(next(p for p in PLATFORMS if p.stem == "archer2"))
    change(data)
    errors = sorted(language.iter_errors(data), key=str)
    assert not errors, errors[0].message


def test_one_branch_per_registered_plugin():
    full, builtin = schemas.language(), schemas.language(builtin_only=True)
    for kind in schemas.PLUGIN_KINDS:
        installed = registry(kind)
        assert [b["$ref"] for b in full["$defs"][kind]["oneOf"]] == [f"#/$defs/{kind}.{n}" for n in sorted(installed)]
        own = sorted(n for n, cls in installed.items() if cls.__module__.startswith("hpcspec."))
        assert [b["$ref"] for b in builtin["$defs"][kind]["oneOf"]] == [f"#/$defs/{kind}.{n}" for n in own]
    assert "scheduler.slurm" in builtin["$defs"] and builtin["$defs"]["scheduler.slurm"]["properties"]["kind"] == {
        "const": "slurm"}
