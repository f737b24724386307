#!/usr/bin/env bash
# A real schema registry for tests, the demo and local runs: Apicurio Registry, whose Confluent-compatible
# API (/apis/ccompat/v7) is what the scorer and its tests talk to. The application comes from Maven
# Central once (io.apicurio:apicurio-registry-app, the `all` tar.gz) and runs on Java 21 or newer with
# in-memory storage: every start begins empty. Everything lives under .registry/ (git-ignored).
#
#   bash scripts/registry/registry.sh start|stop|restart|status|logs [lines]|url|version|java
#
# `url` prints the Confluent-compatible URL (what SCHEMA_REGISTRY_URL and schemaRegistry.url take);
# `java` prints the Java 21+ binary start would use, or fails naming where it looked.
#
# Environment: REGISTRY_HOST (127.0.0.1), REGISTRY_PORT (8081: config/local.yaml's registry),
# REGISTRY_MANAGEMENT_PORT (8082: /health/ready), REGISTRY_HEAP_OPTS (-Xmx256m), REGISTRY_OPTS (more JVM
# options, e.g. -Dquarkus.log.level=DEBUG), REGISTRY_READY_TIMEOUT_S (120), REGISTRY_STOP_TIMEOUT_S (20),
# REGISTRY_STATE_DIR (.registry), JAVA21_HOME (a JDK to use instead of searching).
set -euo pipefail
service_name=registry
# shellcheck source=scripts/lib/service.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/service.sh"

# The pinned release; the artifact is the runnable application, nothing is built.
APICURIO_VERSION=3.3.3
# The plugin the broker's pom uses too, so a machine that resolved the broker has it.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

version="$APICURIO_VERSION"
host="${REGISTRY_HOST:-127.0.0.1}"
port="${REGISTRY_PORT:-8081}"
management_port="${REGISTRY_MANAGEMENT_PORT:-8082}"
state_dir="$(state_dir_of "${REGISTRY_STATE_DIR:-$repo_root/.registry}")"
app_dir="$state_dir/$version/app"
pid_file="$state_dir/registry.pid" # "<pid> <version> <host> <port> <management port>"
log_file="$state_dir/registry.log"

registry_pid() { running_pid "$pid_file" "-jar $app_dir/quarkus-run.jar"; }
running_field() { pid_field "$pid_file" "$1"; }
ccompat_url() { echo "http://$1:$2/apis/ccompat/v7"; }

# JDK homes to try, best guesses first: JAVA21_HOME, JAVA_HOME, the java on PATH, what update-alternatives
# knows, and every JDK beside those (the directory that holds the default JDK usually holds the others,
# which update-alternatives may not list).
java_candidates() {
  local seen=() bin
  for bin in "${JAVA21_HOME:+$JAVA21_HOME/bin/java}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)" \
    $(update-alternatives --list java 2>/dev/null || true); do
    [ -n "$bin" ] && [ -x "$bin" ] || continue
    bin="$(readlink -f "$bin")"
    seen+=("$bin")
  done
  local jvm_dirs=() b
  for b in "${seen[@]}"; do jvm_dirs+=("$(dirname "$(dirname "$(dirname "$b")")")"); done
  printf '%s\n' "${seen[@]}"
  [ "${#jvm_dirs[@]}" -gt 0 ] || return 0
  for b in $(printf '%s\n' "${jvm_dirs[@]}" | sort -u); do
    for bin in "$b"/*/bin/java; do [ -x "$bin" ] && readlink -f "$bin"; done
  done
}

# Prints the java to run the registry with: JAVA21_HOME's if set (and it must be 21+), otherwise the
# newest 21+ among the candidates.
find_java() {
  if [ -n "${JAVA21_HOME:-}" ]; then
    local major
    major="$(java_major "$JAVA21_HOME/bin/java")"
    [ "${major:-0}" -ge 21 ] 2>/dev/null || die "JAVA21_HOME=$JAVA21_HOME is not a Java 21 or newer JDK (its bin/java reports ${major:-nothing})"
    echo "$JAVA21_HOME/bin/java"
    return 0
  fi
  local best="" best_major=0 bin major tried=()
  while read -r bin; do
    major="$(java_major "$bin")"
    tried+=("$bin (${major:-?})")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best="$bin"
      best_major="$major"
    fi
  done < <(java_candidates | awk '!seen[$0]++')
  [ -n "$best" ] ||
    die "Apicurio Registry needs Java 21 or newer; found ${tried[*]:-no java at all} (looked at JAVA21_HOME, JAVA_HOME, PATH, update-alternatives and the JDKs beside them). Install one (e.g. 'apt-get install openjdk-21-jre-headless' where Debian has it) or set JAVA21_HOME"
  echo "$best"
}

# The application into .registry/<version>/app, once. The marker is written last: an interrupted
# download or unpack is done again.
resolve_app() {
  [ "$(cat "$app_dir/.complete" 2>/dev/null)" = "$version" ] && return 0
  require_mvn "Apicurio Registry"
  local t0 download="$state_dir/$version/download"
  t0="$(now_ms)"
  say "fetching io.apicurio:apicurio-registry-app:$version (all, tar.gz, about 160 MB) from Maven Central into ${state_dir#"$repo_root"/}"
  rm -rf "$download" "$app_dir"
  mkdir -p "$download"
  if ! mvn -B "$DEPENDENCY_PLUGIN:copy" -Dartifact="io.apicurio:apicurio-registry-app:$version:tar.gz:all" \
    -DoutputDirectory="$download" >"$state_dir/$version/resolve.log" 2>&1; then
    # Debian's Maven 3.8 writes colour codes even in batch mode; strip them from what we show.
    grep -E 'ERROR|BUILD' "$state_dir/$version/resolve.log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 20 >&2
    die "maven could not fetch io.apicurio:apicurio-registry-app:$version (full log: ${state_dir#"$repo_root"/}/$version/resolve.log)"
  fi
  mkdir -p "$app_dir"
  tar -xzf "$download/apicurio-registry-app-$version-all.tar.gz" -C "$app_dir" || die "could not unpack the registry into $app_dir"
  [ -f "$app_dir/quarkus-run.jar" ] || die "no quarkus-run.jar in $app_dir after unpacking"
  rm -rf "$download"
  echo "$version" >"$app_dir/.complete"
  say "fetched and unpacked in $(secs_since "$t0") s"
}

# http_status HOST PORT PATH: the status code of a GET, with bash alone (no curl on a bare machine), or
# nothing when nobody answers within 2 s.
http_status() {
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" "$2" "$0" >&3
    read -r _ code _ <&3 && echo "$code"' "$1" "$2" "$3" 2>/dev/null || true
}

# Ready means both: the management port's readiness check (storage up) and the ccompat API answering.
wait_ready() {
  local pid="$1" deadline=$((SECONDS + ${REGISTRY_READY_TIMEOUT_S:-120}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$pid" 2>/dev/null || abandon_start "$pid_file" "$log_file" "$pid" "the registry process exited while starting"
    if [ "$(http_status "$host" "$management_port" /health/ready)" = 200 ] &&
      [ "$(http_status "$host" "$port" /apis/ccompat/v7/subjects)" = 200 ]; then
      return 0
    fi
    sleep 0.5
  done
  abandon_start "$pid_file" "$log_file" "$pid" "not ready on $host:$port within ${REGISTRY_READY_TIMEOUT_S:-120} s"
}

cmd_start() {
  local pid
  if pid="$(registry_pid)"; then
    say "apicurio registry $(running_field 2) already running (pid $pid) on $(ccompat_url "$(running_field 3)" "$(running_field 4)")"
    return 0
  fi
  local p
  for p in "$port" "$management_port"; do
    port_in_use "$p" "$host" && die "port $host:$p is taken by another process (another registry?); free it or set REGISTRY_PORT/REGISTRY_MANAGEMENT_PORT"
  done
  local java heap extra
  java="$(find_java)"
  mkdir -p "$state_dir"
  resolve_app
  read -r -a heap <<<"${REGISTRY_HEAP_OPTS:--Xmx256m}"
  read -r -a extra <<<"${REGISTRY_OPTS:-}"
  local t0
  t0="$(now_ms)"
  # In-memory storage (an H2 database in the JVM) is the application's default; the management
  # interface (health) binds the same host, not every interface as it would by default. No access log:
  # a line per request would bury the start-up and errors that `logs` (and CI on a failure) shows.
  launch_detached "$pid_file" "$log_file" "$version $host $port $management_port" \
    "$java" "${heap[@]}" -Djava.awt.headless=true "-Dquarkus.http.host=$host" "-Dquarkus.http.port=$port" \
    "-Dquarkus.management.host=$host" "-Dquarkus.management.port=$management_port" \
    -Dquarkus.http.access-log.enabled=false "${extra[@]}" -jar "$app_dir/quarkus-run.jar"
  pid="$(running_field 1)"
  wait_ready "$pid"
  say "started pid $pid (Java $(java_major "$java")) in $(secs_since "$t0") s; log: ${log_file#"$repo_root"/}"
  echo "apicurio registry $version ready on $(ccompat_url "$host" "$port")"
}

cmd_stop() {
  local pid
  if ! pid="$(registry_pid)"; then
    say "the registry is not running"
    return 0
  fi
  local t0
  t0="$(now_ms)"
  stop_pid "$pid" "${REGISTRY_STOP_TIMEOUT_S:-20}"
  rm -f "$pid_file"
  say "apicurio registry stopped (pid $pid) in $(secs_since "$t0") s"
}

# Exit 0 when running, 3 when not (the LSB convention), so scripts can branch on it.
cmd_status() {
  local pid
  if pid="$(registry_pid)"; then
    echo "apicurio registry $(running_field 2) running (pid $pid) on $(ccompat_url "$(running_field 3)" "$(running_field 4)")"
    return 0
  fi
  echo "the registry is not running"
  return 3
}

cmd_logs() {
  [ -f "$log_file" ] || die "no registry log yet (${log_file#"$repo_root"/})"
  tail -n "${1:-60}" "$log_file"
}

# The running registry's URL, else the one start would serve.
cmd_url() {
  if registry_pid >/dev/null 2>&1; then ccompat_url "$(running_field 3)" "$(running_field 4)"; else ccompat_url "$host" "$port"; fi
}

case "${1:-}" in
  start | stop | restart) take_lock "$state_dir" ;;
esac

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart)
    cmd_stop
    cmd_start
    ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  url) cmd_url ;;
  version) echo "$version" ;;
  java) find_java ;;
  *)
    echo "usage: bash scripts/registry/registry.sh start|stop|restart|status|logs [lines]|url|version|java" >&2
    exit 2
    ;;
esac
