#!/usr/bin/env bash
# Validates deploy/observability with Prometheus's own tool (a stage of .ci/run; runs alone too): the
# scrape config, the alert rules, and
# the rules' behaviour on the series of deploy/observability/tests. Which metrics they may name is
# checked by `npm test` (test/unit/scripts/observability). Needs promtool (Debian: prometheus).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

dir=deploy/observability
promtool check config --syntax-only "$dir/prometheus.yml"
promtool check rules "$dir"/rules/*.rules.yml
promtool test rules "$dir"/tests/*.test.yml
