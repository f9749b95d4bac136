"""Heritage list domain logic: places, the nomination procedure as a state machine, the yearly calendar.

Every transition goes through `transition()`, which checks the TRANSITIONS table (from-state,
to-state, who may act), the deadlines, writes a NominationEvent and an audit entry, all in one
transaction. Views, the API and the CLI call these functions and nothing else.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turath.core import audit
from turath.core.countries import country_name, is_country
from turath.core.models import AgencyKind, Role
from turath.core.permissions import Sharing, agency_of, can_add
from turath.register.services import RecordInvalid, TransitionNotAllowed

from . import geo
from .models import (
    AttachmentKind,
    CalendarDeadline,
    Category,
    DangerListing,
    Decision,
    EvaluationReport,
    EvaluatorAssignment,
    HeritageList,
    HeritagePlace,
    InformationRequest,
    Inscription,
    InscriptionStatus,
    Nomination,
    NominationAttachment,
    NominationEvent,
    PlaceState,
)
from .models import (
    NominationState as S,
)

__all__ = ["RecordInvalid", "TransitionNotAllowed"]


# --- Places --------------------------------------------------------------------------------------

PLACE_TEXT_FIELDS = ("name_ar", "name_en", "name_fr", "local_name", "local_script", "region", "states_text",
                     "attribution", "source", "external_id")
PLACE_JSON_FIELDS = ("description", "outstanding_value", "criteria_justification", "integrity", "authenticity",
                     "protection")


def set_states(place, codes: list[str]):
    """Replace the place's member states (ISO 3166-1 alpha-2) in the given order."""
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    bad = [c for c in codes if not is_country(c)]
    if bad:
        raise RecordInvalid(errors={"states": [_("Not ISO 3166-1 alpha-2 codes: %(c)s") % {"c": ", ".join(bad)}]})
    existing = list(place.states.values_list("country", flat=True)) if place.pk else []
    if existing == codes:
        return False
    place.states.all().delete()
    PlaceState.objects.bulk_create([PlaceState(place=place, country=c, order=i) for i, c in enumerate(codes)])
    return True


def create_place(user, data: dict, *, agency=None) -> HeritagePlace:
    """Create a place or intangible element owned by the user's agency (or `agency` for imports)."""
    if agency is None:
        if not can_add(user):
            raise PermissionError(_("You may not add heritage places."))
        agency = user.agency
    errors = {}
    place = HeritagePlace(owning_agency=agency, sharing=data.get("sharing", Sharing.PUBLIC))
    for field in PLACE_TEXT_FIELDS:
        setattr(place, field, (data.get(field) or "").strip())
    for field in PLACE_JSON_FIELDS:
        setattr(place, field, data.get(field) or {})
    place.category = data.get("category", "")
    if place.category not in Category.values:
        errors["category"] = [_("Choose one of: %(c)s") % {"c": ", ".join(Category.values)}]
    if not (place.name_ar or place.name_en or place.name_fr):
        errors["name"] = [_("Give a name in at least one of Arabic, English or French.")]
    place.sensitive = bool(data.get("sensitive"))
    place.area_ha = data.get("area_ha")
    place.parent = data.get("parent")
    errors.update(geo.apply_geometry(place, lon=data.get("lon"), lat=data.get("lat"),
                                     boundary=data.get("boundary", ""), buffer_zone=data.get("buffer_zone", "")))
    states = data.get("states") or []
    place.transboundary = len(states) > 1
    if errors:
        raise RecordInvalid(errors=errors)
    with transaction.atomic():
        place.save()
        set_states(place, states)
        audit.record("heritage.place.create", place, after={"states": states, "category": place.category})
    return place


def is_currently_in_danger(place) -> bool:
    return any(d.year_out is None for d in place.danger_listings.all())


def serialize_place(user, place, lang: str = "en") -> dict:
    """The place as the API and GeoJSON show it; the location comes from geo.location_for only."""
    loc = geo.location_for(user, place)
    return {
        "id": place.pk,
        "name": place.name(lang),
        "name_ar": place.name_ar, "name_en": place.name_en, "name_fr": place.name_fr,
        "local_name": place.local_name, "local_script": place.local_script,
        "category": place.category,
        "states": [s.country for s in place.states.all()],
        "transboundary": place.transboundary,
        "region": place.region,
        "location": {"lon": loc.lon, "lat": loc.lat, "exact": loc.exact},
        "boundary": loc.boundary or None,
        "area_ha": float(place.area_ha) if place.area_ha is not None else None,
        "inscriptions": [
            {"list": i.heritage_list.key, "status": i.status, "year": i.year,
             "criteria": [c.code for c in i.criteria.all()]}
            for i in place.inscriptions.all()
        ],
        "in_danger": is_currently_in_danger(place),
        "danger_history": [{"in": d.year_in, "out": d.year_out} for d in place.danger_listings.all()],
        "attribution": place.attribution,
        "source_id": place.external_id,
    }


def geojson_feature(user, place, lang: str = "en") -> dict | None:
    loc = geo.location_for(user, place)
    if loc.lon is None:
        return None
    return {
        "type": "Feature",
        "id": place.pk,
        "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
        "properties": {
            "name": place.name(lang), "category": place.category,
            "states": [s.country for s in place.states.all()],
            "in_danger": is_currently_in_danger(place), "exact": loc.exact,
            "attribution": place.attribution,
        },
    }


# --- The yearly calendar -------------------------------------------------------------------------

DEFAULT_CALENDAR = {
    "preliminary_list": (3, 15, gettext_lazy("Preliminary list entries")),
    "applications": (7, 15, gettext_lazy("Nomination files due")),
    "evaluation_end": (9, 15, gettext_lazy("End of evaluation")),
    "documents": (10, 15, gettext_lazy("Documents sent to members")),
    "session_start": (11, 1, gettext_lazy("Committee session opens")),
    "session_end": (11, 30, gettext_lazy("Committee session closes")),
    "notification": (12, 31, gettext_lazy("Decisions notified")),
}


@dataclass(frozen=True)
class Deadline:
    key: str
    date: datetime.date
    label: str


def calendar() -> dict[str, tuple[int, int, str]]:
    """The calendar in force: the defaults, amended by CalendarDeadline rows."""
    out = dict(DEFAULT_CALENDAR)
    for row in CalendarDeadline.objects.all():
        out[row.key] = (row.month, row.day, row.label_en)
    return out


def deadline(key: str, year: int, cal=None) -> Deadline:
    month, day, label = (cal or calendar())[key]
    return Deadline(key, datetime.date(year, month, day), str(label))


def earliest_cycle(nomination, today: datetime.date, cal=None) -> int:
    """The first session year a file can still reach: applications by 15 July, on the preliminary list by 15 March."""
    cal = cal or calendar()
    year = today.year if today <= deadline("applications", today.year, cal).date else today.year + 1
    listed_on = timezone.localdate(nomination.created) if nomination.created else today
    while listed_on > deadline("preliminary_list", year, cal).date:
        year += 1
    return year


def next_deadline(nomination, today: datetime.date | None = None) -> Deadline | None:
    """The next date that matters for this file in its present state."""
    today = today or timezone.localdate()
    cal = calendar()
    state = nomination.state
    if state in (S.PRELIMINARY, S.DRAFT, S.DEFERRED, S.REFERRED):
        if state in (S.DEFERRED, S.REFERRED) and nomination.cycle_year:
            notice = deadline("notification", nomination.cycle_year, cal)
            if today <= notice.date:
                return notice
        return deadline("applications", earliest_cycle(nomination, today, cal), cal)
    year = nomination.cycle_year or today.year
    if state in (S.SUBMITTED, S.EVALUATION, S.INFORMATION_REQUESTED):
        for key in ("evaluation_end", "documents", "session_start"):
            d = deadline(key, year, cal)
            if today <= d.date:
                return d
        return deadline("session_start", year + 1, cal)
    if state == S.RECOMMENDED:
        for key in ("documents", "session_start", "session_end"):
            d = deadline(key, year, cal)
            if today <= d.date:
                return d
        return deadline("session_start", year + 1, cal)
    if state in (S.INSCRIBED, S.NOT_INSCRIBED):
        d = deadline("notification", year, cal)
        return d if today <= d.date else None
    return None


# --- Who may act on nomination files (who sees them: Nomination.permission_q) -------------------

_active_agency = agency_of  # the user's agency is worked out in one place (core.permissions)


def is_secretariat(user) -> bool:
    agency = _active_agency(user)
    return agency is not None and agency.kind == AgencyKind.SECRETARIAT


def _member_state(user, n, role=Role.CONTRIBUTOR) -> bool:
    return _active_agency(user) is not None and user.agency_id == n.owning_agency_id and user.has_role(role)


def _secretariat(user, n, role=Role.EDITOR) -> bool:
    return is_secretariat(user) and user.has_role(role)


def _evaluator(user, n) -> bool:
    return n.assignments.filter(evaluator_id=getattr(user, "pk", None), coi_declared_on__isnull=False,
                                has_conflict=False).exists()


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple
    targets: tuple
    who: object  # callable(user, nomination) -> bool
    who_label: str


TRANSITIONS = {
    t.action: t for t in (
        Transition("start_file", (S.PRELIMINARY,), (S.DRAFT,), _member_state,
                   gettext_lazy("the member state's heritage agency")),
        Transition("submit", (S.DRAFT,), (S.SUBMITTED,), lambda u, n: _member_state(u, n, Role.AGENCY_ADMIN),
                   gettext_lazy("the national commission (agency administrator)")),
        Transition("start_evaluation", (S.SUBMITTED,), (S.EVALUATION,), _secretariat,
                   gettext_lazy("the secretariat")),
        Transition("request_information", (S.EVALUATION,), (S.INFORMATION_REQUESTED,),
                   lambda u, n: _secretariat(u, n) or _evaluator(u, n),
                   gettext_lazy("an assigned evaluator or the secretariat")),
        Transition("provide_information", (S.INFORMATION_REQUESTED,), (S.EVALUATION,), _member_state,
                   gettext_lazy("the member state's heritage agency")),
        Transition("recommend", (S.EVALUATION,), (S.RECOMMENDED,), _secretariat, gettext_lazy("the secretariat")),
        Transition("decide", (S.RECOMMENDED,), (S.INSCRIBED, S.REFERRED, S.DEFERRED, S.NOT_INSCRIBED),
                   lambda u, n: _secretariat(u, n, Role.SECRETARIAT_ADMIN),
                   gettext_lazy("the secretariat administrator recording the committee's decision")),
        Transition("resubmit", (S.REFERRED,), (S.SUBMITTED,), lambda u, n: _member_state(u, n, Role.AGENCY_ADMIN),
                   gettext_lazy("the national commission (agency administrator)")),
        Transition("revise", (S.DEFERRED,), (S.DRAFT,), _member_state,
                   gettext_lazy("the member state's heritage agency")),
    )
}
DECISION_STATE = {Decision.INSCRIBE: S.INSCRIBED, Decision.REFER: S.REFERRED, Decision.DEFER: S.DEFERRED,
                  Decision.NOT_INSCRIBE: S.NOT_INSCRIBED}


def allowed_actions(user, nomination) -> list[str]:
    """Actions this user may take on this file now (the page shows exactly these)."""
    return [t.action for t in TRANSITIONS.values() if nomination.state in t.sources and t.who(user, nomination)]


def check_allowed(user, n: Nomination, action: str, to_state: str | None = None):
    """Raise unless the action is possible from the file's state and this user may take it."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionNotAllowed(_("Unknown action «%(a)s».") % {"a": action})
    if n.state not in t.sources or (to_state is not None and to_state not in t.targets):
        raise TransitionNotAllowed(_("«%(a)s» is not possible from «%(s)s».")
                                   % {"a": action, "s": n.get_state_display()})
    if not (getattr(user, "is_superuser", False) or t.who(user, n)):
        raise PermissionError(_("Only %(who)s may do this.") % {"who": t.who_label})


def _transition(user, n: Nomination, action: str, to_state: str, note: str = "", **changes) -> Nomination:
    check_allowed(user, n, action, to_state)
    before = {"state": n.state, "cycle_year": n.cycle_year}
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=n.pk)
        if locked.state != n.state:
            raise TransitionNotAllowed(_("The file changed meanwhile; reload it."))
        from_state = n.state
        n.state = to_state
        for field, value in changes.items():
            setattr(n, field, value)
        n.save()
        NominationEvent.objects.create(nomination=n, action=action, from_state=from_state, to_state=to_state,
                                       actor=user if getattr(user, "pk", None) else None, note=note)
        audit.record(f"heritage.nomination.{action}", n, before=before,
                     after={"state": n.state, "cycle_year": n.cycle_year, "note": note})
    return n


# --- The procedure, step by step -----------------------------------------------------------------


def create_preliminary_entry(user, place, heritage_list: HeritageList, *, criteria=(), today=None) -> Nomination:
    """Enter the member state's own place on the preliminary list: the first step of every nomination."""
    if not heritage_list.accepts_nominations or not heritage_list.has_preliminary:
        raise TransitionNotAllowed(_("This list does not take nominations."))
    if not (_active_agency(user) and user.agency_id == place.owning_agency_id and user.has_role(Role.CONTRIBUTOR)):
        raise PermissionError(_("Only the place's own agency may enter it on the preliminary list."))
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
    if n.state != S.DRAFT or not _member_state(user, n):
        raise PermissionError(_("Only the member state edits its file while in preparation."))
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


def start_file(user, n, today=None):
    return _transition(user, n, "start_file", S.DRAFT)


def submit(user, n, today=None):
    """The national commission submits a complete file; its cycle follows from the calendar."""
    today = today or timezone.localdate()
    check_allowed(user, n, "submit")
    missing = missing_items(n)
    if missing:
        raise RecordInvalid(errors={"file": [text for _code, text in missing]})
    return _transition(user, n, "submit", S.SUBMITTED, cycle_year=earliest_cycle(n, today), submitted_on=today)


def resubmit(user, n, today=None):
    today = today or timezone.localdate()
    check_allowed(user, n, "resubmit")
    missing = missing_items(n)
    if missing:
        raise RecordInvalid(errors={"file": [text for _code, text in missing]})
    return _transition(user, n, "resubmit", S.SUBMITTED, cycle_year=earliest_cycle(n, today), submitted_on=today)


def assign_evaluator(user, n: Nomination, evaluator) -> EvaluatorAssignment:
    if not _secretariat(user, n) or n.state not in (S.SUBMITTED, S.EVALUATION):
        raise PermissionError(_("Only the secretariat assigns evaluators to a submitted file."))
    if evaluator.agency_id == n.owning_agency_id or (evaluator.agency and
                                                     evaluator.agency.country in n.place.state_codes):
        raise RecordInvalid(errors={"evaluator": [_("An evaluator may not come from the nominating state.")]})
    with transaction.atomic():
        a, _created = EvaluatorAssignment.objects.get_or_create(nomination=n, evaluator=evaluator)
        audit.record("heritage.nomination.assign", n, after={"evaluator": evaluator.username})
    return a


def declare_conflict_of_interest(user, assignment: EvaluatorAssignment, *, has_conflict: bool, statement: str = ""):
    if assignment.evaluator_id != user.pk:
        raise PermissionError(_("Only the evaluator makes their own declaration."))
    with transaction.atomic():
        assignment.has_conflict = bool(has_conflict)
        assignment.coi_statement = statement
        assignment.coi_declared_on = timezone.now()
        assignment.save()
        audit.record("heritage.nomination.coi", assignment.nomination,
                     after={"evaluator": user.username, "has_conflict": assignment.has_conflict})
    return assignment


def start_evaluation(user, n, today=None):
    check_allowed(user, n, "start_evaluation")
    if not n.assignments.filter(coi_declared_on__isnull=False, has_conflict=False).exists():
        raise TransitionNotAllowed(_("No assigned evaluator has declared freedom from conflicts of interest."))
    return _transition(user, n, "start_evaluation", S.EVALUATION)


def submit_evaluation_report(user, n, *, text: str, recommendation: str) -> EvaluationReport:
    if n.state != S.EVALUATION or not _evaluator(user, n):
        raise PermissionError(_("Only an assigned evaluator without conflict of interest reports, during evaluation."))
    if recommendation not in Decision.values or not text.strip():
        raise RecordInvalid(errors={"report": [_("Give the report text and a recommendation.")]})
    with transaction.atomic():
        report = EvaluationReport.objects.create(nomination=n, evaluator=user, text=text, recommendation=recommendation)
        audit.record("heritage.nomination.report", n, after={"recommendation": recommendation})
    return report


def request_information(user, n, question: str, today=None):
    if not question.strip():
        raise RecordInvalid(errors={"question": [_("Say what information is needed.")]})
    n = _transition(user, n, "request_information", S.INFORMATION_REQUESTED, note=question)
    InformationRequest.objects.create(nomination=n, requested_by=user, question=question)
    return n


def provide_information(user, n, answer: str, today=None):
    if not answer.strip():
        raise RecordInvalid(errors={"answer": [_("Give the additional information.")]})
    with transaction.atomic():
        n = _transition(user, n, "provide_information", S.EVALUATION, note=answer)
        n.information_requests.filter(answered_on__isnull=True).update(answer=answer, answered_on=timezone.now())
    return n


def recommend(user, n, recommendation: str, text: str = "", today=None):
    today = today or timezone.localdate()
    if recommendation not in Decision.values:
        raise RecordInvalid(errors={"recommendation": [_("Choose inscribe, refer, defer or not inscribe.")]})
    check_allowed(user, n, "recommend")
    if not n.reports.exists():
        raise TransitionNotAllowed(_("No evaluation report has been submitted."))
    cycle = n.cycle_year or today.year
    if today > deadline("documents", cycle).date:
        cycle += 1  # too late for the members to receive the documents before this year's session
    return _transition(user, n, "recommend", S.RECOMMENDED, note=text, recommendation=recommendation,
                       recommendation_text=text, cycle_year=cycle)


def decide(user, n, decision: str, *, code: str, text: str, today=None):
    """Record the committee's decision at its session; an inscription puts the place on the final list."""
    today = today or timezone.localdate()
    if decision not in DECISION_STATE:
        raise RecordInvalid(errors={"decision": [_("Choose inscribe, refer, defer or not inscribe.")]})
    if not code.strip() or not text.strip():
        raise RecordInvalid(errors={"decision_code": [_("Give the decision code and text.")]})
    check_allowed(user, n, "decide", DECISION_STATE[decision])
    session = deadline("session_start", n.cycle_year or today.year)
    if today < session.date:
        raise TransitionNotAllowed(_("The committee's session for this file opens on %(d)s.") % {"d": session.date})
    with transaction.atomic():
        n = _transition(user, n, "decide", DECISION_STATE[decision], note=text, decision=decision,
                        decision_code=code.strip(), decision_text=text, decided_on=today)
        if decision == Decision.INSCRIBE:
            inscription, _created = Inscription.objects.update_or_create(
                place=n.place, heritage_list=n.heritage_list,
                defaults={"status": InscriptionStatus.FINAL, "year": n.cycle_year or today.year, "decision_code": code})
            inscription.criteria.set(n.proposed_criteria.all())
            audit.record("heritage.inscription", inscription, after={"decision_code": code})
    return n


def revise(user, n, today=None):
    return _transition(user, n, "revise", S.DRAFT)


ACTIONS = {"start_file": start_file, "submit": submit, "start_evaluation": start_evaluation,
           "request_information": request_information, "provide_information": provide_information,
           "recommend": recommend, "decide": decide, "resubmit": resubmit, "revise": revise}


def states_label(codes, lang="en") -> str:
    return ", ".join(country_name(c, lang) for c in codes)


# --- Emergency assistance and state of conservation ----------------------------------------------


def allocate_emergency(user, place, *, amount, currency: str, purpose: str, incident=None):
    """The secretariat grants emergency assistance to a listed place (optionally for an incident)."""
    from decimal import Decimal, InvalidOperation

    from .models import EmergencyAllocation

    if not (is_secretariat(user) and user.has_role(Role.EDITOR)):
        raise PermissionError(_("Only the secretariat allocates emergency assistance."))
    errors = {}
    try:
        amount = Decimal(str(amount))
        if amount <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors["amount"] = [_("Give a positive amount.")]
    if not (len(currency) == 3 and currency.isalpha()):
        errors["currency"] = [_("Give an ISO 4217 currency code, e.g. USD.")]
    if not purpose.strip():
        errors["purpose"] = [_("Say what the assistance is for.")]
    if errors:
        raise RecordInvalid(errors=errors)
    with transaction.atomic():
        allocation = EmergencyAllocation.objects.create(place=place, incident=incident, amount=amount,
                                                        currency=currency.upper(), purpose=purpose)
        audit.record("heritage.allocation.create", allocation, after={"amount": str(amount), "currency": currency})
    return allocation


def record_disbursement(user, allocation, amount, on=None):
    """Pay out part or all of an allocation; never more than was allocated."""
    from decimal import Decimal

    if not (is_secretariat(user) and user.has_role(Role.EDITOR)):
        raise PermissionError(_("Only the secretariat records disbursements."))
    amount = Decimal(str(amount))
    if amount <= 0 or allocation.disbursed_amount + amount > allocation.amount:
        raise RecordInvalid(errors={"amount": [_("The disbursement must be positive and within the allocation.")]})
    with transaction.atomic():
        before = str(allocation.disbursed_amount)
        allocation.disbursed_amount += amount
        allocation.disbursed_on = on or timezone.localdate()
        allocation.status = "disbursed" if allocation.disbursed_amount == allocation.amount else "partly_disbursed"
        allocation.save()
        audit.record("heritage.allocation.disburse", allocation, before={"disbursed": before},
                     after={"disbursed": str(allocation.disbursed_amount)})
    return allocation


def add_conservation_report(user, place, *, year: int, threats: str, summary: dict):
    """The member state (place's own agency) or the secretariat files a state-of-conservation report."""
    from .models import StateOfConservationReport

    if not (can_add(user) and (user.agency_id == place.owning_agency_id or is_secretariat(user))):
        raise PermissionError(_("Only the place's own agency or the secretariat reports on its conservation."))
    with transaction.atomic():
        report = StateOfConservationReport.objects.create(place=place, year=year, submitted_by=user.agency,
                                                          threats=threats, summary=summary or {})
        audit.record("heritage.soc.create", report, after={"year": year})
    return report


# --- Attachments and the list in danger ---------------------------------------------------------


def add_attachment(user, n: Nomination, kind: str, title: str, upload) -> NominationAttachment:
    """Add a required document (maps, photographs, legal texts…) to a file in preparation."""
    if n.state != S.DRAFT or not _member_state(user, n):
        raise PermissionError(_("Only the member state edits its file while in preparation."))
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


def may_list_in_danger(user) -> bool:
    return is_secretariat(user) and user.has_role(Role.EDITOR)


def enter_danger_list(user, place: HeritagePlace, threats: str, corrective_measures: str = "",
                      desired_state: str = "", today: datetime.date | None = None) -> DangerListing:
    """The secretariat enters an inscribed place on the list in danger."""
    if not may_list_in_danger(user):
        raise PermissionError(_("Only the secretariat enters places on the list in danger."))
    inscription = place.inscriptions.filter(status=InscriptionStatus.FINAL).select_related("heritage_list").first()
    if inscription is None or is_currently_in_danger(place):
        raise TransitionNotAllowed(_("Only an inscribed place not already in danger can be entered on the list "
                                     "in danger."))
    if not threats.strip():
        raise RecordInvalid(errors={"threats": [_("Say what threatens the place.")]})
    today = today or timezone.localdate()
    if place.danger_listings.filter(heritage_list=inscription.heritage_list, year_in=today.year).exists():
        # One period per place, list and year (as the committee records it): re-entering a place
        # removed earlier the same year reopens nothing silently.
        raise TransitionNotAllowed(_("This place already has a period on the list in danger starting this year."))
    with transaction.atomic():
        listing = DangerListing.objects.create(
            place=place, heritage_list=inscription.heritage_list, year_in=today.year, date_in=today,
            threats=threats.strip(), corrective_measures=corrective_measures.strip(),
            desired_state=desired_state.strip())
        audit.record("heritage.danger.enter", place, after={"list": inscription.heritage_list.key,
                                                            "year_in": listing.year_in})
    return listing


def leave_danger_list(user, place: HeritagePlace, decision: str, today: datetime.date | None = None) -> DangerListing:
    """The committee removes a place from the list in danger: its current period gets its date out.

    The period stays (the history of the list in danger is never rewritten); re-entering later opens
    a new one."""
    if not may_list_in_danger(user):
        raise PermissionError(_("Only the secretariat records a removal from the list in danger."))
    listing = place.danger_listings.filter(year_out__isnull=True).first()
    if listing is None:
        raise TransitionNotAllowed(_("This place is not on the list in danger."))
    if not decision.strip():
        raise RecordInvalid(errors={"decision": [_("Give the committee's decision on the removal.")]})
    today = today or timezone.localdate()
    if listing.date_in and today < listing.date_in:
        raise RecordInvalid(errors={"date_out": [_("A place cannot leave the list before it entered it.")]})
    with transaction.atomic():
        listing.year_out, listing.date_out = today.year, today
        listing.removal_decision = decision.strip()
        listing.save(update_fields=["year_out", "date_out", "removal_decision"])
        audit.record("heritage.danger.leave", place, before={"year_in": listing.year_in, "year_out": None},
                     after={"year_in": listing.year_in, "year_out": listing.year_out,
                            "decision": listing.removal_decision})
    return listing
