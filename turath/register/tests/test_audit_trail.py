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



@pytest.mark.django_db
def test_an_entry_written_under_an_old_action_name_is_labelled_as_a_new_one(client, users):
    from turath.core import audit
    from turath.core.context import acting_as
    from turath.register import services

    editor = users["eg_customs_editor"]
    obj = make_object(editor, "EG-AUD-3", title="Dinar")
    with acting_as(editor, via="test"):
        services.update_object(editor, obj, {"title": "Gold dinar"})
        # An entry of the log as it was written before the action names were schemed (never rewritten).
        audit._append([audit._entry("update", obj, "", "", "", {"sharing": "agency"}, {"sharing": "network"}, editor)])
    rows = services.audit_trail(obj)
    assert [r["entry"].action for r in rows] == ["update", "register.object.update", "register.object.create"]
    assert rows[0]["label"] == rows[1]["label"] == "Record changed" and rows[2]["label"] == "Record created"
    client.force_login(editor)
    client.cookies["django_language"] = "en"
    page = client.get(f"/objects/{obj.record_number}/audit/").content.decode()
    assert page.count("Record changed") == 2 and "register.object.update" not in page and ">update<" not in page
