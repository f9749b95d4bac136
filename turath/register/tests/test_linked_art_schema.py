"""Every record of the Linked Art export validates against the Linked Art API 1.0 JSON Schemas shipped in
turath/data/linked-art-schema (the schema of a HumanMadeObject is object.json; its references to core.json
resolve against the `$id` of the schema that refers, through a referencing Registry of all the files)."""

import io
import json
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from turath.core.context import acting_as
from turath.data import LINKED_ART_SCHEMAS
from turath.register import exporter
from turath.register.images import add_image
from turath.register.tests.factories import make_object
from turath.register.tests.test_images import photo_bytes


@pytest.fixture(scope="module")
def object_schema():
    resources = [Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
                 for path in sorted(LINKED_ART_SCHEMAS.glob("*.json"))]
    registry = Registry().with_resources((resource.id(), resource) for resource in resources)
    schema = registry.contents("https://linked.art/api/1.0/schema/object.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _errors(validator, record) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message[:200]}"
            for e in validator.iter_errors(record)]


def _ids(node):
    if isinstance(node, dict):
        if "id" in node:
            yield node["id"]
        for value in node.values():
            yield from _ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids(value)


@pytest.fixture
def rich_register(users, tmp_path, settings):
    """Records with everything the exporter writes: texts in Arabic, French and English with translations,
    inscriptions of several kinds (with script and position), measurements, dates (hijri, BCE, a century,
    none), periods, places, makers, current holders, inventory numbers and photographs."""
    settings.MEDIA_ROOT = tmp_path / "media"
    ma, eg = users["ma_museum_editor"], users["eg_customs_editor"]
    quran = make_object(
        ma, "MA-LA-0001", title={"lang": "ar", "text": "مصحف مملوكي مذهب", "tr": {
            "en": {"text": "Gilded Mamluk Qur'an", "machine": False},
            "fr": {"text": "Coran mamelouk enluminé", "machine": True}}},
        description={"lang": "ar", "text": "مخطوط على رق، ٣٠ سطرًا", "tr": {
            "fr": {"text": "Manuscrit sur parchemin, 30 lignes", "machine": False}}},
        materials="paper; gold", techniques="gilding; calligraphy", date="656 AH", period="Mamluk",
        maker="محمد بن أحمد", place_of_origin="القاهرة", current_holder="الخزانة الحسنية",
        measurements="height=24 cm; width=17 cm; weight=850 g", inventory_numbers="BR 1234; قديم 45/ب",
        inscriptions=[
            {"kind": "inscription", "text": {"lang": "ar", "text": "بسم الله الرحمن الرحيم", "tr": {
                "en": {"text": "In the name of God", "machine": False}}}, "script": "Kufic", "position": "folio 1r"},
            {"kind": "signature", "text": "كتبه محمد", "script": "Naskh", "position": "colophon"},
            {"kind": "seal", "text": "وقف", "script": "", "position": ""}],
        sharing="public")
    stele = make_object(
        ma, "MA-LA-0002/b", title="Stèle funéraire « à inscription »", lang="fr", object_type="stele",
        description={"lang": "fr", "text": "Calcaire, épitaphe latine", "tr": {
            "ar": {"text": "حجر جيري عليه كتابة لاتينية", "machine": True}}},
        materials="limestone", date="300 BCE", place_of_origin="Volubilis", current_holder="Musée de Rabat",
        measurements="height=1.2 m; depth=140 mm",
        inscriptions=[{"kind": "inscription", "text": {"lang": "fr", "text": "D(is) M(anibus) S(acrum)"},
                       "script": "latin", "position": "face"}], sharing="public")
    astrolabe = make_object(
        eg, "EG-LA-0003", title="Planispheric astrolabe", lang="en", object_type="astrolabe",
        description="Brass astrolabe with silver inlay & <b>markup</b>", materials="copper alloy; silver",
        techniques="engraving", date="12th century", maker="Ahmad ibn Khalaf",
        measurements="diameter=14.5 cm; thickness=6 mm; weight=1.1 kg", sharing="public")
    make_object(eg, "EG-LA-0004", title="Fragment", lang="en", object_type="coin",
                sharing="public")  # hardly anything known
    with acting_as(ma, via="test"):
        add_image(ma, quran, photo_bytes(), "folio.jpg", caption="الورقة الأولى")
        add_image(ma, stele, photo_bytes(size=(400, 500), fmt="PNG"), "stele.png")
    with acting_as(eg, via="test"):
        add_image(eg, astrolabe, photo_bytes(size=(640, 640)), "astrolabe.jpg", caption="Front, «rete»")
    return users["secretariat_admin"]


def test_every_record_of_the_linked_art_export_validates_against_the_schema(rich_register, users, object_schema):
    out = io.StringIO()
    count = exporter.export(users["secretariat_admin"], "jsonld", out)
    graph = json.loads(out.getvalue())["@graph"]
    assert count == len(graph) == 4
    failures = {record["_label"]: _errors(object_schema, record) for record in graph}
    assert failures == {record["_label"]: [] for record in graph}
    for record in graph:
        # The schema's "uri" format is only checked when rfc3987 is installed: check the ids here.
        for value in _ids(record):
            parts = urlsplit(value)
            assert parts.scheme in ("http", "https") and parts.netloc and " " not in value, value

    by_number = {next(i["content"] for i in r["identified_by"] if i["type"] == "Identifier"): r for r in graph}
    quran = by_number["MA-LA-0001"]
    statements = {(s["classified_as"][0]["_label"], s["content"]) for s in quran["referred_to_by"]}
    assert {("Inscription Statement", "بسم الله الرحمن الرحيم"), ("Inscription Statement", "In the name of God"),
            ("Signature Statement", "كتبه محمد"), ("Inscription Statement", "وقف"),
            ("Description", "Manuscrit sur parchemin, 30 lignes")} <= statements
    assert "carries" not in quran and "current_keeper" not in quran
    assert quran["current_custodian"] == [{"id": quran["id"] + "#current-holder", "type": "Group",
                                           "_label": "الخزانة الحسنية"}]
    assert quran["produced_by"]["took_place_at"][0]["_label"] == "القاهرة"
    assert quran["produced_by"]["carried_out_by"][0]["type"] == "Person"
    image = quran["representation"][0]["digitally_shown_by"][0]
    assert image["format"] == "image/jpeg" and image["access_point"][0]["id"].endswith("/original/")
    stele = by_number["MA-LA-0002/b"]
    assert stele["produced_by"]["timespan"]["begin_of_the_begin"] == "-0299-01-01T00:00:00Z"
    assert "/objects/MA-LA-0002/b/images/" in stele["representation"][0]["digitally_shown_by"][0][
        "access_point"][0]["id"]


def test_the_validator_refuses_what_the_schema_forbids(object_schema):
    """The check above can fail: the shapes the exporter used to write are refused."""
    record = {"@context": exporter.LINKED_ART_CONTEXT, "id": "https://turath.example.org/object/1",
              "type": "HumanMadeObject", "_label": "x",
              "carries": [{"type": "LinguisticObject", "content": "بسم الله"}],
              "produced_by": {"type": "Production", "took_place_at": [{"type": "Place", "_label": "Fès"}]},
              "current_keeper": [{"type": "Group", "_label": "Musée"}]}
    errors = "\n".join(_errors(object_schema, record))
    assert "carries/0: 'id' is a required property" in errors
    assert "produced_by/took_place_at/0: 'id' is a required property" in errors
    assert "'current_keeper' was unexpected" in errors
