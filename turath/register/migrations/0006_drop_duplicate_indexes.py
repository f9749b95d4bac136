"""Indexes that only cost every insert (and space): a record had two identical indexes on
object_type_id and on period_id (Meta.indexes beside the foreign keys' own), and on PostgreSQL
`varchar_pattern_ops` copies of the sharing, status and country indexes, which serve only
LIKE 'prefix%' queries that nothing runs on these codes. 18 indexes per record on PostgreSQL become
13, 13 on SQLite become 11. (Other tables keep the pattern copies of their own shared fields.)
"""

from django.db import migrations

# Created by Django for CharField(db_index=True) on PostgreSQL; the plain indexes stay.
PATTERN_INDEXES = {
    "register_culturalobject_sharing_fc434394_like": "sharing",
    "register_culturalobject_status_8b1fcb16_like": "status",
    "register_culturalobject_origin_country_0f21f243_like": "origin_country",
}


def drop_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in PATTERN_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def restore_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in PATTERN_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON register_culturalobject "
                                  f"({column} varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0005_searchtext'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='culturalobject',
            name='register_cu_object__faabda_idx',
        ),
        migrations.RemoveIndex(
            model_name='culturalobject',
            name='register_cu_period__8e1701_idx',
        ),
        migrations.RunPython(drop_pattern_indexes, restore_pattern_indexes),
    ]
