#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker + controller in one JVM) for tests, the demo and local
# runs, from the broker's jars on Maven Central. Everything lives under .kafka/ (git-ignored).
#
#   bash scripts/kafka/broker.sh start|stop|restart|status|logs [lines]|reset|version
#
# Environment: KAFKA_VERSION (default: the pinned release in lib.sh; 3.9.x works too), KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS, KAFKA_OPTS, KAFKA_READY_TIMEOUT_MS (90000),
# KAFKA_STOP_TIMEOUT_S (30).
set -euo pipefail
# shellcheck source=scripts/kafka/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Jars into .kafka/<version>/libs. The marker holds the pom's checksum: an interrupted copy, or a changed
# pom, resolves again.
resolve_libs() {
  local stamp
  stamp="$(sha256sum "$kafka_dir/pom.xml" | cut -d' ' -f1)"
  [ "$(cat "$libs_dir/.complete" 2>/dev/null)" = "$stamp" ] && return 0
  require_mvn
  local t0 logging
  t0="$(now_ms)"
  logging="$(logging_of "$version")"
  say "resolving kafka_2.13:$version ($logging) from Maven Central into ${libs_dir#"$repo_root"/}"
  rm -rf "$libs_dir"
  mkdir -p "$version_dir"
  if ! mvn -B -f "$kafka_dir/pom.xml" -Dkafka.version="$version" -Dkafka.logging="$logging" \
    -Dkafka.libs="$libs_dir" dependency:copy-dependencies >"$version_dir/resolve.log" 2>&1; then
    # Debian's Maven 3.8 writes colour codes even in batch mode; strip them from what we show.
    grep -E 'ERROR|BUILD' "$version_dir/resolve.log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 20 >&2
    die "maven could not resolve org.apache.kafka:kafka_2.13:$version (is the version right? full log: ${version_dir#"$repo_root"/}/resolve.log)"
  fi
  [ -n "$(ls "$libs_dir"/kafka_2.13-*.jar 2>/dev/null)" ] || die "no kafka_2.13 jar in $libs_dir after resolving"
  echo "$stamp" >"$libs_dir/.complete"
  say "resolved in $(secs_since "$t0") s"
}

# Rewritten on every start, so a changed port applies without a reformat.
write_props() {
  mkdir -p "$version_dir" "$data_dir"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@DATA_DIR@|$data_dir|g" \
    "$kafka_dir/server.properties.in" >"$props_file"
}

jvm_logging_opt() {
  if [ "$(logging_of "$version")" = log4j2 ]; then
    echo "-Dlog4j2.configurationFile=$kafka_dir/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$kafka_dir/log4j.properties"
  fi
}

# Fills java_cmd: the JVM and its options up to the main class. Small heap: the machine is shared, and a
# dev broker's data lives in the page cache, not on the heap.
build_java_cmd() {
  local heap extra
  read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
  read -r -a extra <<<"${KAFKA_OPTS:-}"
  java_cmd=(java "${heap[@]}" "$(jvm_logging_opt)" -Djava.awt.headless=true
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    "${extra[@]}" -cp "$libs_dir/*")
}

# KRaft storage is formatted once per data directory; later starts keep topics and offsets.
format_storage() {
  [ -f "$data_dir/meta.properties" ] && return 0
  local t0 cluster_id
  t0="$(now_ms)"
  # A cluster id is 16 random bytes in URL-safe base64 without padding, as `kafka-storage random-uuid` prints.
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  build_java_cmd
  if ! "${java_cmd[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$props_file" >"$version_dir/format.log" 2>&1; then
    cat "$version_dir/format.log" >&2
    die "formatting KRaft storage in $data_dir failed"
  fi
  say "formatted ${data_dir#"$repo_root"/} (cluster $cluster_id) in $(secs_since "$t0") s"
}

# setsid puts the broker in its own session: a Ctrl-C or a killed process group of the caller does not
# take it down half-way; only `stop` does. The wrapper writes the JVM's own pid (exec keeps it).
launch() {
  [ -f "$log_file" ] && mv -f "$log_file" "$log_file.1"
  local launched="$kafka_home/broker.pid.new"
  rm -f "$launched"
  build_java_cmd
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$launched" "${java_cmd[@]}" kafka.Kafka "$props_file" \
    >"$log_file" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 50); do [ -s "$launched" ] && break; sleep 0.1; done
  [ -s "$launched" ] || die "the broker process did not start"
  echo "$(cat "$launched") $version $port" >"$pid_file"
  rm -f "$launched"
}

wait_ready() {
  local pid="$1" rc=0
  node --disable-warning=TimeoutNegativeWarning "$kafka_dir/wait-ready.ts" --brokers "127.0.0.1:$port" --pid "$pid" \
    --timeout-ms "${KAFKA_READY_TIMEOUT_MS:-90000}" || rc=$?
  [ "$rc" -eq 0 ] && return 0
  echo "broker: --- last lines of ${log_file#"$repo_root"/} ---" >&2
  tail -n 40 "$log_file" >&2 || true
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  die "kafka $version did not become ready on 127.0.0.1:$port"
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    local running_version
    running_version="$(running_field 2)"
    [ "$running_version" = "$version" ] ||
      die "kafka $running_version is running (pid $pid); stop it before starting $version"
    say "kafka $version already running (pid $pid) on 127.0.0.1:$(running_field 3)"
    return 0
  fi
  for p in "$port" "$controller_port"; do
    port_in_use "$p" && die "port 127.0.0.1:$p is taken by another process (another broker?); free it or set KAFKA_PORT/KAFKA_CONTROLLER_PORT"
  done
  require_java
  require_node
  mkdir -p "$kafka_home"
  resolve_libs
  write_props
  format_storage
  local t0
  t0="$(now_ms)"
  launch
  pid="$(running_field 1)"
  wait_ready "$pid"
  say "started pid $pid in $(secs_since "$t0") s; log: ${log_file#"$repo_root"/}"
  echo "kafka $version ready on 127.0.0.1:$port"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "kafka is not running"
    return 0
  fi
  set_version_paths "$(running_field 2)"
  local t0 limit=$((${KAFKA_STOP_TIMEOUT_S:-30} * 10)) i
  t0="$(now_ms)"
  # SIGTERM runs the broker's shutdown hook: a controlled shutdown that flushes and closes the logs, so
  # the next start needs no log recovery.
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid still running after ${KAFKA_STOP_TIMEOUT_S:-30} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pid_file"
  say "kafka $version stopped (pid $pid) in $(secs_since "$t0") s"
}

# Exit 0 when running, 3 when not (the LSB convention), so scripts can branch on it.
cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "kafka $(running_field 2) running (pid $pid) on 127.0.0.1:$(running_field 3)"
    return 0
  fi
  echo "kafka is not running"
  return 3
}

cmd_logs() {
  running_pid >/dev/null 2>&1 && set_version_paths "$(running_field 2)"
  [ -f "$log_file" ] || die "no broker log for kafka $version yet (${log_file#"$repo_root"/})"
  tail -n "${1:-60}" "$log_file"
}

# Drops the data of one version (topics, offsets, the cluster id); the jars stay.
cmd_reset() {
  running_pid >/dev/null 2>&1 && die "stop the broker before resetting its data"
  rm -rf "$data_dir"
  say "removed ${data_dir#"$repo_root"/}"
}

# Several shells share one checkout (and so one broker): start, stop and reset take turns. The broker
# itself does not inherit the lock (launch closes fd 9).
take_lock() {
  mkdir -p "$kafka_home"
  exec 9>"$kafka_home/broker.lock"
  flock -w 300 9 || die "another broker.sh has held $kafka_home/broker.lock for 5 minutes"
}

case "${1:-}" in
  start | stop | restart | reset) take_lock ;;
esac

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart)
    # stop switches to the running broker's version; start the one asked for.
    requested="$version"
    cmd_stop
    set_version_paths "$requested"
    cmd_start
    ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  reset) cmd_reset ;;
  version) echo "$version" ;;
  *)
    echo "usage: bash scripts/kafka/broker.sh start|stop|restart|status|logs [lines]|reset|version" >&2
    exit 2
    ;;
esac
