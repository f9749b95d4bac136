"""Seizures: the lot, batch entry of its items, publication, and the possible matches of each item."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import ImageRejected, NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.importing import ImportReport
from turath.core.models import Role
from turath.core.permissions import WORK, Sharing, can_add, permits
from turath.register import services as register
from turath.register.images import add_image, check_image
from turath.register.models import CulturalObject, ObjectStatus

from ..models import (
    AlertSource,
    MatchDecision,
    ReportState,
    Seizure,
    SeizureItem,
    SeizureMatch,
)
from ..signals import seizure_date_changing
from .alerts import alert_match_confirmed, send_alerts
from .common import _check_version, _sharing, _snapshot, _text, _wider, not_before, parse_day


def _seizure_values(data: dict, errors: dict, *, instance: Seizure | None = None) -> dict:
    partial = instance is not None
    values: dict = {}
    if not partial or "seized_on" in data:
        values["seized_on"] = parse_day(data.get("seized_on"), "seized_on", errors, required=True)
    if not partial or "place" in data:
        values["place"] = _text(data, "place", 300)
        if not values["place"]:
            errors.setdefault("place", []).append(_("Required: where the seizure took place."))
    for key, limit in (("border_post", 200), ("carrier_reference", 120), ("declaration_reference", 120),
                       ("legal_basis", 300), ("declared_description", 20_000), ("observed_description", 20_000)):
        if not partial or key in data:
            values[key] = _text(data, key, limit)
    if not partial or "publish_sharing" in data:
        values["publish_sharing"] = _sharing(data.get("publish_sharing"), errors)
    return values


def create_seizure(user, data: dict) -> Seizure:
    if not can_add(user):
        raise NotPermitted(_("Your role may not add records."))
    errors: dict = {}
    values = _seizure_values(data, errors)
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        seizure = Seizure.objects.create(owning_agency=user.agency, sharing=Sharing.AGENCY, created_by=user, **values)
        audit.record("cases.seizure.create", seizure, after=_snapshot(seizure))
    return seizure


def update_seizure(user, seizure: Seizure, data: dict, *, expected_version=None) -> Seizure:
    with transaction.atomic():
        locked = Seizure.objects.restrict(user, WORK).select_for_update().filter(pk=seizure.pk).first()
        if locked is None:
            raise NotPermitted(_("Only the seizing agency works on this seizure."))
        _check_version(locked, expected_version)
        errors: dict = {}
        values = _seizure_values(data, errors, instance=locked)
        if "seized_on" in values:  # what came after the seizure (custody's entries) may refuse the new date
            seizure_date_changing.send(sender=Seizure, seizure=locked, seized_on=values["seized_on"], errors=errors)
        if errors:
            raise RecordInvalid(errors)
        before = _snapshot(locked)
        for key, value in values.items():
            setattr(locked, key, value)
        locked.version += 1
        locked.save()
        audit.record("cases.seizure.update", locked, before=before, after=_snapshot(locked))
    return locked


@dataclass
class BatchResult(ImportReport):
    """A batch of seized items, reported as every import is (core.importing): rows, created, failed,
    a RowError per broken row naming its fields; `items` are the SeizureItems created."""

    items: list = field(default_factory=list)


class BatchInvalid(Exception):
    """Nothing was created: at least one row is broken (see `.result.row_errors`)."""

    def __init__(self, result: BatchResult):
        super().__init__("; ".join(result.row_error_lines()))
        self.result = result


def _photo_bytes(photo) -> tuple[str, bytes] | None:
    if photo in (None, b"", ""):
        return None
    if isinstance(photo, tuple):
        return photo[0], photo[1]
    if isinstance(photo, (bytes, bytearray)):
        return "photo.jpg", bytes(photo)
    return getattr(photo, "name", "photo.jpg"), photo.read()


def _row_record(seizure: Seizure, line: int, row: dict, lang: str) -> dict:
    """The Object ID light record of one seized item."""
    # Not text (a list, an object) is passed on as it is, for validate_record to refuse by name.
    description, title = (v.strip() if isinstance(v, str) else v for v in (row.get("description") or "",
                                                                           row.get("title") or ""))
    count = row.get("count") if row.get("count") not in (None, "") else 1
    if not title and not description:
        description = _("Item %(line)s of seizure %(n)s (%(count)s pieces)") % {
            "line": line, "n": seizure.number, "count": count}
    return {
        "record_number": f"{seizure.owning_agency.code.upper()}-{seizure.number}-{line:03d}",
        "object_type": row.get("object_type"),
        "materials": row.get("materials") or row.get("material"),
        "title": title,
        "description": description,
        "language": row.get("language") or lang,
        "status": ObjectStatus.SEIZED,
        "sharing": Sharing.AGENCY,
        "place_of_discovery": seizure.place[:300],
        "current_holder": seizure.owning_agency.name_en[:300],
        "date_documented": seizure.seized_on.isoformat(),
        "origin_country": row.get("origin_country") or "",
    }


def add_items(user, seizure: Seizure, rows: list[dict], *, accept_valid: bool = False) -> BatchResult:
    """Batch entry: every row is checked first. A broken row is never silently dropped nor accepted:
    by default nothing is created and BatchInvalid names each row, field and reason; with
    `accept_valid=True` the valid rows are created and the result lists the others."""
    if not permits(user, WORK, seizure):
        raise NotPermitted(_("Only the seizing agency works on this seizure."))
    lang = getattr(user, "preferred_language", "en") or "en"
    result = BatchResult(rows=len(rows))
    start = (seizure.items.order_by("-line").values_list("line", flat=True).first() or 0) + 1
    checked = []
    for n, row in enumerate(rows, start=1):
        row_errors: dict[str, list[str]] = {}
        count = row.get("count")
        count = 1 if count in (None, "") else count
        try:
            count = int(str(count).strip())
            if count < 1 or count > 100_000:
                raise ValueError
        except ValueError:
            row_errors.setdefault("count", []).append(_("The number of pieces must be a whole number from 1."))
        record = _row_record(seizure, start + len(checked), row, lang)
        try:
            register.validate_record(record, user=user)
        except RecordInvalid as exc:
            for key, msgs in exc.errors.items():
                row_errors.setdefault(key, []).extend(str(m) for m in msgs)
        photo = None
        try:
            photo = _photo_bytes(row.get("photo"))
            if photo:
                check_image(photo[1], photo[0])
                if not user.has_role(Role.EDITOR):
                    row_errors.setdefault("photo", []).append(_("Only an editor attaches photographs."))
        except ImageRejected as exc:
            row_errors.setdefault("photo", []).append(str(exc))
        if row_errors:
            result.fail(n, row_errors)
        else:
            checked.append((record, count, photo))
    if result.failed and not accept_valid:
        raise BatchInvalid(result)
    with transaction.atomic():
        for line, (record, count, photo) in enumerate(checked, start=start):
            record["record_number"] = f"{seizure.owning_agency.code.upper()}-{seizure.number}-{line:03d}"
            obj = register.create_object(user, record)
            item = SeizureItem.objects.create(seizure=seizure, line=line, object=obj, count=count)
            if photo:
                add_image(user, obj, photo[1], photo[0])
            result.items.append(item)
        Seizure.objects.filter(pk=seizure.pk).update(version=seizure.version + 1)
        seizure.version += 1
        result.created, result.committed = len(result.items), True
        audit.record("cases.seizure.add_items", seizure, after={
            "created": [i.object.record_number for i in result.items],
            "rejected_rows": [e.row for e in result.row_errors]})
    return result


def publish_seizure(user, seizure: Seizure, *, expected_version=None) -> Seizure:
    with transaction.atomic():
        locked = Seizure.objects.restrict(user, "change").select_for_update().filter(pk=seizure.pk).first()
        if locked is None:
            raise NotPermitted(_("Only an editor of the seizing agency publishes a seizure."))
        _check_version(locked, expected_version)
        if locked.state == Seizure.State.PUBLISHED:
            raise TransitionNotAllowed(_("This seizure is already published."))
        if not locked.items.exists():
            raise RecordInvalid({"items": [_("Record the seized items first.")]})
        for item in locked.items.select_related("object"):
            if _wider(locked.publish_sharing, item.object.sharing):
                register.update_object(user, item.object, {"sharing": locked.publish_sharing})
        locked.state = Seizure.State.PUBLISHED
        locked.sharing = locked.publish_sharing
        locked.published_at = timezone.now()
        locked.version += 1
        locked.save()
        audit.record("cases.seizure.publish", locked, after={"sharing": locked.sharing})
        send_alerts(sender=locked.owning_agency, sharing=locked.sharing, source=AlertSource.SEIZURE, seizure=locked)
    return locked


def seizure_items(user, seizure: Seizure):
    """The lines of a lot that `user` may see, each with the possible matches the user may see
    (`item.matches.all()`): the one query behind the seizure page and the API."""
    return (SeizureItem.objects.restrict(user).filter(seizure=seizure).select_related("object__object_type")
            .prefetch_related(Prefetch("matches", queryset=SeizureMatch.objects.restrict(user)
                                       .select_related("candidate"))))


def _score_at_check(check, obj: CulturalObject) -> float:
    """The engine's score for `obj` among the check's candidates (0 if it was not one)."""
    return next((c.get("score", 0.0) for c in check.candidates if c.get("object") == obj.pk), 0.0)


def match_confirmed(user, obj: CulturalObject, check) -> SeizureMatch | None:
    """An officer confirmed at a check that `obj` is the object in front of them: alert the owning
    agency, and when the checked object is a seized item of the officer's agency, link the seizure
    to the record (source: the engine, with its score) and record the decision on that link."""
    alert_match_confirmed(user, obj, check)
    item = (SeizureItem.objects.select_related("seizure").filter(object_id=check.subject_id).first()
            if check.subject_id else None)
    if item is None or not permits(user, WORK, item.seizure):
        return None
    score = _score_at_check(check, obj)
    match = link_candidate(user, item, obj, score=score, source=SeizureMatch.Source.ENGINE,
                           note=f"check {check.uid}")
    return decide_match(user, match, MatchDecision.SAME, check.decision_note)


def recognised_at_check(user, record_number, check_uid):
    """The record (and the check) a seizure form was opened from, each only if `user` may see it;
    (None, None) otherwise, so the form names nothing the officer may not see."""
    from turath.matching.models import MatchCheck  # cases builds on matching

    obj = (CulturalObject.objects.restrict(user, "view").filter(record_number=str(record_number)[:64]).first()
           if record_number else None)
    check = None
    if obj is not None and check_uid:
        try:
            check = MatchCheck.objects.restrict(user, "view").filter(uid=str(check_uid)).first()
        except (ValueError, ValidationError):  # not a UUID
            check = None
    return obj, check


def seize_recognised_object(user, data: dict, obj: CulturalObject, *, check=None) -> Seizure:
    """A seizure started from a check's «Same object»: the seizure, its first item described from the
    register record it was recognised as, and that item linked to the record as the same object, all or
    nothing (a seizure never exists without the link the officer asked for)."""
    if not CulturalObject.objects.restrict(user, "view").filter(pk=obj.pk).exists():
        raise RecordInvalid({"record": [_("Unknown record.")]})
    score = _score_at_check(check, obj) if check else 0.0
    note = f"check {check.uid}" if check else ""
    row = {"object_type": obj.object_type.uri if obj.object_type_id else "",
           "materials": [m.uri for m in obj.materials.all()], "count": 1,
           "description": _("Recognised at an inspection as %(n)s.") % {"n": obj.record_number}}
    with transaction.atomic():
        seizure = create_seizure(user, data)
        try:
            item = add_items(user, seizure, [row]).items[0]
        except BatchInvalid as exc:
            raise RecordInvalid({"record": exc.result.row_error_lines()}) from None
        match = link_candidate(user, item, obj, score=score, note=note,
                               source=SeizureMatch.Source.ENGINE if check else SeizureMatch.Source.MANUAL)
        decide_match(user, match, MatchDecision.SAME, note)
    return seizure


def link_candidate(user, item: SeizureItem, candidate: CulturalObject, *, score: float = 0.0,
                   source: str = SeizureMatch.Source.MANUAL, note: str = "") -> SeizureMatch:
    """Link a possible match (from the matching engine or an officer) to a seized item; linking
    the same pair again updates the score of the existing link."""
    if not permits(user, WORK, item.seizure):
        raise NotPermitted(_("Only the seizing agency works on this seizure."))
    if not CulturalObject.objects.restrict(user, "view").filter(pk=candidate.pk).exists():
        raise RecordInvalid({"candidate": [_("Unknown record.")]})
    if source not in SeizureMatch.Source.values:
        raise RecordInvalid({"source": [_("Unknown source.")]})
    with transaction.atomic():
        match, created = SeizureMatch.objects.get_or_create(
            item=item, candidate=candidate,
            defaults={"score": score, "source": source, "note": note[:2000], "linked_by": user})
        if not created and score > match.score:
            SeizureMatch.objects.filter(pk=match.pk).update(score=score)
            match.score = score
        audit.record("cases.seizure.match", item.seizure, after={"item": item.object.record_number,
                                                                 "candidate": candidate.record_number, "score": score})
    return match


def decide_match(user, match: SeizureMatch, decision: str, note: str = "") -> SeizureMatch:
    if not permits(user, WORK, match.item.seizure):
        raise NotPermitted(_("Only the seizing agency works on this seizure."))
    if decision not in MatchDecision.values:
        raise RecordInvalid({"decision": [_("Unknown decision.")]})
    if decision == MatchDecision.SAME:
        errors: dict = {}
        theft = match.candidate.reports.filter(state=ReportState.PUBLISHED).order_by("occurred_on").first()
        if theft:
            # The story must hold: a seized object cannot be one stolen after the seizure.
            not_before(match.item.seizure.seized_on, theft.occurred_on, "decision", errors, _("the theft"))
        if errors:
            raise RecordInvalid(errors)
    with transaction.atomic():
        SeizureMatch.objects.filter(pk=match.pk).update(decision=decision, decided_by=user, decided_at=timezone.now(),
                                                        note=note[:2000] or match.note)
        audit.record("cases.seizure.decide_match", match.item.seizure,
                     after={"candidate": match.candidate.record_number, "decision": decision})
    match.refresh_from_db()
    return match
