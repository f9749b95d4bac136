"""Cross-lingual text retrieval: recall@1 for Arabic->English, French->English, English->Arabic
(plus the reverse pairs), with ablations lexical-only and embedding-only, and the engine as Turath
runs it: with a concept hook built from Turath's shipped trilingual starter vocabulary (SKOS, read
with rdflib), so that «نحاس», «laiton» and «brass» meet on one concept.

    .venv/bin/python benchmarks/matching/text_bench.py [--calibrate]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

from text_data import OBJECTS  # noqa: E402

from turath_engine.engine import CALIBRATION_FILE, Engine, load_calibration  # noqa: E402
from turath_engine.text import normalize, tokens  # noqa: E402

STARTER_VOCABULARY = os.path.join(HERE, "..", "..", "turath", "vocabulary", "data", "starter.ttl")


def vocabulary_hook(path: str = STARTER_VOCABULARY) -> dict[str, set[str]]:
    """Normalised one-word labels (preferred and alternative, ar/en/fr) -> concept URIs."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    g = Graph().parse(path, format="turtle")
    hook: dict[str, set[str]] = {}
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        for concept, label in g.subject_objects(prop):
            words = tokens(str(label))
            if len(words) == 1:
                hook.setdefault(words[0], set()).add(str(concept))
            raw = normalize(str(label)).split()
            if len(raw) == 1:
                hook.setdefault(raw[0], set()).add(str(concept))
    return hook

LANG = {"en": 1, "fr": 2, "ar": 3}
PAIRS = [("ar", "en"), ("fr", "en"), ("en", "ar"), ("en", "fr"), ("fr", "ar"), ("ar", "fr")]


def run(mode: str, pairs=PAIRS):
    out = {}
    scores = []
    lat = []
    hook = vocabulary_hook() if mode == "fused+vocabulary" else None
    with tempfile.TemporaryDirectory() as tmp:
        engines = {}
        for tgt in {t for _, t in pairs}:
            eng = Engine.create(os.path.join(tmp, tgt), concepts=hook)
            for o in OBJECTS:
                eng.add_text(o[0], o[LANG[tgt]], tgt)
            engines[tgt] = eng
        for src, tgt in pairs:
            eng = engines[tgt]
            hits = 0
            for o in OBJECTS:
                if mode == "lexical":
                    eng.cal = {**eng.cal, "semantic": {"lo": 2.0, "hi": 3.0}}  # semantic part -> 0
                t = time.perf_counter()
                r = eng.query(text=o[LANG[src]], top=60, include_below_threshold=True)
                lat.append((time.perf_counter() - t) * 1000)
                if mode == "semantic":
                    ranked = sorted(r.candidates, key=lambda c: -(c.evidence["text"]["semantic_cosine"] or 0))
                else:
                    ranked = r.candidates
                hits += bool(ranked) and ranked[0].key == o[0]
                for c in r.candidates:
                    scores.append((c.text_score, c.key == o[0]))
            out[f"{src}->{tgt}"] = round(hits / len(OBJECTS), 4)
        for e in engines.values():
            e.close()
    return out, scores, lat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calibrate", action="store_true")
    a = ap.parse_args()
    res = {}
    for mode in ("fused", "fused+vocabulary", "lexical", "semantic"):
        r, scores, lat = run(mode)
        res[mode] = r
        if mode == "fused":
            res["latency_ms_p50"] = round(float(np.percentile(lat, 50)), 1)
            res["latency_ms_p95"] = round(float(np.percentile(lat, 95)), 1)
            fused_scores = scores
        print(mode, json.dumps(r), file=sys.stderr, flush=True)
    if a.calibrate:
        from run import fit_logistic

        x = np.array([s for s, _ in fused_scores], float)
        y = np.array([1.0 if ok else 0.0 for _, ok in fused_scores])
        ca, cb = fit_logistic(x, y)
        cal = load_calibration()
        cal["text"] = {"a": round(ca, 4), "b": round(cb, 4),
                       "fitted_on": {"positives": int(y.sum()), "negatives": int(len(y) - y.sum()), "objects": len(OBJECTS)}}
        with open(CALIBRATION_FILE, "w", encoding="utf-8") as fh:
            json.dump(cal, fh, indent=1)
        res["text_calibration"] = cal["text"]
        # how a correct document scores vs the best wrong one
        pos = x[y == 1]
        neg = x[y == 0]
        res["text_score_correct_p10"] = round(float(np.percentile(pos, 10)), 3)
        res["text_score_wrong_p99"] = round(float(np.percentile(neg, 99)), 3)
        res["text_confidence_at_correct_median"] = round(1 / (1 + math.exp(-(ca + cb * float(np.median(pos))))), 3)
    print(json.dumps(res, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
