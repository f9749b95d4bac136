"""Text side of index building: records/s through Engine.add_text, as `turath matching reindex` feeds
it, one process per configuration (the model's thread count is fixed when it loads):

- one-by-one: each record's gist embedded alone (as before), 1 thread;
- batched: Embedder.prefetch() of 64 gists, then add_text (turath/matching/index.py, index_objects), 1 thread;
- batched, 2 threads: the same on both cores;
- lexical only: TURATH_TEXT_EMBEDDINGS=0, words, concepts and names without the model.

The engine has the starter vocabulary's concepts, as the register's has. Records are built from the
90 trilingual objects of text_data.py as the register builds a record's
texts (matching/index.py): the lexical document has every language, the gist read by the embedding has
the three descriptions and a record number (so no two gists are equal).

    nice -n 10 .venv/bin/python benchmarks/matching/text_build_bench.py [--records 128]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

BATCH = 64


def records(n: int) -> list[tuple[str, str, str]]:
    from text_data import HELD_OUT, OBJECTS

    objs = OBJECTS + HELD_OUT
    out = []
    for i in range(n):
        o = objs[i % len(objs)]
        number = f"EG-MOA-{i:06d}"
        text = " \n".join((number, o[1], o[2], o[3]))
        out.append((f"{i}:text", text, text))
    return out


def one(mode: str, n: int) -> dict:
    from text_bench import vocabulary

    from turath_engine.engine import Engine
    from turath_engine.text import ConceptExtractor, embedder

    if mode == "lexical only":
        n = max(n, 2000)  # fast: more records for a steadier figure
    recs = records(n)
    concepts = ConceptExtractor(*vocabulary())  # as the register's engine opens
    emb = embedder()
    if mode != "lexical only":
        assert emb.available, emb.error
        emb.passages(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        eng = Engine.create(os.path.join(tmp, "ix"), concepts=concepts)
        t, cpu = time.perf_counter(), time.process_time()
        for start in range(0, n, BATCH):
            chunk = recs[start:start + BATCH]
            if mode == "batched":
                emb.prefetch([gist for _, _, gist in chunk])
            for key, text, gist in chunk:
                eng.add_text(key, text, embed_text=gist)
        eng.flush()
        dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
        eng.close()
    # On a shared machine the wall clock mostly measures the others' load; the CPU time this process got
    # (all its threads) says what the work costs: records per CPU-second x cores = a quiet machine's rate.
    return {"mode": mode, "threads": int(os.environ.get("TURATH_EMBED_THREADS", "0")), "records": n,
            "seconds": round(dt, 2), "records_per_s": round(n / dt, 1), "cpu_seconds": round(dcpu, 2),
            "records_per_cpu_s": round(n / dcpu, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=128)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--configs", default="one-by-one:1,batched:1,batched:2,lexical only:1",
                    help="mode:threads, comma-separated")
    a = ap.parse_args()
    a.configs = [(c.split(":")[0], int(c.split(":")[1])) for c in a.configs.split(",")]
    if a.one:
        print(json.dumps(one(a.one, a.records)))
        return
    results = []
    for mode, threads in a.configs:
        env = {**os.environ, "TURATH_EMBED_THREADS": str(threads),
               "TURATH_TEXT_EMBEDDINGS": "0" if mode == "lexical only" else "1"}
        out = subprocess.run([sys.executable, __file__, "--one", mode, "--records", str(a.records)],
                             env=env, capture_output=True, text=True, check=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    print(json.dumps({"results": results, "loadavg_at_end": load}, indent=1))


if __name__ == "__main__":
    main()
