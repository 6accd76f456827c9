"""The command line: ``hpcspec COMMAND ...``; the commands live in hpcspec.commands.

Exit codes: 0 success; 1 errors in the specs (or, with ``--check``, output not up to date; or
``probe`` found no usable MPI);
2 usage errors (bad arguments, unknown ``--target``, an output directory that cannot be used);
3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import __version__

EXIT_OK, EXIT_SPEC, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized without importing shutil (and through it bz2, lzma...):
    every run builds the parser, and a run that finds nothing to do should cost little more
    than starting Python."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            try:
                columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.stderr.fileno()).columns
            except (ValueError, OSError):
                columns = 80
            width = max(columns - 2, 40)
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # usage errors: exit 2 with a short message
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per module of hpcspec.commands."""
    from .commands import modules

    parser = _Parser(prog="hpcspec", description="Compile .hpcspec files into container definitions, "
                                                  "bind manifests and batch scripts for HPC sites.")
    parser.add_argument("--version", action="version", version=f"hpcspec {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in modules():
        for name, help in module.COMMANDS.items():
            sub = commands.add_parser(name, help=help, description=help)
            module.add_arguments(name, sub)
            sub.set_defaults(run=module.run)
    return parser


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: no temporary files are left behind


def main(argv: list[str] | None = None) -> int:
    from . import console

    console.setup()
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
        on_main_thread = True
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        on_main_thread = False
    try:
        return _main(argv)
    except KeyboardInterrupt:
        console.err("hpcspec: interrupted\n")
        return 130
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    except BaseException as exc:  # never a traceback for users: report a bug instead
        if os.environ.get("HPCSPEC_DEBUG"):
            raise
        console.err(f"hpcspec: internal error: {type(exc).__name__}: {exc}\n"
                    "This is a bug in hpcspec; please report it with the spec that caused it.\n")
        return EXIT_INTERNAL
    finally:
        console.finish()
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _plain_args(argv: list[str]):
    """The arguments of a plain `compile` or `check` command line, read without argparse
    (whose import and parser cost a run that finds nothing to do a tenth of its time); None for
    anything else (help, probe, abbreviations, attached values, misplaced files), which
    argparse then reads. tests/test_cli.py checks that both agree wherever this answers."""
    from types import SimpleNamespace

    if not argv or argv[0] not in ("compile", "check"):
        return None
    building = argv[0] == "compile"
    args = SimpleNamespace(command=argv[0], files=[], format="text", no_cache=False,
                           **({"output": "build", "target": None, "check": False} if building else {}))
    values = {"--format": "format", **({"-o": "output", "--output": "output", "--target": "target"}
                                       if building else {})}
    files_done = False
    tokens = iter(argv[1:])
    for token in tokens:
        option, equals, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        if token in ("--no-cache", "--check") and (building or token == "--no-cache"):
            setattr(args, token[2:].replace("-", "_"), True)
        elif option in values:
            value = attached if equals else next(tokens, None)
            if value is None or value.startswith("-") or (
                    option == "--format" and value not in ("text", "json", "github", "sarif")):
                return None
            if option == "--target":
                args.target = [*(args.target or []), value]
            else:
                setattr(args, values[option], value)
        elif token.startswith("-") or (files_done and args.files) or equals:
            return None
        else:
            args.files.append(token)
            continue
        files_done = bool(args.files)
    return args if args.files else None


def usage_error(message: str) -> int:
    from . import console

    console.err(f"hpcspec: error: {message}\n")
    return EXIT_USAGE


def unusable_files(names) -> int | None:
    """A usage error (printed, exit 2) for the first name that is not a regular file, else None."""
    import os

    for name in names:
        if os.path.isdir(name):
            return usage_error(f"{name} is a directory, not a spec file")
        if not os.path.isfile(name):
            return usage_error(f"no such file: {name}" if not os.path.lexists(name) else f"{name} is not a regular file")
    return None


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    plain = _plain_args(argv)
    if plain is not None:  # compile or check, read without argparse (see _plain_args)
        from .commands import build

        return build.run(plain)
    args = _parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
