"""Hostile values in every string of every shipped spec: refused with a located error, or quoted.

Each string literal of the shipped code and platform specs gets a payload (alone, and appended
to its value). Every variant either fails with located diagnostics, or compiles; then all of
its generated shell (batch scripts, env.sh, host build scripts, %post, the Dockerfile's RUN
lines, run.sh, test.sh) runs in a sandbox with stub srun/sbatch/apptainer/ch-run/... on PATH,
and the payload's marker file must never appear.

`build.commands`, `build.install` and `test` are shell by design (they run in the image build,
never in a job) and are left out. A platform's strings are tried through the targets of the
shipped codes that run on it. The default run puts one payload in every fourth string of the
shipped specs, the payload classes taken in turn, so that every file and every class is tried,
each class in both forms; the `slow` run (`scripts/test -m slow`) tries every
payload, in both forms, in every string.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from hpcspec.api import compile_files
from hpcspec.lower import lower
from hpcspec.nodes import Assignment, Block, Value
from hpcspec.parse import parse
from hpcspec.source import SourceFile

import sandbox
from support import ROOT

PAYLOADS = {
    "subst": "$(touch${IFS}/mark/PWNED)",
    "backticks": "`touch${IFS}/mark/PWNED`",
    "semicolon": ";touch${IFS}/mark/PWNED;",
    "and": "&&touch${IFS}/mark/PWNED",
    "quotes": "'\";touch /mark/PWNED;\"'",
    "ifs": "${IFS}touch${IFS}/mark/PWNED",
    "dash": "-o/mark/PWNED",
    "section": "%post touch /mark/PWNED",
    "templates": "{{ touch }}{% include '/mark/PWNED' %}",
}
COMBINED = "'\";$(touch /mark/PWNED)`touch /mark/PWNED`&&touch${IFS}/mark/PWNED;%post {{x}}{%x%}"
SHELL_BY_DESIGN = {"commands", "install", "test"}
SPECS = [(path.parent.name, path.stem) for folder in ("codes", "platforms")
         for path in sorted((ROOT / "specs" / folder).glob("*.hpcspec"))]
SAMPLE = 4  # the default run tries one string in SAMPLE


def _runs_on() -> dict[str, tuple[str, list[str]]]:
    """platform -> a shipped code with targets on it, and those targets (the cheapest compile
    that reads every value of the platform)."""
    found: dict[str, tuple[str, list[str]]] = {}
    for path in sorted((ROOT / "specs" / "codes").glob("*.hpcspec")):
        result = compile_files([str(path)], environ={})
        assert result.ok, f"{path.name} does not compile"
        for plan in result.plans:
            for target in plan.targets:
                code, names = found.setdefault(target.platform, (f"codes/{path.name}", []))
                if code == f"codes/{path.name}":
                    names.append(target.name)
    return found


def encode(value: str) -> str:
    """A payload as the inside of an hpcspec string: literal, with `$` doubled."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")


@dataclass(frozen=True)
class Slot:
    """A string literal of a spec file: where it is, and its text between the quotes."""

    file: str  # relative to specs/
    start: int
    end: int
    inner: str


def _offset(source: SourceFile, line: int, column: int) -> int:
    return sum(len(text) + 1 for text in source.lines[: line - 1]) + column - 1


def slots(relative: str) -> list[Slot]:
    text = (ROOT / "specs" / relative).read_text()
    source = SourceFile(Path(relative), relative, text)
    spec = lower(source, parse(source))
    found: list[Slot] = []

    def value(v: Value, key: str) -> None:
        if key in SHELL_BY_DESIGN:
            return
        if v.kind == "list":
            for item in v.value:  # type: ignore[union-attr]
                value(item, key)
        elif v.kind == "string":
            start = _offset(source, v.span.line, v.span.column)
            end = _offset(source, v.span.end_line, v.span.end_column)
            found.append(Slot(relative, start, end, text[start + 1:end - 1]))

    def block(b: Block) -> None:
        for item in b.items:
            if isinstance(item, Assignment):
                value(item.value, item.key)
            elif isinstance(item, Block):
                block(item)

    for b in spec.blocks:
        block(b)
    for item in spec.imports:
        pass  # imports are names and paths: covered by the path tests
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "hpcspec.toml").write_text("")
    shutil.copytree(ROOT / "specs" / "platforms", root / "specs" / "platforms")
    shutil.copytree(ROOT / "specs" / "codes", root / "specs" / "codes")
    return root


def _inside(diagnostic, texts: dict[str, str]) -> bool:
    span = diagnostic.span
    if span is None:
        return False
    lines = span.source.text.split("\n")
    return (1 <= span.line <= span.end_line <= len(lines) and 1 <= span.column <= len(lines[span.line - 1]) + 1
            and 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1)


FORMS = ("alone", "appended")


def _variant(relative: str, slot: Slot, label: str, payload: str, form: str):
    inner = encode(payload) if form == "alone" else slot.inner + encode(payload)
    return relative, slot, f"{label}-{form}", inner


def _all_slots():
    for folder, name in SPECS:
        relative = f"{folder}/{name}.hpcspec"
        for slot in slots(relative):
            yield relative, slot


def every_payload_everywhere(payloads: dict[str, str]):
    for relative, slot in _all_slots():
        for label, payload in payloads.items():
            for form in FORMS:
                yield _variant(relative, slot, label, payload, form)


def one_payload_per_string(payloads: dict[str, str], sample: int = 1):
    """String n gets payload class n mod k, alone or appended in alternate rounds of k strings:
    every string once (or one in `sample`), every class many times and in both forms."""
    labels = sorted(payloads)
    chosen = [(relative, slot) for index, (relative, slot) in enumerate(_all_slots()) if index % sample == 0]
    for number, (relative, slot) in enumerate(chosen):
        label = labels[number % len(labels)]
        yield _variant(relative, slot, label, payloads[label], FORMS[number // len(labels) % len(FORMS)])


def _exercise(project: Path, variants_of, scratch: Path) -> dict:
    variants = scratch / "variants"
    stats = {"variants": 0, "refused": 0, "compiled": 0, "classes": set()}
    originals = {f"{folder}/{name}.hpcspec": (ROOT / "specs" / folder / f"{name}.hpcspec").read_text()
                 for folder, name in SPECS}
    runs_on = _runs_on()
    for number, (relative, slot, label, inner) in enumerate(variants_of):
        stats["classes"].add(label)
        text = originals[relative]
        changed = text[: slot.start + 1] + inner + text[slot.end - 1:]
        target = project / "specs" / relative
        target.write_text(changed)
        if relative.startswith("codes/"):
            code, targets = relative, None
        else:
            code, targets = runs_on[relative.split("/")[1].removesuffix(".hpcspec")]
        try:
            result = compile_files([str(project / "specs" / code)], targets=targets, environ={})
        finally:
            target.write_text(text)
        stats["variants"] += 1
        if not result.ok:
            stats["refused"] += 1
            errors = [d for d in result.diagnostics if d.severity.value == "error"]
            bad = [d for d in errors if not _inside(d, {})]
            assert not bad, f"{relative} {label} at {slot.start}: unlocated {bad}"
            continue
        stats["compiled"] += 1
        sandbox.stage(variants, f"v{number:05d}", result.artifacts)
    if stats["compiled"]:
        injected, log = sandbox.run(variants, scratch)
        assert not injected, f"payloads ran: {injected[:20]}"
    return stats


def test_a_payload_in_every_string_every_class_in_turn(project, tmp_path):
    sandbox.require()
    payloads = {**PAYLOADS, "combined": COMBINED}
    stats = _exercise(project, one_payload_per_string(payloads, SAMPLE), tmp_path)
    print(stats)
    assert stats["classes"] == {f"{label}-{form}" for label in payloads for form in FORMS}
    assert stats["variants"] > 250 and stats["compiled"] > 50 and stats["refused"] > 25


def test_every_shipped_platform_is_tried():
    runs_on = _runs_on()
    platforms = {name for folder, name in SPECS if folder == "platforms"}
    assert platforms <= set(runs_on), f"no shipped code targets {sorted(platforms - set(runs_on))}"


@pytest.mark.slow
def test_a_payload_in_every_string(project, tmp_path):
    sandbox.require()
    stats = _exercise(project, one_payload_per_string({**PAYLOADS, "combined": COMBINED}), tmp_path)
    print(stats)


@pytest.mark.slow
def test_each_payload_in_every_string(project, tmp_path):
    sandbox.require()
    stats = _exercise(project, every_payload_everywhere(PAYLOADS), tmp_path)
    print(stats)
    assert stats["compiled"] > 500


def test_interpolation_syntax_in_payloads_is_located(project):
    """`${IFS}` written raw is an hpcspec interpolation of an unknown name: a located error."""
    relative = "codes/gromacs.hpcspec"
    text = (ROOT / "specs" / relative).read_text()
    target = project / "specs" / relative
    target.write_text(text.replace('description = "GROMACS', 'description = "${IFS}GROMACS'))
    try:
        result = compile_files([str(target)], environ={})
    finally:
        target.write_text(text)
    assert [d.code for d in result.diagnostics] == ["E0209"]
    assert _inside(result.diagnostics[0], {})


@pytest.mark.parametrize("raw", ["\x00", "\x1b[2J", "\r", "\t", "\x7f", "\u0085", "\u2028", "\n"])
def test_control_characters_in_strings_are_located_errors(project, raw):
    relative = "codes/gromacs.hpcspec"
    text = (ROOT / "specs" / relative).read_text()
    target = project / "specs" / relative
    target.write_text(text.replace('description = "GROMACS', f'description = "GRO{raw}MACS'))
    try:
        result = compile_files([str(target)], environ={})
    finally:
        target.write_text(text)
    assert not result.ok and result.diagnostics[0].code in ("E0102", "E0103")
    assert all(_inside(d, {}) for d in result.diagnostics)
