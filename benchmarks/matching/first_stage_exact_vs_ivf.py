"""Does the IVF first stage lose the right image? For each query photo, the right image's rank among
the stored global descriptors by exact inner product, and by an IVF (8-bit codes) over the same vectors
with several numbers of lists probed; counts the photos whose right image exact search ranks in the
first K and the IVF does not.

    .venv/bin/python benchmarks/matching/first_stage_exact_vs_ivf.py --index /tmp/tb100k/index --size 100000 \
        --qseed 7 --nprobe 24,64,128

This measurement set `globalindex.IVF_MIN` (exact search below 250,000 images; RESULTS.md).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import synth  # noqa: E402

from turath_engine import globalindex  # noqa: E402
from turath_engine.engine import Engine  # noqa: E402
from turath_engine.features import orb_features  # noqa: E402
from turath_engine.globaldesc import default_descriptor  # noqa: E402
from turath_engine.imaging import load_image  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--qseed", type=int, default=7)
    ap.add_argument("--per-category", type=int, default=20)
    ap.add_argument("--nprobe", default="24,64,128")
    ap.add_argument("--k", type=int, default=200, help="the first stage's shortlist")
    a = ap.parse_args()
    import faiss

    eng = Engine.open(a.index)
    ids, vecs = [], []
    for iid, g in eng.images.store.db.execute("SELECT id, gdesc FROM images ORDER BY id"):
        ids.append(iid)
        vecs.append(np.frombuffer(g, np.float16))
    ids = np.asarray(ids, np.int64)
    mat = np.stack(vecs).astype(np.float32)
    globalindex.IVF_MIN = 0  # build the IVF the engine would build at this size, whatever the setting
    ivf = globalindex.build_index(ids, mat, mat.shape[1])
    inner = faiss.extract_index_ivf(ivf)
    probes = [int(p) for p in a.nprobe.split(",")]
    rng = np.random.default_rng(a.qseed)
    lost = collections.Counter()
    n = 0
    for cat in synth.CATEGORIES:
        for i in rng.choice(a.size, a.per_category, replace=False):
            i = int(i)
            q = synth.query(i, cat, qseed=a.qseed)
            _ok, buf = cv2.imencode(".jpg", cv2.cvtColor(q, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
            qf = orb_features(load_image(buf.tobytes()), query=True)
            qv = default_descriptor().describe_regions(qf.des, qf.xy, qf.size)
            iid = eng.images.id_of(f"r{i}")
            s = (qv @ mat.T).max(0)
            exact = int((s > s[np.searchsorted(ids, iid)]).sum()) + 1
            ranks = {}
            for p in probes:
                inner.nprobe = p
                D, Idx = ivf.search(qv, a.k)
                best = {}
                for drow, irow in zip(D, Idx, strict=True):
                    for d, j in zip(drow, irow, strict=True):
                        if j >= 0 and d > best.get(int(j), -9):
                            best[int(j)] = float(d)
                order = sorted(best, key=lambda j: -best[j])[:a.k]
                ranks[p] = order.index(iid) + 1 if iid in order else None
                if exact <= a.k and ranks[p] is None:
                    lost[(p, cat)] += 1
            n += 1
            print(cat, i, "exact", exact, "ivf", ranks, flush=True)
    print(f"{n} photos, {ivf.ntotal} images, {inner.nlist} lists")
    for p in probes:
        per = {cat: lost[(p, cat)] for cat in synth.CATEGORIES if lost[(p, cat)]}
        print(f"nprobe {p}: {sum(per.values())} right images in the exact first {a.k} lost by the IVF", per)


if __name__ == "__main__":
    main()
