"""Register benchmarks: CSV import rate, search p95, object page p95, database size per million objects.

    .venv/bin/python benchmarks/register/bench_register.py --objects 100000
    TURATH_DATABASE_URL=$(scripts/pg.sh) .venv/bin/python benchmarks/register/bench_register.py --objects 100000

Runs against a FRESH database it creates itself: SQLite under --dir (default /tmp/turath-bench),
or, with TURATH_DATABASE_URL set to PostgreSQL, a database named `turath_bench` on that server
(dropped and re-created; the database named in the URL is not touched). The rows come from the demo
generator (turath/register/demo.py, synthetic data), written as CSV files (one per owning agency, as
each agency imports its own records) and imported through turath.register.importer.import_file.
Prints every figure it measures and writes them to <dir>/results-<engine>-<N>.json.
"""

import argparse
import csv
import json
import os
import platform
import queue
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# (query, filters) pairs: two words, two facets. Concept facet values are filled in once the vocabulary is loaded.
SEARCHES = (
    ("gold dinar", {"status": ["registered", "published"], "origin_country": ["SY", "IQ", "EG"]}),
    ("دينار ذهبي", {"status": ["published", "seized", "in_custody"], "period": ["Abbasid"]}),
    ("manuscrit naskhi", {"material": ["paper"], "status": ["registered", "published"]}),
    ("lustre Kashan", {"origin_country": ["IR"], "status": ["registered", "reported_stolen", "published"]}),
    ("Kufic parchment", {"period": ["Abbasid", "Fatimid"], "status": ["registered", "published", "restituted"]}),
    ("أسطرلاب نحاسي", {"origin_country": ["EG", "SY", "IR", "TR"], "status": ["registered", "published"]}),
)
# Two-word queries whose words match fewer records (≤ search.RANK_LIMIT), so the page is ranked by
# relevance (bm25 / ts_rank): the synthetic register repeats its words, and every query above
# matches 45,000-160,000 records by its words alone (newest first, see benchmarks/README.md).
SEARCHES_RANKED = (
    ("knotted Ispahan", {"status": ["registered", "published"], "origin_country": ["IR", "IQ", "TR"]}),
    ("Petra byzantin", {"status": ["registered", "published"], "origin_country": ["JO", "SY", "EG"]}),
    ("سجادة تبريز", {"status": ["registered", "published", "seized"], "origin_country": ["IR", "TR"]}),
)


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def fresh_database(args) -> str:
    """Point Django at a new, empty database (or, with --measure-only, at the one an earlier run
    built) and return the engine's name."""
    url = os.environ.get("TURATH_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = os.environ.get("TURATH_BENCH_DATABASE", "turath_bench")

        parsed = urlparse(url)
        if not args.measure_only:
            with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["TURATH_DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
        os.environ.setdefault("TURATH_VAR_DIR", str(args.dir / "pg-var"))
        return "postgresql"
    os.environ.pop("TURATH_DATABASE_URL", None)
    var = args.dir / "sqlite-var"
    if not args.measure_only:
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
    os.environ["TURATH_VAR_DIR"] = str(var)
    return "sqlite"


def import_worker(csv_dir: str, codes: list[str], done) -> None:
    """One agency's importer process (--import-jobs): imports its agencies' files one after the other and
    puts (code, created, error text) on `done` after each. The environment (database URL) is the parent's."""
    import django

    django.setup()
    from turath.register import demo
    from turath.register.importer import import_file

    _agencies, users = demo.ensure_people()
    editors = {u.agency.code: u for u in users.values() if u.role == "editor"}
    for code in codes:
        report = import_file(Path(csv_dir) / f"{code}.csv", editors[code])
        failed = "" if report.committed and not report.failed else report.as_text()
        done.put((code, report.created, failed))


def import_in_parallel(csv_dir: Path, counts: dict[str, int], jobs: int, progress) -> int:
    """Import the agencies' files with `jobs` processes at once, as agencies importing at the same time
    would; each file is still one all-or-nothing transaction. Files go to the least loaded process."""
    import multiprocessing

    shares: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for code in sorted(counts, key=lambda c: (-counts[c], c)):
        k = loads.index(min(loads))
        shares[k].append(code)
        loads[k] += counts[code]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections
    done = context.Queue()
    workers = [context.Process(target=import_worker, args=(str(csv_dir), share, done), daemon=True)
               for share in shares if share]
    for worker in workers:
        worker.start()
    created = 0
    try:
        for _ in range(len(counts)):
            while True:
                try:
                    code, n, failed = done.get(timeout=5)
                    break
                except queue.Empty:
                    if any(worker.exitcode for worker in workers):  # a process died before reporting its file
                        raise SystemExit("an import process failed; see its traceback above") from None
            if failed:
                raise SystemExit(f"import of {code}.csv failed:\n{failed}")
            created += n
            progress.update(n)
    finally:  # on any failure (or Ctrl-C) no import process is left running
        for worker in workers:
            if worker.is_alive() and worker.exitcode is None and created < sum(counts.values()):
                worker.terminate()
            worker.join()
    if any(worker.exitcode for worker in workers):
        raise SystemExit("an import process ended with an error")
    return created


def bar(total, desc):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="rec", file=sys.stderr, mininterval=2, disable=None)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/turath-bench"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--searches", type=int, default=300, help="timed searches (default 300)")
    parser.add_argument("--pages", type=int, default=300, help="timed object page requests (default 300)")
    parser.add_argument("--vocab", type=Path, help="SKOS file to load instead of the starter vocabulary")
    parser.add_argument("--import-jobs", type=int, default=1,
                        help="PostgreSQL: import this many agencies' files at once, one process each (default 1)")
    parser.add_argument("--measure-only", action="store_true",
                        help="skip the import: measure (b)-(d) on the database an earlier run left in --dir")
    args = parser.parse_args()
    postgres = os.environ.get("TURATH_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if args.import_jobs > 1 and not postgres and not args.measure_only:
        parser.error("--import-jobs needs PostgreSQL: SQLite has one writer at a time")
    args.dir.mkdir(parents=True, exist_ok=True)
    engine = fresh_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turath.settings")
    os.environ.setdefault("TURATH_MEDIA_ROOT", str(args.dir / "media"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from turath.core.context import acting_as
    from turath.register import demo
    from turath.register.importer import import_file
    from turath.register.models import CulturalObject
    from turath.register.search import search_objects
    from turath.vocabulary import services as vocab
    from turath.vocabulary.models import Concept

    n = args.objects
    results = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "engine": engine, "objects": n,
               "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
               "command": " ".join(sys.argv)}
    call_command("migrate", verbosity=0)
    with acting_as(None, via="benchmark"):
        if args.vocab:
            vocab.import_skos(str(args.vocab), fmt="turtle")
        else:
            vocab.load_starter()
    agencies, users = demo.ensure_people()
    editors = {u.agency.code: u for u in users.values() if u.role == "editor"}

    # Two imports at a time give other import figures: their results are kept apart.
    results_name = f"results-{engine}-{n}" + (f"-jobs{args.import_jobs}" if args.import_jobs > 1 else "") + ".json"
    previous = args.dir / results_name
    if args.measure_only:
        # Keep the import figures of the run that built this database; measure the rest again.
        assert CulturalObject.objects.count() == n, "--measure-only needs the database of an earlier run of N objects"
        earlier = json.loads(previous.read_text()) if previous.exists() else {}
        results.update({k: v for k, v in earlier.items() if k.startswith(("import", "csv"))})
        results["measured_again"] = results["date"]
    else:
        # (a) CSV import rate. The CSV files are written first (not timed), one per owning agency.
        started = time.monotonic()
        demo_vocab = demo.DemoVocab.load()
        csv_dir = args.dir / f"csv-{n}"
        shutil.rmtree(csv_dir, ignore_errors=True)
        csv_dir.mkdir()
        files, writers, counts = {}, {}, {}
        with bar(n, "writing CSV") as progress:
            for i in range(n):
                row = demo.demo_row(i, args.seed, demo_vocab)
                code = row["owning_agency"]
                if code not in writers:
                    files[code] = open(csv_dir / f"{code}.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115
                    writers[code] = csv.DictWriter(files[code], fieldnames=demo.CSV_COLUMNS)
                    writers[code].writeheader()
                writers[code].writerow(demo.csv_row(row))
                counts[code] = counts.get(code, 0) + 1
                progress.update(1)
        for fh in files.values():
            fh.close()
        results["csv_write_s"] = round(time.monotonic() - started, 1)
        results["csv_bytes"] = sum(p.stat().st_size for p in csv_dir.glob("*.csv"))

        started = time.monotonic()
        created = 0
        with bar(n, "importing") as progress:
            if args.import_jobs > 1:
                created = import_in_parallel(csv_dir, counts, args.import_jobs, progress)
            else:
                for code in sorted(counts):
                    report = import_file(csv_dir / f"{code}.csv", editors[code], progress=progress.update)
                    if not report.committed or report.failed:
                        raise SystemExit(f"import of {code}.csv failed:\n{report.as_text()}")
                    created += report.created
        import_s = time.monotonic() - started
        assert created == n == CulturalObject.objects.count(), (created, n)
        results["import_s"] = round(import_s, 1)
        results["import_rate_per_s"] = round(n / import_s)
        results["import_jobs"] = args.import_jobs
        print(f"(a) CSV import: {n} records in {import_s:.1f} s = {n / import_s:,.0f} records/s "
              f"({len(counts)} files, {results['csv_bytes'] / 1e6:.0f} MB, {args.import_jobs} at a time)")
        shutil.rmtree(csv_dir)

    if engine == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    # (b) search p95: a member agency's viewer (not law enforcement), two words and two facets.
    member = users["ma-museum-viewer"]
    concept_ids = {}
    for c in Concept.objects.filter(scheme__key__in=[vocab.PERIODS, vocab.MATERIALS]):
        concept_ids[c.pref_en.lower()] = str(c.pk)  # "Paper" in the starter vocabulary
    searches = []
    for q, filters in SEARCHES:
        resolved = {k: [concept_ids[v.lower()] if k in ("period", "material") else v for v in vs]
                    for k, vs in filters.items()}
        searches.append((q, resolved))

    def run_search(q, filters, order="relevance"):
        # What the search page does: the first page of 20 records, the count, the facet counts.
        result = search_objects(member, q, filters, lang="fr", order=order)
        page = result[0:20]
        count = result.count
        facets = result.facets()
        return result, page, count, facets

    def measure(label, order, queries):
        timings, hits = [], {}
        for k in range(args.searches):
            q, f = queries[k % len(queries)]
            t = time.perf_counter()
            result, page, count, _facets = run_search(q, f, order)
            timings.append((time.perf_counter() - t) * 1000)
            hits[q] = {"matches": count, "text_matches": result.text_count, "ranked": result.ranked,
                       "page": len(page)}
        figures = {"p50": round(percentile(timings, 50), 1), "p95": round(percentile(timings, 95), 1),
                   "max": round(max(timings), 1), "runs": len(timings)}
        print(f"(b) search, {label} (20 results + count + facets, user {member.username}): p50 {figures['p50']} ms, "
              f"p95 {figures['p95']} ms over {len(timings)} runs")
        for q, h in hits.items():
            print(f"    {q!r}: {h}")
        return figures, hits

    for q, f in searches:  # warm caches (and the first load of the search columns)
        t = time.perf_counter()
        run_search(q, f)
        print(f"    warm-up {q!r}: {(time.perf_counter() - t) * 1000:.0f} ms")
    results["search_ms"], hits = measure("by relevance", "relevance", searches)
    results["search_hits"] = {q: h["matches"] for q, h in hits.items()}
    results["search_detail"] = hits
    results["search_ranked_ms"], results["search_ranked_detail"] = measure(
        "words matching at most RANK_LIMIT records, by relevance", "relevance", list(SEARCHES_RANKED))
    results["search_newest_first_ms"], _ = measure("newest first", "-updated", searches)
    results["browse_ms"], _ = measure("no words, two facets, newest first", "relevance",
                                      [("", f) for _q, f in searches])

    # (c) object page p95: GET /objects/<record_number>/ as a logged-in member-agency user.
    setup_test_environment()
    client = Client()
    client.force_login(member)
    visible = list(CulturalObject.objects.restrict(member, "view").order_by("?").values_list(
        "record_number", flat=True)[:max(args.pages, 1)])
    rng = random.Random(args.seed)
    for number in visible[:5]:
        assert client.get(reverse("register:object-detail", args=[number])).status_code == 200
    timings = []
    for _ in range(args.pages):
        url = reverse("register:object-detail", args=[rng.choice(visible)])
        t = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    results["object_page_ms"] = {"p50": round(percentile(timings, 50), 1), "p95": round(percentile(timings, 95), 1),
                                 "max": round(max(timings), 1), "runs": len(timings)}
    print(f"(c) object page: p50 {results['object_page_ms']['p50']} ms, p95 {results['object_page_ms']['p95']} ms "
          f"over {len(timings)} requests")

    # (d) database size.
    with connection.cursor() as cur:
        if engine == "sqlite":
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = Path(connection.settings_dict["NAME"]).stat().st_size
            objects_size = None
        else:
            cur.execute("SELECT pg_database_size(current_database()), pg_total_relation_size('register_culturalobject')")
            size, objects_size = cur.fetchone()
    results["db_bytes"] = size
    results["db_bytes_per_million"] = round(size * 1_000_000 / n)
    if objects_size is not None:
        results["objects_table_bytes"] = objects_size
    print(f"(d) database: {size / 1e6:,.0f} MB for {n} records = {results['db_bytes_per_million'] / 1e9:.2f} GB "
          f"per million" + (f" (register_culturalobject with indexes: {objects_size / 1e6:,.0f} MB)"
                            if objects_size else ""))
    out = args.dir / results_name
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
