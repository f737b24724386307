#!/usr/bin/env bash
# `npm run bench`: the benchmark suite of bench/PROTOCOL.md against a local broker. A broker that was
# already running is used and left running; one started here is stopped at the end. Flags go to
# bench/suite.ts (`npm run bench -- --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/use-node.sh
source scripts/use-node.sh
# kafkajs 2.2.4 schedules a timer with a negative delay on every request queue; Node >= 24 warns each time.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--disable-warning=TimeoutNegativeWarning"

started_broker=0
stop_broker() { if [ "$started_broker" = 1 ]; then bash scripts/kafka/broker.sh stop; fi; }
trap stop_broker EXIT
trap 'exit 130' INT TERM

for arg in "$@"; do
  if [ "$arg" = --help ]; then exec node bench/suite.ts --help; fi
done
if ! bash scripts/kafka/broker.sh status >/dev/null; then
  bash scripts/kafka/broker.sh start
  started_broker=1
fi
node bench/suite.ts "$@"
