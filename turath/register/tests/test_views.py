"""The register's web pages through Django's test client: permissions (404 across agencies),
escaping, field-level validation messages, optimistic locking, images, languages and query counts."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from turath.core.context import acting_as
from turath.core.models import AuditEntry
from turath.register import services
from turath.register.images import add_image
from turath.register.models import CulturalObject
from turath.register.tests.factories import make_object

PASSWORD = "x-Turath-2026"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The shared `users` fixture makes 21 accounts; the production hasher would spend seconds on them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client, user):
    client.force_login(user)
    return client


def jpeg_bytes(color=(180, 120, 40), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def eg_record(users):
    """An Egyptian customs record (agency-only sharing) with the details an object page shows."""
    return make_object(
        users["eg_customs_editor"], "EG-CUS-2026-0001",
        title="مصحف مملوكي مذهب", lang="ar",
        description={"text": "ورقة من مصحف بخط الثلث", "lang": "ar",
                     "tr": {"en": {"text": "Leaf of a Qur'an in thuluth script", "machine": True}}},
        materials="paper; gold", techniques="gilding", date="656 AH", period="Mamluk", origin_country="EG",
        measurements=["height=32 cm", "width=24.5 cm"],
        inscriptions=[{"text": "بسم الله الرحمن الرحيم", "lang": "ar", "script": "Thuluth", "position": "recto"}],
        maker="unknown workshop, Cairo", inventory_numbers=["MIA-1234"],
    )


@pytest.fixture
def coin(users):
    return make_object(users["eg_customs_editor"], "EG-CUS-2026-0002", title="Gold dinar of al-Mustansir",
                       lang="en", object_type="dinar", sharing="members", origin_country="EG", materials="gold")


# --- pages everyone sees ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_home_page_for_anonymous_users_explains_and_links_to_sign_in(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Turath" in html and reverse("login") in html
    assert 'name="language" value="ar"' in html and 'action="/i18n/setlang/"' in html


@pytest.mark.django_db
def test_sign_in_page_and_sign_in(client, users):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'for="id_username"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "eg_customs_viewer", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("register:object-list")


@pytest.mark.django_db
def test_friendly_404_page_without_details(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_language_switch_sets_the_language_and_arabic_pages_are_rtl(client, users):
    login(client, users["eg_customs_viewer"])
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/objects/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/objects/?q=x"
    page = client.get("/objects/").content.decode()
    assert re.search(r'<html lang="ar" dir="rtl">', page)
    assert "السجل" in page or "سجل" in page  # the navigation is translated
    client.post("/i18n/setlang/", {"language": "fr", "next": "/objects/"})
    page = client.get("/objects/").content.decode()
    assert '<html lang="fr" dir="ltr">' in page


# --- search --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_list_shows_only_what_the_user_may_see(client, users, eg_record, coin):
    login(client, users["ma_museum_viewer"])  # another state's museum: sees members-level records only
    html = client.get("/objects/").content.decode()
    assert "EG-CUS-2026-0002" in html and "EG-CUS-2026-0001" not in html
    login(client, users["eg_customs_viewer"])
    html = client.get("/objects/").content.decode()
    assert "EG-CUS-2026-0001" in html and "EG-CUS-2026-0002" in html


@pytest.mark.django_db
def test_search_query_and_facets_in_the_url(client, users, eg_record, coin):
    login(client, users["eg_customs_viewer"])
    html = client.get("/objects/", {"q": "مخطوط"}).content.decode()
    assert "EG-CUS-2026-0001" in html and "EG-CUS-2026-0002" not in html
    # Facet checkboxes with counts; the query is kept in the form.
    html = client.get("/objects/").content.decode()
    assert 'name="object_type"' in html and 'name="material"' in html and 'name="owning_agency"' in html
    gold = re.search(r'name="material" value="(\d+)"[^>]*> <bdi>gold</bdi> <span class="count">2</span>', html, re.I)
    assert gold, "the gold facet counts both records"
    dinar_type = CulturalObject.objects.get(record_number="EG-CUS-2026-0002").object_type_id
    html = client.get("/objects/", {"object_type": str(dinar_type)}).content.decode()
    assert "EG-CUS-2026-0002" in html and "EG-CUS-2026-0001" not in html
    assert f'value="{dinar_type}" checked' in html  # the chosen value stays ticked
    html = client.get("/objects/", {"status": "registered", "origin_country": "EG", "page": "1"}).content.decode()
    assert "2 records" in html


@pytest.mark.django_db
def test_list_title_in_reader_language_with_fallback_marker(client, users, eg_record):
    login(client, users["eg_customs_viewer"])
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get("/objects/").content.decode()
    assert '<span lang="ar" dir="rtl">مصحف مملوكي مذهب</span>' in html
    assert "(arabe)" in html or "(Arabic)" in html


@pytest.mark.django_db
def test_list_page_query_count_does_not_grow_with_records(client, users, django_assert_max_num_queries):
    editor = users["eg_customs_editor"]
    for i in range(3):
        obj = make_object(editor, f"EG-Q-{i}", materials="paper", origin_country="EG")
        with acting_as(editor):
            add_image(editor, obj, jpeg_bytes((i * 40, 10, 10)), f"p{i}.jpg")
    login(client, users["eg_customs_viewer"])
    client.get("/objects/", {"q": "مخطوط"})  # warm caches (vocabulary, countries)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/objects/", {"q": "مخطوط"}).status_code == 200
    for i in range(3, 15):
        make_object(editor, f"EG-Q-{i}", materials="paper; gold", origin_country="MA", period="Abbasid")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/objects/", {"q": "مخطوط"}).content.decode()
    assert "15 records" in html


# --- object page ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_object_page_shows_object_id_fields_and_language_notes(client, users, eg_record):
    login(client, users["eg_customs_viewer"])
    html = client.get(f"/objects/{eg_record.record_number}/").content.decode()
    assert "مصحف مملوكي مذهب" in html
    broader = eg_record.object_type.broader.get()
    assert f"{broader.label('en')}</bdi> › <bdi>{eg_record.object_type.label('en')}" in html  # type with its broader
    assert all(word in html.lower() for word in ("paper", "gold", "gilding", "mamluk"))
    assert re.search(r"656 AH \(125\d–125\d CE\)", html)  # the Hijri date with its Gregorian years
    assert "Egypt" in html and "Egyptian Customs Authority" in html
    assert "32 cm" in html and "Thuluth" in html and "MIA-1234" in html
    # The English description is a machine translation, and says so; the Arabic original is offered.
    assert "Leaf of a Qur&#x27;an in thuluth script" in html
    assert "machine translation — may be inaccurate" in html
    assert "Original (Arabic)" in html and "ورقة من مصحف بخط الثلث" in html
    # The Arabic title is not in English: the fallback is said.
    assert "shown in Arabic — no English version" in html
    assert "Record created" in html  # status history
    assert f"/objects/{eg_record.record_number}/edit/" not in html  # a viewer has no edit button


@pytest.mark.django_db
def test_object_page_in_french_names_country_and_notes_in_french(client, users, eg_record):
    login(client, users["eg_customs_viewer"])
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get(f"/objects/{eg_record.record_number}/").content.decode()
    assert "Égypte" in html
    assert "affiché en arabe — pas de version en français" in html
    broader = eg_record.object_type.broader.get()
    assert f"{broader.label('fr')}</bdi> › <bdi>{eg_record.object_type.label('fr')}" in html
    assert "Manuscrit" in html


@pytest.mark.django_db
def test_viewing_a_restricted_record_is_audited_but_a_public_one_is_not(client, users, eg_record):
    public = make_object(users["eg_customs_editor"], "EG-PUB-1", sharing="public", title="Stolen astrolabe",
                         lang="en", object_type="astrolabe")
    login(client, users["eg_customs_viewer"])
    client.get(f"/objects/{eg_record.record_number}/")
    client.get(f"/objects/{public.record_number}/")
    views = AuditEntry.objects.filter(action="register.object.view")
    assert [(v.object_id, v.username) for v in views] == [(str(eg_record.pk), "eg_customs_viewer")]


@pytest.mark.django_db
def test_records_of_other_agencies_answer_404_on_every_page(client, users, eg_record):
    with acting_as(users["eg_customs_editor"]):
        image = add_image(users["eg_customs_editor"], eg_record, jpeg_bytes(), "leaf.jpg")
    urls = [f"/objects/{eg_record.record_number}/", f"/objects/{eg_record.record_number}/edit/",
            f"/objects/{eg_record.record_number}/images/{image.sha256}/thumb/"]
    login(client, users["ma_police_editor"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "مصحف" not in response.content.decode()
    assert client.post(f"/objects/{eg_record.record_number}/status/", {"to_status": "reported_stolen"}).status_code == 404
    client.logout()
    assert client.get(urls[0]).status_code == 404 and client.get(urls[2]).status_code == 404


@pytest.mark.django_db
def test_a_visible_record_that_the_user_may_not_change_has_no_edit_page(client, users, eg_record, coin):
    for who in ("eg_customs_viewer", "eg_customs_contributor", "ma_museum_editor"):
        login(client, users[who])
        html = client.get(f"/objects/{coin.record_number}/").content.decode()
        assert f"/objects/{coin.record_number}/edit/" not in html, who
        assert client.get(f"/objects/{coin.record_number}/edit/").status_code == 404, who
    login(client, users["eg_customs_editor"])
    html = client.get(f"/objects/{coin.record_number}/").content.decode()
    assert f"/objects/{coin.record_number}/edit/" in html and 'name="to_status"' in html


# --- escaping ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_html_in_every_text_field_is_escaped(client, users):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    obj = make_object(users["eg_customs_editor"], "EG-XSS-1", title=attack, lang="en",
                      description={"text": attack, "lang": "en", "tr": {"fr": {"text": attack, "machine": True}}},
                      maker=attack, place_of_origin=attack, current_holder=attack, related_written_material=attack,
                      inventory_numbers=[attack[:40]], inscriptions=[{"text": attack, "script": attack}])
    login(client, users["eg_customs_editor"])
    for url in ("/objects/", f"/objects/{obj.record_number}/", f"/objects/{obj.record_number}/edit/",
                "/objects/?q=script"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert" in html, url


# --- create and edit -----------------------------------------------------------------------------

def form_data(**overrides):
    data = {"record_number": "EG-CUS-2026-0100", "status": "registered", "sharing": "agency",
            "object_type": "", "title": "Astrolabe signé", "title_lang": "fr",
            "title_tr_en": "Signed astrolabe", "title_tr_ar": "أسطرلاب موقع", "title_mt_ar": "on",
            "subject_lang": "fr", "description_lang": "fr", "distinguishing_features_lang": "fr",
            "materials": "copper alloy", "techniques": "engraving", "measurements": "diameter=14.2 cm\nweight=850 g # with its rete",
            "inscriptions": "عمل محمد بن أحمد | Naskh | back", "date": "1250", "period": "Mamluk", "origin_country": "EG"}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_create_page_shows_each_error_next_to_its_field(client, users):
    login(client, users["eg_customs_contributor"])
    assert client.get("/objects/new/").status_code == 200
    response = client.post("/objects/new/", form_data(
        object_type="", materials="coper alloy", date="sometime", origin_country="XX", measurements="tall"))
    html = response.content.decode()
    assert response.status_code == 200
    assert not CulturalObject.objects.filter(record_number="EG-CUS-2026-0100").exists()
    errors = {m.group(1): m.group(2) for m in re.finditer(r'<ul class="errorlist" id="errors-(\w+)"[^>]*>(.*?)</ul>',
                                                          html, re.S)}
    assert "Required: the type of object" in errors["object_type"]
    assert "Unknown term «coper alloy»" in errors["materials"] and "Did you mean" in errors["materials"]
    assert "copper alloy" in errors["materials"].lower()  # the suggestion
    assert "not a date Turath can read" in errors["date"]
    assert "measurements" in errors
    # What the user typed is still there.
    assert 'value="Astrolabe signé"' in html and "coper alloy" in html


@pytest.mark.django_db
def test_create_a_record_then_see_it(client, users):
    login(client, users["eg_customs_contributor"])
    astrolabe = client.get("/objects/new/").content.decode()
    type_id = re.search(r'<option value="(\d+)">astrolabe</option>', astrolabe, re.I).group(1)
    response = client.post("/objects/new/", form_data(object_type=type_id))
    assert response.status_code == 302 and response["Location"] == "/objects/EG-CUS-2026-0100/"
    obj = CulturalObject.objects.get(record_number="EG-CUS-2026-0100")
    assert obj.owning_agency.code == "eg-customs" and obj.title["lang"] == "fr"
    assert obj.title["tr"] == {"en": {"text": "Signed astrolabe", "machine": False},
                               "ar": {"text": "أسطرلاب موقع", "machine": True}}
    assert [(m.dimension, m.unit, m.note) for m in obj.measurements.all()] == [
        ("diameter", "cm", ""), ("weight", "g", "with its rete")]
    inscription = obj.inscriptions.get()
    assert inscription.text["lang"] == "ar" and inscription.script == "Naskh" and inscription.position == "back"
    html = client.get(response["Location"]).content.decode()
    assert "Signed astrolabe" in html and "was created" in html


@pytest.mark.django_db
def test_viewers_cannot_create(client, users):
    login(client, users["eg_customs_viewer"])
    assert client.get("/objects/new/").status_code == 404
    assert "/objects/new/" not in client.get("/objects/").content.decode()
    client.logout()
    assert client.get("/objects/new/").status_code == 302  # to the sign-in page


@pytest.mark.django_db
def test_edit_saves_and_keeps_translations(client, users, eg_record):
    login(client, users["eg_customs_editor"])
    page = client.get(f"/objects/{eg_record.record_number}/edit/").content.decode()
    assert 'name="version" value="1"' in page
    assert "Leaf of a Qur&#x27;an in thuluth script" in page  # the translation is in its field
    data = {m.group(1): m.group(2) for m in re.finditer(r'name="(\w+)" value="([^"]*)"', page)}
    data.update({"sharing": "network", "object_type": str(eg_record.object_type_id), "title": "مصحف مملوكي",
                 "title_lang": "ar", "description": "ورقة من مصحف بخط الثلث", "description_lang": "ar",
                 "description_tr_en": "Leaf of a Qur'an in thuluth script", "description_mt_en": "on",
                 "materials": "paper; gold", "period": "Mamluk", "date": "656 AH", "origin_country": "EG",
                 "measurements": "height=32 cm", "version": "1"})
    response = client.post(f"/objects/{eg_record.record_number}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    eg_record.refresh_from_db()
    assert eg_record.version == 2 and eg_record.sharing == "network" and eg_record.title["text"] == "مصحف مملوكي"
    assert eg_record.description["tr"]["en"] == {"text": "Leaf of a Qur'an in thuluth script", "machine": True}


@pytest.mark.django_db
def test_edit_conflict_is_explained_and_nothing_typed_is_lost(client, users, eg_record):
    editor = users["eg_customs_editor"]
    with acting_as(editor):
        services.update_object(editor, eg_record, {"maker": "someone else's edit"})  # now version 2
    login(client, editor)
    data = {"sharing": "agency", "object_type": str(eg_record.object_type_id), "title": "عنوان جديد من المحرر",
            "title_lang": "ar", "description": "وصف", "description_lang": "ar", "materials": "paper",
            "origin_country": "EG", "version": "1"}
    response = client.post(f"/objects/{eg_record.record_number}/edit/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in html and "your version 1, now 2" in html
    assert "عنوان جديد من المحرر" in html and 'name="version" value="2"' in html
    eg_record.refresh_from_db()
    assert eg_record.maker == "someone else's edit" and eg_record.title["text"] == "مصحف مملوكي مذهب"
    # Saving again, deliberately, over the newer version works.
    data["version"] = "2"
    assert client.post(f"/objects/{eg_record.record_number}/edit/", data).status_code == 302
    eg_record.refresh_from_db()
    assert eg_record.title["text"] == "عنوان جديد من المحرر"


@pytest.mark.django_db
def test_status_change_from_the_object_page(client, users, eg_record):
    login(client, users["eg_customs_editor"])
    html = client.get(f"/objects/{eg_record.record_number}/").content.decode()
    assert 'value="reported_stolen"' in html and 'value="restituted"' not in html
    response = client.post(f"/objects/{eg_record.record_number}/status/",
                           {"to_status": "reported_stolen", "note": "Signalé volé le 3 mars", "version": "1"},
                           follow=True)
    html = response.content.decode()
    eg_record.refresh_from_db()
    assert eg_record.status == "reported_stolen"
    assert "Signalé volé le 3 mars" in html and "Reported stolen" in html
    response = client.post(f"/objects/{eg_record.record_number}/status/", {"to_status": "restituted"}, follow=True)
    assert "Choose one of the statuses offered" in response.content.decode()


# --- images --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_upload_images_on_edit_and_serve_them_with_permission(client, users, eg_record):
    login(client, users["eg_customs_editor"])
    page = client.get(f"/objects/{eg_record.record_number}/edit/").content.decode()
    assert 'type="file" name="images"' in page and "multiple" in page
    data = {"sharing": "agency", "object_type": str(eg_record.object_type_id), "title": "مصحف مملوكي مذهب",
            "title_lang": "ar", "materials": "paper", "version": "1"}
    bad = io.BytesIO(b"not an image at all")
    bad.name = "notes.txt"
    response = client.post(f"/objects/{eg_record.record_number}/edit/", {**data, "images": [bad]})
    assert response.status_code == 200
    assert re.search(r'id="errors-images"[^>]*><li>«notes.txt» is not an image', response.content.decode())
    good = io.BytesIO(jpeg_bytes())
    good.name = "front.jpg"
    response = client.post(f"/objects/{eg_record.record_number}/edit/", {**data, "images": [good]})
    assert response.status_code == 302
    image = eg_record.images.get()
    html = client.get(f"/objects/{eg_record.record_number}/").content.decode()
    for size in ("thumb", "medium", "original"):
        url = f"/objects/{eg_record.record_number}/images/{image.sha256}/{size}/"
        assert url in html
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"].startswith("private")
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(f"/objects/{eg_record.record_number}/images/{image.sha256}/huge/").status_code == 404
    assert client.get(f"/objects/{eg_record.record_number}/images/{'0' * 64}/thumb/").status_code == 404


@pytest.mark.django_db
def test_object_page_query_count_does_not_grow_with_details(client, users, django_assert_max_num_queries):
    editor = users["eg_customs_editor"]
    small = make_object(editor, "EG-D-1")
    big = make_object(editor, "EG-D-2", materials="paper; gold; parchment", techniques="gilding; calligraphy",
                      measurements=["height=1 cm", "width=2 cm", "depth=3 cm"],
                      inscriptions=["one", "two", "three"], period="Mamluk")
    with acting_as(editor):
        for i in range(3):
            add_image(editor, big, jpeg_bytes((i * 50, 0, 0)), f"{i}.jpg")
        big = services.change_status(editor, CulturalObject.objects.get(pk=big.pk), "reported_stolen")
        services.change_status(editor, big, "recovered")
    login(client, users["eg_customs_viewer"])
    client.get(f"/objects/{small.record_number}/")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/objects/{small.record_number}/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/objects/{big.record_number}/").status_code == 200


# --- vocabulary ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_vocabulary_browser_lists_schemes_and_concepts_in_three_languages(client):
    html = client.get("/vocabulary/").content.decode()
    assert "/vocabulary/object-types/" in html
    html = client.get("/vocabulary/object-types/", {"q": "مخطوط"}).content.decode()
    assert "مخطوط" in html and "manuscrit" in html and "manuscript" in html
    concept = re.search(r'/vocabulary/concepts/(\d+)/', html).group(1)
    html = client.get(f"/vocabulary/concepts/{concept}/").content.decode()
    assert "Broader" in html and "Narrower" in html


@pytest.mark.django_db
def test_public_status_history_names_the_agency_never_a_person(client, users):
    """A public object's page shows who changed its status as an agency; staff names are for signed-in users."""
    editor = users["eg_customs_editor"]
    editor.first_name, editor.last_name = "Karim", "Haddad"
    editor.save()
    obj = make_object(editor, "EG-CUS-2026-0099", sharing="public", title="Stèle funéraire", lang="fr")
    with acting_as(editor, via="test"):
        services.change_status(editor, obj, "reported_missing", note="Constaté lors de l'inventaire")
    client.cookies["django_language"] = "fr"
    html = client.get(f"/objects/{obj.record_number}/").content.decode()
    history = html[html.index('class="history"'):]
    history = history[:history.index("</ol>")]
    for person in ("Karim", "Haddad", editor.username):
        assert person not in history
    assert "Douanes égyptiennes" in history
    login(client, users["eg_customs_viewer"])
    history = client.get(f"/objects/{obj.record_number}/").content.decode()
    assert "Karim Haddad" in history
