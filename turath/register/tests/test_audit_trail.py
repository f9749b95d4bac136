"""A record's audit trail: who may read it (the "audit" action of CulturalObject.permission_q) and how
its entries are named."""

import pytest

from turath.core.permissions import permits
from turath.register.models import CulturalObject
from turath.register.tests.factories import make_object


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_audit_trail_is_read_by_the_owning_agencys_editors_and_the_secretariats(users):
    shared = make_object(users["eg_customs_editor"], "EG-AUD-1", sharing="network")
    own = make_object(users["eg_customs_editor"], "EG-AUD-2", sharing="agency")
    readers = {name for name, user in users.items()
               if CulturalObject.objects.restrict(user, "audit").filter(pk=shared.pk).exists()}
    assert readers == {"eg_customs_editor", "eg_customs_agency_admin", "secretariat_editor",
                       "secretariat_agency_admin", "secretariat_admin"}
    # The secretariat reads the trail of the records it sees, not of an agency's own.
    assert {name for name, user in users.items() if permits(user, "audit", own)} == {
        "eg_customs_editor", "eg_customs_agency_admin"}

