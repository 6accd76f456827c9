"""`hpcspec show` and `hpcspec list`: a spec as the compiler sees it; its targets, one line each."""

from __future__ import annotations

from ..cli import EXIT_OK, EXIT_SPEC, EXIT_USAGE, unusable_files, usage_error

COMMANDS = {
    "show": "print a spec resolved (imports, interpolation, extends, override, +=); --blame: where each value comes from",
    "list": "one line per target: platform, scheduler, runtime, MPI, model, job shape (no FILE: the plug-ins)",
}


def add_arguments(name: str, parser) -> None:
    if name == "show":
        parser.add_argument("file", metavar="FILE", help="a code spec, or a platform spec")
        parser.add_argument("--target", action="append", metavar="NAME", help="only this target (repeatable)")
        parser.add_argument("--blame", action="store_true", help="say after each value which file and line set it")
    else:
        parser.add_argument("files", nargs="*", metavar="FILE", help="code specs")


def run(args) -> int:
    files = [args.file] if args.command == "show" else args.files
    failed = unusable_files(files)
    if failed is not None:
        return failed
    if args.command == "list":
        return _list(files)
    return _show(args)


def _load(name: str):
    """(program, checked) and everything reported; both None when the spec cannot be used."""
    from pathlib import Path

    from ..api import load
    from ..check import check
    from ..diagnostics import Report, SpecError

    report = Report()
    program = checked = None
    try:
        program = load(Path(name), report, name)
        checked = check(program, report) if program is not None and not report.has_errors else None
    except SpecError as exc:
        report.extend(exc.diagnostics)
    return program, checked, report


def _say(report) -> None:
    from .. import console
    from ..diagnostics import render_all, use_colour

    if report.items:
        console.err(render_all(report.items, colour=use_colour()))


def _show(args) -> int:
    from .. import console
    from ..show import show, show_platforms

    program, checked, report = _load(args.file)
    _say(report)
    if report.has_errors or program is None:
        return EXIT_SPEC
    if program.code is None:  # a platform spec on its own
        if args.target:
            return usage_error("--target needs a code spec; this file defines platforms only")
        console.out(show_platforms(program, args.blame, args.file))
        return EXIT_OK
    assert checked is not None
    unknown = [n for n in args.target or () if n not in checked.code.target]
    if unknown:
        from ..didyoumean import did_you_mean, one_of

        known = checked.code.target
        console.err(f"hpcspec: error: no target named `{unknown[0]}` in {args.file}; "
                    f"{did_you_mean(unknown[0], known) or 'targets: ' + one_of(known)}\n")
        return EXIT_USAGE
    console.out(show(checked, args.target, args.blame, args.file))
    return EXIT_OK


def _list(files: list[str]) -> int:
    from .. import console
    from ..show import COLUMNS, table, target_rows

    if not files:
        console.out(_plugins())
        return EXIT_OK
    rows = []
    failed = False
    for name in dict.fromkeys(files):
        program, checked, report = _load(name)
        _say(report)
        failed = failed or report.has_errors
        if checked is not None:
            rows += target_rows(checked)
    if rows:
        console.out(table(COLUMNS, rows))
    return EXIT_SPEC if failed else EXIT_OK


def _plugins() -> str:
    """The installed schedulers, launchers and runtimes, each with its one-line summary."""
    from ..registry import PluginError, registry
    from ..show import table

    rows = []
    for kind in ("scheduler", "launcher", "runtime"):
        try:
            found = registry(kind)
        except PluginError as exc:
            rows.append((kind, "?", str(exc)))
            continue
        rows += [(kind, name, getattr(cls, "summary", "") or "") for name, cls in sorted(found.items())]
    return table(("KIND", "NAME", "WHAT"), rows)
