#!/usr/bin/env bash
# Trains the test models into models/ and writes schemas/payment-event.avsc. Needs python3 (3.10+) and PyPI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/models/requirements.txt
# No __pycache__ in the tree (it is not gitignored). One BLAS thread: a different thread count can change
# the summation order, and so the last bits of the MLP's weights, between machines or runs.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
exec .venv/bin/python scripts/models/train.py "$@"
