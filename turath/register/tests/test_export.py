"""Export as CSV, JSON and Linked Art JSON-LD, always through the permission filter."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from turath.core.models import AuditEntry
from turath.register import exporter
from turath.register.models import CulturalObject
from turath.register.tests.factories import make_object


@pytest.fixture
def register(users):
    """Moroccan records at every sharing level, and one Egyptian customs record."""
    ma = users["ma_museum_editor"]
    return {
        "agency": make_object(ma, "MA-SECRET-1", sharing="agency", title="Dossier d'enquête", lang="fr"),
        "network": make_object(ma, "MA-NET-1", sharing="network", status="reported_stolen"),
        "members": make_object(ma, "MA-MEM-1", sharing="members", object_type="astrolabe", title="Astrolabe",
                               lang="en"),
        "public": make_object(ma, "MA-PUB-1", sharing="public", title="Coran enluminé", lang="fr"),
        "eg": make_object(users["eg_customs_editor"], "EG-CUS-1", sharing="agency", title="Saisie au port",
                          lang="fr"),
    }


def _export(user, fmt, **kwargs):
    out = io.StringIO()
    count = exporter.export(user, fmt, out, **kwargs)
    return count, out.getvalue()


def _numbers(fmt, text):
    if fmt == "csv":
        return {row["record_number"] for row in csv.DictReader(io.StringIO(text))}
    if fmt == "json":
        return {o["record_number"] for o in json.loads(text)["objects"]}
    return {i["content"] for o in json.loads(text)["@graph"] for i in o["identified_by"] if i["type"] == "Identifier"
            and i.get("_label") != "inventory number"}


@pytest.mark.parametrize("fmt", exporter.FORMATS)
def test_egyptian_customs_never_receives_moroccan_agency_only_records(users, register, fmt):
    count, text = _export(users["eg_customs_viewer"], fmt)
    assert _numbers(fmt, text) == {"MA-NET-1", "MA-MEM-1", "MA-PUB-1", "EG-CUS-1"}
    assert count == 4 and "Dossier d'enquête" not in text and "MA-SECRET-1" not in text


def test_each_agency_sees_its_own_and_what_reaches_it(users, register):
    assert _numbers("json", _export(users["ma_museum_viewer"], "json")[1]) == {
        "MA-SECRET-1", "MA-NET-1", "MA-MEM-1", "MA-PUB-1"}
    # An Egyptian ministry is not law enforcement: no network records.
    assert _numbers("json", _export(users["eg_ministry_viewer"], "json")[1]) == {"MA-MEM-1", "MA-PUB-1"}
    assert _numbers("json", _export(None, "json")[1]) == {"MA-PUB-1"}


def test_a_queryset_passed_in_is_intersected_with_what_the_user_may_see(users, register):
    everything = CulturalObject.objects.all()
    count, text = _export(users["eg_customs_viewer"], "csv", queryset=everything.filter(record_number__startswith="MA"))
    assert _numbers("csv", text) == {"MA-NET-1", "MA-MEM-1", "MA-PUB-1"} and count == 3


def test_filters_and_audit_entry(users, register):
    user = users["eg_customs_viewer"]
    count, text = _export(user, "json", filters={"status": "reported_stolen"})
    assert count == 1 and _numbers("json", text) == {"MA-NET-1"}
    entry = AuditEntry.objects.filter(action="register.object.export").last()
    assert entry.username == user.username
    assert entry.after == {"count": 1, "format": "json", "filters": {"status": "reported_stolen"}, "queryset": False}
    count, _text = _export(user, "csv", filters={"q": "astrolabe"})
    assert count == 1
    with pytest.raises(ValueError):
        _export(user, "csv", filters={"owning_agency__code": "ma-museum"})


def test_export_streams_without_n_plus_one_queries(users, django_assert_max_num_queries):
    user = users["ma_museum_editor"]
    for i in range(3):
        make_object(user, f"MA-Q-{i}", materials="paper; gold", measurements="height=3 cm")
    with django_assert_max_num_queries(12) as few:
        _export(user, "jsonld")
    for i in range(3, 30):
        make_object(user, f"MA-Q-{i}", materials="paper; gold", measurements="height=3 cm")
    with django_assert_max_num_queries(len(few.captured_queries)) :
        count, _text = _export(user, "jsonld")
    assert count == 30


def test_linked_art_structure(users):
    user = users["ma_museum_editor"]
    obj = make_object(user, "MA-LA-1", object_type="manuscript", title="مصحف مملوكي", lang="ar",
                      description={"lang": "ar", "text": "مخطوط مذهب",
                                   "tr": {"en": {"text": "Gilded manuscript", "machine": False}}},
                      materials="paper; gold", techniques="gilding", date="656 AH", maker="Ibn al-Bawwab",
                      measurements="height=24 cm; weight=850 g", current_holder="Bibliothèque nationale",
                      inventory_numbers="BN 12")
    doc = json.loads(_export(user, "jsonld")[1])
    assert doc["@context"] == "https://linked.art/ns/v1/linked-art.json"
    (la,) = doc["@graph"]
    assert la["type"] == "HumanMadeObject" and la["id"].endswith(str(obj.uid))
    assert la["classified_as"][0]["id"] == (obj.object_type.aat_uri or obj.object_type.uri)
    name, identifier = la["identified_by"][0], la["identified_by"][1]
    assert (name["type"], name["content"], name["language"][0]["_label"]) == ("Name", "مصحف مملوكي", "Arabic")
    assert (identifier["type"], identifier["content"]) == ("Identifier", "MA-LA-1")
    assert {m["type"] for m in la["made_of"]} == {"Material"} and len(la["made_of"]) == 2
    production = la["produced_by"]
    assert production["timespan"]["begin_of_the_begin"] == "1258-01-01T00:00:00Z"
    assert production["timespan"]["end_of_the_end"] == "1259-12-31T23:59:59Z"
    assert production["carried_out_by"][0]["_label"] == "Ibn al-Bawwab"
    assert production["technique"][0]["type"] == "Type"
    dims = {d["classified_as"][0]["_label"]: (d["value"], d["unit"]["_label"]) for d in la["dimension"]}
    assert dims == {"height": (24.0, "centimeters"), "weight": (850.0, "grams")}
    texts = {(s["content"], s["language"][0]["_label"]) for s in la["referred_to_by"]}
    assert texts == {("مخطوط مذهب", "Arabic"), ("Gilded manuscript", "English")}
    assert all(s["type"] == "LinguisticObject" for s in la["referred_to_by"])
    assert la["current_custodian"] == [{"id": la["id"] + "#current-holder", "type": "Group",
                                        "_label": "Bibliothèque nationale"}]


def test_linked_art_bce_years_use_iso_astronomical_numbering(users):
    user = users["ma_museum_editor"]
    make_object(user, "MA-BCE-1", date="300 BCE", title="Stèle", lang="fr")
    (la,) = json.loads(_export(user, "jsonld")[1])["@graph"]
    assert la["produced_by"]["timespan"]["begin_of_the_begin"] == "-0299-01-01T00:00:00Z"


def test_html_in_text_is_exported_as_data(users):
    user = users["ma_museum_editor"]
    make_object(user, "MA-XSS-1", title="<img src=x onerror=alert(1)> «مخطوط»", lang="ar")
    for fmt in exporter.FORMATS:
        text = _export(user, fmt)[1]
        assert "<img src=x onerror=alert(1)>" in (text if fmt == "csv" else json.dumps(json.loads(text),
                                                                                        ensure_ascii=False))


def test_command_line_export(users, register, tmp_path):
    out = tmp_path / "out.csv"
    call_command("export_objects", "--user", users["eg_customs_viewer"].username, "--format", "csv",
                 "--out", str(out))
    assert _numbers("csv", out.read_text(encoding="utf-8")) == {"MA-NET-1", "MA-MEM-1", "MA-PUB-1", "EG-CUS-1"}
    out = tmp_path / "out.jsonld"
    call_command("export_objects", "--user", users["eg_ministry_viewer"].username, "--format", "jsonld",
                 "--out", str(out))
    assert len(json.loads(out.read_text(encoding="utf-8"))["@graph"]) == 2
