"""GPUs: asked for on a node that has them, described well enough to use, made visible in the
container one way or another, and run by a GPU user space the host driver supports."""

from __future__ import annotations

from ..diagnostics import Report
from ..facts import TargetFacts
from ..models.types import version_at_least
from .context import CodeContext

RUNTIME_NAMES = {"nvidia": "CUDA", "amd": "ROCm"}


def check(target: TargetFacts, code: CodeContext, report: Report) -> None:
    gpu, node = target.gpu, target.node
    if gpu is None or node.gpus == 0:
        return  # no GPUs asked for, or none on the node (jobshape reports E0604)
    span = target.job_span("gpus_per_task" if "gpus_per_task" in target.job.given else "gpus_per_node")
    if node.gpu is None:
        report.error("E0510", f"the GPUs of `{target.platform_name}` are not described", span,
                     label="vendor and architecture unknown",
                     help='add a `gpu { vendor = "nvidia" arch = "sm_80" }` block to the platform\'s node')
        return
    runtime = target.runtime
    if not (runtime.gpu_native(node.gpu.vendor) or node.gpu.binds or node.gpu.bind_files or node.gpu.runtime_modules):
        report.error("E0510", f"{runtime.name} cannot make the {node.gpu.vendor} GPUs of `{target.platform_name}` "
                              "visible, and the node's `gpu` block binds no driver", span,
                     label="no way to reach the GPUs",
                     help="list the driver's libraries and devices in the node's gpu { binds bind_files "
                          "ld_library_path }, or use a runtime that enables GPUs itself (Apptainer --nv/--rocm)")
    _user_space(target, code, span, report)
    if target.spec.gpu_aware_mpi and not (target.mpi.gtl or target.mpi.gpu_env):
        report.error("E0510", f"MPI `{target.mpi_name}` of `{target.platform_name}` says nothing about GPU support",
                     target.target_span("gpu_aware_mpi"), label="no GPU-aware facts for this MPI",
                     help="set the MPI's `gtl` (the Cray GTL library) and `gpu_env` (MPICH_GPU_SUPPORT_ENABLED), "
                          "or drop gpu_aware_mpi")


def _user_space(target: TargetFacts, code: CodeContext, span, report: Report) -> None:
    """The image's CUDA or ROCm against the host's GPUs and driver."""
    image, vendor = code.code.image, target.node.gpu.vendor  # type: ignore[union-attr]
    if image is None:
        return
    built = {"nvidia": image.cuda, "amd": image.rocm}
    image_span = code.spans.values.get(("image", "cuda")) or code.spans.values.get(("image", "rocm")) or \
        code.spans.values.get(("image", "from"))
    for other, version in built.items():
        if version and other != vendor:
            report.error("E0511", f"the image has {RUNTIME_NAMES[other]} {version}; `{target.platform_name}` has "
                                  f"{vendor} GPUs", image_span, label=f"target `{target.name}`",
                         help=f"build this target from an image with {RUNTIME_NAMES.get(vendor, vendor)}, or drop its GPUs")
            return
    version, newest = built.get(vendor), target.node.gpu.max_runtime  # type: ignore[union-attr]
    if version and newest and not version_at_least(newest, version):
        report.error("E0511", f"the image's {RUNTIME_NAMES[vendor]} {version} is newer than the "
                              f"{RUNTIME_NAMES[vendor]} {newest} the driver of `{target.platform_name}` runs",
                     image_span, label=f"{RUNTIME_NAMES[vendor]} {version} > {newest} (target `{target.name}`)",
                     help=f"build from an image with {RUNTIME_NAMES[vendor]} {newest} or older")
    elif newest and not version and vendor in RUNTIME_NAMES:
        report.warning("W0507", f"the {RUNTIME_NAMES[vendor]} version of the image is not known: it cannot be "
                                f"checked against the driver of `{target.platform_name}` ({RUNTIME_NAMES[vendor]} "
                                f"{newest} at most)", code.spans.values.get(("image", "from")) or span,
                       label=f"target `{target.name}` uses GPUs",
                       help=f"say which {RUNTIME_NAMES[vendor]} the image holds: "
                            f'image {{ {RUNTIME_NAMES[vendor].lower()} = "MAJOR.MINOR" }}')
