"""`hpcspec compile` and `hpcspec check`: validate specs and write (or compare) their artifacts."""

from __future__ import annotations

import os

from ..cli import EXIT_OK, EXIT_SPEC, EXIT_USAGE, unusable_files, usage_error

COMMANDS = {
    "compile": "validate and write the artifacts",
    "check": "validate only",
}
FORMATS = ("text", "json", "github", "sarif")  # cli._plain_args knows these names too


def add_arguments(name: str, parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="code specs (.hpcspec), or platform specs for check")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default: for people), or on stdout: json (one object), github "
                             "(GitHub Actions annotations), sarif (SARIF 2.1.0)")
    parser.add_argument("--no-cache", action="store_true",
                        help="do the whole run even if nothing changed since the last one (see README)")
    if name == "compile":
        parser.add_argument("-o", "--output", default="build", metavar="DIR",
                            help="output directory (default: build)")
        parser.add_argument("--target", action="append", metavar="NAME",
                            help="only this target's files (repeatable); shared files wait for a full compile")
        parser.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 with a diff if the output on disk is not up to date")


def run(args) -> int:
    failed = unusable_files(args.files)
    if failed is not None:
        return failed
    building = args.command == "compile"
    if building and args.output == "":
        return usage_error("the output directory is empty: give -o DIR")
    # what the run depends on; --check and --format only change what is said about it
    command = [args.command, *args.files, *(["-o", args.output, *(args.target or [])] if building else [])]
    from .. import stamp

    if not args.no_cache:
        done = stamp.load(command, args.files, args.output if building else None)
        # nothing changed since the last clean run: say what it said (a stamp of an older
        # hpcspec, without the diagnostics as data, means a full run)
        if done is not None and "diagnostics" in done["messages"]:
            _say(done["messages"], args, written=())
            return EXIT_OK
    return _run(args, command, building)


def _run(args, command: list[str], building: bool) -> int:
    from pathlib import Path

    from .. import console, inputs, stamp
    from ..api import compile_files
    from ..diagnostics import render_all
    from ..progress import Progress
    from ..write import WriteError, check, write

    with inputs.recording() as read, Progress(len(args.files)) as progress:
        # `check` emits too (in memory): what a backend cannot express is an error there as well
        result = compile_files(progress.iterate(args.files), targets=getattr(args, "target", None))
    shown = result.diagnostics
    files_of: dict[str, int] = {}  # code -> files emitted (counted once: a corpus has thousands)
    for artifact in result.artifacts:
        code = artifact.path.split("/", 1)[0]
        files_of[code] = files_of.get(code, 0) + 1
    # what is said about the run, stored in its stamp so that a skipped run says the same:
    # rendered text, and the diagnostics as data for the machine formats (formats.py)
    messages = {"diagnostics": [d.to_dict() for d in shown], "text": render_all(shown) if shown else "",
                "colour": render_all(shown, colour=True) if shown else "", "codes": [
                    [p.code, files_of.get(p.code, 0), len(p.targets)]
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
                _say(messages, args, written=(), summary=False, changes=outcome.changes)
                if args.format == "text":
                    console.out("".join(change.diff for change in outcome.changes))
                _foreign(outcome, out)
                count = len(outcome.changes)
                console.err(f"hpcspec: {count} file{'s' if count != 1 else ''} in {out} not up to date; "
                            "run `hpcspec compile` without --check\n")
                return EXIT_SPEC
        elif building:
            outcome = write(out, result.artifacts, targets, result.sources, waiting)
    except (WriteError, OSError) as exc:  # a usage error: in machine formats, stdout stays empty
        if args.format == "text":
            _say(messages, args, written=(), summary=False)
        reason = exc if isinstance(exc, WriteError) else (exc.strerror or exc)
        console.err(f"hpcspec: error: cannot write to {out}: {reason}\n")
        return EXIT_USAGE
    _say(messages, args, outcome.written if outcome else (), stale=outcome.stale if outcome else ())
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
    from .. import console

    for code, names in sorted(outcome.foreign.items()):
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        console.err(f"hpcspec: note: {out / code} also holds what hpcspec did not write (left alone): {shown}\n")


def _say(messages: dict, args, written, summary: bool = True, changes=(), stale=()) -> None:
    """Diagnostics, then (text format) what was done: the same words for a full run and for a
    run that found nothing changed. Machine formats print one document on stdout, with the
    files `--check` found out of date (`changes`) as diagnostics of their own."""
    from .. import console

    if args.format != "text":
        from .. import __version__, formats

        building = args.command == "compile"
        diagnostics = messages["diagnostics"] + formats.out_of_date(changes, getattr(args, "output", ""))
        if not building:
            files: list = []
        elif getattr(args, "check", False):
            files = formats.changed_files(changes, args.output)
        else:
            files = formats.written_files(messages["codes"] if summary else [], args.output, written, stale)
        command = "compile --check" if building and args.check else args.command
        console.out(formats.render(args.format, diagnostics, command, files, __version__))
        return
    if messages["text"]:
        from ..diagnostics import use_colour

        console.err(messages["colour" if use_colour() else "text"])
    if not summary or getattr(args, "check", False):
        return
    if args.command == "check":
        console.err(f"hpcspec: {len(args.files)} spec{'s' if len(args.files) != 1 else ''} OK\n")
        return
    for code, count, targets in messages["codes"]:
        state = "written" if code in written else "unchanged"
        where = os.path.normpath(os.path.join(args.output, code))
        console.out(f"{code}: {count} files for {targets} target{'s' if targets != 1 else ''} in {where} ({state})\n")
