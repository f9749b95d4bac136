"""Who sees and who changes which record: every sharing level against every kind of agency."""

import pytest

from turath.register.models import CulturalObject
from turath.register.tests.factories import make_object

SHARINGS = ("agency", "network", "members", "public")


@pytest.fixture
def records(users):
    owner = users["ma_museum_editor"]
    return {s: make_object(owner, f"MA-MUS-{s}", sharing=s) for s in SHARINGS}


def visible(user, records):
    qs = CulturalObject.objects.restrict(user, "view")
    return {s for s, obj in records.items() if qs.filter(pk=obj.pk).exists()}


def test_owning_agency_sees_everything_it_owns(users, records):
    assert visible(users["ma_museum_viewer"], records) == set(SHARINGS)


def test_law_enforcement_of_another_state_sees_network_and_wider(users, records):
    assert visible(users["eg_customs_viewer"], records) == {"network", "members", "public"}
    assert visible(users["secretariat_admin"], records) == {"network", "members", "public"}


def test_ministry_of_another_state_does_not_see_network_records(users, records):
    assert visible(users["eg_ministry_editor"], records) == {"members", "public"}


def test_anonymous_sees_public_only(records):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser(), records) == {"public"}
    assert visible(None, records) == {"public"}


def test_only_owning_agency_editors_change(users, records):
    obj = records["public"]
    can_change = {name for name, u in users.items()
                  if CulturalObject.objects.restrict(u, "change").filter(pk=obj.pk).exists()}
    assert can_change == {"ma_museum_editor", "ma_museum_agency_admin"}


def test_inactive_user_sees_only_public(users, records):
    user = users["ma_museum_editor"]
    user.is_active = False
    assert visible(user, records) == {"public"}


def test_get_visible_or_404(users, records):
    from django.http import Http404

    hidden = records["agency"]
    with pytest.raises(Http404):
        CulturalObject.objects.get_visible_or_404(users["eg_customs_editor"], pk=hidden.pk)
    assert CulturalObject.objects.get_visible_or_404(users["ma_museum_viewer"], pk=hidden.pk) == hidden


def test_restrict_is_written_once_and_each_rule_is_a_permission_q():
    """One mechanism in fact: every restricted model states its rule in `permission_q`, and no
    queryset overrides `restrict()` (issue 13, item 7)."""
    from django.apps import apps

    from turath.core.permissions import RestrictedQuerySet

    restricted = set()
    for model in apps.get_models():
        qs_class = type(model._default_manager.all())
        if hasattr(qs_class, "restrict"):
            assert issubclass(qs_class, RestrictedQuerySet), model
            assert qs_class.restrict is RestrictedQuerySet.restrict, model
            assert qs_class.get_visible_or_404 is RestrictedQuerySet.get_visible_or_404, model
            assert callable(getattr(model, "permission_q", None)), model
            restricted.add(model.__name__)
    assert {"CulturalObject", "Report", "Seizure", "SeizureItem", "SeizureMatch", "Alert", "RestitutionCase",
            "StorageFacility", "Location", "ObjectEntry", "Movement", "CustodyTransfer", "ConditionCheck",
            "ObjectExit", "Holding", "MatchCheck"} <= restricted


def test_case_work_is_restrict_work_and_changes_are_restrict_change(users, agencies):
    """Who works on a restitution case (notes, steps) and who changes it, from one rule: both
    parties' contributors work on it, their editors change it, nobody else sees it."""
    from datetime import date

    from turath.cases.models import RestitutionCase
    from turath.cases.services import add_journal_entry
    from turath.core.permissions import permits

    case = RestitutionCase.objects.create(requesting_country="EG", holding_agency=agencies["ma_police"],
                                          legal_basis="unesco_1970", opened_on=date(2026, 1, 5))
    by_action = {action: {name for name, u in users.items() if permits(u, action, case)}
                 for action in ("view", "work", "change")}
    parties = {n for n in users if n.startswith(("ma_police", "eg_"))}
    assert by_action["view"] == parties
    assert by_action["work"] == {n for n in parties if not n.endswith("viewer")}
    assert by_action["change"] == {n for n in parties if n.endswith(("editor", "agency_admin"))}
    assert add_journal_entry(users["eg_customs_contributor"], case, "Dossier reçu").text == "Dossier reçu"
    with pytest.raises(PermissionError):
        add_journal_entry(users["eg_customs_viewer"], case, "Non")
    with pytest.raises(PermissionError):
        add_journal_entry(users["ma_museum_editor"], case, "Non")


def test_a_match_check_exists_only_for_its_agency(client, users, agencies):
    """The decision page and API look a check up through restrict(): another agency's is a 404."""
    from turath.matching.models import MatchCheck

    check = MatchCheck.objects.create(by=users["ma_police_contributor"], agency=agencies["ma_police"], words="x")
    client.force_login(users["eg_customs_editor"])
    assert client.post(f"/check/{check.uid}/decision/", {"decision": "not_same"}).status_code == 404
    assert client.post(f"/api/v1/checks/{check.uid}/decision/", {"decision": "not_same"},
                       content_type="application/json").status_code == 404
    assert MatchCheck.objects.permits(users["ma_police_editor"], "change", check)
    assert not MatchCheck.objects.permits(users["ma_police_viewer"], "change", check)
    assert MatchCheck.objects.permits(users["ma_police_contributor"], "change", check)
