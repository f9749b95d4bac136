"""The append-only, hash-chained audit log: record and verify."""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .context import get_actor
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 7_301_2024  # PostgreSQL advisory lock that serialises appends to the chain


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


def record(action: str, obj=None, *, object_type: str = "", object_id="", object_repr: str = "",
           before=None, after=None, user=None) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so a rolled-back change leaves no entry."""
    actor = get_actor()
    user = user if user is not None else actor.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        prev = AuditEntry.objects.order_by("-seq").values_list("entry_hash", flat=True).first() or GENESIS
        entry = AuditEntry(
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
            prev_hash=prev,
        )
        entry.entry_hash = _digest(_content(entry))
        entry.save()
    return entry


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
