"""Import of the real UNESCO World Heritage List export (2019): counts, states, danger history, idempotence."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from turath.core.context import acting_as
from turath.data import WORLD_HERITAGE_CSV, WORLD_HERITAGE_XLS
from turath.heritage.models import DangerListing, HeritagePlace, Inscription
from turath.heritage.unesco import SOURCE, html_to_text, import_unesco, parse_danger_history

CSV = WORLD_HERITAGE_CSV
XLS = WORLD_HERITAGE_XLS


def snapshot():
    places = sorted(HeritagePlace.objects.filter(source=SOURCE).values_list(
        "external_id", "name_en", "name_fr", "lon", "lat", "area_ha", "category", "transboundary", "updated"))
    return places, DangerListing.objects.count(), Inscription.objects.count()


def test_import_the_2019_list(agencies):
    out = io.StringIO()
    with acting_as(None, via="test"):
        call_command("heritage", "import-unesco", str(CSV), stdout=out)
    assert "1121 created" in out.getvalue()
    assert HeritagePlace.objects.filter(source=SOURCE).count() == 1121
    assert Inscription.objects.filter(heritage_list__key="unesco-whl", status="final").count() == 1121
    assert HeritagePlace.objects.filter(category="cultural").count() == 869
    assert HeritagePlace.objects.filter(category="mixed").count() == 39

    # A transboundary property: Struve Geodetic Arc spans ten states.
    arc = HeritagePlace.objects.get(source=SOURCE, external_id="1187")
    assert arc.transboundary
    assert arc.state_codes == ["BY", "EE", "FI", "LV", "LT", "NO", "MD", "RU", "SE", "UA"]
    assert arc.attribution == "UNESCO World Heritage Centre"

    # Bamiyan: in danger since 2003, criteria (i)(ii)(iii)(iv)(vi), HTML stripped, French kept.
    bamiyan = HeritagePlace.objects.get(source=SOURCE, external_id="208")
    assert [(d.year_in, d.year_out) for d in bamiyan.danger_listings.all()] == [(2003, None)]
    inscription = bamiyan.inscriptions.get()
    assert inscription.year == 2003
    assert [c.code for c in inscription.criteria.all()] == ["(i)", "(ii)", "(iii)", "(iv)", "(vi)"]
    assert "<p>" not in bamiyan.description["text"] and "Bamiyan Valley" in bamiyan.description["text"]
    assert "Bactriane" in bamiyan.description["tr"]["fr"]["text"]
    assert "&eacute;" not in bamiyan.description["tr"]["fr"]["text"]

    # Garamba National Park, "Y 1996 P 1984-1992": two periods, the second current.
    twice = HeritagePlace.objects.get(source=SOURCE, external_id="136")
    assert [(d.year_in, d.year_out) for d in twice.danger_listings.order_by("year_in")] == [(1984, 1992), (1996, None)]
    assert DangerListing.objects.filter(year_out__isnull=True).count() == 53  # the `danger` column's count
    # Jerusalem (proposed by Jordan) has no state code; it is imported with its source text, not dropped.
    jerusalem = HeritagePlace.objects.get(source=SOURCE, external_id="148")
    assert jerusalem.state_codes == [] and "Jerusalem" in jerusalem.states_text

    before = snapshot()
    out = io.StringIO()
    with acting_as(None, via="test"):
        call_command("heritage", "import-unesco", str(CSV), stdout=out)
    assert "0 created, 0 updated, 1121 unchanged" in out.getvalue()
    assert snapshot() == before


def test_problem_rows_are_reported_and_nothing_is_written_without_partial(agencies, tmp_path):
    with CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:30]
    rows[3]["latitude"] = "north"
    rows[7]["danger_list"] = "Y 20x3"
    rows[9]["iso_code"] = "eg,zz"
    path = tmp_path / "broken.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("heritage", "import-unesco", str(path), stderr=err)
    assert HeritagePlace.objects.count() == 0
    text = err.getvalue()
    assert f"[{rows[3]['id_no']}] longitude/latitude" in text
    assert f"[{rows[7]['id_no']}] danger_list" in text
    assert f"[{rows[9]['id_no']}] iso_code: not ISO 3166-1 codes: ZZ" in text

    with acting_as(None, via="test"):
        report = import_unesco(path, agency=agencies["secretariat"], partial=True)
    assert report.committed and report.created == 27 and report.failed == 3
    assert not HeritagePlace.objects.filter(external_id=rows[3]["id_no"]).exists()


def test_a_changed_row_is_audited_with_the_import_and_the_chain_holds(agencies, tmp_path):
    from turath.core import audit
    from turath.core.models import AuditEntry

    with CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:40]
    path = tmp_path / "whc.csv"

    def write():
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    write()
    with acting_as(None, via="test"):
        import_unesco(path, agency=agencies["secretariat"])
    rows[5]["name_fr"] += " (nom révisé)"
    write()
    first = AuditEntry.objects.order_by("-seq").first().seq
    with acting_as(None, via="test"):
        report = import_unesco(path, agency=agencies["secretariat"])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 39)
    place = HeritagePlace.objects.get(source=SOURCE, external_id=rows[5]["id_no"])
    assert place.name_fr.endswith("(nom révisé)")
    added = list(AuditEntry.objects.filter(seq__gt=first).order_by("seq").values_list("action", "object_id"))
    hlist = place.inscriptions.get().heritage_list
    assert added == [("heritage.unesco.update", str(place.pk)), ("heritage.unesco.import", str(hlist.pk))]
    assert audit.verify_chain().ok


def test_xls_gives_the_same_data_as_csv(agencies):
    pytest.importorskip("xlrd")
    with acting_as(None, via="test"):
        import_unesco(CSV, agency=agencies["secretariat"])
        report = import_unesco(XLS, agency=agencies["secretariat"])
    assert report.rows == 1121 and report.unchanged == 1121 and not report.failed


def test_parsers():
    assert parse_danger_history("Y 1996 P 1984-1992") == [(1984, 1992), (1996, None)]
    assert parse_danger_history("P 1997-2005") == [(1997, 2005)]
    assert parse_danger_history("") == []
    with pytest.raises(ValueError):
        parse_danger_history("P 2005-1997")
    text = html_to_text("<p>Le <em>site</em> d&rsquo;Ani.</p><p>Second&nbsp;para<script>x</script></p>")
    assert text == "Le site d’Ani.\n\nSecond para"
