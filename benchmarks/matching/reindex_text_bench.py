"""The real text build path: `turath matching reindex` (turath.matching.index.reindex) over a register of
synthetic demo records (turath.register.demo: trilingual titles, concept labels, a description), so
the gists are the ones object_gist() builds (~100 tokens each on the demo register, against ~65 for
text_build_bench.py's records). Records per second (wall) and per CPU-second (every thread of this
process counted, process_time), the load average at the end.

    # once: a register of N demo records (no photographs) in DIR (a SQLite database)
    .venv/bin/python benchmarks/matching/reindex_text_bench.py --prepare DIR --objects 512
    # then, as often as wanted (TURATH_EMBED_THREADS: embedding threads, default 2)
    nice -n 10 .venv/bin/python benchmarks/matching/reindex_text_bench.py --run DIR [--batch 48]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))


def cpu_seconds() -> float:
    """This process's CPU time (every thread), plus its live child processes' (an embedding worker
    process, as the build before the fourth pass had)."""
    total, tick, me = time.process_time(), os.sysconf("SC_CLK_TCK"), str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if f[1] == me:
            total += (int(f[11]) + int(f[12])) / tick
    return total


def setup(var_dir: str) -> None:
    os.environ["TURATH_VAR_DIR"] = os.path.abspath(var_dir)
    os.environ.pop("TURATH_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turath.settings")
    import django

    django.setup()


def prepare(var_dir: str, objects: int) -> dict:
    setup(var_dir)
    from django.core.management import call_command

    from turath.register.demo.loading import load_demo

    call_command("setup", verbosity=0)  # the database and the starter vocabulary
    load_demo(objects=objects, images_every=0, seed=7)
    from turath.register.models import CulturalObject

    return {"objects": CulturalObject.objects.count()}


def run(var_dir: str, batch: int) -> dict:
    setup(var_dir)
    from turath.matching import index
    from turath_engine import Engine
    from turath_engine.embedding import embedder

    emb = embedder()
    assert emb.available, emb.error
    gists = [index.object_gist(o, index.concept_labels(o)) for o in index.objects_for_indexing()]
    tokens = [len(emb._model.token_ids(g)) + 2 for g in gists]
    emb.passages(["warm up"])
    emb.prefetch([f"warm up {i}" for i in range(emb.PARALLEL_MIN)])  # starts the threads
    with tempfile.TemporaryDirectory() as tmp:
        eng = Engine.create(os.path.join(tmp, "ix"), concepts=index.vocabulary_concepts())
        t, cpu = time.perf_counter(), cpu_seconds()
        report = index.reindex(eng, batch=batch, workers=1)
        dt, dcpu = time.perf_counter() - t, cpu_seconds() - cpu
        eng.close()
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    n = report["texts"]
    return {"texts": n, "threads": int(os.environ.get("TURATH_EMBED_THREADS", "2")), "batch": batch,
            "tokens_mean": round(statistics.mean(tokens), 1), "seconds": round(dt, 2),
            "records_per_s": round(n / dt, 1), "cpu_seconds": round(dcpu, 2),
            "records_per_cpu_s": round(n / dcpu, 1), "load_at_end": load}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prepare")
    ap.add_argument("--objects", type=int, default=512)
    ap.add_argument("--run")
    ap.add_argument("--batch", type=int, default=48)
    a = ap.parse_args()
    if a.prepare:
        print(json.dumps(prepare(a.prepare, a.objects)))
    elif a.run:
        print(json.dumps(run(a.run, a.batch)))
    else:
        ap.error("--prepare DIR or --run DIR")


if __name__ == "__main__":
    main()
