#!/usr/bin/env bash
# The demo, end to end on this machine: a local Kafka broker, a real schema registry (Apicurio, on
# 127.0.0.1:8081 as config/local.yaml expects; Java 21 or newer), the scorer, 50,000 sample events from
# loadgen, predictions printed with the throughput reached; then the two example model flows of
# config/flows.example.yaml (fraud: routed by country, an A/B test, hooks, the heavy model chained;
# rules: a heuristic-only model) on 5,000 events each.
#   npm ci && npm run demo            (DEMO_EVENTS=200000 DEMO_FLOW_EVENTS=20000 npm run demo for a longer run)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/use-node.sh
# kafkajs sets timers from stale deadlines, which Node 24 reports as TimeoutNegativeWarning; harmless.
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning"
[ -d node_modules ] || npm ci --no-audit --no-fund

EVENTS="${DEMO_EVENTS:-50000}"
FLOW_EVENTS="${DEMO_FLOW_EVENTS:-5000}"
RUN_DIR="$(mktemp -d)"
pids=()
started_broker=0
started_registry=0
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ "$started_broker" = 1 ] && bash scripts/kafka/broker.sh stop >/dev/null 2>&1 || true
  [ "$started_registry" = 1 ] && bash scripts/registry/registry.sh stop >/dev/null 2>&1 || true
  echo "demo logs: $RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "Kafka broker"
if ! bash scripts/kafka/broker.sh status >/dev/null 2>&1; then started_broker=1; fi
bash scripts/kafka/broker.sh start

step "schema registry (Apicurio Registry, its Confluent-compatible API)"
if ! bash scripts/registry/registry.sh status >/dev/null 2>&1; then started_registry=1; fi
bash scripts/registry/registry.sh start
registry="$(bash scripts/registry/registry.sh url)"

# A fresh demo each run: the topics are recreated so the counts below are this run's.
fresh_topics() {
  node -e "
    const { Kafka, logLevel } = require('kafkajs');
    const wanted = process.argv.slice(1);
    const admin = new Kafka({ brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).admin();
    (async () => { await admin.connect(); const t = (await admin.listTopics()).filter((x) => wanted.includes(x));
      if (t.length) { await admin.deleteTopics({ topics: t }); await new Promise((r) => setTimeout(r, 1500)); } await admin.disconnect(); })();
  " "$@"
}

# Starts the scorer on config $1, logging to $2; sets $scorer.
start_scorer() {
  bin/stream-scorer.js run --config "$1" >"$2" 2>&1 &
  scorer=$!
  pids=("$scorer" "${pids[@]}")
  for _ in $(seq 120); do curl -sf http://127.0.0.1:9464/readyz >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf http://127.0.0.1:9464/readyz >/dev/null || { echo "scorer did not become ready:"; tail -20 "$2"; exit 1; }
}

stop_scorer() {
  kill -TERM "$scorer"
  wait "$scorer" && echo "scorer stopped cleanly"
  pids=("${pids[@]:1}")
}

step "topics and $EVENTS sample events (loadgen)"
fresh_topics payments predictions predictions.dlq
node loadgen/produce.ts --count "$EVENTS" --topic payments --format avro --registry "$registry" --create-topics predictions,predictions.dlq

step "stream-scorer (config/local.yaml; metrics on http://127.0.0.1:9464/metrics)"
start_scorer config/local.yaml "$RUN_DIR/scorer.log"

step "predictions"
node loadgen/watch.ts --topic predictions --registry "$registry" --expect "$EVENTS" --show 8

step "scorer metrics"
curl -s http://127.0.0.1:9464/metrics | grep -E '^scorer_(events_consumed_total|predictions_produced_total|dlq_records_total|commits_total|batch_size_(sum|count))(\{[^}]*\})? ' || true

step "graceful stop (SIGTERM)"
stop_scorer

step "model flows (config/flows.example.yaml): $FLOW_EVENTS events to each flow's topic"
fresh_topics payments payments-rules predictions predictions.rules predictions.dlq
node loadgen/produce.ts --count "$FLOW_EVENTS" --topic payments --format avro --registry "$registry" --create-topics predictions,predictions.rules,predictions.dlq
node loadgen/produce.ts --count "$FLOW_EVENTS" --topic payments-rules --format avro --registry "$registry" --seed 2
start_scorer config/flows.example.yaml "$RUN_DIR/scorer-flows.log"

step "flow fraud: routed by country (DE: fraud:1, US: the A/B test fraud-v2-ab, others: fraud:2), hooks, heavy chained above 0.5"
node loadgen/watch.ts --topic predictions --registry "$registry" --expect "$FLOW_EVENTS" --show 8 --timeout 120

step "flow rules: a heuristic model, no ONNX graph"
node loadgen/watch.ts --topic predictions.rules --registry "$registry" --expect "$FLOW_EVENTS" --show 3 --timeout 120

step "flow metrics"
curl -s http://127.0.0.1:9464/metrics | grep -E '^scorer_(predictions_produced_total|dlq_records_total|fallbacks_total|hook_seconds_count)(\{[^}]*\})? ' || true
stop_scorer
