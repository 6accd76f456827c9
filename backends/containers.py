"""Container formats: the Apptainer/Singularity definition file (and, later, others) for one code.

Each format wraps the same recipe (:mod:`.recipe`): the same steps and the same copied scripts.
"""

from __future__ import annotations

from hpcspec.ir import Plan

from .base import Artifact
from .recipe import IMAGE_ROOT, SCRIPTS, environment_lines, scripts, steps
from .render import render


def script_artifacts(plan: Plan) -> list[Artifact]:
    """The scripts and local source files copied into the image, beside the recipe."""
    out = [Artifact.text(f"{plan.code}/{SCRIPTS}/{path}", text, executable=True)
           for path, text in sorted(scripts(plan).items())]
    for relative, content in plan.recipe.source.files:
        out.append(Artifact(f"{plan.code}/{SCRIPTS}/files/{relative}", content))
    return out


def apptainer_definition(plan: Plan) -> Artifact:
    text = render("apptainer.def.j2", plan=plan, recipe=plan.recipe, steps=steps(plan.recipe),
                  environment=environment_lines(plan.recipe), scripts_dir=SCRIPTS, image_root=IMAGE_ROOT)
    return Artifact.text(f"{plan.code}/{plan.code}.def", text)


FORMATS = {"apptainer": apptainer_definition}


def emit_container(plan: Plan) -> list[Artifact]:
    return [apptainer_definition(plan), *script_artifacts(plan)]
