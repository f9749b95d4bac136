"""The committee's decision (an inscription on the final list) and the list in danger (entry and removal)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import NotPermitted, RecordInvalid, TransitionNotAllowed

from ..models import DangerListing, Decision, HeritagePlace, Inscription, InscriptionStatus
from .deadlines import deadline
from .places import is_currently_in_danger
from .procedure import DECISION_STATE, check_allowed, transition
from .roles import may_list_in_danger


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
        n = transition(user, n, "decide", DECISION_STATE[decision], note=text, decision=decision,
                        decision_code=code.strip(), decision_text=text, decided_on=today)
        if decision == Decision.INSCRIBE:
            inscription, _created = Inscription.objects.update_or_create(
                place=n.place, heritage_list=n.heritage_list,
                defaults={"status": InscriptionStatus.FINAL, "year": n.cycle_year or today.year, "decision_code": code})
            inscription.criteria.set(n.proposed_criteria.all())
            audit.record("heritage.inscription.create", inscription, after={"decision_code": code})
    return n


def enter_danger_list(user, place: HeritagePlace, threats: str, corrective_measures: str = "",
                      desired_state: str = "", today: datetime.date | None = None) -> DangerListing:
    """The secretariat enters an inscribed place on the list in danger."""
    if not may_list_in_danger(user):
        raise NotPermitted(_("Only the secretariat enters places on the list in danger."))
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
        raise NotPermitted(_("Only the secretariat records a removal from the list in danger."))
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

