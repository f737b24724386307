"""Training feature statistics for drift metrics: models/<name>/<version>/feature-stats.json.

Per numeric feature, as the model was fed it (missing values filled with their defaults, rounded to float32):
the bin edges at the training deciles (repeated edges of a discrete feature merged), the share of training rows
per bin, and the share of rows that were missing. Bin k holds [edges[k-1], edges[k]), so there is one share more
than edges. The scorer measures each feature's population stability index against these shares.

train.py writes the file beside every model it exports. Run alone (numpy only, no training), this recomputes it
for the committed models from the same synthetic training rows: python3 scripts/models/feature_stats.py
"""

import json
from pathlib import Path

import numpy as np

import features as F
import synthetic

ROOT = Path(__file__).resolve().parents[2]
FILE = "feature-stats.json"
BINS = 10
DIGITS = 6


def statistics(batch: synthetic.Batch) -> dict:
    numeric = synthetic.model_inputs(batch)["numeric"]
    rows = numeric.shape[0]
    out = []
    for j, f in enumerate(F.NUMERIC):
        column = numeric[:, j]
        # "lower" picks values that occur, so an edge is exactly a float32 the scorer compares with.
        edges = np.unique(np.quantile(column, np.arange(1, BINS) / BINS, method="lower"))
        counts = np.bincount(np.searchsorted(edges, column, side="right"), minlength=edges.size + 1)
        out.append({
            "name": f.name,
            "edges": [float(e) for e in edges],
            "expected": [round(float(c) / rows, DIGITS) for c in counts],
            "missing": round(float(np.isnan(batch.numeric[:, j]).mean()), DIGITS),
        })
    return {"rows": rows, "bins": BINS, "features": out}


def main() -> None:
    rng = np.random.default_rng(synthetic.SEED)
    stats = statistics(synthetic.generate(rng, synthetic.TRAIN_ROWS))
    # The models train.py made: the ones with golden outputs (a heuristic model has neither).
    for golden in sorted((ROOT / "models").glob("*/*/golden.json")):
        path = golden.parent / FILE
        path.write_text(json.dumps(stats, indent=2) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
