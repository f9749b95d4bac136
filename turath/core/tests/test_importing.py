"""core.importing: one report for every importer (register records, SKOS thesauri, the UNESCO list)."""

import io

import pytest

from turath.core.importing import ImportReport, RowError
from turath.heritage.unesco import UnescoImportReport
from turath.register.importer import RecordImportReport
from turath.vocabulary import services as vocab


def test_every_importer_reports_through_the_shared_report():
    for report_class in (RecordImportReport, UnescoImportReport, vocab.ThesaurusImportReport):
        assert issubclass(report_class, ImportReport)
        report = report_class(source="f", format="csv")
        report.fail(3, {"title": ["Required."]}, key="K-1")
        assert (report.failed, report.ok, report.row_errors) == (1, False, [RowError(3, {"title": ["Required."]}, "K-1")])
        as_dict = report.as_dict()
        for counter in ("rows", "created", "updated", "unchanged", "failed", "committed", "dry_run", "file_errors"):
            assert counter in as_dict
        assert as_dict["row_errors"][0]["row"] == 3 and as_dict["row_errors"][0][report_class.KEY] == "K-1"
        assert "row 3 [K-1] title: Required." in report.as_text()


def test_a_row_error_names_its_row_and_field_and_the_list_is_bounded(monkeypatch):
    monkeypatch.setattr(ImportReport, "MAX_REPORTED_ROWS", 2)
    report = ImportReport(source="objects.csv", format="csv", rows=3)
    for n in (2, 3, 4):
        report.fail(f"line {n}", {"date": ["The date is in the future."], "title": ["Required."]}, key=f"EG-{n}")
    assert report.failed == 3 and len(report.row_errors) == 2
    assert report.row_error_lines() == [
        "line 2 [EG-2] date: The date is in the future.", "line 2 [EG-2] title: Required.",
        "line 3 [EG-3] date: The date is in the future.", "line 3 [EG-3] title: Required.",
        "… and 1 more failing rows"]
    assert report.as_text().splitlines()[0] == "objects.csv: 3 rows read (csv)"
    assert report.as_text().splitlines()[-1] == "Nothing was written."


@pytest.mark.django_db
def test_a_thesaurus_import_counts_created_updated_and_unchanged_concepts():
    ttl = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<urn:t:s> a skos:ConceptScheme ; skos:prefLabel "Test"@en .
<urn:t:a> a skos:Concept ; skos:inScheme <urn:t:s> ; skos:prefLabel "Alpha"@en .
<urn:t:b> a skos:Concept ; skos:inScheme <urn:t:s> ; skos:prefLabel "Beta"@en .
"""
    first = vocab.import_skos(io.BytesIO(ttl.encode()), "turtle")
    assert (first.rows, first.created, first.updated, first.unchanged, first.committed) == (2, 2, 0, 0, True)
    again = vocab.import_skos(io.BytesIO(ttl.replace('"Beta"', '"Bêta"').encode()), "turtle")
    assert (again.rows, again.created, again.updated, again.unchanged) == (2, 0, 1, 1)
    assert again.as_dict()["schemes"] == 1 and again.as_dict()["labels"] == 2
