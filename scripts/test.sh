#!/usr/bin/env bash
# `npm test`: lint and format check, typecheck, unit tests, then integration tests against a real Kafka
# broker and a real schema registry (Apicurio, scripts/registry/registry.sh). Every stage runs even when
# an earlier one failed, so one run shows everything that is broken; the exit code is non-zero when any
# stage failed. A broker or registry that was already running is left running; one started here is
# stopped. SCHEMA_REGISTRY_URL set by the caller points the tests at another registry and starts none.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=scripts/use-node.sh
source scripts/use-node.sh

# The tests read KAFKA_BROKERS; follow the broker script's port when only that was changed.
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"

# kafkajs 2.2.4 schedules a timer with a negative delay on every request queue; Node >= 24 warns each time.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--disable-warning=TimeoutNegativeWarning"

t0=$SECONDS
failed=()
passed_total=0
failed_total=0
out="$(mktemp)"
started_broker=0
started_registry=0

stage() { printf '\n=== [%3ds] %s ===\n' "$((SECONDS - t0))" "$*"; }

cleanup() {
  rm -f "$out"
  if [ "$started_broker" = 1 ]; then
    stage "stopping the broker this run started"
    bash scripts/kafka/broker.sh stop
  fi
  if [ "$started_registry" = 1 ]; then
    stage "stopping the schema registry this run started"
    bash scripts/registry/registry.sh stop
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The spec reporter's closing counts, added up over both test stages for the final line.
count() { sed 's/\x1b\[[0-9;]*m//g' "$out" | awk -v key="$1" '$1 == "ℹ" && $2 == key { n += $3 } END { print n + 0 }'; }

run_tests() {
  local name="$1" pattern="$2" rc=0
  stage "$name tests: $pattern"
  # The per-test timeout turns a hung test into a named failure instead of a CI run that never ends.
  node --test --test-concurrency=1 --test-reporter=spec --test-timeout="${TEST_TIMEOUT_MS:-300000}" \
    "$pattern" 2>&1 | tee "$out" || rc=$?
  passed_total=$((passed_total + $(count pass)))
  failed_total=$((failed_total + $(count fail) + $(count cancelled)))
  [ "$rc" -eq 0 ] || failed+=("$name")
  # The spec reporter's closing "failing tests" section, kept for whoever prints a summary last (.ci/run).
  if [ "$rc" -ne 0 ] && [ -n "${TEST_FAILURES_FILE:-}" ]; then
    sed 's/\x1b\[[0-9;]*m//g' "$out" | sed -n '/^✖ failing tests:/,$p' >>"$TEST_FAILURES_FILE"
  fi
}

stage "lint and format: biome check . (import cycles included)"
npx biome check . || failed+=(lint)

stage "typecheck: tsc -p tsconfig.json --noEmit"
npx tsc -p tsconfig.json --noEmit || failed+=(typecheck)

# use_or_start SCRIPT NAME: the service SCRIPT runs, if it is up; else started. Returns 2 when this run
# started it (so cleanup stops it), 1 when it could not be started.
use_or_start() {
  if bash "$1" status; then
    echo "using the running $2"
    return 0
  fi
  bash "$1" start || return 1
  return 2
}

stage "kafka broker"
use_or_start scripts/kafka/broker.sh broker
case $? in 1) failed+=(broker) ;; 2) started_broker=1 ;; esac

stage "schema registry"
if [ -n "${SCHEMA_REGISTRY_URL:-}" ]; then
  echo "using SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL"
else
  use_or_start scripts/registry/registry.sh registry
  case $? in 1) failed+=(registry) ;; 2) started_registry=1 ;; esac
fi
# The integration suites that need a working registry read it here (test/support/registry.ts).
SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-$(bash scripts/registry/registry.sh url)}"
export SCHEMA_REGISTRY_URL

run_tests unit 'test/unit/**/*.test.ts'
run_tests integration 'test/integration/**/*.test.ts'

stage "summary"
if [ "${#failed[@]}" -eq 0 ]; then
  echo "test.sh: all stages passed in $((SECONDS - t0)) s"
else
  echo "test.sh: FAILED stages: ${failed[*]} (after $((SECONDS - t0)) s)"
fi
echo "tests: $passed_total passed, $failed_total failed"
[ "${#failed[@]}" -eq 0 ]
