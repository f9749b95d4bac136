"""Restitution cases: opening (by either party), steps and the handover."""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.countries import is_country
from turath.core.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import Agency
from turath.core.parsing import moment_of_day, parse_id
from turath.core.permissions import WORK, permits

from ..models import (
    Handover,
    LegalBasis,
    RestitutionCase,
    RestitutionStep,
    Seizure,
)
from ..signals import restitution_handed_over
from .common import _agency_user, _check_version, _objects_for, _snapshot, _text, _today, not_before, parse_day


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
        audit.record("cases.restitution.open", case, after=_snapshot(case))
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
        audit.record("cases.restitution.update", locked, before=before, after=_snapshot(locked))
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
        audit.record("cases.restitution.add_step", case, after={"kind": kind, "on_date": day, "text": step.text})
    return step


def record_handover(user, case: RestitutionCase, data: dict, *, expected_version=None) -> Handover:
    """The holding agency hands the objects over: the handover record, and `restitution_handed_over`
    sent inside the same transaction (custody records an exit for each object the agency still
    holds; a receiver that refuses undoes the whole handover)."""
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
        # the objects leave custody at the handover (an object that entered custody this afternoon can
        # still be handed over today)
        restitution_handed_over.send(sender=RestitutionCase, case=locked, handover=handover, user=user,
                                     at=moment_of_day(day))
        locked.state = RestitutionCase.State.HANDED_OVER
        locked.closed = True
        locked.version += 1
        locked.save()
        audit.record("cases.restitution.hand_over", locked,
                     after={"on_date": day, "receiving_institution": institution})
    return handover
