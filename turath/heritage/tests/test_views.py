"""Public pages in three languages, sensitive locations, the GeoJSON feed, nomination pages and the API."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.test import Client

from turath.core.context import acting_as
from turath.core.errors import TransitionNotAllowed
from turath.heritage import services
from turath.heritage.models import Criterion, DangerListing, Inscription
from turath.heritage.models import NominationState as S

from .factories import organization_list, place, square, unesco_list


@pytest.fixture(autouse=True)
def fresh_cache():
    """List-page totals are cached; row ids repeat between rolled-back tests, so start each test empty."""
    cache.clear()


@pytest.fixture
def listed(users):
    """Two places on the organization's final list (one sensitive, one in danger) and one preliminary."""
    owner = users["eg_ministry_editor"]
    citadel = place(owner)
    tell = place(owner, name_en="Tell el-Dab'a", name_ar="تل الضبعة", name_fr="Tell el-Dab'a", lon=31.8213,
                 lat=30.7871, boundary=square(31.8213, 30.7871, 0.003), sensitive=True, category="cultural")
    ksar = place(users["ma_museum_editor"], name_en="Ksar of Ait-Ben-Haddou", name_ar="قصر آيت بن حدو",
                 name_fr="Ksar d'Aït-Ben-Haddou", states=["MA"], lon=-7.129, lat=31.047,
                 boundary=square(-7.129, 31.047, 0.004))
    olist = organization_list()
    crit = Criterion.objects.get(criteria_set=olist.criteria_set, code="(iv)")
    for p, status in ((citadel, "final"), (tell, "final"), (ksar, "preliminary")):
        Inscription.objects.create(place=p, heritage_list=olist, status=status, year=2024).criteria.set([crit])
    DangerListing.objects.create(place=citadel, heritage_list=olist, year_in=2025, threats="Urban pressure")
    return {"citadel": citadel, "tell": tell, "ksar": ksar}


@pytest.mark.parametrize("lang,direction,word,heading", [
    ("ar", "rtl", "قلعة صلاح الدين الأيوبي", "قائمة التراث المعرض للخطر"),
    ("fr", "ltr", "Citadelle de Saladin", "Liste du patrimoine en péril"),
    ("en", "ltr", "Citadel of Salah El-Din", "List of heritage in danger"),
])
def test_public_pages_in_three_languages(listed, lang, direction, word, heading):
    """Needs compiled messages (make messages), as `make test` does."""
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    for url in ("/heritage/", "/heritage/list/organization/", "/heritage/danger/",
                f"/heritage/place/{listed['citadel'].pk}/", "/heritage/map/"):
        r = c.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert f'lang="{lang}" dir="{direction}"' in html, url
    assert word in c.get("/heritage/list/organization/").content.decode()
    danger = c.get("/heritage/danger/").content.decode()
    assert word in danger and heading in danger


def test_browse_by_country_category_criterion(listed):
    c = Client()
    html = c.get("/heritage/list/organization/?status=preliminary").content.decode()
    assert "Ksar of Ait-Ben-Haddou" in html and "Citadel" not in html
    html = c.get("/heritage/list/organization/?country=MA").content.decode()
    assert "Ksar" not in html and "Citadel" not in html  # the Ksar is only preliminary
    html = c.get("/heritage/list/organization/?country=EG&criterion=(iv)&category=cultural").content.decode()
    assert "Citadel of Salah El-Din" in html and "Tell el-Dab" in html
    html = c.get("/heritage/list/organization/?criterion=(vii)").content.decode()
    assert "Citadel" not in html
    html = c.get("/heritage/danger/").content.decode()
    assert "Citadel" in html and "Tell el-Dab" not in html
    assert c.get("/heritage/list/unesco-whl/?status=preliminary").status_code == 404


def test_sensitive_coordinates_only_for_the_owning_agency(listed, users):
    tell = listed["tell"]
    anon = Client()
    page = anon.get(f"/heritage/place/{tell.pk}/").content.decode()
    assert "30.7871" not in page and "31.8213" not in page and "30.75" in page and "generalised" in page
    feed = anon.get("/heritage/places.geojson").json()
    feature = next(f for f in feed["features"] if f["id"] == tell.pk)
    assert feature["geometry"]["coordinates"] == [31.85, 30.75] and feature["properties"]["exact"] is False
    assert "31.8213" not in json.dumps(feed)

    other = Client()
    other.force_login(users["ma_police_editor"])
    assert "30.7871" not in other.get(f"/heritage/place/{tell.pk}/").content.decode()
    api = other.get(f"/api/v1/heritage/places/{tell.pk}/").json()
    assert api["location"] == {"lon": 31.85, "lat": 30.75, "exact": False} and api["boundary"] is None

    owner = Client()
    owner.force_login(users["eg_ministry_viewer"])
    assert "30.7871" in owner.get(f"/heritage/place/{tell.pk}/").content.decode()
    assert owner.get(f"/api/v1/heritage/places/{tell.pk}/").json()["location"]["exact"] is True


def test_places_shared_with_the_agency_only_are_not_public(users):
    owner = users["eg_ministry_editor"]
    secret = place(owner, name_en="Unpublished shrine", name_ar="ضريح غير منشور", sharing="agency")
    Inscription.objects.create(place=secret, heritage_list=organization_list(), status="preliminary")
    assert Client().get(f"/heritage/place/{secret.pk}/").status_code == 404
    assert "Unpublished shrine" not in Client().get("/heritage/list/organization/?status=preliminary").content.decode()
    c = Client()
    c.force_login(owner)
    assert c.get(f"/heritage/place/{secret.pk}/").status_code == 200


def test_unesco_attribution_is_displayed(users, agencies):
    with acting_as(None, via="test"):
        p = place(users["secretariat_editor"], name_en="Memphis and its Necropolis", name_fr="Memphis et sa nécropole",
                  name_ar="", attribution="UNESCO World Heritage Centre")
    Inscription.objects.create(place=p, heritage_list=unesco_list(), status="final", year=1979)
    c = Client()
    assert "UNESCO World Heritage Centre" in c.get("/heritage/list/unesco-whl/").content.decode()
    assert "UNESCO World Heritage Centre" in c.get(f"/heritage/place/{p.pk}/").content.decode()
    assert "UNESCO World Heritage Centre" in c.get("/heritage/").content.decode()
    assert c.get("/heritage/places.geojson?list=unesco-whl").json()["attribution"] == "UNESCO World Heritage Centre"


def test_nomination_page_shows_deadline_and_allowed_actions(users, actor):
    ms = users["eg_ministry_contributor"]
    p = place(ms)
    with actor(ms):
        n = services.create_preliminary_entry(ms, p, organization_list())
    c = Client()
    c.force_login(ms)
    html = c.get(f"/heritage/nominations/{n.pk}/").content.decode()
    assert 'id="next-deadline"' in html and "Nomination files due" in html
    assert 'value="start_file"' in html and 'value="submit"' not in html
    r = c.post(f"/heritage/nominations/{n.pk}/act/", {"action": "start_file"})
    assert r.status_code == 302
    n.refresh_from_db()
    assert n.state == S.DRAFT
    html = c.get(f"/heritage/nominations/{n.pk}/").content.decode()
    assert "Still missing before submission" in html and "Management plan" in html
    c.post(f"/heritage/nominations/{n.pk}/act/", {"action": "edit_sections", "section_description": "وصف"})
    n.refresh_from_db()
    assert n.sections["description"] == "وصف"
    # The national commission may submit, but the file is incomplete: refused with the reasons, state unchanged.
    admin = Client()
    admin.force_login(users["eg_ministry_agency_admin"])
    r = admin.post(f"/heritage/nominations/{n.pk}/act/", {"action": "submit"}, follow=True)
    assert "Section missing" in r.content.decode()
    n.refresh_from_db()
    assert n.state == S.DRAFT
    # Other states, the secretariat (a draft) and the public do not see the file at all.
    for user in (users["ma_museum_agency_admin"], users["secretariat_admin"]):
        other = Client()
        other.force_login(user)
        assert other.get(f"/heritage/nominations/{n.pk}/").status_code == 404
        assert other.post(f"/heritage/nominations/{n.pk}/act/", {"action": "submit"}).status_code == 404
    assert Client().get(f"/heritage/nominations/{n.pk}/").status_code == 302  # to the login page


def test_api_in_area_and_incident(listed, users):
    c = Client()
    area = {"type": "Polygon", "coordinates": [[[31, 29.5], [32.5, 29.5], [32.5, 31.5], [31, 31.5], [31, 29.5]]]}
    r = c.post("/api/v1/heritage/places/in-area/", {"geometry": area}, content_type="application/json")
    assert r.status_code == 200
    body = r.json()
    names = {row["name"] for row in body["results"]}
    assert names == {"Citadel of Salah El-Din", "Tell el-Dab'a"}
    assert next(row for row in body["results"] if row["name"].startswith("Citadel"))["in_danger"] is True
    r = c.post("/api/v1/heritage/places/in-area/", {"geometry": {"type": "Point", "coordinates": [1, 2]}},
               content_type="application/json")
    assert r.status_code == 400 and "geometry" in r.json()["errors"]
    assert c.post("/api/v1/heritage/incidents/", {}, content_type="application/json").status_code in (401, 403)
    c.force_login(users["eg_ministry_editor"])
    r = c.post("/api/v1/heritage/incidents/", {"geometry": area, "kind": "flood", "title": "فيضان النيل — crue",
                                               "within_km": 5}, content_type="application/json")
    assert r.status_code == 201
    assert set(r.json()["places"]) == {listed["citadel"].pk, listed["tell"].pk}


def test_api_nomination_transition(users, actor):
    ms = users["eg_ministry_contributor"]
    p = place(ms)
    with actor(ms):
        n = services.create_preliminary_entry(ms, p, organization_list(), today=datetime.date(2026, 1, 10))
    c = Client()
    c.force_login(users["ma_museum_agency_admin"])
    assert c.get(f"/api/v1/heritage/nominations/{n.pk}/").status_code == 404
    c.force_login(ms)
    r = c.post(f"/api/v1/heritage/nominations/{n.pk}/transition/", {"action": "submit"},
               content_type="application/json")
    assert r.status_code == 400  # the step is not possible from the preliminary list: core.api's mapping
    assert r["Content-Type"] == "application/problem+json" and list(r.json()["errors"]) == ["state"]
    r = c.post(f"/api/v1/heritage/nominations/{n.pk}/transition/", {"action": "start_file"},
               content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "draft"
    assert "section:description" in r.json()["missing"]
    r = c.post(f"/api/v1/heritage/nominations/{n.pk}/transition/", {"action": "submit"},
               content_type="application/json")
    assert r.status_code == 403  # a contributor is not the national commission
    assert "national commission" in r.json()["detail"]


def test_removal_from_the_list_in_danger_keeps_the_period(listed, users, actor):
    """The committee's removal closes the current period (date out, decision); the history stays and
    the place can be listed again later as a new period."""
    citadel = listed["citadel"]
    secretariat, owner = users["secretariat_editor"], users["eg_ministry_editor"]
    web = Client()
    web.force_login(owner)  # a member state's editor may not take its own place off the list
    web.post(f"/heritage/place/{citadel.pk}/danger/", {"action": "leave", "decision": "43 COM 7A.1"})
    assert services.is_currently_in_danger(citadel)
    web.force_login(secretariat)
    page = web.get(f"/heritage/place/{citadel.pk}/").content.decode()
    assert 'id="danger-exit-form"' in page and 'id="danger-form"' not in page
    web.post(f"/heritage/place/{citadel.pk}/danger/", {"action": "leave", "decision": "  "})
    assert services.is_currently_in_danger(citadel)  # a removal needs the committee's decision
    web.post(f"/heritage/place/{citadel.pk}/danger/",
             {"action": "leave", "decision": "Décision 48 COM 7A.12 : retrait de la Liste en péril"})
    period = DangerListing.objects.get(place=citadel)
    assert period.year_out == period.date_out.year and "48 COM 7A.12" in period.removal_decision
    assert not services.is_currently_in_danger(citadel)
    page = web.get(f"/heritage/place/{citadel.pk}/").content.decode()
    assert "48 COM 7A.12" in page and 'id="danger-exit-form"' not in page
    with actor(secretariat), pytest.raises(TransitionNotAllowed):
        services.leave_danger_list(secretariat, citadel, "again")
    # Re-entered the next year: a second period, the first one untouched.
    with actor(secretariat):
        services.enter_danger_list(secretariat, citadel, "Crue de 2027",
                                   today=datetime.date(period.date_out.year + 1, 6, 1))
    assert [(d.year_in, d.year_out) for d in DangerListing.objects.filter(place=citadel).order_by("year_in")] == [
        (2025, period.year_out), (period.date_out.year + 1, None)]
    from turath.core.models import AuditEntry
    assert AuditEntry.objects.filter(action="heritage.danger.leave").count() == 1


def test_nomination_history_and_names_in_the_page_language(users, actor):
    """The history names each step in the reader's language (no `enter_preliminary → preliminary`), and the
    list and agency are named in Arabic on an Arabic page."""
    ms = users["eg_ministry_contributor"]
    p = place(ms)
    with actor(ms):
        n = services.create_preliminary_entry(ms, p, organization_list())
        services.start_file(ms, n)
    c = Client(HTTP_ACCEPT_LANGUAGE="ar")
    c.force_login(ms)
    html = c.get(f"/heritage/nominations/{n.pk}/").content.decode()
    history = html[html.index("<ol>", html.rindex("<h2>")):]
    assert "enter_preliminary" not in history and "start_file" not in history and "→ draft" not in history
    assert "أُدرج في القائمة التمهيدية" in history and "على القائمة التمهيدية" in history
    assert "بدء إعداد ملف الترشيح" in history
    assert organization_list().name_ar in html and "Heritage List of the Member States" not in html
    assert users["eg_ministry_contributor"].agency.name_ar in html
    assert users["eg_ministry_contributor"].agency.name_en not in html


def test_place_page_region_area_and_states_in_arabic(users):
    owner = users["eg_ministry_editor"]
    p = place(owner, states=["EG", "SD"], region="Arab States", area_ha="182.72")
    html = Client(HTTP_ACCEPT_LANGUAGE="ar").get(f"/heritage/place/{p.pk}/").content.decode()
    assert "الدول العربية" in html and "Arab States" not in html
    assert "182,72 هكتار" in html and " ha<" not in html
    # States joined with the Arabic comma, not a Latin one.
    assert "<bdi>مصر</bdi>، <bdi>السّودان</bdi>" in html
    # Coordinates keep the decimal point: "30,0299, 31,2599" cannot be read as two numbers.
    assert "30.0299, 31.2599" in html
    # The page's title is the Arabic name and carries the Arabic language.
    assert '<bdi lang="ar">قلعة صلاح الدين الأيوبي</bdi>' in html
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/heritage/place/{p.pk}/").content.decode()
    assert "États arabes" in fr and "182,72 ha" in fr


def test_an_editor_adds_a_place_with_a_drawn_boundary(users):
    c = Client(HTTP_ACCEPT_LANGUAGE="ar")
    c.force_login(users["eg_ministry_editor"])
    assert c.get("/heritage/place/new/").status_code == 200
    ring = [[30.41, 31.40], [30.43, 31.40], [30.43, 31.41], [30.41, 31.41], [30.41, 31.40]]
    r = c.post("/heritage/place/new/", {"name_ar": "مدينة رشيد التاريخية", "name_fr": "Rosette historique",
                                        "category": "cultural", "states": ["EG"], "lon": "30,42", "lat": "31.405",
                                        "boundary": json.dumps({"type": "Polygon", "coordinates": [ring]}),
                                        "description": "مدينة عثمانية", "sharing": "public"})
    assert r.status_code == 302
    from turath.heritage.models import HeritagePlace

    p = HeritagePlace.objects.get(name_ar="مدينة رشيد التاريخية")
    assert p.owning_agency == users["eg_ministry_editor"].agency and p.boundary and abs(p.lon - 30.42) < 1e-9
    assert p.description["lang"] == "ar"


def test_the_place_form_names_each_bad_field_and_keeps_what_was_typed(users):
    c = Client(HTTP_ACCEPT_LANGUAGE="fr")
    c.force_login(users["eg_ministry_editor"])
    r = c.post("/heritage/place/new/", {"name_fr": "", "category": "cultural", "lon": "trente", "lat": "31",
                                        "boundary": "{not json", "description": "Gardez ce texte"})
    html = r.content.decode()
    assert r.status_code == 400
    assert "Longitude et latitude" in html or "longitude et la latitude" in html
    assert 'href="#field-location"' in html and "Gardez ce texte" in html
    r = c.post("/heritage/place/new/", {"name_fr": "Lieu", "category": "cultural", "boundary": "{not json"})
    assert r.status_code == 400 and 'href="#field-boundary"' in r.content.decode()
    # A viewer may not add places; the public is sent to sign in.
    viewer = Client()
    viewer.force_login(users["eg_ministry_viewer"])
    assert viewer.get("/heritage/place/new/").status_code == 404
    assert Client().get("/heritage/place/new/").status_code == 302


def test_risk_page_finds_the_places_in_a_drawn_or_uploaded_area(listed, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = Client(HTTP_ACCEPT_LANGUAGE="ar")
    c.force_login(users["secretariat_admin"])
    cairo = square(31.26, 30.03, 0.05)
    html = c.post("/heritage/risk/", {"area": cairo, "within_km": "0"}).content.decode()
    assert "قلعة صلاح الدين الأيوبي" in html and "قصر آيت بن حدو" not in html
    upload = SimpleUploadedFile("flood.geojson", square(-7.129, 31.047, 0.05).encode(), "application/geo+json")
    html = c.post("/heritage/risk/", {"area_file": upload, "within_km": "5"}).content.decode()
    assert "قصر آيت بن حدو" in html and "قلعة صلاح الدين الأيوبي" not in html
    bad = c.post("/heritage/risk/", {"area": '{"type": "Point", "coordinates": [1, 2]}'})
    assert bad.status_code == 400
    r = c.post("/heritage/risk/", {"area": cairo, "within_km": "0", "action": "record", "kind": "flood",
                                   "title": "فيضان القاهرة"}, follow=True)
    from turath.heritage.models import Incident

    incident = Incident.objects.get(title="فيضان القاهرة")
    assert list(incident.places.all()) == [listed["citadel"]] and r.status_code == 200
    # Another agency's user is answered from what they may see: the sensitive site only at its public position.
    other = Client()
    other.force_login(users["ma_police_editor"])
    html = other.post("/heritage/risk/", {"area": square(31.8213, 30.7871, 0.0005)}).content.decode()
    assert "Tell el-Dab" not in html
