"""The first stage's growth to 1,000,000 images, on synthetic descriptors.

Real global descriptors of N0 indexed register images (read from an engine index built by run.py)
are the seeds; every synthetic entry is a seed plus noise of the same size as the spread between
different real images, so the entries are clustered like real ones (IVF lists are as unbalanced as
they would be). The queries are the real region descriptors of benchmark photos. What it measures:
build time, size on disk and resident size per image, and the latency of one query photo's search
(6 region vectors, top 200 each) with the engine's own index class, memory-mapped.

    .venv/bin/python benchmarks/matching/first_stage_scale.py --index /tmp/turath-bench/index --sizes 10000,100000,1000000
"""

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(__file__))

from turath_engine.globalindex import GlobalIndex  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True, help="an engine index to take real descriptors from")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=200)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    db = sqlite3.connect(os.path.join(a.index, "engine.sqlite3"))
    real = np.stack([np.frombuffer(g, np.float16).astype(np.float32)
                     for (g,) in db.execute("SELECT gdesc FROM images WHERE gdesc IS NOT NULL")])
    dim = real.shape[1]
    rng = np.random.default_rng(0)
    # spread between different real images, per dimension
    sigma = float(np.std(real - real.mean(0))) * 0.7
    qsrc = real[rng.choice(len(real), a.queries, replace=False)]
    queries = [np.stack([q] + [q + rng.normal(0, sigma * 0.6, dim).astype(np.float32) for _ in range(5)])
               for q in qsrc]
    queries = [q / np.linalg.norm(q, axis=1, keepdims=True) for q in queries]
    out = {"real_seeds": len(real), "dim": dim, "sizes": {}}
    for n in [int(s) for s in a.sizes.split(",")]:
        with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(a.index))) as tmp:
            vecs = np.empty((n, dim), np.float32)
            for s in range(0, n, 100_000):
                m = min(100_000, n - s)
                v = real[rng.integers(0, len(real), m)] + rng.normal(0, sigma, (m, dim)).astype(np.float32)
                vecs[s:s + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
            vecs[: len(real)] = real[: min(n, len(real))]
            gi = GlobalIndex(os.path.join(tmp, "global.faiss"), dim)
            t = time.perf_counter()
            gi.rebuild(np.arange(1, n + 1, dtype=np.int64), vecs)
            build_s = time.perf_counter() - t
            del vecs
            live = np.ones(n + 2, bool)
            gi.search(queries[0], a.k, live)
            lat = []
            for q in queries:
                t = time.perf_counter()
                gi.search(q, a.k, live)
                lat.append((time.perf_counter() - t) * 1000)
            size = os.path.getsize(gi.path)
            r = {"build_s": round(build_s, 1), "bytes_per_image": round(size / n, 1), "file_mb": round(size / 1e6, 1),
                 "search_ms_p50": round(float(np.percentile(lat, 50)), 2),
                 "search_ms_p95": round(float(np.percentile(lat, 95)), 2),
                 "load_average_1min": round(os.getloadavg()[0], 2)}
            out["sizes"][n] = r
            print(json.dumps({n: r}), flush=True)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
