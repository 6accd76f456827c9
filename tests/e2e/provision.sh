#!/bin/bash
# Provision what the end-to-end tests run on: a one-node Slurm cluster on loopback, MPICH,
# Charliecloud, and a Debian base image for ch-image.
#
#   provision.sh install              apt-get install what is missing (root)
#   provision.sh start DIR            munge + slurmctld + slurmd, config and state in DIR
#   provision.sh stop DIR             stop the daemons started by `start DIR`
#   provision.sh base-image CACHE     debootstrap Debian 12 once into CACHE/rootfs-bookworm (published by
#                                     a rename when complete, so an interrupted run leaves nothing
#                                     half-made), import it into ch-image storage
#                                     ($CH_IMAGE_STORAGE) as debian:bookworm
#
# The cluster listens on 127.0.0.1, ports 16817/16818, so it never meets a real Slurm.
set -euo pipefail

PACKAGES=(slurm-wlm munge mpich libmpich-dev gcc libc6-dev binutils charliecloud debootstrap python3-lark podman runc)
MIRROR="${HPCSPEC_E2E_MIRROR:-http://deb.debian.org/debian}"

die() { printf 'provision.sh: %s\n' "$*" >&2; exit 1; }

install() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("${package}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0  # a munged is already serving
  fi
  [ -s /etc/munge/munge.key ] || die "no /etc/munge/munge.key (reinstall munge)"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged did not start"
}

start() {
  local dir="$1" host
  host="$(hostname -s)"
  mkdir -p "${dir}/state" "${dir}/spool" "${dir}/log"
  cat > "${dir}/slurm.conf" <<CONF
ClusterName=hpcspec-e2e
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=${host} NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  start_munge
  export SLURM_CONF="${dir}/slurm.conf"
  slurmctld -f "${SLURM_CONF}"
  slurmd -f "${SLURM_CONF}"
  for _ in $(seq 100); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qx idle; then
      return 0
    fi
    sleep 0.2
  done
  tail -n 20 "${dir}/log/slurmctld.log" "${dir}/log/slurmd.log" >&2 || true
  die "the Slurm node did not become idle"
}

stop() {
  local dir="$1" pid
  for daemon in slurmd slurmctld; do
    if [ -f "${dir}/${daemon}.pid" ]; then
      pid="$(cat "${dir}/${daemon}.pid")"
      kill "${pid}" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
    fi
  done
}

# Remove a partial debootstrap directory; an interrupted debootstrap can leave /proc or /sys
# mounted inside it, which must be unmounted first, never deleted through.
remove_partial() {
  local dir
  for dir in "$@"; do
    [ -e "${dir}" ] || continue
    awk -v top="${dir}" 'index($2, top) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do
      umount -l "${mount}" 2>/dev/null || true
    done
    rm -rf --one-file-system "${dir}"
  done
}

base_image() {
  local cache="$1"
  : "${CH_IMAGE_STORAGE:?set CH_IMAGE_STORAGE}"
  export USER="${USER:-$(id -un)}"
  if /usr/bin/python3 /usr/bin/ch-image list 2>/dev/null | grep -qx 'debian:bookworm'; then
    return 0
  fi
  mkdir -p "${cache}"
  # the directory exists only once complete: debootstrap fills a partial directory, renamed at the end
  local rootfs="${cache}/rootfs-bookworm"
  if [ ! -d "${rootfs}" ]; then
    local work="${cache}/rootfs-bookworm.partial.$$"
    remove_partial "${cache}"/rootfs-bookworm.partial.*
    debootstrap --variant=minbase bookworm "${work}" "${MIRROR}" >"${cache}/debootstrap.log" 2>&1 \
      || { tail -n 20 "${cache}/debootstrap.log" >&2; remove_partial "${work}"; die "debootstrap failed"; }
    # importing device nodes would fill the disk: the image needs an empty /dev
    rm -rf "${work}/dev" && mkdir "${work}/dev"
    mv "${work}" "${rootfs}"
  fi
  local said
  said="$(/usr/bin/python3 /usr/bin/ch-image import "${rootfs}" debian:bookworm 2>&1)" \
    || { printf '%s\n' "${said}" >&2; die "ch-image import of ${rootfs} failed"; }
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?DIR}" ;;
  stop) stop "${2:?DIR}" ;;
  base-image) base_image "${2:?CACHE}" ;;
  *) die "usage: provision.sh install | start DIR | stop DIR | base-image CACHE" ;;
esac
