"""glibc: host libraries bound into the container need a container glibc at least as new."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from ..models.types import version_at_least
from .context import CodeContext


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    minimum = target.platform.glibc_min
    image = code.image
    if minimum is None or target.model == "hybrid" or image is None:
        return
    spans, base = code.spans, code.code.image.from_
    image_span = spans.values.get(("image", "from")) or spans.block_head(("image",))
    reason = f"`{target.platform_name}` binds host libraries that need glibc >= {minimum}"
    if image.libc != "glibc":
        report.error("E0502", f"`{base}` uses {image.libc}, not glibc", image_span,
                     label=f"target `{target.name}`: {reason}",
                     help="use a glibc-based image (Debian, Ubuntu, Rocky Linux) for bind-model targets")
        return
    if image.glibc is None:
        report.error("E0505", f"the glibc version of `{base}` is not known", image_span,
                     label=f"target `{target.name}` needs glibc >= {minimum}",
                     help='state it: image { glibc = "2.36" } (run `ldd --version` in the image)')
        return
    if not version_at_least(image.glibc, minimum):
        span = spans.values.get(("image", "glibc")) or image_span
        report.error("E0502", f"`{base}` has glibc {image.glibc}; {reason}", span,
                     label=f"glibc {image.glibc} < {minimum} (target `{target.name}`)",
                     help="use a newer base image, e.g. debian:bookworm (glibc 2.36)")
