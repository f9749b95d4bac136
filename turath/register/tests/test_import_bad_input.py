"""Import files as they come from the field: old Macintosh line endings, oversized cells, spreadsheets'
empty trailing rows, the detected encoding, and a dry run that says what it would do."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from turath.core.models import AuditEntry
from turath.register import importer
from turath.register.models import CulturalObject

DATA = Path(__file__).parent / "data"
MIXED = (DATA / "objects_mixed.csv").read_bytes()


@pytest.fixture
def editor(users):
    return users["ma_museum_editor"]


def test_bare_cr_line_endings_are_read(editor, tmp_path):
    # "CSV (Macintosh)" from older Excel ends every line with CR alone; a quoted cell keeps its own CR.
    path = tmp_path / "mac.csv"
    path.write_bytes(MIXED.replace(b"\r\n", b"\r").replace(b'"Manuscript on paper, 30 lines a page"',
                                                         b'"Manuscript on paper,\r30 lines a page"'))
    report = importer.import_file(path, editor)
    assert report.ok and report.created == 3, report.as_text()
    quran = CulturalObject.objects.get(record_number="MA-RBT-2026-0001")
    assert quran.description["tr"]["en"]["text"] == "Manuscript on paper,\r30 lines a page"
    assert quran.title["text"] == "مصحف مغربي مذهب"


def test_a_stray_cr_inside_an_unquoted_cell_is_a_report_line(editor, tmp_path):
    path = tmp_path / "stray.csv"
    assert MIXED.count(b"\r\n") == 4  # lines end with CRLF; one bare CR inside line 3 splits it in two
    path.write_bytes(MIXED.replace(b"papier,dorure", b"pap\rier,dorure"))
    report = importer.import_file(path, editor)
    assert not report.committed and not CulturalObject.objects.exists()
    assert [e.row for e in report.row_errors] == ["line 3", "line 4"]
    assert "values for 22 columns" in report.row_errors[0].errors["row"][0]


def test_an_oversized_cell_names_its_row_and_column(editor, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(MIXED.replace(b"Planispheric astrolabe", b"x" * (importer.MAX_CELL_CHARS + 1)))
    report = importer.import_file(path, editor)
    assert not report.committed and not CulturalObject.objects.exists()
    (error,) = report.row_errors
    assert (error.row, error.key, list(error.errors)) == ("line 4", "MA-RBT-2026-0003", ["title"])
    assert f"{importer.MAX_CELL_CHARS + 1} characters" in error.errors["title"][0]
    assert "line 4 [MA-RBT-2026-0003] title:" in report.as_text()
    # The rows after it are still read and checked (--partial writes them).
    report = importer.import_file(path, editor, partial=True)
    assert report.committed and report.created == 2 and report.failed == 1


def test_a_csv_error_is_a_report_line_not_a_traceback(editor, tmp_path, monkeypatch):
    # Whatever else the csv module refuses (here: a cell beyond its own limit, when that limit is
    # lower than ours) becomes a report line and the rest of the file is still checked.
    import csv

    monkeypatch.setattr(importer.reading, "_CSV_READ_LIMIT", 1000)
    old = csv.field_size_limit(1000)
    try:
        path = tmp_path / "big.csv"
        path.write_bytes(MIXED.replace(b"Planispheric astrolabe", b"x" * 5000))
        report = importer.import_file(path, editor)
    finally:
        csv.field_size_limit(old)
    assert not report.committed and report.failed == 1 and report.rows == 3
    assert report.row_errors[0].row == "line 4" and "Cannot be read as CSV" in report.row_errors[0].errors["row"][0]


def test_empty_trailing_rows_are_ignored(editor, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(MIXED + b",,,,,,,,,,,,,,,,,,,,,\n" * 3 + b" , ,\n\n")
    report = importer.import_file(path, editor)
    assert report.ok and report.rows == 3 and report.created == 3, report.as_text()


def test_the_report_says_which_encoding_was_detected(users, tmp_path):
    user = users["eg_customs_editor"]
    report = importer.import_file(DATA / "objects_cp1256.csv", user)
    assert report.encoding == "cp1256" and report.encoding_detected
    assert "encoding cp1256 (detected)" in report.as_text()
    assert report.as_dict()["encoding_detected"] is True
    CulturalObject.objects.all().delete()
    report = importer.import_file(DATA / "objects_cp1256.csv", user, encoding="cp1256")
    assert "encoding cp1256 (declared)" in report.as_text() and not report.as_dict()["encoding_detected"]


def test_dry_run_reports_what_would_be_created_and_writes_nothing(editor, tmp_path, capsys):
    audit_before = AuditEntry.objects.count()
    report = importer.import_file(DATA / "objects_mixed.csv", editor, dry_run=True)
    assert report.ok and not report.committed
    assert (report.created, report.updated) == (3, 0)
    assert report.would_create == ["MA-RBT-2026-0001", "MA-RBT-2026-0002", "MA-RBT-2026-0003"]
    text = report.as_text()
    assert "would create 3" in text and "MA-RBT-2026-0002" in text and "nothing was written" in text
    assert not CulturalObject.objects.exists() and AuditEntry.objects.count() == audit_before

    importer.import_file(DATA / "objects_mixed.csv", editor)
    changed = tmp_path / "changed.csv"
    changed.write_bytes(MIXED.replace(b"Planispheric astrolabe", b"Planispheric astrolabe (signed)"))
    versions = dict(CulturalObject.objects.values_list("record_number", "version"))
    audit_before = AuditEntry.objects.count()
    report_path = tmp_path / "report.json"
    call_command("import_objects", str(changed), "--user", editor.username, "--dry-run", "--no-progress",
                 "--report", str(report_path))
    out = capsys.readouterr().out
    assert "would update 1" in out and "would update: MA-RBT-2026-0003" in out
    saved = json.loads(report_path.read_text(encoding="utf-8"))
    assert (saved["dry_run"], saved["would_update"], saved["unchanged"]) == (True, ["MA-RBT-2026-0003"], 2)
    assert dict(CulturalObject.objects.values_list("record_number", "version")) == versions
    assert CulturalObject.objects.get(record_number="MA-RBT-2026-0003").title["text"] == "Planispheric astrolabe"
    assert AuditEntry.objects.count() == audit_before


def test_dry_run_with_failing_rows_says_a_real_run_would_write_nothing(editor):
    report = importer.import_file(DATA / "malformed.csv", editor, dry_run=True)
    assert report.failed == 6 and report.would_create == ["BAD-0001"]
    assert "a real run writes nothing" in report.as_text()
    with pytest.raises(CommandError):
        call_command("import_objects", str(DATA / "malformed.csv"), "--user", editor.username, "--dry-run",
                     "--no-progress")
    assert not CulturalObject.objects.exists()


def test_a_bare_cr_after_the_sampled_start_is_still_a_report_line(editor, tmp_path, monkeypatch):
    # Lines are split at bare CRs only when the file's start has one; one further on is reported.
    monkeypatch.setattr(importer.reading, "_CR_SAMPLE_BYTES", 64)
    path = tmp_path / "late.csv"
    path.write_bytes(MIXED.replace(b"Planispheric astrolabe", b"Planispheric\rastrolabe"))
    report = importer.import_file(path, editor)
    assert not report.committed and not CulturalObject.objects.exists()
    assert [e.row for e in report.row_errors] == ["line 4"]
    assert "Cannot be read as CSV" in report.row_errors[0].errors["row"][0]
