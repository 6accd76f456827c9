"""Machine-readable output of `compile` and `check`: one JSON object, GitHub workflow commands or SARIF.

Every renderer here takes diagnostics as plain dicts (``Diagnostic.to_dict()``), the form stored
in a stamp's messages: a run that finds nothing changed renders them again without importing
pydantic, lark or Jinja, and says exactly what the full run said. Only the standard library's
``json`` and ``os`` are imported at the top (the no-op path imports this module).

Output files that ``compile --check`` finds out of date become diagnostics of their own (E0803)
located at the file, so the output stays one parseable document in every machine format.
"""

from __future__ import annotations

import json
import os

MACHINE = ("json", "github", "sarif")

# Where the documentation lives: SARIF's `informationUri` and, per code, `helpUri` (an absolute
# URI, as SARIF 2.1.0 section 3.49.12 requires): a section per code on the diagnostics page.
DOCS_URL = "https://hpcspec.readthedocs.io/en/latest/"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
JSON_FORMAT, JSON_VERSION = "hpcspec-diagnostics", 1

OUT_OF_DATE = "E0803"
_STATES = {  # Change.kind (write.py) -> what is wrong with the file
    "new": "`{path}` is missing: hpcspec would write it",
    "changed": "`{path}` differs from what hpcspec would write",
    "removed": "`{path}` is no longer written by hpcspec: a compile removes it",
    "mode": "`{path}` has another mode than hpcspec gives it",
    "stale": "`{path}` was compiled from a spec that now defines another code",
}


def counts(diagnostics: list[dict]) -> dict[str, int]:
    errors = sum(1 for d in diagnostics if d["severity"] == "error")
    return {"error": errors, "warning": len(diagnostics) - errors}


def _display(output: str, rel: str) -> str:
    return os.path.normpath(os.path.join(output, rel))


def out_of_date(changes, output: str) -> list[dict]:
    """One E0803 diagnostic per file (or stale code directory) `--check` found out of date,
    located at the file as the run names it (`output` as typed)."""
    found = []
    for change in changes:
        path = _display(output, change.path)
        stale = change.kind == "stale"
        found.append({
            "code": OUT_OF_DATE, "severity": "error",
            "message": _STATES.get(change.kind, "`{path}` is not up to date").format(path=path),
            "file": path,
            "help": "remove it if nothing uses it" if stale
            else "run `hpcspec compile` without --check and commit the result",
        })
    return found


def changed_files(changes, output: str) -> list[dict]:
    """The `files` of a `compile --check` document: each out-of-date file with its diff."""
    return [{"path": _display(output, c.path), "code": c.path.split("/", 1)[0], "state": c.kind, "diff": c.diff}
            for c in changes]


def written_files(codes: list, output: str, written, stale=()) -> list[dict]:
    """The `files` of a `compile` document: each code directory, written or unchanged, then
    any directory a renamed code left behind."""
    files = [{"path": _display(output, code), "code": code, "state": "written" if code in written else "unchanged",
              "artifacts": count, "targets": targets} for code, count, targets in codes]
    return files + [{"path": _display(output, code), "code": code, "state": "stale"} for code in stale]


def render(fmt: str, diagnostics: list[dict], command: str, files: list[dict], version: str) -> str:
    if fmt == "json":
        return render_json(diagnostics, command, files, version)
    if fmt == "github":
        return render_github(diagnostics)
    if fmt == "sarif":
        return render_sarif(diagnostics, version)
    raise ValueError(f"not a machine format: {fmt}")


# ----------------------------------------------------------------------------------------------
# JSON: one versioned object


def render_json(diagnostics: list[dict], command: str, files: list[dict], version: str) -> str:
    tally = counts(diagnostics)
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "hpcspec": version,
        "command": command,
        "valid": tally["error"] == 0,
        "counts": tally,
        "diagnostics": diagnostics,
        "files": files,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------------------------
# GitHub Actions workflow commands
# https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
# Escaping as GitHub's own toolkit does it (actions/toolkit, packages/core/src/command.ts).


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


SHIPPED = "<hpcspec>/"  # how diagnostics name a spec shipped inside hpcspec (resolve.py): no path


def _where(d: dict) -> str:
    return f"{d['file']}:{d['line']}:{d['column']}" if "line" in d else d["file"]


def _relative(path: str, base: str) -> str | None:
    """`path` relative to `base`, "/"-separated; None when it lies outside `base`."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def _text(diagnostic: dict) -> str:
    """The message, then its notes and help, one per line."""
    lines = [diagnostic["message"]]
    lines += [f"note: {note}" for note in diagnostic.get("notes", ())]
    if diagnostic.get("help"):
        lines.append(f"help: {diagnostic['help']}")
    return "\n".join(lines)


def render_github(diagnostics: list[dict], environ=os.environ) -> str:
    """One `::error` or `::warning` command per diagnostic. Files are named relative to the
    workspace (GitHub's root for annotations; the working directory outside Actions)."""
    base = environ.get("GITHUB_WORKSPACE") or os.getcwd()
    lines = []
    for d in diagnostics:
        props: list[tuple[str, object]] = []
        text = _text(d)
        if d.get("file", "").startswith(SHIPPED):  # not in the repository: said in the message
            text = f"{_where(d)}: {text}"
        elif "file" in d:
            props.append(("file", _relative(d["file"], base) or d["file"]))
        if "line" in d and "file" in dict(props):
            props.append(("line", d["line"]))
            # columns only on one line (GitHub drops them otherwise); its endColumn is inclusive,
            # a span's end_column is the column after the span
            if d["end_line"] == d["line"]:
                props += [("col", d["column"]), ("endLine", d["end_line"]),
                          ("endColumn", max(d["column"], d["end_column"] - 1))]
            else:
                props.append(("endLine", d["end_line"]))
        props.append(("title", d["code"]))
        command = "error" if d["severity"] == "error" else "warning"
        joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
        lines.append(f"::{command} {joined}::{escape_data(text)}\n")
    return "".join(lines)


# ----------------------------------------------------------------------------------------------
# SARIF 2.1.0 (OASIS): https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html


def help_uri(code: str) -> str:
    return f"{DOCS_URL}diagnostics/#{code.lower()}"


def _rules() -> list[dict]:
    """One rule per stable diagnostic code (diagnostics.CODES), in code order."""
    from .diagnostics import CODES

    return [{
        "id": code,
        "shortDescription": {"text": meaning},
        "helpUri": help_uri(code),
        "help": {"text": f"{code}: {meaning}. Each report says where and what to do; "
                         f"{help_uri(code)} describes the code."},
        "defaultConfiguration": {"level": "warning" if code.startswith("W") else "error"},
    } for code, meaning in sorted(CODES.items())]


def _location(d: dict, base: str) -> dict:
    from urllib.parse import quote

    if d["file"].startswith(SHIPPED):  # a spec inside the installed hpcspec: relative to it
        artifact = {"uri": quote(d["file"][len(SHIPPED):]), "uriBaseId": "HPCSPEC"}
    elif (rel := _relative(d["file"], base)) is not None:
        artifact = {"uri": quote(rel), "uriBaseId": "%SRCROOT%"}
    else:
        artifact = {"uri": "file://" + quote(os.path.abspath(d["file"]))}
    physical: dict = {"artifactLocation": artifact}
    if "line" in d:
        physical["region"] = {"startLine": d["line"], "startColumn": d["column"],
                              "endLine": d["end_line"], "endColumn": d["end_column"]}
        if d.get("label"):
            physical["region"]["message"] = {"text": d["label"]}
    return {"physicalLocation": physical}


def render_sarif(diagnostics: list[dict], version: str) -> str:
    """A SARIF log with one run: the rules, and a result per diagnostic. Artifacts are named
    relative to the working directory (`%SRCROOT%`); columns count Unicode code points."""
    base = os.getcwd()
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for d in diagnostics:
        result: dict = {"ruleId": d["code"]}
        if d["code"] in index:
            result["ruleIndex"] = index[d["code"]]
        result["level"] = "error" if d["severity"] == "error" else "warning"
        result["message"] = {"text": _text(d)}
        if "file" in d:
            result["locations"] = [_location(d, base)]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "hpcspec", "version": version, "semanticVersion": version,
                                "informationUri": DOCS_URL, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
