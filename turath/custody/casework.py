"""What custody adds to case work. Custody builds on cases, never the reverse: cases sends its signals
(cases.signals: a handover, a seizure's new date) and asks its providers (cases.providers) for a case's
timeline and the agency's dashboard; this module answers, connected when custody starts (CustodyConfig.ready)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from turath.cases.providers import dashboard_figures, timeline_events
from turath.cases.services import Event, not_before
from turath.cases.signals import restitution_handed_over, seizure_date_changing

from . import services
from .models import ExitKind, Holding


@receiver(restitution_handed_over, dispatch_uid="custody.exit_handed_over_objects")
def exit_handed_over_objects(sender, case, handover, user, at, **kwargs):
    """Each claimed object still in the holding agency's custody leaves it (exit: restitution). Called
    inside the handover's transaction: an exit the chain refuses undoes the handover."""
    for obj in case.objects_claimed.all():
        holding = Holding.objects.filter(object=obj).first()
        if holding is not None and holding.in_custody and holding.custodian_id == user.agency_id:
            services.exit_object(user, obj, {
                "at": at, "kind": ExitKind.RESTITUTION, "recipient": handover.receiving_institution,
                "authorised_by": handover.handed_by or user.get_username(),
                "reference": case.number}, restitution=case)


@receiver(seizure_date_changing, dispatch_uid="custody.seizure_not_after_its_entry")
def seizure_not_after_its_entry(sender, seizure, seized_on, errors, **kwargs):
    """A lot cannot have been seized after it entered custody."""
    holding = (Holding.objects.filter(object__seizure_item__seizure=seizure).select_related("entry")
               .order_by("object__seizure_item__line").first())
    if holding is not None:
        not_before(holding.entry.at, seized_on, "seized_on", errors, _("a custody entry of this lot"))


@timeline_events
def custody_events(user, objects) -> list[Event]:
    """The custody chain of each object of a case, as `user` may see it."""
    return [Event(item.at, item.kind, f"{obj.record_number}: {item.summary}")
            for obj in objects for item in services.chain(user, obj)]


@dashboard_figures
def custody_figures(agency, lang: str) -> dict:
    return {"custody_by_facility": services.holdings_by_facility(agency),
            "overdue_checks": services.overdue_checks(agency)}
