"""The templates compiled ahead of time (backends/templates/compiled/) are those of the current
sources, and a template being edited is compiled from its source instead."""

from __future__ import annotations

from pathlib import Path

from hpcspec.backends import render

from support import ROOT

COMPILED = ROOT / "backends" / "templates" / "compiled"


def test_the_compiled_templates_are_current(update_goldens: bool):
    wanted = render.compiled_sources()
    if update_goldens:
        render.main(["--compile", str(COMPILED)])
    present = {p.name: p.read_text() for p in COMPILED.glob("*.py")}
    stale = sorted(set(wanted) ^ set(present) | {n for n in wanted if present.get(n) != wanted[n]})
    assert not stale, (f"compiled templates out of date: {stale}; run "
                       "python -m hpcspec.backends.render --compile backends/templates/compiled")


def test_runs_use_the_compiled_templates():
    render.environment.cache_clear()
    try:
        assert render._compiled_current()
        assert type(render.environment().loader).__name__ == "CompiledLoader"
    finally:
        render.environment.cache_clear()


def test_an_edited_template_is_compiled_from_its_source(monkeypatch):
    """A source that differs from what its module was compiled from is not rendered stale."""
    real = render._source
    monkeypatch.setattr(render, "_source",
                        lambda name: real(name) + (b"{# edited #}\n" if name == "run.sh.j2" else b""))
    render.environment.cache_clear()
    try:
        assert not render._compiled_current()
        env = render.environment()
        assert type(env.loader).__name__ == "PackageLoader"
    finally:
        render.environment.cache_clear()


def test_both_loaders_render_the_same_bytes():
    from hpcspec.api import compile_files

    code = ROOT / "specs" / "codes" / "mpi-ring.hpcspec"
    render.environment.cache_clear()
    compiled = {a.path: a.content for a in compile_files([str(code)]).artifacts}
    import jinja2

    render.environment.cache_clear()
    original = render._compiled_current
    try:
        render._compiled_current = lambda: False
        source = {a.path: a.content for a in compile_files([str(code)]).artifacts}
    finally:
        render._compiled_current = original
        render.environment.cache_clear()
    assert compiled == source and compiled
    assert Path(jinja2.__file__).exists()
