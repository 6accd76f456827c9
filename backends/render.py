"""The Jinja2 environment of every backend: templates lay out text, values are computed in Python.

Templates are compiled ahead of time into ``templates/compiled/`` (Python modules of this
package, made by ``python -m hpcspec.backends.render --compile`` and kept current by
``tests/test_templates.py``), so a run does not pay for Jinja's lexer, parser and code generator.
A template whose source no longer matches what its module was compiled from (a template being
edited) is compiled from source in memory instead: the output is the same either way. No compiled
template is ever loaded from a cache directory (Jinja's bytecode cache unpickles what it finds
there, so a file planted in it would run code during an ordinary compile).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from functools import lru_cache

from .shell import Raw, command, env_line, export_line, quote

COMPILED = "hpcspec.backends.templates.compiled"
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def module_name(template: str) -> str:
    """`batch.sh.j2` -> `batch_sh`: the compiled module of a template."""
    return template.removesuffix(".j2").replace(".", "_").replace("-", "_")


def template_names() -> list[str]:
    return sorted(name for name in os.listdir(TEMPLATES) if name.endswith(".j2"))


def _source(name: str) -> bytes:
    with open(os.path.join(TEMPLATES, name), "rb") as handle:
        return handle.read()


def _configure(env):
    env.filters.update(sh=quote, cmd=command, env_line=lambda pair: env_line(*pair),
                       export=lambda pair: export_line(*pair), prefix=lambda text, before: before + text)
    env.globals["raw"] = Raw
    return env


def _options() -> dict:
    import jinja2

    return dict(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                lstrip_blocks=True, autoescape=False)


def _compiled_current() -> bool:
    try:
        recorded = importlib.import_module(COMPILED).SOURCES
    except (ImportError, AttributeError):
        return False
    names = template_names()
    return sorted(recorded) == names and all(
        recorded[name] == hashlib.sha256(_source(name)).hexdigest() for name in names)


def _compiled_loader():
    import jinja2

    class CompiledLoader(jinja2.BaseLoader):
        """Templates from their compiled modules in this package."""

        def load(self, environment, name, globals=None):
            from importlib.machinery import SourceFileLoader

            module = f"{COMPILED}.{module_name(name)}"
            path = os.path.join(TEMPLATES, "compiled", f"{module_name(name)}.py")
            if not os.path.isfile(path):
                raise jinja2.TemplateNotFound(name)
            # our own module, run as an import would run it (its bytecode cached beside it), but in
            # a namespace of its own for each environment: Jinja binds `environment` in it
            namespace = {"__name__": module, "__file__": path}
            exec(SourceFileLoader(module, path).get_code(module), namespace)
            return environment.template_class.from_module_dict(environment, namespace, globals or {})

    return CompiledLoader()


@lru_cache(maxsize=1)
def environment():
    import jinja2

    loader = (_compiled_loader() if _compiled_current()
              else jinja2.PackageLoader("hpcspec.backends", "templates"))
    return _configure(jinja2.Environment(loader=loader, **_options()))


def render(template: str, **values) -> str:
    text = environment().get_template(template).render(**values)
    return text.rstrip("\n") + "\n"


def compiled_sources() -> dict[str, str]:
    """What `templates/compiled/` must hold: file name -> text (deterministic)."""
    import jinja2

    env = _configure(jinja2.Environment(loader=jinja2.PackageLoader("hpcspec.backends", "templates"),
                                        **_options()))
    out: dict[str, str] = {}
    digests = []
    for name in template_names():
        source = _source(name)
        code = env.compile(source.decode("utf-8"), name, None, raw=True, defer_init=True)
        out[f"{module_name(name)}.py"] = f"# Compiled from {name} by hpcspec.backends.render --compile: do not edit.\n{code}\n"
        digests.append(f"    {name!r}: {hashlib.sha256(source).hexdigest()!r},")
    out["__init__.py"] = ('"""Templates compiled ahead of time (python -m hpcspec.backends.render --compile)."""\n\n'
                          "# template -> sha256 of the source each module was compiled from\n"
                          "SOURCES = {\n" + "\n".join(digests) + "\n}\n")
    return out


def main(argv=None) -> int:
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m hpcspec.backends.render")
    parser.add_argument("--compile", metavar="DIR", required=True,
                        help="write the compiled templates into DIR (backends/templates/compiled)")
    args = parser.parse_args(argv)
    target = Path(args.compile)
    target.mkdir(parents=True, exist_ok=True)
    wanted = compiled_sources()
    for stale in sorted(target.glob("*.py")):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (target / name).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
