import pytest
from django.db import DatabaseError, connection, transaction

from turath.core import audit
from turath.core.models import AuditEntry


@pytest.fixture
def entries(users, actor):
    with actor(users["eg_customs_editor"]):
        return [audit.record("core.test.record", object_type="x", object_id=i, after={"n": i, "نص": "قطعة"}) for i in range(5)]


def test_chain_verifies_and_records_who_and_agency(entries):
    report = audit.verify_chain()
    assert report.ok and report.checked >= 5
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.username == "eg_customs_editor" and last.agency_code == "eg-customs"
    assert last.prev_hash == entries[-2].entry_hash


def test_database_refuses_update_and_delete(entries):
    for sql in ("UPDATE core_auditentry SET action = 'forged'", "DELETE FROM core_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEntry.objects.filter(action="forged").count() == 0


def test_model_refuses_update_and_delete(entries):
    entry = AuditEntry.objects.first()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def _drop_append_only_guard():
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_change")
        else:
            cur.execute("DROP TRIGGER core_auditentry_no_update")
            cur.execute("DROP TRIGGER core_auditentry_no_delete")


def test_tampering_is_detected_and_the_first_broken_entry_named(entries):
    # An attacker with database access bypasses the triggers; the hash chain still tells.
    _drop_append_only_guard()
    victim = entries[2]
    AuditEntry.objects.filter(seq=victim.seq).update(after={"n": 999})
    report = audit.verify_chain()
    assert not report.ok and report.first_broken == victim.seq
    assert "altered" in report.reason


def test_removed_entry_breaks_the_link(entries):
    _drop_append_only_guard()
    AuditEntry.objects.filter(seq=entries[1].seq).delete()
    report = audit.verify_chain()
    assert report.first_broken == entries[2].seq and "removed" in report.reason


def test_audit_verify_command(entries, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
    _drop_append_only_guard()
    AuditEntry.objects.filter(seq=entries[3].seq).update(username="someone-else")
    with pytest.raises(CommandError, match=f"#{entries[3].seq}"):
        call_command("audit", "verify")


def test_rolled_back_change_leaves_no_entry(users, actor):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), actor(users["eg_customs_editor"]):
        audit.record("register.object.create", object_type="x", object_id=1)
        raise RuntimeError("crash after the write")
    assert AuditEntry.objects.count() == before


def test_entries_held_back_are_appended_in_order_when_the_block_ends(users, actor):
    before = AuditEntry.objects.count()
    with transaction.atomic(), actor(users["eg_customs_editor"]):
        with audit.appended_at_end():
            first = audit.record("register.object.import", object_type="x", object_repr="«دينار» batch 1")
            second = audit.record("register.object.update", object_type="x", object_id=7, after={"titre": "Dinar fatimide"})
            assert AuditEntry.objects.count() == before  # nothing appended yet: no lock taken
        assert [e.action for e in AuditEntry.objects.order_by("seq")[before:]] == ["register.object.import", "register.object.update"]
    assert second.prev_hash == first.entry_hash and first.seq < second.seq
    assert first.at <= second.at and second.username == "eg_customs_editor"
    assert audit.verify_chain().ok


def test_held_entries_of_a_rolled_back_step_are_dropped(users, actor):
    before = AuditEntry.objects.count()
    with transaction.atomic(), actor(users["eg_customs_editor"]), audit.appended_at_end():
        audit.record("register.object.update", object_type="x", object_id=1)
        with pytest.raises(RuntimeError), audit.atomic():
            audit.record("register.object.update", object_type="x", object_id=2)
            raise RuntimeError("the second row's write failed after its entry")
        audit.record("register.object.update", object_type="x", object_id=3)
    assert list(AuditEntry.objects.order_by("seq")[before:].values_list("object_id", flat=True)) == ["1", "3"]
    assert audit.verify_chain().ok


def test_a_failing_block_appends_nothing(users, actor):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), actor(users["eg_customs_editor"]):
        with audit.appended_at_end():
            audit.record("register.object.import", object_type="x")
            raise RuntimeError("crash in the middle of an import")
    assert AuditEntry.objects.count() == before
    audit.record("register.object.view", object_type="x")  # outside the block, entries are appended at once again
    assert AuditEntry.objects.count() == before + 1


def test_an_inner_block_that_fails_drops_only_its_own_entries(users, actor):
    # A dry-run import inside another audited transaction: its savepoint and its entries go together.
    before = AuditEntry.objects.count()
    with transaction.atomic(), actor(users["eg_customs_editor"]), audit.appended_at_end():
        audit.record("register.object.update", object_type="x", object_id="outer-1")
        with pytest.raises(RuntimeError), transaction.atomic(), audit.appended_at_end():
            audit.record("register.object.import", object_type="x", object_id="inner-rolled-back")
            raise RuntimeError("dry run")
        audit.record("register.object.update", object_type="x", object_id="outer-2")
    assert list(AuditEntry.objects.order_by("seq")[before:].values_list("object_id", flat=True)) == [
        "outer-1", "outer-2"]
    assert audit.verify_chain().ok


def test_entries_are_held_back_only_inside_a_transaction(monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections["default"], "in_atomic_block", False)  # the wrapper, not the proxy
    with pytest.raises(transaction.TransactionManagementError), audit.appended_at_end():
        pass


def test_a_full_hold_is_appended_early_but_never_inside_a_step(users, actor, monkeypatch):
    monkeypatch.setattr(audit, "HELD_MAX", 2)
    before = AuditEntry.objects.count()
    with transaction.atomic(), actor(users["eg_customs_editor"]), audit.appended_at_end():
        audit.record("register.object.import", object_type="x", object_id="batch-1")
        audit.record("register.object.import", object_type="x", object_id="batch-2")
        assert AuditEntry.objects.count() == before + 2  # full: appended at the block's own level
        with audit.atomic():
            for k in range(3):
                audit.record("register.object.update", object_type="x", object_id=f"row-{k}")
            assert AuditEntry.objects.count() == before + 2  # not inside the step's savepoint
        assert AuditEntry.objects.count() == before + 5  # the step succeeded: full again, appended
        with pytest.raises(RuntimeError), audit.atomic():
            audit.record("register.object.update", object_type="x", object_id="failed-1")
            audit.record("register.object.update", object_type="x", object_id="failed-2")
            raise RuntimeError("a row that could not be written")
        audit.record("register.object.import", object_type="x", object_id="batch-3")
    numbers = list(AuditEntry.objects.order_by("seq")[before:].values_list("object_id", flat=True))
    assert numbers == ["batch-1", "batch-2", "row-0", "row-1", "row-2", "batch-3"]
    assert audit.verify_chain().ok
