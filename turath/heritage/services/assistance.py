"""Emergency assistance (allocations and their disbursements) and state-of-conservation reports."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import NotPermitted, RecordInvalid
from turath.core.models import Role
from turath.core.permissions import can_add

from ..models import EmergencyAllocation, StateOfConservationReport
from .roles import is_secretariat


def allocate_emergency(user, place, *, amount, currency: str, purpose: str, incident=None):
    """The secretariat grants emergency assistance to a listed place (optionally for an incident)."""


    if not (is_secretariat(user) and user.has_role(Role.EDITOR)):
        raise NotPermitted(_("Only the secretariat allocates emergency assistance."))
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

    if not (is_secretariat(user) and user.has_role(Role.EDITOR)):
        raise NotPermitted(_("Only the secretariat records disbursements."))
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

    if not (can_add(user) and (user.agency_id == place.owning_agency_id or is_secretariat(user))):
        raise NotPermitted(_("Only the place's own agency or the secretariat reports on its conservation."))
    with transaction.atomic():
        report = StateOfConservationReport.objects.create(place=place, year=year, submitted_by=user.agency,
                                                          threats=threats, summary=summary or {})
        audit.record("heritage.soc.create", report, after={"year": year})
    return report

