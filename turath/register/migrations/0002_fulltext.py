"""Full-text index over CulturalObject.search_text: FTS5 on SQLite, GIN/tsvector on PostgreSQL.

Both index the same pre-normalised tokens (see register/search.py), so results agree.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE register_fts USING fts5(
         search_text, content='register_culturalobject', content_rowid='id',
         tokenize="unicode61 remove_diacritics 0")""",
    """CREATE TRIGGER register_fts_ai AFTER INSERT ON register_culturalobject BEGIN
         INSERT INTO register_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
    """CREATE TRIGGER register_fts_ad AFTER DELETE ON register_culturalobject BEGIN
         INSERT INTO register_fts(register_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END""",
    """CREATE TRIGGER register_fts_au AFTER UPDATE OF search_text ON register_culturalobject BEGIN
         INSERT INTO register_fts(register_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
         INSERT INTO register_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
]
POSTGRES = [
    """CREATE INDEX register_culturalobject_fts ON register_culturalobject
       USING GIN (to_tsvector('simple', search_text))""",
]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS register_culturalobject_fts")
    else:
        for name in ("register_fts_ai", "register_fts_ad", "register_fts_au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute("DROP TABLE IF EXISTS register_fts")


class Migration(migrations.Migration):
    dependencies = [("register", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
