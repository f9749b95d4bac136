"""Theft, loss and looting reports: draft, photographs, objects, submission and validation (four eyes)."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from turath.core import audit
from turath.core.errors import ImageRejected, NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.permissions import WORK, Sharing, can_add, permits
from turath.register import services as register
from turath.register.images import add_image, check_image
from turath.register.models import CulturalObject, ObjectStatus

from ..models import (
    REPORTED_STATUS,
    AlertSource,
    Attachment,
    Report,
    ReportKind,
    ReportState,
)
from .alerts import send_alerts
from .casework import add_attachment
from .common import (
    _check_version,
    _objects_for,
    _parse_geometry,
    _sharing,
    _snapshot,
    _text,
    _wider,
    not_before,
    parse_day,
)


def _report_values(data: dict, errors: dict, *, instance: Report | None = None) -> dict:
    partial = instance is not None
    values: dict = {}
    if not partial or "kind" in data:
        kind = data.get("kind") or ReportKind.THEFT
        if kind not in ReportKind.values:
            errors.setdefault("kind", []).append(_("Choose theft, loss or looting."))
        values["kind"] = kind
    for key, required in (("occurred_on", True), ("occurred_until", False), ("discovered_on", False)):
        if not partial or key in data:
            values[key] = parse_day(data.get(key), key, errors, required=required)
    occurred = values.get("occurred_on", instance.occurred_on if instance else None)
    not_before(values.get("occurred_until"), occurred, "occurred_until", errors, _("the theft"))
    not_before(values.get("discovered_on"), occurred, "discovered_on", errors, _("the theft"))
    if not partial or "place" in data:
        values["place"] = _text(data, "place", 300)
        if not values["place"]:
            errors.setdefault("place", []).append(_("Required: where it happened."))
    if not partial or "geometry" in data:
        values["geometry"] = _parse_geometry(data.get("geometry"), errors)
    for key in ("how_discovered", "circumstances"):
        if not partial or key in data:
            values[key] = _text(data, key, 20_000)
    if not partial or "police_reference" in data:
        values["police_reference"] = _text(data, "police_reference", 120)
    if not partial or "publish_sharing" in data:
        values["publish_sharing"] = _sharing(data.get("publish_sharing"), errors)
    if not partial or "due_date" in data:
        raw = data.get("due_date")
        values["due_date"] = None
        if raw not in (None, ""):
            try:
                values["due_date"] = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
            except ValueError:
                errors.setdefault("due_date", []).append(_("Use the form YYYY-MM-DD."))
    return values


def _new_objects(user, new_objects, errors) -> list[CulturalObject]:
    created = []
    for i, data in enumerate(new_objects or (), start=1):
        try:
            created.append(register.create_object(user, data))
        except RecordInvalid as exc:
            for key, messages in exc.errors.items():
                errors.setdefault(f"new_objects[{i}].{key}", []).extend(messages)
    if errors:
        raise RecordInvalid(errors)
    return created


def _own_objects(report, objects):
    foreign = [o.record_number for o in objects if o.owning_agency_id != report.owning_agency_id]
    if foreign:
        raise RecordInvalid({"objects": [_("A report concerns the reporting agency's own records; "
                                           "not yours: %(r)s.") % {"r": ", ".join(foreign)}]})


def create_report(user, data: dict, *, objects=(), new_objects=(), photos=(), photos_of: str = "") -> Report:
    """A draft report; `objects` are existing records of the agency, `new_objects` Object ID
    records made on the spot (through the register's create_object), `photos` (name, bytes) taken
    with it (see add_report_photos; `photos_of` names the new object they show). Every photograph
    is checked before anything is written, and the report, its objects and photographs are saved
    together or not at all."""
    if not can_add(user):
        raise NotPermitted(_("Your role may not add records."))
    errors: dict = {}
    values = _report_values(data, errors)
    _check_photos(photos, errors)
    if errors:
        raise RecordInvalid(errors)
    existing = _objects_for(user, objects)
    with transaction.atomic():
        report = Report.objects.create(owning_agency=user.agency, sharing=Sharing.AGENCY, created_by=user, **values)
        _own_objects(report, existing)
        created = _new_objects(user, new_objects, {})
        report.objects_concerned.add(*existing, *created)
        audit.record("cases.report.create", report, after=_snapshot(report))
        add_report_photos(user, report, photos, new_object=photos_of)
    return report


def _check_photos(photos, errors: dict) -> None:
    """Each photograph refused by name (under "photos") before the report is written: the register
    checks them again when it takes them, but then the refusal would name no field."""
    for name, data in photos:
        try:
            check_image(data, name)
        except ImageRejected as exc:
            errors.setdefault("photos", []).append(str(exc))


def add_report_photos(user, report: Report, photos: list[tuple[str, bytes]], *, new_object: str = ""):
    """Photographs given with a report: onto the record of the object it describes for the first time (so a
    check at the border can find it), otherwise kept with the report as photo attachments."""
    target = report.objects_concerned.filter(record_number=new_object).first() if new_object else None
    for name, data in photos:
        if target is not None:
            add_image(user, target, data, name)
        else:
            add_attachment(user, report, data, name, kind=Attachment.Kind.PHOTO)


def update_report(user, report: Report, data: dict, *, expected_version=None) -> Report:
    with transaction.atomic():
        locked = Report.objects.restrict(user, WORK).select_for_update().filter(pk=report.pk).first()
        if locked is None:
            raise NotPermitted(_("Only the reporting agency works on this report."))
        _check_version(locked, expected_version)
        if locked.state == ReportState.PUBLISHED and {"occurred_on", "kind"} & set(data):
            raise TransitionNotAllowed(_("A published report's kind and date are corrected by a journal note."))
        errors: dict = {}
        values = _report_values(data, errors, instance=locked)
        if errors:
            raise RecordInvalid(errors)
        before = _snapshot(locked)
        for key, value in values.items():
            setattr(locked, key, value)
        locked.version += 1
        locked.save()
        audit.record("cases.report.update", locked, before=before, after=_snapshot(locked))
    return locked


def add_report_objects(user, report: Report, *, objects=(), new_objects=()) -> Report:
    if not permits(user, WORK, report):
        raise NotPermitted(_("Only the reporting agency works on this report."))
    if report.state == ReportState.PUBLISHED:
        raise TransitionNotAllowed(_("Objects are added before the report is published."))
    existing = _objects_for(user, objects)
    _own_objects(report, existing)
    with transaction.atomic():
        created = _new_objects(user, new_objects, {})
        report.objects_concerned.add(*existing, *created)
        Report.objects.filter(pk=report.pk).update(version=report.version + 1)
        report.version += 1
        audit.record("cases.report.add_objects", report, after={"added": [o.record_number for o in existing + created]})
    return report


def submit_report(user, report: Report, *, expected_version=None) -> Report:
    with transaction.atomic():
        locked = Report.objects.restrict(user, WORK).select_for_update().filter(pk=report.pk).first()
        if locked is None:
            raise NotPermitted(_("Only the reporting agency works on this report."))
        _check_version(locked, expected_version)
        if locked.state != ReportState.DRAFT:
            raise TransitionNotAllowed(_("Only a draft is submitted."))
        if not locked.objects_concerned.exists():
            raise RecordInvalid({"objects": [_("A report names at least one object.")]})
        locked.state = ReportState.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.submitted_by = user
        locked.version += 1
        locked.save()
        audit.record("cases.report.submit", locked, after={"state": locked.state})
    return locked


def second_person_needed(user, report: Report) -> bool:
    """Four eyes: where the agency asks for it, whoever drafted or submitted a report does not validate it."""
    return bool(report.owning_agency.four_eyes_validation and user.pk is not None
                and user.pk in (report.created_by_id, report.submitted_by_id))


def may_validate(user, report: Report) -> bool:
    """What the report page offers: an editor of the reporting agency, not the author where four eyes apply."""
    return (report.state == ReportState.SUBMITTED and permits(user, "change", report)
            and not second_person_needed(user, report))


FOUR_EYES = _lazy("A second person of your agency validates this report: you drafted or submitted it.")


def validate_report(user, report: Report, *, expected_version=None) -> Report:
    """The owning agency's editor validates: the objects become (or stay) reported_* — publication is the
    report's, the objects stay stolen until found —, they and the report are shared at the chosen level,
    and the agencies it reaches are alerted."""
    if permits(user, "change", report) and second_person_needed(user, report):
        # Recorded outside the refused transaction, so the attempt stays in the audit log.
        audit.record("cases.report.validation_refused", report, after={"reason": "four_eyes"})
        raise NotPermitted(FOUR_EYES)
    with transaction.atomic():
        locked = Report.objects.restrict(user, "change").select_for_update().filter(pk=report.pk).first()
        if locked is None:
            raise NotPermitted(_("Only an editor of the reporting agency validates a report."))
        _check_version(locked, expected_version)
        if locked.state != ReportState.SUBMITTED:
            raise TransitionNotAllowed(_("Only a submitted report is validated."))
        if second_person_needed(user, locked):
            raise NotPermitted(FOUR_EYES)
        reported = REPORTED_STATUS[locked.kind]
        for obj in locked.objects_concerned.select_for_update().order_by("pk"):
            if obj.status not in (ObjectStatus.REGISTERED, reported):
                raise TransitionNotAllowed(
                    _("%(r)s is «%(s)s»: it cannot be published as reported.")
                    % {"r": obj.record_number, "s": obj.get_status_display()})
            if _wider(locked.publish_sharing, obj.sharing):
                obj = register.update_object(user, obj, {"sharing": locked.publish_sharing})
            # The record's history is read by everyone who sees the record, who may not see the
            # report (a public object in a network report): it does not name the report.
            if obj.status == ObjectStatus.REGISTERED:
                register.change_status(user, obj, reported, str(AlertSource.REPORT.label))
        locked.state = ReportState.PUBLISHED
        locked.sharing = locked.publish_sharing
        locked.validated_by = user
        locked.published_at = timezone.now()
        locked.version += 1
        locked.save()
        audit.record("cases.report.validate", locked, after={"state": locked.state, "sharing": locked.sharing})
        send_alerts(sender=locked.owning_agency, sharing=locked.sharing, source=AlertSource.REPORT, report=locked)
    return locked
