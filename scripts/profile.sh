#!/usr/bin/env bash
# The profiling recipe: where the scorer's CPU goes per event, on a drain of a W1 backlog.
#
#   bash scripts/profile.sh [--events 200000] [--client platformatic|kafkajs] [--model fraud] [--out DIR]
#                           [--subject scorer|flow|passthrough]
#
# It starts the schema registry double on a free port, writes a backlog of Avro payment events with the
# load generator's producer, runs the scorer under `node --cpu-prof` (every thread writes a .cpuprofile),
# stamps the monotonic clock and every thread's CPU time (/proc/<pid>/task) when 10% and 90% of the
# predictions are out, keeps the scorer's final /metrics (metrics.txt), stops it and prints the breakdown
# (devtools/profile-breakdown.ts): microseconds of CPU per event by stage, per kind of thread, over the
# steady part only. `--subject passthrough` profiles the pass-through baseline (bench/subjects/) the same
# way instead; it has no /metrics, so its predictions are counted on the output topic
# (devtools/topic-count.ts) and there is no metrics.txt. `--subject flow` profiles the benchmark's flow
# subject instead of plain W1: the same events through bench/flow-subject.ts's flow (hooks, an A/B test of
# fraud@1 and fraud@2, a shadow candidate on <output>.shadow). The .cpuprofile files open as flame charts in Chrome DevTools (Performance > Load
# profile) or https://speedscope.app, and flame.svg beside them is the main thread's flame graph. Needs a
# broker on 127.0.0.1:9092 (npm run broker:start).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/use-node.sh
source scripts/use-node.sh 2>/dev/null
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--disable-warning=TimeoutNegativeWarning"

events=200000 client=platformatic model=fraud out="" subject=scorer
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --client) client="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --subject) subject="$2"; shift 2 ;;
    *) echo "profile.sh: unknown flag $1 (flags: --events N --client platformatic|kafkajs --model fraud|heavy --out DIR --subject scorer|flow|passthrough)" >&2; exit 2 ;;
  esac
done
case "$subject" in scorer | flow | passthrough) ;; *) echo "profile.sh: --subject is scorer, flow or passthrough, not $subject" >&2; exit 2 ;; esac
out="${out:-$(mktemp -d)}"
mkdir -p "$out"
brokers="${KAFKA_BROKERS:-127.0.0.1:9092}"
free_port() { node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})"; }
monotonic_us() { node -e "console.log(String(process.hrtime.bigint() / 1000n))"; }
predicted() {
  if [ "$subject" = passthrough ]; then cat "$out/predicted" 2>/dev/null || echo 0; return; fi
  { curl -s "localhost:$http/metrics" 2>/dev/null || true; } | awk '/^scorer_(predictions_produced|dlq_records)_total/ {s+=$2} END {printf "%d", s}'
}
threads_cpu() { # "tid name ticks" for every thread of the subject
  for t in /proc/"$subject_pid"/task/*; do printf '%s %s %s\n' "$(basename "$t")" "$(tr ' ' _ <"$t/comm")" "$(awk '{print $14+$15}' "$t/stat")"; done
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

registry_port="$(free_port)" http="$(free_port)"
node devtools/schema-registry-double.ts --port "$registry_port" >"$out/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$registry_port/subjects" >/dev/null && break; sleep 0.1; done
topic="profile-$(date +%s)-$RANDOM"
echo "profile: writing $events events to $topic ($subject, $client, $model) ..." >&2
node loadgen/produce.ts --count "$events" --topic "$topic" --format avro --registry "http://127.0.0.1:$registry_port" \
  --brokers "$brokers" --create-topics "$topic-out,$topic-out.dlq,$topic-out.shadow" --partitions 6 >"$out/produce.log" 2>&1

# The launcher's V8 flags, as production runs them, plus the profiler.
flags="$(head -1 bin/stream-scorer.js | tr ' ' '\n' | grep '^--' | tr '\n' ' ')"
if [ "$subject" = passthrough ]; then
  node devtools/topic-count.ts --brokers "$brokers" --topic "$topic-out" --file "$out/predicted" &
  pids+=($!)
  # shellcheck disable=SC2086 # the flags are words
  node $flags ${PROFILE_NODE_FLAGS:-} --cpu-prof --cpu-prof-dir="$out" bench/subjects/passthrough.ts --client "$client" --brokers "$brokers" \
    --registry "http://127.0.0.1:$registry_port" --input "$topic" --output "$topic-out" --group "$topic" --model "$model" >"$out/passthrough.log" 2>&1 &
  log="$out/passthrough.log"
else
  if [ "$subject" = flow ]; then
    # The bench's own overlay, as JSON lines (YAML reads JSON): the profile scores what the bench measures.
    scoring="$(node -e "import('./bench/flow-subject.ts').then(({ flowOverlay }) => {
      const o = flowOverlay({ inputTopic: '$topic', outputTopic: '$topic-out' });
      console.log('models: ' + JSON.stringify({ repository: '$PWD/models', ...o.models }));
      for (const key of ['inputs', 'flows', 'experiments']) console.log(key + ': ' + JSON.stringify(o[key]));
    })")"
  else
    scoring="models: { repository: $PWD/models, serve: [{ name: $model, version: 1 }] }
inputs: [{ topic: $topic, format: avro, model: $model }]"
  fi
  cat >"$out/scorer.yaml" <<YAML
kafka: { client: $client, brokers: [$(echo "$brokers" | sed 's/[^,]*/"&"/g')], groupId: $topic }
schemaRegistry: { url: "http://127.0.0.1:$registry_port" }
$scoring
output: { topic: $topic-out, format: avro, schemaFile: $PWD/schemas/prediction.avsc }
http: { port: $http, host: 127.0.0.1 }
YAML
  # shellcheck disable=SC2086 # the flags are words
  node $flags ${PROFILE_NODE_FLAGS:-} --cpu-prof --cpu-prof-dir="$out" bin/stream-scorer.js run --config "$out/scorer.yaml" >"$out/scorer.log" 2>&1 &
  log="$out/scorer.log"
fi
subject_pid=$!
pids+=("$subject_pid")
lo=$((events / 10)) hi=$((events * 9 / 10))
stamp() { printf '{"predicted":%s,"monotonicUs":%s,"threads":"%s"}' "$1" "$(monotonic_us)" "$(threads_cpu | tr '\n' ';')"; }
start="" end=""
while :; do
  n="$(predicted)"; n="${n:-0}"
  if [ -z "$start" ] && [ "$n" -ge "$lo" ]; then start="$(stamp "$n")"; fi
  if [ -n "$start" ] && [ -z "$end" ] && [ "$n" -ge "$hi" ]; then end="$(stamp "$n")"; fi
  [ "$n" -ge "$events" ] && break
  kill -0 "$subject_pid" 2>/dev/null || { echo "profile: the $subject exited; see $log" >&2; exit 1; }
  sleep 0.05
done
printf '{"events":%s,"start":%s,"end":%s}\n' "$events" "$start" "$end" >"$out/window.json"
# The scorer's own clocks as well: scorer_worker_decode_seconds_sum over the events is the workers'
# decode and feature extraction per event, timed in the worker (wall clock, so a busy machine inflates it).
[ "$subject" = passthrough ] || curl -s "localhost:$http/metrics" >"$out/metrics.txt" 2>/dev/null || true
kill -TERM "$subject_pid"
wait "$subject_pid" || true
node devtools/profile-breakdown.ts "$out"
echo "profile: files in $out" >&2
