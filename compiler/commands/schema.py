"""`hpcspec schema`: print the JSON Schema of the language's JSON form or of manifest.json."""

from __future__ import annotations

from ..cli import EXIT_OK, EXIT_USAGE

COMMANDS = {"schema": "print the JSON Schema of specs (their JSON form) or of manifest.json"}
SCHEMAS = ("language", "manifest")


def add_arguments(name: str, parser) -> None:
    parser.add_argument("which", choices=SCHEMAS,
                        help="language: spec files as JSON (for editors); manifest: a target's manifest.json")
    parser.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    parser.add_argument("--builtin", action="store_true",
                        help="describe only hpcspec's own schedulers, launchers and runtimes, not plug-ins "
                             "installed beside it (how schemas/ in hpcspec's repository is made)")


def run(args) -> int:
    from .. import console, schemas

    schema = schemas.language(builtin_only=args.builtin) if args.which == "language" else schemas.manifest()
    text = schemas.dumps(schema)
    if not args.output:
        console.out(text)
        return EXIT_OK
    try:
        _replace(args.output, text)
    except OSError as exc:
        console.err(f"hpcspec: error: cannot write {args.output}: {exc.strerror or exc}\n")
        return EXIT_USAGE
    return EXIT_OK


def _replace(path: str, text: str) -> None:
    """Write `path` whole or not at all (a rename over it), keeping it unchanged when it is current."""
    import os
    import tempfile

    try:
        with open(path, encoding="utf-8") as current:
            if current.read() == text:
                return
    except (OSError, UnicodeDecodeError):
        pass
    handle, temporary = tempfile.mkstemp(prefix=".hpcspec-schema-", dir=os.path.dirname(path) or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
