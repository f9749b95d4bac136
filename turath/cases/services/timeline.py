"""A case's timeline: everything that happened to it and its objects that the reader may see."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import providers
from ..models import (
    Alert,
    Report,
    Seizure,
)
from .casework import case_objects, journal


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


def timeline(user, case) -> list[Event]:
    """Everything that happened to the case and its objects that the user may see, in date order."""
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
    events += providers.events_for(user, objects)  # custody's chain of each object, for this reader
    for note in journal(case):
        events.append(Event(_dt(note.on_date), "journal", note.text))
    events.sort(key=lambda e: e.at)
    return events
