"""Check results an officer can act on: outlines whose numbers are never localised, both photos,
the stolen-only filter, next steps after "Same object", asking the secretariat about hidden
matches (audited, nothing revealed), accessible names, similar objects."""

import io
import re

import pytest
from django.utils import translation

from turath.core.models import AuditEntry
from turath.matching import services
from turath.matching.models import MatchCheck
from turath.register.models import CulturalObject

from .test_check import engine_dir, phone_shot, photo, register  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate("en")


def post_check(client, name, lang, **data):
    return post_check_image(client, photo(name), lang, **data)


def post_check_image(client, img, lang, **data):
    shot = io.BytesIO(phone_shot(img))
    shot.name = "shot.jpg"
    return client.post("/check/", {"photos": [shot], **data}, HTTP_ACCEPT_LANGUAGE=lang).content.decode()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_outlines_keep_decimal_points_and_both_photos_are_shown(client, users, register, lang):  # noqa: F811
    client.force_login(users["ma_museum_viewer"])
    html = post_check(client, "coffee", lang)
    points = re.findall(r'<polygon class="region" points="([^"]*)"', html)
    for value in points:
        for pair in value.split():
            assert re.fullmatch(r"-?\d+(\.\d+)?,-?\d+(\.\d+)?", pair), value  # not "568,5,245,4"
    assert len(points) == 2  # the officer's photo and the register photo
    assert any("." in v for v in points)  # sub-pixel coordinates are there, with points
    for box in re.findall(r'viewBox="([^"]*)"', html):
        assert re.fullmatch(r"0 0 \d+ \d+", box)
    assert 'src="data:image/jpeg;base64,' not in html and 'href="data:image/jpeg;base64,' in html
    assert 'aria-live="polite"' in html
    assert re.search(r'aria-label="[^"]*MA-MUS-0001"', html)  # decision buttons name the record


def test_reported_only_keeps_stolen_and_looted(client, users, register):  # noqa: F811
    CulturalObject.objects.filter(pk=register["coffee"].pk).update(status="reported_stolen")
    viewer = users["eg_customs_viewer"]
    both = services.check_object(viewer, [], "silver dirhams Baghdad coins cat")
    assert {c.object.record_number for c in both.candidates} >= {"EG-MOA-0001"}
    only = services.check_object(viewer, [], "silver dirhams Baghdad coins cat", reported_only=True)
    assert all(c.object.status in ("reported_stolen", "reported_looted") for c in only.candidates)
    assert "EG-MOA-0001" not in {c.object.record_number for c in only.candidates}
    CulturalObject.objects.filter(pk=register["coins"].pk).update(status="reported_looted")
    only = services.check_object(viewer, [], "silver dirhams Baghdad coins cat", reported_only=True)
    assert [c.object.record_number for c in only.candidates][:1] == ["EG-MOA-0001"]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_same_object_shows_next_steps(client, users, register, lang):  # noqa: F811
    register["coins"].owning_agency.email = "registrar@moa.example.eg"
    register["coins"].owning_agency.save()
    officer = users["ma_museum_editor"]
    client.force_login(officer)
    post_check(client, "coins", lang)
    check = MatchCheck.objects.filter(by=officer).latest("at")
    response = client.post(f"/check/{check.uid}/decision/", {"decision": "same", "record_number": "EG-MOA-0001"},
                           HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 302 and f"decided={check.uid}" in response["Location"]
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    section = html[html.index('id="next-steps"'):]
    assert "EG-MOA-0001" in section and "registrar@moa.example.eg" in section and "/cases/seizures/new/" in section
    # Another agency's officer cannot read them from the link.
    client.force_login(users["eg_customs_viewer"])
    assert 'id="next-steps"' not in client.get(response["Location"]).content.decode()


def test_hidden_matches_ask_the_secretariat_audited_revealing_nothing(client, users, register):  # noqa: F811
    officer = users["eg_customs_viewer"]  # the coffee cup is shared within its agency only
    client.force_login(officer)
    html = post_check(client, "coffee", "en")
    assert "MA-MUS-0001" not in html and 'id="hidden-matches"' in html
    check = MatchCheck.objects.filter(by=officer).latest("at")
    page = client.post(f"/check/{check.uid}/contact/", follow=True).content.decode()
    assert "The secretariat has your request" in page and "MA-MUS-0001" not in page and "porcelaine" not in page
    entry = AuditEntry.objects.get(action="matching.check.request_contact", object_id=str(check.pk))
    assert entry.after["hidden_matches"] == 1 and "MA-MUS-0001" not in str(entry.after)
    # The request reaches the secretariat as an alert naming the agency to put in touch (before: an
    # audit entry nobody was told of); the officer's agency is told nothing more.
    from turath.cases.models import Alert

    alert = Alert.objects.get(source="contact")
    assert alert.recipient.code == "secretariat" and alert.match_check == check
    assert check.hidden_objects == [register["coffee"].pk]
    client.force_login(users["secretariat_admin"])
    inbox = client.get("/api/v1/alerts/").json()
    text = next(a["text"] for a in inbox["results"] if a["source"] == "contact")
    assert any(name in text for name in ("National Museum of Archaeology, Rabat", "Musée national d'archéologie",
                                         "المتحف الوطني للآثار")), text
    assert "MA-MUS-0001" not in text and "porcelaine" not in text  # an agency-only record: its agency, not its content
    client.force_login(officer)
    mine = client.get("/api/v1/alerts/").json()
    assert not any(a["source"] == "contact" for a in mine["results"])
    assert "MA-MUS-0001" not in client.get("/cases/inbox/").content.decode()
    # Not another agency's check; not a check without hidden matches.
    client.force_login(users["ma_museum_viewer"])
    assert client.post(f"/check/{check.uid}/contact/").status_code == 404
    own = services.check_object(users["ma_museum_viewer"], [], "tasse")
    with pytest.raises(services.CheckRefused):
        services.request_contact(users["ma_museum_viewer"], own.check)


def test_similar_objects_are_said_when_the_engine_flags_them(client, users, register, monkeypatch):  # noqa: F811
    """The engine marks alike candidates (evidence "similar"); the page says so."""
    from turath.matching import index

    engine = index.get_engine()
    real_query = engine.query

    def query(*args, **kwargs):
        result = real_query(*args, **kwargs)
        for c in result.candidates:
            c.evidence["similar"] = True
        return result

    monkeypatch.setattr(engine, "query", query)
    client.force_login(users["ma_museum_viewer"])
    html = post_check(client, "coffee", "fr")
    assert 'id="similar-objects"' in html and "Objets semblables" in html
    monkeypatch.setattr(engine, "query", real_query)
    assert 'id="similar-objects"' not in post_check(client, "coffee", "fr")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_mirrored_photo_is_found_and_said_to_be_mirrored(client, users, register, lang):  # noqa: F811
    from PIL import ImageOps

    from turath.core.models import ApiToken

    client.force_login(users["ma_museum_viewer"])
    mirrored_shot = ImageOps.mirror(photo("chelsea"))
    html = post_check_image(client, mirrored_shot, lang)
    assert re.search(r'id="candidate-1".*?EG-MOA-0002', html, re.S)
    with translation.override(lang):
        said = translation.gettext("Your photo shows the register photo mirrored (left and right swapped), "
                                   "as a republished copy may.")
    assert said != "Your photo shows the register photo mirrored (left and right swapped), as a republished copy may."
    assert said in html.replace("&#x27;", "'")
    # the same photo as taken is not said to be mirrored
    assert 'class="mirrored"' not in post_check_image(client, photo("chelsea"), lang)
    _, raw = ApiToken.issue(users["ma_museum_viewer"])
    shot = io.BytesIO(phone_shot(mirrored_shot))
    shot.name = "shot.jpg"
    body = client.post("/api/v1/checks/", {"photos": [shot]}, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert body["candidates"][0]["record_number"] == "EG-MOA-0002"
    assert body["candidates"][0]["evidence"]["mirrored"] is True
