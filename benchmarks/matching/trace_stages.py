"""Where a hard photo is lost: for each query, the right image's rank in the first stage (exact, whole
photo + regions), its rank by word matches among the shortlisted, the inliers of stage A (RANSAC on word
matches) and of full descriptor matching done for it alone, and the engine's final rank.

    .venv/bin/python benchmarks/matching/trace_stages.py --index /tmp/tb/index --size 1000 --qseed 3 \
        --families occlusion,clutter,screen,combined --out /tmp/trace.json

Use calibration queries (--qseed 3) so that the evaluation queries (--qseed 7) stay unseen.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import synth  # noqa: E402

from turath_engine import image_search as S  # noqa: E402
from turath_engine.engine import Engine  # noqa: E402
from turath_engine.features import orb_features  # noqa: E402
from turath_engine.globaldesc import default_descriptor  # noqa: E402
from turath_engine.imaging import load_image  # noqa: E402
from turath_engine.verify import ransac, verify  # noqa: E402
from turath_engine.visual_words import word_matches  # noqa: E402


def trace(eng, i, cat, qseed, size):
    imgs = eng.images
    q = synth.query(i, cat, qseed=qseed)
    _ok, buf = cv2.imencode(".jpg", cv2.cvtColor(q, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    img = load_image(buf.tobytes())
    qf = orb_features(img, query=True)
    soft = imgs.vocab.assign_multi(qf.des, S.QUERY_SOFT_WORDS)
    qkp = np.repeat(np.arange(len(qf.des)), soft.shape[1])
    qv = default_descriptor().describe_regions(qf.des, qf.xy, qf.size)
    sims = imgs.gidx.search(qv, size, imgs.live)
    ranked = sorted(sims, key=lambda k: -sims[k])
    iid = imgs.id_of(f"r{i}")
    grank = ranked.index(iid) + 1 if iid in sims else None
    short, (pr, pq, pxy) = word_matches(imgs.store, ranked[:S.GLOBAL_K], soft.ravel(), qf.des, qkp)
    wrank = [k for k, _ in short].index(iid) + 1 if iid in dict(short) else None
    shard, off, n, fw, fh, scale = imgs.store.db.execute(
        "SELECT shard, off, n, fw, fh, scale FROM images WHERE id=?", (iid,)).fetchone()
    des, xy, _w = imgs.store.read_record(shard, off, n)
    q_to_orig = (img.original_size[0] / img.rgb.shape[1]) / qf.scale
    full = verify(qf.xy, qf.des, xy, des, (fw, fh), 1.0 / scale, q_to_orig).inliers
    sel = np.flatnonzero(pr == iid)
    stage_a = ransac(pxy[sel], qf.xy[pq[sel]], (fw, fh), 1.0 / scale, q_to_orig, max_iters=2000).inliers if len(sel) else 0
    res = eng.query(images=[buf.tobytes()], top=10, include_below_threshold=True)
    keys = [c.key for c in res.candidates]
    final = keys.index(f"r{i}") + 1 if f"r{i}" in keys else None
    return {"i": i, "family": cat, "first_stage_rank": grank, "word_rank": wrank, "stage_a_inliers": stage_a,
            "full_matching_inliers": full, "final_rank": final}


def verdict(r, k=S.GLOBAL_K, min_inliers=15):
    if r["final_rank"] == 1:
        return "found at rank 1"
    if r["first_stage_rank"] is None or r["first_stage_rank"] > k:
        return f"not in the first {k}"
    if r["full_matching_inliers"] >= min_inliers:
        return f"shortlisted, full matching >= {min_inliers} inliers"
    return f"shortlisted, full matching < {min_inliers} inliers"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True, help="an index built by run.py (keys r0, r1, ...)")
    ap.add_argument("--size", type=int, required=True, help="references in it (the queries are drawn as run.py draws them)")
    ap.add_argument("--qseed", type=int, default=3)
    ap.add_argument("--per-category", type=int, default=20)
    ap.add_argument("--families", default="occlusion,clutter,screen,combined")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    fams = set(a.families.split(","))
    eng = Engine.open(a.index)
    rng = np.random.default_rng(a.qseed)
    rows = []
    for cat in synth.CATEGORIES:
        for i in rng.choice(a.size, a.per_category, replace=False):
            if cat in fams:
                rows.append(trace(eng, int(i), cat, a.qseed, a.size))
                print(json.dumps(rows[-1]), flush=True)
    table = collections.defaultdict(collections.Counter)
    for r in rows:
        table[r["family"]][verdict(r)] += 1
    for fam, c in table.items():
        print(fam, dict(c))
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
