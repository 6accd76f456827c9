"""The VS Code extension in editors/vscode: its manifest points at files that exist, and its
TextMate grammar loads, compiles and gives shipped spec lines the scopes an editor colours.

The grammar is checked with a small matcher written here (rules of one line, `include`,
`captures`, and `begin`/`end` within a line), not a full TextMate engine: enough to see that
each rule matches what it is meant to, in the order TextMate tries them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import lru_cache

import pytest

from support import ROOT

EXTENSION = ROOT / "editors" / "vscode"
GRAMMAR = EXTENSION / "syntaxes" / "hpcspec.tmLanguage.json"


@lru_cache(maxsize=1)
def grammar() -> dict:
    return json.loads(GRAMMAR.read_text())


def _regexes(node, where="grammar"):
    """(where, regex) of every match/begin/end in the grammar."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end") and isinstance(value, str):
                yield f"{where}.{key}", value
            else:
                yield from _regexes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _regexes(value, f"{where}[{index}]")


# Oniguruma syntax that Python's `re` lacks: regexes using it are left to the editor.
ONIGURUMA_ONLY = re.compile(r"\\[GhHK]|\\p\{|\(\?<[A-Za-z]|\\k<")


def test_grammar_loads_and_its_regexes_compile():
    data = grammar()
    assert data["scopeName"] == "source.hpcspec"
    found = list(_regexes(data))
    assert len(found) > 15
    for where, regex in found:
        if ONIGURUMA_ONLY.search(regex):
            continue
        try:
            re.compile(regex)
        except re.error as exc:
            pytest.fail(f"{where}: {regex!r} does not compile: {exc}")
    for where, value in _includes(data):
        assert value.startswith("#") and value[1:] in data["repository"], f"{where} includes unknown {value}"


def _includes(node, where="grammar"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "include":
                yield where, value
            else:
                yield from _includes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _includes(value, f"{where}[{index}]")


# ----------------------------------------------------------------------------------------------
# A small TextMate matcher: one line, earliest match wins, the first rule on a tie, an `end`
# before any rule at the same place.


def _rules(patterns: list) -> list[dict]:
    out = []
    for pattern in patterns:
        if "include" in pattern:
            included = grammar()["repository"][pattern["include"][1:]]
            out += _rules(included["patterns"]) if "patterns" in included and not (
                "match" in included or "begin" in included) else [included]
        else:
            out.append(pattern)
    return out


def _paint(scopes: list, match: re.Match, base: tuple, name: str | None, captures: dict) -> None:
    outer = base + ((name,) if name else ())
    for index in range(match.start(), match.end()):
        scopes[index] = outer
    for group, capture in sorted(captures.items(), key=lambda item: int(item[0])):
        start, end = match.span(int(group))
        if start < 0 or "name" not in capture:
            continue
        for index in range(start, end):
            scopes[index] = outer + (capture["name"],)


def _scan(line: str, at: int, patterns: list, base: tuple, scopes: list, end: re.Pattern | None = None,
          end_rule: dict | None = None) -> int:
    while at <= len(line):
        best = None
        for rule in _rules(patterns):
            found = re.compile(rule.get("match") or rule["begin"]).search(line, at)
            if found and (best is None or found.start() < best[1].start()):
                best = (rule, found)
        closing = end.search(line, at) if end is not None else None
        if closing and (best is None or closing.start() <= best[1].start()):
            _paint(scopes, closing, base, None, end_rule.get("endCaptures", {}))  # type: ignore[union-attr]
            return closing.end()
        if best is None or best[1].end() == best[1].start():
            return len(line)
        rule, found = best
        if "match" in rule:
            _paint(scopes, found, base, rule.get("name"), rule.get("captures", {}))
            at = found.end()
        else:
            inner = base + ((rule["name"],) if "name" in rule else ())
            _paint(scopes, found, base, rule.get("name"), rule.get("beginCaptures", {}))
            scopes[found.end():] = [inner] * (len(line) - found.end())  # the rule's name spans to its end
            at = _scan(line, found.end(), rule.get("patterns", []), inner, scopes, re.compile(rule["end"]), rule)
            scopes[at:] = [base] * (len(line) - at)
            if at >= len(line):
                return at
    return at


def tokenize(line: str) -> list[tuple[str, tuple[str, ...]]]:
    """The line cut where its scopes change: (text, scopes without the language suffix)."""
    scopes: list = [()] * len(line)
    _scan(line, 0, grammar()["patterns"], (), scopes)
    out: list[tuple[str, tuple[str, ...]]] = []
    for char, scope in zip(line, scopes):
        scope = tuple(s.removesuffix(".hpcspec") for s in scope)
        if out and out[-1][1] == scope:
            out[-1] = (out[-1][0] + char, scope)
        else:
            out.append((char, scope))
    return [(text, scope) for text, scope in out if text.strip()]


def shipped_line(name: str, contains: str) -> str:
    for path in sorted((ROOT / "specs").rglob("*.hpcspec")):
        if path.name == name:
            return next(line for line in path.read_text().splitlines() if contains in line)
    raise AssertionError(f"no shipped spec {name}")


def scope_of(tokens, text: str) -> tuple[str, ...]:
    return next(scope for token, scope in tokens if token == text)


def test_a_string_with_interpolation():
    tokens = tokenize(shipped_line("gromacs.hpcspec", "${version}.tar.gz"))
    assert scope_of(tokens, "url") == ("variable.other.property",)
    assert scope_of(tokens, "=") == ("keyword.operator.assignment",)
    assert tokens[2] == ('"', ("string.quoted.double", "punctuation.definition.string.begin"))
    assert scope_of(tokens, "${") == ("string.quoted.double", "meta.interpolation",
                                      "punctuation.definition.template-expression.begin")
    assert scope_of(tokens, "version") == ("string.quoted.double", "meta.interpolation",
                                           "variable.other.interpolation")
    assert tokens[-1] == ('"', ("string.quoted.double", "punctuation.definition.string.end"))


def test_escapes_and_dollars():
    tokens = tokenize(r'  A = "cost $$5, a \"quote\", a \\ and \n, ${bad name}"')
    assert scope_of(tokens, "$$") == ("string.quoted.double", "constant.character.escape.dollar")
    assert scope_of(tokens, r"\"") == ("string.quoted.double", "constant.character.escape")
    assert scope_of(tokens, "\\\\") == ("string.quoted.double", "constant.character.escape")
    assert scope_of(tokens, r"\n") == ("string.quoted.double", "invalid.illegal.escape")
    assert scope_of(tokens, "${bad name}") == ("string.quoted.double", "invalid.illegal.interpolation")
    unterminated = tokenize('  url = "https://x')
    assert unterminated[-1][1] == ("string.quoted.double",)


def test_blocks_keys_numbers_and_units():
    tokens = tokenize(shipped_line("gromacs.hpcspec", "build cmake {"))
    assert tokens == [("build", ("storage.type.block",)), ("cmake", ("entity.name.section",)),
                      ("{", ("punctuation.section.block.begin",))]
    tokens = tokenize(shipped_line("archer2.hpcspec", "qos short"))
    assert scope_of(tokens, "qos") == ("storage.type.block",)
    assert scope_of(tokens, "short") == ("entity.name.section",)
    assert scope_of(tokens, "max_nodes") == ("variable.other.property",)
    assert scope_of(tokens, "32") == ("constant.numeric.integer",)
    assert scope_of(tokens, "20min") == ("constant.numeric.duration",)
    assert scope_of(tokens, "}") == ("punctuation.section.block.end",)
    tokens = tokenize(shipped_line("archer2.hpcspec", "memory           = 256GiB"))
    assert scope_of(tokens, "256") == ("constant.numeric.size",)
    assert scope_of(tokens, "GiB") == ("constant.numeric.size", "keyword.other.unit")
    assert scope_of(tokenize("  walltime = 1h30min"), "1h30min") == ("constant.numeric.duration",)
    assert scope_of(tokenize("  memory = 1.5TB"), "TB") == ("constant.numeric.size", "keyword.other.unit")
    assert scope_of(tokenize("  walltime = 90x"), "90x") == ("invalid.illegal.number",)
    tokens = tokenize(shipped_line("archer2.hpcspec", "account_required"))
    assert scope_of(tokens, "true") == ("constant.language.boolean",)
    tokens = tokenize(shipped_line("gromacs.hpcspec", "options += ["))
    assert scope_of(tokens, "+=") == ("keyword.operator.assignment",)
    assert scope_of(tokens, "[") == ("meta.list", "punctuation.section.brackets.begin")


def test_imports_and_comments():
    tokens = tokenize(shipped_line("gromacs.hpcspec", 'import "archer2"'))
    assert tokens[0] == ("import", ("meta.import", "keyword.control.import"))
    assert scope_of(tokens, "archer2") == ("string.quoted.double",)
    line = shipped_line("gromacs.hpcspec", "# GROMACS")
    assert tokenize(line) == [("#", ("comment.line.number-sign", "punctuation.definition.comment")),
                              (line[1:], ("comment.line.number-sign",))]
    tokens = tokenize('  version = "1" # why')
    assert tokens[-1] == (" why", ("comment.line.number-sign",))


# ----------------------------------------------------------------------------------------------
# The extension's manifest


def test_the_manifest_references_files_that_exist():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    assert (EXTENSION / manifest["main"]).is_file()
    [language] = manifest["contributes"]["languages"]
    assert language["id"] == "hpcspec" and ".hpcspec" in language["extensions"]
    configuration = json.loads((EXTENSION / language["configuration"]).read_text())
    assert configuration["comments"]["lineComment"] == "#"
    assert ["{", "}"] in configuration["brackets"] and ["[", "]"] in configuration["brackets"]
    assert {"open": "\"", "close": "\"", "notIn": ["string", "comment"]} in configuration["autoClosingPairs"]
    for regex in configuration.get("indentationRules", {}).values():
        re.compile(regex)
    [contributed] = manifest["contributes"]["grammars"]
    assert contributed["language"] == "hpcspec"
    assert (EXTENSION / contributed["path"]).resolve() == GRAMMAR.resolve()
    assert contributed["scopeName"] == grammar()["scopeName"]
    assert f"onLanguage:{language['id']}" in manifest["activationEvents"]
    assert (EXTENSION / "README.md").is_file() and (ROOT / "editors" / "README.md").is_file()

    source = (EXTENSION / manifest["main"]).read_text()
    required = set(re.findall(r"require\(\"([^\"]+)\"\)", source))
    packages = {name.split("/")[0] for name in required} - {"vscode"}
    assert packages <= set(manifest["dependencies"]), "extension.js requires a package not declared"
    assert "vscode-languageclient" in manifest["dependencies"]
    for command in manifest["contributes"]["commands"]:
        assert f'"{command["command"]}"' in source, f"{command['command']} is contributed but not registered"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_extension_entry_parses():
    done = subprocess.run(["node", "--check", str(EXTENSION / "extension.js")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
