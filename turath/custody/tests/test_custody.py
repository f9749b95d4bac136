"""Custody of confiscated objects through its own services: facilities and locations, entry with its
number, movements, condition checks, transfers that both parties acknowledge, exits, corrections, the
append-only chain, and who may see where an object is kept."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from turath.core.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.custody import services as custody
from turath.custody.models import Holding, Location, Movement, ObjectEntry
from turath.register.models import CulturalObject, ObjectStatus
from turath.register.tests.factories import make_object

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def held(users, actor):
    """A seized lamp entered into the Moroccan police's depot, shelf B1/R2/S3."""
    police = users["ma_police_editor"]
    lamp = make_object(police, "MA-POL-2026-0001", status="seized", title="Lampe à huile", lang="fr",
                       object_type="oil lamp")
    with actor(police):
        facility = custody.create_facility(police, {"code": "tng-depot", "name": "Dépôt des saisies, Tanger"})
        shelf = custody.add_location(police, facility, "B1/R2/S3")
        vault = custody.add_location(police, facility, "B2/V1", "Chambre forte")
        entry = custody.enter_object(police, lamp, {"at": timezone.now() - timedelta(days=9), "location": shelf.pk})
    return {"police": police, "lamp": lamp, "facility": facility, "shelf": shelf, "vault": vault, "entry": entry}


def test_entry_numbers_the_object_and_puts_it_in_custody(held):
    assert held["entry"].entry_number.startswith("MA-POLICE-E")
    # The parent locations of a shelf path are made on the way: B1, B1/R2, B1/R2/S3, B2, B2/V1.
    assert Location.objects.filter(facility=held["facility"]).count() == 5
    holding = Holding.objects.get(object=held["lamp"])
    assert holding.in_custody and holding.location == held["shelf"]
    assert CulturalObject.objects.get(pk=held["lamp"].pk).status == ObjectStatus.IN_CUSTODY


def test_a_second_entry_while_in_custody_is_refused(held, actor):
    with actor(held["police"]), pytest.raises(RecordInvalid):
        custody.enter_object(held["police"], held["lamp"], {"at": timezone.now(), "location": held["vault"].pk})


def test_movements_and_condition_checks_build_the_chain_in_order(held, actor):
    police, lamp = held["police"], held["lamp"]
    with actor(police):
        custody.move_object(police, lamp, {"at": timezone.now() - timedelta(days=8), "to_location": held["vault"].pk,
                                           "moved_by": "Brigadier Amrani", "reason": "Mise en sécurité",
                                           "authorised_by": "Commissaire Bennani"})
        custody.check_condition(police, lamp, {"at": timezone.now() - timedelta(days=6), "grade": "fair",
                                               "checked_by": "Dr. Alaoui", "note": "Fissure sur le bec",
                                               "next_check_due": (date.today() - timedelta(days=1)).isoformat()})
    assert [i.kind for i in custody.chain(police, lamp)] == ["entry", "movement", "condition"]
    assert Holding.objects.get(object=lamp).location == held["vault"]
    assert [o["object"].pk for o in custody.overdue_checks(police.agency)] == [lamp.pk]


def test_a_movement_before_the_entry_is_refused_and_writes_nothing(held, actor):
    with actor(held["police"]), pytest.raises(RecordInvalid) as refused:
        custody.move_object(held["police"], held["lamp"], {
            "at": timezone.now() - timedelta(days=30), "to_location": held["vault"].pk, "moved_by": "X",
            "reason": "Y", "authorised_by": "Z"})
    assert "at" in refused.value.errors
    assert not Movement.objects.exists()


def test_the_chain_is_append_only_and_corrected_by_a_new_entry(held, actor):
    police, lamp = held["police"], held["lamp"]
    with actor(police):
        move = custody.move_object(police, lamp, {"at": timezone.now() - timedelta(days=8),
                                                  "to_location": held["vault"].pk, "moved_by": "Brigadier Amrani",
                                                  "reason": "Photographie", "authorised_by": "Commissaire Bennani"})
        custody.correct(police, move, {"reason": "Inventaire"})
    items = custody.chain(police, lamp)
    assert any(i.corrected for i in items) and sum(i.kind == "movement" for i in items) == 2
    with pytest.raises(ValidationError, match="append-only"):
        ObjectEntry.objects.filter(pk=held["entry"].pk).update(entry_number="FORGED")
    with pytest.raises(ValidationError, match="append-only"):
        Movement.objects.filter(pk=move.pk).delete()
    assert ObjectEntry.objects.get(pk=held["entry"].pk).entry_number == held["entry"].entry_number


def test_transfer_needs_both_parties_and_moves_custody(held, users, actor, agencies):
    police, lamp = held["police"], held["lamp"]
    museum = users["ma_museum_editor"]
    with actor(police):
        transfer = custody.request_transfer(police, lamp, agencies["ma_museum"], {"reason": "Expertise"})
        with pytest.raises(NotPermitted):  # the sender does not acknowledge for the receiver
            custody.acknowledge_transfer(police, transfer)
        with pytest.raises(TransitionNotAllowed):  # nor hand over before the receiver acknowledged
            custody.complete_transfer(police, transfer)
    with actor(museum):
        custody.acknowledge_transfer(museum, transfer)
    with actor(police):
        custody.complete_transfer(police, transfer)
    assert Holding.objects.get(object=lamp).custodian == agencies["ma_museum"]
    # Each step in the log under its name in the scheme app.model.verb (core.audit_names).
    from turath.core.models import AuditEntry

    steps = AuditEntry.objects.filter(object_type="custody.custodytransfer", object_id=str(transfer.pk))
    assert list(steps.order_by("seq").values_list("action", flat=True)) == [
        "custody.transfer.request", "custody.transfer.acknowledge", "custody.transfer.complete"]


def test_exit_ends_custody_once(held, actor):
    police, lamp = held["police"], held["lamp"]
    with actor(police):
        custody.exit_object(police, lamp, {"at": timezone.now() - timedelta(days=1), "kind": "court_release",
                                           "recipient": "Tribunal de première instance de Tanger",
                                           "authorised_by": "Procureur du Roi"})
        with pytest.raises(TransitionNotAllowed):
            custody.exit_object(police, lamp, {"at": timezone.now(), "kind": "court_release", "recipient": "x",
                                               "authorised_by": "y"})
    assert not Holding.objects.get(object=lamp).in_custody


def test_where_an_object_is_kept_is_known_to_its_custodian_only(held, users, client):
    lamp = held["lamp"]
    assert Holding.objects.restrict(held["police"]).filter(object=lamp).exists()
    for other in ("eg_customs_editor", "ma_museum_editor", "secretariat_admin"):
        assert not Holding.objects.restrict(users[other]).filter(object=lamp).exists()
    client.force_login(users["ma_police_viewer"])
    page = client.get(f"/custody/objects/{lamp.record_number}/").content.decode()
    assert "B1/R2/S3" in page
    client.force_login(users["eg_customs_editor"])
    page = client.get(f"/custody/objects/{lamp.record_number}/")
    assert page.status_code == 404  # an agency-only record: another agency learns nothing of it


@pytest.mark.parametrize("hour", [9, 15])
def test_an_event_dated_today_without_a_time_is_recorded_at_any_hour(held, actor, monkeypatch, hour):
    """A date alone was read as noon: this morning it was "in the future", and this afternoon it came
    before the events already recorded today."""
    police, lamp = held["police"], held["lamp"]
    today = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: today)
    with actor(police):
        custody.move_object(police, lamp, {"at": today - timedelta(hours=1), "to_location": held["vault"].pk,
                                           "moved_by": "Brigadier Amrani", "reason": "Mise en sécurité",
                                           "authorised_by": "Commissaire Bennani"})
        check = custody.check_condition(police, lamp, {"at": today.date().isoformat(), "grade": "good",
                                                       "checked_by": "Dr. Alaoui"})
    assert check.at == today
    assert [i.kind for i in custody.chain(police, lamp)] == ["entry", "movement", "condition"]


def test_an_event_dated_an_earlier_day_without_a_time_is_noon_that_day(held, actor):
    police, lamp = held["police"], held["lamp"]
    day = timezone.localdate() - timedelta(days=3)
    with actor(police):
        check = custody.check_condition(police, lamp, {"at": day.isoformat(), "grade": "fair", "checked_by": "Dr. Alaoui"})
    assert timezone.localtime(check.at).date() == day and timezone.localtime(check.at).hour == 12
