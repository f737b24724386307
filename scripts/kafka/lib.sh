# shellcheck shell=bash disable=SC2034 # the variables here are used by broker.sh
# Shared by broker.sh: where things live, prerequisites, and whether our broker is running.
# Sourced, not run; expects `set -euo pipefail` from the caller.

service_name=broker
# shellcheck source=scripts/lib/service.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/service.sh"

# The pinned release. docker-compose.yml pins the same apache/kafka image tag; .ci/run checks they agree.
KAFKA_PINNED_VERSION=4.4.0

kafka_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The jars and the test PKI live here, whatever the state directory: a second broker needs no resolving.
shared_home="$repo_root/.kafka"
# A broker's state (pid, lock, properties, log, data): KAFKA_STATE_DIR gives a second broker its own, e.g.
# a test that stops and starts a private broker on other ports while the shared one keeps running.
kafka_home="$(state_dir_of "${KAFKA_STATE_DIR:-$shared_home}")"
pid_file="$kafka_home/broker.pid" # "<pid> <version> <port>": one broker per state directory, whatever its version

version="${KAFKA_VERSION:-$KAFKA_PINNED_VERSION}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
sasl_ssl_port="${KAFKA_SASL_SSL_PORT:-9094}"
ssl_port="${KAFKA_SSL_PORT:-9095}"

# The secure listeners' material, shared by every version: certificates, the SASL users (made once), and
# what a test needs to reach those listeners (rewritten on every start, so it follows the ports).
tls_dir="$shared_home/tls"
users_file="$shared_home/sasl-users" # "<mechanism> <username> <password>" lines
security_file="$kafka_home/security.json"

# Paths of one version; called again when a command acts on the running broker's version.
set_version_paths() {
  version="$1"
  version_dir="$kafka_home/$version"
  libs_dir="$shared_home/$version/libs"
  props_file="$version_dir/server.properties"
  log_file="$version_dir/broker.log"
  data_dir="$kafka_home/data-$version"
  scram_marker="$data_dir/.scram-users" # Kafka reads only directories in log.dirs; this file is ours
}
set_version_paths "$version"

# Kafka 4.x logs through log4j2, 3.x through reload4j (log4j 1.x); the pom and the JVM flags follow this.
logging_of() { if [ "$(major_of "$1")" -ge 4 ]; then echo log4j2; else echo reload4j; fi; }

require_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found on PATH: install a JDK (17 or newer), e.g. 'apt-get install openjdk-17-jre-headless'"
  local have need=11
  have="$(java_major java)"
  [ "$(major_of "$version")" -ge 4 ] && need=17
  [ "$have" -ge "$need" ] 2>/dev/null ||
    die "kafka $version needs Java $need or newer; 'java' is Java ${have:-unknown}"
}

require_node() {
  # shellcheck source=scripts/use-node.sh
  source "$repo_root/scripts/use-node.sh" 2>/dev/null
  [ -d "$repo_root/node_modules/kafkajs" ] ||
    die "node_modules/kafkajs is missing (the readiness check uses it): run 'npm ci' first"
}

# Prints the pid of this checkout's broker and returns 0 when it runs; clears a stale pid file otherwise.
broker_pid() { running_pid "$pid_file" "kafka.Kafka $kafka_home/"; }

# Version and port recorded by the running broker, so stop/status/logs speak about what really runs.
running_field() { pid_field "$pid_file" "$1"; }

# Whether lo has ::1: the secure listeners then bind it too (a broker asked to bind a missing address dies).
has_ipv6_loopback() { grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; }

require_openssl() {
  command -v openssl >/dev/null 2>&1 ||
    die "openssl not found on PATH: it makes the test certificates of the secure listeners ('apt-get install openssl')"
}
