"""The UNESCO import reads the shapes UNESCO has published, built here from rows of the real 2019 list
(turath/data/world-heritage): the 2024 XLSX layout (names, descriptions and states in six languages) and a
2021-like workbook without id_no, matched by name and states.

The 2024 layout is the one of whc.unesco.org/en/list/xlsx/whc-sites-2024.xlsx as public scripts that read it
select its columns (their positions give unique_number, id_no, name_en, short_description_en,
justification_en, date_inscribed, longitude, latitude, area_hectares, category, category_short,
states_name_en, region_en, iso_code, udnp_code at 1, 2, 4, 10, 16, 18, 23, 24, 25, 37, 38, 39, 45, 47, 48);
the Spanish, Russian, Arabic and Chinese cells, which the 2019 list does not have, are left empty except one
Arabic name written for the test. The 2021 workbook is the 2019 columns without id_no (its public readers key
on unique_number); it is written as XLSX here, since nothing in the project writes the old XLS format."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from turath.core.context import acting_as
from turath.data import WORLD_HERITAGE_CSV
from turath.heritage.models import DangerListing, HeritagePlace
from turath.heritage.unesco import SOURCE, import_unesco

LANGS = ("en", "fr", "es", "ru", "ar", "zh")
FLAGS = ["C1", "C2", "C3", "C4", "C5", "C6", "N7", "N8", "N9", "N10"]
LAYOUT_2024 = ["unique_number", "id_no", "rev_bis", *(f"name_{lang}" for lang in LANGS),
               *(f"short_description_{lang}" for lang in LANGS), "justification_en", "justification_fr",
               "date_inscribed", "secondary_dates", "danger", "date_end", "danger_list", "longitude", "latitude",
               "area_hectares", *FLAGS, "criteria_txt", "category", "category_short",
               *(f"states_name_{lang}" for lang in LANGS), "region_en", "region_fr", "iso_code", "udnp_code",
               "transboundary"]
NUMBERS = {"unique_number", "id_no", "date_inscribed", "danger", "longitude", "latitude", "area_hectares",
           "transboundary", *FLAGS}
BAMIYAN_AR = "المشهد الثقافي والبقايا الأثرية لوادي باميان"


def _rows_2019(ids=None, first=40):
    with WORLD_HERITAGE_CSV.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    if ids:
        return [r for r in rows if r["id_no"] in ids]
    return rows[:first]


def _number(text):
    if text in ("", None):
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def write_xlsx(path, columns, rows, *, trailing_empty_rows=3):
    """A workbook as Excel writes it: numbers as numbers, a header row, then empty rows at the end."""
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([_number(row.get(c, "")) if c in NUMBERS else row.get(c, "") or None for c in columns])
    for _ in range(trailing_empty_rows):
        sheet.append([None] * len(columns))
    book.save(path)
    return path


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot():
    places = sorted(HeritagePlace.objects.filter(source=SOURCE).values_list(
        "pk", "external_id", "name_en", "name_fr", "lon", "lat", "area_ha", "category", "transboundary",
        "description", "outstanding_value", "states_text", "region"))
    criteria = sorted((p.external_id, tuple(c.code for c in p.inscriptions.get().criteria.all()), p.inscriptions.get().year)
                      for p in HeritagePlace.objects.filter(source=SOURCE))
    states = sorted((p.external_id, tuple(p.state_codes)) for p in HeritagePlace.objects.filter(source=SOURCE))
    danger = sorted(DangerListing.objects.values_list("place__external_id", "year_in", "year_out"))
    return places, criteria, states, danger


def _import(path, agencies, **kwargs):
    with acting_as(None, via="test"):
        return import_unesco(path, agency=agencies["secretariat"], **kwargs)


@pytest.fixture
def rows():
    # Forty properties with danger history, a transboundary one and an HTML description among them.
    chosen = _rows_2019(first=37) + _rows_2019(ids={"208", "136", "1187"})
    return list({r["id_no"]: r for r in chosen}.values())


def test_the_2024_xlsx_layout_gives_what_the_2019_csv_gives(agencies, rows, tmp_path):
    xlsx = write_xlsx(tmp_path / "whc-sites-2024.xlsx", LAYOUT_2024, rows)
    report = _import(xlsx, agencies)
    assert report.committed and not report.failed, report.row_error_lines()
    assert (report.rows, report.created, report.format) == (len(rows), len(rows), "xlsx")
    from_xlsx = snapshot()
    bamiyan = HeritagePlace.objects.get(source=SOURCE, external_id="208")
    assert [c.code for c in bamiyan.inscriptions.get().criteria.all()] == ["(i)", "(ii)", "(iii)", "(iv)", "(vi)"]
    assert [(d.year_in, d.year_out) for d in bamiyan.danger_listings.all()] == [(2003, None)]
    assert HeritagePlace.objects.get(source=SOURCE, external_id="1187").state_codes[:2] == ["BY", "EE"]

    # The same rows as CSV change nothing: same values read from both shapes (idempotent across shapes).
    again = _import(write_csv(tmp_path / "whc.csv", rows), agencies)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))
    assert snapshot() == from_xlsx


def test_the_2024_arabic_name_is_kept_and_a_rerun_changes_nothing(agencies, rows, tmp_path):
    _import(write_csv(tmp_path / "whc.csv", rows), agencies)
    for row in rows:
        if row["id_no"] == "208":
            row["name_ar"] = BAMIYAN_AR
    xlsx = write_xlsx(tmp_path / "whc-sites-2024.xlsx", LAYOUT_2024, rows)
    report = _import(xlsx, agencies)
    assert (report.created, report.updated, report.unchanged) == (0, 1, len(rows) - 1)
    assert HeritagePlace.objects.get(source=SOURCE, external_id="208").name_ar == BAMIYAN_AR
    before = snapshot()
    assert _import(xlsx, agencies).unchanged == len(rows) and snapshot() == before
    # An older file without the name_ar column leaves the Arabic name alone.
    assert _import(tmp_path / "whc.csv", agencies).unchanged == len(rows)
    assert HeritagePlace.objects.get(source=SOURCE, external_id="208").name_ar == BAMIYAN_AR


def test_a_workbook_is_recognised_by_its_content_not_its_name(agencies, rows, tmp_path):
    # Saved as .xls or .csv by a browser or a colleague: still a workbook, never a UnicodeDecodeError.
    for name in ("whc-sites.xls", "whc-sites.csv"):
        path = write_xlsx(tmp_path / name, LAYOUT_2024, rows[:5])
        report = _import(path, agencies)
        assert report.committed and report.format == "xlsx" and not report.failed
    assert HeritagePlace.objects.filter(source=SOURCE).count() == 5


def test_criteria_are_read_from_criteria_txt_when_the_flags_are_missing(agencies, rows, tmp_path):
    _import(write_csv(tmp_path / "whc.csv", rows), agencies)
    before = snapshot()
    layout = [c for c in LAYOUT_2024 if c not in FLAGS]
    report = _import(write_xlsx(tmp_path / "no-flags.xlsx", layout, rows), agencies)
    assert (report.updated, report.unchanged, report.row_errors) == (0, len(rows), [])
    assert snapshot() == before
    rows[4]["criteria_txt"] = "(ii)(xiv)"
    report = _import(write_xlsx(tmp_path / "bad.xlsx", layout, rows), agencies)
    assert not report.committed and [(e.row, list(e.errors)) for e in report.row_errors] == [(6, ["criteria_txt"])]


def test_a_2021_file_without_id_no_is_matched_by_name_and_states(agencies, rows, tmp_path):
    _import(write_csv(tmp_path / "whc.csv", rows), agencies)
    layout_2021 = [c for c in rows[0] if c != "id_no"]
    changed = next(r for r in rows if r["id_no"] == "136")
    changed["name_fr"] += " (révisé)"
    pk = HeritagePlace.objects.get(source=SOURCE, external_id="136").pk
    path = write_xlsx(tmp_path / "whc-sites-2021.xlsx", layout_2021, rows)
    report = _import(path, agencies)
    assert report.committed and not report.failed, report.row_error_lines()
    assert (report.matched_by_name, report.created, report.updated, report.unchanged) == (
        len(rows), 0, 1, len(rows) - 1)
    place = HeritagePlace.objects.get(pk=pk)
    assert place.external_id == "136" and place.name_fr.endswith("(révisé)")
    before = snapshot()
    assert _import(path, agencies).unchanged == len(rows) and snapshot() == before


def test_rows_without_id_no_that_match_no_property_say_what_cannot_be_done(agencies, rows, tmp_path):
    _import(write_csv(tmp_path / "whc.csv", rows[1:]), agencies)  # the first property was never imported
    layout_2021 = [c for c in rows[0] if c != "id_no"]
    rows[5]["name_fr"] += " (révisé)"
    path = write_xlsx(tmp_path / "whc-sites-2021.xlsx", layout_2021, rows)
    before = snapshot()
    err = io.StringIO()
    with acting_as(None, via="test"), pytest.raises(CommandError, match="nothing imported"):
        call_command("heritage", "import-unesco", str(path), stderr=err)
    (line,) = err.getvalue().splitlines()
    assert line.startswith("problem: row 2 [-] id_no: this file has no id_no")
    assert rows[0]["name_en"] in line and "cannot be created without its UNESCO id_no" in line
    assert snapshot() == before  # all or nothing: the revised French name was not written either

    out = io.StringIO()
    with acting_as(None, via="test"):
        call_command("heritage", "import-unesco", str(path), "--partial", stdout=out, stderr=io.StringIO())
    assert "1 updated" in out.getvalue() and "matched by name and states" in out.getvalue()
    assert not HeritagePlace.objects.filter(source=SOURCE, external_id=rows[0]["id_no"]).exists()


def test_a_name_shared_by_two_properties_in_the_same_states_is_not_guessed(agencies, rows, tmp_path):
    _import(write_csv(tmp_path / "whc.csv", rows[:3]), agencies)
    first, second = (HeritagePlace.objects.get(source=SOURCE, external_id=r["id_no"]) for r in rows[:2])
    HeritagePlace.objects.filter(pk=second.pk).update(name_en=first.name_en, name_fr=first.name_fr)
    second.states.all().delete()
    for order, code in enumerate(first.state_codes):
        second.states.create(country=code, order=order)
    report = _import(write_xlsx(tmp_path / "x.xlsx", [c for c in rows[0] if c != "id_no"], rows[:1]), agencies)
    assert not report.committed
    assert "2 imported properties are named" in report.row_errors[0].errors["id_no"][0]
    message = report.row_errors[0].errors["id_no"][0]
    assert f"id_no {', '.join(sorted([rows[0]['id_no'], rows[1]['id_no']], key=int))}" in message


def test_a_file_that_is_no_workbook_and_no_utf8_csv_is_a_clear_error(agencies, rows, tmp_path):
    path = tmp_path / "whc-latin1.csv"
    path.write_bytes("id_no,name_fr\n1,Médina de Fès\n".encode("latin-1"))
    with acting_as(None, via="test"), pytest.raises(CommandError, match="neither an XLSX or XLS workbook nor a "
                                                                         "UTF-8 CSV file"):
        call_command("heritage", "import-unesco", str(path))
    assert not HeritagePlace.objects.exists()
