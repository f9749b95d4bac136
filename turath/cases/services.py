"""Domain logic of cases: reports, alerts, seizures, restitution, case work and the dashboard.

The web UI, the API and the command line call these functions and nothing else writes.
Refusals are core.errors: RecordInvalid(errors={field: [messages]}) for bad input, EditConflict for
a stale `expected_version`, TransitionNotAllowed for a step out of order and NotPermitted when the
user may see a case but not do this to it (the API and the forms map them, core.api / core.forms).
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from turath.core import audit
from turath.core.countries import is_country
from turath.core.errors import EditConflict, ImageRejected, NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import LAW_ENFORCEMENT_KINDS, Agency, Role, User
from turath.core.multilingual import show
from turath.core.parsing import LONG_TEXT, is_id, parse_id, text_problem
from turath.core.permissions import WORK, Sharing, agency_of, agency_reader, can_add, permits
from turath.core.userfiles import SNIFF_BYTES, sniff
from turath.register import services as register
from turath.register.images import add_image, check_image
from turath.register.models import CulturalObject, ObjectStatus

from .feeds import PlainTextAtom1Feed
from .models import (
    REPORTED_STATUS,
    Alert,
    AlertSource,
    Attachment,
    Handover,
    JournalEntry,
    LegalBasis,
    MatchDecision,
    Report,
    ReportKind,
    ReportState,
    RestitutionCase,
    RestitutionStep,
    Seizure,
    SeizureItem,
    SeizureMatch,
)

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
WIDER_SHARING = (Sharing.NETWORK, Sharing.MEMBERS, Sharing.PUBLIC)


# ---------------------------------------------------------------- helpers

def _today() -> date:
    return timezone.localdate()


def parse_day(value, field_name: str, errors: dict, *, required: bool = False) -> date | None:
    """A calendar date from a form, JSON or Python value; never in the future."""
    if value in (None, ""):
        if required:
            errors.setdefault(field_name, []).append(_("Required."))
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            errors.setdefault(field_name, []).append(_("Use the form YYYY-MM-DD."))
            return None
    if value > _today():
        errors.setdefault(field_name, []).append(_("The date is in the future."))
    return value


def not_before(value, floor, field_name: str, errors: dict, what: str):
    """Refuse a date before an earlier event of the same story (e.g. a seizure before the theft)."""
    if value is None or floor is None:
        return
    v = value.date() if isinstance(value, datetime) else value
    f = floor.date() if isinstance(floor, datetime) else floor
    if v < f:
        errors.setdefault(field_name, []).append(
            _("The date is before %(what)s (%(date)s).") % {"what": what, "date": f.isoformat()})


def _text(data: dict, key: str, limit: int = LONG_TEXT) -> str:
    """A text field of the client's data: refused (not cut or coerced) when it is not text, holds NUL or
    is longer than `limit`."""
    problem = text_problem(data.get(key), max_length=limit)
    if problem:
        raise RecordInvalid({key: [problem]})
    return str(data.get(key) or "").strip()


def _sharing(value, errors, field_name="publish_sharing"):
    value = value or Sharing.NETWORK
    if value not in WIDER_SHARING:
        errors.setdefault(field_name, []).append(_("Share with the network, all members or the public."))
    return value


def _parse_geometry(value, errors):
    """A GeoJSON point or area (Point, Polygon, MultiPolygon), coordinates as longitude, latitude."""
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors.setdefault("geometry", []).append(_("Not valid GeoJSON."))
            return None
    if not isinstance(value, dict) or value.get("type") not in ("Point", "Polygon", "MultiPolygon"):
        errors.setdefault("geometry", []).append(_("Give a GeoJSON Point, Polygon or MultiPolygon."))
        return None

    def positions(coords, depth):
        if depth == 0:
            yield coords
        else:
            for c in coords if isinstance(coords, list) else []:
                yield from positions(c, depth - 1)

    depth = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}[value["type"]]
    points = list(positions(value.get("coordinates"), depth))
    ok = bool(points) and all(
        isinstance(p, list) and len(p) >= 2 and all(isinstance(x, (int, float)) for x in p[:2])
        and -180 <= p[0] <= 180 and -90 <= p[1] <= 90 for p in points)
    if not ok:
        errors.setdefault("geometry", []).append(_("Coordinates must be [longitude, latitude] within range."))
        return None
    return {"type": value["type"], "coordinates": value["coordinates"]}


def _check_version(locked, expected_version):
    if expected_version not in (None, "") and locked.version != int(expected_version):
        raise EditConflict(
            _("This case was changed by someone else while you were editing it (your version %(mine)s, now "
              "%(now)s). Nothing was saved: reload it, then apply your changes again.")
            % {"mine": expected_version, "now": locked.version})


def _agency_user(user, role=Role.CONTRIBUTOR):
    agency = agency_of(user)
    if agency is None or not user.has_role(role):
        raise NotPermitted(_("Your role may not do this."))
    return agency


def _snapshot(case) -> dict:
    skip = {"search_text"}
    return {f.attname: getattr(case, f.attname) for f in case._meta.concrete_fields if f.attname not in skip}


def _objects_for(user, refs) -> list[CulturalObject]:
    """Existing records by object, id, record number or UID, each visible to the user."""
    out, missing = [], []
    visible = CulturalObject.objects.restrict(user, "view")
    for ref in refs or ():
        if isinstance(ref, CulturalObject):
            obj = visible.filter(pk=ref.pk).first()
        else:
            ref = str(ref).strip()
            q = Q(record_number=ref)
            if is_id(ref):
                q |= Q(pk=parse_id(ref))
            elif len(ref) == 36:
                q |= Q(uid=ref)
            obj = visible.filter(q).first()
        if obj is None:
            missing.append(str(ref))
        elif obj not in out:
            out.append(obj)
    if missing:
        raise RecordInvalid({"objects": [_("Unknown record: %(r)s.") % {"r": ", ".join(missing)}]})
    return out


# ---------------------------------------------------------------- reports

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


def create_report(user, data: dict, *, objects=(), new_objects=()) -> Report:
    """A draft report; `objects` are existing records of the agency, `new_objects` Object ID
    records made on the spot (through the register's create_object)."""
    if not can_add(user):
        raise NotPermitted(_("Your role may not add records."))
    errors: dict = {}
    values = _report_values(data, errors)
    if errors:
        raise RecordInvalid(errors)
    existing = _objects_for(user, objects)
    with transaction.atomic():
        report = Report.objects.create(owning_agency=user.agency, sharing=Sharing.AGENCY, created_by=user, **values)
        _own_objects(report, existing)
        created = _new_objects(user, new_objects, {})
        report.objects_concerned.add(*existing, *created)
        audit.record("report_create", report, after=_snapshot(report))
    return report


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
        audit.record("report_update", locked, before=before, after=_snapshot(locked))
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
        audit.record("report_objects", report, after={"added": [o.record_number for o in existing + created]})
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
        audit.record("report_submit", locked, after={"state": locked.state})
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
        audit.record("report_validate", locked, after={"state": locked.state, "sharing": locked.sharing})
        send_alerts(sender=locked.owning_agency, sharing=locked.sharing, source=AlertSource.REPORT, report=locked)
    return locked


_SHARING_RANK = {Sharing.AGENCY: 0, Sharing.NETWORK: 1, Sharing.MEMBERS: 2, Sharing.PUBLIC: 3}


def _wider(a, b) -> bool:
    return _SHARING_RANK.get(a, 0) > _SHARING_RANK.get(b, 0)


# ---------------------------------------------------------------- alerts

def recipients_for(sender: Agency, sharing: str):
    """Who a record shared at `sharing` reaches (the sender excepted)."""
    agencies = Agency.objects.exclude(pk=sender.pk)
    if sharing == Sharing.NETWORK:
        return agencies.filter(kind__in=LAW_ENFORCEMENT_KINDS)
    if sharing in (Sharing.MEMBERS, Sharing.PUBLIC):
        return agencies
    return agencies.none()


def alert_language(agency: Agency) -> str:
    """The language most of the agency's people chose; English if it has nobody yet."""
    langs = Counter(User.objects.filter(agency=agency, is_active=True).values_list("preferred_language", flat=True))
    return langs.most_common(1)[0][0] if langs else "en"


def send_alerts(*, sender: Agency, sharing: str, source: str, report=None, seizure=None, obj=None) -> list[Alert]:
    alerts = []
    for recipient in recipients_for(sender, sharing):
        alert = Alert.objects.create(recipient=recipient, sender=sender, source=source, report=report,
                                     seizure=seizure, object=obj)
        alerts.append(alert)
        audit.record("alert", alert, after={"recipient": recipient.code, "source": source})
    if alerts:
        ids = [a.pk for a in alerts]
        # E-mail only once the publication is committed: a rolled-back validation alerts nobody.
        transaction.on_commit(lambda: email_alerts(ids))
    return alerts


def alert_match_confirmed(user, obj: CulturalObject, check) -> Alert | None:
    """An officer confirmed at inspection that an object is this record: tell the owning agency."""
    if obj.owning_agency_id == user.agency_id:
        return None  # the agency recognised its own record: nobody else to tell
    alert = Alert.objects.create(recipient=obj.owning_agency, sender=user.agency, source=AlertSource.MATCH,
                                 object=obj)
    audit.record("alert", alert, after={"recipient": obj.owning_agency.code, "source": "match",
                                        "check": str(check.uid)})
    transaction.on_commit(lambda: email_alerts([alert.pk]))
    return alert


def alert_objects(alert: Alert, reader) -> list[CulturalObject]:
    """The objects an alert is about that `reader` may see now. Asked when the alert is read (inbox,
    API, feed, e-mail), since objects are added to a case and records narrowed after it was sent."""
    if alert.report_id:
        ids = alert.report.objects_concerned.values("pk")
    elif alert.seizure_id:
        ids = SeizureItem.objects.restrict(reader).filter(seizure_id=alert.seizure_id).values("object_id")
    else:
        ids = [alert.object_id] if alert.object_id else []
    return list(CulturalObject.objects.restrict(reader).filter(pk__in=ids).select_related("object_type")
                .order_by("record_number"))


def alert_text(alert: Alert, lang: str, reader) -> tuple[str, str]:
    """Subject and body of an alert in `lang` as `reader` may read it: fixed text through gettext,
    object types through the vocabulary's labels, agency names in that language."""
    with translation.override(lang):
        sender = alert.sender.name(lang)
        if alert.report_id:
            r = alert.report
            subject = _("%(kind)s report %(n)s from %(agency)s") % {
                "kind": r.get_kind_display(), "n": r.number, "agency": sender}
            facts = [_("Date: %(d)s") % {"d": r.occurred_on.isoformat()}, _("Place: %(p)s") % {"p": r.place}]
            if r.police_reference:
                facts.append(_("Police reference: %(r)s") % {"r": r.police_reference})
        elif alert.seizure_id:
            s = alert.seizure
            subject = _("Seizure %(n)s by %(agency)s") % {"n": s.number, "agency": sender}
            facts = [_("Date: %(d)s") % {"d": s.seized_on.isoformat()},
                     _("Place: %(p)s") % {"p": ", ".join(x for x in (s.border_post, s.place) if x)}]
        elif alert.source == AlertSource.MATCH:
            subject = _("Your record was recognised at an inspection by %(agency)s") % {"agency": sender}
            facts = []
        else:
            subject = _("Object discovered, owner unknown, reported by %(agency)s") % {"agency": sender}
            facts = []
        lines = [subject, "", *facts, "", _("Objects:")]
        for obj in alert_objects(alert, reader):
            title = show(obj.title, lang) or show(obj.description, lang)
            lines.append(f"- {obj.record_number}: {obj.object_type.label(lang)}" + (f" — {title}" if title else ""))
        lines += ["", _("Open it in Turath: %(url)s") % {"url": absolute_url(alert_target_url(alert, reader))}]
    return subject, "\n".join(lines)


def absolute_url(path: str) -> str:
    base = getattr(settings, "TURATH_BASE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + path


def alert_target_url(alert: Alert, reader) -> str:
    if alert.report_id:
        return reverse("cases:report-detail", args=[alert.report_id])
    if alert.seizure_id:
        return reverse("cases:seizure-detail", args=[alert.seizure_id])
    obj = alert_object(alert, reader)
    return reverse("register:object-detail", args=[obj.record_number]) if obj else reverse("cases:inbox")


def alert_object(alert: Alert, reader) -> CulturalObject | None:
    """The single record a discovery or match alert names, if `reader` may see it now."""
    if not alert.object_id:
        return None
    return CulturalObject.objects.restrict(reader).filter(pk=alert.object_id).first()


def email_alerts(alert_ids) -> int:
    sent = 0
    for alert in Alert.objects.filter(pk__in=alert_ids).select_related("recipient", "sender", "report", "seizure"):
        if not alert.recipient.email:
            continue
        lang = alert_language(alert.recipient)
        subject, body = alert_text(alert, lang, agency_reader(alert.recipient))
        send_mail(subject, body, None, [alert.recipient.email])
        Alert.objects.filter(pk=alert.pk).update(emailed_to=alert.recipient.email, email_language=lang)
        sent += 1
    return sent


def inbox(user, *, unread_only: bool = False):
    qs = Alert.objects.restrict(user).select_related("sender", "report", "seizure")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def mark_read(user, alert: Alert, read: bool = True) -> Alert:
    alert = Alert.objects.restrict(user).get(pk=alert.pk)
    Alert.objects.filter(pk=alert.pk).update(read_at=timezone.now() if read else None,
                                             read_by=user if read else None)
    alert.refresh_from_db()
    return alert


def agency_feed(agency: Agency, lang: str = "en", limit: int = 100, *, reader=None) -> str:
    """The agency's alerts as an Atom feed, as `reader` (the feed token's user; by default any
    member of the agency) may read them (the feed view checks the token)."""
    reader = reader or agency_reader(agency)
    feed = PlainTextAtom1Feed(
        title=_("Turath alerts for %(a)s") % {"a": agency.name(lang)},
        link=absolute_url(reverse("cases:inbox")),
        description="",
        language=lang,
        feed_url=absolute_url(reverse("cases:alert-feed", args=[agency.code])),
        id=f"urn:turath:alerts:{agency.code}",
    )
    for alert in Alert.objects.restrict(reader).filter(recipient=agency).select_related(
            "sender", "report", "seizure")[:limit]:
        subject, body = alert_text(alert, lang, reader)
        feed.add_item(title=subject, link=absolute_url(alert_target_url(alert, reader)), description=body,
                      unique_id=f"urn:turath:alert:{alert.pk}", updateddate=alert.created, pubdate=alert.created)
    return feed.writeString("utf-8")


def announce_discovered(user, obj: CulturalObject, sharing: str = Sharing.NETWORK) -> list[Alert]:
    """An object found with no known owner is shared and announced to the agencies it now reaches."""
    if obj.status != ObjectStatus.DISCOVERED_UNKNOWN:
        raise TransitionNotAllowed(_("Only an object «discovered, owner unknown» is announced this way."))
    errors: dict = {}
    sharing = _sharing(sharing, errors, "sharing")
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        if _wider(sharing, obj.sharing):
            obj = register.update_object(user, obj, {"sharing": sharing})
        elif not CulturalObject.objects.restrict(user, "change").filter(pk=obj.pk).exists():
            raise NotPermitted(_("Only the owning agency's editors change this record."))
        return send_alerts(sender=obj.owning_agency, sharing=obj.sharing, source=AlertSource.DISCOVERED, obj=obj)


# ---------------------------------------------------------------- seizures

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
        audit.record("seizure_create", seizure, after=_snapshot(seizure))
    return seizure


def update_seizure(user, seizure: Seizure, data: dict, *, expected_version=None) -> Seizure:
    with transaction.atomic():
        locked = Seizure.objects.restrict(user, WORK).select_for_update().filter(pk=seizure.pk).first()
        if locked is None:
            raise NotPermitted(_("Only the seizing agency works on this seizure."))
        _check_version(locked, expected_version)
        errors: dict = {}
        values = _seizure_values(data, errors, instance=locked)
        if "seized_on" in values:
            for item in locked.items.select_related("object"):
                if hasattr(item.object, "holding"):
                    not_before(item.object.holding.entry.at, values["seized_on"], "seized_on", errors,
                               _("a custody entry of this lot"))
                    break
        if errors:
            raise RecordInvalid(errors)
        before = _snapshot(locked)
        for key, value in values.items():
            setattr(locked, key, value)
        locked.version += 1
        locked.save()
        audit.record("seizure_update", locked, before=before, after=_snapshot(locked))
    return locked


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class BatchResult:
    created: list = field(default_factory=list)  # SeizureItem
    errors: list = field(default_factory=list)  # RowError
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class BatchInvalid(Exception):
    """Nothing was created: at least one row is broken (see `.result.errors`)."""

    def __init__(self, result: BatchResult):
        super().__init__("; ".join(f"row {e.row}, {e.field}: {e.message}" for e in result.errors))
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
        row_errors = []
        count = row.get("count")
        count = 1 if count in (None, "") else count
        try:
            count = int(str(count).strip())
            if count < 1 or count > 100_000:
                raise ValueError
        except ValueError:
            row_errors.append(RowError(n, "count", _("The number of pieces must be a whole number from 1.")))
        record = _row_record(seizure, start + len(checked), row, lang)
        try:
            register.validate_record(record, user=user)
        except RecordInvalid as exc:
            row_errors += [RowError(n, key, msg) for key, msgs in exc.errors.items() for msg in msgs]
        photo = None
        try:
            photo = _photo_bytes(row.get("photo"))
            if photo:
                check_image(photo[1], photo[0])
                if not user.has_role(Role.EDITOR):
                    row_errors.append(RowError(n, "photo", _("Only an editor attaches photographs.")))
        except ImageRejected as exc:
            row_errors.append(RowError(n, "photo", str(exc)))
        if row_errors:
            result.errors += row_errors
        else:
            checked.append((record, count, photo))
    if result.errors and not accept_valid:
        raise BatchInvalid(result)
    with transaction.atomic():
        for line, (record, count, photo) in enumerate(checked, start=start):
            record["record_number"] = f"{seizure.owning_agency.code.upper()}-{seizure.number}-{line:03d}"
            obj = register.create_object(user, record)
            item = SeizureItem.objects.create(seizure=seizure, line=line, object=obj, count=count)
            if photo:
                add_image(user, obj, photo[1], photo[0])
            result.created.append(item)
        Seizure.objects.filter(pk=seizure.pk).update(version=seizure.version + 1)
        seizure.version += 1
        audit.record("seizure_items", seizure, after={
            "created": [i.object.record_number for i in result.created],
            "rejected_rows": sorted({e.row for e in result.errors})})
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
        audit.record("seizure_publish", locked, after={"sharing": locked.sharing})
        send_alerts(sender=locked.owning_agency, sharing=locked.sharing, source=AlertSource.SEIZURE, seizure=locked)
    return locked


def seizure_items(user, seizure: Seizure):
    """The lines of a lot that `user` may see, each with the possible matches the user may see
    (`item.matches.all()`): the one query behind the seizure page and the API."""
    return (SeizureItem.objects.restrict(user).filter(seizure=seizure).select_related("object__object_type")
            .prefetch_related(Prefetch("matches", queryset=SeizureMatch.objects.restrict(user)
                                       .select_related("candidate"))))


def match_confirmed(user, obj: CulturalObject, check) -> SeizureMatch | None:
    """An officer confirmed at a check that `obj` is the object in front of them: alert the owning
    agency, and when the checked object is a seized item of the officer's agency, link the seizure
    to the record (source: the engine, with its score) and record the decision on that link."""
    alert_match_confirmed(user, obj, check)
    item = (SeizureItem.objects.select_related("seizure").filter(object_id=check.subject_id).first()
            if check.subject_id else None)
    if item is None or not permits(user, WORK, item.seizure):
        return None
    score = next((c.get("score", 0.0) for c in check.candidates if c.get("object") == obj.pk), 0.0)
    match = link_candidate(user, item, obj, score=score, source=SeizureMatch.Source.ENGINE,
                           note=f"check {check.uid}")
    return decide_match(user, match, MatchDecision.SAME, check.decision_note)


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
        audit.record("seizure_match", item.seizure, after={"item": item.object.record_number,
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
        audit.record("seizure_match_decision", match.item.seizure,
                     after={"candidate": match.candidate.record_number, "decision": decision})
    match.refresh_from_db()
    return match


# ---------------------------------------------------------------- restitution

def open_restitution(user, data: dict, *, objects=()) -> RestitutionCase:
    """Either party opens the case: the requesting state's agency names the holding agency,
    or the holding agency names the requesting state."""
    agency = _agency_user(user)
    errors: dict = {}
    country = _text(data, "requesting_country").upper() or agency.country
    if not is_country(country):
        errors.setdefault("requesting_country", []).append(_("Not an ISO 3166 country code."))
    holding = data.get("holding_agency") or agency
    if not isinstance(holding, Agency):
        holding = Agency.objects.filter(Q(code=str(holding)) | Q(pk=parse_id(str(holding)) or 0)).first()
        if holding is None:
            errors.setdefault("holding_agency", []).append(_("Unknown agency."))
    if holding is not None and agency.pk != holding.pk and agency.country != country:
        errors.setdefault("requesting_country", []).append(
            _("A case is opened by the holding agency or by an agency of the requesting state."))
    if holding is not None and holding.country == country:
        errors.setdefault("requesting_country", []).append(_("The requesting state already holds the objects."))
    basis = data.get("legal_basis")
    if basis not in LegalBasis.values:
        errors.setdefault("legal_basis", []).append(_("Choose a legal basis."))
    opened = parse_day(data.get("opened_on") or _today(), "opened_on", errors)
    if errors:
        raise RecordInvalid(errors)
    found = _objects_for(user, objects)
    if not found:
        raise RecordInvalid({"objects": [_("Name the objects claimed.")]})
    seizure = data.get("seizure")
    if seizure is not None and not isinstance(seizure, Seizure):
        seizure = Seizure.objects.restrict(user).filter(pk=seizure).first()
    with transaction.atomic():
        case = RestitutionCase.objects.create(
            requesting_country=country, holding_agency=holding, legal_basis=basis, opened_on=opened,
            summary=_text(data, "summary", 20_000), seizure=seizure, created_by=user)
        case.objects_claimed.add(*found)
        audit.record("restitution_open", case, after=_snapshot(case))
    return case


def update_restitution(user, case: RestitutionCase, data: dict, *, expected_version=None) -> RestitutionCase:
    with transaction.atomic():
        locked = RestitutionCase.objects.restrict(user, "change").select_for_update().filter(pk=case.pk).first()
        if locked is None:
            raise NotPermitted(_("Only an editor of either party changes the case."))
        _check_version(locked, expected_version)
        errors: dict = {}
        before = _snapshot(locked)
        if "summary" in data:
            locked.summary = _text(data, "summary", 20_000)
        if "legal_basis" in data:
            if data["legal_basis"] not in LegalBasis.values:
                errors.setdefault("legal_basis", []).append(_("Choose a legal basis."))
            locked.legal_basis = data["legal_basis"]
        if "state" in data:
            if data["state"] not in (RestitutionCase.State.OPEN, RestitutionCase.State.AGREED,
                                     RestitutionCase.State.REFUSED):
                errors.setdefault("state", []).append(_("A case is handed over by recording the handover."))
            locked.state = data["state"]
            locked.closed = data["state"] == RestitutionCase.State.REFUSED
        if errors:
            raise RecordInvalid(errors)
        locked.version += 1
        locked.save()
        audit.record("restitution_update", locked, before=before, after=_snapshot(locked))
    return locked


def add_step(user, case: RestitutionCase, *, kind: str, on_date, text: str) -> RestitutionStep:
    if not permits(user, WORK, case):
        raise NotPermitted(_("Only the parties work on this case."))
    errors: dict = {}
    if kind not in RestitutionStep.Kind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of step."))
    day = parse_day(on_date, "on_date", errors, required=True)
    not_before(day, case.opened_on, "on_date", errors, _("the request"))
    text = _text({"text": text}, "text")
    if not text:
        errors.setdefault("text", []).append(_("Required."))
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        step = RestitutionStep.objects.create(case=case, kind=kind, on_date=day, text=str(text).strip(),
                                              agency=user.agency, by=user)
        audit.record("restitution_step", case, after={"kind": kind, "on_date": day, "text": step.text})
    return step


def record_handover(user, case: RestitutionCase, data: dict, *, expected_version=None) -> Handover:
    """The holding agency hands the objects over: the handover record, and an exit (restitution)
    in the custody chain for each object it still holds."""
    from turath.custody import services as custody

    with transaction.atomic():
        locked = RestitutionCase.objects.restrict(user, "change").select_for_update().filter(pk=case.pk).first()
        if locked is None or locked.holding_agency_id != user.agency_id:
            raise NotPermitted(_("The holding agency records the handover."))
        _check_version(locked, expected_version)
        if hasattr(locked, "handover"):
            raise TransitionNotAllowed(_("The handover of this case is already recorded."))
        errors: dict = {}
        day = parse_day(data.get("on_date"), "on_date", errors, required=True)
        not_before(day, locked.opened_on, "on_date", errors, _("the request"))
        institution = _text(data, "receiving_institution", 300)
        if not institution:
            errors.setdefault("receiving_institution", []).append(_("Required."))
        if errors:
            raise RecordInvalid(errors)
        handover = Handover.objects.create(
            case=locked, on_date=day, receiving_institution=institution, received_by=_text(data, "received_by", 300),
            handed_by=_text(data, "handed_by", 300), place=_text(data, "place", 300), notes=_text(data, "notes"),
            recorded_by=user)
        at = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))
        at = min(at, timezone.now())
        for obj in locked.objects_claimed.all():
            holding = getattr(obj, "holding", None)
            if holding is not None and holding.in_custody and holding.custodian_id == user.agency_id:
                custody.exit_object(user, obj, {
                    "at": at, "kind": "restitution", "recipient": institution,
                    "authorised_by": handover.handed_by or user.get_username(),
                    "reference": locked.number}, restitution=locked)
        locked.state = RestitutionCase.State.HANDED_OVER
        locked.closed = True
        locked.version += 1
        locked.save()
        audit.record("restitution_handover", locked, after={"on_date": day, "receiving_institution": institution})
    return handover


# ---------------------------------------------------------------- case work

CASE_MODELS = {"report": Report, "seizure": Seizure, "restitution": RestitutionCase}


def case_kind(case) -> str:
    return {Report: "report", Seizure: "seizure", RestitutionCase: "restitution"}[type(case)]


def get_case(user, kind: str, pk, action: str = "view"):
    """The case if the user may see it; Http404 otherwise (never a hint that it exists)."""
    model = CASE_MODELS.get(kind)
    if model is None:
        from django.http import Http404

        raise Http404
    return model.objects.get_visible_or_404(user, action, pk=pk)


def add_journal_entry(user, case, text: str, *, on_date=None, kind: str = JournalEntry.Kind.INFO) -> JournalEntry:
    if not permits(user, WORK, case):
        raise NotPermitted(_("Only the agencies working on this case add notes."))
    errors: dict = {}
    day = parse_day(on_date or _today(), "on_date", errors)
    text = _text({"text": text}, "text")
    if not text:
        errors.setdefault("text", []).append(_("Required."))
    if kind not in JournalEntry.Kind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of note."))
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        entry = JournalEntry.objects.create(content_type=ContentType.objects.get_for_model(case), object_id=case.pk,
                                            on_date=day, kind=kind, text=str(text).strip(), author=user,
                                            agency=user.agency)
        audit.record("journal", case, after={"on_date": day, "kind": kind, "text": entry.text})
    return entry


def journal(case):
    return JournalEntry.objects.filter(content_type=ContentType.objects.get_for_model(case),
                                       object_id=case.pk).select_related("author", "agency")


def attachments(case):
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(case), object_id=case.pk)


def add_attachment(user, case, data: bytes, name: str, *, kind: str = Attachment.Kind.DOCUMENT,
                   caption: str = "") -> Attachment:
    if not permits(user, WORK, case):
        raise NotPermitted(_("Only the agencies working on this case attach files."))
    errors: dict = {}
    if not data:
        errors.setdefault("file", []).append(_("The file is empty."))
    elif len(data) > MAX_ATTACHMENT_BYTES:
        errors.setdefault("file", []).append(_("The file is larger than %(mb)d MB.")
                                             % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)})
    if kind not in Attachment.Kind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of attachment."))
    if kind == Attachment.Kind.PHOTO and data:
        try:
            check_image(data, name)
        except ImageRejected as exc:
            errors.setdefault("file", []).append(str(exc))
    if errors:
        raise RecordInvalid(errors)
    digest = hashlib.sha256(data).hexdigest()
    name = (name or "file").replace("/", "_").replace("\\", "_")[-200:]
    with transaction.atomic():
        att = Attachment(content_type=ContentType.objects.get_for_model(case), object_id=case.pk, kind=kind,
                         name=name, sha256=digest, size=len(data), caption=caption[:300], uploaded_by=user,
                         mime=sniff(data[:SNIFF_BYTES]))  # from the bytes: the name is the uploader's choice
        att.file.save(name, ContentFile(data), save=False)
        try:
            att.save()
            audit.record("attachment", case, after={"name": name, "sha256": digest, "kind": kind})
        except BaseException:
            att.file.delete(save=False)
            raise
    return att


def assign(user, case, officer, due_date=None, *, expected_version=None):
    """Assign the case to an officer of an agency working on it, with an optional due date."""
    model = type(case)
    with transaction.atomic():
        locked = model.objects.restrict(user, WORK).select_for_update().filter(pk=case.pk).first()
        if locked is None:
            raise NotPermitted(_("Only the agencies working on this case assign it."))
        _check_version(locked, expected_version)
        errors: dict = {}
        if officer is not None and not isinstance(officer, User):
            officer = User.objects.filter(Q(username=str(officer)) | Q(pk=parse_id(str(officer)) or 0)
                                          ).first()
            if officer is None:
                errors.setdefault("assigned_to", []).append(_("Unknown officer."))
        if officer is not None and not permits(officer, WORK, locked):
            errors.setdefault("assigned_to", []).append(_("The officer must belong to an agency working on the case."))
        if due_date not in (None, "") and not isinstance(due_date, date):
            try:
                due_date = date.fromisoformat(str(due_date)[:10])
            except ValueError:
                errors.setdefault("due_date", []).append(_("Use the form YYYY-MM-DD."))
        if errors:
            raise RecordInvalid(errors)
        before = {"assigned_to": locked.assigned_to_id, "due_date": locked.due_date}
        locked.assigned_to = officer
        locked.due_date = due_date or None
        locked.version += 1
        locked.save()
        audit.record("assign", locked, before=before, after={"assigned_to": getattr(officer, "pk", None),
                                                             "due_date": locked.due_date})
    return locked


@dataclass
class Event:
    at: datetime
    kind: str
    text: str
    url: str = ""


def _dt(value) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, datetime.min.time()))


def case_objects(user, case):
    """The records of a case (reported, seized or claimed) that `user` may see."""
    if isinstance(case, Report):
        ids = case.objects_concerned.values("pk")
    elif isinstance(case, Seizure):
        ids = SeizureItem.objects.restrict(user).filter(seizure=case).values("object_id")
    else:
        ids = case.objects_claimed.values("pk")
    return CulturalObject.objects.restrict(user).filter(pk__in=ids).select_related("object_type")


def timeline(user, case) -> list[Event]:
    """Everything that happened to the case and its objects that the user may see, in date order."""
    from turath.custody import services as custody

    events: list[Event] = []
    if isinstance(case, Report):
        events.append(Event(_dt(case.occurred_on), "report", _("%(kind)s at %(place)s")
                            % {"kind": case.get_kind_display(), "place": case.place}))
        if case.submitted_at:
            events.append(Event(case.submitted_at, "report", _("Report submitted for validation")))
        if case.published_at:
            events.append(Event(case.published_at, "report", _("Report validated and published")))
    elif isinstance(case, Seizure):
        events.append(Event(_dt(case.seized_on), "seizure", _("Seizure at %(place)s")
                            % {"place": ", ".join(x for x in (case.border_post, case.place) if x)}))
        if case.published_at:
            events.append(Event(case.published_at, "seizure", _("Seizure published to the network")))
    else:
        events.append(Event(_dt(case.opened_on), "restitution", _("Restitution requested (%(basis)s)")
                            % {"basis": case.get_legal_basis_display()}))
        for step in case.steps.all():
            events.append(Event(_dt(step.on_date), step.kind, step.text))
        if hasattr(case, "handover"):
            h = case.handover
            events.append(Event(_dt(h.on_date), "decision", _("Handed over to %(i)s") % {"i": h.receiving_institution}))
    objects = list(case_objects(user, case))
    ids = [o.pk for o in objects]
    for alert in Alert.objects.restrict(user).filter(Q(report=case) if isinstance(case, Report) else
                                                     Q(seizure=case) if isinstance(case, Seizure) else Q(pk__in=[])):
        events.append(Event(alert.created, "alert", _("Alert to %(a)s") % {"a": alert.recipient.name(
            translation.get_language() or "en")}))
    visible_reports = Report.objects.restrict(user).filter(objects_concerned__in=ids).exclude(
        pk=case.pk if isinstance(case, Report) else None).distinct()
    for r in visible_reports:
        events.append(Event(_dt(r.occurred_on), "report", _("%(kind)s reported (%(n)s)")
                            % {"kind": r.get_kind_display(), "n": r.number},
                            reverse("cases:report-detail", args=[r.pk])))
    visible_seizures = Seizure.objects.restrict(user).filter(items__object__in=ids).exclude(
        pk=case.pk if isinstance(case, Seizure) else None).distinct()
    for s in visible_seizures:
        events.append(Event(_dt(s.seized_on), "seizure", _("Seized (%(n)s)") % {"n": s.number},
                            reverse("cases:seizure-detail", args=[s.pk])))
    for obj in objects:
        for entry in custody.chain(user, obj):
            events.append(Event(entry.at, entry.kind, f"{obj.record_number}: {entry.summary}"))
    for note in journal(case):
        events.append(Event(_dt(note.on_date), "journal", note.text))
    events.sort(key=lambda e: e.at)
    return events


# ---------------------------------------------------------------- dashboard

def open_cases(agency: Agency) -> dict:
    reader = agency_reader(agency)
    return {
        "reports": Report.objects.restrict(reader).filter(owning_agency=agency, closed=False).count(),
        "seizures": Seizure.objects.restrict(reader).filter(owning_agency=agency, closed=False).count(),
        "restitutions": RestitutionCase.objects.restrict(reader).filter(closed=False).count(),
    }


def dashboard(agency: Agency, lang: str = "en", *, months: int = 12) -> dict:
    """The agency's figures: open cases, custody by facility, overdue checks, alerts, seizures."""
    from turath.custody import services as custody

    today = _today()
    since = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    by_month = dict(
        Seizure.objects.restrict(agency_reader(agency)).filter(owning_agency=agency, seized_on__gte=since)
        .annotate(m=TruncMonth("seized_on"))
        .values_list("m").annotate(n=Count("id")).values_list("m", "n"))
    month_rows = []
    cursor = since
    while cursor <= today:
        key = cursor
        n = next((v for k, v in by_month.items() if (k.date() if isinstance(k, datetime) else k) == key), 0)
        month_rows.append((cursor.strftime("%Y-%m"), n))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    types = Counter()
    for concept_id, pieces in SeizureItem.objects.restrict(agency_reader(agency)).filter(
            seizure__owning_agency=agency).values_list(
            "object__object_type", "count"):
        types[concept_id] += pieces
    from turath.vocabulary.models import Concept

    labels = {c.pk: c.label(lang) for c in Concept.objects.filter(pk__in=types)}
    alerts = Alert.objects.restrict(agency_reader(agency))
    return {
        "open_cases": open_cases(agency),
        "custody_by_facility": custody.holdings_by_facility(agency),
        "overdue_checks": custody.overdue_checks(agency),
        "alerts": {"total": alerts.count(), "unread": alerts.filter(read_at__isnull=True).count(),
                   "last_30_days": alerts.filter(created__gte=timezone.now() - timedelta(days=30)).count()},
        "seizures_by_month": month_rows,
        "seizures_by_type": sorted(((labels[k], v) for k, v in types.items()), key=lambda kv: (-kv[1], kv[0])),
    }


def _months(months: int) -> list:
    today = _today()
    cursor = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    out = []
    while cursor <= today:
        out.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return out


def _per_month(queryset, field: str, months: list) -> list[tuple[str, int]]:
    counts = Counter()
    for day in queryset.filter(**{f"{field}__gte": months[0]}).values_list(field, flat=True):
        counts[(day.date() if isinstance(day, datetime) else day).replace(day=1)] += 1
    return [(m.strftime("%Y-%m"), counts.get(m, 0)) for m in months]


def network_dashboard(user, lang: str = "en", *, months: int = 12) -> dict:
    """The secretariat's view of the whole network — open cases, alerts, seizures, custody and restitution by
    member state, and by month — counted from what the user may see (restrict())."""
    columns = ("reports", "seizures", "alerts", "custody", "restitutions")
    states: dict[str, dict] = {}

    def add(column, pairs):
        for country, n in pairs:
            if country:
                states.setdefault(country, dict.fromkeys(columns, 0))[column] += n

    def by(qs, field):
        return qs.values_list(field).annotate(n=Count("id")).values_list(field, "n").order_by()

    add("reports", by(Report.objects.restrict(user).filter(closed=False), "owning_agency__country"))
    add("seizures", by(Seizure.objects.restrict(user).filter(closed=False), "owning_agency__country"))
    add("alerts", by(Alert.objects.restrict(user), "sender__country"))
    add("custody", by(CulturalObject.objects.restrict(user).filter(status=ObjectStatus.IN_CUSTODY),
                      "owning_agency__country"))
    add("restitutions", by(RestitutionCase.objects.restrict(user).filter(closed=False), "requesting_country"))
    from turath.core.countries import country_name, sort_key

    rows = sorted(((code, country_name(code, lang), figures) for code, figures in states.items()),
                  key=lambda row: sort_key(row[1]))
    span = _months(months)
    return {
        "states": rows,
        "totals": {c: sum(f[c] for _code, _name, f in rows) for c in columns},
        "reports_by_month": _per_month(Report.objects.restrict(user), "occurred_on", span),
        "seizures_by_month": _per_month(Seizure.objects.restrict(user), "seized_on", span),
        "restitutions_by_month": _per_month(RestitutionCase.objects.restrict(user), "opened_on", span),
    }


def bar_chart_svg(rows: list[tuple[str, int]], *, title: str, width: int = 560, bar_height: int = 22) -> str:
    """A horizontal bar chart as inline SVG: drawn on the server, readable without JavaScript. Nothing (the page
    says «no data yet») when every bar would be empty."""
    from django.utils.html import escape

    if not any(value for _label, value in rows):
        return ""

    label_w, pad = 150, 6
    height = max(1, len(rows)) * (bar_height + pad) + pad
    top = max((v for _, v in rows), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = pad + i * (bar_height + pad)
        w = int((width - label_w - 60) * value / top)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_height * 0.7:.0f}" text-anchor="end" font-size="12">'
                     f'{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1 if value else 0)}" height="{bar_height}" '
                     f'fill="currentColor" opacity="0.7"><title>{escape(label)}: {value}</title></rect>'
                     f'<text x="{label_w + w + 6}" y="{y + bar_height * 0.7:.0f}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)
