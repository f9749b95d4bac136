"""A nomination file from the preliminary list to its submission: entry, sections, attachments,
completeness, submission and revision."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turath.core import audit
from turath.core.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import Role
from turath.core.permissions import agency_of

from ..models import (
    AttachmentKind,
    Category,
    HeritageList,
    Inscription,
    InscriptionStatus,
    Nomination,
    NominationAttachment,
    NominationEvent,
)
from ..models import NominationState as S
from .deadlines import earliest_cycle
from .procedure import check_allowed, transition
from .roles import acts_for_state


def create_preliminary_entry(user, place, heritage_list: HeritageList, *, criteria=(), today=None) -> Nomination:
    """Enter the member state's own place on the preliminary list: the first step of every nomination."""
    if not heritage_list.accepts_nominations or not heritage_list.has_preliminary:
        raise TransitionNotAllowed(_("This list does not take nominations."))
    if not (agency_of(user) and user.agency_id == place.owning_agency_id and user.has_role(Role.CONTRIBUTOR)):
        raise NotPermitted(_("Only the place's own agency may enter it on the preliminary list."))
    bad = [c for c in criteria if c.criteria_set_id != heritage_list.criteria_set_id or not c.active]
    if bad:
        raise RecordInvalid(errors={"criteria": [_("Not criteria of this list: %(c)s") % {
            "c": ", ".join(c.code for c in bad)}]})
    with transaction.atomic():
        created = timezone.now() if today is None else timezone.make_aware(
            datetime.datetime.combine(today, datetime.time(12)))
        n = Nomination.objects.create(place=place, heritage_list=heritage_list, owning_agency=place.owning_agency,
                                      state=S.PRELIMINARY, created=created)
        n.proposed_criteria.set(criteria)
        inscription, _created = Inscription.objects.get_or_create(
            place=place, heritage_list=heritage_list, defaults={"status": InscriptionStatus.PRELIMINARY,
                                                                "year": created.year})
        inscription.criteria.set(criteria)
        NominationEvent.objects.create(nomination=n, action="enter_preliminary", to_state=S.PRELIMINARY, actor=user)
        audit.record("heritage.nomination.enter_preliminary", n, after={"list": heritage_list.key})
    return n


# Sections of a nomination file (Operational Guidelines Annex 5, condensed) and required attachments.
SECTIONS = {
    "identification": gettext_lazy("1. Identification of the property"),
    "description": gettext_lazy("2. Description"),
    "justification": gettext_lazy("3. Justification for inscription"),
    "conservation": gettext_lazy("4. State of conservation and factors affecting the property"),
    "protection_management": gettext_lazy("5. Protection and management"),
    "monitoring": gettext_lazy("6. Monitoring"),
    "documentation": gettext_lazy("7. Documentation"),
    "contact": gettext_lazy("8. Contact information of responsible authorities"),
}


REQUIRED_ATTACHMENTS = {
    "place": (AttachmentKind.MAPS, AttachmentKind.PHOTOGRAPHS, AttachmentKind.LEGAL_PROTECTION,
              AttachmentKind.MANAGEMENT_PLAN),
    "intangible": (AttachmentKind.PHOTOGRAPHS, AttachmentKind.CONSENT),
}


def missing_items(n: Nomination) -> list[tuple[str, str]]:
    """Everything that keeps a file from being complete, as (code, explanation) pairs; empty when complete."""
    missing = []
    for key, title in SECTIONS.items():
        if not str(n.sections.get(key) or "").strip():
            missing.append((f"section:{key}", _("Section missing: %(s)s") % {"s": title}))
    place = n.place
    kinds = set(n.attachments.values_list("kind", flat=True))
    required = REQUIRED_ATTACHMENTS["intangible" if place.category == Category.INTANGIBLE else "place"]
    labels = dict(AttachmentKind.choices)
    for kind in required:
        if kind not in kinds:
            missing.append((f"attachment:{kind}", _("Attachment missing: %(a)s") % {"a": labels[kind]}))
    criteria = list(n.proposed_criteria.all())
    if not criteria:
        missing.append(("criteria", _("No criterion is proposed.")))
    for c in criteria:
        if not (place.criteria_justification or {}).get(c.code):
            missing.append((f"justification:{c.code}", _("No justification for criterion %(c)s.") % {"c": c.code}))
    if place.category != Category.INTANGIBLE:
        if place.lon is None:
            missing.append(("location", _("The property has no location.")))
        if not place.boundary:
            missing.append(("boundary", _("The property has no boundary.")))
    return missing


def update_sections(user, n: Nomination, sections: dict) -> Nomination:
    if n.state != S.DRAFT or not acts_for_state(user, n):
        raise NotPermitted(_("Only the member state edits its file while in preparation."))
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise RecordInvalid(errors={"sections": [_("Unknown sections: %(s)s") % {"s": ", ".join(sorted(unknown))}]})
    with transaction.atomic():
        before = dict(n.sections)
        n.sections = {**n.sections, **sections}
        n.save(update_fields=["sections", "updated"])
        audit.record("heritage.nomination.edit", n, before={"sections": sorted(before)},
                     after={"sections": sorted(n.sections)})
    return n


def add_attachment(user, n: Nomination, kind: str, title: str, upload) -> NominationAttachment:
    """Add a required document (maps, photographs, legal texts…) to a file in preparation."""
    if n.state != S.DRAFT or not acts_for_state(user, n):
        raise NotPermitted(_("Only the member state edits its file while in preparation."))
    errors = {}
    if kind not in AttachmentKind.values:
        errors["kind"] = [_("Choose the kind of document.")]
    if upload is None:
        errors["file"] = [_("Choose a file to upload.")]
    if errors:
        raise RecordInvalid(errors=errors)
    with transaction.atomic():
        attachment = NominationAttachment.objects.create(nomination=n, kind=kind, title=title.strip() or upload.name,
                                                         file=upload)
        audit.record("heritage.nomination.attach", n, after={"kind": kind, "title": attachment.title})
    return attachment


def start_file(user, n, today=None):
    return transition(user, n, "start_file", S.DRAFT)


def _send_file(user, n, step: str, today):
    """A complete file goes to the secretariat (first time or again); its cycle follows from the calendar."""
    today = today or timezone.localdate()
    check_allowed(user, n, step)
    missing = missing_items(n)
    if missing:
        raise RecordInvalid(errors={"file": [text for _code, text in missing]})
    return transition(user, n, step, S.SUBMITTED, cycle_year=earliest_cycle(n, today), submitted_on=today)


def submit(user, n, today=None):
    """The national commission submits a complete file."""
    return _send_file(user, n, "submit", today)


def resubmit(user, n, today=None):
    """A revised file goes back, complete."""
    return _send_file(user, n, "resubmit", today)


def revise(user, n, today=None):
    return transition(user, n, "revise", S.DRAFT)

