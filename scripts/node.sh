#!/usr/bin/env bash
# Runs a TypeScript entry point with Node >= 22 (installed by use-node.sh where the machine's is older),
# for npm scripts such as `npm run loadgen -- --help`.
set -euo pipefail
# shellcheck source=scripts/use-node.sh
source "$(dirname "${BASH_SOURCE[0]}")/use-node.sh"
exec node --disable-warning=TimeoutNegativeWarning "$@"
