"""Container formats for one code: the Apptainer/Singularity definition file, and a Dockerfile
where a runtime builds from one (Charliecloud).

Each format wraps the same recipe (:mod:`.recipe`): the same steps and the same copied scripts.
"""

from __future__ import annotations

from hpcspec.ir import Plan, Recipe

from .base import Artifact
from .recipe import IMAGE_ROOT, SCRIPTS, environment_lines, scripts, steps
from .render import render


def script_artifacts(plan: Plan) -> list[Artifact]:
    """The scripts and local source files copied into the image, beside the recipe."""
    out = [Artifact.text(f"{plan.code}/{SCRIPTS}/{path}", text, executable=True, target=target)
           for path, (text, target) in sorted(scripts(plan).items())]
    for relative, content in plan.recipe.source.files:
        out.append(Artifact(f"{plan.code}/{SCRIPTS}/files/{relative}", content))
    return out


def apptainer_definition(plan: Plan, recipe: Recipe) -> Artifact:
    text = render("apptainer.def.j2", plan=plan, recipe=recipe, steps=steps(recipe),
                  environment=environment_lines(recipe), scripts_dir=SCRIPTS, image_root=IMAGE_ROOT)
    return Artifact.text(f"{plan.code}/{plan.code}{recipe.suffix}.def", text)


def _docker_string(value: str) -> str:
    """A double-quoted Dockerfile string: Docker and ch-image unescape \\ and \" alike."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dockerfile(plan: Plan, recipe: Recipe) -> Artifact:
    if recipe.bootstrap != "docker":
        raise UnsupportedFeature(f"a Dockerfile cannot start from a `{recipe.bootstrap}` image",
                                 'use bootstrap = "docker" for codes with Charliecloud targets',
                                 ("image", "bootstrap"))
    for name, value in recipe.environment:
        if "$" in value:
            raise UnsupportedFeature(f"`{name}` holds a `$`, which Docker and ch-image read differently "
                                     "in ENV", "drop the `$` from the value of this variable", ("env", name))
    text = render("Dockerfile.j2", plan=plan, recipe=recipe, steps=steps(recipe), scripts_dir=SCRIPTS,
                  image_root=IMAGE_ROOT,
                  labels=[(k, _docker_string(v).replace("$", "\\$")) for k, v in recipe.labels],
                  environment=[(k, _docker_string(v)) for k, v in recipe.environment])
    return Artifact.text(f"{plan.code}/Dockerfile{recipe.suffix}", text)


class UnsupportedFeature(Exception):
    """A recipe that a container format cannot express; `where` is the path of the value in the
    code spec that asks for it."""

    def __init__(self, message: str, help: str, where: tuple = ()) -> None:
        super().__init__(message)
        self.help = help
        self.where = where


FORMATS = {"definition": apptainer_definition, "dockerfile": dockerfile}


def reserved_names(code: str) -> set[str]:
    """The names the container recipe can take in a code directory, whichever formats a
    compile writes (a target named like one would mix its files in when another target adds it)."""
    return {SCRIPTS, "Dockerfile", f"{code}.def"}


def is_reserved(code: str, name: str) -> bool:
    """`name` is, or could be, one of the container recipe's (per architecture too)."""
    return name in reserved_names(code) or name.startswith("Dockerfile.") or (
        name.startswith(f"{code}.") and name.endswith(".def"))


def emit_container(plan: Plan) -> list[Artifact]:
    """Every container format the plan's runtimes build from, and the scripts they copy."""
    return [FORMATS[name](plan, recipe) for recipe in plan.recipes for name in recipe.formats] + \
        script_artifacts(plan)
