"""PostgreSQL's full-text documents move from the search rows (0003) to a table of their own,
register_searchtext (SearchText): object id, tsvector, nothing else, in two hash partitions.

A text match reads the GIN index, then visits the heap row of every matching record for its id. At a
million records a common pair of words matches 160,000 records spread over every page of the table,
so the cost of a match is the number of heap pages: 19,200 for the search rows (with their facet
columns), 11,400 for this table. And the two partitions, each with its own GIN index, are matched
at the same time on two connections (register/search.py, text_match_ids), one per core: «gold
dinar» took a median 92 ms on the search rows, 59 ms on a copy with this table's layout, ~48 ms on
two partitions at once (an experimental copy; benchmarks/README.md). SQLite is unchanged (its text index is FTS5); the table exists
there, empty, so that both engines have the same models.

The searchrow trigger function of 0003 now writes both tables, and rewrites a record's document
only when its search text changed.
"""

from django.db import migrations, models

SHARED_COLUMNS = "owning_agency_id, sharing, status, object_type_id, period_id, origin_country, updated"
# PostgreSQL only moves a value out of line (TOAST) when the row is longer than ~2 kB, whatever
# toast_tuple_target says, and most documents are shorter: a highly compressible 2,100-character pad,
# written with each new document, makes the row long enough; the toaster then compresses the pad to
# ~35 bytes and moves the document out until the row is under toast_tuple_target.
PAD = "repeat('-', 2100)"

SYNC = f"""CREATE OR REPLACE FUNCTION register_searchrow_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE register_searchrow SET deleted = true, stamp = txid_current() WHERE object_id = OLD.id;
    DELETE FROM register_searchtext WHERE object_id = OLD.id;
    RETURN OLD;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO register_searchrow AS r (object_id, {SHARED_COLUMNS}, deleted, stamp)
    VALUES (NEW.id, NEW.owning_agency_id, NEW.sharing, NEW.status, NEW.object_type_id, NEW.period_id,
            NEW.origin_country, NEW.updated, false, txid_current())
    ON CONFLICT (object_id) DO UPDATE SET owning_agency_id = EXCLUDED.owning_agency_id,
           sharing = EXCLUDED.sharing, status = EXCLUDED.status, object_type_id = EXCLUDED.object_type_id,
           period_id = EXCLUDED.period_id, origin_country = EXCLUDED.origin_country,
           updated = EXCLUDED.updated, deleted = false, stamp = EXCLUDED.stamp;
  ELSE
    UPDATE register_searchrow SET owning_agency_id = NEW.owning_agency_id, sharing = NEW.sharing,
           status = NEW.status, object_type_id = NEW.object_type_id, period_id = NEW.period_id,
           origin_country = NEW.origin_country, updated = NEW.updated, stamp = txid_current()
     WHERE object_id = NEW.id;
    IF NEW.search_text IS NOT DISTINCT FROM OLD.search_text THEN
      RETURN NEW;  -- a status change, a new holder...: the document and its index entries stay
    END IF;
  END IF;
  -- A new document comes with a fresh pad, so that it too is stored out of line.
  INSERT INTO register_searchtext (object_id, document, toast_pad)
  VALUES (NEW.id, to_tsvector('simple', NEW.search_text), {PAD})
  ON CONFLICT (object_id) DO UPDATE SET document = EXCLUDED.document, toast_pad = EXCLUDED.toast_pad;
  RETURN NEW;
END $$"""

# The record's hash picks the partition; search.TEXT_PARTITIONS names them (keep the two in step).
PARTITIONS = 2

FORWARDS = [
    "SET LOCAL maintenance_work_mem = '256MB'",  # the GIN build below, on a large register
    # The table CreateModel made is empty: made again, partitioned.
    "DROP TABLE register_searchtext",
    f"""CREATE TABLE register_searchtext (
          object_id bigint PRIMARY KEY,
          document tsvector NOT NULL DEFAULT ''::tsvector,
          toast_pad text NOT NULL DEFAULT {PAD}
        ) PARTITION BY HASH (object_id)""",
    *[f"""CREATE TABLE register_searchtext_{k} PARTITION OF register_searchtext
          FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {k}) WITH (toast_tuple_target = 128)"""
      for k in range(PARTITIONS)],
    "ALTER TABLE register_searchtext ALTER COLUMN document SET STORAGE EXTERNAL",  # and its partitions
    """INSERT INTO register_searchtext (object_id, document)
       SELECT object_id, document FROM register_searchrow WHERE NOT deleted""",
    "CREATE INDEX register_searchtext_document ON register_searchtext USING GIN (document)",
    SYNC,
    "DROP INDEX register_searchrow_document",
    "ALTER TABLE register_searchrow DROP COLUMN document, DROP COLUMN toast_pad",
    "ALTER TABLE register_searchrow RESET (toast_tuple_target)",
    # Dropped columns keep their space until the table is rewritten (the documents' TOAST: ~2.8 GB
    # per million records); CLUSTER rewrites it inside the migration's transaction.
    "CLUSTER register_searchrow USING register_searchrow_pkey",
]

# 0003's layout again: the documents back in the search rows, and 0003's trigger function.
BACKWARDS = [
    "ALTER TABLE register_searchrow ADD COLUMN document tsvector NOT NULL DEFAULT ''::tsvector",
    f"ALTER TABLE register_searchrow ADD COLUMN toast_pad text NOT NULL DEFAULT {PAD}",
    "ALTER TABLE register_searchrow ALTER COLUMN document SET STORAGE EXTERNAL",
    "ALTER TABLE register_searchrow SET (toast_tuple_target = 128)",
    f"""UPDATE register_searchrow r SET document = t.document, toast_pad = {PAD}
          FROM register_searchtext t WHERE t.object_id = r.object_id""",
    "CREATE INDEX register_searchrow_document ON register_searchrow USING GIN (document)",
    f"""CREATE OR REPLACE FUNCTION register_searchrow_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        UPDATE register_searchrow SET deleted = true, document = ''::tsvector, stamp = txid_current()
         WHERE object_id = OLD.id;
        RETURN OLD;
      ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO register_searchrow AS r (object_id, {SHARED_COLUMNS}, deleted, stamp, document)
        VALUES (NEW.id, NEW.owning_agency_id, NEW.sharing, NEW.status, NEW.object_type_id, NEW.period_id,
                NEW.origin_country, NEW.updated, false, txid_current(), to_tsvector('simple', NEW.search_text))
        ON CONFLICT (object_id) DO UPDATE SET owning_agency_id = EXCLUDED.owning_agency_id,
               sharing = EXCLUDED.sharing, status = EXCLUDED.status, object_type_id = EXCLUDED.object_type_id,
               period_id = EXCLUDED.period_id, origin_country = EXCLUDED.origin_country,
               updated = EXCLUDED.updated, deleted = false, stamp = EXCLUDED.stamp, document = EXCLUDED.document,
               toast_pad = {PAD};
      ELSE
        UPDATE register_searchrow SET owning_agency_id = NEW.owning_agency_id, sharing = NEW.sharing,
               status = NEW.status, object_type_id = NEW.object_type_id, period_id = NEW.period_id,
               origin_country = NEW.origin_country, updated = NEW.updated, stamp = txid_current(),
               document = CASE WHEN NEW.search_text IS DISTINCT FROM OLD.search_text
                               THEN to_tsvector('simple', NEW.search_text) ELSE document END,
               toast_pad = CASE WHEN NEW.search_text IS DISTINCT FROM OLD.search_text
                                THEN {PAD} ELSE toast_pad END
         WHERE object_id = NEW.id;
      END IF;
      RETURN NEW;
    END $$""",
    # The reverse of CreateModel then drops register_searchtext with its partitions.
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARDS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARDS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0004_bulkload'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchText',
            fields=[
                ('object_id', models.BigIntegerField(primary_key=True, serialize=False)),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
