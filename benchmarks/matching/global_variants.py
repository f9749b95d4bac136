"""Compare variants of the first stage's global descriptor on cached ORB features.

The ORB features (the expensive part) are computed once and cached in --cache:
  * training pairs: register images and photos of them made with --seed 5 (as train_global.py);
  * the benchmark's register, seed 1, images 0..N-1 (as run.py writes them, JPEG 90);
  * queries: 20 per transform family with --qseed (3 while developing, 7 once for the final choice).
Then each variant's codebook/projection is trained on the training pairs and its first-stage recall@K
measured (the right register image among the K best of N), per transform family.

    nice -n 10 .venv/bin/python benchmarks/matching/global_variants.py --cache /tmp/gv --qseed 3
    nice -n 10 .venv/bin/python benchmarks/matching/global_variants.py --cache /tmp/gv --qseed 3 --variants base,burst
"""

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(__file__))

import synth  # noqa: E402

from turath_engine.features import orb_features  # noqa: E402
from turath_engine.imaging import load_image  # noqa: E402


def _jpeg(rgb, q):
    return cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])[1].tobytes()


def _feat(b, query):
    f = orb_features(load_image(b), query=query)
    return f.des, f.xy, np.array(f.size)


def _pair_job(args):
    i, seed = args
    ref, _ = synth.reference(i, seed)
    cat = synth.TRAINING_CATEGORIES[i % len(synth.TRAINING_CATEGORIES)]
    q = synth.query(i, cat, seed=seed, qseed=11)
    return _feat(_jpeg(ref, 90), False), _feat(_jpeg(q, 95), True)


def _ref_job(i):
    ref, _ = synth.reference(i)
    return _feat(_jpeg(ref, 90), False)


def _query_job(args):
    i, cat, qseed = args
    return _feat(_jpeg(synth.query(i, cat, qseed=qseed), 95), True)


def _save(path, feats):
    n = np.array([len(f[0]) for f in feats])
    np.savez(path, n=n, des=np.concatenate([f[0] for f in feats]), xy=np.concatenate([f[1] for f in feats]),
             size=np.stack([f[2] for f in feats]))


def _load(path):
    with np.load(path) as z:  # each z[name] reads the array again: once each
        n, des, xy, size = z["n"], z["des"], z["xy"], z["size"]
    off = np.r_[0, np.cumsum(n)]
    return [(des[a:b], xy[a:b], tuple(size[k])) for k, (a, b) in enumerate(zip(off[:-1], off[1:], strict=True))]


def cache(a):
    os.makedirs(a.cache, exist_ok=True)
    with ProcessPoolExecutor(a.workers) as ex:
        p = os.path.join(a.cache, f"pairs_s{a.seed}_{a.pairs}.npz")
        if not os.path.exists(p):
            t = time.time()
            pairs = list(ex.map(_pair_job, [(i, a.seed) for i in range(a.pairs)], chunksize=8))
            _save(p.replace(".npz", "_ref.npz"), [x[0] for x in pairs])
            _save(p.replace(".npz", "_q.npz"), [x[1] for x in pairs])
            open(p, "w").close()
            print(f"pairs {time.time() - t:.0f}s", file=sys.stderr, flush=True)
        p = os.path.join(a.cache, f"refs_{a.n}.npz")
        if not os.path.exists(p):
            t = time.time()
            _save(p, list(ex.map(_ref_job, range(a.n), chunksize=16)))
            print(f"refs {time.time() - t:.0f}s", file=sys.stderr, flush=True)
        p = os.path.join(a.cache, f"queries_q{a.qseed}_{a.n}.npz")
        if not os.path.exists(p):
            t = time.time()
            _save(p, list(ex.map(_query_job, [(i, c, a.qseed) for i, c in query_ids(a)], chunksize=4)))
            print(f"queries {time.time() - t:.0f}s", file=sys.stderr, flush=True)


def query_ids(a):
    # the same (image, family) pairs as train_global.py --eval and run.py draw for this qseed
    rng = np.random.default_rng(a.qseed)
    return [(int(i), cat) for cat in synth.CATEGORIES for i in rng.choice(a.n, a.per_category, replace=False)]


def recall_table(name, ranks, cats, ks=(1, 10, 50, 100, 200)):
    ranks = np.asarray(ranks)
    cats = np.asarray(cats)
    hard = np.isin(cats, ["occlusion", "clutter", "screen", "combined"])
    row = [name] + [f"{np.mean(ranks <= k):.3f}" for k in ks]
    row += [f"{np.mean(ranks[~hard] <= k):.3f}" for k in (100,)]
    for c in ("occlusion", "clutter", "screen", "combined"):
        row += [f"{np.mean(ranks[cats == c] <= k):.2f}" for k in (100, 200)]
    return "| " + " | ".join(row) + " |"


HEADER = ("| variant | @1 | @10 | @50 | @100 | @200 | easy 7 @100 | occl @100 | occl @200 | clutter @100 | "
          "clutter @200 | screen @100 | screen @200 | combined @100 | combined @200 |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/tmp/turath-gv")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--pairs", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--qseed", type=int, default=3)
    ap.add_argument("--per-category", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--variants", default="")
    a = ap.parse_args()
    cache(a)
    if not a.variants:
        return
    p = os.path.join(a.cache, f"pairs_s{a.seed}_{a.pairs}")
    tr_ref, tr_q = _load(p + "_ref.npz"), _load(p + "_q.npz")
    refs = _load(os.path.join(a.cache, f"refs_{a.n}.npz"))
    queries = _load(os.path.join(a.cache, f"queries_q{a.qseed}_{a.n}.npz"))
    qids = query_ids(a)
    print(HEADER)
    print("|" + "---|" * 15)
    for name in a.variants.split(","):
        t = time.time()
        ranks = run_variant(name, tr_ref, tr_q, refs, queries, qids)
        print(recall_table(name, ranks, [c for _, c in qids]), flush=True)
        print(f"  {name}: {time.time() - t:.0f}s", file=sys.stderr, flush=True)


def run_variant(name, tr_ref, tr_q, refs, queries, qids):
    import variants  # noqa: PLC0415  (dev module, next to this script)

    return variants.run(name, tr_ref, tr_q, refs, queries, qids)


if __name__ == "__main__":
    main()
