"""Bulk loads on SQLite: the insert triggers of the text index (0002) and of the search rows (0003)
stand aside while the importer's transaction holds a row in register_bulkload; the importer then
indexes each batch of new records itself (register/importer/bulk.py, _index_batch). Update and delete
triggers always fire. PostgreSQL keeps its triggers; on both engines a material link that is updated
(moved to another record) now restamps both records.
"""

from django.db import migrations, models

NEXT = "(SELECT coalesce(max(stamp), 0) + 1 FROM register_searchrow)"
UNLESS_BULK = "WHEN NOT EXISTS (SELECT 1 FROM register_bulkload)"
SHARED_COLUMNS = "owning_agency_id, sharing, status, object_type_id, period_id, origin_country, updated"


def _triggers(when: str) -> list[str]:
    return [
        f"""CREATE TRIGGER register_fts_ai AFTER INSERT ON register_culturalobject {when} BEGIN
            INSERT INTO register_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
        f"""CREATE TRIGGER register_searchrow_ai AFTER INSERT ON register_culturalobject {when} BEGIN
            INSERT OR REPLACE INTO register_searchrow (object_id, {SHARED_COLUMNS}, deleted, stamp)
            VALUES (new.id, new.owning_agency_id, new.sharing, new.status, new.object_type_id, new.period_id,
                    new.origin_country, new.updated, 0, {NEXT}); END""",
        f"""CREATE TRIGGER register_searchrow_mi AFTER INSERT ON register_culturalobject_materials {when} BEGIN
            UPDATE register_searchrow SET stamp = {NEXT} WHERE object_id = new.culturalobject_id; END""",
    ]


def _replace(schema_editor, when: str):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("register_fts_ai", "register_searchrow_ai", "register_searchrow_mi"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in _triggers(when):
        schema_editor.execute(sql)


# A material link moved from one record to another (no code does it today) restamps both.
SQLITE_LINK_UPDATE = f"""CREATE TRIGGER register_searchrow_mu AFTER UPDATE ON register_culturalobject_materials BEGIN
    UPDATE register_searchrow SET stamp = {NEXT}
     WHERE object_id IN (old.culturalobject_id, new.culturalobject_id); END"""


def _touch_function(moved_links: bool) -> str:
    """The PostgreSQL touch trigger of 0003; with `moved_links`, an UPDATE restamps the old record too."""
    if moved_links:
        records = ("object_id IN (CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.culturalobject_id END, "
                   "CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.culturalobject_id END)")
    else:
        records = ("object_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.culturalobject_id "
                   "ELSE NEW.culturalobject_id END")
    return f"""CREATE OR REPLACE FUNCTION register_searchrow_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE register_searchrow SET stamp = txid_current() WHERE {records} AND stamp <> txid_current();
      RETURN NULL;
    END $$"""


def forwards(apps, schema_editor):
    _replace(schema_editor, UNLESS_BULK)
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_LINK_UPDATE)
    else:
        schema_editor.execute(_touch_function(moved_links=True))


def backwards(apps, schema_editor):
    _replace(schema_editor, "")
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS register_searchrow_mu")
    else:
        schema_editor.execute(_touch_function(moved_links=False))


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0003_searchrow'),
    ]

    operations = [
        migrations.CreateModel(
            name='BulkLoad',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
