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


def _usage_error(message: str) -> int:
    from . import console

    console.err(f"hpcspec: error: {message}\n")
    return EXIT_USAGE


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _plain_args(argv) or _parser().parse_args(argv)
    if args.command == "probe":
        return _probe(args)
    for name in args.files:
        if os.path.isdir(name):
            return _usage_error(f"{name} is a directory, not a spec file")
        if not os.path.isfile(name):
            return _usage_error(f"no such file: {name}" if not os.path.lexists(name)
                                else f"{name} is not a regular file")
    building = args.command == "compile"
    if building and args.output == "":
        return _usage_error("the output directory is empty: give -o DIR")
    # what the run depends on; --check and --format only change what is said about it
    command = [args.command, *args.files, *(["-o", args.output, *(args.target or [])] if building else [])]
    from . import stamp

    if not args.no_cache:
        done = stamp.load(command, args.files, args.output if building else None)
        if done is not None:  # nothing changed since the last clean run: say what it said
            _say(done["messages"], args, written=())
            return EXIT_OK
    return _run(args, command, building)


def _run(args, command: list[str], building: bool) -> int:
    from pathlib import Path

    from . import console, inputs, stamp
    from .api import compile_files
    from .diagnostics import render_all, render_json
    from .write import WriteError, check, write

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
    targets = getattr(args, "target", None)
    waiting = (lambda message: console.err(f"hpcspec: {message}\n"))
    outcome = None
    try:
        if building and args.check:
            outcome = check(out, result.artifacts, targets, result.sources, waiting)
            if outcome.changes:
                _say(messages, args, written=(), summary=False)
                console.out("".join(change.diff for change in outcome.changes))
                _foreign(outcome, out)
                count = len(outcome.changes)
                console.err(f"hpcspec: {count} file{'s' if count != 1 else ''} in {out} not up to date; "
                            "run `hpcspec compile` without --check\n")
                return EXIT_SPEC
        elif building:
            outcome = write(out, result.artifacts, targets, result.sources, waiting)
    except (WriteError, OSError) as exc:
        _say(messages, args, written=(), summary=False)
        reason = exc if isinstance(exc, WriteError) else (exc.strerror or exc)
        console.err(f"hpcspec: error: cannot write to {out}: {reason}\n")
        return EXIT_USAGE
    _say(messages, args, outcome.written if outcome else ())
    if outcome is not None:
        _foreign(outcome, out)
        for stale in outcome.stale:
            console.err(f"hpcspec: warning: {os.path.join(args.output, stale)} was compiled from a spec that "
                        "now defines another code; remove it if nothing uses it\n")
    if not args.no_cache and not (outcome and outcome.stale):
        stamp.save(command, args.files, args.output if building else None, read,
                   [out / p.code for p in result.plans] if building else [], messages)
    return EXIT_OK


def _foreign(outcome, out) -> None:
    """Files in a code directory that hpcspec did not write: named, never read or touched."""
    from . import console

    for code, names in sorted(outcome.foreign.items()):
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        console.err(f"hpcspec: note: {out / code} also holds what hpcspec did not write (left alone): {shown}\n")


def _say(messages: dict, args, written, summary: bool = True) -> None:
    """Diagnostics, then (text format) what was done: the same words for a full run and for a
    run that found nothing changed."""
    from . import console

    if args.format == "json":
        console.err(messages["json"])
    elif messages["text"]:
        from .diagnostics import use_colour

        console.err(messages["colour" if use_colour() else "text"])
    if not summary or args.format != "text" or getattr(args, "check", False):
        return
    if args.command == "check":
        console.err(f"hpcspec: {len(args.files)} spec{'s' if len(args.files) != 1 else ''} OK\n")
        return
    for code, count, targets in messages["codes"]:
        state = "written" if code in written else "unchanged"
        where = os.path.normpath(os.path.join(args.output, code))
        console.out(f"{code}: {count} files for {targets} target{'s' if targets != 1 else ''} in {where} ({state})\n")


def _probe(args) -> int:
    import re

    from . import console
    from .probe import ProbeError, probe, render_block, render_json

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", args.name):
        console.err(f"hpcspec probe: error: `{args.name}` is not a valid name\n")
        return EXIT_USAGE
    if args.dest and not re.fullmatch(r"(/[A-Za-z0-9_.+@%=\-]+)+", args.dest):
        console.err(f"hpcspec probe: error: --dest must be an absolute path, not `{args.dest}`\n")
        return EXIT_USAGE
    try:
        result = probe(args.name, args.library, args.image, args.dest)
    except ProbeError as exc:
        console.err(f"hpcspec probe: error: {exc}\n")
        return EXIT_SPEC
    console.out(render_json(result) if args.format == "json" else render_block(result))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
