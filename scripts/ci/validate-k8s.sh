#!/usr/bin/env bash
# Validates deploy/k8s without a cluster and without the network (a stage of .ci/run; runs alone too).
#   1. installs kubernetes-validate and its dependencies, pinned (scripts/ci/k8s-requirements.txt), from
#      PyPI into .tools/k8s-validate: the one download, and only when the pins changed;
#   2. runs the checker's tests (scripts/ci/test_validate_k8s.py: broken manifests must fail, naming
#      the file and the field), then the checker on deploy/k8s (scripts/ci/validate_k8s.py: Kubernetes
#      schemas, KEDA's CRD rules, the files against each other). Both run in an empty network namespace
#      where `unshare --net` is allowed (root, as in CI), so a download would fail them;
#   3. `stream-scorer check` on the ConfigMap's configuration with the Deployment's SCORER_* environment
#      and nothing else, as the pod would load it.
# Needs python3 with venv (Debian: python3-venv) and node >= 22 (scripts/use-node.sh provides it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

venv=.tools/k8s-validate
pins=scripts/ci/k8s-requirements.txt
if ! cmp -s "$pins" "$venv/pins.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$pins"
  cp "$pins" "$venv/pins.txt"
fi
# -B: no __pycache__ in the tree.
py=("$venv/bin/python" -B)
"${py[@]}" -c 'import sys, kubernetes_validate as k; print(f"kubernetes-validate {k.__version__} on Python {sys.version.split()[0]}")'

offline=()
if unshare --net true 2>/dev/null; then
  offline=(unshare --net)
  echo "network: none (unshare --net)"
else
  echo "network: not isolated (unshare --net is not allowed here)"
fi

"${offline[@]}" "${py[@]}" -m unittest discover -s scripts/ci -p 'test_*.py'

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"${offline[@]}" "${py[@]}" scripts/ci/validate_k8s.py --emit-config "$work" deploy/k8s

# shellcheck source=scripts/use-node.sh
source scripts/use-node.sh
mapfile -t overrides <"$work/env"
env -i PATH="$PATH" "${overrides[@]}" node bin/stream-scorer.js check --config "$work/scorer.yaml" >/dev/null
echo "ok stream-scorer check: configmap.yaml's scorer.yaml with ${overrides[*]%%=*}"
