"""Bulk loads on SQLite: the insert triggers of the text index (0002) and of the search rows (0003)
stand aside while the importer's transaction holds a row in register_bulkload; the importer then
indexes each batch of new records itself (register/importer.py, _index_batch). Update and delete
triggers always fire. PostgreSQL keeps its triggers as they are.
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


def forwards(apps, schema_editor):
    _replace(schema_editor, UNLESS_BULK)


def backwards(apps, schema_editor):
    _replace(schema_editor, "")


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
