"""Text side of index building: records/s through Engine.add_text, as `turath matching reindex` feeds
it, one process per configuration:

- one-by-one: each record's gist embedded alone (batch 1);
- batched: Embedder.prefetch() of BATCH gists, then add_text (turath/matching/index.py, index_objects),
  the batch shared by PROCS threads (TURATH_EMBED_THREADS, each running whole forward passes on one
  core);
- pipelined: as reindex does it: Embedder.start_prefetch() of batch k+1 in the background, then
  add_text of batch k, so that the lexical side does not leave the embedding threads' cores idle;
- intra-op: batched, but one embedding thread whose onnxruntime session has PROCS intra-op threads
  (each product shared out by onnxruntime);
- lexical only: TURATH_TEXT_EMBEDDINGS=0, words, concepts and names without the model;

each with the encoder TURATH_TEXT_ENCODER names (onnx: int8 through onnxruntime, turath_engine/e5_onnx.py;
numpy: float32, e5.py), the 4th field of a configuration. Also one query's embedding (ms, median of 50).

CPU time is this process's, every thread counted (process_time), so records per CPU-second is the cost
whatever the machine's load; the wall clock says what the load left.

The engine has the starter vocabulary's concepts, as the register's has. Records are built from the
90 trilingual objects of text_data.py as the register builds a record's
texts (matching/index.py): the lexical document has every language, the gist read by the embedding has
the three descriptions and a record number (so no two gists are equal).

    nice -n 10 .venv/bin/python benchmarks/matching/text_build_bench.py [--records 256]
        [--configs one-by-one:1:1:onnx,batched:2:64:onnx,pipelined:2:64:onnx,lexical only:1:64]
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


def one(mode: str, n: int, batch: int) -> dict:
    from text_bench import vocabulary

    from turath_engine.embedding import embedder
    from turath_engine.engine import Engine
    from turath_engine.text import ConceptExtractor

    if mode == "lexical only":
        n = max(n, 2000)  # fast: more records for a steadier figure
    recs = records(n)
    concepts = ConceptExtractor(*vocabulary())  # as the register's engine opens
    emb = embedder()
    if mode != "lexical only":
        assert emb.available, emb.error
        if os.environ.get("BENCH_BATCH_TOKENS"):  # tokens per forward pass (E5Onnx.BATCH_TOKENS)
            emb._model.BATCH_TOKENS = int(os.environ["BENCH_BATCH_TOKENS"])
        if mode == "intra-op":
            from turath_engine.e5_onnx import session

            threads = int(os.environ["TURATH_EMBED_THREADS"])
            emb._model._session = session(emb._model.onnx_path, threads)
            emb._threads = 1
        emb.passages(["warm up"] * 1)
        emb.prefetch([f"warm up {i}" for i in range(emb.PARALLEL_MIN)])  # starts the threads
    with tempfile.TemporaryDirectory() as tmp:
        eng = Engine.create(os.path.join(tmp, "ix"), concepts=concepts)
        t, cpu = time.perf_counter(), time.process_time()
        chunks = [recs[start:start + batch] for start in range(0, n, batch)]
        ahead = emb.start_prefetch([gist for _, _, gist in chunks[0]]) if mode == "pipelined" else None
        for k, chunk in enumerate(chunks):
            if mode in ("batched", "intra-op"):
                emb.prefetch([gist for _, _, gist in chunk])
            elif mode == "pipelined":
                ahead.wait()
                if k + 1 < len(chunks):
                    ahead = emb.start_prefetch([gist for _, _, gist in chunks[k + 1]])
            for key, text, gist in chunk:
                eng.add_text(key, text, embed_text=gist)
        eng.flush()
        dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
        eng.close()
    query_ms = None
    if mode != "lexical only":
        lat = []
        for _, _, gist in recs[:50]:
            t = time.perf_counter()
            emb.query(gist.split(" \n")[1][:80])  # a short description, as typed at a check
            lat.append((time.perf_counter() - t) * 1000)
        query_ms = round(sorted(lat)[len(lat) // 2], 1)
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    # On a shared machine the wall clock mostly measures the others' load; the CPU time this process's
    # threads got says what the work costs: records per CPU-second x free cores = a quiet machine's rate.
    encoder = "-" if mode == "lexical only" else type(emb._model).__name__
    return {"mode": mode, "encoder": encoder, "threads": int(os.environ.get("TURATH_EMBED_THREADS", "0")), "batch": batch,
            "batch_tokens": getattr(emb._model, "BATCH_TOKENS", None), "records": n, "seconds": round(dt, 2), "records_per_s": round(n / dt, 1),
            "cpu_seconds": round(dcpu, 2), "records_per_cpu_s": round(n / dcpu, 1), "load_at_end": load,
            "query_ms": query_ms}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=256)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, default=64, help=argparse.SUPPRESS)
    ap.add_argument("--batch-tokens", type=int, help="tokens per forward pass (default: the encoder's)")
    ap.add_argument("--configs", default="one-by-one:1:1:onnx,batched:2:64:onnx,pipelined:2:64:onnx,lexical only:1:64",
                    help="mode:threads:batch[:onnx|numpy], comma-separated")
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.records, a.batch)))
        return
    results = []
    for config in a.configs.split(","):
        mode, threads, batch, encoder = (config.split(":") + ["onnx"])[:4]
        env = {**os.environ, "TURATH_EMBED_THREADS": threads, "TURATH_TEXT_ENCODER": encoder,
               "TURATH_TEXT_EMBEDDINGS": "0" if mode == "lexical only" else "1",
               "BENCH_BATCH_TOKENS": str(a.batch_tokens or "")}
        out = subprocess.run([sys.executable, __file__, "--one", mode, "--records", str(a.records), "--batch", batch],
                             env=env, capture_output=True, text=True, check=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"results": results}, indent=1))


if __name__ == "__main__":
    main()
