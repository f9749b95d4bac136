"""The leaks the probe found, each through the page, the API and the feed: a body never names a
record its reader may not see (issue 13, items 2, 3 and 5)."""

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from turath.cases import services
from turath.cases.models import Alert
from turath.core.models import ApiToken
from turath.core.tests.visibility_world import build
from turath.register.models import CulturalObject

pytestmark = [pytest.mark.django_db]


def api(user):
    c = APIClient()
    _, raw = ApiToken.issue(user)
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return c


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def world(users, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        return build(users)


def test_seizure_page_and_api_show_the_same_visible_items_and_candidates(client, users, world):
    customs = users["eg_customs_viewer"]
    late = world["late"].object.record_number
    first = world["first"].object.record_number
    secret = world["secret_candidate"].record_number
    url = f"/cases/seizures/{world['seizure'].pk}/"
    body = page(client, customs, url)
    data = api(customs).get(f"/api/v1/seizures/{world['seizure'].pk}/").json()
    assert first in body and late not in body and secret not in body
    assert world["late"].object.title["text"] not in body
    assert [i["record_number"] for i in data["items"]] == [first]
    assert [m["candidate"] for m in data["items"][0]["matches"]] == [world["MA-MUS-public"].record_number]
    assert world["MA-MUS-public"].record_number in body
    # The seizing agency sees the whole lot and every candidate.
    own = page(client, users["ma_police_viewer"], url)
    assert first in own and late in own and secret in own


def hidden_numbers(user) -> set[str]:
    return set(CulturalObject.objects.exclude(pk__in=CulturalObject.objects.restrict(user)).values_list(
        "record_number", flat=True))


@pytest.mark.parametrize("who, listed", [("eg_customs_viewer", "first"), ("ma_museum_viewer", "EG-MOA-members")])
def test_alert_lists_only_what_the_reader_may_see_now(client, users, world, who, listed):
    reader = users[who]
    hidden = hidden_numbers(reader)
    # The cases of the probe: an item added after publication, a record narrowed after it was
    # announced, and (for a museum) a network record named by a report shared with all members.
    assert {world["late"].object.record_number, world["found"].record_number} <= hidden
    if who == "ma_museum_viewer":
        assert world["published_narrow"].record_number in hidden
    client.force_login(reader)
    inbox_api = api(reader).get("/api/v1/alerts/").content.decode()
    inbox_page = client.get("/cases/inbox/").content.decode()
    feed = client.get(f"/cases/alerts/{reader.agency.code}.atom").content.decode()
    listed = world[listed]
    assert getattr(listed, "object", listed).record_number in inbox_api  # what it may see is still listed
    for body in (inbox_api, inbox_page, feed):
        assert not [n for n in hidden if n in body]
    alerts = Alert.objects.filter(recipient=reader.agency)
    assert alerts.exists()
    for alert in alerts:
        single = api(reader).get(f"/api/v1/alerts/{alert.pk}/").content.decode()
        assert not [n for n in hidden if n in single]


def test_alert_email_lists_only_what_the_recipient_agency_may_see(users, agencies, world):
    for key in ("eg_customs", "ma_museum"):
        agencies[key].email = f"alerts@{key}.example"
        agencies[key].save()
        ids = list(Alert.objects.filter(recipient=agencies[key]).values_list("pk", flat=True))
        mail.outbox.clear()
        assert services.email_alerts(ids) == len(ids) >= 1
        bodies = "\n".join(m.body for m in mail.outbox)
        assert not [n for n in hidden_numbers(users[f"{key}_viewer"]) if n in bodies]


def test_custody_entry_refusal_does_not_name_another_agencys_entry(users, world):
    customs = users["eg_customs_editor"]
    number = world["first"].object.record_number
    client = api(customs)
    assert client.get(f"/api/v1/custody/{number}/").status_code == 404
    loc = client.post("/api/v1/facilities/", {"code": "cairo", "name": "Cairo"}, format="json").json()
    loc_id = client.post(f"/api/v1/facilities/{loc['id']}/locations/", {"code": "R1"}, format="json").json()["id"]
    refused = client.post(f"/api/v1/custody/{number}/entry/", {"location": loc_id, "at": "2026-01-01T10:00"},
                          format="json")
    assert refused.status_code == 400
    assert world["entry"].entry_number not in refused.content.decode()
    assert "another agency" in refused.content.decode()
    # The custodian itself is told which entry holds it.
    own = api(users["ma_police_editor"]).post(f"/api/v1/custody/{number}/entry/", {
        "location": world["location"].pk, "at": "2026-01-01T10:00"}, format="json")
    assert world["entry"].entry_number in own.content.decode()
    # An object the caller may not see at all is a 404 before any other check.
    hidden = world["late"].object.record_number
    assert client.post(f"/api/v1/custody/{hidden}/entry/", {}, format="json").status_code == 404


def test_former_custodian_does_not_learn_where_the_object_is_now(client, users, agencies, world):
    from turath.core.context import acting_as
    from turath.custody import services as custody

    mp, eg = users["ma_police_editor"], users["eg_customs_editor"]
    obj = world["first"].object
    with acting_as(mp, via="test"):
        transfer = custody.request_transfer(mp, obj, agencies["eg_customs"], {"reason": "Restitution"})
    with acting_as(eg, via="test"):
        custody.acknowledge_transfer(eg, transfer)
    with acting_as(mp, via="test"):
        custody.complete_transfer(mp, transfer)
    with acting_as(eg, via="test"):
        facility = custody.create_facility(eg, {"code": "cairo-vault", "name": "Cairo vault"})
        vault = custody.add_location(eg, facility, "VAULT-7/SHELF-3")
        custody.move_object(eg, obj, {"at": timezone.now(), "to_location": vault.pk, "moved_by": "Officer",
                                      "reason": "Storage", "authorised_by": "Director"})
    mine = page(client, users["ma_police_viewer"], f"/custody/objects/{obj.record_number}/")
    assert world["entry"].entry_number in mine  # its own history
    assert "cairo-vault" not in mine and "VAULT-7" not in mine
    theirs = page(client, users["eg_customs_viewer"], f"/custody/objects/{obj.record_number}/")
    assert "whereabouts" in theirs
