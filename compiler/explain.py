"""``hpcspec explain CODE``: what a diagnostic means, an example of it and how it was fixed.

The explanations, the examples and their fixes live with the diagnostic tests, where they are
checked: ``tests/diagnostics/explain.toml`` (what each code means), ``cases/<CODE>-<what>.hpcspec``
with its rendered error ``.err``, and ``fixes/<CODE>-<what>.hpcspec``, the same case corrected
(compiled by the tests: the code is gone). The tests are not installed, so :func:`generate` gathers
all of it into ``hpcspec/data/explain.json``, which the package ships; ``tests/test_explain.py``
fails when that file is out of date and rewrites it with ``--update-goldens``.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from .diagnostics import CODES

DATA = "explain.json"
INDENT = "    "


# -- generating the data (tests and maintainers) -----------------------------------------------

def generate(diagnostics: Path) -> str:
    """The content of explain.json from ``tests/diagnostics`` (its explain.toml, cases, fixes)."""
    import tomllib

    texts = tomllib.loads((diagnostics / "explain.toml").read_text(encoding="utf-8"))
    cases = sorted(p.stem for p in (diagnostics / "cases").glob("*.hpcspec"))
    data = {}
    for code, summary in CODES.items():
        given = texts.get(code, {})
        own = [c for c in cases if c.split("-", 1)[0] == code]
        fixed = [c for c in own if (diagnostics / "fixes" / f"{c}.hpcspec").is_file()]
        chosen = given.get("case") or (fixed or own or [None])[0]
        entry = {"summary": summary, "text": " ".join(given.get("text", "").split()), "cases": own}
        if chosen is not None:
            entry["case"] = chosen
            entry["error"] = _error(diagnostics / "cases" / f"{chosen}.err", code)
            if chosen in fixed:
                entry.update(_fix(diagnostics / "cases" / f"{chosen}.hpcspec",
                                  diagnostics / "fixes" / f"{chosen}.hpcspec"))
        data[code] = entry
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _error(path: Path, code: str) -> str:
    """The diagnostics of `code` in a rendered .err file (without the others and the count)."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    own = [b for b in blocks if b.startswith((f"error[{code}]", f"warning[{code}]"))]
    return "\n\n".join(own or blocks[:-1])


def _fix(case: Path, fix: Path) -> dict:
    """The fix as a diff; a fix that rewrites most of its case reads better whole."""
    diff, whole = _diff(case, fix), _text(fix)
    return {"fix": diff} if diff.count("\n") <= whole.count("\n") else {"fixed": whole}


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")  # a case may be bad UTF-8 on purpose (E0107)


def _diff(case: Path, fix: Path) -> str:
    name = case.name
    lines = difflib.unified_diff(_text(case).splitlines(keepends=True), _text(fix).splitlines(keepends=True),
                                 name, f"{name} (fixed)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


# -- reading it ----------------------------------------------------------------------------------

def entries() -> dict:
    from importlib.resources import files

    return json.loads(files("hpcspec.data").joinpath(DATA).read_text(encoding="utf-8"))


def normalise(word: str) -> str | None:
    """`e601`, `E0601` or `0601` -> `E0601` when that is a code; None otherwise."""
    word = word.strip().upper()
    if word.isdigit():
        word = "E" + word
    if len(word) > 1 and word[1:].isdigit() and word[0] in "EW":
        word = word[0] + word[1:].zfill(4)
    return word if word in CODES else None


def index() -> str:
    """Every code and its one-line meaning."""
    lines = [f"{code}  {summary}" for code, summary in CODES.items()]
    return "\n".join(lines) + "\n\nhpcspec explain CODE shows what a code means, an example and its fix.\n"


def explain(code: str) -> str:
    """The explanation of a known code."""
    entry = entries().get(code, {"summary": CODES[code], "text": ""})
    out = [f"{code}: {entry['summary']}", ""]
    if entry.get("text"):
        out += [_wrap(entry["text"]), ""]
    if "case" not in entry:
        out += ["No example of this code yet."]
        return "\n".join(out) + "\n"
    out += [f"Example ({entry['case']}.hpcspec), as `hpcspec check` reports it:", "", _indent(entry["error"]), ""]
    if "fix" in entry:
        out += ["Fixed:", "", _indent(entry["fix"].rstrip("\n")), ""]
    elif "fixed" in entry:
        out += ["Fixed, the whole file:", "", _indent(entry["fixed"].rstrip("\n")), ""]
    others = [c for c in entry["cases"] if c != entry["case"]]
    if others:
        out += [f"More examples in hpcspec's tests/diagnostics/cases: {', '.join(others)}.", ""]
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join((INDENT + line).rstrip() for line in text.split("\n"))


def _wrap(text: str, width: int = 100) -> str:
    import textwrap

    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
