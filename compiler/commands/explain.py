"""`hpcspec explain [CODE]`: what a diagnostic code means, an example and its fix."""

from __future__ import annotations

from ..cli import EXIT_OK, usage_error

COMMANDS = {"explain": "what a diagnostic code means, with an example and its fix (no code: list them all)"}


def add_arguments(name: str, parser) -> None:
    parser.add_argument("code", nargs="?", metavar="CODE", help="a diagnostic code, e.g. E0601")


def run(args) -> int:
    from .. import console
    from ..explain import explain, index, normalise

    if args.code is None:
        console.out(index())
        return EXIT_OK
    code = normalise(args.code)
    if code is None:
        from ..diagnostics import CODES
        from ..didyoumean import did_you_mean

        hint = did_you_mean(args.code.upper(), CODES)
        return usage_error(f"no diagnostic code `{args.code}`" + (f"; {hint}" if hint else "")
                           + " (`hpcspec explain` lists them)")
    console.out(explain(code))
    return EXIT_OK
