import pytest

from turath.core.errors import EditConflict, NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import AuditEntry
from turath.register import services
from turath.register.models import CulturalObject, ObjectStatus, StatusChange
from turath.register.tests.factories import make_object


def test_full_object_id_record_is_stored_and_serialized(users, actor):
    user = users["eg_ministry_editor"]
    with actor(user):
        obj = services.create_object(user, {
            "record_number": "EG-MOA-2026-0001",
            "object_type": "astrolabe",
            "materials": "alliage cuivreux; argent",  # French labels
            "techniques": "engraving",
            "measurements": "height=21.5 cm; diamètre=14 cm; poids=850 g",
            "inscriptions": [{"kind": "inscription", "text": "صنعه أحمد بن محمد", "script": "Naskh",
                              "position": "back, rim"}],
            "distinguishing_features": "Dent sur la mère, rete réparé",
            "title": "أسطرلاب مملوكي",
            "language": "ar",
            "title_translations": None,
            "subject": "Astronomie",
            "date": "656 AH",
            "period": "Mamluk",
            "maker": "Ahmad ibn Muhammad",
            "description": {"lang": "ar", "text": "أسطرلاب نحاسي مع شبكة فضية",
                            "tr": {"en": {"text": "Brass astrolabe with a silver rete", "machine": True}}},
            "inventory_numbers": "MIA 123; ancien 45/B",
            "place_of_origin": "Cairo",
            "origin_country": "eg",
            "date_documented": "2024-03-01",
            "cross_references": ["INTERPOL 2019/774"],
        })
    data = services.serialize(obj)
    assert data["object_type"]["en"].lower() == "astrolabe"
    assert {m["en"].lower() for m in data["materials"]} >= {"silver"}
    assert [(m["dimension"], m["value"], m["unit"]) for m in data["measurements"]] == [
        ("height", "21.5", "cm"), ("diameter", "14", "cm"), ("weight", "850", "g")]
    assert data["inscriptions"][0]["text"]["text"] == "صنعه أحمد بن محمد"
    assert (data["date_earliest"], data["date_latest"], data["hijri_earliest"]) == (1258, 1259, 656)
    assert data["origin_country"] == "EG"
    assert data["description"]["tr"]["en"]["machine"] is True
    assert data["inventory_numbers"] == ["MIA 123", "ancien 45/B"]
    assert AuditEntry.objects.filter(action="register.object.create", object_id=str(obj.pk)).exists()
    assert obj.status_history.get().to_status == "registered"


def test_missing_required_object_id_fields_are_named(users):
    with pytest.raises(RecordInvalid) as err:
        services.validate_record({"description": ""}, user=users["eg_customs_editor"])
    assert set(err.value.errors) >= {"record_number", "object_type", "title"}


def test_unknown_term_gets_suggestions(users):
    suggestions = {}
    with pytest.raises(RecordInvalid) as err:
        services.validate_record({"record_number": "X-1", "object_type": "astrolab", "title": "t"},
                                 user=users["eg_customs_editor"], suggestions=suggestions)
    assert "object_type" in err.value.errors
    assert any("strolab" in s.lower() for s in suggestions["object_type"]["astrolab"])


@pytest.mark.parametrize("field, value", [
    ("measurements", "height=-3 cm"), ("measurements", "weight=12 cm"), ("measurements", "taille 12"),
    ("origin_country", "XX"), ("date", "next Tuesday"), ("date", "2999"), ("date_documented", "2999-01-01"),
    ("date_documented", "01/02/2020"), ("sharing", "everyone"), ("status", "in_custody"),
    ("record_number", "has spaces"),
])
def test_bad_values_are_refused_naming_the_field(users, field, value):
    data = {"record_number": "X-2", "object_type": "coin", "title": "Dinar", field: value}
    with pytest.raises(RecordInvalid) as err:
        services.validate_record(data, user=users["eg_customs_editor"])
    assert field in err.value.errors


def test_viewer_cannot_create_and_duplicate_numbers_are_refused(users):
    with pytest.raises(NotPermitted):
        make_object(users["eg_customs_viewer"], "EG-1")
    make_object(users["eg_customs_contributor"], "EG-1")
    with pytest.raises(RecordInvalid):
        make_object(users["eg_customs_editor"], "EG-1")


def test_update_with_optimistic_locking(users, actor):
    editor = users["eg_customs_editor"]
    obj = make_object(editor, "EG-2")
    with actor(editor):
        first = services.update_object(editor, obj, {"maker": "unknown"}, expected_version=1)
        assert first.version == 2
        with pytest.raises(EditConflict):
            services.update_object(editor, obj, {"maker": "someone else"}, expected_version=1)
    obj.refresh_from_db()
    assert obj.maker == "unknown"
    audit = AuditEntry.objects.filter(action="register.object.update", object_id=str(obj.pk)).get()
    assert audit.before["maker"] == "" and audit.after["maker"] == "unknown"


def test_another_agency_cannot_update(users, actor):
    obj = make_object(users["eg_customs_editor"], "EG-3", sharing="members")
    with actor(users["ma_museum_editor"]), pytest.raises(NotPermitted):
        services.update_object(users["ma_museum_editor"], obj, {"maker": "x"})


def test_status_lifecycle_and_history(users, actor):
    editor = users["eg_ministry_editor"]
    obj = make_object(editor, "EG-4")
    with actor(editor):
        for status in ("reported_stolen", "seized", "in_custody", "restituted"):
            obj = services.change_status(editor, obj, status, note=f"→ {status}")
        with pytest.raises(TransitionNotAllowed):
            services.change_status(editor, obj, "seized")
        with pytest.raises(TransitionNotAllowed):  # publication is a report's, not an object's status
            services.change_status(editor, make_object(editor, "EG-4B", status="reported_stolen"), "published")
    assert [s.to_status for s in StatusChange.objects.filter(object=obj)] == [
        "registered", "reported_stolen", "seized", "in_custody", "restituted"]


def test_contributor_cannot_change_status(users, actor):
    obj = make_object(users["eg_customs_editor"], "EG-5")
    with actor(users["eg_customs_contributor"]), pytest.raises(NotPermitted):
        services.change_status(users["eg_customs_contributor"], obj, ObjectStatus.REPORTED_STOLEN)


def test_html_is_stored_as_data(users):
    obj = make_object(users["eg_customs_editor"], "EG-6", title='<script>alert("x")</script> إبريق', lang="fr")
    stored = CulturalObject.objects.get(pk=obj.pk).title["text"]
    assert stored == '<script>alert("x")</script> إبريق'
