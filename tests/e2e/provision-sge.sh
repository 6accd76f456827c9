#!/bin/bash
# Provision a one-node Grid Engine (Debian's Son of Grid Engine 8.1.9) for the end-to-end
# tests, with a queue all.q and a parallel environment "mpi" that MPICH's Hydra can use.
#
#   provision-sge.sh install   apt-get install what is missing (root), non-interactively
#   provision-sge.sh start     make the host name resolve consistently for SGE, start
#                              sge_qmaster and sge_execd, configure the cluster, wait until
#                              the queue instance is usable; fast when all that is done
#   provision-sge.sh stop      stop sge_execd (and the jobs on it) and sge_qmaster
#   provision-sge.sh env       print NAME=value lines that SGE clients need
#
# Host names: SGE compares the name a client reports (gethostname, resolved forward) with
# the name the qmaster gets by resolving the client's address backwards. Where /etc/hosts
# lists "127.0.0.1 localhost" before "127.0.0.1 <host>", those differ ("localhost" vs the
# host name) and every client is refused. `start` therefore writes
# $SGE_ROOT/$SGE_CELL/common/host_aliases ("<host> localhost"), which makes SGE alone treat
# the reverse name as the host name; /etc/hosts is left alone (it is only appended to, once,
# when the host name does not resolve at all).
#
# The daemons use the ports in /etc/services (sge_qmaster 6444, sge_execd 6445), so they
# never meet the Slurm daemons of provision.sh.
set -euo pipefail

export SGE_ROOT=/var/lib/gridengine
export SGE_CELL=default
export SGE_QMASTER_PORT=6444
export SGE_EXECD_PORT=6445
COMMON="${SGE_ROOT}/${SGE_CELL}/common"
SPOOL=/var/spool/gridengine
LOG="${SPOOL}/provision-sge.log"
PACKAGES=(gridengine-master gridengine-exec gridengine-client mpich libmpich-dev)
PE_NAME=mpi
QUEUE=all.q
CONF_DIR=

die() { printf 'provision-sge.sh: %s\n' "$*" >&2; exit 1; }

host_name() { hostname; }

install() {
  local missing=() package host created_policy=0
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("${package}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
  host="$(host_name)"
  debconf-set-selections <<SEL
gridengine-common shared/gridengineconfig boolean true
gridengine-common shared/gridenginecell string ${SGE_CELL}
gridengine-common shared/gridenginemaster string ${host}
gridengine-client shared/gridengineconfig boolean true
gridengine-client shared/gridenginemaster string ${host}
SEL
  # The packages' postinst would start the daemons through invoke-rc.d before host_aliases
  # exists; `start` starts them instead. Keep an existing policy-rc.d as it is.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1 \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/provision-sge-apt.log 2>&1; then
    [ "${created_policy}" = 1 ] && rm -f /usr/sbin/policy-rc.d
    tail -n 30 /tmp/provision-sge-apt.log >&2
    die "apt-get install failed"
  fi
  [ "${created_policy}" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

# Pids of live (not zombie) processes whose command name is $1.
live_pids() {
  ps -C "$1" -o pid=,stat= 2>/dev/null | awk '$2 !~ /^Z/ {print $1}'
}

running() { [ -n "$(live_pids "$1")" ]; }

qmaster_answers() { qstat -f >/dev/null 2>&1; }

# Make the host name resolve, and write host_aliases so that SGE maps every name that the
# host's address resolves back to onto the host name. Prints "changed" if it wrote anything.
resolve_host() {
  local host="$1" addr canon rev name aliases=() want
  if ! getent hosts "${host}" >/dev/null; then
    # Idempotent: once this line is there, getent finds the host and we never come here.
    printf '127.0.0.1\t%s\t# added by provision-sge.sh\n' "${host}" >> /etc/hosts
  fi
  addr="$(getent ahostsv4 "${host}" | awk 'NR == 1 {print $1}')"
  canon="$(getent hosts "${host}" | awk 'NR == 1 {print $2}')"
  rev="$(getent hosts "${addr}" | awk 'NR == 1 {print $2}')"
  for name in "${canon}" "${rev}"; do
    if [ -n "${name}" ] && [ "${name}" != "${host}" ] \
        && [[ " ${aliases[*]} " != *" ${name} "* ]]; then
      aliases+=("${name}")
    fi
  done
  want="${host}${aliases[*]:+ ${aliases[*]}}"
  if [ "$(cat "${COMMON}/host_aliases" 2>/dev/null)" != "${want}" ]; then
    printf '%s\n' "${want}" > "${COMMON}/host_aliases"
    chmod 644 "${COMMON}/host_aliases"
    echo changed
  fi
  if [ "$(cat "${COMMON}/act_qmaster" 2>/dev/null)" != "${host}" ]; then
    printf '%s\n' "${host}" > "${COMMON}/act_qmaster"
    chown sgeadmin:sgeadmin "${COMMON}/act_qmaster"
  fi
}

start_daemon() {
  local name="$1"
  printf '%s starting %s\n' "$(date -Is)" "${name}" >> "${LOG}"
  # A clean environment, as an init system would give: with the default INHERIT_ENV=true,
  # sge_execd passes its own environment on to every job.
  if ! (cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        SGE_ROOT="${SGE_ROOT}" SGE_CELL="${SGE_CELL}" \
        SGE_QMASTER_PORT="${SGE_QMASTER_PORT}" SGE_EXECD_PORT="${SGE_EXECD_PORT}" \
        "/usr/sbin/${name}" </dev/null >>"${LOG}" 2>&1 9>&-); then
    tail -n 20 "${LOG}" >&2
    die "${name} failed to start"
  fi
}

# Send SIGTERM to the live processes named $1 and wait up to $2 tenths of a second.
terminate() {
  local pid
  for pid in $(live_pids "$1"); do kill "${pid}" 2>/dev/null || true; done
  for _ in $(seq "$2"); do running "$1" || return 0; sleep 0.1; done
  return 1
}

stop_execd_without_qmaster() {
  terminate sge_execd 100 || die "sge_execd did not stop"
}

# qconf, quiet unless it fails (it reports successes on stderr too).
qc() {
  local out
  out="$(qconf "$@" 2>&1)" || { printf '%s\n' "${out}" >&2; die "qconf $* failed"; }
}

stop_daemons() {
  if running sge_execd; then
    # Through the qmaster, the execd also kills its jobs (-kej); without it, SIGTERM.
    if qmaster_answers; then qconf -kej all >/dev/null 2>&1 || true; fi
    for _ in $(seq 50); do running sge_execd || break; sleep 0.1; done
    terminate sge_execd 100 || die "sge_execd did not stop"
  fi
  if running sge_qmaster; then
    # A controlled shutdown (qconf -km or SIGTERM) takes about 8 s.
    terminate sge_qmaster 300 || die "sge_qmaster did not stop"
  fi
}

# Apply a configuration file with $2 (add) or $3 (modify) unless `qconf $4 $5` already shows
# the same attributes (compared without whitespace differences and continuation lines).
normalize() { sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*//; ta' | awk 'NF {$1 = $1; print}' | sort; }

apply() {
  local file="$1" add="$2" modify="$3" show="$4" name="$5" current
  if current="$(qconf "${show}" "${name}" 2>/dev/null)"; then
    if [ "$(normalize <<<"${current}")" != "$(normalize < "${file}")" ]; then
      qc "${modify}" "${file}"
    fi
  else
    qc "${add}" "${file}"
  fi
}

configure() {
  local host="$1" dir slots
  slots="$(nproc)"
  dir="$(mktemp -d)"
  CONF_DIR="${dir}"
  trap 'rm -rf "${CONF_DIR}"' EXIT

  qconf -ss 2>/dev/null | grep -qx "${host}" || qc -as "${host}"

  # Root submits the test jobs: the default min_uid/min_gid of 1000 would refuse them.
  # login_shells none: with the default list a job's sh/bash runs as a login shell and
  # sources /etc/profile and root's ~/.profile and ~/.bashrc, which reset PATH.
  qconf -sconf global | grep -v '^#' \
    | sed -E -e 's/^(min_uid|min_gid)[[:space:]].*/\1 0/' \
             -e 's/^(login_shells|execd_params)[[:space:]].*/\1 none/' \
             -e 's/^(load_report_time)[[:space:]].*/\1 00:00:05/' > "${dir}/global"
  if [ "$(qconf -sconf global | grep -v '^#' | normalize)" != "$(normalize < "${dir}/global")" ]; then
    qc -Mconf "${dir}/global"
  fi

  # Schedule within a second of a submission rather than every 15 s.
  qconf -ssconf | sed -E -e 's/^(schedule_interval)[[:space:]].*/\1 0:0:1/' \
    -e 's/^(flush_submit_sec|flush_finish_sec)[[:space:]].*/\1 1/' > "${dir}/sconf"
  if [ "$(qconf -ssconf | normalize)" != "$(normalize < "${dir}/sconf")" ]; then
    qc -Msconf "${dir}/sconf"
  fi

  cat > "${dir}/exechost" <<EOF
hostname              ${host}
load_scaling          NONE
complex_values        NONE
user_lists            NONE
xuser_lists           NONE
projects              NONE
xprojects             NONE
usage_scaling         NONE
report_variables      NONE
EOF
  qconf -se "${host}" >/dev/null 2>&1 || qc -Ae "${dir}/exechost"

  cat > "${dir}/pe" <<EOF
pe_name            ${PE_NAME}
slots              999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    \$fill_up
control_slaves     TRUE
job_is_first_task  FALSE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  apply "${dir}/pe" -Ap -Mp -sp "${PE_NAME}"

  # SGE's own defaults, except: this host only, one slot per CPU, the mpi PE, and no load
  # threshold (a busy 2-CPU machine would otherwise put the queue in alarm state).
  cat > "${dir}/queue" <<EOF
qname                 ${QUEUE}
hostlist              ${host}
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               ${PE_NAME}
rerun                 FALSE
slots                 ${slots}
tmpdir                /tmp
shell                 /bin/sh
prolog                NONE
epilog                NONE
shell_start_mode      posix_compliant
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
  apply "${dir}/queue" -Aq -Mq -sq "${QUEUE}"
}

# The state column of the queue instance in `qstat -f` ("" when it is usable), or "missing".
queue_state() {
  qstat -f -q "${QUEUE}@$1" 2>/dev/null \
    | awk -v qi="${QUEUE}@$1" '$1 == qi {print ($6 == "" ? "ok" : $6); found = 1}
                              END {if (!found) print "missing"}'
}

wait_for_queue() {
  local host="$1" state=missing
  for _ in $(seq 300); do
    state="$(queue_state "${host}")"
    case "${state}" in
      ok) return 0 ;;
      *E*) qmod -c "${QUEUE}@${host}" >/dev/null 2>&1 || true ;;
      *d*) qmod -e "${QUEUE}@${host}" >/dev/null 2>&1 || true ;;
    esac
    sleep 0.2
  done
  qstat -f -explain aAcE >&2 || true
  tail -n 20 "${LOG}" >&2 || true
  die "queue instance ${QUEUE}@${host} is not usable (state ${state})"
}

start() {
  local host
  [ "$(id -u)" = 0 ] || die "start needs root"
  if [ ! -x /usr/sbin/sge_qmaster ] || [ ! -x /usr/sbin/sge_execd ]; then
    die "run '$0 install' first"
  fi
  host="$(host_name)"
  if [ -n "$(resolve_host "${host}")" ]; then
    stop_daemons  # daemons started before host_aliases changed keep the old names
  fi
  mkdir -p "${SPOOL}"
  if ! running sge_qmaster; then
    # An execd left from a previous qmaster takes up to a minute to re-register: restart it.
    stop_execd_without_qmaster
    start_daemon sge_qmaster
  fi
  for _ in $(seq 150); do qmaster_answers && break; sleep 0.2; done
  qmaster_answers || { tail -n 20 "${SPOOL}/qmaster/messages" >&2 || true; die "sge_qmaster does not answer"; }
  configure "${host}"
  if ! running sge_execd; then
    start_daemon sge_execd
  fi
  wait_for_queue "${host}"
}

stop() {
  [ "$(id -u)" = 0 ] || die "stop needs root"
  stop_daemons
}

print_env() {
  local path=/usr/bin
  if [[ ":${PATH:-}:" == *":/usr/bin:"* ]]; then path="${PATH}"; else path="/usr/bin:${PATH:-/bin}"; fi
  printf 'SGE_ROOT=%s\nSGE_CELL=%s\nSGE_QMASTER_PORT=%s\nSGE_EXECD_PORT=%s\nPATH=%s\n' \
    "${SGE_ROOT}" "${SGE_CELL}" "${SGE_QMASTER_PORT}" "${SGE_EXECD_PORT}" "${path}"
}

# One provisioning step at a time (parallel test workers may all call start).
lock() {
  mkdir -p /run/lock
  exec 9>/run/lock/provision-sge.lock
  flock 9
}

case "${1:-}" in
  install) lock; install ;;
  start) lock; start ;;
  stop) lock; stop ;;
  env) print_env ;;
  *) die "usage: provision-sge.sh install | start | stop | env" ;;
esac
