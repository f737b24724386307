#!/usr/bin/env bash
# Source this file to put Node >= 22 first on PATH. A machine whose node is older (Debian ships 20, past
# end of life) gets node@24 from the npm registry's `node` package, installed once under .tools/.
_ss_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ss_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_ss_major)" -lt 22 ]; then
  if [ ! -x "$_ss_root/.tools/node/node_modules/.bin/node" ]; then
    echo "use-node: node $(node --version 2>/dev/null || echo none) is older than 22; installing node@24 under .tools/node" >&2
    npm install --silent --no-save --no-audit --no-fund --prefix "$_ss_root/.tools/node" node@24 >&2
  fi
  export PATH="$_ss_root/.tools/node/node_modules/.bin:$PATH"
fi
echo "use-node: $(node --version)" >&2
unset -f _ss_major; unset _ss_root
