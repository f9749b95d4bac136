"""Where an import's time goes: the database's own work per record, without any Python.

    .venv/bin/python benchmarks/register/import_floor.py --objects 20000                 # SQLite
    TURATH_DATABASE_URL=$(scripts/pg.sh) .venv/bin/python benchmarks/register/import_floor.py --objects 20000

Builds a fresh database as bench_register.py does (SQLite under --dir, or the PostgreSQL database
`turath_floor`), imports N synthetic records of one agency with import_file (one CSV file, timed: the
import rate at this size), then writes the same records a second time with SQL alone: inside one
transaction, each table's rows are copied from a staging copy (new ids, record numbers and uids) with
INSERT ... SELECT, and the text index and search rows are filled as the import fills them (SQLite: the
importer's two batch statements; PostgreSQL: the insert trigger). The transaction is rolled back.
What the copy costs per record is what the database needs for a record whatever the Python side does:
the floor under the import's time on this machine. On PostgreSQL it also times to_tsvector alone,
and the record rows without the search trigger.
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout, as in bench_register.py
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_register import fresh_database  # noqa: E402

CHILDREN = (  # (table, column naming the record)
    ("register_culturalobject_materials", "culturalobject_id"),
    ("register_culturalobject_techniques", "culturalobject_id"),
    ("register_measurement", "object_id"),
    ("register_inscription", "object_id"),
    ("register_statuschange", "object_id"),
)
SHIFT = 10**9  # staging ids: beyond every record id


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/turath-floor"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.measure_only = False
    args.dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TURATH_BENCH_DATABASE", "turath_floor")
    engine = fresh_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turath.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from turath.core.context import acting_as
    from turath.register import demo
    from turath.register.importer import import_file
    from turath.vocabulary import services as vocab

    call_command("migrate", verbosity=0)
    with acting_as(None, via="benchmark"):
        vocab.load_starter()
    _agencies, users = demo.ensure_people()
    editor = users["ma-museum-editor"]
    n = args.objects

    demo_vocab = demo.DemoVocab.load()
    path = args.dir / "ma-museum.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=demo.CSV_COLUMNS)
        writer.writeheader()
        for i in range(n):
            writer.writerow(demo.csv_row(demo.demo_row(i, args.seed, demo_vocab)))
    started = time.perf_counter()
    report = import_file(path, editor)
    import_s = time.perf_counter() - started
    if not report.committed or report.created != n:
        raise SystemExit(report.as_text())
    print(f"{engine}: import_file of {n} records (one file): {import_s:.2f} s = {n / import_s:,.0f} records/s "
          f"= {import_s / n * 1e6:.0f} µs/record")

    timings: dict[str, float] = {}

    def timed(label, sql, params=()):
        started = time.perf_counter()
        cur.execute(sql, params)
        timings[label] = timings.get(label, 0.0) + time.perf_counter() - started

    columns = {}
    with transaction.atomic(), connection.cursor() as cur:
        for table, _ref in (("register_culturalobject", None), *CHILDREN):
            names = [c.name for c in connection.introspection.get_table_description(cur, table)]
            columns[table] = names
        # Staging copies, not timed: the record rows with new ids, numbers and uids, and their children.
        objects = columns["register_culturalobject"]
        shifted = {"id": f"id + {SHIFT}", "record_number": "record_number || '-copy'",
                   "uid": "gen_random_uuid()" if engine == "postgresql" else "lower(hex(randomblob(16)))"}
        cur.execute(f"CREATE TEMP TABLE stage_objects AS SELECT {', '.join(shifted.get(c, c) + ' AS ' + c for c in objects)} "
                    f"FROM register_culturalobject")
        for table, ref in CHILDREN:
            cols = [c for c in columns[table] if c != "id"]
            cur.execute(f"CREATE TEMP TABLE stage_{table} AS SELECT "
                        f"{', '.join((f'{c} + {SHIFT}' if c == ref else c) + ' AS ' + c for c in cols)} FROM {table}")
        extra = {}
        if engine == "sqlite":
            timed("bulk-load flag", "INSERT INTO register_bulkload (started) VALUES (CURRENT_TIMESTAMP)")
        timed("record rows (+ search trigger on PostgreSQL)",
              f"INSERT INTO register_culturalobject ({', '.join(objects)}) SELECT {', '.join(objects)} FROM stage_objects")
        for table, _ref in CHILDREN:
            cols = ", ".join(c for c in columns[table] if c != "id")
            timed(table, f"INSERT INTO {table} ({cols}) SELECT {cols} FROM stage_{table}")
        if engine == "sqlite":
            # The importer's _index_batch, over the whole copy at once.
            timed("text index (FTS5)", f"INSERT INTO register_fts (rowid, search_text) SELECT id, search_text "
                                       f"FROM register_culturalobject WHERE id > {SHIFT}")
            timed("search rows", "INSERT OR REPLACE INTO register_searchrow (object_id, owning_agency_id, sharing, "
                                 "status, object_type_id, period_id, origin_country, updated, deleted, stamp) "
                                 "SELECT id, owning_agency_id, sharing, status, object_type_id, period_id, "
                                 f"origin_country, updated, 0, 1 FROM register_culturalobject WHERE id > {SHIFT}")
        else:
            timed("deferred foreign-key checks", "SET CONSTRAINTS ALL IMMEDIATE")
        total = sum(timings.values())
        if engine == "postgresql":
            # Measured after the timed copy, with other ids, numbers and uids, so that neither run meets
            # the other's dead index entries.
            started = time.perf_counter()
            cur.execute("SELECT sum(length(to_tsvector('simple', search_text))) FROM stage_objects")
            extra["of which to_tsvector('simple', …) alone"] = time.perf_counter() - started
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            cur.execute("SAVEPOINT without_trigger")
            cur.execute("ALTER TABLE register_culturalobject DISABLE TRIGGER register_searchrow_sync")
            cur.execute("UPDATE stage_objects SET id = id + %s, record_number = record_number || '-2', "
                        "uid = gen_random_uuid()", [SHIFT])
            started = time.perf_counter()
            cur.execute(f"INSERT INTO register_culturalobject ({', '.join(objects)}) "
                        f"SELECT {', '.join(objects)} FROM stage_objects")
            extra["record rows without the search trigger"] = time.perf_counter() - started
            cur.execute("ROLLBACK TO SAVEPOINT without_trigger")  # the trigger is enabled again
        transaction.set_rollback(True)

    print(f"{engine}: the same {n} records written again by SQL alone (no Python), in one transaction:")
    for label, seconds in [*timings.items(), *extra.items()]:
        print(f"  {label:52s} {seconds:6.2f} s  {seconds / n * 1e6:6.1f} µs/record")
    print(f"  {'total':52s} {total:6.2f} s  {total / n * 1e6:6.1f} µs/record = {n / total:,.0f} records/s at most")


if __name__ == "__main__":
    main()
