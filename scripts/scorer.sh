#!/usr/bin/env bash
# `npm start` and `npm run scorer`: the launcher with Node >= 22.22 first on PATH (use-node.sh installs
# node@24 under .tools/ where the machine's node is older), so its shebang's V8 flags still apply.
set -euo pipefail
# shellcheck source=scripts/use-node.sh
source "$(dirname "${BASH_SOURCE[0]}")/use-node.sh" 2>/dev/null
exec "$(dirname "${BASH_SOURCE[0]}")/../bin/stream-scorer.js" "$@"
