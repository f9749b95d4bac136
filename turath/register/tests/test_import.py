"""Import of Object ID CSV and JSON files: encodings, validation report, all-or-nothing, idempotence."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from turath.core.models import AuditEntry
from turath.register import exporter, importer, services
from turath.register.models import CulturalObject, StatusChange
from turath.register.search import build_search_text
from turath.register.tests.factories import make_object

DATA = Path(__file__).parent / "data"


@pytest.fixture
def editor(users):
    return users["ma_museum_editor"]


def _numbers():
    return set(CulturalObject.objects.values_list("record_number", flat=True))


def _snapshot(obj):
    data = services.serialize(obj)
    for key in ("uid", "version"):
        data.pop(key)
    for key in ("materials", "techniques"):
        data[key] = sorted(c["uri"] for c in data[key])
    return data


def test_mixed_language_csv_is_imported_with_texts_intact(editor):
    report = importer.import_file(DATA / "objects_mixed.csv", editor)
    assert report.ok and report.committed, report.as_text()
    assert (report.created, report.encoding, report.delimiter) == (3, "utf-8", ",")

    quran = CulturalObject.objects.get(record_number="MA-RBT-2026-0001")
    assert quran.owning_agency == editor.agency and quran.created_by == editor
    assert quran.title == {"lang": "ar", "text": "مصحف مغربي مذهب", "tr": {
        "en": {"text": "Gilded Maghribi Qur'an", "machine": False},
        "fr": {"text": "Coran maghrébin enluminé", "machine": True}}}
    # Mixed right-to-left text with Arabic-Indic digits, Latin words and numbers is stored byte for byte.
    assert quran.description["text"] == "مخطوط على رق، ٣٠ سطرًا في الصفحة، نسخة 1256 من مكتبة Bibliothèque royale"
    assert quran.object_type.pref_en.lower() == "manuscript"
    assert {c.pref_en.lower() for c in quran.materials.all()} == {"paper", "gold"}
    assert [(m.dimension, float(m.value), m.unit) for m in quran.measurements.all()] == [
        ("height", 24.0, "cm"), ("width", 17.0, "cm")]
    assert quran.inscriptions.get().text["text"] == "بسم الله الرحمن الرحيم"
    assert (quran.hijri_earliest, quran.date_earliest, quran.sharing) == (656, 1258, "network")
    assert quran.inventory_numbers == ["BR 1234", "قديم 45/ب"]

    french = CulturalObject.objects.get(record_number="MA-RBT-2026-0002")
    assert french.title["text"] == "Manuscrit enluminé « Kitāb al-Shifāʾ »"
    assert (french.status, french.date_earliest, french.date_latest) == ("reported_stolen", 1301, 1400)
    assert [float(m.value) for m in french.measurements.all()] == [31.5, 22.0]

    astrolabe = CulturalObject.objects.get(record_number="MA-RBT-2026-0003")
    # Markup is data: stored exactly as given, never stripped or executed (escaping is the templates' job).
    assert astrolabe.description["text"] == "<script>alert('x')</script><b>Brass</b> astrolabe & rete «شبكة»"
    assert {m.dimension for m in astrolabe.measurements.all()} == {"height", "diameter", "weight"}

    for obj in (quran, french, astrolabe):
        # The bulk path indexes exactly as the service path does.
        assert sorted(obj.search_text.split()) == sorted(build_search_text(obj).split())
        assert StatusChange.objects.get(object=obj).to_status == obj.status
    entry = AuditEntry.objects.get(action="register.object.import")
    assert entry.after["record_numbers"] == ["MA-RBT-2026-0001", "MA-RBT-2026-0002", "MA-RBT-2026-0003"]
    assert len(entry.after["sha256"]) == 64 and entry.username == editor.username


def test_imported_records_are_found_by_search_text(editor):
    importer.import_file(DATA / "objects_mixed.csv", editor)
    obj = CulturalObject.objects.get(record_number="MA-RBT-2026-0001")
    assert "مصحف" in obj.search_text.split() and "maghrebin" in obj.search_text.split()


def test_windows_1256_file_is_detected_and_read(users):
    user = users["eg_customs_editor"]
    report = importer.import_file(DATA / "objects_cp1256.csv", user)
    assert report.ok, report.as_text()
    assert report.delimiter == ";" and report.created == 2
    obj = CulturalObject.objects.get(record_number="EG-CUS-1256-01")
    assert obj.title["text"] == "مخطوط مملوكي مذهب"
    assert obj.description["text"] == "صفحات مزخرفة بالذهب، حالة جيدة"
    assert obj.hijri_earliest == 656 and obj.period.pref_en == "Mamluk"


def test_windows_1256_file_declared_as_utf8_names_the_line(users):
    report = importer.import_file(DATA / "objects_cp1256.csv", users["eg_customs_editor"], encoding="utf-8")
    assert not report.ok and not report.committed
    assert "Line 2:" in report.file_errors[0] and "--encoding" in report.file_errors[0]
    assert not CulturalObject.objects.exists()


def test_declared_encoding_is_used(users):
    report = importer.import_file(DATA / "objects_cp1256.csv", users["eg_customs_editor"], encoding="cp1256")
    assert report.ok and report.created == 2


def test_latin1_file_with_tabs(editor):
    report = importer.import_file(DATA / "objects_latin1.csv", editor)
    assert report.ok, report.as_text()
    assert report.delimiter == "\t"
    obj = CulturalObject.objects.get(record_number="MA-MUS-L1-01")
    assert obj.title["text"] == "Traité d'astronomie, copie enluminée"
    assert obj.description["text"] == "Écriture maghrébine, reliure abîmée à l'angle"
    assert obj.place_of_origin == "Fès"
    assert CulturalObject.objects.get(record_number="MA-MUS-L1-02").description["text"].endswith("«n° 12»")


def test_utf8_with_bom_and_semicolons(editor):
    report = importer.import_file(DATA / "objects_bom.csv", editor)
    assert report.ok, report.as_text()
    assert report.delimiter == ";" and _numbers() == {"BOM-MA-RBT-2026-0001"}


def test_malformed_rows_are_reported_by_line_and_field_and_nothing_is_written(editor):
    report = importer.import_file(DATA / "malformed.csv", editor)
    assert not report.ok and not report.committed
    assert not CulturalObject.objects.exists() and not AuditEntry.objects.filter(action="register.object.import").exists()
    by_row = {e.row: e for e in report.row_errors}
    assert set(by_row) == {"line 3", "line 4", "line 5", "line 6", "line 7", "line 8"}
    assert "4 values for 7 columns" in by_row["line 3"].errors["row"][0]
    assert "astrolabe" in [s.lower() for s in by_row["line 4"].suggestions["object_type"]["astrolab"]]
    assert "astrolab" in by_row["line 4"].errors["object_type"][0]
    assert "materials" in by_row["line 4"].errors
    assert "object_type" in by_row["line 5"].errors
    assert "title" in by_row["line 6"].errors
    assert "record_number" in by_row["line 7"].errors
    assert "date" in by_row["line 8"].errors
    text = report.as_text()
    assert "line 4 [BAD-0003] object_type" in text and "Nothing was written." in text
    as_json = json.loads(json.dumps(report.as_dict()))
    assert as_json["failed"] == 6 and as_json["row_errors"][0]["row"] == "line 3"


def test_partial_imports_the_valid_rows(editor):
    report = importer.import_file(DATA / "malformed.csv", editor, partial=True)
    assert report.committed and report.failed == 6 and report.created == 1
    assert _numbers() == {"BAD-0001"}


def test_unknown_and_missing_columns_are_named(editor):
    report = importer.import_file(DATA / "unknown_columns.csv", editor)
    assert "colour, prix" in report.file_errors[0]
    report = importer.import_file(DATA / "missing_columns.csv", editor)
    assert "object_type" in report.file_errors[0] and "title or description" in report.file_errors[0]
    assert not CulturalObject.objects.exists()


def test_reimport_is_idempotent(editor):
    assert importer.import_file(DATA / "objects_mixed.csv", editor).created == 3
    audit_count, versions = AuditEntry.objects.count(), dict(CulturalObject.objects.values_list("pk", "version"))
    again = importer.import_file(DATA / "objects_mixed.csv", editor)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.count() == audit_count
    assert dict(CulturalObject.objects.values_list("pk", "version")) == versions


def test_changed_row_updates_the_record(editor, tmp_path):
    importer.import_file(DATA / "objects_mixed.csv", editor)
    changed = tmp_path / "changed.csv"
    changed.write_text((DATA / "objects_mixed.csv").read_text(encoding="utf-8").replace(
        "Planispheric astrolabe", "Planispheric astrolabe (signed)"), encoding="utf-8")
    report = importer.import_file(changed, editor)
    assert report.ok and (report.updated, report.unchanged) == (1, 2)
    obj = CulturalObject.objects.get(record_number="MA-RBT-2026-0003")
    assert obj.title["text"] == "Planispheric astrolabe (signed)" and obj.version == 2
    assert AuditEntry.objects.filter(action="register.object.update", object_id=str(obj.pk)).count() == 1


def test_rows_for_another_agencys_records_are_errors(users):
    ma = users["ma_museum_editor"]
    make_object(ma, "MA-RBT-2026-0001", sharing="agency")  # hidden from Egypt
    make_object(ma, "MA-RBT-2026-0003", sharing="members", object_type="astrolabe", title="Old title", lang="en")
    report = importer.import_file(DATA / "objects_mixed.csv", users["eg_ministry_editor"])
    assert not report.committed
    errors = {e.key: e.errors["record_number"][0] for e in report.row_errors}
    assert "another agency's register" in errors["MA-RBT-2026-0001"]
    assert "belongs to another agency" in errors["MA-RBT-2026-0003"]
    assert "Old title" not in json.dumps(report.as_dict())
    assert CulturalObject.objects.get(record_number="MA-RBT-2026-0003").title["text"] == "Old title"
    assert CulturalObject.objects.count() == 2


def test_viewer_may_not_import(users):
    report = importer.import_file(DATA / "objects_mixed.csv", users["ma_museum_viewer"])
    assert not report.committed and report.failed == 3
    assert "may not add" in report.row_errors[0].errors["record_number"][0]


def test_crash_in_the_middle_leaves_nothing(editor, monkeypatch):
    monkeypatch.setattr(importer.run, "BATCH_SIZE", 1)  # rows 1 and 2 are written before row 3 crashes
    real, calls = services.validate_record, []

    def crash_on_third_row(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "validate_record", crash_on_third_row)
    with pytest.raises(RuntimeError):
        importer.import_file(DATA / "objects_mixed.csv", editor)
    assert len(calls) == 3
    assert not CulturalObject.objects.exists()
    assert not StatusChange.objects.exists() and not AuditEntry.objects.filter(action="register.object.import").exists()


def test_json_import_and_index_in_errors(users, tmp_path):
    user = users["secretariat_admin"]
    report = importer.import_file(DATA / "objects.json", user)
    assert report.ok, report.as_text()
    coin = CulturalObject.objects.get(record_number="SA-SEC-J-0001")
    assert coin.title["tr"]["fr"] == {"text": "Dinar abbasside", "machine": True}
    assert coin.inscriptions.get().script == "Kufic" and coin.status == "reported_stolen"
    assert [m.note for m in coin.measurements.all()] == ["", "pesé en 2024"]
    assert CulturalObject.objects.get(record_number="SA-SEC-J-0002").description["lang"] == "fr"

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"record_number": "J-1", "object_type": "coin", "title": "ok"},
                               {"record_number": "J-2", "object_type": "coin", "colour": "red", "title": "x"},
                               "not an object"]), encoding="utf-8")
    report = importer.import_file(bad, user)
    assert [e.row for e in report.row_errors] == ["[1]", "[2]"]
    assert "colour" in report.row_errors[0].errors["row"][0]


def test_truncated_json_is_a_clear_error(editor, tmp_path):
    bad = tmp_path / "cut.json"
    bad.write_text('{"objects": [{"record_number": "J-1", "object_type": "coin", "title": "x"}, {"rec', encoding="utf-8")
    report = importer.import_file(bad, editor)
    assert "Not valid JSON" in report.file_errors[0] and not CulturalObject.objects.exists()


def test_csv_round_trip_through_export(editor):
    importer.import_file(DATA / "objects_mixed.csv", editor)
    before = {o.record_number: _snapshot(o) for o in CulturalObject.objects.all()}
    out = io.StringIO()
    assert exporter.export(editor, "csv", out) == 3
    CulturalObject.objects.all().delete()
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    report = importer.import_rows(((f"line {i + 2}", row) for i, row in enumerate(rows)), editor)
    assert report.ok and report.created == 3, report.as_text()
    after = {o.record_number: _snapshot(o) for o in CulturalObject.objects.all()}
    assert after == before


def test_json_round_trip_through_export(users, tmp_path):
    user = users["secretariat_admin"]
    importer.import_file(DATA / "objects.json", user)
    make_object(user, "SA-SEC-X-0009", title="Stèle funéraire", lang="fr", object_type="manuscript",
                description={"lang": "ar", "text": "شاهد قبر", "tr": {"en": {"text": "Tombstone", "machine": True}}})
    before = {o.record_number: _snapshot(o) for o in CulturalObject.objects.all()}
    path = tmp_path / "export.json"
    with open(path, "w", encoding="utf-8") as out:
        exporter.export(user, "json", out)
    assert importer.import_file(path, user).unchanged == 3  # idempotent against its own export
    CulturalObject.objects.all().delete()
    report = importer.import_file(path, user)
    assert report.ok and report.created == 3, report.as_text()
    assert {o.record_number: _snapshot(o) for o in CulturalObject.objects.all()} == before


def test_mixed_original_languages_survive_a_csv_round_trip(editor):
    make_object(editor, "MA-MIX-1", title="Stèle funéraire", lang="fr", object_type="manuscript",
                description={"lang": "ar", "text": "شاهد قبر", "tr": {"en": {"text": "Tombstone", "machine": True}}},
                subject="Epigraphy")
    before = _snapshot(CulturalObject.objects.get())
    out = io.StringIO()
    exporter.export(editor, "csv", out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["language"] == "fr; description=ar"
    assert (row["description"], row["description_en"], row["machine_translated"]) == ("شاهد قبر", "Tombstone", "en")
    assert importer.import_rows([row], editor).unchanged == 1
    CulturalObject.objects.all().delete()
    assert importer.import_rows([row], editor).created == 1
    assert _snapshot(CulturalObject.objects.get()) == before


def test_size_limit(editor):
    report = importer.import_file(DATA / "objects_mixed.csv", editor, max_bytes=100)
    assert "over the limit" in report.file_errors[0] and not CulturalObject.objects.exists()


def test_command_line_import_writes_a_json_report(editor, tmp_path, capsys):
    report_path = tmp_path / "report.json"
    with pytest.raises(CommandError):
        call_command("import_objects", str(DATA / "malformed.csv"), "--user", editor.username,
                     "--report", str(report_path), "--no-progress")
    saved = json.loads(report_path.read_text(encoding="utf-8"))
    assert saved["failed"] == 6 and saved["committed"] is False
    assert not CulturalObject.objects.exists()
    call_command("import_objects", str(DATA / "objects_mixed.csv"), "--user", editor.username)
    assert CulturalObject.objects.count() == 3


def test_template_lists_every_column(capsys):
    call_command("import_objects", "--template")
    header = capsys.readouterr().out.strip().split(",")
    assert header[:2] == ["record_number", "object_type"] and "machine_translated" in header
    assert header == list(importer.COLUMNS)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the audit log's lock exists on PostgreSQL")
def test_a_running_import_does_not_hold_the_audit_log_lock(editor, monkeypatch):
    """While an import runs, other agencies still audit their actions (an edit, a view of a non-public
    record): the import's entries are appended just before its commit, so the chain's lock is free
    until then. Checked from a second connection after two of the three rows were written."""
    import psycopg

    from turath.core import audit

    monkeypatch.setattr(importer.run, "BATCH_SIZE", 1)
    settings = connection.settings_dict
    other = psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                            password=settings["PASSWORD"], dbname=settings["NAME"])
    free = []

    def progress(_rows):
        with other.transaction():
            free.append(other.execute("SELECT pg_try_advisory_xact_lock(%s)", [audit._LOCK_KEY]).fetchone()[0])

    try:
        report = importer.import_file(DATA / "objects_mixed.csv", editor, progress=progress)
    finally:
        other.close()
    assert report.committed and report.created == 3
    assert free == [True, True, True]
    assert AuditEntry.objects.filter(action="register.object.import").count() == 3 and audit.verify_chain().ok
