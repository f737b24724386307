#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker + controller in one JVM) for tests, the demo and local
# runs, from the broker's jars on Maven Central. Everything lives under .kafka/ (git-ignored).
#
#   bash scripts/kafka/broker.sh start|stop|restart|status|logs [lines]|reset|version|security
#
# Listeners: PLAINTEXT on 127.0.0.1:9092 (what the tests use), SASL_SSL on localhost:9094 (PLAIN,
# SCRAM-SHA-256, SCRAM-SHA-512) and SSL on localhost:9095 (mutual TLS). `security` prints the path of
# .kafka/security.json: the secure listeners' addresses, CA and client certificates, and users.
#
# Environment: KAFKA_VERSION (default: the pinned release in lib.sh; 3.9.x works too), KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), KAFKA_SASL_SSL_PORT (9094), KAFKA_SSL_PORT (9095), KAFKA_HEAP_OPTS,
# KAFKA_OPTS, KAFKA_READY_TIMEOUT_MS (90000), KAFKA_STOP_TIMEOUT_S (30), KAFKA_STATE_DIR (.kafka: the
# broker's pid, lock, properties, log and data; another directory, with other ports, runs a second broker
# beside the first, e.g. test/integration/broker-restart.test.ts's private one; jars and test certificates
# stay shared under .kafka/).
set -euo pipefail
# shellcheck source=scripts/kafka/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Jars into .kafka/<version>/libs. The marker holds the pom's checksum: an interrupted copy, or a changed
# pom, resolves again.
resolve_libs() {
  local stamp
  stamp="$(sha256sum "$kafka_dir/pom.xml" | cut -d' ' -f1)"
  [ "$(cat "$libs_dir/.complete" 2>/dev/null)" = "$stamp" ] && return 0
  require_mvn "the broker's jars"
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

# issue_cert DIR NAME SUBJECT ISSUER EXTENSIONS: a key NAME-key.pem and a certificate NAME.pem signed by
# ISSUER (self-signed when ISSUER is NAME). The key is RSA in unencrypted PKCS#8 (what genpkey writes),
# which both Kafka's PEM store and Node read. A CSR and `x509 -req` rather than `x509 -new` or `req -x509`,
# so the extensions are exactly ours and any OpenSSL from 1.1 on does it. OpenSSL's chatter goes to
# DIR/openssl.log, shown only when a step fails.
issue_cert() {
  local dir="$1" name="$2" subject="$3" issuer="$4" ext="$5" sign log="$1/openssl.log"
  if [ "$issuer" = "$name" ]; then
    sign=(-signkey "$dir/$name-key.pem")
  else
    sign=(-CA "$dir/$issuer.pem" -CAkey "$dir/$issuer-key.pem")
  fi
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$name-key.pem" >>"$log" 2>&1 &&
    openssl req -new -key "$dir/$name-key.pem" -subj "$subject" -out "$dir/$name.csr" >>"$log" 2>&1 &&
    openssl x509 -req -in "$dir/$name.csr" "${sign[@]}" -days 3650 -sha256 -set_serial "0x$(openssl rand -hex 16)" \
      -extfile <(printf '%s\n' "$ext") -out "$dir/$name.pem" >>"$log" 2>&1 &&
    rm -f "$dir/$name.csr"
}

tls_files=(ca.pem ca-key.pem broker-keystore.pem client.pem client-key.pem
  untrusted-ca.pem untrusted-client.pem untrusted-client-key.pem)

# The test PKI, made once: a CA, the broker's certificate (DNS:localhost only, no IP: a client dialing
# 127.0.0.1 with hostname verification must fail), a client certificate for mutual TLS, and an unrelated
# CA with a client of its own for the negative tests. All of it is made again when a file is missing or
# the broker's certificate is about to expire: half a set would not chain.
ensure_tls() {
  local f complete=1
  for f in "${tls_files[@]}"; do [ -s "$tls_dir/$f" ] || complete=0; done
  if [ "$complete" = 1 ] && openssl x509 -checkend 86400 -noout -in "$tls_dir/broker-keystore.pem" >/dev/null; then
    return 0
  fi
  local t0 new="$tls_dir.new" ca_ext leaf_ext
  t0="$(now_ms)"
  ca_ext=$'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash'
  leaf_ext=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid'
  rm -rf "$new"
  mkdir -p "$new"
  if ! (
    umask 077
    issue_cert "$new" ca "/CN=stream-scorer test CA" ca "$ca_ext" &&
      issue_cert "$new" broker "/CN=localhost" ca "$leaf_ext"$'\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost' &&
      issue_cert "$new" client "/CN=stream-scorer-test-client" ca "$leaf_ext"$'\nextendedKeyUsage=clientAuth' &&
      issue_cert "$new" untrusted-ca "/CN=stream-scorer untrusted test CA" untrusted-ca "$ca_ext" &&
      issue_cert "$new" untrusted-client "/CN=stream-scorer-untrusted-client" untrusted-ca "$leaf_ext"$'\nextendedKeyUsage=clientAuth' &&
      # The broker's PEM keystore is one file: its key, then its certificate.
      cat "$new/broker-key.pem" "$new/broker.pem" >"$new/broker-keystore.pem"
  ); then
    cat "$new/openssl.log" >&2 2>/dev/null || true
    die "openssl could not make the test certificates in ${new#"$repo_root"/}"
  fi
  rm -f "$new/openssl.log"
  rm -rf "$tls_dir"
  mv "$new" "$tls_dir"
  say "made test certificates in ${tls_dir#"$repo_root"/} in $(secs_since "$t0") s"
}

# One user per mechanism, with random passwords made once: hex, so they need no quoting in JAAS or in
# --add-scram. Tests read them from security.json.
ensure_users() {
  [ -s "$users_file" ] && return 0
  (
    umask 077
    for mechanism in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
      echo "$mechanism scorer-${mechanism,,} $(openssl rand -hex 16)"
    done >"$users_file.new"
  )
  mv "$users_file.new" "$users_file"
  say "made SASL users in ${users_file#"$repo_root"/}"
}

# user_field MECHANISM 2|3: the username or the password.
user_field() { awk -v m="$1" -v n="$2" '$1 == m { print $n }' "$users_file"; }

# Rewritten on every start, so a changed port applies without a reformat.
write_props() {
  mkdir -p "$version_dir" "$data_dir"
  local listeners=",SASL_SSL://127.0.0.1:$sasl_ssl_port,SSL://127.0.0.1:$ssl_port"
  local advertised=",SASL_SSL://localhost:$sasl_ssl_port,SSL://localhost:$ssl_port"
  if has_ipv6_loopback; then
    listeners+=",SASL_SSL_V6://[::1]:$sasl_ssl_port,SSL_V6://[::1]:$ssl_port"
    advertised+=",SASL_SSL_V6://localhost:$sasl_ssl_port,SSL_V6://localhost:$ssl_port"
  fi
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@DATA_DIR@|$data_dir|g" \
    -e "s|@SECURE_LISTENERS@|$listeners|g" -e "s|@SECURE_ADVERTISED@|$advertised|g" -e "s|@TLS_DIR@|$tls_dir|g" \
    -e "s|@PLAIN_USER@|$(user_field PLAIN 2)|g" -e "s|@PLAIN_PASSWORD@|$(user_field PLAIN 3)|g" \
    "$kafka_dir/server.properties.in" >"$props_file"
}

# What a test needs to reach the secure listeners. Written by node for proper JSON escaping, and renamed
# into place, so a test reading it meanwhile sees the old file or the new one, never half of one.
write_security_file() {
  # shellcheck disable=SC2016 # ${...} here are JavaScript template literals
  node -e '
    const fs = require("node:fs");
    const [file, tls, saslSslPort, sslPort, usersFile] = process.argv.slice(1);
    const users = {};
    for (const line of fs.readFileSync(usersFile, "utf8").trim().split("\n")) {
      const [mechanism, username, password] = line.split(" ");
      users[mechanism.toLowerCase()] = { username, password };
    }
    const security = {
      saslSslBrokers: [`localhost:${saslSslPort}`],
      sslBrokers: [`localhost:${sslPort}`],
      caFile: `${tls}/ca.pem`,
      clientCertFile: `${tls}/client.pem`,
      clientKeyFile: `${tls}/client-key.pem`,
      untrustedCaFile: `${tls}/untrusted-ca.pem`,
      untrustedClientCertFile: `${tls}/untrusted-client.pem`,
      untrustedClientKeyFile: `${tls}/untrusted-client-key.pem`,
      users,
    };
    fs.writeFileSync(`${file}.new`, `${JSON.stringify(security, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(`${file}.new`, file);
  ' "$security_file" "$tls_dir" "$sasl_ssl_port" "$ssl_port" "$users_file"
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

# The SCRAM users a data directory was formatted with, as a checksum (the passwords stay in users_file).
scram_fingerprint() { grep '^SCRAM-' "$users_file" | sha256sum | cut -d' ' -f1; }

# KRaft storage is formatted once per data directory; later starts keep topics and offsets. The SCRAM
# users go into the metadata log at format time (KIP-900, --add-scram). Adding them to an existing
# directory would take the Admin API on a running broker (kafka-configs lives in kafka-tools, which the
# pom does not resolve), so a directory formatted without them (no marker: an older broker.sh) or with
# other passwords is formatted again, once: a dev broker's topics are cheap to lose.
format_storage() {
  local fingerprint
  fingerprint="$(scram_fingerprint)"
  if [ -f "$data_dir/meta.properties" ]; then
    [ "$(cat "$scram_marker" 2>/dev/null)" = "$fingerprint" ] && return 0
    say "${data_dir#"$repo_root"/} lacks the SCRAM users of ${users_file#"$repo_root"/}: formatting it again (its topics and offsets go)"
    rm -rf "$data_dir"
    mkdir -p "$data_dir"
  fi
  local t0 cluster_id mechanism scram=()
  t0="$(now_ms)"
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    scram+=(--add-scram "$mechanism=[name=$(user_field "$mechanism" 2),password=$(user_field "$mechanism" 3)]")
  done
  # A cluster id is 16 random bytes in URL-safe base64 without padding, as `kafka-storage random-uuid` prints.
  # It may begin with '-' (1 in 64), which the tool would read as an option after a separate -t.
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  build_java_cmd
  if ! "${java_cmd[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$props_file" "${scram[@]}" \
    >"$version_dir/format.log" 2>&1; then
    cat "$version_dir/format.log" >&2
    die "formatting KRaft storage in $data_dir failed"
  fi
  echo "$fingerprint" >"$scram_marker"
  say "formatted ${data_dir#"$repo_root"/} (cluster $cluster_id, SCRAM users added) in $(secs_since "$t0") s"
}

launch() {
  build_java_cmd
  launch_detached "$pid_file" "$log_file" "$version $port" "${java_cmd[@]}" kafka.Kafka "$props_file"
}

# A broker that did not come up: show why, and leave nothing half-started behind.
abandon_broker_start() { abandon_start "$pid_file" "$log_file" "$@"; }

wait_ready() {
  local pid="$1" rc=0
  node --disable-warning=TimeoutNegativeWarning "$kafka_dir/wait-ready.ts" --brokers "127.0.0.1:$port" --pid "$pid" \
    --timeout-ms "${KAFKA_READY_TIMEOUT_MS:-90000}" || rc=$?
  [ "$rc" -eq 0 ] && return 0
  abandon_broker_start "$pid" "kafka $version did not become ready on 127.0.0.1:$port"
}

# The broker enables all its client listeners at once, after its metadata has caught up, so once
# PLAINTEXT serves, the secure ports are open too. Checked anyway (briefly): a test must never meet a
# "ready" broker whose secure listeners refuse connections.
wait_secure_listeners() {
  local pid="$1" hosts=(127.0.0.1) host p i
  has_ipv6_loopback && hosts+=(::1)
  for host in "${hosts[@]}"; do
    for p in "$sasl_ssl_port" "$ssl_port"; do
      for i in $(seq 1 50); do port_in_use "$p" "$host" && continue 2; sleep 0.1; done
      abandon_broker_start "$pid" "kafka $version serves 127.0.0.1:$port but its secure listener on $host:$p does not accept connections"
    done
  done
}

cmd_start() {
  local pid
  if pid="$(broker_pid)"; then
    local running_version
    running_version="$(running_field 2)"
    [ "$running_version" = "$version" ] ||
      die "kafka $running_version is running (pid $pid); stop it before starting $version"
    say "kafka $version already running (pid $pid) on 127.0.0.1:$(running_field 3)"
    # A broker started by an older broker.sh keeps running without SASL_SSL and SSL until restarted.
    grep -q '^listeners=.*SASL_SSL' "$props_file" 2>/dev/null ||
      say "it has no secure listeners (started before they existed): 'bash scripts/kafka/broker.sh restart' adds them"
    return 0
  fi
  for p in "$port" "$controller_port" "$sasl_ssl_port" "$ssl_port"; do
    port_in_use "$p" && die "port 127.0.0.1:$p is taken by another process (another broker?); free it or set KAFKA_PORT/KAFKA_CONTROLLER_PORT/KAFKA_SASL_SSL_PORT/KAFKA_SSL_PORT"
  done
  require_java
  require_node
  require_openssl
  mkdir -p "$kafka_home"
  resolve_libs
  ensure_tls
  ensure_users
  write_props
  format_storage
  write_security_file
  local t0
  t0="$(now_ms)"
  launch
  pid="$(running_field 1)"
  wait_ready "$pid"
  wait_secure_listeners "$pid"
  say "started pid $pid in $(secs_since "$t0") s; log: ${log_file#"$repo_root"/}"
  say "secure listeners: SASL_SSL localhost:$sasl_ssl_port, SSL (mutual TLS) localhost:$ssl_port; details: ${security_file#"$repo_root"/}"
  echo "kafka $version ready on 127.0.0.1:$port"
}

cmd_stop() {
  local pid
  if ! pid="$(broker_pid)"; then
    say "kafka is not running"
    return 0
  fi
  set_version_paths "$(running_field 2)"
  local t0
  t0="$(now_ms)"
  # SIGTERM runs the broker's shutdown hook: a controlled shutdown that flushes and closes the logs, so
  # the next start needs no log recovery.
  stop_pid "$pid" "${KAFKA_STOP_TIMEOUT_S:-30}"
  rm -f "$pid_file"
  say "kafka $version stopped (pid $pid) in $(secs_since "$t0") s"
}

# Exit 0 when running, 3 when not (the LSB convention), so scripts can branch on it.
cmd_status() {
  local pid
  if pid="$(broker_pid)"; then
    echo "kafka $(running_field 2) running (pid $pid) on 127.0.0.1:$(running_field 3)"
    return 0
  fi
  echo "kafka is not running"
  return 3
}

cmd_logs() {
  broker_pid >/dev/null 2>&1 && set_version_paths "$(running_field 2)"
  [ -f "$log_file" ] || die "no broker log for kafka $version yet (${log_file#"$repo_root"/})"
  tail -n "${1:-60}" "$log_file"
}

# Prints where tests find the secure listeners' details; start writes the file.
cmd_security() {
  [ -f "$security_file" ] ||
    die "no ${security_file#"$repo_root"/} yet: start the broker first ('npm run broker:start')"
  echo "$security_file"
}

# Drops the data of one version (topics, offsets, the cluster id); the jars stay.
cmd_reset() {
  broker_pid >/dev/null 2>&1 && die "stop the broker before resetting its data"
  rm -rf "$data_dir"
  say "removed ${data_dir#"$repo_root"/}"
}

case "${1:-}" in
  start | stop | restart | reset) take_lock "$kafka_home" ;;
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
  security) cmd_security ;;
  *)
    echo "usage: bash scripts/kafka/broker.sh start|stop|restart|status|logs [lines]|reset|version|security" >&2
    exit 2
    ;;
esac
