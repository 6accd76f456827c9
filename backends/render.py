"""The Jinja2 environment of every backend: templates lay out text, values are computed in Python."""

from __future__ import annotations

from functools import lru_cache

from .shell import Raw, command, env_line, export_line, quote


def _bytecode_cache():
    """Compiled templates kept between runs (Jinja checks each against its template's source),
    beside the stamps of hpcspec/stamp.py; none when that cache is off or cannot be made."""
    import jinja2

    from hpcspec.stamp import cache_dir

    import os

    directory = cache_dir()
    if directory is None:
        return None
    templates = os.path.join(directory, "templates")
    try:
        os.makedirs(templates, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(templates)


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        bytecode_cache=_bytecode_cache(),
        loader=jinja2.PackageLoader("hpcspec.backends", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(sh=quote, cmd=command, env_line=lambda pair: env_line(*pair),
                       export=lambda pair: export_line(*pair))
    env.globals["raw"] = Raw
    return env


def render(template: str, **values) -> str:
    text = environment().get_template(template).render(**values)
    return text.rstrip("\n") + "\n"
