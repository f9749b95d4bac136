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
