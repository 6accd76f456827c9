"""Stage 4, validate (continued): the code's model, the facts of each site and target (derive.py),
then the semantic checks (checks/), which only report.

Every platform the program can see is checked on its own; then, for every target, the platform
merged with the target's ``override``, the platform's job defaults with the target's ``job``,
the code's ``build`` with the target's ``build`` and the platform's ``node`` with the
partition's, each validated against its model and derived into facts. All errors of all
targets are collected.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import derive
from .checks import check_target
from .checks.context import CodeContext
from .checks.image import check_code as image_check
from .checks.platform import check_site
from .diagnostics import Report
from .facts import TargetFacts
from .images import ImageFacts, facts_for
from .models.code import Build, Code
from .resolve import Program
from .schema import SpanMap
from .validate import validate_block, validate_partial

MAX_TARGETS = 256  # per code spec: far beyond real use, small enough to stay fast


@dataclass
class Checked:
    name: str
    code: Code
    spans: SpanMap
    build: Build
    image: ImageFacts
    targets: list[TargetFacts]
    program: Program


# Platforms whose own checks found nothing, for the whole process (by the site's identity; the
# entry keeps the site alive so its id stays unique).
_CLEAN_SITES: dict[int, object] = {}


def _check_sites(program: Program, report: Report) -> None:
    """Every platform the program can see, used or not: a broken platform spec is reported on
    its own lines whichever code imports it."""
    for name in sorted(program.platforms):
        block = program.platforms[name]
        found = derive.site(name, block, report)
        if found is None or id(found) in _CLEAN_SITES:
            continue
        own = Report()
        check_site(found, block, own)
        report.extend(own.items)
        if not own.items:
            if len(_CLEAN_SITES) >= 1024:  # a long-running process (the language server) sees many
                _CLEAN_SITES.clear()
            _CLEAN_SITES[id(found)] = found


def check(program: Program, report: Report, only: list[str] | None = None) -> Checked | None:
    _check_sites(program, report)
    code_block = program.code
    if code_block is None:  # a platform spec on its own: checked above, nothing to plan
        return None
    declared = [b for b in code_block.blocks() if b.kind == "target"]
    if len(declared) > MAX_TARGETS:  # before validating thousands of them
        report.error("E0108", f"{len(declared)} targets; a code spec has at most {MAX_TARGETS}",
                     declared[MAX_TARGETS].head_span, label="one target too many",
                     help="split the code spec, or drop targets nobody runs")
        return None
    validated = validate_partial(code_block, Code, report, (), deep=("target",))
    code: Code = validated.model
    spans, failed = validated.spans, validated.failed
    name = code_block.label or ""
    base_build = validate_block(code.build, Build, report, ("build",)) if "build" not in failed else None
    image = _image_facts(code, spans, report) if "image" not in failed else None
    context = CodeContext(name, code, spans, image, failed)
    names = sorted(code.target) if only is None else [n for n in sorted(code.target) if n in only]
    targets = [t for t in (derive.target(n, code, name, spans, program, image, report) for n in names) if t]
    for target in targets:
        check_target(target, context, report)
    if "version" not in failed:
        _distinct_prefixes(targets, report)
    image_check(targets, report)
    if base_build is None or report.has_errors:
        return None
    return Checked(name, code, spans, base_build.model, image, targets, program)  # type: ignore[arg-type]


def _distinct_prefixes(targets: list[TargetFacts], report: Report) -> None:
    owners: dict[str, str] = {}
    for target in targets:
        if target.prefix in owners:
            report.error("E0801", f"targets `{owners[target.prefix]}` and `{target.name}` install into "
                                  f"`{target.prefix}`", target.target_span("prefix"), label="same prefix",
                         help="give one of them its own `prefix`")
        owners.setdefault(target.prefix, target.name)


def _image_facts(code: Code, spans: SpanMap, report: Report) -> ImageFacts:
    known = facts_for(code.image.from_) if code.image.bootstrap in ("docker", "oras") else None
    facts = known or ImageFacts()
    if not (code.image.package_manager or facts.package_manager):
        report.error("E0505", f"the package manager of `{code.image.from_}` is not known",
                     spans.values.get(("image", "from")) or spans.block_head(("image",)),
                     label="hpcspec installs packages and build tools with it",
                     help='state it: image { package_manager = "apt" } (apt, dnf, yum, zypper or apk)')
    return ImageFacts(facts.libc, code.image.glibc or facts.glibc, code.image.gcc or facts.gcc,
                      code.image.package_manager or facts.package_manager, facts.source)
