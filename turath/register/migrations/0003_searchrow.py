"""Search rows: one narrow row per record, kept by triggers, for filtering, counting and sorting
searches without reading the wide records (see SearchRow and register/columns.py).

SQLite: `stamp` is the previous highest stamp + 1 (SQLite has one writer at a time, so stamps
follow commit order). PostgreSQL: `stamp` is the writing transaction's id (txid_current()); a reader
re-reads every row stamped at or after the oldest transaction still running at its previous read,
so a transaction that commits late is never missed. On PostgreSQL the row also carries the
record's tsvector `document` (stored, so a match never re-parses the text) with its GIN index,
which replaces the expression index of 0002 on the wide table.
"""

import uuid

from django.db import migrations, models

SHARED_COLUMNS = "owning_agency_id, sharing, status, object_type_id, period_id, origin_country, updated"
SQLITE_NEXT = "(SELECT coalesce(max(stamp), 0) + 1 FROM register_searchrow)"
SQLITE = [
    f"""INSERT INTO register_searchrow (object_id, {SHARED_COLUMNS}, deleted, stamp)
        SELECT id, {SHARED_COLUMNS}, 0, id FROM register_culturalobject""",
    f"""CREATE TRIGGER register_searchrow_ai AFTER INSERT ON register_culturalobject BEGIN
        INSERT OR REPLACE INTO register_searchrow (object_id, {SHARED_COLUMNS}, deleted, stamp)
        VALUES (new.id, new.owning_agency_id, new.sharing, new.status, new.object_type_id, new.period_id,
                new.origin_country, new.updated, 0, {SQLITE_NEXT}); END""",
    f"""CREATE TRIGGER register_searchrow_au AFTER UPDATE ON register_culturalobject BEGIN
        UPDATE register_searchrow SET owning_agency_id = new.owning_agency_id, sharing = new.sharing,
               status = new.status, object_type_id = new.object_type_id, period_id = new.period_id,
               origin_country = new.origin_country, updated = new.updated, stamp = {SQLITE_NEXT}
         WHERE object_id = new.id; END""",
    f"""CREATE TRIGGER register_searchrow_ad AFTER DELETE ON register_culturalobject BEGIN
        UPDATE register_searchrow SET deleted = 1, stamp = {SQLITE_NEXT} WHERE object_id = old.id; END""",
    f"""CREATE TRIGGER register_searchrow_mi AFTER INSERT ON register_culturalobject_materials BEGIN
        UPDATE register_searchrow SET stamp = {SQLITE_NEXT} WHERE object_id = new.culturalobject_id; END""",
    f"""CREATE TRIGGER register_searchrow_md AFTER DELETE ON register_culturalobject_materials BEGIN
        UPDATE register_searchrow SET stamp = {SQLITE_NEXT} WHERE object_id = old.culturalobject_id; END""",
]
SQLITE_DROP = ["register_searchrow_ai", "register_searchrow_au", "register_searchrow_ad",
               "register_searchrow_mi", "register_searchrow_md"]

PAD = "repeat('-', 2100)"
POSTGRES = [
    "ALTER TABLE register_searchrow ALTER COLUMN stamp SET DEFAULT txid_current()",
    "ALTER TABLE register_searchrow ADD COLUMN document tsvector NOT NULL DEFAULT ''::tsvector",
    # Keep the heap narrow (~90 rows a page, not ~20): a match reads the GIN index, then visits the
    # heap row of every matching record for its id, so the width of the rows is the cost of a
    # search. Documents are to live in the TOAST table, but PostgreSQL only toasts a row longer
    # than TOAST_TUPLE_THRESHOLD (~2 kB), whatever toast_tuple_target says, and most documents are
    # shorter. `toast_pad`, a highly compressible 2,100-character value written with each new
    # document, makes the row long enough: the toaster then compresses the pad to a few bytes and
    # moves the document out of line until the row is under toast_tuple_target.
    f"ALTER TABLE register_searchrow ADD COLUMN toast_pad text NOT NULL DEFAULT {PAD}",
    "ALTER TABLE register_searchrow ALTER COLUMN document SET STORAGE EXTERNAL",
    "ALTER TABLE register_searchrow SET (toast_tuple_target = 128)",
    f"""INSERT INTO register_searchrow (object_id, {SHARED_COLUMNS}, deleted, stamp, document)
        SELECT id, {SHARED_COLUMNS}, false, txid_current(), to_tsvector('simple', search_text)
          FROM register_culturalobject""",
    "CREATE INDEX register_searchrow_document ON register_searchrow USING GIN (document)",
    "DROP INDEX IF EXISTS register_culturalobject_fts",
    f"""CREATE FUNCTION register_searchrow_sync() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """CREATE TRIGGER register_searchrow_sync AFTER INSERT OR UPDATE OR DELETE ON register_culturalobject
       FOR EACH ROW EXECUTE FUNCTION register_searchrow_sync()""",
    """CREATE FUNCTION register_searchrow_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- A row already stamped by this transaction (a record created with its materials, as the
      -- bulk import does) is read after the commit anyway: no second row version is written.
      UPDATE register_searchrow SET stamp = txid_current()
       WHERE object_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.culturalobject_id ELSE NEW.culturalobject_id END
         AND stamp <> txid_current();
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER register_searchrow_touch AFTER INSERT OR UPDATE OR DELETE
       ON register_culturalobject_materials FOR EACH ROW EXECUTE FUNCTION register_searchrow_touch()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS register_searchrow_touch ON register_culturalobject_materials",
    "DROP TRIGGER IF EXISTS register_searchrow_sync ON register_culturalobject",
    "DROP FUNCTION IF EXISTS register_searchrow_touch()",
    "DROP FUNCTION IF EXISTS register_searchrow_sync()",
    """CREATE INDEX IF NOT EXISTS register_culturalobject_fts ON register_culturalobject
       USING GIN (to_tsvector('simple', search_text))""",
]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)
    schema_editor.execute("INSERT INTO register_searchepoch (token) VALUES (%s)", [str(uuid.uuid4())])


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_DROP:
            schema_editor.execute(sql)
    else:
        for name in SQLITE_DROP:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0002_fulltext'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEpoch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(max_length=36)),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='SearchRow',
            fields=[
                ('object_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('owning_agency_id', models.BigIntegerField()),
                ('sharing', models.CharField(max_length=10)),
                ('status', models.CharField(max_length=24)),
                ('object_type_id', models.BigIntegerField(null=True)),
                ('period_id', models.BigIntegerField(null=True)),
                ('origin_country', models.CharField(blank=True, default='', max_length=2)),
                ('updated', models.DateTimeField(null=True)),
                ('deleted', models.BooleanField(default=False)),
                ('stamp', models.BigIntegerField(db_index=True)),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
