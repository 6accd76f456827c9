"""hpcspec's subcommands, one module each.

A module here defines ``COMMANDS`` (name -> one line of help), ``add_arguments(name, parser)``
and ``run(args) -> int`` (an exit code), and imports what its work needs inside ``run``: the
parser of every command is built on each start. Modules are found by name, so a new command is
a new file here and nothing else.
"""

from __future__ import annotations


def modules() -> list:
    import importlib
    import pkgutil

    return [importlib.import_module(f"{__name__}.{info.name}") for info in sorted(pkgutil.iter_modules(__path__),
                                                                                  key=lambda i: i.name)]
