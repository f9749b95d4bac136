"""Image matching benchmark: recall@1/@10, MRR, false-match rate, latency, index size, build rate,
against the perceptual-hash-only (PDQ) baseline in the same run.

    .venv/bin/python benchmarks/matching/run.py --quick
    .venv/bin/python benchmarks/matching/run.py --sizes 1000,10000 --per-category 30 --workers 2
    .venv/bin/python benchmarks/matching/run.py --sizes 1000 --qseed 3 --calibrate   # refit calibration.json

Sizes are built incrementally in one index (the 10,000 set extends the 1,000 set), so each size's
build rate is measured on the images added for that size. Results go to stdout and --out JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import synth  # noqa: E402

from turath_engine.engine import CALIBRATION_FILE, Engine, load_calibration  # noqa: E402
from turath_engine.features import pdq_hash  # noqa: E402
from turath_engine.imaging import load_image  # noqa: E402


def _ref_job(args):
    """Write register image i as a JPEG file (generation is not part of the timed build)."""
    i, folder = args
    path = os.path.join(folder, f"r{i}.jpg")
    if not os.path.exists(path):
        img, _ = synth.reference(i)
        cv2.imwrite(path + ".tmp.jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        os.replace(path + ".tmp.jpg", path)
    return path


def _query_job(args):
    i, cat, qseed = args
    q = synth.query(i, cat, qseed=qseed)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(q, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    return buf.tobytes()


def _oor_job(j, surfaces="register"):
    q = synth.out_of_register(j, surfaces=surfaces)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(q, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    return buf.tobytes()


def dir_size(p):
    return sum(os.path.getsize(os.path.join(p, f)) for f in os.listdir(p))


def build(eng, start, stop, workers, refdir):
    """Generate the JPEG files (untimed), then index them exactly as `engine index` does (timed)."""
    os.makedirs(refdir, exist_ok=True)
    t = time.perf_counter()
    with ProcessPoolExecutor(max(1, workers)) as ex:
        paths = list(ex.map(_ref_job, [(i, refdir) for i in range(start, stop)], chunksize=32))
    print(f"  generated {len(paths)} files in {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    done = [0]

    def progress(key, err):
        done[0] += 1
        if err:
            print(f"  error {key}: {err}", file=sys.stderr)
        if done[0] % 1000 == 0:
            print(f"  indexed {done[0]}", file=sys.stderr, flush=True)

    t = time.perf_counter()
    res = eng.add_images([(f"r{i}", p, {"group": f"r{i}"}) for i, p in zip(range(start, stop), paths, strict=True)],
                         workers=workers, on_progress=progress)
    assert not res["errors"], res["errors"][:3]
    return time.perf_counter() - t


def pct(a, q):
    return float(np.percentile(np.asarray(a), q)) if len(a) else float("nan")


def evaluate(eng, queries, oor, threshold):
    rows = []
    lat = []
    cpu = []
    pdq_index = eng.images.pdq
    for (i, cat), qb in queries:
        t, c = time.perf_counter(), time.process_time()
        res = eng.query(images=[qb], top=10, include_below_threshold=True)
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        keys = [c.key for c in res.candidates]
        rank = keys.index(f"r{i}") + 1 if f"r{i}" in keys else None
        top = res.candidates[0] if res.candidates else None
        # baseline: PDQ hash nearest neighbours only
        pq, _ = pdq_hash(load_image(qb))
        D, Idx = pdq_index.search(pq.reshape(1, 32), 10)
        pdq_keys = [int(x) for x in Idx[0]]
        # image ids are insertion order + 1 = i + 1 for r{i}
        prank = pdq_keys.index(i + 1) + 1 if (i + 1) in pdq_keys else None
        rows.append({"i": i, "cat": cat, "rank": rank, "top_inliers": top.evidence["image"]["inliers"] if top else 0,
                     "top_correct": bool(top and top.key == f"r{i}"),
                     # the candidate's own confidence decides whether it is shown (the threshold);
                     # the shared one is what the officer reads when look-alikes compete
                     "top_score": top.independent_score if top else 0.0, "top_shared": top.score if top else 0.0,
                     "similar": res.similar,
                     "pdq_rank": prank, "pdq_d1": int(D[0][0])})
    neg = []
    for j, qb in oor:
        t, c = time.perf_counter(), time.process_time()
        res = eng.query(images=[qb], top=10, include_below_threshold=True)
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        top = res.candidates[0] if res.candidates else None
        pq, _ = pdq_hash(load_image(qb))
        D, Idx = pdq_index.search(pq.reshape(1, 32), 1)
        neg.append({"j": j, "top_inliers": top.evidence["image"]["inliers"] if top else 0,
                    "top_score": top.independent_score if top else 0.0, "similar": res.similar,
                    "pdq_d1": int(D[0][0])})
    return rows, neg, (lat, cpu)


def summarize(rows, neg, lat, threshold, pdq_threshold):
    lat, cpu = lat
    def block(rs):
        n = len(rs)
        r1 = sum(1 for r in rs if r["rank"] == 1) / n
        r10 = sum(1 for r in rs if r["rank"] and r["rank"] <= 10) / n
        mrr = sum(1 / r["rank"] for r in rs if r["rank"]) / n
        r1t = sum(1 for r in rs if r["rank"] == 1 and r["top_score"] >= threshold) / n
        p1 = sum(1 for r in rs if r["pdq_rank"] == 1) / n
        p10 = sum(1 for r in rs if r["pdq_rank"] and r["pdq_rank"] <= 10) / n
        p1t = sum(1 for r in rs if r["pdq_rank"] == 1 and r["pdq_d1"] <= pdq_threshold) / n
        return {"n": n, "recall@1": round(r1, 4), "recall@10": round(r10, 4), "mrr": round(mrr, 4),
                "recall@1_above_threshold": round(r1t, 4),
                "pdq_recall@1": round(p1, 4), "pdq_recall@10": round(p10, 4), "pdq_recall@1_at_threshold": round(p1t, 4)}

    out = {"all": block(rows)}
    for cat in synth.CATEGORIES:
        rs = [r for r in rows if r["cat"] == cat]
        if rs:
            out[cat] = block(rs)
    wrong_conf = sum(1 for r in rows if not r["top_correct"] and r["top_score"] >= threshold)
    out["false_match_out_of_register"] = round(sum(1 for x in neg if x["top_score"] >= threshold) / max(1, len(neg)), 4)
    out["wrong_top1_above_threshold_in_register"] = round(wrong_conf / max(1, len(rows)), 4)
    out["pdq_false_match_out_of_register"] = round(sum(1 for x in neg if x["pdq_d1"] <= pdq_threshold) / max(1, len(neg)), 4)
    out["n_out_of_register"] = len(neg)
    out["similar_flag_in_register"] = round(sum(1 for r in rows if r.get("similar")) / max(1, len(rows)), 4)
    out["first_stage"] = os.environ.get("TURATH_ENGINE_FIRST_STAGE", "global")
    out["latency_ms_p50"] = round(pct(lat, 50), 1)
    out["latency_ms_p95"] = round(pct(lat, 95), 1)
    # CPU time of the querying process: less sensitive to other work on the shared 2-core machine
    out["cpu_ms_p50"] = round(pct(cpu, 50), 1)
    out["cpu_ms_p95"] = round(pct(cpu, 95), 1)
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    return out


def fit_logistic(x, y, iters=50, l2=1e-3):
    """Two-parameter logistic regression by Newton's method (no sklearn dependency)."""
    X = np.stack([np.ones_like(x), x], 1)
    w = np.zeros(2)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-X @ w))
        g = X.T @ (p - y) + l2 * w
        H = X.T @ (X * (p * (1 - p))[:, None]) + l2 * np.eye(2)
        w -= np.linalg.solve(H, g)
    return float(w[0]), float(w[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--per-category", type=int, default=30)
    ap.add_argument("--oor", type=int, default=300, help="out-of-register queries")
    ap.add_argument("--oor-surfaces", choices=("register", "clutter"), default="register",
                    help="out-of-register objects' surfaces: of the register's photos (the definition so far) "
                         "or of photos no register image uses (no shared photographed patch)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--qseed", type=int, default=7)
    ap.add_argument("--workdir", default="/tmp/turath-bench")
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true", help="300 references, 5 queries per category")
    ap.add_argument("--calibrate", action="store_true", help=f"fit and write {CALIBRATION_FILE}")
    ap.add_argument("--pdq-threshold", type=int, default=31, help="PDQ baseline: match if Hamming distance <= this")
    ap.add_argument("--keep", action="store_true", help="reuse an existing index in --workdir")
    a = ap.parse_args()
    if a.quick:
        a.sizes, a.per_category, a.oor = "300", 5, 30
    sizes = [int(s) for s in a.sizes.split(",")]
    idx = os.path.join(a.workdir, "index")
    if not a.keep and os.path.exists(idx):
        shutil.rmtree(idx)
    os.makedirs(a.workdir, exist_ok=True)
    eng = Engine.open(idx, create=True)
    have = len(eng)
    cal = load_calibration()
    results = {"machine": f"{platform.machine()} {os.cpu_count()} cores", "date": time.strftime("%Y-%m-%d %H:%M"),
               "args": vars(a), "sizes": {}}
    for size in sizes:
        build_s = 0.0
        if have < size:
            print(f"building {have} -> {size}", file=sys.stderr, flush=True)
            build_s = build(eng, have, size, a.workers, os.path.join(a.workdir, "refs"))
            added = size - have
            have = size
        else:
            added = 0
        # queries of references spread over the whole set
        qids = []
        rng = np.random.default_rng(a.qseed)
        for cat in synth.CATEGORIES:
            for i in rng.choice(size, a.per_category, replace=False):
                qids.append((int(i), cat))
        t = time.perf_counter()
        if a.workers > 1:
            with ProcessPoolExecutor(a.workers) as ex:
                qbytes = list(ex.map(_query_job, [(i, c, a.qseed) for i, c in qids], chunksize=8))
                oor = list(ex.map(_oor_job, range(a.oor), [a.oor_surfaces] * a.oor))
        else:
            qbytes = [_query_job((i, c, a.qseed)) for i, c in qids]
            oor = [_oor_job(j, a.oor_surfaces) for j in range(a.oor)]
        print(f"generated {len(qids)} + {len(oor)} queries in {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
        eng.query(images=[qbytes[0]])  # warm-up (vocabulary, first memmaps)
        rows, neg, lat = evaluate(eng, list(zip(qids, qbytes, strict=True)), list(enumerate(oor)), cal["threshold"])
        summ = summarize(rows, neg, lat, cal["threshold"], a.pdq_threshold)
        summ["build_images_per_s"] = round(added / build_s, 1) if build_s else None
        summ["build_seconds"] = round(build_s, 1)
        summ["index_bytes"] = dir_size(idx)
        summ["index_mb"] = round(dir_size(idx) / 1e6, 1)
        summ["threshold"] = cal["threshold"]
        results["sizes"][size] = summ
        print(json.dumps({size: summ}, indent=1), flush=True)
        if a.calibrate and size == sizes[0]:
            # positives: top-1 correct; negatives: top-1 wrong (in register) and every out-of-register top-1
            x = np.array([math.log1p(r["top_inliers"]) for r in rows] + [math.log1p(x["top_inliers"]) for x in neg])
            y = np.array([1.0 if r["top_correct"] else 0.0 for r in rows] + [0.0] * len(neg))
            ca, cb = fit_logistic(x, y)
            neg_inl = sorted([r["top_inliers"] for r in rows if not r["top_correct"]] + [x["top_inliers"] for x in neg])
            # operating threshold: probability at one inlier above the worst negative (<= 1% false match target)
            worst = neg_inl[int(0.995 * (len(neg_inl) - 1))] if neg_inl else 10
            thr = 1 / (1 + math.exp(-(ca + cb * math.log1p(worst + 1))))
            thr = round(min(max(thr, 0.3), 0.9), 3)
            new = {**load_calibration(), "image": {"a": round(ca, 4), "b": round(cb, 4), "feature": "log1p_inliers"},
                   "threshold": thr,
                   "fitted_on": {"size": size, "positives": int(y.sum()), "negatives": int(len(y) - y.sum()),
                                 "qseed": a.qseed, "date": results["date"], "worst_negative_inliers_p99.5": int(worst)}}
            with open(CALIBRATION_FILE, "w", encoding="utf-8") as fh:
                json.dump(new, fh, indent=1)
            print(f"calibration written: {new}", file=sys.stderr)
        if a.out:
            with open(a.out, "w") as fh:
                json.dump(results, fh, indent=1)
            with open(a.out.replace(".json", "-rows.json"), "w") as fh:
                json.dump({str(size): {"rows": rows, "neg": neg}}, fh)
    eng.close()


if __name__ == "__main__":
    main()
