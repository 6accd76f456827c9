"""The command line: ``hpcspec compile``, ``hpcspec check``.

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
    parser = _Parser(prog="hpcspec", description="Compile .hpcspec files into container definitions, "
                                                  "bind manifests and batch scripts for HPC sites.")
    parser.add_argument("--version", action="version", version=f"hpcspec {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("files", nargs="+", metavar="FILE", help="code specs (.hpcspec)")
    common.add_argument("--format", choices=("text", "json"), default="text",
                        help="how diagnostics are printed (json: a list on stderr)")
    common.add_argument("--no-cache", action="store_true",
                        help="do the whole run even if nothing changed since the last one (see README)")
    compile_ = commands.add_parser("compile", parents=[common], help="validate and write the artifacts")
    compile_.add_argument("-o", "--output", default="build", metavar="DIR", help="output directory (default: build)")
    compile_.add_argument("--target", action="append", metavar="NAME", help="only this target (repeatable)")
    compile_.add_argument("--check", action="store_true",
                          help="write nothing; exit 1 with a diff if the output on disk is not up to date")
    commands.add_parser("check", parents=[common], help="validate only")
    probe = commands.add_parser("probe", help="find a host MPI's libraries and print its platform-spec block")
    probe.add_argument("--name", default="mpi", help="the MPI's name in the platform spec (default: mpi)")
    probe.add_argument("--library", metavar="PATH", help="the MPI library (default: found with ldconfig -p)")
    probe.add_argument("--image", metavar="DIR", help="an unpacked image: leave out libraries it already has")
    probe.add_argument("--dest", metavar="DIR",
                       help="container directory for the bound libraries (default: /opt/hpcspec/host/NAME)")
    probe.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: no temporary files are left behind


def main(argv: list[str] | None = None) -> int:
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
        on_main_thread = True
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        on_main_thread = False
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("hpcspec: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    except BaseException as exc:  # never a traceback for users: report a bug instead
        if os.environ.get("HPCSPEC_DEBUG"):
            raise
        print(f"hpcspec: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in hpcspec; please report it with the spec that caused it.", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
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
            if value is None or value.startswith("-") or (option == "--format" and value not in ("text", "json")):
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


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _plain_args(argv) or _parser().parse_args(argv)
    if args.command == "probe":
        return _probe(args)
    for name in args.files:
        if not os.path.isfile(name):
            print(f"hpcspec: error: no such file: {name}", file=sys.stderr)
            return EXIT_USAGE
    building = args.command == "compile"
    # what the run depends on; --check and --format only change what is said about it
    command = [args.command, *args.files, *(["-o", args.output, *(args.target or [])] if building else [])]
    from . import stamp

    if not args.no_cache:
        done = stamp.load(command, args.files)
        if done is not None:  # nothing changed since the last clean run: say what it said
            _say(done["messages"], args, written=())
            return EXIT_OK
    return _run(args, command, building)


def _run(args, command: list[str], building: bool) -> int:
    from pathlib import Path

    from . import inputs, stamp
    from .api import compile_files
    from .diagnostics import render_all, render_json
    from .write import WriteError, changes, write

    with inputs.recording() as read:
        # `check` emits too (in memory): what a backend cannot express is an error there as well
        result = compile_files(args.files, targets=getattr(args, "target", None))
    shown = result.diagnostics
    messages = {"json": render_json(shown), "text": render_all(shown) if shown else "",
                "colour": render_all(shown, colour=True) if shown else "", "codes": [
                    [p.code, sum(1 for a in result.artifacts if a.path.startswith(p.code + "/")), len(p.targets)]
                    for p in result.plans]}
    if not result.ok:
        _say(messages, args, written=(), summary=False)
        return EXIT_USAGE if any(d.code == "E0407" for d in result.diagnostics) else EXIT_SPEC
    out = Path(args.output) if building else None
    written: list[str] = []
    try:
        if building and args.check:
            found = changes(out, result.artifacts)
            if found:
                _say(messages, args, written=(), summary=False)
                sys.stdout.write("".join(change.diff for change in found))
                print(f"hpcspec: {len(found)} file{'s' if len(found) != 1 else ''} in {out} "
                      "not up to date; run `hpcspec compile` without --check", file=sys.stderr)
                return EXIT_SPEC
        elif building:
            written = write(out, result.artifacts)
    except (WriteError, OSError) as exc:
        _say(messages, args, written=(), summary=False)
        print(f"hpcspec: error: cannot write to {out}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _say(messages, args, written)
    if not args.no_cache:
        stamp.save(command, args.files, read, [out / p.code for p in result.plans] if building else [], messages)
    return EXIT_OK


def _say(messages: dict, args, written, summary: bool = True) -> None:
    """Diagnostics, then (text format) what was done: the same words for a full run and for a
    run that found nothing changed."""
    if args.format == "json":
        sys.stderr.write(messages["json"])
    elif messages["text"]:
        from .diagnostics import use_colour

        sys.stderr.write(messages["colour" if use_colour(sys.stderr) else "text"])
    if not summary or args.format != "text" or getattr(args, "check", False):
        return
    if args.command == "check":
        print(f"hpcspec: {len(args.files)} spec{'s' if len(args.files) != 1 else ''} OK", file=sys.stderr)
        return
    for code, count, targets in messages["codes"]:
        state = "written" if code in written else "unchanged"
        where = os.path.normpath(os.path.join(args.output, code))
        print(f"{code}: {count} files for {targets} target{'s' if targets != 1 else ''} in {where} ({state})")


def _probe(args) -> int:
    import re

    from .probe import ProbeError, probe, render_block, render_json

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", args.name):
        print(f"hpcspec probe: error: `{args.name}` is not a valid name", file=sys.stderr)
        return EXIT_USAGE
    if args.dest and not re.fullmatch(r"(/[A-Za-z0-9_.+@%=\-]+)+", args.dest):
        print(f"hpcspec probe: error: --dest must be an absolute path, not `{args.dest}`", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = probe(args.name, args.library, args.image, args.dest)
    except ProbeError as exc:
        print(f"hpcspec probe: error: {exc}", file=sys.stderr)
        return EXIT_SPEC
    sys.stdout.write(render_json(result) if args.format == "json" else render_block(result))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
