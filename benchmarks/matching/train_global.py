"""Train the global descriptor shipped as turath_engine/data/vlad_orb.npz (codebook + projection),
and measure its first-stage recall@K.

The codebook is trained on the scikit-image photos (as the visual vocabulary); the projection on
synthetic register images and photos of them made with --seed 5, a seed the benchmark never indexes
(the benchmark's register is seed 1 and its out-of-register objects are seed 1, i >= 10,000,000).

    .venv/bin/python benchmarks/matching/train_global.py --keep-codebook          # the shipped projection
    .venv/bin/python benchmarks/matching/train_global.py --pairs 1200 --dim 256   # the first one (2026-12-07)
    .venv/bin/python benchmarks/matching/train_global.py --eval 1000 --refdir /tmp/turath-bench/refs

The shipped projection was trained before small query photos were enlarged at most 1.75x
(``features.QUERY_MAX_UPSCALE``, 2026-12-07 sixth session): its training photos of 20 % scale were then
enlarged to 960 px. To reproduce it bit for bit, set ``QUERY_MAX_UPSCALE = float("inf")`` first.
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
from turath_engine.globaldesc import (  # noqa: E402
    MODEL_FILES,
    GlobalDescriptor,
    raw_vlad,
    save_model,
    train_codebook,
    train_projection,
)
from turath_engine.imaging import load_image  # noqa: E402


def _jpeg(rgb, q):
    return cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])[1].tobytes()


def _pair_job(args):
    i, seed, codebook = args
    ref, _ = synth.reference(i, seed)
    cat = synth.TRAINING_CATEGORIES[i % len(synth.TRAINING_CATEGORIES)]
    q = synth.query(i, cat, seed=seed, qseed=11)
    fr = orb_features(load_image(_jpeg(ref, 90)), query=False)
    fq = orb_features(load_image(_jpeg(q, 95)), query=True)
    return raw_vlad(fr.des, codebook), raw_vlad(fq.des, codebook)


def _ref_desc_job(args):
    path, = args
    f = orb_features(load_image(path), query=False)
    return _MODEL.describe(f.des)


def _query_desc_job(args):
    i, cat, qseed = args
    q = synth.query(i, cat, qseed=qseed)
    img = load_image(_jpeg(q, 95))
    f = orb_features(img, query=True)
    return _MODEL.describe_regions(f.des, f.xy, f.size)


_MODEL = None


def _init(model_file):
    global _MODEL
    _MODEL = GlobalDescriptor(*(np.load(model_file[n]) for n in ("codebook", "mean", "proj")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--pca-dim", type=int, default=512, help="PCA before the whitening (train_projection's pca_dim)")
    ap.add_argument("--pairs", type=int, default=5000)
    ap.add_argument("--keep-codebook", action="store_true",
                    help="train the projection only, on the shipped codebook (an index's shards keep their VLAD words)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out-prefix", default=None, help="write <prefix>_codebook.npy etc. (default: the shipped files)")
    ap.add_argument("--eval", type=int, default=0, help="evaluate on this many benchmark references instead")
    ap.add_argument("--refdir", default="/tmp/turath-bench/refs")
    ap.add_argument("--per-category", type=int, default=20)
    ap.add_argument("--qseed", type=int, default=3)
    a = ap.parse_args()
    if a.eval:
        evaluate(a)
        return
    if a.keep_codebook:
        codebook = np.load(MODEL_FILES["codebook"])
    else:
        from train_vocab import training_descriptors

        t = time.time()
        d = training_descriptors(zoomed_crops=False)
        rng = np.random.default_rng(0)
        d = d[rng.choice(len(d), min(len(d), 200_000), replace=False)]
        codebook = train_codebook(d, a.k)
        print(f"codebook k={a.k} from {len(d)} descriptors in {time.time() - t:.0f}s", file=sys.stderr, flush=True)
    t = time.time()
    with ProcessPoolExecutor(a.workers) as ex:
        pairs = list(ex.map(_pair_job, [(i, a.seed, codebook) for i in range(a.pairs)], chunksize=16))
    refs = np.stack([p[0] for p in pairs])
    qs = np.stack([p[1] for p in pairs])
    print(f"{len(pairs)} training pairs in {time.time() - t:.0f}s", file=sys.stderr, flush=True)
    mean, proj = train_projection(refs, qs, a.dim, pca_dim=a.pca_dim)
    save_model(codebook, mean, proj, _files(a))
    print(f"written {_files(a)}", file=sys.stderr)


def _files(a):
    if not a.out_prefix:
        return MODEL_FILES
    return {n: f"{a.out_prefix}_{n}.npy" for n in ("codebook", "mean", "proj")}


def evaluate(a):
    refs = [os.path.join(a.refdir, f"r{i}.jpg") for i in range(a.eval)]
    t = time.time()
    with ProcessPoolExecutor(a.workers, initializer=_init, initargs=(_files(a),)) as ex:
        R = np.stack(list(ex.map(_ref_desc_job, [(p,) for p in refs], chunksize=16)))
        print(f"{len(R)} reference descriptors in {time.time() - t:.0f}s", file=sys.stderr, flush=True)
        rng = np.random.default_rng(a.qseed)
        qids = [(int(i), cat) for cat in synth.CATEGORIES for i in rng.choice(a.eval, a.per_category, replace=False)]
        Q = list(ex.map(_query_desc_job, [(i, c, a.qseed) for i, c in qids], chunksize=4))
    res = {}
    for (i, cat), qv in zip(qids, Q, strict=True):
        sims = qv @ R.T  # (regions, N)
        whole = sims[0]
        fused = sims.max(0)
        for name, s in (("whole", whole), ("regions", fused)):
            rank = int((s > s[i]).sum()) + 1
            res.setdefault((cat, name), []).append(rank)
    for K in (1, 10, 50, 100, 200):
        line = [f"K={K}"]
        for name in ("whole", "regions"):
            allr = [r for (c, n), rs in res.items() if n == name for r in rs]
            line.append(f"{name} {np.mean(np.array(allr) <= K):.3f}")
        print(" ".join(line))
    for cat in synth.CATEGORIES:
        print(cat, " ".join(f"{name}@100={np.mean(np.array(res[(cat, name)]) <= 100):.2f}" for name in ("whole", "regions")))


if __name__ == "__main__":
    main()
