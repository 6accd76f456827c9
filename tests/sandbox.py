"""A throwaway root for running generated shell: the hostile-input tests run everything hpcspec
emits there, with stub srun/sbatch/apptainer/ch-run/cmake/... on PATH.

The root is a tmpfs in a private mount namespace (``unshare -m``) with the host's /usr mounted
read-only and two host directories bound in: the variants to run (read-only) and /mark, where a
successful injection would leave its marker. Nothing a script does can reach the host otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

MARKER = "/mark/PWNED"

_RECORD = "#!/bin/sh\nexit 0\n"
_LAUNCHER = r"""#!/bin/sh
# a launcher (srun, mpiexec, mpirun, flux run): skip its options and their values, then run the
# command it starts as it would (no shell in between): the first word that is a stub or an
# executable file (the GPU wrapper)
[ "$(basename "$0")" = flux ] && [ "${1:-}" = getattr ] && { echo 1; exit 0; }
: > /mark/LAUNCHED
[ "$(basename "$0")" = flux ] && [ "${1:-}" = run ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    */*) [ -x "$1" ] && exec "$@" ;;
    *) [ -x "/stubs/$1" ] && { cmd="$1"; shift; exec "/stubs/${cmd}" "$@"; } ;;
  esac
  shift
done
exit 0
"""
_RUNTIME = r"""#!/bin/sh
# reads --env-file the way Apptainer and Singularity do: with a shell interpreter, then evaluates
# each value a second time inside the container, as `export NAME="value"`, with only " escaped
# (Apptainer >= 1.1) or with \ and " escaped (Go's %q: Singularity 3.6+, Apptainer 1.0)
load_env_file() {
  ( set -a; . "$1"; set +a
    for name in $(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$1"); do
      eval "value=\${${name}-}"
      escaped=$(printf '%s' "${value}" | sed 'ESCAPES')
      eval "export ${name}=\"${escaped}\""
    done ) || true
}
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) load_env_file "$2"; shift 2 ;;
    *) shift ;;
  esac
done
exit 0
"""
_APPTAINER = _RUNTIME.replace("ESCAPES", r's/"/\\"/g')
_SINGULARITY = _RUNTIME.replace("ESCAPES", r's/\\/\\\\/g; s/"/\\"/g')
_SCONTROL = "#!/bin/sh\necho node1\n"
STUBS = {
    **{name: _LAUNCHER for name in ("srun", "mpirun", "mpiexec", "flux")},
    "apptainer": _APPTAINER, "singularity": _SINGULARITY, "scontrol": _SCONTROL,
    # engines that read an env file literally (NAME=VALUE, nothing evaluated) or take none
    **{name: _RECORD for name in ("ch-run", "podman", "podman-hpc", "shifter", "module", "sbatch", "qsub",
                                  "apt-get", "dnf", "yum", "zypper", "apk", "curl", "git", "cmake", "make", "tar",
                                  "sha256sum", "ch-image")},
}

_DRIVER = r"""#!/bin/bash
# runs in a private mount namespace; $1 root, $2 variants, $3 marks
set -eu
root="$1"
mount -t tmpfs none "${root}"
cd "${root}"
mkdir -p usr etc opt tmp var/tmp dev work mark variants stubs
for d in bin sbin lib lib32 lib64 libx32; do [ -e "/${d}" ] && ln -s "usr/${d}" "${d}"; done
mount --rbind /usr usr
mount -o remount,bind,ro usr
mount --bind "$2" variants
mount -o remount,bind,ro variants
mount --bind "$3" mark
mount --rbind /dev dev
cp /etc/passwd /etc/group etc/
cp -a /etc/alternatives etc/  # /usr/bin/awk and others are links through it
cp -r "$2/.stubs/." stubs/
chmod +x stubs/*
exec chroot "${root}" /bin/bash /variants/.run-all.sh
"""

_RUN_ALL = r"""#!/bin/bash
# For every variant: run each generated script, then look for the marker.
export PATH=/stubs:/usr/bin:/bin
check() {
  if [ -e /mark/PWNED ]; then
    echo "INJECTED $1"
    rm -f /mark/PWNED
  fi
}
run() {  # run VARIANT WHAT COMMAND...
  local what="$1/$2"; shift 2
  ( timeout 20 "$@" ) >/dev/null 2>&1 || true
  check "${what}"
}
for variant in /variants/v*; do
  name=$(basename "${variant}")
  for code in "${variant}"/*/; do
    code=${code%/}
    rm -rf /opt/* /tmp/* /work/*
    mkdir -p /work/run /work/image /opt/singularity/3.7.2/bin
    cp /stubs/singularity /opt/singularity/3.7.2/bin/singularity
    : > /work/image.sif
    : > /work/run/topol.tpr
    : > /work/run/params.nml
    echo node1 > /work/nodefile
    echo "node1 2 all.q@node1 UNDEFINED" > /work/pe_hostfile
    # build time: what %post and the Dockerfile's RUN lines do, with the copied scripts
    [ -d "${code}/hpcspec" ] && cp -r "${code}/hpcspec" /opt/hpcspec
    [ -f "${code}/.post.sh" ] && run "${name}" post sh "${code}/.post.sh"
    [ -f "${code}/.docker-run.sh" ] && run "${name}" docker-run sh "${code}/.docker-run.sh"
    [ -f "${code}/hpcspec/run.sh" ] && run "${name}" run.sh sh "${code}/hpcspec/run.sh" --target=nothing
    [ -f "${code}/hpcspec/test.sh" ] && run "${name}" test.sh sh "${code}/hpcspec/test.sh"
    # run time: every target's scripts
    for target in "${code}"/*/; do
      target=${target%/}
      [ "$(basename "${target}")" = hpcspec ] && continue
      image=/work/image.sif
      grep -q ch-run "${target}"/job.* 2>/dev/null && image=/work/image
      for job in "${target}"/job.*; do
        [ -f "${job}" ] || continue
        rm -f /mark/LAUNCHED
        # the job's required inputs, named by its checks
        sed -n 's|.*fail "required input missing: ${workdir}/\([A-Za-z0-9._-]*\)"$|\1|p' "${job}" \
          | while read -r input; do : > "/work/run/${input}"; done
        ( cd /work/run && SLURM_SUBMIT_DIR=/work/run SLURM_CPUS_PER_TASK=1 SLURM_JOB_NODELIST=node1 \
          SLURM_JOB_NUM_NODES=1 PBS_O_WORKDIR=/work/run PBS_NODEFILE=/work/nodefile USER=root \
          PE_HOSTFILE=/work/pe_hostfile NSLOTS=2 NHOSTS=1 SGE_O_WORKDIR=/work/run \
          HPCSPEC_IMAGE="${image}" timeout 20 bash "${job}" arg1 ) >/tmp/job.log 2>&1 || true
        check "${name}/${job#"${variant}"/}"
        [ -e /mark/LAUNCHED ] || echo "NOT-LAUNCHED ${name}/${job#"${variant}"/}: $(tail -n 2 /tmp/job.log | tr '\n' ' ')"
        rm -f /mark/LAUNCHED
      done
      [ -f "${target}/env.sh" ] && run "${name}" "${target#"${variant}"/}/env.sh" sh -c '. "$1"' sh "${target}/env.sh"
      [ -f "${target}/build-on-host.sh" ] && run "${name}" "${target#"${variant}"/}/build-on-host.sh" \
        bash "${target}/build-on-host.sh" /work/image.sif
    done
  done
done
echo "RUN-ALL DONE"
"""


def available() -> str | None:
    """None when the sandbox can run here, else why not."""
    if os.name != "posix" or os.geteuid() != 0:
        return "running generated scripts in a sandbox needs root (a private mount namespace and chroot)"
    for tool in ("unshare", "chroot", "mount", "timeout", "bash"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        return f"unshare -m is not permitted here: {probe.stderr.decode(errors='replace').strip()}"
    return None


def require():
    reason = available()
    if reason:
        if os.environ.get("HPCSPEC_E2E") == "required":
            pytest.fail(f"the sandbox is required but cannot run here: {reason}", pytrace=False)
        pytest.skip(reason)


def _definition_post(text: str) -> str:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("%"):
            inside = line.startswith("%post")
            continue
        if inside:
            lines.append(line[4:] if line.startswith("    ") else line)
    return "\n".join(lines) + "\n"


def _docker_runs(text: str) -> str:
    joined = text.replace("\\\n", " ")  # Dockerfile line continuations
    return "\n".join(line[4:] for line in joined.splitlines() if line.startswith("RUN ")) + "\n"


def stage(variants_dir: Path, name: str, artifacts) -> None:
    """Write one variant's artifacts, with its %post and RUN lines as scripts of their own."""
    for artifact in artifacts:
        path = variants_dir / name / artifact.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(artifact.content)
        path.chmod(artifact.mode)
        if path.suffix == ".def":
            (path.parent / ".post.sh").write_text(_definition_post(path.read_text()))
        elif path.name == "Dockerfile":
            (path.parent / ".docker-run.sh").write_text(_docker_runs(path.read_text()))


def run(variants_dir: Path, scratch: Path) -> tuple[list[str], str]:
    """Run every staged variant; return the injections found (variant/script) and the log.
    Every batch script must get as far as its launcher (else a payload after a failing line
    would go untried): the log's NOT-LAUNCHED lines say which did not."""
    stubs = variants_dir / ".stubs"
    stubs.mkdir(exist_ok=True)
    for name, text in STUBS.items():
        (stubs / name).write_text(text)
    (variants_dir / ".run-all.sh").write_text(_RUN_ALL)
    driver = scratch / "driver.sh"
    driver.write_text(_DRIVER)
    root = scratch / "root"
    marks = scratch / "marks"
    root.mkdir(exist_ok=True)
    marks.mkdir(exist_ok=True)
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", str(driver), str(root),
                           str(variants_dir), str(marks)], capture_output=True, text=True, timeout=3600)
    log = proc.stdout + proc.stderr
    assert "RUN-ALL DONE" in proc.stdout, f"the sandbox did not finish:\n{log[-3000:]}"
    assert not (marks / "PWNED").exists()
    stopped = [line.split(" ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("NOT-LAUNCHED ")]
    assert not stopped, f"batch scripts that stopped before their launcher: {stopped[:10]}"
    return [line.split(" ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("INJECTED ")], log
