"""CPU tuning: the node's microarchitecture must be known, and the compiler able to target it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cpuflags import flags_for, known_microarchs
from ..diagnostics import Report
from ..didyoumean import did_you_mean
from ..images import ImageFacts
from ..models.code import Code
from ..schema import SpanMap

if TYPE_CHECKING:
    from ..check import TargetInfo


def compiler_version(info: "TargetInfo", image: ImageFacts) -> str:
    """The version of the compiler that builds: the image's gcc where known, else the platform's."""
    if info.compiler.family == "gcc" and image.gcc and info.model != "host":
        return image.gcc
    return info.compiler.version


def check(info: "TargetInfo", code: Code, image: ImageFacts, spans: SpanMap, report: Report) -> None:
    path = ("target", info.name)
    if info.spec.cpu_flags is not None:
        info.cpu_flags = tuple(info.spec.cpu_flags)
        info.cpu_target = "as given"
        return
    name = info.node.microarch
    span = info.platform_spans.values.get(("node", "microarch")) or spans.values.get(path + ("platform",))
    if name not in known_microarchs():
        report.error("E0503", f"unknown CPU microarchitecture `{name}`", span,
                     label="not an archspec microarchitecture",
                     help=did_you_mean(name, known_microarchs())
                     or "use an archspec name such as zen2, zen3, broadwell, skylake_avx512")
        return
    version = compiler_version(info, image)
    family = info.compiler.family
    flags = flags_for(name, family, version)
    compiler_span = spans.values.get(path + ("compiler",))
    if flags is None:
        report.error("E0504", f"{family} {version} cannot target `{name}` or any older microarchitecture",
                     compiler_span, label="no flags for this compiler",
                     help="set cpu_flags = [...] in the target")
        return
    if flags.microarch != name:
        report.warning("W0504", f"{family} {version} cannot target `{name}`; tuning for `{flags.microarch}`",
                       compiler_span, label=f"flags for {flags.microarch}",
                       help="use a newer compiler in the image, or set cpu_flags = [...] to silence this",
                       notes=[flags.fallback_reason] if flags.fallback_reason else [])
    info.cpu_flags = flags.flags
    info.cpu_target = flags.microarch
