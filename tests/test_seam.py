"""The plug-in seam: schedulers, launchers and runtimes are registered classes; the compiler
names none of them, has no import cycle, and its checks only read derived facts."""

from __future__ import annotations

import ast
import dataclasses
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from hpcspec import registry
from hpcspec.api import compile_files
from hpcspec.diagnostics import render_all

from support import ROOT

COMPILER = ROOT / "compiler"
CASES = ROOT / "tests" / "diagnostics" / "cases"


def _plugin_names() -> set[str]:
    found = set()
    for kind in ("scheduler", "launcher", "runtime"):
        found |= set(registry.registry(kind))
        found |= {cls.command for cls in registry.registry(kind).values() if getattr(cls, "command", "")}
    from hpcspec.models.types import ABI_FAMILIES

    # the ABI families (mpich, openmpi...) are facts about MPI libraries, which the compiler checks
    return (found | {"mpirun", "mpiexec"}) - set(ABI_FAMILIES)


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_the_compiler_names_no_scheduler_launcher_or_runtime():
    """No string the compiler's code compares or builds with, and no identifier, is the name of a
    scheduler, launcher or runtime (help texts may mention them in passing; docstrings too)."""
    names = _plugin_names()
    offences = []
    for path in sorted(COMPILER.rglob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if node.value.lower() in names:
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
            elif isinstance(node, ast.Name) and node.id.lower() in names:
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.id}")
    assert not offences, offences


def test_the_compilers_data_documents_no_particular_plugin():
    """A plug-in documents its own keys (pydantic `Field(description=...)`); keys.toml holds the
    keys every scheduler, launcher or runtime shares, and nothing about one of them."""
    import tomllib

    keys = tomllib.loads((COMPILER / "data" / "keys.toml").read_text())
    assert not [owner for owner in keys.get("plugins", {}) if " " in owner]


def _imports(path: Path) -> set[str]:
    """hpcspec modules a compiler module imports (anywhere in it, lazily too)."""
    package = "hpcspec." + ".".join(path.relative_to(COMPILER).with_suffix("").parts)
    package = package.removesuffix(".__init__")
    base = package if path.name == "__init__.py" else package.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base
                for _ in range(node.level - 1):
                    parent = parent.rsplit(".", 1)[0]
                module = f"{parent}.{node.module}" if node.module else parent
                if not node.module:
                    found |= {f"{parent}.{alias.name}" for alias in node.names}
            else:
                module = node.module or ""
            if module.startswith("hpcspec") and not module.startswith("hpcspec.backends"):
                found.add(module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("hpcspec.") and "backends" not in a.name}
    return found


def test_no_import_cycles_in_the_compiler():
    modules = {}
    for path in COMPILER.rglob("*.py"):
        name = "hpcspec." + ".".join(path.relative_to(COMPILER).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = _imports(path)
    # packages import their modules; a module importing its package's __init__ is not a cycle source
    graph = {m: {d for d in deps if d in modules and d != m} for m, deps in modules.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # a package importing its own submodules (checks/__init__ -> checks.abi) is fine; the reverse
    # through the package is the cycle that matters, and is caught as a path back to it
    real = [c for c in cycles if not all(part.startswith(c[0]) for part in c)]
    assert not real, real


def _case_reports(monkeypatch) -> dict[str, str]:
    monkeypatch.chdir(CASES)
    out = {}
    for case in sorted(CASES.glob("*.hpcspec")):
        out[case.name] = render_all(compile_files([case.name]).diagnostics)
    return out


def test_checks_give_the_same_diagnostics_in_any_order(monkeypatch):
    """Checks read facts and report; none depends on another having run (or changed anything)."""
    from hpcspec import checks

    forwards = _case_reports(monkeypatch)
    monkeypatch.setattr(checks, "TARGET_CHECKS", tuple(reversed(checks.TARGET_CHECKS)))
    assert _case_reports(monkeypatch) == forwards


def test_facts_are_frozen(tmp_path):
    from hpcspec import check as check_stage
    from hpcspec.api import load
    from hpcspec.diagnostics import Report

    report = Report()
    program = load(ROOT / "specs" / "codes" / "gromacs.hpcspec", report)
    checked = check_stage.check(program, report)
    assert checked is not None and checked.targets
    target = checked.targets[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.model = "host"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.job.nodes = 3  # type: ignore[misc]


def _fake_entry_points(monkeypatch, group: str, entries: list[tuple[str, str]]):
    import importlib.metadata

    real = importlib.metadata.entry_points

    def entry_points(**kwargs):
        if kwargs.get("group") == group:
            return [EntryPoint(name, value, group) for name, value in entries]
        return real(**kwargs)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    registry.registry.cache_clear()


@pytest.mark.parametrize("entries, message", [
    ([("slurm", "hpcspec.backends.schedulers:Pbs")], "calls itself `pbs`"),
    ([("slurm", "hpcspec.backends.launchers:Srun")], "not a hpcspec Scheduler"),
    ([("slurm", "hpcspec.backends.schedulers:Slurm"), ("slurm", "support:AnotherSlurm")],
     "two schedulers are named `slurm`"),
    ([("slurm", "no.such.module:Slurm")], "failed to load"),
])
def test_a_broken_plugin_is_refused_clearly(monkeypatch, entries, message):
    _fake_entry_points(monkeypatch, "hpcspec.schedulers", entries)
    try:
        with pytest.raises(registry.PluginError, match=message):
            registry.registry("scheduler")
    finally:
        registry.registry.cache_clear()


def test_a_broken_plugin_is_a_located_error_not_a_crash(monkeypatch):
    from hpcspec import check, derive

    monkeypatch.setattr(derive, "_CLEAN", {})  # sites already derived in this process
    monkeypatch.setattr(check, "_CLEAN_SITES", {})
    _fake_entry_points(monkeypatch, "hpcspec.schedulers", [("slurm", "no.such.module:Slurm")])
    try:
        result = compile_files([str(ROOT / "specs" / "codes" / "mpi-ring.hpcspec")])
    finally:
        registry.registry.cache_clear()
    assert not result.ok and {d.code for d in result.diagnostics} == {"E0409"}
    assert all(d.span is not None for d in result.diagnostics)


def test_the_grid_engine_scheduler_comes_from_its_own_package():
    """plugins/hpcspec-gridengine: installed by the test set-up, found through its entry point,
    with no line of it in compiler/ or backends/."""
    schedulers = registry.registry("scheduler")
    assert "gridengine" in schedulers, "pip install plugins/hpcspec-gridengine (scripts/bootstrap test does)"
    module = sys.modules[schedulers["gridengine"].__module__]
    assert not module.__name__.startswith("hpcspec."), module.__name__
    for folder in ("compiler", "backends"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "gridengine" not in path.read_text().lower(), path
