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

from .context import get_actor
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 7_301_2024  # PostgreSQL advisory lock that serialises appends to the chain
# Entries held back by appended_at_end() (None outside it).
_held: contextvars.ContextVar[list | None] = contextvars.ContextVar("turath_audit_held", default=None)


def _jsonable(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _digest(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _content(entry: AuditEntry) -> dict:
    at = entry.at.astimezone(datetime.UTC) if timezone.is_aware(entry.at) else entry.at
    return {
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
            entry.save()


def record(action: str, obj=None, *, object_type: str = "", object_id="", object_repr: str = "",
           before=None, after=None, user=None) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so a rolled-back change leaves no entry.
    Inside appended_at_end() the entry is held back (unsaved) and appended when that block ends."""
    entry = _entry(action, obj, object_type, object_id, object_repr, before, after, user)
    held = _held.get()
    if held is not None:
        held.append(entry)
    else:
        _append([entry])
    return entry


@contextmanager
def appended_at_end():
    """Hold back the entries recorded in this block and append them, chained, when it ends without error.

    Appending takes a lock (on PostgreSQL) that lasts until the transaction commits, because the chain
    has one end. A long transaction that appended early, such as an import of thousands of rows, would
    hold it for minutes, and every other audited action in the register (an edit, a view of a non-public
    record) would wait. Inside this block the lock is taken only at the end, just before the commit.
    Use it inside the transaction.atomic() whose changes the entries describe; the entries keep the time
    of their action. If the block raises, the held entries are dropped with the transaction.
    """
    if _held.get() is not None:  # nested: the outer block appends
        yield
        return
    held: list[AuditEntry] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    if held:
        _append(held)


@contextmanager
def atomic():
    """transaction.atomic() that also drops the entries held back inside it when it rolls back (an
    exception leaving the block), as the savepoint's rollback would have removed saved entries."""
    held = _held.get()
    mark = len(held) if held is not None else 0
    try:
        with transaction.atomic():
            yield
    except BaseException:
        if held is not None:
            del held[mark:]
        raise


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
