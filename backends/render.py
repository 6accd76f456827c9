"""The Jinja2 environment of every backend: templates lay out text, values are computed in Python.

Templates are compiled in memory, once per process; no compiled template is ever loaded from a
cache directory (Jinja's bytecode cache unpickles what it finds there, so a file planted in it
would run code during an ordinary compile).
"""

from __future__ import annotations

from functools import lru_cache

from .shell import Raw, command, env_line, export_line, quote


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hpcspec.backends", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(sh=quote, cmd=command, env_line=lambda pair: env_line(*pair),
                       export=lambda pair: export_line(*pair), prefix=lambda text, before: before + text)
    env.globals["raw"] = Raw
    return env


def render(template: str, **values) -> str:
    text = environment().get_template(template).render(**values)
    return text.rstrip("\n") + "\n"
