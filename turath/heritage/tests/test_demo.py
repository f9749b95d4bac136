"""The heritage demo `make run` loads: the real UNESCO list shipped with Turath and the organization's own list
filled through the real procedure, once."""

import pytest
from django.core.management import call_command

from turath.heritage.models import DangerListing, HeritagePlace, Nomination
from turath.heritage.models import NominationState as S

pytestmark = [pytest.mark.django_db]


def test_heritage_demo_fills_both_lists_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Without the demo accounts: the UNESCO list only (it needs the secretariat, which owns it).
    from turath.core.models import Agency
    from turath.register.demo import ensure_people

    Agency.objects.create(code="secretariat", kind="secretariat", country="SA", name_en="General Secretariat")
    call_command("heritage", "demo")
    assert HeritagePlace.objects.filter(source="unesco-whc").count() == 1121
    assert not Nomination.objects.exists()

    ensure_people()
    call_command("heritage", "demo")
    files = Nomination.objects.filter(heritage_list__key="organization")
    states = sorted(files.values_list("state", flat=True))
    assert states.count(S.PRELIMINARY) == 4 and states.count(S.DRAFT) == 2
    assert states.count(S.EVALUATION) == 1 and states.count(S.INSCRIBED) == 1
    rosetta = files.get(state=S.INSCRIBED)
    assert [e.action for e in rosetta.events.all()][:3] == ["enter_preliminary", "start_file", "submit"]
    assert DangerListing.objects.filter(place=rosetta.place, year_out__isnull=True).exists()
    assert rosetta.place.name_ar == "مدينة رشيد التاريخية" and rosetta.cycle_year == 2025

    call_command("heritage", "demo")  # a second run adds nothing
    assert Nomination.objects.filter(heritage_list__key="organization").count() == files.count() == 8
    assert HeritagePlace.objects.filter(source="unesco-whc").count() == 1121
