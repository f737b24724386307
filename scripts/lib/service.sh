# shellcheck shell=bash disable=SC2034 # repo_root is used by the scripts that source this
# Shared by the scripts that run a local service from Maven Central jars (scripts/kafka/broker.sh,
# scripts/registry/registry.sh): messages, timing, ports, pid files, the lock, a detached launch and a
# stop. Sourced, not run; expects `set -euo pipefail` and `service_name` (every message's prefix) from
# the caller.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

die() { echo "$service_name: $*" >&2; exit 1; }
say() { echo "$service_name: $*"; }
now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
major_of() { echo "${1%%.*}"; }

# An absolute, physical path for a state directory given relative or through links: the running
# service's command line names the directory it was started with, and a checkout whose state directory
# links to another's must recognise that process as its own, not clear its pid file.
state_dir_of() {
  local dir="$1"
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  if [ -d "$dir" ]; then dir="$(cd -P "$dir" && pwd -P)"; fi
  echo "$dir"
}

port_in_use() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# require_mvn WHAT: WHAT is what Maven resolves, for the message when it is missing.
require_mvn() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH: Maven resolves $1 from Maven Central ('apt-get install maven')"
}

# java_major JAVA: the major version a java binary reports (Java 8 reports 1.8), empty if it does not run.
java_major() {
  local spec
  spec="$("$1" -XshowSettings:properties -version 2>&1 | awk '/java.specification.version/ { print $3 }')" || true
  spec="${spec#1.}"
  echo "${spec%%.*}"
}

# running_pid PID_FILE MARK: prints the pid recorded first in PID_FILE and returns 0 when that process
# runs and its command line contains MARK (so a recycled pid is not taken for ours); clears a stale pid
# file otherwise.
running_pid() {
  local pid_file="$1" mark="$2" pid
  [ -f "$pid_file" ] || return 1
  read -r pid _ <"$pid_file" || true
  if [ -n "${pid:-}" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$mark"; then
    echo "$pid"
    return 0
  fi
  echo "$service_name: removing stale pid file (pid ${pid:-none} is not our $service_name)" >&2
  rm -f "$pid_file"
  return 1
}

# Field N of the pid file's one line (pid first, then what the service recorded about itself).
pid_field() { awk -v n="$2" '{ print $n }' "$1"; }

# launch_detached PID_FILE LOG_FILE FIELDS COMMAND...: starts COMMAND in a session of its own (a Ctrl-C
# or a killed process group of the caller does not take it down half-way; only a stop does), its output
# in LOG_FILE (the previous one kept as LOG_FILE.1), and writes "<pid> FIELDS" to PID_FILE: the JVM's own
# pid (exec keeps it), then what the caller records about it. The service does not inherit the lock (fd 9).
launch_detached() {
  local pid_file="$1" log_file="$2" fields="$3"
  shift 3
  [ -f "$log_file" ] && mv -f "$log_file" "$log_file.1"
  local launched="$pid_file.new" i
  rm -f "$launched"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$launched" "$@" >"$log_file" 2>&1 </dev/null 9>&- &
  for i in $(seq 1 50); do [ -s "$launched" ] && break; sleep 0.1; done
  [ -s "$launched" ] || die "the $service_name process did not start"
  echo "$(cat "$launched") $fields" >"$pid_file"
  rm -f "$launched"
}

# abandon_start PID_FILE LOG_FILE PID MESSAGE: a service that did not come up: show why (the log's last
# lines), leave nothing half-started behind, and die with MESSAGE.
abandon_start() {
  local pid_file="$1" log_file="$2" pid="$3"
  shift 3
  echo "$service_name: --- last lines of ${log_file#"$repo_root"/} ---" >&2
  tail -n 40 "$log_file" >&2 || true
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  die "$@"
}

# stop_pid PID TIMEOUT_S: SIGTERM (the JVM's shutdown hooks run), then SIGKILL after TIMEOUT_S.
stop_pid() {
  local pid="$1" limit=$(($2 * 10)) i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "pid $pid still running after $2 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# take_lock DIR: several shells share one checkout (and so one service): start, stop and reset take
# turns on DIR/<service>.lock, held on fd 9 until the script exits.
take_lock() {
  mkdir -p "$1"
  exec 9>"$1/$service_name.lock"
  flock -w 300 9 || die "another $service_name script has held $1/$service_name.lock for 5 minutes"
}
