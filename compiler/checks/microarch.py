"""CPU tuning: the node's microarchitecture must be known, and the compiler able to target it."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from .context import CodeContext


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    from ..cpuflags import known_microarchs
    from ..didyoumean import did_you_mean

    cpu = target.cpu
    if cpu.status in ("given", "exact"):
        return
    compiler_span = target.target_span("compiler")
    if cpu.status == "unknown":
        # the node as merged for the partition: a partition's own microarch is underlined there
        span = target.node_spans.values.get(("node", "microarch")) or target.target_span("platform")
        report.error("E0503", f"unknown CPU microarchitecture `{cpu.microarch}`", span,
                     label="not an archspec microarchitecture",
                     help=did_you_mean(cpu.microarch, known_microarchs())
                     or "use an archspec name such as zen2, zen3, broadwell, skylake_avx512")
    elif cpu.status == "unsupported":
        report.error("E0504", f"{cpu.family} {cpu.version} cannot target `{cpu.microarch}` or any older "
                              "microarchitecture", compiler_span, label="no flags for this compiler",
                     help="set cpu_flags = [...] in the target")
    elif cpu.status == "fallback":
        report.warning("W0504", f"{cpu.family} {cpu.version} cannot target `{cpu.microarch}`; tuning for "
                                f"`{cpu.target}`", compiler_span, label=f"flags for {cpu.target}",
                       help="use a newer compiler in the image, or set cpu_flags = [...] to silence this",
                       notes=[cpu.reason] if cpu.reason else [])
