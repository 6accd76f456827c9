"""hpcspec.keydocs: every key and block of the language documented, facts read from the models.

The first tests are the guard: a key added to a model or to a plug-in's options without a
description in compiler/data/keys.toml fails here, with the list of what is missing.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing

import pytest
from pydantic import BaseModel, Field

from hpcspec import keydocs
from hpcspec.models.types import Model
from hpcspec.registry import registry

HOW = ("document each in compiler/data/keys.toml: a model's keys under [models.MODEL.keys], its "
       "block under [models.MODEL] about = '...'; a plug-in's under [plugins.\"KIND NAME\".keys] "
       "(or with Field(description=...) in a plug-in outside hpcspec)")


def test_every_key_and_block_has_a_description():
    missing = keydocs.missing()
    assert not missing, f"{len(missing)} keys or blocks have no description: {', '.join(missing)}; {HOW}"


def test_no_description_of_a_key_that_does_not_exist():
    stale = keydocs.stale()
    assert not stale, f"compiler/data/keys.toml describes what the language does not have: {', '.join(stale)}"


def test_every_patch_block_says_what_it_is_merged_into():
    """A Patch is kept as syntax: keydocs must know the model it is validated against, or hover
    and completion cannot see inside it."""
    unknown = sorted(set(keydocs.patch_fields()) - set(keydocs.patched()))
    assert not unknown, f"Patch fields missing from keydocs.patched(): {unknown}"
    assert not set(keydocs.patched()) - set(keydocs.patch_fields()), "keydocs.patched() names a field that is gone"


def test_every_model_and_plugin_is_documented_as_a_block():
    import hpcspec.models

    documented = {block.model for block in keydocs.blocks()}
    defined = set()
    for info in pkgutil.iter_modules(hpcspec.models.__path__):
        module = importlib.import_module(f"hpcspec.models.{info.name}")
        defined |= {value for value in vars(module).values() if isinstance(value, type)
                    and issubclass(value, Model) and value is not Model and value.__module__ == module.__name__}
    assert defined - documented == set(), "models no path of the language reaches (a Patch not in patched()?)"
    ids = [block.id for block in keydocs.blocks()]
    assert len(ids) == len(set(ids))
    for kind in keydocs.PLUGIN_KINDS:
        assert kind in ids
        for name in registry(kind):
            assert f"{kind} {name}" in ids


def test_a_new_undocumented_key_is_caught(monkeypatch):
    class Extra(Model):
        nodes: int = 1
        brand_new: str | None = None

    roots = keydocs.roots()
    monkeypatch.setattr(keydocs, "roots", lambda: {**roots, "extra": Extra})
    missing = keydocs.missing()
    assert "Extra.brand_new" in missing and "Extra (the block itself: `about`)" in missing

    class FakeOptions(registry("scheduler")["slurm"].Options):
        new_option: bool = False
        said: bool = Field(default=False, description="A plug-in's own word.")

    class Fake(registry("scheduler")["slurm"]):
        name = "fake"
        summary = "a test scheduler"
        Options = FakeOptions

    classes = keydocs.plugins
    monkeypatch.setattr(keydocs, "plugins",
                        lambda kind: {**classes(kind), "fake": Fake} if kind == "scheduler" else classes(kind))
    missing = keydocs.missing()
    assert "scheduler fake.new_option" in missing
    assert "scheduler fake.said" not in missing
    assert "scheduler fake.srun_cpus_per_task" not in missing  # documented for slurm, which it derives from
    assert "scheduler fake.version" not in missing  # documented for every scheduler


def test_descriptions_are_one_paragraph():
    for section in ("models", "plugins"):
        for name, table in keydocs.texts()[section].items():
            for key, text in [("about", table.get("about", "")), *table.get("keys", {}).items()]:
                assert "\n\n" not in text, f"{section}.{name}.{key}: one paragraph"
                assert not text or text.rstrip().endswith((".", ")")), f"{section}.{name}.{key}: end a sentence"


# ----------------------------------------------------------------------------------------------
# Facts read from the models


def test_lookup_by_path_in_the_spec():
    walltime = keydocs.lookup(("code", "target", "job", "walltime"))
    assert (walltime.key, walltime.owner, walltime.type, walltime.required) == ("walltime", "Job", "duration", False)
    assert walltime.path == ("code", "target", "job", "walltime")
    assert "time limit" in walltime.description
    assert keydocs.lookup(("platform", "job", "walltime")).description == walltime.description

    microarch = keydocs.lookup(("platform", "node", "microarch"))
    assert (microarch.type, microarch.required, microarch.syntax) == ("string", True, 'microarch = "..."')
    assert keydocs.lookup(("platform", "partition", "node", "memory")).type == "size"
    assert keydocs.lookup(("code", "target", "override", "node", "gpu", "arch")).owner == "Gpu"
    assert keydocs.lookup(("code",)).shape == "named block"
    assert keydocs.lookup(("import",)).description.startswith("Brings a platform spec in")
    assert keydocs.lookup(("code", "nonsense")) is None
    assert keydocs.lookup(("nonsense",)) is None
    assert keydocs.lookup(()) is None


def test_types_defaults_and_allowed_values():
    jobs = keydocs.lookup(("code", "build", "jobs"))
    assert (jobs.type, jobs.default, jobs.summary()) == ("integer (1 to 1024)", "4", "integer (1 to 1024), default 4")
    bootstrap = keydocs.lookup(("code", "image", "bootstrap"))
    assert (bootstrap.default, bootstrap.allowed) == ('"docker"', ("docker", "library", "localimage", "oras"))
    from hpcspec.models.code import Model_

    assert keydocs.lookup(("code", "target", "model")).allowed == typing.get_args(Model_)
    assert keydocs.lookup(("code", "image", "from")).key == "from"  # the spec's name, not the Python one
    assert keydocs.lookup(("platform", "node", "reserved_cores")).type.startswith("list of integers")
    assert keydocs.lookup(("code", "test")).type == "list of strings"
    assert keydocs.lookup(("code", "env")).shape == "values block"
    assert keydocs.lookup(("platform", "account_required")).default == "false"
    partition = keydocs.lookup(("platform", "partition"))
    assert (partition.shape, partition.syntax) == ("named blocks", "partition NAME { ... }")
    build = keydocs.lookup(("code", "target", "build"))
    assert (build.syntax, build.allowed) == ("build KIND { ... }", ("cmake", "autotools", "make", "script"))


def test_plugin_blocks_document_the_plugin_their_name_picks():
    scheduler = keydocs.lookup(("platform", "scheduler"))
    assert scheduler.plugin == "scheduler" and set(registry("scheduler")) == set(scheduler.allowed)
    own = keydocs.lookup(("platform", "scheduler", "slurm", "srun_cpus_per_task"))
    assert own is not None and own.owner == "scheduler slurm" and own.type == "boolean"
    assert keydocs.lookup(("platform", "scheduler", "pbs", "srun_cpus_per_task")) is None
    common = keydocs.lookup(("platform", "scheduler", "version"))
    assert common.owner == "scheduler" and common.description
    assert keydocs.lookup(("platform", "launcher", "pals", "cpu_bind")).allowed == ("depth", "core", "numa", "none")
    assert [d.key for d in keydocs.children(("platform", "runtime", "apptainer"))][:2] == ["version", "command"]
    options = registry("launcher")["pals"].Options
    assert [d.key for d in keydocs.model_docs(options)] == list(options.model_fields)


def test_children_are_what_completion_offers():
    assert [d.key for d in keydocs.children(())] == ["import", "code", "platform"]
    job = {d.key for d in keydocs.children(("code", "target", "job"))}
    assert {"walltime", "nodes", "tasks_per_node"} <= job
    build = [d.key for d in keydocs.children(("code", "build"))]
    assert "options" in build and "kind" not in build  # `build cmake`: the kind is the name
    launcher = [d.key for d in keydocs.children(("platform", "launcher"))]
    assert "kind" in launcher  # `launcher mpirun { kind = "openmpi" }`
    assert keydocs.children(("code", "version")) == []


def test_model_docs_and_blocks_for_the_reference():
    from hpcspec.models.job import Job

    docs = keydocs.model_docs(Job)
    assert [d.key for d in docs] == list(Job.model_fields)
    assert all(d.path == (d.key,) and d.owner == "Job" for d in docs)
    blocks = {block.id: block for block in keydocs.blocks()}
    assert set(blocks["Job"].paths) == {("platform", "job"), ("code", "target", "job")}
    assert blocks["Code"].title == "code NAME { ... }" and blocks["Code"].about
    assert blocks["scheduler slurm"].about.startswith(registry("scheduler")["slurm"].summary)
    text = keydocs.lookup(("code", "target", "job", "walltime")).markdown()
    assert "walltime = DURATION" in text and "time limit" in text
    assert all(isinstance(block.model, type) and issubclass(block.model, BaseModel) for block in blocks.values())


@pytest.mark.parametrize("path", [("code", "version"), ("platform", "mpi", "abi"), ("code", "source", "url")])
def test_markdown_is_deterministic(path):
    assert keydocs.lookup(path).markdown() == keydocs.lookup(path).markdown()
