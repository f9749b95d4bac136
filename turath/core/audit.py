"""The append-only, hash-chained audit log: record and verify."""

import contextvars
import datetime
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .audit_names import in_scheme
from .context import get_actor
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 7_301_2024  # PostgreSQL advisory lock that serialises appends to the chain
# Entries held back by appended_at_end() (None outside it).
_held: contextvars.ContextVar["_Held | None"] = contextvars.ContextVar("turath_audit_held", default=None)
HELD_MAX = 10_000  # entries held back at most (memory: an update's entry holds the record before and after)


def _jsonable(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _digest(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _content(entry: AuditEntry) -> dict:
    at = entry.at.astimezone(datetime.UTC) if timezone.is_aware(entry.at) else entry.at
    content = {
        "at": at.isoformat(),
        "user": entry.user_id_ref,
        "username": entry.username,
        "agency": entry.agency_code,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "prev": entry.prev_hash,
    }
    if entry.client_request_id:  # added later: entries without one keep the hash they were chained with
        content["client_request_id"] = entry.client_request_id
    return content


def _entry(action, obj, object_type, object_id, object_repr, before, after, user) -> AuditEntry:
    actor = get_actor()
    user = user if user is not None else actor.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    return AuditEntry(
        at=timezone.now(),
        user_id_ref=getattr(user, "pk", None),
        username=getattr(user, "username", "") or ("system" if user is None else ""),
        agency_code=getattr(getattr(user, "agency", None), "code", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        object_repr=(object_repr or "")[:300],
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=actor.request_id,
        client_request_id=getattr(actor, "client_request_id", "") or None,
    )


def _append(entries: list[AuditEntry]):
    """Chain and save entries, in order, at the end of the log."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Held until the caller's transaction ends: the next appender must see these entries as the end.
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        prev = AuditEntry.objects.order_by("-seq").values_list("entry_hash", flat=True).first() or GENESIS
        for entry in entries:
            entry.prev_hash = prev
            entry.entry_hash = prev = _digest(_content(entry))
        AuditEntry.objects.bulk_create(entries, batch_size=1000)  # seq follows the list's order


class _Held:
    """The entries an appended_at_end() block holds back, and the savepoint depth it was entered at."""

    def __init__(self):
        self.entries: list[AuditEntry] = []
        self.depth = len(connection.savepoint_ids)
        self.nested = 0  # open inner appended_at_end() blocks

    def append_if_full(self):
        # Only at the block's own level (no savepoint, no inner block open): entries appended inside a
        # savepoint that later rolls back would vanish although the changes of the earlier ones stay.
        if len(self.entries) >= HELD_MAX and not self.nested and len(connection.savepoint_ids) == self.depth:
            _append(self.entries)
            self.entries.clear()


def record(action: str, obj=None, *, object_type: str = "", object_id="", object_repr: str = "",
           before=None, after=None, user=None) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so a rolled-back change leaves no entry.
    Inside appended_at_end() the entry is held back (unsaved) and appended when that block ends.
    `action` is named app.model.verb (core.audit_names); any other name is refused before anything is written."""
    if not in_scheme(action):
        raise ValueError(f"audit action {action!r} is not named app.model.verb (see core/audit_names.py)")
    entry = _entry(action, obj, object_type, object_id, object_repr, before, after, user)
    held = _held.get()
    if held is not None:
        held.entries.append(entry)
        held.append_if_full()
    else:
        _append([entry])
    return entry


@contextmanager
def appended_at_end():
    """Hold back the entries recorded in this block and append them, chained, when it ends without error.

    Appending takes a lock (on PostgreSQL) that lasts until the transaction commits, because the chain
    has one end. A long transaction that appended early, such as an import of thousands of rows, would
    hold it for minutes, and every other audited action in the register (an edit, a view of a non-public
    record) would wait. Inside this block the lock is taken only at the end, after the deferred
    foreign-key checks, just before the commit (or earlier if HELD_MAX entries pile up).

    Use it inside the transaction.atomic() whose changes the entries describe. If the block raises, the
    entries held back inside it are dropped. A step inside it that may fail while the block goes on must
    use audit.atomic(), not transaction.atomic(), so that its entries are dropped with its savepoint.
    Entries keep the time of their action (`at`); the chain's order is `seq`, the order of appending.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "audit.appended_at_end() needs the transaction of the changes it audits (transaction.atomic()).")
    outer = _held.get()
    if outer is not None:  # nested: the outer block appends; a failure drops what was held back in here
        mark = len(outer.entries)
        outer.nested += 1
        try:
            yield
        except BaseException:
            del outer.entries[mark:]
            raise
        finally:
            outer.nested -= 1
        return
    held = _Held()
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    if held.entries:
        if connection.vendor == "postgresql":
            connection.check_constraints()  # the deferred foreign-key checks, before the lock rather than under it
        _append(held.entries)


@contextmanager
def atomic():
    """transaction.atomic() that also drops the entries held back inside it when it rolls back (an
    exception leaving the block), as the savepoint's rollback would have removed saved entries."""
    held = _held.get()
    mark = len(held.entries) if held is not None else 0
    try:
        with transaction.atomic():
            yield
    except BaseException:
        if held is not None:
            del held.entries[mark:]
        raise
    if held is not None:
        held.append_if_full()


@dataclass
class ChainReport:
    checked: int
    first_broken: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_chain(progress=None) -> ChainReport:
    """Recompute every hash in order; name the first entry whose content or link does not hold."""
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.seq, "link to the previous entry is broken (an entry was removed or reordered)")
        if _digest(_content(entry)) != entry.entry_hash:
            return ChainReport(checked, entry.seq, "content does not match its hash (the entry was altered)")
        prev = entry.entry_hash
        checked += 1
        if progress:
            progress(1)
    return ChainReport(checked)
