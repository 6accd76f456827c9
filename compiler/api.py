"""The public API: each pipeline stage, and ``compile_files`` that runs them all.

>>> from hpcspec import api
>>> result = api.compile_files(["specs/codes/gromacs.hpcspec"])   # doctest: +SKIP
>>> [a.path for a in result.artifacts]                              # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .check import Checked, check
from .config import search_path
from .diagnostics import Diagnostic, Report, SpecError
from .emit import emit
from .lower import lower
from .parse import parse
from .plan import plan
from .resolve import Program, resolve
from .write import changes, check as check_output, write

__all__ = ["parse", "lower", "resolve", "check", "plan", "emit", "write", "changes", "check_output",
           "compile_files", "CompileResult", "load"]


@dataclass
class CompileResult:
    artifacts: list = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plans: list = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # code -> the spec file that defines it

    @property
    def ok(self) -> bool:
        return not any(d.severity.value == "error" for d in self.diagnostics)


def load(path: Path, report: Report, display: str | None = None, environ=None,
         sources: Mapping[Path, str] | None = None) -> Program | None:
    return resolve(path, display or str(path), search_path(path, environ), report, sources=sources)


def compile_files(paths, targets: list[str] | None = None, environ=None, emit_artifacts: bool = True,
                  sources: Mapping[Path, str] | None = None) -> CompileResult:
    """Run the pipeline on each code spec; collect every diagnostic; emit only if all are clean.
    Files in `sources` (by resolved path) are read from that text instead of the disk."""
    result = CompileResult()
    report = Report()
    checked_all: list[Checked] = []
    for raw in paths:
        path = Path(raw)
        try:
            program = load(path, report, str(raw), environ, sources)
            if program is None:
                continue
            checked = check(program, report, targets)
            if checked is not None:
                checked_all.append(checked)
                result.sources[checked.name] = str(raw)
        except SpecError as exc:
            report.extend(exc.diagnostics)
    if targets:
        known = {name for c in checked_all for name in c.code.target}
        for name in targets:
            if checked_all and name not in known and not report.has_errors:
                from .didyoumean import did_you_mean
                report.error("E0407", f"no target named `{name}`",
                             help=did_you_mean(name, known) or f"targets: {', '.join(sorted(known))}")
    if not report.has_errors and emit_artifacts:
        names = [c.name for c in checked_all]
        for name in sorted({n for n in names if names.count(n) > 1}):
            report.error("E0802", f"two code specs define code `{name}`; their outputs would collide",
                         help="compile them separately, or rename one")
        for checked in checked_all:
            try:
                planned = plan(checked)
                result.plans.append(planned)
                result.artifacts += emit(planned)
            except SpecError as exc:
                report.extend(exc.diagnostics)
    result.diagnostics = report.items
    if report.has_errors:
        result.artifacts = []
    return result
