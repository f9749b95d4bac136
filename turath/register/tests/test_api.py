"""The register's REST API (/api/v1/): permissions (404 across agencies), roles, validation errors by
field, optimistic locking, search and facets, images, escaping, the OpenAPI document, query counts
and the audit trail. Requests carry real bearer tokens."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from turath.core.audit_names import names_of
from turath.core.context import acting_as
from turath.core.models import ApiToken, AuditEntry
from turath.register import services
from turath.register.models import CulturalObject
from turath.register.tests.factories import make_object
from turath.vocabulary.services import resolve_concept

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The `users` fixture makes 21 accounts per test: a fast hasher keeps the module quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    """`api(user)`: a client that sends `Authorization: Bearer <token>` for that user (anonymous without)."""
    def make(user=None):
        client = APIClient()
        if user is not None:
            _token, raw = ApiToken.issue(user, "test")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client
    return make


def jpeg_bytes(color=(180, 120, 40), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body
    return body


@pytest.fixture
def ma_secret(users):
    """A Moroccan museum record shared with nobody else (agency-only)."""
    return make_object(users["ma_museum_editor"], "MA-MUS-2026-0001", title="مخطوط أندلسي نادر", lang="ar",
                       materials="parchment", period="Umayyad", origin_country="MA")


@pytest.fixture
def eg_record(users):
    return make_object(users["eg_customs_editor"], "EG-CUS-2026-0001", title="مصحف مملوكي مذهب", lang="ar",
                       description={"text": "ورقة من مصحف بخط الثلث", "lang": "ar",
                                    "tr": {"en": {"text": "Leaf of a Qur'an in thuluth script", "machine": True}}},
                       materials="paper; gold", techniques="gilding", date="656 AH", period="Mamluk",
                       origin_country="EG", measurements=["height=32 cm"], maker="Cairo workshop")


# --- reading ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_detail_by_record_number_and_uid_is_the_full_object_id_record(api, users, eg_record):
    client = api(users["eg_customs_viewer"])
    by_number = client.get("/api/v1/objects/EG-CUS-2026-0001/")
    assert by_number.status_code == 200 and by_number["Content-Type"] == "application/json"
    data = by_number.json()
    assert data == client.get(f"/api/v1/objects/{eg_record.uid}/").json()
    expected = services.serialize(eg_record)
    for key in ("record_number", "owning_agency", "title", "description", "date", "date_earliest", "hijri_earliest",
                "maker", "measurements", "origin_country", "version"):
        assert data[key] == expected[key], key
    assert data["object_type"]["uri"] == expected["object_type"]["uri"]
    assert data["object_type"]["id"] == eg_record.object_type_id
    assert sorted(m["en"] for m in data["materials"]) == ["Gold", "Paper"]
    assert data["period"]["en"] == "Mamluk" and data["techniques"][0]["en"] == "Gilding"
    assert data["title_shown"] == {"text": "مصحف مملوكي مذهب", "lang": "ar", "machine": False, "fallback": True}
    assert data["url"].endswith(f"/api/v1/objects/{eg_record.uid}/")
    assert by_number["ETag"] == '"1"'
    assert data["allowed_transitions"] == []  # a viewer may not change it


@pytest.mark.django_db
def test_list_is_brief_and_restricted_to_what_the_user_may_see(api, users, eg_record, ma_secret):
    make_object(users["ma_museum_editor"], "MA-MUS-2026-0002", title="Public coin", lang="en",
                object_type="coin", sharing="public")
    eg = api(users["eg_customs_viewer"]).get("/api/v1/objects/").json()
    assert {r["record_number"] for r in eg["results"]} == {"EG-CUS-2026-0001", "MA-MUS-2026-0002"}
    row = next(r for r in eg["results"] if r["record_number"] == "EG-CUS-2026-0001")
    assert row["object_type"]["label"] == "Manuscript" and row["owning_agency"] == "eg-customs"
    assert row["period"]["label"] == "Mamluk" and row["thumbnail"] is None and "description" not in row
    anonymous = api().get("/api/v1/objects/").json()
    assert [r["record_number"] for r in anonymous["results"]] == ["MA-MUS-2026-0002"]


@pytest.mark.django_db
def test_labels_follow_the_requested_language(api, users, eg_record):
    row = api(users["eg_customs_viewer"]).get("/api/v1/objects/?lang=ar").json()["results"][0]
    assert row["object_type"]["label"] == "مخطوط" and row["title_shown"]["fallback"] is False
    fr = api(users["eg_customs_viewer"]).get("/api/v1/objects/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert fr["object_type"]["label"] == "Manuscrit"


# --- the wall between agencies -------------------------------------------------------------------------

@pytest.mark.django_db
def test_other_agencies_agency_only_record_is_404_for_every_method(api, users, ma_secret):
    client = api(users["eg_customs_editor"])
    for ref in ("MA-MUS-2026-0001", str(ma_secret.uid)):
        body = problem(client.get(f"/api/v1/objects/{ref}/"), 404)
        assert "MA-MUS" not in json.dumps(body) and "أندلسي" not in json.dumps(body, ensure_ascii=False)
        problem(client.patch(f"/api/v1/objects/{ref}/", {"maker": "x"}, format="json"), 404)
        problem(client.put(f"/api/v1/objects/{ref}/", {"maker": "x"}, format="json"), 404)
        problem(client.get(f"/api/v1/objects/{ref}/status/"), 404)
        problem(client.post(f"/api/v1/objects/{ref}/status/", {"status": "reported_stolen"}, format="json"), 404)
        problem(client.post(f"/api/v1/objects/{ref}/images/", {"file": io.BytesIO(jpeg_bytes())},
                            format="multipart"), 404)
    ma_secret.refresh_from_db()
    assert ma_secret.status == "registered" and ma_secret.version == 1 and not ma_secret.images.exists()


@pytest.mark.django_db
def test_images_of_a_hidden_record_are_404(api, users, ma_secret):
    with acting_as(users["ma_museum_editor"]):
        from turath.register.images import add_image

        image = add_image(users["ma_museum_editor"], ma_secret, jpeg_bytes(), "front.jpg")
    url = f"/api/v1/objects/{ma_secret.uid}/images/{image.sha256}/thumb"
    owner = api(users["ma_museum_viewer"]).get(url)
    assert owner.status_code == 200 and owner["Content-Type"] == "image/jpeg"
    assert owner["Cache-Control"].startswith("private")
    problem(api(users["eg_customs_editor"]).get(url), 404)
    problem(api(users["eg_customs_editor"]).get(url, HTTP_ACCEPT="image/*"), 404)
    problem(api().get(url), 404)


# --- roles ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_contributor_cannot_change_status_or_publish_editor_can(api, users):
    record = make_object(users["ma_museum_contributor"], "MA-MUS-2026-0003", title="Stolen astrolabe", lang="en",
                         object_type="astrolabe", status="reported_stolen", sharing="network")
    contributor = api(users["ma_museum_contributor"])
    url = "/api/v1/objects/MA-MUS-2026-0003/status/"
    body = problem(contributor.post(url, {"status": "recovered"}, format="json"), 403)
    assert "editor" in body["detail"]
    problem(contributor.patch("/api/v1/objects/MA-MUS-2026-0003/", {"maker": "x"}, format="json"), 403)

    editor = api(users["ma_museum_editor"])
    # «published» is no status of an object (a report is published); a stolen object stays stolen until found.
    assert editor.get(url).json()["allowed_transitions"] == ["recovered", "registered", "seized"]
    problem(editor.post(url, {"status": "published"}, format="json"), 400)
    response = editor.post(url, {"status": "recovered", "note": "Retrouvé par la police"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "recovered" and data["version"] == 2
    assert [(h["from_status"], h["to_status"]) for h in data["history"]] == [("", "reported_stolen"),
                                                                             ("reported_stolen", "recovered")]
    assert data["history"][1]["note"] == "Retrouvé par la police" and data["history"][1]["by"] == "ma_museum_editor"
    record.refresh_from_db()
    assert record.status == "recovered"
    # Another agency sees the record and its history, but not who in the museum acted.
    history = api(users["eg_customs_viewer"]).get(url).json()["history"]
    assert history[1]["agency"] == "ma-museum" and history[1]["by"] is None


@pytest.mark.django_db
def test_transition_not_in_the_lifecycle_is_400_on_status_with_the_allowed_ones(api, users, eg_record):
    editor = api(users["eg_customs_editor"])
    body = problem(editor.post(f"/api/v1/objects/{eg_record.uid}/status/", {"status": "restituted"}, format="json"), 400)
    assert list(body["errors"]) == ["status"]
    assert body["allowed_transitions"] == sorted(["reported_missing", "reported_stolen", "reported_looted", "seized",
                                                  "in_custody"])
    body = problem(editor.post(f"/api/v1/objects/{eg_record.uid}/status/", {"status": "vanished"}, format="json"), 400)
    assert "status" in body["errors"]


@pytest.mark.django_db
def test_viewer_cannot_create(api, users):
    problem(api(users["eg_customs_viewer"]).post("/api/v1/objects/", {"record_number": "EG-1", "object_type": "coin",
                                                                      "title": "x"}, format="json"), 403)
    problem(api().post("/api/v1/objects/", {"record_number": "EG-1"}, format="json"), 401)


# --- writing -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_create_in_arabic_returns_201_with_location_and_the_record(api, users):
    response = api(users["eg_customs_contributor"]).post("/api/v1/objects/", {
        "record_number": "EG-CUS-2026-0100", "object_type": "مخطوط", "materials": ["ورق", "gold"],
        "title": "مخطوطة في علم الفلك", "language": "ar", "date": "656 AH", "origin_country": "eg",
        "measurements": [{"dimension": "height", "value": "21.5", "unit": "cm"}],
    }, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == data["url"]
    assert data["owning_agency"] == "eg-customs" and data["sharing"] == "agency" and data["status"] == "registered"
    assert data["title"]["text"] == "مخطوطة في علم الفلك" and data["title"]["lang"] == "ar"
    assert data["origin_country"] == "EG" and data["hijri_earliest"] == 656
    assert sorted(m["en"] for m in data["materials"]) == ["Gold", "Paper"]
    assert data["measurements"] == [{"dimension": "height", "value": "21.5", "unit": "cm", "note": ""}]
    assert CulturalObject.objects.get(record_number="EG-CUS-2026-0100").created_by == users["eg_customs_contributor"]


@pytest.mark.django_db
def test_validation_errors_are_400_keyed_by_field(api, users, eg_record):
    client = api(users["eg_customs_editor"])
    body = problem(client.post("/api/v1/objects/", {
        "record_number": "bad number!", "object_type": "spaceship", "materials": "unobtainium",
        "origin_country": "XX", "date": "next Tuesday", "sharing": "everyone", "colour": "red",
    }, format="json"), 400)
    assert list(body["errors"]) == ["colour"]  # unknown fields first: a typo is never silently dropped
    body = problem(client.post("/api/v1/objects/", {
        "record_number": "bad number!", "object_type": "spaceship", "materials": "unobtainium",
        "origin_country": "XX", "date": "next Tuesday", "sharing": "everyone",
    }, format="json"), 400)
    assert set(body["errors"]) == {"record_number", "object_type", "materials", "origin_country", "date", "sharing",
                                   "title"}
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)
    body = problem(client.post("/api/v1/objects/", {"record_number": "EG-CUS-2026-0001", "object_type": "coin",
                                                    "title": "Dinar"}, format="json"), 400)
    assert list(body["errors"]) == ["record_number"]
    problem(client.post("/api/v1/objects/", ["not", "an", "object"], format="json"), 400)
    problem(client.post("/api/v1/objects/", "{broken json", content_type="application/json"), 400)
    body = problem(client.patch(f"/api/v1/objects/{eg_record.uid}/", {"status": "seized"}, format="json"), 400)
    assert list(body["errors"]) == ["status"]


@pytest.mark.django_db
def test_patch_changes_only_what_is_sent_and_put_replaces(api, users, eg_record):
    client = api(users["eg_customs_editor"])
    response = client.patch(f"/api/v1/objects/{eg_record.uid}/", {"maker": "ورشة القاهرة", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["maker"] == "ورشة القاهرة" and data["version"] == 2 and response["ETag"] == '"2"'
    assert sorted(m["en"] for m in data["materials"]) == ["Gold", "Paper"]
    # A client may PUT back what it got, edited: read-only keys are ignored, absent fields emptied.
    data.update(maker="", materials=[data["materials"][0]])
    del data["place_of_origin"], data["techniques"]
    response = client.put(f"/api/v1/objects/{eg_record.uid}/", data, format="json")
    assert response.status_code == 200, response.content
    replaced = response.json()
    assert replaced["maker"] == "" and len(replaced["materials"]) == 1 and replaced["techniques"] == []
    assert replaced["title"] == data["title"] and replaced["period"]["en"] == "Mamluk" and replaced["version"] == 3
    # Required fields stay required on edits: a clear 400, never a database error.
    del replaced["object_type"], replaced["record_number"]
    body = problem(client.put(f"/api/v1/objects/{eg_record.uid}/", replaced, format="json"), 400)
    assert set(body["errors"]) == {"object_type", "record_number"}
    body = problem(client.patch(f"/api/v1/objects/{eg_record.uid}/", {"object_type": None, "title": "",
                                                                      "description": {}}, format="json"), 400)
    assert set(body["errors"]) == {"object_type", "title"}  # a title or a description remains required


@pytest.mark.django_db
def test_edit_conflict_is_409_by_body_version_or_if_match(api, users, eg_record):
    first, second = api(users["eg_customs_editor"]), api(users["eg_customs_agency_admin"])
    etag = first.get(f"/api/v1/objects/{eg_record.uid}/")["ETag"]
    assert second.patch(f"/api/v1/objects/{eg_record.uid}/", {"maker": "A", "version": 1},
                        format="json").status_code == 200
    body = problem(first.patch(f"/api/v1/objects/{eg_record.uid}/", {"maker": "B", "version": 1}, format="json"), 409)
    assert "changed by someone else" in body["detail"] and "Reload" in body["detail"]
    problem(first.patch(f"/api/v1/objects/{eg_record.uid}/", {"maker": "B"}, format="json", HTTP_IF_MATCH=etag), 409)
    problem(first.post(f"/api/v1/objects/{eg_record.uid}/status/", {"status": "seized"}, format="json",
                       HTTP_IF_MATCH=etag), 409)
    eg_record.refresh_from_db()
    assert eg_record.maker == "A" and eg_record.status == "registered"
    problem(first.patch(f"/api/v1/objects/{eg_record.uid}/", {"maker": "B"}, format="json", HTTP_IF_MATCH="abc"), 400)
    ok = first.patch(f"/api/v1/objects/{eg_record.uid}/", {"maker": "B"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert ok.status_code == 200 and ok.json()["maker"] == "B"


@pytest.mark.django_db
def test_html_in_text_fields_round_trips_as_data_and_is_served_as_json(api, users):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)> & «مخطوط»'
    client = api(users["eg_customs_editor"])
    created = client.post("/api/v1/objects/", {"record_number": "EG-CUS-2026-0200", "object_type": "manuscript",
                                               "title": script, "language": "en", "maker": script}, format="json")
    assert created.status_code == 201, created.content
    # A browser asking for HTML still gets JSON: there is no HTML rendering of records.
    response = client.get("/api/v1/objects/EG-CUS-2026-0200/",
                          HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["title"]["text"] == script and response.json()["maker"] == script
    assert b"&lt;script" not in response.content
    listed = client.get("/api/v1/objects/", HTTP_ACCEPT="text/html")
    problem(listed, 406)


# --- search, facets, pagination ---------------------------------------------------------------------------

@pytest.fixture
def collection(users):
    ma, eg = users["ma_museum_editor"], users["eg_customs_editor"]
    return {
        "quran": make_object(eg, "EG-Q-1", title="مصحف مملوكي مذهب", lang="ar", materials="paper; gold",
                             period="Mamluk", origin_country="EG", sharing="members"),
        "dinar": make_object(eg, "EG-D-1", title="Dinar d'or fatimide", lang="fr", object_type="dinar",
                             materials="gold", period="Fatimid", origin_country="EG", sharing="members",
                             status="reported_stolen"),
        "lamp": make_object(ma, "MA-L-1", title="Bronze oil lamp from Volubilis", lang="en", object_type="oil lamp",
                            materials="bronze", period="Umayyad", origin_country="MA", sharing="members"),
        "tile": make_object(ma, "MA-T-1", title="Zellige tile", lang="en", object_type="tile", materials="clay",
                            period="Ottoman", origin_country="TN", sharing="members"),
    }


def _numbers(response):
    assert response.status_code == 200, response.content
    return {r["record_number"] for r in response.json()["results"]}


@pytest.mark.django_db
def test_each_facet_filter(api, users, collection):
    client = api(users["eg_customs_viewer"])
    gold = resolve_concept("gold", "materials")
    assert _numbers(client.get(f"/api/v1/objects/?material={gold.pk}")) == {"EG-Q-1", "EG-D-1"}
    assert _numbers(client.get("/api/v1/objects/", {"material": gold.uri})) == {"EG-Q-1", "EG-D-1"}
    dinar = resolve_concept("dinar", "object-types")
    assert _numbers(client.get(f"/api/v1/objects/?object_type={dinar.pk}")) == {"EG-D-1"}
    coin = resolve_concept("coin", "object-types")  # a broader concept selects its narrower ones
    assert _numbers(client.get(f"/api/v1/objects/?object_type={coin.pk}")) == {"EG-D-1"}
    assert _numbers(client.get("/api/v1/objects/?origin_country=ma,tn")) == {"MA-L-1", "MA-T-1"}
    assert _numbers(client.get("/api/v1/objects/?origin_country=MA&origin_country=EG")) == {
        "MA-L-1", "EG-Q-1", "EG-D-1"}
    assert _numbers(client.get("/api/v1/objects/?status=reported_stolen")) == {"EG-D-1"}
    mamluk = resolve_concept("Mamluk", "periods")
    assert _numbers(client.get(f"/api/v1/objects/?period={mamluk.pk}")) == {"EG-Q-1"}
    assert _numbers(client.get("/api/v1/objects/?owning_agency=ma-museum")) == {"MA-L-1", "MA-T-1"}
    assert _numbers(client.get(f"/api/v1/objects/?owning_agency=ma-museum&material={gold.pk}")) == set()
    body = problem(client.get("/api/v1/objects/?status=vanished&order=random"), 400)
    assert set(body["errors"]) == {"status", "order"}


@pytest.mark.django_db
@pytest.mark.parametrize("q, expected", [
    ("مصحف", {"EG-Q-1"}),
    ("مخطوط", {"EG-Q-1"}),  # the concept's Arabic label finds the record typed as manuscript
    ("dinar fatimide", {"EG-D-1"}),
    ("or", {"EG-Q-1", "EG-D-1"}),  # French label of gold
    ("oil lamp", {"MA-L-1"}),
    ("bronze", {"MA-L-1"}),
    ("volubilis", {"MA-L-1"}),
])
def test_full_text_search_in_arabic_french_english(api, users, collection, q, expected):
    assert _numbers(api(users["eg_customs_viewer"]).get("/api/v1/objects/", {"q": q})) == expected


@pytest.mark.django_db
def test_facet_counts_on_request(api, users, collection):
    client = api(users["eg_customs_viewer"])
    assert "facets" not in client.get("/api/v1/objects/").json()
    data = client.get("/api/v1/objects/?facets=1&lang=fr&origin_country=EG").json()
    facets = data["facets"]
    assert set(facets) == {"object_type", "material", "origin_country", "status", "period", "owning_agency"}
    gold = resolve_concept("gold", "materials")
    assert {"value": str(gold.pk), "label": "Or", "count": 2} in facets["material"]
    assert facets["origin_country"] == [{"value": "EG", "label": "Égypte", "count": 2}]
    assert {"value": "eg-customs", "label": "Douanes égyptiennes", "count": 2} in facets["owning_agency"]


@pytest.mark.django_db
def test_pagination(api, users):
    for i in range(5):
        make_object(users["eg_customs_editor"], f"EG-P-{i}", title=f"Coin {i}", lang="en", object_type="coin")
    client = api(users["eg_customs_viewer"])
    first = client.get("/api/v1/objects/?page_size=2&order=record_number").json()
    assert first["count"] == 5 and first["previous"] is None and first["next"]
    assert [r["record_number"] for r in first["results"]] == ["EG-P-0", "EG-P-1"]
    last = client.get(first["next"].replace("http://testserver", "")).json()
    assert [r["record_number"] for r in last["results"]] == ["EG-P-2", "EG-P-3"]
    problem(client.get("/api/v1/objects/?page=99"), 404)


# --- images ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_image_upload_and_download(api, users, eg_record):
    client = api(users["eg_customs_editor"])
    photo = jpeg_bytes(size=(1600, 1200))
    upload = io.BytesIO(photo)
    upload.name = "recto.jpg"
    response = client.post(f"/api/v1/objects/{eg_record.uid}/images/", {"file": upload, "caption": "الوجه"},
                           format="multipart")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["width"] == 1600 and data["mime"] == "image/jpeg" and data["caption"] == "الوجه"
    original = client.get(data["urls"]["original"].replace("http://testserver", ""))
    assert original.status_code == 200 and b"".join(original.streaming_content) == photo
    thumb = client.get(data["urls"]["thumb"].replace("http://testserver", ""), HTTP_ACCEPT="image/*")
    assert thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) == 320
    detail = client.get(f"/api/v1/objects/{eg_record.uid}/").json()
    assert detail["images"][0]["urls"] == data["urls"] and detail["version"] == 2
    listed = client.get("/api/v1/objects/").json()["results"][0]
    assert listed["thumbnail"] == data["urls"]["thumb"]
    again = io.BytesIO(photo)
    again.name = "copy.jpg"
    assert client.post(f"/api/v1/objects/{eg_record.uid}/images/", {"file": again}, format="multipart").status_code == 200
    problem(client.get(data["urls"]["thumb"].replace("http://testserver", "").replace(data["sha256"], "0" * 64)), 404)


@pytest.mark.django_db
def test_bad_uploads_are_problems(api, users, eg_record, settings):
    client = api(users["eg_customs_editor"])
    url = f"/api/v1/objects/{eg_record.uid}/images/"
    not_image = io.BytesIO(b"%PDF-1.4 not a photograph")
    not_image.name = "scan.pdf"
    assert "not an image" in problem(client.post(url, {"file": not_image}, format="multipart"), 415)["detail"]
    problem(client.post(url, {"file": "x"}, format="json"), 415)
    assert "file" in problem(client.post(url, {"caption": "no file"}, format="multipart"), 400)["errors"]
    settings.TURATH_MAX_UPLOAD_BYTES = 2_000
    big = io.BytesIO(jpeg_bytes(size=(400, 400)) + b"\0" * 4_000)
    big.name = "big.jpg"
    problem(client.post(url, {"file": big}, format="multipart"), 413)
    problem(client.post(url, {"file": io.BytesIO(b"x")}, format="multipart",
                        CONTENT_LENGTH=str(10 * 1024 * 1024)), 413)
    contributor = io.BytesIO(jpeg_bytes())
    problem(api(users["eg_customs_viewer"]).post(url, {"file": contributor}, format="multipart"), 403)
    assert not eg_record.images.exists()


# --- concepts and agencies -------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("q", ["مخطوط", "manuscrit", "Manuscript", "MANUSCR"])
def test_concepts_by_label_in_any_language(api, q):
    results = api().get("/api/v1/concepts/", {"q": q, "scheme": "object-types"}).json()["results"]
    assert results and results[0]["pref_en"] == "Manuscript" and results[0]["scheme"] == "object-types"


@pytest.mark.django_db
def test_concepts_filtered_by_scheme_and_labelled_in_language(api):
    results = api().get("/api/v1/concepts/?scheme=materials&q=gold&lang=ar").json()["results"]
    assert results[0]["pref_en"] == "Gold" and results[0]["label"] == results[0]["pref_ar"]
    assert all(r["scheme"] == "materials" for r in api().get("/api/v1/concepts/?scheme=materials").json()["results"])
    dinar = api().get("/api/v1/concepts/?q=dinar").json()["results"][0]
    coin = resolve_concept("coin", "object-types")
    assert coin.pk in dinar["broader"]
    assert api().get(f"/api/v1/concepts/{coin.pk}/").json()["uri"] == coin.uri


@pytest.mark.django_db
def test_agencies_are_read_only_and_without_alert_email(api, users, agencies):
    client = api(users["eg_customs_editor"])
    data = client.get("/api/v1/agencies/").json()
    assert {a["code"] for a in data["results"]} == {"eg-customs", "eg-moa", "ma-police", "ma-museum", "secretariat"}
    one = client.get("/api/v1/agencies/ma-police/").json()
    assert one["name_ar"] == "المديرية العامة للأمن الوطني" and one["is_law_enforcement"] is True and "email" not in one
    assert client.post("/api/v1/agencies/", {"code": "x"}, format="json").status_code == 405
    assert client.delete("/api/v1/agencies/ma-police/").status_code == 405


# --- OpenAPI ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_openapi_document_is_served_and_lists_our_paths(api):
    response = api().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/objects/", "/api/v1/objects/{ref}/", "/api/v1/objects/{ref}/status/",
                 "/api/v1/objects/{ref}/images/", "/api/v1/concepts/", "/api/v1/agencies/"):
        assert path in doc["paths"], path
    assert "/api/v1/objects/{ref}/images/{sha256}/{size}" in doc["paths"]
    assert {"post", "get"} <= set(doc["paths"]["/api/v1/objects/{ref}/status/"])
    params = {p["name"] for p in doc["paths"]["/api/v1/objects/"]["get"]["parameters"]}
    assert {"q", "object_type", "material", "origin_country", "status", "period", "owning_agency", "page"} <= params
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_openapi_generates_without_warnings(tmp_path):
    out = tmp_path / "openapi.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    assert "/api/v1/objects/{ref}/" in json.loads(out.read_text())["paths"]


# --- query counts -------------------------------------------------------------------------------------------

def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_list_query_count_is_constant_in_the_number_of_objects(api, users, django_assert_max_num_queries):
    editor = users["eg_customs_editor"]
    client = api(users["eg_customs_viewer"])

    def add(start, n):
        for i in range(start, start + n):
            make_object(editor, f"EG-N-{i:03d}", title=f"Dinar {i}", lang="en", object_type="dinar",
                        materials="gold; silver", period="Fatimid", origin_country="EG")

    add(0, 3)
    client.get("/api/v1/objects/")  # the token's first use records last_used once
    with django_assert_max_num_queries(14):
        few = _count(client, "/api/v1/objects/?facets=1&q=dinar")
    add(3, 30)
    with django_assert_max_num_queries(few):
        client.get("/api/v1/objects/?facets=1&q=dinar")
    with django_assert_max_num_queries(few):
        client.get("/api/v1/objects/?page_size=100")


@pytest.mark.django_db
def test_detail_query_count_is_constant_in_the_size_of_the_record(api, users, django_assert_max_num_queries):
    editor = users["eg_customs_editor"]
    client = api(users["eg_customs_viewer"])
    make_object(editor, "EG-S-1", title="Small", lang="en", object_type="coin")
    big = make_object(editor, "EG-B-1", title="Big", lang="en", object_type="manuscript",
                      materials="paper; gold; silver; parchment; glass", techniques="gilding; calligraphy",
                      period="Mamluk", measurements=["height=32 cm", "width=24 cm", "weight=300 g"],
                      inscriptions=["بسم الله", "Signed by the scribe"])
    from turath.register.images import add_image
    with acting_as(editor):
        for colour in ((1, 2, 3), (4, 5, 6), (7, 8, 9)):
            add_image(editor, big, jpeg_bytes(colour), "p.jpg")
    client.get("/api/v1/objects/EG-S-1/")
    with django_assert_max_num_queries(16):
        small = _count(client, "/api/v1/objects/EG-S-1/")
    with django_assert_max_num_queries(small):
        client.get("/api/v1/objects/EG-B-1/")


# --- audit trail ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_api_writes_and_views_of_restricted_records_are_audited(api, users):
    client = api(users["eg_customs_editor"])

    def entries(action):
        return list(AuditEntry.objects.filter(action__in=names_of(action), object_type="register.culturalobject")
                    .values_list("username", "agency_code"))

    created = client.post("/api/v1/objects/", {"record_number": "EG-A-1", "object_type": "stele",
                                               "title": "Stèle funéraire", "language": "fr"}, format="json")
    assert created.status_code == 201
    assert entries("register.object.create") == [("eg_customs_editor", "eg-customs")]
    client.patch("/api/v1/objects/EG-A-1/", {"maker": "atelier thébain"}, format="json")
    assert entries("register.object.update") == [("eg_customs_editor", "eg-customs")]
    client.post("/api/v1/objects/EG-A-1/status/", {"status": "reported_stolen"}, format="json")
    assert entries("register.object.change_status") == [("eg_customs_editor", "eg-customs")]
    assert entries("register.object.view") == []  # writes are not views; lists never audit per row
    api(users["eg_customs_viewer"]).get("/api/v1/objects/")
    assert entries("register.object.view") == []
    api(users["eg_customs_viewer"]).get("/api/v1/objects/EG-A-1/")
    assert entries("register.object.view") == [("eg_customs_viewer", "eg-customs")]
    view = AuditEntry.objects.filter(action="register.object.view").last()
    assert view.object_id == str(CulturalObject.objects.get(record_number="EG-A-1").pk) and view.request_id

    make_object(users["eg_customs_editor"], "EG-A-2", title="Public stele", lang="en", object_type="stele",
                sharing="public")
    api().get("/api/v1/objects/EG-A-2/")
    api(users["ma_museum_viewer"]).get("/api/v1/objects/EG-A-2/")
    assert len(entries("register.object.view")) == 1  # public records are not audited on view


@pytest.mark.django_db
def test_unknown_api_paths_are_problem_json(api, users):
    problem(api().get("/api/v1/nothing-here/"), 404)
    body = problem(api(users["eg_customs_viewer"]).get("/api/v1/objects"), 404)
    assert "/api/v1/objects/" in body["detail"]
    root = api().get("/api/v1/").json()
    assert set(root) == {"objects", "concepts", "agencies", "openapi"}
    assert api().get(root["objects"].replace("http://testserver", "")).status_code == 200
