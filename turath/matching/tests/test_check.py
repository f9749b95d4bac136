"""Checking an object end to end: real photographs (scikit-image's data set), permission filtering,
evidence, decisions, bad input and a broken index."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from turath.core.errors import NotPermitted
from turath.core.models import AuditEntry
from turath.matching import index, services
from turath.matching.models import MatchCheck
from turath.register.images import add_image
from turath.register.tests.factories import make_object

skimage = pytest.importorskip("skimage")
DATA = os.path.join(os.path.dirname(skimage.__file__), "data")


def photo(name: str) -> Image.Image:
    for ext in (".png", ".jpg"):
        path = os.path.join(DATA, name + ext)
        if os.path.exists(path):
            return Image.open(path).convert("RGB")
    raise FileNotFoundError(name)


def jpeg(img: Image.Image, quality=85) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def phone_shot(img: Image.Image) -> bytes:
    """An inspection photo: cropped, rotated, darker, noisy, low JPEG quality."""
    w, h = img.size
    crop = img.crop((int(w * .08), int(h * .1), int(w * .9), int(h * .85))).rotate(17, expand=True, fillcolor=(90, 80, 70))
    arr = np.asarray(crop).astype(np.float32) * 0.7 + np.random.default_rng(1).normal(0, 6, (*crop.size[::-1], 3))
    return jpeg(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), quality=40)


@pytest.fixture
def engine_dir(tmp_path, settings):
    settings.TURATH_ENGINE_INDEX = tmp_path / "index"
    settings.MEDIA_ROOT = tmp_path / "media"
    index.reset_engine()
    yield tmp_path / "index"
    index.reset_engine()


@pytest.fixture
def register(users, actor, engine_dir):
    ma, eg = users["ma_museum_editor"], users["eg_ministry_editor"]
    coffee = make_object(ma, "MA-MUS-0001", title="Tasse de café en porcelaine peinte", lang="fr",
                         object_type="cup", materials="porcelain", sharing="agency")
    coins = make_object(eg, "EG-MOA-0001", title="مجموعة نقود فضية من العصر العباسي", lang="ar",
                        object_type="coin", materials="silver", period="Abbasid", sharing="members",
                        description={"lang": "ar", "text": "دراهم فضية مضروبة في بغداد",
                                     "tr": {"en": {"text": "Silver dirhams struck in Baghdad", "machine": False}}})
    cat = make_object(eg, "EG-MOA-0002", title="Painted cat figure", lang="en", object_type="figurine",
                      sharing="members")
    with actor(ma):
        add_image(ma, coffee, jpeg(photo("coffee")), "coffee.jpg")
    with actor(eg):
        add_image(eg, coins, jpeg(photo("coins")), "coins.jpg")
        add_image(eg, cat, jpeg(photo("chelsea")), "chelsea.jpg")
    for obj in (coffee, coins, cat):
        index.index_object(obj)
    return {"coffee": coffee, "coins": coins, "cat": cat}


def test_owner_finds_its_object_from_a_phone_photo_with_the_region(users, register):
    outcome = services.check_object(users["ma_museum_viewer"], [("shot.jpg", phone_shot(photo("coffee")))])
    top = outcome.candidates[0]
    assert top.object == register["coffee"]
    assert top.score >= 0.5 and top.matched_image is not None
    assert top.evidence["image"]["inliers"] >= 10 and len(top.evidence["image"]["ref_polygon"]) >= 3
    assert MatchCheck.objects.get(pk=outcome.check.pk).candidates[0]["record_number"] == "MA-MUS-0001"
    assert AuditEntry.objects.filter(action="matching.check.run", object_id=str(outcome.check.pk)).exists()


def test_phone_heic_photo_held_sideways_is_read_with_its_orientation(users, register):
    """iPhones send HEIC with the sensor's orientation in EXIF: the check must turn it upright."""
    shot = Image.open(io.BytesIO(phone_shot(photo("coffee"))))
    sideways = shot.transpose(Image.Transpose.ROTATE_90)  # as the sensor stored it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    heic = io.BytesIO()
    sideways.save(heic, "HEIF", quality=70, exif=exif.tobytes())
    assert heic.getvalue()[4:12] in (b"ftypheic", b"ftypmif1")
    outcome = services.check_object(users["ma_museum_viewer"], [("IMG_0042.HEIC", heic.getvalue())])
    assert outcome.candidates and outcome.candidates[0].object == register["coffee"]


def test_register_photo_uploaded_as_heic_is_indexed_and_found(users, actor, register):
    eg = users["eg_ministry_editor"]
    photograph = make_object(eg, "EG-MOA-0003", title="Astronaut photograph (test)", lang="en", object_type="figurine",
                       sharing="members")
    heic = io.BytesIO()
    photo("astronaut").save(heic, "HEIF", quality=80)
    with actor(eg):
        stored = add_image(eg, photograph, heic.getvalue(), "IMG_0007.HEIC")
    assert stored.mime == "image/heic"
    assert index.index_object(photograph)["errors"] == []
    outcome = services.check_object(users["ma_museum_viewer"], [("shot.jpg", phone_shot(photo("astronaut")))])
    assert outcome.candidates[0].object == photograph


def test_other_agency_sees_no_content_only_the_hidden_count(users, register):
    outcome = services.check_object(users["eg_customs_viewer"], [("shot.jpg", phone_shot(photo("coffee")))])
    assert register["coffee"] not in [c.object for c in outcome.candidates]
    assert outcome.hidden_count >= 1
    assert "MA-MUS-0001" not in str(MatchCheck.objects.get(pk=outcome.check.pk).candidates)


def test_out_of_register_photo_gets_no_confident_candidate(users, register):
    outcome = services.check_object(users["eg_customs_viewer"], [("brick.jpg", jpeg(photo("brick")))])
    assert outcome.candidates == []


def test_words_in_another_language_and_risk_screening(users, register):
    from turath.matching import screening
    from turath.matching.management.commands.risk import DEMO_FILE

    screening.import_categories_csv(DEMO_FILE.read_text(encoding="utf-8"))
    outcome = services.check_object(users["ma_police_viewer"], [], "silver dirham from Baghdad")
    assert outcome.candidates and outcome.candidates[0].object == register["coins"]
    assert "ancient-coins" in [h.category.code for h in outcome.risk_hits]


def test_decision_is_audited_and_must_name_a_candidate(users, register):
    officer = users["ma_museum_viewer"]
    outcome = services.check_object(officer, [("shot.jpg", phone_shot(photo("coffee")))])
    with pytest.raises(services.CheckRefused):
        services.record_decision(officer, outcome.check, "same")
    with pytest.raises(services.CheckRefused):
        services.record_decision(officer, outcome.check, "same", "EG-MOA-0002")  # not a candidate
    services.record_decision(officer, outcome.check, "same", "MA-MUS-0001", "rim chip matches")
    entry = AuditEntry.objects.filter(action="matching.check.decide").latest("seq")
    assert entry.after["decision"] == "same" and entry.after["record_number"] == "MA-MUS-0001"
    with pytest.raises(NotPermitted):
        services.record_decision(users["eg_customs_editor"], outcome.check, "expert")


@pytest.mark.parametrize("name, data", [
    ("notes.txt", b"not an image at all"),
    ("cut.jpg", jpeg(Image.new("RGB", (640, 480), (200, 150, 90)))[:3000]),
])
def test_bad_photos_are_refused_clearly(users, register, name, data):
    with pytest.raises(services.CheckRefused):
        services.check_object(users["ma_museum_viewer"], [(name, data)])


def test_empty_check_is_refused(users, register):
    with pytest.raises(services.CheckRefused):
        services.check_object(users["ma_museum_viewer"], [], "   ")


def test_corrupt_index_leaves_the_register_working_and_can_be_rebuilt(users, register, engine_dir):
    from django.core.management import call_command

    index.reset_engine()
    for name in os.listdir(engine_dir):
        path = engine_dir / name
        if path.is_file():
            path.write_bytes(b"garbage")
    outcome = services.check_object(users["ma_museum_viewer"], [("shot.jpg", phone_shot(photo("coffee")))],
                                    "porcelain cup")
    assert "index_unavailable" in outcome.flags and outcome.candidates == []
    index.reset_engine()
    call_command("matching", "reindex", "--fresh")
    outcome = services.check_object(users["ma_museum_viewer"], [("shot.jpg", phone_shot(photo("coffee")))])
    assert outcome.candidates[0].object == register["coffee"]


def test_index_from_another_vocabulary_is_rebuilt_by_reindex_if_empty(users, register, engine_dir):
    """`make run` runs `reindex --if-empty`: an index it cannot use is rebuilt, not a failed start."""
    import sqlite3

    from django.core.management import CommandError, call_command

    index.reset_engine()
    with sqlite3.connect(engine_dir / "engine.sqlite3") as db:
        db.execute("UPDATE meta SET v = '8192' WHERE k = 'vocab_k'")  # as built before the second level
    with pytest.raises(CommandError, match="--fresh"):
        call_command("matching", "reindex")  # without --if-empty the operator decides
    index.reset_engine()
    call_command("matching", "reindex", "--if-empty")
    outcome = services.check_object(users["ma_museum_viewer"], [("shot.jpg", phone_shot(photo("coffee")))])
    assert outcome.candidates[0].object == register["coffee"]


def test_check_page(client, users, register):
    client.force_login(users["ma_museum_viewer"])
    page = client.get("/check/")
    assert page.status_code == 200 and "does not mean" in page.content.decode()
    shot = io.BytesIO(phone_shot(photo("coffee")))
    shot.name = "shot.jpg"
    response = client.post("/check/", {"photos": [shot], "words": "tasse"})
    html = response.content.decode()
    assert response.status_code == 200 and "MA-MUS-0001" in html and "<polygon" in html
    client.force_login(users["eg_customs_viewer"])
    shot.seek(0)
    html = client.post("/check/", {"photos": [shot]}).content.decode()
    assert "MA-MUS-0001" not in html and "not shared with your agency" in html


def test_check_api_with_bearer_token(client, users, register):
    from turath.core.models import ApiToken

    _, raw = ApiToken.issue(users["ma_museum_viewer"])
    shot = io.BytesIO(phone_shot(photo("coffee")))
    shot.name = "shot.jpg"
    response = client.post("/api/v1/checks/", {"photos": [shot], "words": "tasse porcelaine"},
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["candidates"][0]["record_number"] == "MA-MUS-0001"
    assert body["candidates"][0]["evidence"]["region"] and "not stolen" in body["notice"]
    decision = client.post(f"/api/v1/checks/{body['check']}/decision/",
                           {"decision": "expert", "record_number": "MA-MUS-0001"},
                           HTTP_AUTHORIZATION=f"Bearer {raw}", content_type="application/json")
    assert decision.status_code == 200 and decision.json()["decision"] == "expert"
    bad = client.post("/api/v1/checks/", {"words": ""}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert client.post("/api/v1/checks/", {"words": "x"}).status_code == 401
    # A subject record the user may not see is refused like any other bad request, without its title.
    hidden = client.post("/api/v1/checks/", {"words": "chat", "subject": "EG-MOA-9999"},
                         HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert hidden.status_code == 400 and "EG-MOA-9999" in hidden.content.decode()


def test_confirmed_match_alerts_the_owning_agency(users, register, mailoutbox, django_capture_on_commit_callbacks):
    from turath.cases.models import Alert

    officer = users["ma_police_viewer"]  # another agency than the coins' owner (EG ministry)
    outcome = services.check_object(officer, [("coins.jpg", phone_shot(photo("coins")))])
    assert outcome.candidates[0].object == register["coins"]
    with django_capture_on_commit_callbacks(execute=True):
        services.record_decision(officer, outcome.check, "same", "EG-MOA-0001")
    alert = Alert.objects.get(source="match")
    assert alert.recipient.code == "eg-moa" and alert.object == register["coins"]


def test_check_of_a_seized_item_links_the_seizure_when_confirmed(users, actor, register, client,
                                                                 django_capture_on_commit_callbacks):
    """A border officer checks an item of a seizure: its own record (already photographed and
    indexed) is not a candidate; confirming the match links the seizure to the register record
    and alerts its owner."""
    import datetime

    from turath.cases import services as cases
    from turath.cases.models import Alert, SeizureMatch

    officer = users["ma_police_editor"]
    shot = phone_shot(photo("chelsea"))
    with actor(officer):
        seizure = cases.create_seizure(officer, {"seized_on": datetime.date.today().isoformat(),
                                                 "place": "Tanger Med"})
        item = cases.add_items(officer, seizure, [{"object_type": "figurine"}]).items[0].object
        add_image(officer, item, shot, "saisie-1.jpg")
    assert index.index_object(item)["errors"] == []
    # The seizure page offers the check for each item, the check page says which item it is about.
    client.force_login(officer)
    assert f"/check/?subject={item.record_number}" in client.get(f"/cases/seizures/{seizure.pk}/").content.decode()
    page = client.get(f"/check/?subject={item.record_number}").content.decode()
    assert 'id="check-subject"' in page and f'value="{item.record_number}"' in page

    outcome = services.check_object(officer, [("saisie-1.jpg", shot)], subject=item.record_number)
    assert item.pk not in [c.object.pk for c in outcome.candidates]
    assert outcome.candidates[0].object == register["cat"]
    with django_capture_on_commit_callbacks(execute=True), actor(officer):
        services.record_decision(officer, outcome.check, "same", "EG-MOA-0002", "même chat peint")
    link = SeizureMatch.objects.get(item__object=item)
    assert (link.candidate, link.decision, link.source) == (register["cat"], "same", "engine")
    assert link.score == outcome.candidates[0].score
    assert Alert.objects.get(source="match").recipient == register["cat"].owning_agency
    # Another agency's officer cannot aim a check at a record it may not see.
    with pytest.raises(services.CheckRefused):
        services.check_object(users["eg_customs_editor"], [("x.jpg", shot)], subject=item.record_number)


def test_start_a_seizure_after_same_object_links_the_record(client, users, actor, register):
    """«Start a seizure» after «Same object» opens the seizure form for that record: saving it records the
    seizure, its first item described from the record, and the link «same object» (before: an empty
    form; the officer had to find and link the record again). A record the officer may not see is
    never named, whatever the link says."""
    import datetime

    from turath.cases.models import Seizure, SeizureMatch

    officer = users["ma_police_editor"]
    outcome = services.check_object(officer, [("shot.jpg", phone_shot(photo("chelsea")))])
    with actor(officer):
        services.record_decision(officer, outcome.check, "same", "EG-MOA-0002", "chat peint")
    client.force_login(officer)
    page = client.get("/check/", {"decided": outcome.check.uid}).content.decode()
    assert f"/cases/seizures/new/?record=EG-MOA-0002&amp;check={outcome.check.uid}" in page  # «Start a seizure»
    form = client.get(f"/cases/seizures/new/?record=EG-MOA-0002&check={outcome.check.uid}").content.decode()
    assert 'id="recognised"' in form and "EG-MOA-0002" in form
    response = client.post("/cases/seizures/new/", {
        "record": "EG-MOA-0002", "check": str(outcome.check.uid), "seized_on": datetime.date.today().isoformat(),
        "place": "Port de Tanger Med", "publish_sharing": "members"})
    seizure = Seizure.objects.get(place="Port de Tanger Med")
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/seizures/{seizure.pk}/")
    item = seizure.items.get()
    link = SeizureMatch.objects.get(item=item)
    assert (link.candidate, link.decision, link.source) == (register["cat"], "same", "engine")
    assert item.object.object_type == register["cat"].object_type and item.count == 1
    # The coffee cup is shared with its agency only: the Egyptian officer's form does not name it,
    # and saving starts a plain seizure.
    other = users["eg_customs_editor"]
    client.force_login(other)
    form = client.get("/cases/seizures/new/?record=MA-MUS-0001").content.decode()
    main = form[form.index("<main"):form.index("</main>")]  # (the language switch echoes the address typed)
    assert "MA-MUS-0001" not in main and 'id="recognised"' not in form
    client.post("/cases/seizures/new/", {"record": "MA-MUS-0001", "seized_on": datetime.date.today().isoformat(),
                                         "place": "Port Saïd", "publish_sharing": "members"})
    assert not Seizure.objects.get(place="Port Saïd").items.exists()


def test_words_in_common_are_shown_as_the_officer_typed_them(client, users, register):
    """The index compares «دراهم» and «مضروبه» normalised; the page shows the words as typed («مضروبة»)."""
    client.force_login(users["ma_police_viewer"])
    client.cookies["django_language"] = "ar"
    html = client.post("/check/", {"words": "دراهم مضروبة في بغداد"}).content.decode()
    assert "EG-MOA-0001" in html
    evidence = html[html.index("EG-MOA-0001"):]
    assert "<bdi>مضروبة</bdi>" in evidence and "<bdi>مضروبه</bdi>" not in evidence
