"""glibc: host libraries bound into the container need a container glibc at least as new."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..diagnostics import Report
from ..images import ImageFacts
from ..models.code import Code
from ..models.types import version_at_least
from ..schema import SpanMap

if TYPE_CHECKING:
    from ..check import TargetInfo


def check(info: "TargetInfo", code: Code, image: ImageFacts, spans: SpanMap, report: Report) -> None:
    minimum = info.platform.glibc_min
    if minimum is None or info.model == "hybrid":
        return
    image_span = spans.values.get(("image", "from")) or spans.block_head(("image",))
    reason = f"`{info.platform_name}` binds host libraries that need glibc >= {minimum}"
    if image.libc != "glibc":
        report.error("E0502", f"`{code.image.from_}` uses {image.libc}, not glibc", image_span,
                     label=f"target `{info.name}`: {reason}",
                     help="use a glibc-based image (Debian, Ubuntu, Rocky Linux) for bind-model targets")
        return
    if image.glibc is None:
        report.error("E0505", f"the glibc version of `{code.image.from_}` is not known", image_span,
                     label=f"target `{info.name}` needs glibc >= {minimum}",
                     help='state it: image { glibc = "2.36" } (run `ldd --version` in the image)')
        return
    if not version_at_least(image.glibc, minimum):
        span = spans.values.get(("image", "glibc")) or image_span
        report.error("E0502", f"`{code.image.from_}` has glibc {image.glibc}; {reason}", span,
                     label=f"glibc {image.glibc} < {minimum} (target `{info.name}`)",
                     help="use a newer base image, e.g. debian:bookworm (glibc 2.36)")
