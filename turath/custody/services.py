"""Custody of confiscated objects: facilities, entry, movements, transfers, condition, exit.

Every write appends to the chain (never updates it), refreshes the object's Holding from the
chain and goes to the audit log. Who may write: contributors of the agency that has custody.
"""

import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from turath.cases.models import ReportState, Seizure
from turath.cases.services import not_before
from turath.core import audit
from turath.core.errors import ImageRejected, NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import Agency, Role
from turath.core.parsing import LONG_TEXT, moment_of_day, parse_id, text_problem
from turath.core.permissions import agency_of, agency_reader
from turath.register import services as register
from turath.register.images import check_image
from turath.register.models import STATUS_TRANSITIONS, CulturalObject, ObjectStatus

from .models import (
    ConditionCheck,
    ConditionGrade,
    ConditionPhoto,
    CustodyTransfer,
    ExitKind,
    Holding,
    Location,
    Movement,
    ObjectEntry,
    ObjectExit,
    StorageFacility,
    TransferAck,
)

EXIT_STATUS = {ExitKind.RESTITUTION: ObjectStatus.RESTITUTED, ExitKind.RETURN_TO_OWNER: ObjectStatus.RETURNED,
               ExitKind.COURT_RELEASE: ObjectStatus.RETURNED}


# ---------------------------------------------------------------- helpers

def _agency(user, role=Role.CONTRIBUTOR) -> Agency:
    agency = agency_of(user)
    if agency is None or not user.has_role(role):
        raise NotPermitted(_("Your role may not do this."))
    return agency


def parse_moment(value, field_name: str, errors: dict, *, required: bool = True) -> datetime | None:
    """A date and time (or a date: ``moment_of_day``), aware, never in the future."""
    if value in (None, ""):
        if required:
            errors.setdefault(field_name, []).append(_("Required."))
        return None
    if not isinstance(value, datetime):
        text = str(value).strip()
        parsed = parse_datetime(text.replace(" ", "T")) if len(text) > 10 else None
        if parsed is None:
            try:
                day = date.fromisoformat(text[:10])
            except ValueError:
                errors.setdefault(field_name, []).append(_("Use the form YYYY-MM-DD or YYYY-MM-DDTHH:MM."))
                return None
            parsed = moment_of_day(day)
        value = parsed
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + timedelta(minutes=5):  # a little clock skew between devices
        errors.setdefault(field_name, []).append(_("The date is in the future."))
    return value


def _not_before(value, floor, field_name, errors, what):
    """Custody events are ordered to the minute; the theft and seizure are known to the day."""
    if value is None or floor is None:
        return
    if isinstance(floor, datetime):
        if value < floor:
            errors.setdefault(field_name, []).append(
                _("The date is before %(what)s (%(date)s).")
                % {"what": what, "date": timezone.localtime(floor).strftime("%Y-%m-%d %H:%M")})
        return
    not_before(value, floor, field_name, errors, what)


def _raise(errors):
    if errors:
        raise RecordInvalid(errors)


def _text(data, key, limit=LONG_TEXT, required=False, errors=None):
    problem = text_problem(data.get(key), max_length=limit)
    if problem:
        raise RecordInvalid({key: [problem]})
    value = str(data.get(key) or "").strip()
    if required and not value and errors is not None:
        errors.setdefault(key, []).append(_("Required."))
    return value[:limit] if limit else value


def story_floor(obj: CulturalObject):
    """The earliest a custody event may be: after the theft and after the seizure."""
    dates = list(obj.reports.filter(state=ReportState.PUBLISHED).values_list("occurred_on", flat=True))
    item = getattr(obj, "seizure_item", None) if hasattr(obj, "seizure_item") else None
    if item is not None:
        dates.append(item.seizure.seized_on)
    return max(dates) if dates else None


def _effective(model, obj):
    """Rows of one chain table for an object, without those superseded by a correction."""
    return model.objects.filter(object=obj, corrections__isnull=True)


def _rebuild_holding(obj: CulturalObject) -> Holding | None:
    """Replay the chain (corrections applied) into the object's current whereabouts."""
    events = []
    for e in _effective(ObjectEntry, obj):
        events.append((e.at, e.recorded, 0, "entry", e))
    for m in _effective(Movement, obj):
        events.append((m.at, m.recorded, 1, "move", m))
    for t in _effective(CustodyTransfer, obj):
        done = t.acknowledgements.filter(kind=TransferAck.Kind.COMPLETED).first()
        if done:
            events.append((done.at, done.at, 2, "transfer", t))
    for x in _effective(ObjectExit, obj):
        events.append((x.at, x.recorded, 3, "exit", x))
    events.sort(key=lambda e: e[:3])
    state = None
    for at, _rec, _order, kind, row in events:
        if kind == "entry":
            state = {"custodian": row.agency, "location": row.location, "entry": row, "exited": None, "since": at}
        elif state is None:
            continue
        elif kind == "move":
            state.update(location=row.to_location, since=at)
        elif kind == "transfer":
            state.update(custodian=row.to_agency, since=at)
        else:
            state.update(exited=row, since=at)
    if state is None:
        Holding.objects.filter(object=obj).delete()
        return None
    holding, _ = Holding.objects.update_or_create(object=obj, defaults=state)
    return holding


def _holding_for(user, obj: CulturalObject) -> Holding:
    """The object's holding, if it is in the user's agency's custody now."""
    holding = Holding.objects.filter(object=obj).select_related("entry", "location__facility").first()
    if holding is None or holding.custodian_id != user.agency_id:
        raise NotPermitted(_("This object is not in your agency's custody."))
    if not holding.in_custody:
        raise TransitionNotAllowed(_("This object has left custody (exit recorded); record a new entry first."))
    return holding


def _try_status(user, obj, to_status, note):
    """Keep the register's status in step where the user may change the record; the custody chain
    is the record either way."""
    obj = CulturalObject.objects.get(pk=obj.pk)
    if obj.status == to_status or to_status not in STATUS_TRANSITIONS.get(obj.status, ()):
        return
    if not CulturalObject.objects.restrict(user, "change").filter(pk=obj.pk).exists():
        return
    register.change_status(user, obj, to_status, note)


def _resolve_location(user, value, field_name, errors, unknown=None) -> Location | None:
    """A location the user may see (its own agency's); others do not exist for the user."""
    if isinstance(value, Location):
        value = value.pk
    if value in (None, ""):
        errors.setdefault(field_name, []).append(_("Required."))
        return None
    loc = Location.objects.restrict(user).select_related("facility").filter(pk=parse_id(str(value)) or 0).first()
    if loc is None:
        errors.setdefault(field_name, []).append(unknown or _("Unknown location."))
    return loc


# ---------------------------------------------------------------- facilities

def create_facility(user, data: dict) -> StorageFacility:
    agency = _agency(user, Role.EDITOR)
    errors: dict = {}
    code = _text(data, "code", 40, True, errors).lower()
    name = _text(data, "name", 200, True, errors)
    if code and StorageFacility.objects.filter(agency=agency, code=code).exists():
        errors.setdefault("code", []).append(_("A facility with this code already exists."))
    _raise(errors)
    with transaction.atomic():
        facility = StorageFacility.objects.create(agency=agency, code=code, name=name,
                                                  address=_text(data, "address", 300))
        audit.record("custody.facility.create", facility, after={"code": code, "name": name})
    return facility


def add_location(user, facility: StorageFacility, code: str, name: str = "") -> Location:
    """A location by its path (building/room/shelf); missing parents are created on the way."""
    agency = _agency(user, Role.EDITOR)
    if facility.agency_id != agency.pk:
        raise NotPermitted(_("Locations are added to your own agency's facilities."))
    parts = [p.strip() for p in str(code or "").strip().strip("/").split("/") if p.strip()]
    if not parts or any(len(p) > 40 for p in parts):
        raise RecordInvalid({"code": [_("Give a path such as B1/R2/S3 (at most 40 characters per level).")]})
    parent = None
    with transaction.atomic():
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            loc, created = Location.objects.get_or_create(
                facility=facility, code=path,
                defaults={"parent": parent, "name": name[:200] if depth == len(parts) else ""})
            if created:
                audit.record("custody.location.create", loc, after={"facility": facility.code, "code": path})
            parent = loc
    return parent


# ---------------------------------------------------------------- entry

def _next_entry_number(agency: Agency, at: datetime) -> str:
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # serialise numbering per agency
    prefix = f"{agency.code.upper()}-E{at.year}-"
    last = (ObjectEntry.objects.filter(entry_number__startswith=prefix).order_by("-entry_number")
            .values_list("entry_number", flat=True).first())
    n = int(last.rsplit("-", 1)[-1]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def enter_object(user, obj: CulturalObject, data: dict, *, corrects: ObjectEntry | None = None) -> ObjectEntry:
    """SPECTRUM object entry: the object comes into the agency's custody at a location."""
    agency = _agency(user)
    errors: dict = {}
    at = parse_moment(data.get("at"), "at", errors)
    _not_before(at, story_floor(obj), "at", errors, _("the theft or seizure"))
    location = _resolve_location(user, data.get("location"), "location", errors)
    if location is not None and location.facility.agency_id != agency.pk:
        errors.setdefault("location", []).append(_("Unknown location."))
    reason = data.get("reason") or ObjectEntry.Reason.SEIZURE
    if reason not in ObjectEntry.Reason.values:
        errors.setdefault("reason", []).append(_("Unknown reason."))
    holding = Holding.objects.filter(object=obj).first()
    if corrects is None and holding is not None and holding.in_custody:
        # Name the entry only to whoever may see it (the custodian): others learn nothing of it.
        mine = Holding.objects.permits(user, "view", holding)
        errors.setdefault("object", []).append(
            _("This object is already in custody (entry %(n)s).") % {"n": holding.entry.entry_number} if mine
            else _("This object is already in another agency's custody."))
    if corrects is not None and corrects.agency_id != agency.pk:
        raise NotPermitted(_("An entry is corrected by the agency that recorded it."))
    seizure = data.get("seizure")
    if seizure is not None and not hasattr(seizure, "pk"):
        seizure = Seizure.objects.restrict(user).filter(pk=int(seizure) if str(seizure).isdigit() else 0).first()
    if seizure is None and hasattr(obj, "seizure_item"):
        seizure = obj.seizure_item.seizure
    _raise(errors)
    with transaction.atomic():
        entry = ObjectEntry.objects.create(
            object=obj, agency=agency, at=at, note=_text(data, "note"), corrects=corrects, recorded_by=user,
            entry_number=corrects.entry_number + "-C" + str(corrects.corrections.count() + 1) if corrects
            else _next_entry_number(agency, at),
            reason=reason, location=location, depositor=_text(data, "depositor", 300), seizure=seizure)
        _rebuild_holding(obj)
        audit.record("custody.entry.record", entry, after={"object": obj.record_number, "location": str(location),
                                                           "at": at, "corrects": getattr(corrects, "pk", None)})
        # The register's history is read by everyone who sees the record: it does not name the entry,
        # which only the custodian sees.
        _try_status(user, obj, ObjectStatus.IN_CUSTODY, _("Object entry into custody"))
    return entry


# ---------------------------------------------------------------- movement

def move_object(user, obj: CulturalObject, data: dict, *, corrects: Movement | None = None) -> Movement:
    """Location and movement control. The target must be a location of the custodian agency:
    moving into another agency's facility takes a completed transfer of custody first."""
    _agency(user)
    holding = _holding_for(user, obj)
    errors: dict = {}
    at = parse_moment(data.get("at"), "at", errors)
    _not_before(at, holding.since, "at", errors, _("the last recorded custody event"))
    # Another agency's location does not exist for the user: the message explains without saying
    # whether it exists.
    target = _resolve_location(user, data.get("to_location"), "to_location", errors, _(
        "Unknown location: a move stays within your agency's facilities; moving elsewhere takes a completed "
        "transfer of custody first."))
    for key, limit in (("moved_by", 200), ("reason", 300), ("authorised_by", 200)):
        _text(data, key, limit, True, errors)
    _raise(errors)
    with transaction.atomic():
        move = Movement.objects.create(
            object=obj, agency=holding.custodian, at=at, note=_text(data, "note"), corrects=corrects,
            recorded_by=user, from_location=holding.location, to_location=target,
            moved_by=_text(data, "moved_by", 200), reason=_text(data, "reason", 300),
            authorised_by=_text(data, "authorised_by", 200))
        _rebuild_holding(obj)
        audit.record("custody.move.record", move, after={"object": obj.record_number, "from": str(holding.location),
                                                         "to": str(target), "at": at})
    return move


# ---------------------------------------------------------------- transfer of custody

def request_transfer(user, obj: CulturalObject, to_agency: Agency, data: dict) -> CustodyTransfer:
    holding = _holding_for(user, obj)
    errors: dict = {}
    at = parse_moment(data.get("at") or timezone.now(), "at", errors)
    _not_before(at, holding.entry.at, "at", errors, _("the object's entry into custody"))
    if to_agency is None or to_agency.pk == holding.custodian_id:
        errors.setdefault("to_agency", []).append(_("Choose another agency."))
    reason = _text(data, "reason", 300, True, errors)
    pending = CustodyTransfer.objects.filter(object=obj, corrections__isnull=True).exclude(
        acknowledgements__kind__in=[TransferAck.Kind.COMPLETED, TransferAck.Kind.DECLINED])
    if pending.exists():
        errors.setdefault("object", []).append(_("A transfer of this object is already under way."))
    _raise(errors)
    with transaction.atomic():
        transfer = CustodyTransfer.objects.create(object=obj, agency=holding.custodian, at=at, to_agency=to_agency,
                                                  reason=reason, note=_text(data, "note"), recorded_by=user)
        audit.record("custody.transfer.request", transfer, after={"object": obj.record_number,
                                                                  "to": to_agency.code})
    return transfer


TRANSFER_ACTIONS = {TransferAck.Kind.ACKNOWLEDGED: "custody.transfer.acknowledge",
                    TransferAck.Kind.DECLINED: "custody.transfer.decline",
                    TransferAck.Kind.COMPLETED: "custody.transfer.complete"}


def _ack(user, transfer, kind, note=""):
    with transaction.atomic():
        try:
            ack = TransferAck.objects.create(transfer=transfer, kind=kind, agency=user.agency, by=user,
                                             at=timezone.now(), note=note[:2000])
        except IntegrityError:
            raise TransitionNotAllowed(_("This step of the transfer is already recorded.")) from None
        if kind == TransferAck.Kind.COMPLETED:
            _rebuild_holding(transfer.object)
        audit.record(TRANSFER_ACTIONS[kind], transfer, after={"object": transfer.object.record_number,
                                                             "agency": user.agency.code})
    return ack


def acknowledge_transfer(user, transfer: CustodyTransfer, *, accept: bool = True, note: str = "") -> TransferAck:
    """The receiving agency accepts (or declines) the transfer."""
    agency = _agency(user, Role.EDITOR)
    if transfer.to_agency_id != agency.pk:
        raise NotPermitted(_("Only the receiving agency acknowledges a transfer."))
    if transfer.state != "requested":
        raise TransitionNotAllowed(_("This transfer is no longer awaiting acknowledgement."))
    return _ack(user, transfer, TransferAck.Kind.ACKNOWLEDGED if accept else TransferAck.Kind.DECLINED, note)


def complete_transfer(user, transfer: CustodyTransfer, note: str = "") -> TransferAck:
    """The sender confirms the handover; only now does custody pass to the receiver."""
    agency = _agency(user, Role.EDITOR)
    if transfer.agency_id != agency.pk:
        raise NotPermitted(_("Only the sending agency confirms the handover."))
    if transfer.state != TransferAck.Kind.ACKNOWLEDGED:
        raise TransitionNotAllowed(_("The receiving agency has not acknowledged this transfer."))
    _holding_for(user, transfer.object)
    return _ack(user, transfer, TransferAck.Kind.COMPLETED, note)


# ---------------------------------------------------------------- condition

def check_condition(user, obj: CulturalObject, data: dict, *, photos=(),
                    corrects: ConditionCheck | None = None) -> ConditionCheck:
    holding = _holding_for(user, obj)
    errors: dict = {}
    at = parse_moment(data.get("at"), "at", errors)
    _not_before(at, holding.entry.at, "at", errors, _("the object's entry into custody"))
    grade = data.get("grade")
    if grade not in ConditionGrade.values:
        errors.setdefault("grade", []).append(_("Choose good, fair, poor or critical."))
    checked_by = _text(data, "checked_by", 200, True, errors)
    due = data.get("next_check_due")
    if due not in (None, ""):
        try:
            due = due if isinstance(due, date) else date.fromisoformat(str(due)[:10])
            if at and due <= at.date():
                errors.setdefault("next_check_due", []).append(_("The next check is due after this one."))
        except ValueError:
            errors.setdefault("next_check_due", []).append(_("Use the form YYYY-MM-DD."))
    else:
        due = None
    checked_photos = []
    for name, data_bytes in photos:
        try:
            checked_photos.append(check_image(data_bytes, name))
        except ImageRejected as exc:
            errors.setdefault("photos", []).append(str(exc))
    _raise(errors)
    with transaction.atomic():
        check = ConditionCheck.objects.create(object=obj, agency=holding.custodian, at=at, grade=grade,
                                              checked_by=checked_by, next_check_due=due,
                                              note=_text(data, "note"), corrects=corrects, recorded_by=user)
        for photo in checked_photos:
            p = ConditionPhoto(condition_check=check, sha256=photo.sha256, mime=photo.mime)
            p.file.save(f"{photo.sha256}.jpg", ContentFile(photo.data), save=False)
            p.save()
        audit.record("custody.condition.record", check, after={"object": obj.record_number, "grade": grade, "at": at,
                                                               "photos": [p.sha256 for p in checked_photos]})
    return check


# ---------------------------------------------------------------- exit

def exit_object(user, obj: CulturalObject, data: dict, *, restitution=None,
                corrects: ObjectExit | None = None) -> ObjectExit:
    """SPECTRUM object exit. A second exit of an object that has not re-entered is refused."""
    holding = Holding.objects.filter(object=obj).select_related("entry").first()
    if holding is not None and not holding.in_custody and corrects is None and holding.custodian_id == user.agency_id:
        raise TransitionNotAllowed(
            _("This object already left custody on %(d)s; it cannot leave twice.")
            % {"d": holding.exited.at.date().isoformat()})
    if corrects is None:
        holding = _holding_for(user, obj)
    errors: dict = {}
    at = parse_moment(data.get("at"), "at", errors)
    _not_before(at, holding.since if corrects is None else holding.entry.at, "at", errors,
                _("the last recorded custody event"))
    kind = data.get("kind")
    if kind not in ExitKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of exit."))
    recipient = _text(data, "recipient", 300, True, errors)
    authorised_by = _text(data, "authorised_by", 200, True, errors)
    _raise(errors)
    with transaction.atomic():
        row = ObjectExit.objects.create(object=obj, agency=holding.custodian, at=at, kind=kind, recipient=recipient,
                                        authorised_by=authorised_by, reference=_text(data, "reference", 200),
                                        restitution=restitution, note=_text(data, "note"), corrects=corrects,
                                        recorded_by=user)
        _rebuild_holding(obj)
        audit.record("custody.exit.record", row, after={"object": obj.record_number, "kind": kind,
                                                        "recipient": recipient, "at": at})
        if kind in EXIT_STATUS:
            _try_status(user, obj, EXIT_STATUS[kind], _("Object exit: %(k)s") % {"k": ExitKind(kind).label})
    return row


# ---------------------------------------------------------------- corrections

CORRECTABLE = {ObjectEntry: enter_object, Movement: move_object, ConditionCheck: check_condition,
               ObjectExit: exit_object}


def correct(user, row, data: dict):
    """A correction is a new entry that references the one it corrects; the original stays."""
    if row.agency_id != getattr(user, "agency_id", None):
        raise NotPermitted(_("An entry is corrected by the agency that recorded it."))
    if row.corrections.exists():
        raise TransitionNotAllowed(_("This entry was already corrected; correct the correction."))
    fields = {f.name: getattr(row, f.name) for f in row._meta.concrete_fields
              if f.name not in ("id", "recorded", "recorded_by", "corrects", "object", "agency", "entry_number")}
    fields = {k: (v.pk if hasattr(v, "pk") else v) for k, v in fields.items()}
    fields.update(data)
    service = CORRECTABLE[type(row)]
    if isinstance(row, Movement):
        # The correction replaces the movement: check it from where the object was before it.
        with transaction.atomic():
            return _correct_movement(user, row, fields)
    if isinstance(row, ObjectExit):
        return exit_object(user, row.object, fields, restitution=row.restitution, corrects=row)
    return service(user, row.object, fields, corrects=row)


def _correct_movement(user, row, fields):
    errors: dict = {}
    at = parse_moment(fields.get("at"), "at", errors)
    target = _resolve_location(user, fields.get("to_location"), "to_location", errors)
    holding = Holding.objects.get(object=row.object)
    if target is not None and target.facility.agency_id != holding.custodian_id:
        errors.setdefault("to_location", []).append(
            _("This location belongs to another agency: a transfer of custody must be completed first."))
    _raise(errors)
    move = Movement.objects.create(
        object=row.object, agency=row.agency, at=at, note=str(fields.get("note") or ""), corrects=row,
        recorded_by=user, from_location=row.from_location, to_location=target,
        moved_by=str(fields.get("moved_by") or "")[:200], reason=str(fields.get("reason") or "")[:300],
        authorised_by=str(fields.get("authorised_by") or "")[:200])
    _rebuild_holding(row.object)
    audit.record("custody.move.correct", move, after={"corrects": row.pk, "to": str(target)})
    return move


# ---------------------------------------------------------------- reading

@dataclass
class ChainItem:
    at: datetime
    kind: str
    summary: str
    row: object
    corrected: bool


def chain(user, obj: CulturalObject) -> list[ChainItem]:
    """The custody chain of an object as the user may see it, oldest first, corrections included."""
    items = []
    for e in ObjectEntry.objects.restrict(user).filter(object=obj).select_related("location__facility"):
        items.append(ChainItem(e.at, "entry", _("Entry %(n)s at %(l)s") % {"n": e.entry_number, "l": e.location}, e,
                               e.corrections.exists()))
    for m in Movement.objects.restrict(user).filter(object=obj).select_related("from_location", "to_location"):
        items.append(ChainItem(m.at, "movement", _("Moved from %(a)s to %(b)s by %(who)s (%(why)s)")
                               % {"a": m.from_location or "—", "b": m.to_location, "who": m.moved_by, "why": m.reason},
                               m, m.corrections.exists()))
    for t in CustodyTransfer.objects.restrict(user).filter(object=obj).select_related("agency", "to_agency"):
        items.append(ChainItem(t.at, "transfer", _("Transfer of custody from %(a)s to %(b)s: %(s)s")
                               % {"a": t.agency.code, "b": t.to_agency.code, "s": t.state}, t, t.corrections.exists()))
    for c in ConditionCheck.objects.restrict(user).filter(object=obj):
        items.append(ChainItem(c.at, "condition", _("Condition: %(g)s (%(who)s)")
                               % {"g": c.get_grade_display(), "who": c.checked_by}, c, c.corrections.exists()))
    for x in ObjectExit.objects.restrict(user).filter(object=obj):
        items.append(ChainItem(x.at, "exit", _("Exit: %(k)s to %(r)s") % {"k": x.get_kind_display(),
                                                                           "r": x.recipient}, x,
                               x.corrections.exists()))
    items.sort(key=lambda i: (i.at, i.row.pk))
    return items


def holdings_by_facility(agency: Agency) -> list[tuple[str, int]]:
    counts = Counter(Holding.objects.restrict(agency_reader(agency)).filter(exited__isnull=True).values_list(
        "location__facility__name", flat=True))
    return sorted(((name or _("(location unknown)"), n) for name, n in counts.items()), key=lambda kv: kv[0])


def overdue_checks(agency: Agency, today=None) -> list[dict]:
    """Objects in the agency's custody whose latest condition check has a due date that has passed."""
    today = today or timezone.localdate()
    reader = agency_reader(agency)
    out = []
    for holding in Holding.objects.restrict(reader).filter(exited__isnull=True).select_related("object", "location"):
        latest = (ConditionCheck.objects.restrict(reader).filter(object=holding.object, corrections__isnull=True)
                  .order_by("-at", "-id").first())
        if latest and latest.next_check_due and latest.next_check_due < today:
            out.append({"object": holding.object, "due": latest.next_check_due, "grade": latest.grade,
                        "location": holding.location})
    return sorted(out, key=lambda d: d["due"])


def visible_holdings(user):
    return Holding.objects.restrict(user).select_related("object", "location__facility", "entry")


def label_qr_svg(url: str) -> str:
    """The QR code of the record's address, as an SVG fragment for the printable label."""
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    img.save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]  # drop the XML declaration: the SVG is inlined in HTML


def photo_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def facilities_for(user):
    return StorageFacility.objects.restrict(user)


def locations_for(user):
    return Location.objects.restrict(user).select_related("facility")


def entries_for(user):
    return ObjectEntry.objects.restrict(user).select_related("object", "location__facility")


def transfers_for(user):
    agency = agency_of(user)
    ag = agency.pk if agency else None
    return CustodyTransfer.objects.restrict(user).filter(Q(agency_id=ag) | Q(to_agency_id=ag)).select_related(
        "object", "agency", "to_agency").prefetch_related("acknowledgements")
